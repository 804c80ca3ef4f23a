/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_OUTBOUND_H
#define SC_OUTBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "view.h"

/*
 * Client-side connections of a view (a service's pools to its database and
 * cache), grouped by remote port, or by remote address and port. A
 * connection is client-side when it is ESTABLISHED and no listener holds its
 * local port in its network namespace: the connections no row of the
 * listening ports counts.
 */
struct sc_outbound_row {
	__u16 port;                 /* remote port */
	__u16 family;               /* by address: AF_INET or AF_INET6; 0 by port */
	__u8 addr[16];              /* by address: the remote address */
	__u64 connections;          /* each socket once */
	__u64 idle_connections;
	__u64 processes;            /* processes holding them */
	__u64 socket_memory_bytes;
	__u64 addresses;            /* distinct remote addresses among them */
};

/*
 * The kept connections of v that are client-side, a row per remote port (or
 * per remote address and port with by_addr), by connections descending, ties
 * by port then address. Sets *rows (caller frees; never NULL on success) and
 * *n. Returns 0, -ENOMEM, or -EOPNOTSUPP by address for a view from a summary
 * (it has no addresses).
 */
int sc_outbound_group(const struct sc_view *v, bool by_addr, struct sc_outbound_row **rows,
		      size_t *n);

#endif /* SC_OUTBOUND_H */

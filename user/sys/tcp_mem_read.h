/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TCP_MEM_READ_H
#define SC_TCP_MEM_READ_H

#include "tcp_mem.h"

/*
 * Reads net.ipv4.tcp_mem and the TCP pages in use from /proc/net/sockstat
 * (both of the reader's network namespace's view; the accounting itself is
 * host-wide), with the page size they count in. Returns 0 or a negative errno.
 */
int sc_tcp_mem_read(struct sc_tcp_mem *m);

#endif /* SC_TCP_MEM_READ_H */

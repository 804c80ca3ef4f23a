/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_DIAG_DESTROY_H
#define SC_DIAG_DESTROY_H

#include "snapshot.h"

/*
 * Aborting a TCP socket with the sock_diag SOCK_DESTROY request, as `ss -K`
 * does: the kernel finds the socket by its addresses and ports, checks its
 * cookie (a socket reusing the ports is left alone) and aborts it as
 * tcp_abort() does: the holder's next call fails with ECONNABORTED and the
 * peer gets a reset. Needs CAP_NET_ADMIN and CONFIG_INET_DIAG_DESTROY; fd is
 * from sc_listen_diag_open() (listen_diag.h), made in the socket's network
 * namespace.
 */

/* Returns 0, or a negative errno: -ENOENT gone, -ESTALE another socket now. */
int sc_diag_destroy(int fd, const struct sc_socket *s);

/*
 * Whether the kernel aborts by SOCK_DESTROY, tried on a loopback listener
 * of our own: 0, -EOPNOTSUPP without CONFIG_INET_DIAG_DESTROY, -ENOENT
 * without TCP sock_diag, or another negative errno.
 */
int sc_diag_destroy_probe(int fd);

#endif /* SC_DIAG_DESTROY_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_LISTEN_DIAG_H
#define SC_LISTEN_DIAG_H

#include <stddef.h>
#include <linux/types.h>

/*
 * TCP listeners' accept queues and drops from sock_diag (what `ss -ltn`
 * asks): with only LISTEN in the state filter the kernel walks the
 * listening hash alone, so a dump costs the listeners, not the connections.
 * A sock_diag socket answers for the network namespace it was created in.
 */
struct sc_listen_stat {
	__u64 cookie;          /* the socket cookie, as bpf_get_socket_cookie() */
	__u32 backlog;         /* connections waiting in the accept queue */
	__u32 max_backlog;     /* the accept queue's limit */
	__u64 drops;           /* sk_drops: handshakes and accepts the listener dropped */
};

/* A NETLINK_SOCK_DIAG socket in the caller's network namespace: an fd or a negative errno. */
int sc_listen_diag_open(void);

/*
 * Every IPv4 and IPv6 TCP listener of fd's namespace into *out (free() it),
 * *n of them. Returns 0 or a negative errno; after an error the socket may
 * still hold part of a reply, which the next dump skips by sequence number,
 * but a caller may as well open a new one.
 */
int sc_listen_diag_dump(int fd, struct sc_listen_stat **out, size_t *n);

#endif /* SC_LISTEN_DIAG_H */

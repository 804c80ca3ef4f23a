/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_DIAG_DUMP_H
#define SC_DIAG_DUMP_H

#include <linux/inet_diag.h>
#include <linux/types.h>

/* One socket of a dump and its attributes' bytes (len of them); 0 or a negative errno to stop. */
typedef int (*sc_diag_each)(const struct inet_diag_msg *m, int len, void *ctx);

/* A filter the kernel runs on each socket before reporting it: cheaper than reading them all. */
#define SC_DIAG_BC_MAX_PORTS 64

struct sc_diag_bc {
	struct inet_diag_bc_op ops[3 * SC_DIAG_BC_MAX_PORTS];
	size_t len;             /* bytes of ops in use; 0: no filter */
};

/*
 * Keeps the sockets whose remote port is one of dports or whose local port
 * is one of sports. No filter (len 0) for none, or more than
 * SC_DIAG_BC_MAX_PORTS in all: then every socket is reported.
 */
void sc_diag_bc_ports(struct sc_diag_bc *bc, const __u16 *dports, size_t nd,
		      const __u16 *sports, size_t ns);

/*
 * A sock_diag dump of fd's namespace's TCP sockets of one family in the
 * states of the mask (1 << TCP_*), with the extensions of ext (1 << (INET_DIAG_* - 1)),
 * those bc keeps (NULL: all), each through each. Messages of an earlier dump
 * cut short are skipped by sequence number. Returns 0 or a negative errno.
 */
int sc_diag_dump(int fd, __u8 family, __u32 states, __u8 ext, const struct sc_diag_bc *bc,
		 sc_diag_each each, void *ctx);

#endif /* SC_DIAG_DUMP_H */

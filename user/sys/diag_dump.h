/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_DIAG_DUMP_H
#define SC_DIAG_DUMP_H

#include <linux/inet_diag.h>
#include <linux/types.h>

/* One socket of a dump and its attributes' bytes (len of them); 0 or a negative errno to stop. */
typedef int (*sc_diag_each)(const struct inet_diag_msg *m, int len, void *ctx);

/*
 * A sock_diag dump of fd's namespace's TCP sockets of one family in the
 * states of the mask (1 << TCP_*), with the extensions of ext (1 << (INET_DIAG_* - 1)),
 * each through each. Messages of an earlier dump cut short are skipped by
 * sequence number. Returns 0 or a negative errno.
 */
int sc_diag_dump(int fd, __u8 family, __u32 states, __u8 ext, sc_diag_each each, void *ctx);

#endif /* SC_DIAG_DUMP_H */

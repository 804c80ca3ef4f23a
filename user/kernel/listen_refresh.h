/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_LISTEN_REFRESH_H
#define SC_LISTEN_REFRESH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "mirror.h"

/*
 * Keeps the mirror's listeners (accept queue, its limit, drops) current
 * between walks, which change reports cannot: nothing runs a program when a
 * handshake queues a connection or a full queue drops one. One sock_diag
 * socket per network namespace a process is in, made once (entering the
 * namespace needs CAP_SYS_ADMIN; where that is refused the namespace's
 * listeners keep their walk's figures, and a warning says so once) and
 * asked at each refresh.
 */
struct sc_listen_ns {
	__u32 netns;
	int fd;                /* a sock_diag socket there, or a negative errno: not until a walk */
	__u64 gen;             /* the run that last asked it */
};

struct sc_listen_refresh {
	struct sc_listen_ns *ns;
	size_t n;
	__u64 gen;
	bool broken;           /* could not return to its own namespace once: never again */
	bool warned;           /* a namespace could not be entered: said once, then in -v */
};

struct sc_task_record;
struct sc_tally;
struct sc_clock_ref;
/* Updates m's listeners in the namespaces of tasks, and their share in tally (judged at c). */
void sc_listen_refresh_run(struct sc_listen_refresh *r, struct sc_mirror *m,
			   struct sc_tally *tally, const struct sc_clock_ref *c,
			   const struct sc_task_record *tasks, size_t ntasks);
/* Closes every socket: after a walk, namespaces may be gone or be new. */
void sc_listen_refresh_reset(struct sc_listen_refresh *r);

#endif /* SC_LISTEN_REFRESH_H */

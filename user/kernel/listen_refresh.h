/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_LISTEN_REFRESH_H
#define SC_LISTEN_REFRESH_H

#include <stddef.h>
#include <linux/types.h>

#include "mirror.h"

/*
 * Keeps the mirror's listeners (accept queue, its limit, drops) current
 * between walks, which change reports cannot: nothing runs a program when a
 * handshake queues a connection or a full queue drops one. One sock_diag
 * socket per network namespace a process is in, made once
 * (entering the namespace needs CAP_SYS_ADMIN; where that fails the
 * namespace's listeners keep their walk's figures) and asked at each refresh.
 */
struct sc_listen_ns {
	__u32 netns;
	int fd;                /* a sock_diag socket there, or a negative errno: not again */
};

struct sc_listen_refresh {
	struct sc_listen_ns *ns;
	size_t n;
};

struct sc_task_record;
/* Updates m's listeners in the namespaces of tasks (at most 64 of them). */
void sc_listen_refresh_run(struct sc_listen_refresh *r, struct sc_mirror *m,
			   const struct sc_task_record *tasks, size_t ntasks);
/* Closes every socket: after a walk, namespaces may be gone or be new. */
void sc_listen_refresh_reset(struct sc_listen_refresh *r);

#endif /* SC_LISTEN_REFRESH_H */

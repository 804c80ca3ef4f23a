/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CLOSE_PLAN_H
#define SC_CLOSE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "slab.h"
#include "view.h"

/*
 * What `sockcost close` would abort, judged from a view: the kept
 * connections a process holds, never a listener (closing one refuses every
 * new connection), nor sockets with no connection to abort (time-wait,
 * request, unconnected) or no holder to name in the log.
 */

/* How sockets are aborted. */
enum sc_close_method {
	SC_CLOSE_AUTO,   /* bpf where the kernel has bpf_sock_destroy, else diag */
	SC_CLOSE_BPF,    /* bpf_sock_destroy() from an iter/tcp program (6.5+) */
	SC_CLOSE_DIAG,   /* sock_diag SOCK_DESTROY, as `ss -K` (CONFIG_INET_DIAG_DESTROY) */
};

const char *sc_close_method_name(enum sc_close_method m);

/* A result not yet known: the socket was not met in its namespace's walk. */
#define SC_CLOSE_PENDING 1

struct sc_close_target {
	const struct sc_row *row;   /* the socket's first kept holder */
	__u32 fds;                  /* kept holders' fds on it, over every process */
	int result;                 /* 0 aborted, a negative errno, or SC_CLOSE_PENDING */
};

struct sc_close_proc {
	const struct sc_process *process;
	__u64 sockets;              /* targets it is the first holder of */
	__u64 fds;                  /* its fds on targets */
	__u64 memory_bytes;         /* of the targets it is the first holder of */
	__u64 aborted;              /* after the run: its first-held targets aborted */
	__u64 fds_after;            /* after the run: /proc/PID/fd entries, 0 if gone */
};

struct sc_close_plan {
	struct sc_close_target *targets;  /* by pid and fd; at most max */
	size_t ntargets;
	size_t matched;             /* closable sockets the filters kept */
	size_t left;                /* matched past max: left for another run */
	size_t listeners;           /* listening sockets the filters kept: never closed */
	size_t unclosable;          /* time-wait, request, unconnected or unheld ones */
	size_t busy;                /* not idle: kept only with busy_too */
	__u64 fds;
	__u64 memory_bytes;         /* buffers: queues and forward allocation */
	/*
	 * Of those, the send queues: dropped when a socket is aborted. The
	 * receive queue stays (the holder may still read it) until its fd closes.
	 */
	__u64 send_queue_bytes;
	/*
	 * The targets' kernel objects (tcp_sock, socket inode, file, dentry):
	 * freed only when the last fd on each is closed. sc_close_plan_objects sets it.
	 */
	__u64 object_bytes;
	struct sc_close_proc *procs; /* of the targets, by sockets descending, then pid */
	size_t nprocs;
};

/* Returns 0 or -ENOMEM. max >= 1. */
int sc_close_plan_build(struct sc_close_plan *p, const struct sc_view *v, size_t max,
			bool busy_too);
void sc_close_plan_free(struct sc_close_plan *p);

/* Sizes the targets' kernel objects, from slab (slab.h). */
void sc_close_plan_objects(struct sc_close_plan *p, const struct sc_slab_sizes *slab);

/* Whether a socket in state has a connection close can abort. */
bool sc_close_state_closable(__u8 state);

/* Targets whose result is 0, and after the run the process sums of them. */
size_t sc_close_plan_aborted(struct sc_close_plan *p);

#endif /* SC_CLOSE_PLAN_H */

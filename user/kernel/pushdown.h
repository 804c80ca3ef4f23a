/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_PUSHDOWN_H
#define SC_PUSHDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "iter_read.h"
#include "sockcost.h"
#include "tracker.h"

/*
 * A one-shot reader's --pid/--port filter pushed into the kernel walks, so
 * that records which cannot match are not written (sockcost.h, struct
 * sc_walk_filter). Every step may fail to push: the walk then writes more,
 * and the view, which filters again, shows the same.
 */
struct sc_pushdown {
	int filters_fd;
	int cookies_fd;
	__u32 tgid;              /* the key: this process */
	struct sc_walk_filter f; /* as last written */
	bool written;
	__u64 *cookies;          /* in sc_walk_cookies under our tgid */
	size_t ncookies;
	/* Task and task_file links that iterate only f.pid (6.1+), else -1. */
	int task_link;
	int file_link;
};

/*
 * Starts pushing pid (0: any) and port (-1: any) down; a reader that wants
 * neither pushes nothing, nor one whose filter cannot be written (p->f.flags
 * then stays 0: the walks are whole). Ends with sc_pushdown_end either way.
 */
void sc_pushdown_begin(struct sc_pushdown *p, const struct sc_tracker *t, __u32 pid, int port);

/* A task or task_file walk's link: for one process where the kernel can, else t's. */
int sc_pushdown_link(const struct sc_pushdown *p, const struct sc_tracker *t,
		     enum sc_iter_kind kind);

/*
 * After the task walk: with a port alone, the file walk writes only TCP
 * sockets (and a door per process and namespace) if the task records
 * carry fd counts (iter/task counts them where the kernel has bpf_loop).
 * Returns true if it will: process fds then come from the task records,
 * or /proc where a record has none.
 */
bool sc_pushdown_files_by_port(struct sc_pushdown *p, const struct sc_records *tasks);

/*
 * After the file walk of one process: the host's TCP walks write only the
 * sockets it holds, and listeners (cost's --pid). False if they cannot be
 * told (too many, no memory).
 */
bool sc_pushdown_tcp_by_holder(struct sc_pushdown *p, const struct sc_records *files);

/*
 * Ends the push-down: *skipped_established gets what the TCP walks skipped
 * (added to the snapshot's whole-host counts), and what was skipped is
 * logged. Removes every trace of p from the maps.
 */
void sc_pushdown_end(struct sc_pushdown *p, __u64 skipped_established[2]);

#endif /* SC_PUSHDOWN_H */

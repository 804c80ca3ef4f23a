/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_MEM_HISTORY_H
#define SC_MEM_HISTORY_H

#include <stddef.h>
#include <linux/types.h>

#include "marginal.h"

/*
 * Memory samples per process across walks (sockcostd's marginal estimates):
 * each walk adds (connections, private memory) for the processes it reads,
 * then forgets those it did not see, since pids are reused.
 */
struct sc_mem_history_entry {
	__u32 pid;
	__u32 seen;                 /* the round it was last sampled */
	struct sc_marginal m;
};

struct sc_mem_history {
	struct sc_mem_history_entry *e;   /* by pid */
	size_t n, cap;
	__u32 round;
};

/* Starts a round of samples. */
void sc_mem_history_begin(struct sc_mem_history *h);
/* Adds a sample of pid in this round. Returns 0 or -ENOMEM. */
int sc_mem_history_add(struct sc_mem_history *h, __u32 pid, __u64 connections, __u64 bytes);
/* Forgets the processes not sampled this round. */
void sc_mem_history_end(struct sc_mem_history *h);
/* pid's samples, NULL if none. */
const struct sc_marginal *sc_mem_history_get(const struct sc_mem_history *h, __u32 pid);
void sc_mem_history_free(struct sc_mem_history *h);

#endif /* SC_MEM_HISTORY_H */

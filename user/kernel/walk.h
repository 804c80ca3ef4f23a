/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_WALK_H
#define SC_WALK_H

#include "iter_read.h"
#include "summary_build.h"

/*
 * One aggregate walk: the compact per-file records and the process records,
 * with what judging them needs. Summaries and idle events are both folded
 * from a walk, so a daemon doing both walks once.
 */
struct sc_walk {
	struct sc_records conns;    /* struct sc_conn_record, header first */
	struct sc_records tasks;    /* struct sc_task_record, by tgid */
	struct sc_summary_inputs in;
	__u64 took_ns;
};

struct sc_tracker;
/* Returns 0, or a negative errno after logging. */
int sc_walk_take(struct sc_walk *w, const struct sc_tracker *t,
		 const struct sc_idle_policy *policy);

/* The same, calling between(ctx) every few thousand records (sc_iter_read_with). */
int sc_walk_take_with(struct sc_walk *w, const struct sc_tracker *t,
		      const struct sc_idle_policy *policy, void (*between)(void *ctx), void *ctx);
void sc_walk_free(struct sc_walk *w);

#endif /* SC_WALK_H */

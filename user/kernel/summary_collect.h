/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SUMMARY_COLLECT_H
#define SC_SUMMARY_COLLECT_H

#include "summary.h"

struct sc_tracker;
/*
 * Collects a summary from the kernel now, judged by policy. Returns 0, or a
 * negative errno after logging why.
 */
int sc_summary_collect(struct sc_summary *s, const struct sc_tracker *t,
		       const struct sc_idle_policy *policy);

struct sc_walk;
/* The same from a walk already taken (walk.h). Returns 0 or a negative errno. */
int sc_summary_from_walk(struct sc_summary *s, const struct sc_walk *w,
			 const struct sc_tracker *t);

#endif /* SC_SUMMARY_COLLECT_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_PROC_COSTS_H
#define SC_PROC_COSTS_H

#include <stddef.h>

#include "app_limit.h"
#include "capacity.h"
#include "mem_history.h"
#include "summary.h"

/*
 * sockcostd's memory and capacity per process, after each refresh: the
 * exported processes' memory (smaps_rollup), the marginal estimate from
 * their samples across refreshes, one-connection-per-process services costed
 * at their members' mean private memory, and the limit each reaches first.
 */
struct sc_proc_costs_opts {
	const struct sc_app_limit *app_limits;
	size_t napp_limits;
	double kernel_fixed_bytes;    /* slab objects of one held IPv4 connection */
};

/* Members of a per-process service read for its mean: enough for a mean, bounded per refresh. */
#define SC_SERVICE_SAMPLE 32

/*
 * Fills out[0 .. top) for s->procs[0 .. top) (by connections) and feeds h.
 * Reads /proc: run it on the collector thread, not in a scrape. Returns 0 or
 * -ENOMEM.
 */
int sc_proc_costs_compute(struct sc_mem_history *h, const struct sc_summary *s, size_t top,
			  const struct sc_proc_costs_opts *o, struct sc_proc_cost *out);

#endif /* SC_PROC_COSTS_H */

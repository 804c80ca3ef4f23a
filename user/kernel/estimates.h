/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_ESTIMATES_H
#define SC_ESTIMATES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "marginal.h"
#include "sockcost.h"

struct sc_tracker;

/*
 * sockcostd's marginal memory estimates, shared through its pinned map
 * (sockcost.h: struct sc_estimate) with `sockcost cost` and `top`.
 */

/*
 * The daemon: pids[0 .. n) with their estimates, sorted by pid, valid for
 * valid_ns; every other pid's is dropped. Returns 0 or a negative errno.
 */
int sc_estimates_write(const struct sc_tracker *t, const __u32 *pids,
		       const struct sc_estimate *e, size_t n, __u64 valid_ns);

/*
 * The CLI: the daemon's estimate for pid when t reads its pinned state, the
 * estimate is current (a stopped daemon's are not) and pid is still the
 * process it was made for.
 */
bool sc_estimates_read(const struct sc_tracker *t, __u32 pid, struct sc_marginal_est *est);

#endif /* SC_ESTIMATES_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_MARGINAL_H
#define SC_MARGINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * Marginal memory per connection of one process: the least-squares slope of
 * RSS against its connection count over the last SC_MARGINAL_SAMPLES
 * samples. Only samples with distinct connection counts tell anything, so a
 * slope needs at least SC_MARGINAL_MIN_SAMPLES and a spread of counts.
 */
#define SC_MARGINAL_SAMPLES 64
#define SC_MARGINAL_MIN_SAMPLES 3

struct sc_marginal {
	__u64 connections[SC_MARGINAL_SAMPLES];
	__u64 rss[SC_MARGINAL_SAMPLES];
	size_t next, count;
};

void sc_marginal_add(struct sc_marginal *m, __u64 connections, __u64 rss_bytes);

/* Sets *bytes_per_conn and *samples; false if the samples cannot support a slope. */
bool sc_marginal_estimate(const struct sc_marginal *m, double *bytes_per_conn, size_t *samples);

#endif /* SC_MARGINAL_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_MARGINAL_H
#define SC_MARGINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * Marginal memory per connection of one process: what one more connection
 * costs it, from samples of (connections, private memory) over time.
 *
 * The estimator is Theil-Sen over growth: the median of the slopes between
 * every earlier and later sample with more connections. The median ignores
 * up to about a quarter of wild slopes, which is what a garbage collection
 * (memory falls while connections rise) or an allocator taking a new arena
 * in one step looks like; least squares followed them. Only growth counts:
 * when connections close, allocators keep the freed memory for reuse, so a
 * falling count says what closing returns to the OS (about nothing), not
 * what a connection costs. The spread is the interquartile range of the
 * slopes: narrow when the process grows steadily.
 */
#define SC_MARGINAL_SAMPLES 64
#define SC_MARGINAL_MIN_SAMPLES 3
#define SC_MARGINAL_MIN_RANGE 10   /* connections: fewer is allocator noise */

struct sc_marginal {
	__u64 connections[SC_MARGINAL_SAMPLES];
	__u64 bytes[SC_MARGINAL_SAMPLES];
	size_t next, count;
};

enum sc_marginal_why {
	SC_MARGINAL_OK,
	SC_MARGINAL_FEW_SAMPLES,   /* fewer than SC_MARGINAL_MIN_SAMPLES */
	SC_MARGINAL_NARROW,        /* connections varied by less than SC_MARGINAL_MIN_RANGE */
	SC_MARGINAL_NO_GROWTH,     /* connections never rose between samples */
	SC_MARGINAL_NOT_WATCHED,   /* no samples were taken: nothing watched over time */
};

struct sc_marginal_est {
	enum sc_marginal_why why;
	double bytes;              /* per connection (negative: memory fell as they rose) */
	double spread;             /* interquartile range of the slopes */
	size_t samples;
	size_t pairs;              /* growth pairs the median is over */
	__u64 range;               /* max - min connections over the samples */
};

void sc_marginal_add(struct sc_marginal *m, __u64 connections, __u64 bytes);

/* Fills e; true when e->bytes is an estimate (e->why == SC_MARGINAL_OK). */
bool sc_marginal_estimate(const struct sc_marginal *m, struct sc_marginal_est *e);

/* Why there is no estimate, for a person: "connections varied by 3, need 10". */
const char *sc_marginal_why_text(const struct sc_marginal_est *e, char *buf, size_t len);

#endif /* SC_MARGINAL_H */

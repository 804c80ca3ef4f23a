// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "marginal.h"

/* Pairs among SC_MARGINAL_SAMPLES samples: n(n-1)/2. */
#define MAX_PAIRS (SC_MARGINAL_SAMPLES * (SC_MARGINAL_SAMPLES - 1) / 2)

void sc_marginal_add(struct sc_marginal *m, __u64 connections, __u64 bytes)
{
	m->connections[m->next] = connections;
	m->bytes[m->next] = bytes;
	m->next = (m->next + 1) % SC_MARGINAL_SAMPLES;
	if (m->count < SC_MARGINAL_SAMPLES)
		m->count++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return CMP(x, y);
}

/* The q-quantile of sorted v (n > 0), interpolated. */
static double quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;

	return i + 1 < n ? v[i] + (pos - (double)i) * (v[i + 1] - v[i]) : v[n - 1];
}

bool sc_marginal_estimate(const struct sc_marginal *m, struct sc_marginal_est *e)
{
	static __thread double slopes[MAX_PAIRS];
	size_t oldest = (m->next + SC_MARGINAL_SAMPLES - m->count) % SC_MARGINAL_SAMPLES;
	__u64 lo = (__u64)-1, hi = 0;
	size_t i, j, n = 0;

	*e = (struct sc_marginal_est){ .samples = m->count };
	for (i = 0; i < m->count; i++) {
		__u64 c = m->connections[i];

		lo = c < lo ? c : lo;
		hi = c > hi ? c : hi;
	}
	e->range = m->count ? hi - lo : 0;
	if (m->count < SC_MARGINAL_MIN_SAMPLES) {
		e->why = SC_MARGINAL_FEW_SAMPLES;
		return false;
	}
	if (e->range < SC_MARGINAL_MIN_RANGE) {
		e->why = SC_MARGINAL_NARROW;
		return false;
	}
	/* Every earlier sample against every later one with more connections. */
	for (i = 0; i < m->count; i++) {
		size_t a = (oldest + i) % SC_MARGINAL_SAMPLES;

		for (j = i + 1; j < m->count; j++) {
			size_t b = (oldest + j) % SC_MARGINAL_SAMPLES;

			if (m->connections[b] <= m->connections[a])
				continue;
			slopes[n++] = ((double)m->bytes[b] - (double)m->bytes[a]) /
				      (double)(m->connections[b] - m->connections[a]);
		}
	}
	e->pairs = n;
	if (!n) {
		e->why = SC_MARGINAL_NO_GROWTH;
		return false;
	}
	qsort(slopes, n, sizeof(*slopes), cmp_double);
	e->bytes = quantile(slopes, n, 0.5);
	e->spread = quantile(slopes, n, 0.75) - quantile(slopes, n, 0.25);
	return true;
}

const char *sc_marginal_why_text(const struct sc_marginal_est *e, char *buf, size_t len)
{
	switch (e->why) {
	case SC_MARGINAL_OK:
		snprintf(buf, len, "measured over %zu samples", e->samples);
		break;
	case SC_MARGINAL_FEW_SAMPLES:
		snprintf(buf, len, "%zu sample%s, need %d", e->samples, e->samples == 1 ? "" : "s",
			 SC_MARGINAL_MIN_SAMPLES);
		break;
	case SC_MARGINAL_NARROW:
		snprintf(buf, len, "connections varied by %llu, need %d",
			 (unsigned long long)e->range, SC_MARGINAL_MIN_RANGE);
		break;
	case SC_MARGINAL_NO_GROWTH:
		snprintf(buf, len, "connections did not grow while watched");
		break;
	case SC_MARGINAL_NOT_WATCHED:
		snprintf(buf, len, "not watched over time: --observe SECS, or run sockcostd");
		break;
	}
	return buf;
}

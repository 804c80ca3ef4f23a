// SPDX-License-Identifier: GPL-2.0
#include "marginal.h"

void sc_marginal_add(struct sc_marginal *m, __u64 connections, __u64 rss_bytes)
{
	m->connections[m->next] = connections;
	m->rss[m->next] = rss_bytes;
	m->next = (m->next + 1) % SC_MARGINAL_SAMPLES;
	if (m->count < SC_MARGINAL_SAMPLES)
		m->count++;
}

bool sc_marginal_estimate(const struct sc_marginal *m, double *bytes_per_conn, size_t *samples)
{
	double mean_x = 0, mean_y = 0, sxx = 0, sxy = 0, spread;
	__u64 lo = (__u64)-1, hi = 0;
	size_t i;

	*samples = m->count;
	if (m->count < SC_MARGINAL_MIN_SAMPLES)
		return false;
	for (i = 0; i < m->count; i++) {
		mean_x += (double)m->connections[i];
		mean_y += (double)m->rss[i];
		lo = m->connections[i] < lo ? m->connections[i] : lo;
		hi = m->connections[i] > hi ? m->connections[i] : hi;
	}
	/* A handful of connections up or down is noise against allocator slack. */
	spread = (double)(hi - lo);
	if (spread < 10)
		return false;
	mean_x /= (double)m->count;
	mean_y /= (double)m->count;
	for (i = 0; i < m->count; i++) {
		double dx = (double)m->connections[i] - mean_x;

		sxx += dx * dx;
		sxy += dx * ((double)m->rss[i] - mean_y);
	}
	if (sxx <= 0)
		return false;
	*bytes_per_conn = sxy / sxx;
	return true;
}

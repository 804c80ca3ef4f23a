// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <sys/resource.h>

#include "capacity.h"

const char *sc_mem_basis_name(enum sc_mem_basis b)
{
	switch (b) {
	case SC_BASIS_MARGINAL: return "marginal";
	case SC_BASIS_PER_PROCESS: return "per-process";
	case SC_BASIS_AVERAGE: return "average";
	case SC_BASIS_NONE: break;
	}
	return NULL;
}

const char *sc_limit_name(enum sc_limit_kind k)
{
	switch (k) {
	case SC_LIMIT_FDS: return "fds";
	case SC_LIMIT_MEMORY: return "memory";
	case SC_LIMIT_APP: return "application";
	case SC_LIMIT_COUNT: break;
	}
	return "?";
}

enum sc_mem_basis sc_mem_basis_choose(double per_process_bytes, bool has_marginal,
				      const struct sc_marginal_est *marginal, bool has_private,
				      __u64 private_bytes, __u64 connections, double *bytes)
{
	*bytes = 0;
	if (per_process_bytes >= 0) {
		*bytes = per_process_bytes;
		return SC_BASIS_PER_PROCESS;
	}
	if (has_marginal && marginal->bytes >= 0) {
		*bytes = marginal->bytes;
		return SC_BASIS_MARGINAL;
	}
	if (has_private && connections) {
		*bytes = (double)private_bytes / (double)connections;
		return SC_BASIS_AVERAGE;
	}
	return SC_BASIS_NONE;
}

static void set_limit(struct sc_cost_limit *limits, int *binding, enum sc_limit_kind k,
		      __u64 limit, __u64 max)
{
	limits[k] = (struct sc_cost_limit){ .known = true, .limit = limit, .max_connections = max };
	if (*binding < 0 || max < limits[*binding].max_connections)
		*binding = (int)k;
}

int sc_capacity(const struct sc_capacity_in *in, struct sc_cost_limit limits[SC_LIMIT_COUNT])
{
	int binding = -1;

	memset(limits, 0, SC_LIMIT_COUNT * sizeof(*limits));
	if (in->fd_limit != RLIM_INFINITY) {
		__u64 free_fds = in->fd_limit > in->fds ? in->fd_limit - in->fds : 0;

		set_limit(limits, &binding, SC_LIMIT_FDS, in->fd_limit, in->connections + free_fds);
	}
	if (in->has_memory_limit) {
		__u64 max = in->connections;

		if (in->memory_max > in->memory_current && in->cost_per_connection > 0)
			max += (__u64)((double)(in->memory_max - in->memory_current) /
				       in->cost_per_connection);
		set_limit(limits, &binding, SC_LIMIT_MEMORY, in->memory_max, max);
	}
	if (in->has_app_limit) {
		/* A declared cap below what is held is reported as it is: no room. */
		__u64 max = in->app_limit > in->app_held
				    ? in->connections + (in->app_limit - in->app_held)
				    : in->connections;

		set_limit(limits, &binding, SC_LIMIT_APP, in->app_limit, max);
	}
	return binding;
}

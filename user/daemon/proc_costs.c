// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "cgroup_read.h"
#include "per_process.h"
#include "proc_costs.h"
#include "proc_mem.h"

/*
 * Mean private memory per connection of each per-process service, by
 * member (-1: not a member, or none of its members could be read). At most
 * SC_SERVICE_SAMPLE reads, tried or not, per service and walk.
 */
static void service_means(const struct sc_summary *s, const bool *member, bool *done,
			  double *mean)
{
	size_t i, j;

	for (i = 0; i < s->nprocs; i++)
		mean[i] = -1;
	for (i = 0; i < s->nprocs; i++) {
		__u64 priv = 0, conns = 0;
		size_t tried = 0;

		if (!member[i] || done[i])
			continue;
		for (j = i; j < s->nprocs && tried < SC_SERVICE_SAMPLE; j++) {
			struct sc_proc_mem m;

			if (!member[j] || s->procs[j].server_port != s->procs[i].server_port)
				continue;
			tried++;
			if (sc_proc_mem_read(s->procs[j].pid, &m))
				continue;
			priv += m.private_bytes;
			conns += s->procs[j].connections;
		}
		for (j = i; j < s->nprocs; j++) {
			if (!member[j] || s->procs[j].server_port != s->procs[i].server_port)
				continue;
			done[j] = true;
			if (conns)
				mean[j] = (double)priv / (double)conns;
		}
	}
}

static void memory_limit(__u32 pid, struct sc_capacity_in *cap)
{
	char path[SC_CGROUP_PATH_LEN];
	__u64 max, current;

	if (sc_cgroup_of_pid(pid, path, sizeof(path)) || sc_cgroup_memory_max(path, &max) ||
	    sc_cgroup_memory_current(path, &current))
		return;
	cap->has_memory_limit = true;
	cap->memory_max = max;
	cap->memory_current = current;
}

int sc_proc_costs_compute(struct sc_mem_history *h, const struct sc_summary *s, size_t top,
			  const struct sc_proc_costs_opts *o, struct sc_proc_cost *out)
{
	size_t n = s->nprocs ? s->nprocs : 1, i, j;
	__u16 *ports = calloc(n, sizeof(*ports));
	__u64 *conns = calloc(n, sizeof(*conns));
	bool *member = calloc(n, sizeof(*member)), *done = calloc(n, sizeof(*done));
	double *mean = calloc(n, sizeof(*mean));
	int err = -ENOMEM;

	if (!ports || !conns || !member || !done || !mean)
		goto out;
	for (i = 0; i < s->nprocs; i++) {
		ports[i] = s->procs[i].server_port;
		conns[i] = s->procs[i].connections;
	}
	sc_per_process_mark(ports, conns, s->nprocs, member);
	service_means(s, member, done, mean);
	sc_mem_history_begin(h);
	for (i = 0; i < top && i < s->nprocs; i++) {
		const struct sc_summary_proc *p = &s->procs[i];
		const struct sc_marginal *m;
		const struct sc_app_limit *app;
		struct sc_proc_cost *c = &out[i];
		struct sc_capacity_in cap = {
			.connections = p->connections, .fds = p->fds, .fd_limit = p->fd_limit,
			.app_held = p->connections,
		};

		memset(c, 0, sizeof(*c));
		c->has_mem = !sc_proc_mem_read(p->pid, &c->mem);
		if (c->has_mem && sc_mem_history_add(h, p->pid, p->connections, c->mem.private_bytes))
			goto out;
		m = sc_mem_history_get(h, p->pid);
		c->marginal.why = SC_MARGINAL_FEW_SAMPLES;
		if (m)
			c->has_marginal = sc_marginal_estimate(m, &c->marginal);
		c->basis = sc_mem_basis_choose(member[i] && mean[i] >= 0 ? mean[i] : -1,
					       c->has_marginal, &c->marginal, c->has_mem,
					       c->mem.private_bytes, p->connections,
					       &c->memory_per_connection);
		cap.cost_per_connection = c->memory_per_connection + o->kernel_fixed_bytes +
					  (p->connections ? (double)p->socket_memory_bytes /
								    (double)p->connections : 0);
		memory_limit(p->pid, &cap);
		app = sc_app_limit_find(o->app_limits, o->napp_limits, p->pid, p->comm);
		if (app) {
			cap.has_app_limit = true;
			cap.app_limit = app->connections;
			/* One connection per process: the cap is the service's. */
			if (member[i]) {
				cap.app_held = 0;
				for (j = 0; j < s->nprocs; j++)
					if (member[j] && ports[j] == ports[i])
						cap.app_held += conns[j];
			}
		}
		c->binding = sc_capacity(&cap, c->limits);
	}
	sc_mem_history_end(h);
	err = 0;
out:
	free(ports);
	free(conns);
	free(member);
	free(done);
	free(mean);
	return err;
}

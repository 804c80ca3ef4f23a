// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "common.h"
#include "cost.h"


/* What the rows say about each socket of the snapshot. */
struct socket_marks {
	bool *kept;
	bool *kept_holder;
	__u64 *idle_ms;
};

struct pid_index {
	__u32 pid;
	size_t idx;
};

static int cmp_pid_index(const void *a, const void *b)
{
	const struct pid_index *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int cmp_input(const void *key, const void *elem)
{
	__u32 pid = *(const __u32 *)key;
	const struct sc_cost_proc_input *in = elem;

	return (pid > in->pid) - (pid < in->pid);
}

static const struct sc_cost_proc_input *find_input(const struct sc_cost_inputs *in, __u32 pid)
{
	if (!in->nprocs)
		return NULL;
	return bsearch(&pid, in->procs, in->nprocs, sizeof(*in->procs), cmp_input);
}

static struct sc_cost_proc *find_proc(const struct sc_cost_report *r,
				      const struct pid_index *index, __u32 pid)
{
	struct pid_index key = { .pid = pid }, *hit;

	if (!r->nprocs)
		return NULL;
	hit = bsearch(&key, index, r->nprocs, sizeof(key), cmp_pid_index);
	return hit ? &r->procs[hit->idx] : NULL;
}

static int mark_sockets(struct socket_marks *m, const struct sc_view *v)
{
	const struct sc_snapshot *snap = v->snap;
	size_t i;

	m->kept = calloc(snap->nsockets ? snap->nsockets : 1, sizeof(*m->kept));
	m->kept_holder = calloc(snap->nholders ? snap->nholders : 1, sizeof(*m->kept_holder));
	m->idle_ms = calloc(snap->nsockets ? snap->nsockets : 1, sizeof(*m->idle_ms));
	if (!m->kept || !m->kept_holder || !m->idle_ms)
		return -ENOMEM;
	for (i = 0; i < v->nrows; i++) {
		const struct sc_row *row = &v->rows[i];
		size_t s = (size_t)(row->socket - snap->sockets);

		m->kept[s] = true;
		m->idle_ms[s] = row->idle.idle_ms;
		if (row->holder)
			m->kept_holder[row->holder - snap->holders] = true;
	}
	return 0;
}

static void free_marks(struct socket_marks *m)
{
	free(m->kept);
	free(m->kept_holder);
	free(m->idle_ms);
}

static __u64 socket_fixed(const struct sc_socket *s, const struct sc_cost_inputs *in)
{
	struct sc_socket_shape shape = {
		.family = s->family,
		.state = s->state,
		.has_file = s->inode != 0,
		.epoll = in->epoll && s->inode && sc_inode_set_has(in->epoll, s->inode),
	};

	return sc_slab_socket_fixed(in->slab, &shape);
}

/*
 * Calls fn once per process holding socket i through a kept fd: holders of
 * a socket are sorted by pid, so one process's several fds are adjacent.
 */
static void for_each_holder_pid(const struct sc_snapshot *snap, size_t i,
				const struct socket_marks *m,
				void (*fn)(__u32 pid, void *arg), void *arg)
{
	const struct sc_socket *s = &snap->sockets[i];
	__u32 last = SC_NO_PID;
	size_t h;

	for (h = s->first_holder; h < s->first_holder + s->nholders; h++) {
		if (!m->kept_holder[h] || snap->holders[h].pid == last)
			continue;
		last = snap->holders[h].pid;
		fn(last, arg);
	}
}

static __u64 kept_fds(const struct sc_snapshot *snap, size_t i, const struct socket_marks *m)
{
	const struct sc_socket *s = &snap->sockets[i];
	__u64 n = 0;
	size_t h;

	for (h = s->first_holder; h < s->first_holder + s->nholders; h++)
		n += m->kept_holder[h];
	return n;
}

struct charge {
	struct sc_cost_report *r;
	const struct pid_index *index;
	__u64 fixed, buffers;
	double rss;          /* out: RSS per connection summed over holders */
};

static void charge_proc(__u32 pid, void *arg)
{
	struct charge *c = arg;
	struct sc_cost_proc *p = find_proc(c->r, c->index, pid);

	if (!p)
		return;
	p->connections++;
	p->kernel_fixed_bytes += c->fixed;
	p->kernel_buffer_bytes += c->buffers;
}

static double rss_basis(const struct sc_cost_proc *p)
{
	if (p->has_marginal && p->marginal_per_connection >= 0)
		return p->marginal_per_connection;
	return p->has_rss ? p->rss_per_connection : 0;
}

static void add_rss(__u32 pid, void *arg)
{
	struct charge *c = arg;
	const struct sc_cost_proc *p = find_proc(c->r, c->index, pid);

	if (p)
		c->rss += rss_basis(p);
}

static void set_capacity(struct sc_cost_proc *p, const struct sc_cost_proc_input *in,
			 double fallback_cost)
{
	const struct sc_process *proc = p->process;
	__u64 free_fds = proc->fd_limit > proc->fds ? proc->fd_limit - proc->fds : 0;
	double kernel;

	p->fd_unlimited = proc->fd_limit == RLIM_INFINITY;
	if (!p->fd_unlimited) {
		p->fd_headroom_pct = proc->fd_limit ? 100.0 * (double)free_fds / (double)proc->fd_limit
						    : 0;
		p->max_connections_by_fds = p->connections + free_fds;
	}
	if (p->connections) {
		kernel = (double)(p->kernel_fixed_bytes + p->kernel_buffer_bytes) /
			 (double)p->connections;
		p->cost_per_connection = kernel + rss_basis(p);
	} else {
		p->cost_per_connection = fallback_cost;
	}
	if (!in || !in->has_memory_limit)
		return;
	p->has_memory_limit = true;
	p->memory_limit_bytes = in->memory_max_bytes;
	p->memory_current_bytes = in->memory_current_bytes;
	p->max_connections_by_memory = p->connections;
	if (in->memory_max_bytes > in->memory_current_bytes && p->cost_per_connection > 0)
		p->max_connections_by_memory +=
			(__u64)((double)(in->memory_max_bytes - in->memory_current_bytes) /
				p->cost_per_connection);
}

static void set_rss(struct sc_cost_proc *p, const struct sc_cost_proc_input *in)
{
	if (!in)
		return;
	p->has_rss = in->has_rss;
	p->rss_bytes = in->rss_bytes;
	if (p->has_rss && p->connections)
		p->rss_per_connection = (double)p->rss_bytes / (double)p->connections;
	p->has_marginal = in->has_marginal;
	p->marginal_per_connection = in->marginal_bytes;
	p->marginal_samples = in->marginal_samples;
}

static void sum_processes(struct sc_cost_report *r)
{
	double weighted = 0;
	__u64 weight = 0;
	size_t i;

	for (i = 0; i < r->nprocs; i++) {
		const struct sc_cost_proc *p = &r->procs[i];

		if (p->has_rss && p->connections) {
			r->has_rss = true;
			r->rss_bytes += p->rss_bytes;
			r->rss_connections += p->connections;
		}
		if (p->has_marginal && p->connections) {
			weighted += p->marginal_per_connection * (double)p->connections;
			weight += p->connections;
			if (p->marginal_samples > r->marginal_samples)
				r->marginal_samples = p->marginal_samples;
		}
	}
	if (weight) {
		r->has_marginal = true;
		r->marginal_per_connection = weighted / (double)weight;
	}
}

static void add_whatif(struct sc_cost_report *r, const struct sc_snapshot *snap, size_t i,
		       const struct socket_marks *m, __u64 bytes, struct charge *c)
{
	size_t w;

	c->rss = 0;
	for_each_holder_pid(snap, i, m, add_rss, c);
	for (w = 0; w < r->nwhatif; w++) {
		struct sc_cost_whatif *wi = &r->whatif[w];

		if (m->idle_ms[i] < (__u64)wi->idle_after_s * 1000)
			continue;
		wi->connections++;
		wi->fds += kept_fds(snap, i, m);
		wi->kernel_bytes += bytes;
		wi->rss_bytes += c->rss;
	}
}

int sc_cost_build(struct sc_cost_report *r, const struct sc_view *v,
		  const struct sc_cost_inputs *in)
{
	const struct sc_snapshot *snap = v->snap;
	struct socket_marks m = {};
	struct pid_index *index;
	struct charge c = { .r = r };
	double fallback;
	size_t i;
	int err = -ENOMEM;

	memset(r, 0, sizeof(*r));
	r->procs = calloc(v->nprocs ? v->nprocs : 1, sizeof(*r->procs));
	index = calloc(v->nprocs ? v->nprocs : 1, sizeof(*index));
	if (!r->procs || !index || mark_sockets(&m, v))
		goto out;
	r->nprocs = v->nprocs;
	for (i = 0; i < v->nprocs; i++) {
		r->procs[i].process = v->procs[i].process;
		index[i] = (struct pid_index){ .pid = v->procs[i].process->pid, .idx = i };
	}
	qsort(index, r->nprocs, sizeof(*index), cmp_pid_index);
	c.index = index;
	r->nwhatif = in->nwhatif < SC_COST_MAX_WHATIF ? in->nwhatif : SC_COST_MAX_WHATIF;
	for (i = 0; i < r->nwhatif; i++)
		r->whatif[i].idle_after_s = in->whatif_s[i];

	/* Kernel bytes per socket, charged to the host once and to each holder. */
	for (i = 0; i < snap->nsockets; i++) {
		const struct sc_socket *s = &snap->sockets[i];

		if (!m.kept[i] || s->state != TCP_ESTABLISHED)
			continue;
		c.fixed = socket_fixed(s, in);
		c.buffers = sc_socket_memory(s);
		r->connections++;
		r->epoll_watched += in->epoll && s->inode && sc_inode_set_has(in->epoll, s->inode);
		r->kernel_fixed_bytes += c.fixed;
		r->kernel_buffer_bytes += c.buffers;
		for_each_holder_pid(snap, i, &m, charge_proc, &c);
	}
	for (i = 0; i < r->nprocs; i++)
		set_rss(&r->procs[i], find_input(in, r->procs[i].process->pid));
	sum_processes(r);
	/* A process with no connections yet is planned at the host's figures. */
	fallback = sc_cost_kernel_per_connection(r) + sc_cost_rss_per_connection(r);
	for (i = 0; i < r->nprocs; i++)
		set_capacity(&r->procs[i], find_input(in, r->procs[i].process->pid), fallback);

	for (i = 0; i < snap->nsockets; i++) {
		const struct sc_socket *s = &snap->sockets[i];

		if (m.kept[i] && s->state == TCP_ESTABLISHED)
			add_whatif(r, snap, i, &m, socket_fixed(s, in) + sc_socket_memory(s), &c);
	}
	err = 0;
out:
	free(index);
	free_marks(&m);
	if (err)
		sc_cost_free(r);
	return err;
}

void sc_cost_free(struct sc_cost_report *r)
{
	free(r->procs);
	r->procs = NULL;
	r->nprocs = 0;
}

static double per(double total, __u64 n)
{
	return n ? total / (double)n : 0;
}

double sc_cost_kernel_per_connection(const struct sc_cost_report *r)
{
	return per((double)(r->kernel_fixed_bytes + r->kernel_buffer_bytes), r->connections);
}

double sc_cost_fixed_per_connection(const struct sc_cost_report *r)
{
	return per((double)r->kernel_fixed_bytes, r->connections);
}

double sc_cost_buffers_per_connection(const struct sc_cost_report *r)
{
	return per((double)r->kernel_buffer_bytes, r->connections);
}

double sc_cost_rss_average_per_connection(const struct sc_cost_report *r)
{
	return per((double)r->rss_bytes, r->rss_connections);
}

double sc_cost_rss_per_connection(const struct sc_cost_report *r)
{
	if (r->has_marginal && r->marginal_per_connection >= 0)
		return r->marginal_per_connection;
	return sc_cost_rss_average_per_connection(r);
}

double sc_cost_monthly(double bytes, double price_per_gib_month)
{
	return bytes / (1024.0 * 1024 * 1024) * price_per_gib_month;
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "common.h"
#include "cost.h"
#include "per_process.h"


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
	double memory;       /* out: memory per connection summed over holders */
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

static void add_memory(__u32 pid, void *arg)
{
	struct charge *c = arg;
	const struct sc_cost_proc *p = find_proc(c->r, c->index, pid);

	if (p)
		c->memory += p->memory_per_connection;
}

static void set_capacity(struct sc_cost_proc *p, const struct sc_cost_proc_input *in,
			 double fallback_cost, const struct sc_cost_report *r)
{
	const struct sc_process *proc = p->process;
	__u64 free_fds = proc->fd_limit > proc->fds ? proc->fd_limit - proc->fds : 0;
	struct sc_capacity_in cap = {
		.connections = p->connections, .fds = proc->fds, .fd_limit = proc->fd_limit,
		.app_held = p->connections,
	};
	size_t i;

	p->fd_unlimited = proc->fd_limit == RLIM_INFINITY;
	if (!p->fd_unlimited)
		p->fd_headroom_pct = proc->fd_limit ? 100.0 * (double)free_fds / (double)proc->fd_limit
						    : 0;
	if (p->connections)
		p->cost_per_connection = (double)(p->kernel_fixed_bytes + p->kernel_buffer_bytes) /
					 (double)p->connections + p->memory_per_connection;
	else
		p->cost_per_connection = fallback_cost;
	cap.cost_per_connection = p->cost_per_connection;
	if (in && in->has_memory_limit) {
		p->has_memory_limit = true;
		p->memory_current_bytes = in->memory_current_bytes;
		cap.has_memory_limit = true;
		cap.memory_max = in->memory_max_bytes;
		cap.memory_current = in->memory_current_bytes;
	}
	if (in && in->has_app_limit) {
		cap.has_app_limit = true;
		cap.app_limit = in->app_limit;
		/* One connection per process: the cap (max_connections) is the service's. */
		if (p->basis == SC_BASIS_PER_PROCESS) {
			cap.app_held = 0;
			for (i = 0; i < r->nprocs; i++)
				if (r->procs[i].basis == SC_BASIS_PER_PROCESS &&
				    r->procs[i].service_port == p->service_port)
					cap.app_held += r->procs[i].connections;
		}
	}
	p->binding = sc_capacity(&cap, p->limits);
}

static void set_mem(struct sc_cost_proc *p, const struct sc_cost_proc_input *in)
{
	if (!in)
		return;
	p->has_mem = in->has_mem;
	p->mem = in->mem;
	if (p->has_mem && p->connections)
		p->private_per_connection = (double)p->mem.private_bytes / (double)p->connections;
	p->has_marginal = in->has_marginal;
	p->marginal = in->marginal;
	p->marginal_from_daemon = in->marginal_from_daemon;
	p->fd_eta = in->fd_eta;
}

/*
 * One connection per process (per_process.h): such a service's connections
 * cost the mean private memory of its processes.
 */
static int find_per_process(struct sc_cost_report *r, const struct sc_view *v)
{
	size_t n = r->nprocs ? r->nprocs : 1, i, q;
	__u16 *port_of = calloc(n, sizeof(*port_of));
	bool *member = calloc(n, sizeof(*member));
	__u64 *conns = calloc(n, sizeof(*conns));
	int err = -ENOMEM;

	if (!port_of || !member || !conns)
		goto out;
	/* The report's processes are the view's, in its order. */
	for (i = 0; i < r->nprocs; i++) {
		port_of[i] = v->procs[i].server_port;
		conns[i] = r->procs[i].connections;
	}
	sc_per_process_mark(port_of, conns, r->nprocs, member);
	for (i = 0; i < r->nprocs; i++) {
		__u64 priv = 0, mem_conns = 0;

		if (!member[i] || r->procs[i].basis == SC_BASIS_PER_PROCESS)
			continue;
		for (q = 0; q < r->nprocs; q++) {
			if (!member[q] || port_of[q] != port_of[i] || !r->procs[q].has_mem)
				continue;
			priv += r->procs[q].mem.private_bytes;
			mem_conns += r->procs[q].connections;
		}
		if (!mem_conns)
			continue;
		for (q = 0; q < r->nprocs; q++) {
			if (!member[q] || port_of[q] != port_of[i])
				continue;
			r->procs[q].basis = SC_BASIS_PER_PROCESS;
			r->procs[q].service_port = port_of[i];
			r->procs[q].memory_per_connection = (double)priv / (double)mem_conns;
		}
	}
	err = 0;
out:
	free(port_of);
	free(member);
	free(conns);
	return err;
}

static void choose_basis(struct sc_cost_proc *p)
{
	p->basis = sc_mem_basis_choose(p->basis == SC_BASIS_PER_PROCESS ? p->memory_per_connection
									: -1,
				       p->has_marginal, &p->marginal, p->has_mem,
				       p->mem.private_bytes, p->connections,
				       &p->memory_per_connection);
}

static void sum_processes(struct sc_cost_report *r)
{
	double weighted = 0;
	__u64 weight = 0;
	size_t i;

	for (i = 0; i < r->nprocs; i++) {
		const struct sc_cost_proc *p = &r->procs[i];

		if (p->has_mem && p->connections) {
			r->has_mem = true;
			r->pss_bytes += p->mem.pss;
			r->private_bytes += p->mem.private_bytes;
			r->mem_connections += p->connections;
		}
		if (p->basis != SC_BASIS_NONE && p->connections) {
			weighted += p->memory_per_connection * (double)p->connections;
			weight += p->connections;
			r->basis_connections[p->basis] += p->connections;
		}
	}
	if (weight)
		r->memory_per_connection = weighted / (double)weight;
}

/* Each service's members summed as sum_processes sums the host's. */
static int sum_services(struct sc_cost_report *r, const struct sc_view *v)
{
	size_t i;
	double *weighted;

	r->services = calloc(v->nservices ? v->nservices : 1, sizeof(*r->services));
	weighted = calloc(v->nservices ? v->nservices : 1, sizeof(*weighted));
	if (!r->services || !weighted) {
		free(weighted);
		return -ENOMEM;
	}
	r->nservices = v->nservices;
	r->services_grouped = sc_services_grouped(v->services, v->nservices);
	for (i = 0; i < v->nservices; i++)
		r->services[i].service = &v->services[i];
	for (i = 0; i < r->nprocs; i++) {
		const struct sc_cost_proc *p = &r->procs[i];
		struct sc_cost_service *s = &r->services[v->procs[i].service];

		s->processes++;
		s->connections += p->connections;
		s->kernel_fixed_bytes += p->kernel_fixed_bytes;
		s->kernel_buffer_bytes += p->kernel_buffer_bytes;
		if (p->has_mem) {
			s->has_mem = true;
			s->pss_bytes += p->mem.pss;
			s->private_bytes += p->mem.private_bytes;
		}
		if (p->basis != SC_BASIS_NONE && p->connections) {
			weighted[v->procs[i].service] += p->memory_per_connection *
							 (double)p->connections;
			s->basis_connections[p->basis] += p->connections;
		}
	}
	for (i = 0; i < r->nservices; i++) {
		struct sc_cost_service *s = &r->services[i];
		__u64 with_basis = 0;
		int b;

		for (b = SC_BASIS_MARGINAL; b <= SC_BASIS_AVERAGE; b++)
			with_basis += s->basis_connections[b];
		if (with_basis)
			s->memory_per_connection = weighted[i] / (double)with_basis;
		if (s->connections)
			s->cost_per_connection = s->memory_per_connection +
				(double)(s->kernel_fixed_bytes + s->kernel_buffer_bytes) /
					(double)s->connections;
	}
	free(weighted);
	return 0;
}

static int cmp_listener(const void *a, const void *b)
{
	const struct sc_cost_listener *x = a, *y = b;

	return CMP(x->port, y->port);
}

/* Listening sockets of the kept ports, summed per port (SO_REUSEPORT gives several). */
static int collect_listeners(struct sc_cost_report *r, const struct sc_view *v)
{
	const struct sc_snapshot *snap = v->snap;
	size_t i, j, n = 0;

	for (i = 0; i < v->nports; i++)
		n += v->ports[i].listeners > 0;
	r->listeners = calloc(n ? n : 1, sizeof(*r->listeners));
	if (!r->listeners)
		return -ENOMEM;
	for (i = 0; i < v->nports; i++) {
		struct sc_cost_listener *l;

		if (!v->ports[i].listeners)
			continue;
		l = &r->listeners[r->nlisteners++];
		l->port = v->ports[i].port;
		l->listeners = v->ports[i].listeners;
		l->accept_queue = v->ports[i].accept_queue;
		l->accept_queue_max = v->ports[i].accept_queue_max;
		for (j = 0; j < snap->nsockets; j++)
			if (snap->sockets[j].state == TCP_LISTEN && snap->sockets[j].lport == l->port &&
			    snap->sockets[j].netns == v->ports[i].netns)
				l->drops += snap->sockets[j].drops;
	}
	qsort(r->listeners, r->nlisteners, sizeof(*r->listeners), cmp_listener);
	return 0;
}

static void set_host(struct sc_cost_report *r, const struct sc_cost_host_input *h)
{
	if (!h)
		return;
	r->has_host = true;
	r->host = *h;
	if (h->has_file_max) {
		r->has_fd_headroom = true;
		r->host_fd_headroom = h->file_max > h->files_open ? h->file_max - h->files_open : 0;
	}
	/* Idle connections hold no buffers: tcp_mem bounds them only through what they queue. */
	if (h->has_tcp_mem) {
		r->has_tcp_mem_headroom = true;
		r->tcp_mem_headroom_bytes = (__s64)h->tcp_mem_pressure_bytes - (__s64)h->tcp_mem_bytes;
	}
}

static void add_whatif(struct sc_cost_report *r, const struct sc_snapshot *snap, size_t i,
		       const struct socket_marks *m, __u64 bytes, struct charge *c)
{
	size_t w;

	c->memory = 0;
	for_each_holder_pid(snap, i, m, add_memory, c);
	for (w = 0; w < r->nwhatif; w++) {
		struct sc_cost_whatif *wi = &r->whatif[w];

		if (m->idle_ms[i] < (__u64)wi->idle_after_s * 1000)
			continue;
		wi->connections++;
		wi->fds += kept_fds(snap, i, m);
		wi->kernel_bytes += bytes;
		wi->memory_bytes += c->memory;
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
		set_mem(&r->procs[i], find_input(in, r->procs[i].process->pid));
	if (find_per_process(r, v))
		goto out;
	for (i = 0; i < r->nprocs; i++)
		choose_basis(&r->procs[i]);
	sum_processes(r);
	/* A process with no connections yet is planned at the host's figures. */
	fallback = sc_cost_kernel_per_connection(r) + r->memory_per_connection;
	for (i = 0; i < r->nprocs; i++)
		set_capacity(&r->procs[i], find_input(in, r->procs[i].process->pid), fallback, r);
	if (sum_services(r, v) || collect_listeners(r, v))
		goto out;
	set_host(r, in->host);

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
	free(r->services);
	free(r->listeners);
	r->procs = NULL;
	r->services = NULL;
	r->listeners = NULL;
	r->nprocs = r->nservices = r->nlisteners = 0;
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

double sc_cost_private_average_per_connection(const struct sc_cost_report *r)
{
	return per((double)r->private_bytes, r->mem_connections);
}

const char *sc_cost_basis_summary(const struct sc_cost_report *r)
{
	return sc_cost_basis_of(r->basis_connections);
}

const char *sc_cost_basis_of(const __u64 *basis_connections)
{
	const char *name = NULL;
	int b;

	for (b = SC_BASIS_MARGINAL; b <= SC_BASIS_AVERAGE; b++) {
		if (!basis_connections[b])
			continue;
		if (name)
			return "mixed";
		name = sc_mem_basis_name(b);
	}
	return name;
}

double sc_cost_connections_bytes(const struct sc_cost_report *r)
{
	return (double)(r->kernel_fixed_bytes + r->kernel_buffer_bytes) +
	       r->memory_per_connection * (double)r->connections;
}

double sc_cost_monthly(double bytes, double price_per_gib_month)
{
	return bytes / (1024.0 * 1024 * 1024) * price_per_gib_month;
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "big_alloc.h"
#include "common.h"
#include "radix.h"
#include "view.h"


__u64 sc_socket_memory(const struct sc_socket *s)
{
	return (__u64)s->rmem_alloc + s->wmem_queued +
	       (s->forward_alloc > 0 ? (__u64)s->forward_alloc : 0);
}

bool sc_socket_has_idle(const struct sc_socket *s)
{
	return s->state != TCP_LISTEN && s->state != TCP_TIME_WAIT && s->state != SC_TCP_NEW_SYN_RECV;
}

static __u64 kernel_age(const struct sc_socket *s)
{
	if (s->kernel_send_age_ms == SC_AGE_UNKNOWN || s->kernel_recv_age_ms == SC_AGE_UNKNOWN)
		return SC_AGE_UNKNOWN;
	return s->kernel_send_age_ms < s->kernel_recv_age_ms ? s->kernel_send_age_ms
							      : s->kernel_recv_age_ms;
}

static struct sc_idle_result classify(const struct sc_snapshot *snap, const struct sc_socket *s,
				      const struct sc_idle_policy *policy)
{
	struct sc_idle_input in = {
		.state = s->state,
		.has_state = s->has_state,
		.established_ns = s->act.established_ns,
		.last_active_ns = s->act.last_active_ns,
		.kernel_age_ms = kernel_age(s),
		.saw_calls = s->has_state && (s->act.rx_calls || s->act.tx_calls),
	};
	struct sc_idle_clock clk = {
		.now_ns = snap->taken_ns,
		.attached_ns = snap->config.attached_ns,
		.hooked = snap->hook != SC_HOOK_NONE,
	};

	return sc_idle_classify(&in, &clk, policy);
}

/* The pids a --service filter keeps, ascending; none when there is no such filter. */
struct pid_set {
	bool on;
	__u32 *pids;
	size_t n;
};

static int cmp_u32(const void *a, const void *b)
{
	return CMP(*(const __u32 *)a, *(const __u32 *)b);
}

static bool pid_set_has(const struct pid_set *s, const struct sc_holder *h)
{
	return h && s->n && bsearch(&h->pid, s->pids, s->n, sizeof(*s->pids), cmp_u32);
}

static bool keep_row(const struct sc_row *r, const struct sc_filter *f, const struct pid_set *svc)
{
	if (f->pid && (!r->holder || r->holder->pid != f->pid))
		return false;
	if (svc->on && !pid_set_has(svc, r->holder))
		return false;
	if (f->port >= 0 && r->socket->lport != f->port)
		return false;
	if (f->health_mask && !(f->health_mask & (1u << r->health.health)))
		return false;
	return !f->idle_only || r->idle.idle;
}

static int cmp_proc(const void *a, const void *b)
{
	const struct sc_proc_row *x = a, *y = b;

	return CMP(y->connections, x->connections) ?: CMP(y->sockets, x->sockets)
		?: CMP(x->process->pid, y->process->pid);
}

static int cmp_port_key(const void *a, const void *b)
{
	const struct sc_port_row *x = a, *y = b;

	return CMP(x->netns, y->netns) ?: CMP(x->port, y->port);
}

static int cmp_port(const void *a, const void *b)
{
	const struct sc_port_row *x = a, *y = b;

	return CMP(y->connections, x->connections) ?: cmp_port_key(a, b);
}

/* A row's place in keys[].val: its holder, or past every holder its unheld socket. */
/* Each socket's verdicts, by index into sc_snapshot.sockets. */
struct judged {
	struct sc_idle_result *idle;
	struct sc_health_result *health;
};

static struct sc_row row_at(const struct sc_view *v, size_t val, const struct judged *j)
{
	const struct sc_snapshot *snap = v->snap;
	const struct sc_holder *h = val < snap->nholders ? &snap->holders[val] : NULL;
	size_t i = h ? h->socket : val - snap->nholders;

	return (struct sc_row){
		.socket = &snap->sockets[i], .holder = h, .idle = j->idle[i], .health = j->health[i],
	};
}

/* A row's sort key: its holder's pid and fd, or past every holder its unheld socket. */
static __u64 row_order(const struct sc_row *r, size_t socket)
{
	return r->holder ? ((__u64)r->holder->pid << 32 | r->holder->fd) : (1ull << 63) + socket;
}

/*
 * Rows in the sockets' walk order, each socket's holders together: for a
 * caller that only sums them (the table without --sockets), no sort and no
 * gather in (pid, fd) order, which were half the view at 200K sockets.
 */
static int build_rows_any_order(struct sc_view *v, const struct sc_filter *f,
				const struct pid_set *svc, bool *kept, bool *kept_holder,
				const struct judged *j)
{
	const struct sc_snapshot *snap = v->snap;
	size_t i, h, n = 0, cap = 0;

	for (i = 0; i < snap->nsockets; i++)
		cap += snap->sockets[i].nholders ? snap->sockets[i].nholders : 1;
	v->rows = sc_big_malloc((cap ? cap : 1) * sizeof(*v->rows));
	if (!v->rows)
		return -ENOMEM;
	for (i = 0; i < snap->nsockets; i++) {
		const struct sc_socket *s = &snap->sockets[i];
		size_t nrows = s->nholders ? s->nholders : 1;

		for (h = 0; h < nrows; h++) {
			size_t val = s->nholders ? s->first_holder + h : snap->nholders + i;
			struct sc_row *r = &v->rows[n];

			*r = row_at(v, val, j);
			if (!keep_row(r, f, svc))
				continue;
			r->order = row_order(r, i);
			n++;
			kept[i] = true;
			if (r->holder)
				kept_holder[val] = true;
		}
	}
	v->nrows = n;
	return 0;
}

/*
 * Rows by pid and fd, unheld ones last in the kernel's walk order: the kept
 * rows' keys are sorted first (a radix sort), and each row written once, in
 * its place. kept[i]: socket i has a kept row; kept_holder[h]: holder h's row.
 */
static int build_rows(struct sc_view *v, const struct sc_filter *f, const struct pid_set *svc,
		      bool *kept, bool *kept_holder, const struct judged *j)
{
	const struct sc_snapshot *snap = v->snap;
	size_t i, h, n = 0, cap = snap->nholders + snap->nsockets;
	struct sc_key *keys;

	if (v->rows_any_order)
		return build_rows_any_order(v, f, svc, kept, kept_holder, j);
	keys = sc_big_malloc((cap ? cap : 1) * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (i = 0; i < snap->nsockets; i++) {
		const struct sc_socket *s = &snap->sockets[i];
		size_t nrows = s->nholders ? s->nholders : 1;

		for (h = 0; h < nrows; h++) {
			size_t val = s->nholders ? s->first_holder + h : snap->nholders + i;
			struct sc_row r = row_at(v, val, j);

			if (!keep_row(&r, f, svc))
				continue;
			keys[n++] = (struct sc_key){ .key = row_order(&r, i), .val = val };
			kept[i] = true;
			if (r.holder)
				kept_holder[val] = true;
		}
	}
	v->rows = sc_big_malloc((n ? n : 1) * sizeof(*v->rows));
	if (!v->rows || sc_radix_sort(keys, n)) {
		free(keys);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		v->rows[i] = row_at(v, keys[i].val, j);
		v->rows[i].order = keys[i].key;
	}
	v->nrows = n;
	free(keys);
	return 0;
}

/* A server's connections are all to one listening port (any namespace's, as a summary's). */
static void note_server_port(struct sc_proc_row *pr, __u16 lport, const __u64 *listening)
{
	if (pr->several_ports)
		return;
	if (!(listening[lport / 64] & (1ull << (lport % 64))) ||
	    (pr->server_port && pr->server_port != lport)) {
		pr->several_ports = true;
		pr->server_port = 0;
		return;
	}
	pr->server_port = lport;
}

static void add_first(struct sc_first_held *f, const struct sc_socket *s,
		      const struct sc_idle_result *idle)
{
	f->tcp_sockets++;
	f->socket_memory_bytes += sc_socket_memory(s);
	if (s->state == TCP_ESTABLISHED) {
		f->connections++;
		f->idle_connections += idle->idle;
	}
}

/*
 * Per-process sums over kept holders. A process holding one socket on
 * several fds (dup, inetd style) has one connection, not several; holders
 * of a socket are sorted by pid, so repeats are adjacent.
 */
static int build_procs(struct sc_view *v, const bool *kept_holder, const struct judged *j)
{
	const struct sc_idle_result *idle = j->idle;
	const struct sc_snapshot *snap = v->snap;
	struct sc_proc_row *all;
	__u64 *listening;
	size_t i, h, n = 0;

	all = sc_big_calloc(snap->nprocesses ? snap->nprocesses : 1, sizeof(*all));
	listening = calloc(SC_NPORTS / 64, sizeof(*listening));
	if (!all || !listening) {
		free(all);
		free(listening);
		return -ENOMEM;
	}
	for (i = 0; i < snap->nsockets; i++)
		if (snap->sockets[i].state == TCP_LISTEN)
			listening[snap->sockets[i].lport / 64] |= 1ull << (snap->sockets[i].lport % 64);
	for (i = 0; i < snap->nsockets; i++) {
		const struct sc_socket *s = &snap->sockets[i];
		__u32 last_pid = SC_NO_PID;

		bool first = true;

		for (h = s->first_holder; h < s->first_holder + s->nholders; h++) {
			const struct sc_holder *holder = &snap->holders[h];
			const struct sc_process *p;
			struct sc_proc_row *pr;

			if (!kept_holder[h] || holder->pid == last_pid)
				continue;
			last_pid = holder->pid;
			p = sc_snapshot_find_process(snap, holder->pid);
			if (!p)
				continue;
			pr = &all[p - snap->processes];
			if (first)
				add_first(&pr->first, s, &idle[i]);
			first = false;
			pr->process = p;
			sc_health_count(&pr->health, &j->health[i]);
			pr->sockets++;
			pr->socket_memory_bytes += sc_socket_memory(s);
			if (s->state == TCP_LISTEN)
				sc_port_set_add(&pr->listen, s->lport);
			if (s->state == TCP_ESTABLISHED) {
				pr->connections++;
				pr->idle_connections += idle[i].idle;
				note_server_port(pr, s->lport, listening);
			}
		}
	}
	free(listening);
	for (i = 0; i < snap->nprocesses; i++)
		if (all[i].process)
			all[n++] = all[i];
	qsort(all, n, sizeof(*all), cmp_proc);
	v->procs = all;
	v->nprocs = n;
	return 0;
}

struct sc_summary_proc sc_view_summary_proc(const struct sc_proc_row *r)
{
	struct sc_summary_proc p = {
		.pid = r->process->pid,
		.ppid = r->process->ppid,
		.netns = r->process->netns,
		.connections = r->connections,
		.idle_connections = r->idle_connections,
		.tcp_sockets = r->sockets,
		.fds = r->process->fds,
		.fd_limit = r->process->fd_limit,
		.socket_memory_bytes = r->socket_memory_bytes,
		.server_port = r->server_port,
		.listen = r->listen,
		.first = r->first,
	};

	memcpy(p.comm, r->process->comm, sizeof(p.comm));
	return p;
}

int sc_view_build_services(struct sc_view *v)
{
	struct sc_summary_proc *in = calloc(v->nprocs ? v->nprocs : 1, sizeof(*in));
	size_t *member = calloc(v->nprocs ? v->nprocs : 1, sizeof(*member));
	size_t i;
	int err = -ENOMEM;

	if (!in || !member)
		goto out;
	for (i = 0; i < v->nprocs; i++)
		in[i] = sc_view_summary_proc(&v->procs[i]);
	err = sc_services_build(in, v->nprocs, &v->services, &v->nservices, member);
	if (err)
		goto out;
	for (i = 0; i < v->nprocs; i++)
		v->procs[i].service = member[i];
out:
	free(in);
	free(member);
	return err;
}

/*
 * Per service, over its processes' kept sockets, each counted once: by its
 * first kept holder, as sc_first_held does for the other sums.
 */
static int build_service_health(struct sc_view *v, const bool *kept_holder,
				const struct sc_health_result *health)
{
	const struct sc_snapshot *snap = v->snap;
	struct sc_proc_row **by_process;
	size_t i, h;

	v->service_health = calloc(v->nservices ? v->nservices : 1, sizeof(*v->service_health));
	by_process = calloc(snap->nprocesses ? snap->nprocesses : 1, sizeof(*by_process));
	if (!v->service_health || !by_process) {
		free(by_process);
		return -ENOMEM;
	}
	for (i = 0; i < v->nprocs; i++)
		by_process[v->procs[i].process - snap->processes] = &v->procs[i];
	for (i = 0; i < snap->nsockets; i++) {
		const struct sc_socket *s = &snap->sockets[i];

		for (h = s->first_holder; h < s->first_holder + s->nholders; h++) {
			const struct sc_process *p = sc_snapshot_find_process(snap, snap->holders[h].pid);
			struct sc_proc_row *pr;

			if (!kept_holder[h] || !p)
				continue;
			pr = by_process[p - snap->processes];
			if (pr)
				sc_health_count(&v->service_health[pr->service], &health[i]);
			break;
		}
	}
	free(by_process);
	return 0;
}

static bool listener_kept(const struct sc_snapshot *snap, const struct sc_socket *s,
			  const struct sc_filter *f, const struct pid_set *svc)
{
	size_t h;

	if (f->port >= 0 && s->lport != f->port)
		return false;
	if (!f->pid && !svc->on)
		return true;
	for (h = 0; h < s->nholders; h++) {
		const struct sc_holder *holder = &snap->holders[s->first_holder + h];

		if ((!f->pid || holder->pid == f->pid) && (!svc->on || pid_set_has(svc, holder)))
			return true;
	}
	return false;
}

/* Listening ports, and the kept established sockets whose local port they are. */
static int build_ports(struct sc_view *v, const struct sc_filter *f, const struct pid_set *svc,
		       const bool *kept, const struct judged *j)
{
	const struct sc_idle_result *idle = j->idle;
	const struct sc_snapshot *snap = v->snap;
	struct sc_port_row *ports;
	size_t i, n = 0, m = 0, listeners = 0;

	for (i = 0; i < snap->nsockets; i++)
		listeners += snap->sockets[i].state == TCP_LISTEN;
	ports = sc_big_calloc(listeners ? listeners : 1, sizeof(*ports));
	if (!ports)
		return -ENOMEM;
	for (i = 0; i < snap->nsockets; i++) {
		const struct sc_socket *s = &snap->sockets[i];

		if (s->state != TCP_LISTEN || !listener_kept(snap, s, f, svc))
			continue;
		ports[n++] = (struct sc_port_row){
			.netns = s->netns, .port = s->lport, .listeners = 1,
			.accept_queue = s->accept_queue, .accept_queue_max = s->accept_queue_max,
		};
	}
	if (n)
		qsort(ports, n, sizeof(*ports), cmp_port_key);
	/* Merge IPv4/IPv6 and SO_REUSEPORT listeners of one port. */
	for (i = 0; i < n; i++) {
		if (m && !cmp_port_key(&ports[m - 1], &ports[i])) {
			ports[m - 1].listeners++;
			ports[m - 1].accept_queue += ports[i].accept_queue;
			ports[m - 1].accept_queue_max += ports[i].accept_queue_max;
			continue;
		}
		ports[m++] = ports[i];
	}
	for (i = 0; i < snap->nsockets && m; i++) {
		const struct sc_socket *s = &snap->sockets[i];
		struct sc_port_row key = { .netns = s->netns, .port = s->lport }, *p;

		if (!kept[i] || s->state == TCP_LISTEN)
			continue;
		p = bsearch(&key, ports, m, sizeof(key), cmp_port_key);
		if (!p)
			continue;
		sc_health_count(&p->health, &j->health[i]);
		if (s->state == TCP_ESTABLISHED) {
			p->connections++;
			p->idle_connections += idle[i].idle;
		}
	}
	qsort(ports, m, sizeof(*ports), cmp_port);
	v->ports = ports;
	v->nports = m;
	return 0;
}

int sc_view_service_pids(const struct sc_snapshot *snap, const struct sc_idle_policy *policy,
			 const char *name, __u32 **pids, size_t *n)
{
	static const struct sc_filter all = { .port = -1 };
	struct sc_view whole;
	size_t i, s;
	int err;

	*pids = NULL;
	*n = 0;
	err = sc_view_build_rows(&whole, snap, policy, &all, SC_ROWS_ANY_ORDER);
	if (err)
		return err;
	for (s = 0; s < whole.nservices && strcmp(whole.services[s].name, name); s++)
		;
	err = s < whole.nservices ? 0 : -ENOENT;
	if (!err)
		*pids = malloc((whole.services[s].processes ? whole.services[s].processes : 1) *
			       sizeof(**pids));
	if (!err && !*pids)
		err = -ENOMEM;
	for (i = 0; !err && i < whole.nprocs; i++)
		if (whole.procs[i].service == s)
			(*pids)[(*n)++] = whole.procs[i].process->pid;
	if (!err)
		qsort(*pids, *n, sizeof(**pids), cmp_u32);
	sc_view_free(&whole);
	return err;
}

int sc_view_build(struct sc_view *v, const struct sc_snapshot *snap,
		  const struct sc_idle_policy *policy, const struct sc_filter *filter)
{
	return sc_view_build_rows(v, snap, policy, filter, SC_ROWS_SORTED);
}

int sc_view_build_rows(struct sc_view *v, const struct sc_snapshot *snap,
		       const struct sc_idle_policy *policy, const struct sc_filter *filter,
		       enum sc_rows_order order)
{
	struct sc_health_policy health_policy = filter->health;
	struct sc_idle_result *idle = NULL;
	struct judged j = { 0 };
	bool *kept = NULL, *kept_holder = NULL;
	struct pid_set svc = { .on = filter->service[0] != '\0' };
	size_t i;
	int err;

	memset(v, 0, sizeof(*v));
	v->snap = snap;
	v->rows_any_order = order == SC_ROWS_ANY_ORDER;
	v->policy = *policy;
	health_policy = sc_health_policy_or_default(&health_policy);
	v->health_policy = health_policy;
	if (svc.on) {
		err = sc_view_service_pids(snap, policy, filter->service, &svc.pids, &svc.n);
		v->service_unknown = err == -ENOENT;
		if (err && err != -ENOENT)
			goto out;
	}
	err = -ENOMEM;
	idle = sc_big_malloc((snap->nsockets ? snap->nsockets : 1) * sizeof(*idle));
	j = (struct judged){
		.idle = idle,
		.health = sc_big_malloc((snap->nsockets ? snap->nsockets : 1) * sizeof(*j.health)),
	};
	kept = sc_big_calloc(snap->nsockets ? snap->nsockets : 1, sizeof(*kept));
	kept_holder = sc_big_calloc(snap->nholders ? snap->nholders : 1, sizeof(*kept_holder));
	if (!idle || !j.health || !kept || !kept_holder)
		goto out;
	for (i = 0; i < snap->nsockets; i++) {
		idle[i] = classify(snap, &snap->sockets[i], policy);
		j.health[i] = sc_health_judge(&snap->sockets[i], &health_policy);
	}

	err = build_rows(v, filter, &svc, kept, kept_holder, &j);
	if (!err)
		err = build_procs(v, kept_holder, &j);
	if (!err)
		err = sc_view_build_services(v);
	if (!err)
		err = build_service_health(v, kept_holder, j.health);
	if (!err)
		err = build_ports(v, filter, &svc, kept, &j);
	if (err)
		goto out;
	for (i = 0; i < snap->nsockets; i++) {
		const struct sc_socket *s = &snap->sockets[i];

		if (!kept[i])
			continue;
		v->totals.sockets++;
		v->totals.socket_memory_bytes += sc_socket_memory(s);
		sc_health_count(&v->totals.health, &j.health[i]);
		if (s->state == TCP_ESTABLISHED) {
			v->totals.connections++;
			v->totals.idle_connections += idle[i].idle;
			sc_idle_hist_add(&v->totals.idle_hist, idle[i].idle_ms);
		}
	}
out:
	free(svc.pids);
	free(idle);
	free(j.health);
	free(kept);
	free(kept_holder);
	if (err)
		sc_view_free(v);
	return err;
}

void sc_view_free(struct sc_view *v)
{
	free(v->rows);
	free(v->procs);
	free(v->ports);
	free(v->services);
	free(v->service_health);
	v->service_health = NULL;
	v->rows = NULL;
	v->procs = NULL;
	v->ports = NULL;
	v->services = NULL;
	v->nrows = v->nprocs = v->nports = v->nservices = 0;
}

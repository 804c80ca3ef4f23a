// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "view_from_summary.h"

/* view.c's orders: the same rows must come out in the same order. */
static int cmp_proc(const void *a, const void *b)
{
	const struct sc_proc_row *x = a, *y = b;

	return CMP(y->connections, x->connections) ?: CMP(y->sockets, x->sockets)
		?: CMP(x->process->pid, y->process->pid);
}

static int cmp_port(const void *a, const void *b)
{
	const struct sc_port_row *x = a, *y = b;

	return CMP(y->connections, x->connections) ?: CMP(x->netns, y->netns)
		?: CMP(x->port, y->port);
}

static int cmp_process_pid(const void *a, const void *b)
{
	const struct sc_process *x = a, *y = b;

	return CMP(x->pid, y->pid);
}

static const struct sc_health_counts *port_health(const struct sc_health_tally *h, __u16 port)
{
	size_t i;

	for (i = 0; i < h->nports; i++)
		if (h->ports[i].port == port)
			return &h->ports[i].c;
	return NULL;
}

/* The processes, by pid as a snapshot keeps them, and their rows. */
static int build_procs(struct sc_summary_view *sv, const struct sc_summary *s,
		       const struct sc_health_tally *h)
{
	struct sc_view *v = &sv->view;
	size_t i;

	sv->snap.processes = calloc(s->nprocs ? s->nprocs : 1, sizeof(*sv->snap.processes));
	v->procs = calloc(s->nprocs ? s->nprocs : 1, sizeof(*v->procs));
	if (!sv->snap.processes || !v->procs)
		return -ENOMEM;
	for (i = 0; i < s->nprocs; i++) {
		const struct sc_summary_proc *p = &s->procs[i];

		sv->snap.processes[i] = (struct sc_process){
			.pid = p->pid, .ppid = p->ppid, .netns = p->netns,
			.fds = p->fds, .fd_limit = p->fd_limit,
		};
		memcpy(sv->snap.processes[i].comm, p->comm, sizeof(p->comm));
	}
	sv->snap.nprocesses = s->nprocs;
	qsort(sv->snap.processes, s->nprocs, sizeof(*sv->snap.processes), cmp_process_pid);
	for (i = 0; i < s->nprocs; i++) {
		const struct sc_summary_proc *p = &s->procs[i];
		const struct sc_health_counts *c = sc_health_tally_pid(h, p->pid);

		v->procs[i] = (struct sc_proc_row){
			.process = sc_snapshot_find_process(&sv->snap, p->pid),
			.sockets = p->tcp_sockets, .connections = p->connections,
			.idle_connections = p->idle_connections,
			.socket_memory_bytes = p->socket_memory_bytes,
			.listen = p->listen, .server_port = p->server_port, .first = p->first,
		};
		if (c)
			v->procs[i].health = *c;
	}
	v->nprocs = s->nprocs;
	qsort(v->procs, v->nprocs, sizeof(*v->procs), cmp_proc);
	return 0;
}

/* Services as a walk's view groups them, with health by each socket's first holder. */
static int build_services(struct sc_view *v)
{
	size_t i;
	int err = sc_view_build_services(v);

	if (err)
		return err;
	v->service_health = calloc(v->nservices ? v->nservices : 1, sizeof(*v->service_health));
	if (!v->service_health)
		return -ENOMEM;
	for (i = 0; i < v->nprocs; i++)
		sc_health_counts_add(&v->service_health[v->procs[i].service], &v->procs[i].health);
	return 0;
}

static int build_ports(struct sc_view *v, const struct sc_summary *s,
		       const struct sc_health_tally *h)
{
	size_t i;

	v->ports = calloc(s->nports ? s->nports : 1, sizeof(*v->ports));
	if (!v->ports)
		return -ENOMEM;
	for (i = 0; i < s->nports; i++) {
		const struct sc_summary_port *p = &s->ports[i];
		/* Health is counted by port alone (health_tally.h); the table shows none per port. */
		const struct sc_health_counts *c = port_health(h, p->port);

		v->ports[i] = (struct sc_port_row){
			.netns = p->netns, .port = p->port, .listeners = p->listeners,
			.accept_queue = p->accept_queue, .accept_queue_max = p->accept_queue_max,
			.connections = p->connections, .idle_connections = p->idle_connections,
		};
		if (c)
			v->ports[i].health = *c;
	}
	v->nports = s->nports;
	qsort(v->ports, v->nports, sizeof(*v->ports), cmp_port);
	return 0;
}

int sc_view_from_summary(struct sc_summary_view *sv, const struct sc_summary *s,
			 const struct sc_health_tally *h, const struct sc_health_policy *hp,
			 __u64 heartbeat_bytes, const struct sc_outbound_row *outbound)
{
	struct sc_view *v = &sv->view;
	int err;

	memset(sv, 0, sizeof(*sv));
	sv->snap = (struct sc_snapshot){
		.config = { .heartbeat_bytes = heartbeat_bytes, .attached_ns = s->attached_ns,
			    .hook = s->hook },
		.hook = s->hook, .taken_ns = s->taken_ns, .counters = s->counters,
		.netns_walked = 1, .bpf_missed_events = s->bpf_missed_events,
	};
	v->snap = &sv->snap;
	v->policy = s->policy;
	v->health_policy = *hp;
	v->totals = (struct sc_totals){
		.connections = s->connections, .idle_connections = s->idle_connections,
		.socket_memory_bytes = s->socket_memory_bytes, .idle_hist = s->idle_hist,
		.health = h->host,
	};
	sv->outbound = calloc(s->noutbound ? s->noutbound : 1, sizeof(*sv->outbound));
	if (!sv->outbound)
		return -ENOMEM;
	if (s->noutbound)
		memcpy(sv->outbound, outbound, s->noutbound * sizeof(*outbound));
	v->outbound = sv->outbound;
	v->noutbound = s->noutbound;
	v->outbound_given = true;
	err = build_procs(sv, s, h);
	if (!err)
		err = build_services(v);
	if (!err)
		err = build_ports(v, s, h);
	if (err)
		sc_summary_view_free(sv);
	return err;
}

void sc_summary_view_free(struct sc_summary_view *sv)
{
	sc_view_free(&sv->view);
	free(sv->snap.processes);
	free(sv->outbound);
	memset(sv, 0, sizeof(*sv));
}

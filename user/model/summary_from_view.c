// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "outbound.h"
#include "summary.h"
#include "summary_build.h"
#include "view.h"


static int cmp_port_conns(const void *a, const void *b)
{
	const struct sc_summary_port *x = a, *y = b;

	return CMP(y->connections, x->connections) ?: CMP(x->netns, y->netns)
		?: CMP(x->port, y->port);
}

/* Ports by (netns, port), as the view keys them. */
static int summarize_ports(struct sc_summary *s, const struct sc_view *v)
{
	size_t i;

	s->ports = calloc(v->nports ? v->nports : 1, sizeof(*s->ports));
	if (!s->ports)
		return -ENOMEM;
	for (i = 0; i < v->nports; i++) {
		const struct sc_port_row *p = &v->ports[i];

		s->ports[i] = (struct sc_summary_port){
			.netns = p->netns, .port = p->port, .listeners = p->listeners,
			.accept_queue = p->accept_queue, .accept_queue_max = p->accept_queue_max,
			.connections = p->connections, .idle_connections = p->idle_connections,
		};
	}
	if (v->nports)
		qsort(s->ports, v->nports, sizeof(*s->ports), cmp_port_conns);
	s->nports = v->nports;
	return 0;
}

/* Client-side connections by remote port, as the view groups them. */
static int summarize_outbound(struct sc_summary *s, const struct sc_view *v)
{
	struct sc_outbound_row *rows;
	size_t i, n;

	if (sc_outbound_group(v, false, &rows, &n))
		return -ENOMEM;
	s->outbound = calloc(n ? n : 1, sizeof(*s->outbound));
	if (!s->outbound) {
		free(rows);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		s->outbound[i] = (struct sc_summary_outbound){
			.port = rows[i].port, .processes = (__u32)rows[i].processes,
			.connections = rows[i].connections,
			.idle_connections = rows[i].idle_connections,
			.socket_memory_bytes = rows[i].socket_memory_bytes,
		};
	s->noutbound = n;
	free(rows);
	return 0;
}

/* The namespaces of the sockets the view's processes hold. */
static int summarize_netns(struct sc_summary *s, const struct sc_view *v)
{
	struct sc_listen_keys held;
	size_t i;
	__u32 slot;
	bool added;
	int err = 0;

	sc_listen_keys_init(&held);
	for (i = 0; i < v->nrows && !err; i++)
		if (v->rows[i].holder)
			err = sc_listen_keys_add(&held, v->rows[i].socket->netns, 0, &slot, &added);
	if (!err)
		err = sc_summary_set_netns(s, &held, NULL);
	sc_listen_keys_free(&held);
	return err;
}

int sc_summary_from_view(struct sc_summary *s, const struct sc_view *v)
{
	const struct sc_snapshot *snap = v->snap;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->policy = v->policy;
	s->hook = snap->hook;
	s->attached_ns = snap->config.attached_ns;
	s->taken_ns = snap->taken_ns;
	s->counters = snap->counters;
	s->connections = v->totals.connections;
	s->idle_connections = v->totals.idle_connections;
	s->socket_memory_bytes = v->totals.socket_memory_bytes;
	s->idle_hist = v->totals.idle_hist;
	s->bpf_missed_events = snap->bpf_missed_events;

	s->procs = calloc(v->nprocs ? v->nprocs : 1, sizeof(*s->procs));
	if (!s->procs)
		return -ENOMEM;
	for (i = 0; i < v->nprocs; i++)
		s->procs[i] = sc_view_summary_proc(&v->procs[i]);
	s->nprocs = v->nprocs;
	if (summarize_ports(s, v) || summarize_outbound(s, v) || summarize_netns(s, v)) {
		sc_summary_free(s);
		return -ENOMEM;
	}
	return 0;
}

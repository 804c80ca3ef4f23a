// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "names.h"
#include "top_rows.h"

static bool wanted(__u32 pid, const __u32 *pids, size_t npids)
{
	size_t i;

	if (!npids)
		return true;
	for (i = 0; i < npids; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* calloc that never returns NULL for zero rows, so callers can tell OOM. */
static struct top_row *alloc_rows(size_t n)
{
	return calloc(n ? n : 1, sizeof(struct top_row));
}

int top_rows_procs(const struct sc_summary *s, const __u32 *pids, size_t npids,
		   struct top_row **rows, size_t *n)
{
	struct top_row *out = alloc_rows(s->nprocs);
	size_t i, k = 0;

	if (!out)
		return -ENOMEM;
	for (i = 0; i < s->nprocs; i++) {
		const struct sc_summary_proc *p = &s->procs[i];
		struct top_row *r = &out[k];

		if (!wanted(p->pid, pids, npids))
			continue;
		r->id = r->pid = p->pid;
		fmt_printable(p->comm, r->comm, sizeof(r->comm));
		r->conns = p->connections;
		r->idle = p->idle_connections;
		r->tcp_sockets = p->tcp_sockets;
		r->fds = p->fds;
		r->fd_limit = p->fd_limit;
		r->sock_mem = p->socket_memory_bytes;
		k++;
	}
	*rows = out;
	*n = k;
	return 0;
}

/* One row a port (its id): a port listened on in several namespaces is their sum. */
int top_rows_ports(const struct sc_summary *s, struct top_row **rows, size_t *n)
{
	struct top_row *out = alloc_rows(s->nports), *r;
	size_t i, k, m = 0;

	if (!out)
		return -ENOMEM;
	for (i = 0; i < s->nports; i++) {
		const struct sc_summary_port *p = &s->ports[i];

		for (k = 0; k < m && out[k].port != p->port; k++)
			;
		r = &out[k];
		if (k == m) {
			m++;
			r->id = r->port = p->port;
		}
		r->conns += p->connections;
		r->idle += p->idle_connections;
		r->listeners += p->listeners;
		r->acceptq += p->accept_queue;
		r->acceptq_max += p->accept_queue_max;
	}
	*rows = out;
	*n = m;
	return 0;
}

int top_rows_services(const struct sc_summary *s, struct top_row *procs, size_t nprocs,
		      struct top_row **rows, size_t *n, bool *grouped)
{
	size_t *member = calloc(s->nprocs ? s->nprocs : 1, sizeof(*member)), i, k = 0, nsvc;
	struct sc_service *svc = NULL;
	struct top_row *out = NULL;
	bool *shown = NULL;

	if (!member || sc_services_build(s->procs, s->nprocs, &svc, &nsvc, member) ||
	    !(out = alloc_rows(nsvc)) || !(shown = calloc(nsvc ? nsvc : 1, sizeof(*shown)))) {
		free(member);
		free(svc);
		free(out);
		return -ENOMEM;
	}
	for (i = 0; i < nsvc; i++) {
		struct top_row *r = &out[i];

		/* The main pid stays while the service does: the selection follows it. */
		r->id = svc[i].main_pid;
		fmt_printable(svc[i].name, r->service, sizeof(r->service));
		fmt_printable(svc[i].comm, r->comm, sizeof(r->comm));
		r->processes = svc[i].processes;
		r->conns = svc[i].connections;
		r->idle = svc[i].idle_connections;
		r->tcp_sockets = svc[i].tcp_sockets;
		r->fds = svc[i].fds;
		r->sock_mem = svc[i].socket_memory_bytes;
		r->worst_fds = svc[i].fd_worst_fds;
		r->worst_fd_limit = svc[i].fd_worst_limit;
	}
	/* Process rows are the summary's, in its order, less those -p left out. */
	for (i = 0; i < s->nprocs && k < nprocs; i++) {
		if (procs[k].pid != s->procs[i].pid)
			continue;
		memcpy(procs[k].service, out[member[i]].service, sizeof(procs->service));
		procs[k++].service_id = (__u32)out[member[i]].id;
		shown[member[i]] = true;
	}
	*grouped = sc_services_grouped(svc, nsvc);
	/* With -p, only the services of the processes asked for. */
	for (i = 0, k = 0; i < nsvc; i++) {
		if (nprocs < s->nprocs && !shown[i])
			continue;
		out[k++] = out[i];
	}
	free(shown);
	free(member);
	free(svc);
	*rows = out;
	*n = k;
	return 0;
}

struct svc_index {
	__u32 id;
	size_t at;
};

static int cmp_svc_index(const void *a, const void *b)
{
	const struct svc_index *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

void top_rows_services_fd_eta(struct top_row *services, size_t nservices,
			      const struct top_row *procs, size_t nprocs)
{
	struct svc_index *idx = calloc(nservices ? nservices : 1, sizeof(*idx)), key, *hit;
	size_t i;

	for (i = 0; i < nservices; i++) {
		services[i].fd_eta = (struct sc_fd_eta){ .why = SC_FD_ETA_NOT_WATCHED };
		services[i].fd_eta_pid = 0;
		if (idx)
			idx[i] = (struct svc_index){ (__u32)services[i].id, i };
	}
	/* Without memory for the index the services show no ETA: never a wrong one. */
	if (!idx)
		return;
	qsort(idx, nservices, sizeof(*idx), cmp_svc_index);
	for (i = 0; i < nprocs; i++) {
		struct top_row *s;

		key.id = procs[i].service_id;
		hit = bsearch(&key, idx, nservices, sizeof(*idx), cmp_svc_index);
		if (!hit)
			continue;
		s = &services[hit->at];
		if (sc_fd_eta_sooner(&procs[i].fd_eta, &s->fd_eta)) {
			s->fd_eta = procs[i].fd_eta;
			s->fd_eta_pid = procs[i].pid;
		}
	}
	free(idx);
}

int top_rows_outbound(const struct sc_summary *s, struct top_row **rows, size_t *n)
{
	struct top_row *out = alloc_rows(s->noutbound);
	size_t i;

	if (!out)
		return -ENOMEM;
	for (i = 0; i < s->noutbound; i++) {
		const struct sc_summary_outbound *o = &s->outbound[i];

		out[i].id = out[i].port = o->port;
		out[i].conns = o->connections;
		out[i].idle = o->idle_connections;
		out[i].processes = o->processes;
		out[i].sock_mem = o->socket_memory_bytes;
	}
	*rows = out;
	*n = s->noutbound;
	return 0;
}

int top_rows_conns(const struct sc_view *v, const __u32 *pids, size_t npids,
		   struct top_row **rows, size_t *n)
{
	struct top_row *out = alloc_rows(v->nrows);
	size_t i, k = 0;

	if (!out)
		return -ENOMEM;
	for (i = 0; i < v->nrows; i++) {
		const struct sc_row *vr = &v->rows[i];
		const struct sc_socket *s = vr->socket;
		struct top_row *r = &out[k];

		if (npids && (!vr->holder || !wanted(vr->holder->pid, pids, npids)))
			continue;
		r->id = s->cookie;
		if (vr->holder) {
			const struct sc_process *p = sc_snapshot_find_process(v->snap, vr->holder->pid);

			r->pid = vr->holder->pid;
			r->fd = vr->holder->fd;
			if (p)
				fmt_printable(p->comm, r->comm, sizeof(r->comm));
		}
		r->port = s->lport;
		r->state = sc_tcp_state_name(s->state);
		fmt_endpoint(s->family, s->laddr, s->lport, r->local, sizeof(r->local));
		fmt_endpoint(s->family, s->raddr, s->rport, r->remote, sizeof(r->remote));
		r->has_idle = sc_socket_has_idle(s);
		r->is_idle = vr->idle.idle;
		r->idle_ms = vr->idle.idle_ms;
		r->rx = s->rx_bytes;
		r->tx = s->tx_bytes;
		r->recvq = s->rx_queue;
		r->sendq = s->tx_queue;
		r->sock_mem = sc_socket_memory(s);
		r->health_of = vr->health;
		k++;
	}
	*rows = out;
	*n = k;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "close_plan.h"
#include "common.h"

const char *sc_close_method_name(enum sc_close_method m)
{
	switch (m) {
	case SC_CLOSE_BPF:
		return "bpf";
	case SC_CLOSE_DIAG:
		return "diag";
	case SC_CLOSE_AUTO:
		break;
	}
	return "auto";
}

bool sc_close_state_closable(__u8 state)
{
	/* TCP_CLOSE: a socket never connected, or already aborted: nothing to abort. */
	return state != TCP_LISTEN && state != TCP_TIME_WAIT && state != SC_TCP_NEW_SYN_RECV &&
	       state != TCP_CLOSE;
}

static int cmp_proc(const void *a, const void *b)
{
	const struct sc_close_proc *x = a, *y = b;

	return CMP(y->sockets, x->sockets) ?: CMP(x->process->pid, y->process->pid);
}

/* The process entry of pid in procs[0..*n), added at the end when new. */
static struct sc_close_proc *proc_of(struct sc_close_proc *procs, size_t *n,
				     const struct sc_process *p)
{
	/* Rows come by pid: a process's entry, when there, is the last. */
	if (*n && procs[*n - 1].process == p)
		return &procs[*n - 1];
	procs[*n] = (struct sc_close_proc){ .process = p };
	return &procs[(*n)++];
}

/* Whether the row is one close may abort; counts why not in p otherwise. */
static bool closable(struct sc_close_plan *p, const struct sc_row *r, bool busy_too)
{
	if (r->socket->state == TCP_LISTEN) {
		p->listeners++;
		return false;
	}
	if (!r->holder || !sc_close_state_closable(r->socket->state)) {
		p->unclosable++;
		return false;
	}
	if (!busy_too && !r->idle.idle) {
		p->busy++;
		return false;
	}
	return true;
}

/*
 * first[i]: the target index of socket i; -1 not met yet; LEFT past max;
 * KEPT not closed (counted). A socket several processes hold (a fork's, a
 * dup's, a shared listener) is counted once, at its first row.
 */
#define LEFT -2
#define KEPT -3

static int add_rows(struct sc_close_plan *p, const struct sc_view *v, size_t max, bool busy_too,
		    long *first)
{
	const struct sc_snapshot *snap = v->snap;
	size_t i, nprocs = 0;

	for (i = 0; i < v->nrows; i++) {
		const struct sc_row *r = &v->rows[i];
		size_t s = (size_t)(r->socket - snap->sockets);
		const struct sc_process *proc;
		struct sc_close_proc *cp;

		if (first[s] == LEFT || first[s] == KEPT)
			continue;
		if (first[s] >= 0) {
			p->targets[first[s]].fds++;
			p->fds++;
			proc = sc_snapshot_find_process(snap, r->holder->pid);
			if (proc)
				proc_of(p->procs, &nprocs, proc)->fds++;
			continue;
		}
		if (!closable(p, r, busy_too)) {
			first[s] = KEPT;
			continue;
		}
		p->matched++;
		if (p->ntargets == max) {
			first[s] = LEFT;
			p->left++;
			continue;
		}
		first[s] = (long)p->ntargets;
		p->targets[p->ntargets++] = (struct sc_close_target){
			.row = r, .fds = 1, .result = SC_CLOSE_PENDING };
		p->fds++;
		p->memory_bytes += sc_socket_memory(r->socket);
		p->send_queue_bytes += r->socket->wmem_queued;
		proc = sc_snapshot_find_process(snap, r->holder->pid);
		if (!proc)
			continue;
		cp = proc_of(p->procs, &nprocs, proc);
		cp->sockets++;
		cp->fds++;
		cp->memory_bytes += sc_socket_memory(r->socket);
	}
	p->nprocs = nprocs;
	return 0;
}

int sc_close_plan_build(struct sc_close_plan *p, const struct sc_view *v, size_t max,
			bool busy_too)
{
	size_t i, nsockets = v->snap->nsockets, cap = v->nrows < max ? v->nrows : max;
	long *first;

	memset(p, 0, sizeof(*p));
	first = malloc((nsockets ? nsockets : 1) * sizeof(*first));
	p->targets = calloc(cap ? cap : 1, sizeof(*p->targets));
	p->procs = calloc(v->nrows ? v->nrows : 1, sizeof(*p->procs));
	if (!first || !p->targets || !p->procs) {
		free(first);
		sc_close_plan_free(p);
		return -ENOMEM;
	}
	for (i = 0; i < nsockets; i++)
		first[i] = -1;
	add_rows(p, v, max, busy_too, first);
	free(first);
	/* A process holding only others' first-held targets has 0 sockets: still listed. */
	qsort(p->procs, p->nprocs, sizeof(*p->procs), cmp_proc);
	return 0;
}

size_t sc_close_plan_aborted(struct sc_close_plan *p)
{
	size_t i, j, n = 0;

	for (j = 0; j < p->nprocs; j++)
		p->procs[j].aborted = 0;
	for (i = 0; i < p->ntargets; i++) {
		const struct sc_close_target *t = &p->targets[i];

		if (t->result)
			continue;
		n++;
		for (j = 0; j < p->nprocs; j++)
			if (p->procs[j].process->pid == t->row->holder->pid) {
				p->procs[j].aborted++;
				break;
			}
	}
	return n;
}

void sc_close_plan_free(struct sc_close_plan *p)
{
	free(p->targets);
	free(p->procs);
	memset(p, 0, sizeof(*p));
}

void sc_close_plan_objects(struct sc_close_plan *p, const struct sc_slab_sizes *slab)
{
	size_t i;

	p->object_bytes = 0;
	for (i = 0; i < p->ntargets; i++) {
		bool v6 = p->targets[i].row->socket->family == AF_INET6;

		p->object_bytes += slab->obj[v6 ? SC_OBJ_TCPV6 : SC_OBJ_TCP].bytes +
				   slab->obj[SC_OBJ_SOCK_INODE].bytes +
				   slab->obj[SC_OBJ_FILE].bytes + slab->obj[SC_OBJ_DENTRY].bytes;
	}
}

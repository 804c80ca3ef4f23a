// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "health_tally.h"

static int cmp_pid(const void *a, const void *b)
{
	const struct sc_health_pid *x = a, *y = b;

	return CMP(x->pid, y->pid);
}

static int cmp_port(const void *a, const void *b)
{
	const struct sc_health_port *x = a, *y = b;

	return CMP(x->port, y->port);
}

int sc_health_tally_init(struct sc_health_tally *t, const struct sc_summary *s)
{
	size_t i, n = 0;

	memset(t, 0, sizeof(*t));
	t->pids = calloc(s->nprocs ? s->nprocs : 1, sizeof(*t->pids));
	t->ports = calloc(s->nports ? s->nports : 1, sizeof(*t->ports));
	if (!t->pids || !t->ports) {
		sc_health_tally_free(t);
		return -ENOMEM;
	}
	for (i = 0; i < s->nprocs; i++)
		t->pids[i].pid = s->procs[i].pid;
	t->npids = s->nprocs;
	qsort(t->pids, t->npids, sizeof(*t->pids), cmp_pid);
	/*
	 * One row a port, any namespace: a summary has a row per (netns, port),
	 * the health pass's counts and their metric are by port alone.
	 */
	for (i = 0; i < s->nports; i++)
		t->ports[i].port = s->ports[i].port;
	qsort(t->ports, s->nports, sizeof(*t->ports), cmp_port);
	for (i = 0; i < s->nports; i++)
		if (!n || t->ports[n - 1].port != t->ports[i].port)
			t->ports[n++] = t->ports[i];
	t->nports = n;
	return 0;
}

static struct sc_health_counts *pid_counts(struct sc_health_tally *t, __u32 pid)
{
	struct sc_health_pid key = { .pid = pid }, *p;

	p = bsearch(&key, t->pids, t->npids, sizeof(key), cmp_pid);
	return p ? &p->c : NULL;
}

void sc_health_tally_add(struct sc_health_tally *t, __u32 pid, __u16 lport,
			 const struct sc_health_result *r)
{
	struct sc_health_port key = { .port = lport }, *port;
	struct sc_health_counts *c;

	t->sockets++;
	if (r->health == SC_HEALTH_OK)
		return;
	sc_health_count(&t->host, r);
	c = pid ? pid_counts(t, pid) : NULL;
	if (c)
		sc_health_count(c, r);
	port = bsearch(&key, t->ports, t->nports, sizeof(key), cmp_port);
	if (port)
		sc_health_count(&port->c, r);
}

const struct sc_health_counts *sc_health_tally_pid(const struct sc_health_tally *t, __u32 pid)
{
	return pid_counts((struct sc_health_tally *)t, pid);
}

int sc_health_tally_copy(struct sc_health_tally *dst, const struct sc_health_tally *src)
{
	*dst = *src;
	dst->pids = malloc((src->npids ? src->npids : 1) * sizeof(*src->pids));
	dst->ports = malloc((src->nports ? src->nports : 1) * sizeof(*src->ports));
	if (!dst->pids || !dst->ports) {
		sc_health_tally_free(dst);
		return -ENOMEM;
	}
	memcpy(dst->pids, src->pids, src->npids * sizeof(*src->pids));
	memcpy(dst->ports, src->ports, src->nports * sizeof(*src->ports));
	return 0;
}

void sc_health_tally_free(struct sc_health_tally *t)
{
	free(t->pids);
	free(t->ports);
	memset(t, 0, sizeof(*t));
}

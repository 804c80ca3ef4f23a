// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "container_rows.h"

/* Per process while grouping: its index, to reach its place and cost. */
struct member {
	const struct sc_place *place;
	size_t i;
};

static int cmp_member(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	return sc_place_cmp(x->place, y->place) ?: CMP(x->i, y->i);
}

static int cmp_row(const void *a, const void *b)
{
	const struct sc_container_row *x = a, *y = b;

	return CMP(y->connections, x->connections) ?: sc_place_cmp(&x->place, &y->place);
}

int sc_container_rows_build(const struct sc_summary *s, const struct sc_place *places,
			    const struct sc_proc_cost *costs, size_t ncosts,
			    struct sc_container_row **rows, size_t *n)
{
	size_t cap = s->nprocs ? s->nprocs : 1, i, m = 0;
	struct member *mem = calloc(cap, sizeof(*mem));
	struct sc_container_row *r = calloc(cap, sizeof(*r));
	double *weighted = calloc(cap, sizeof(*weighted));
	__u64 *costed = calloc(cap, sizeof(*costed)), *held = calloc(cap, sizeof(*held));
	int err = -ENOMEM;

	*rows = NULL;
	*n = 0;
	if (!mem || !r || !weighted || !costed || !held)
		goto out;
	for (i = 0; i < s->nprocs; i++)
		mem[i] = (struct member){ .place = &places[i], .i = i };
	qsort(mem, s->nprocs, sizeof(*mem), cmp_member);
	for (i = 0; i < s->nprocs; i++) {
		const struct sc_summary_proc *p = &s->procs[mem[i].i];
		const struct sc_proc_cost *c = mem[i].i < ncosts ? &costs[mem[i].i] : NULL;
		struct sc_container_row *row;

		if (!m || !sc_place_same(&r[m - 1].place, mem[i].place))
			r[m++].place = *mem[i].place;
		row = &r[m - 1];
		row->processes++;
		row->connections += p->first.connections;
		row->idle_connections += p->first.idle_connections;
		row->socket_memory_bytes += p->first.socket_memory_bytes;
		row->open_fds += p->fds;
		/* Its own connections, shared or not: its figure is per its connections. */
		held[m - 1] += p->connections;
		if (c && c->basis != SC_BASIS_NONE && p->connections) {
			weighted[m - 1] += c->memory_per_connection * (double)p->connections;
			costed[m - 1] += p->connections;
		}
	}
	for (i = 0; i < m; i++) {
		r[i].has_memory_per_connection = held[i] && costed[i] == held[i];
		if (r[i].has_memory_per_connection)
			r[i].memory_per_connection = weighted[i] / (double)held[i];
	}
	qsort(r, m, sizeof(*r), cmp_row);
	*rows = r;
	*n = m;
	r = NULL;
	err = 0;
out:
	free(mem);
	free(r);
	free(weighted);
	free(costed);
	free(held);
	return err;
}

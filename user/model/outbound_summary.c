// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "outbound_summary.h"

#define SEEN_MIN 256
#define NO_SLOT ((__u32)-1)

int sc_outbound_acc_init(struct sc_outbound_acc *a)
{
	memset(a, 0, sizeof(*a));
	a->slot = malloc(SC_NPORTS * sizeof(*a->slot));
	a->seen = calloc(SEEN_MIN, sizeof(*a->seen));
	a->seen_mask = SEEN_MIN - 1;
	if (!a->slot || !a->seen) {
		sc_outbound_acc_free(a);
		return -ENOMEM;
	}
	memset(a->slot, 0xff, SC_NPORTS * sizeof(*a->slot));
	return 0;
}

void sc_outbound_acc_free(struct sc_outbound_acc *a)
{
	free(a->slot);
	free(a->rows);
	free(a->seen);
	memset(a, 0, sizeof(*a));
}

/* The sums of rport, added on first sight; NULL (and failed) without memory. */
static struct sc_summary_outbound *row_of(struct sc_outbound_acc *a, __u16 rport)
{
	struct sc_summary_outbound *grown;

	if (a->slot[rport] != NO_SLOT)
		return &a->rows[a->slot[rport]];
	if (a->nrows == a->cap) {
		grown = realloc(a->rows, (a->cap ? a->cap * 2 : 16) * sizeof(*grown));
		if (!grown) {
			a->failed = true;
			return NULL;
		}
		a->rows = grown;
		a->cap = a->cap ? a->cap * 2 : 16;
	}
	a->slot[rport] = (__u32)a->nrows;
	a->rows[a->nrows] = (struct sc_summary_outbound){ .port = rport };
	return &a->rows[a->nrows++];
}

void sc_outbound_acc_conn(struct sc_outbound_acc *a, __u16 rport, bool idle, __u64 mem)
{
	struct sc_summary_outbound *o = row_of(a, rport);

	if (!o)
		return;
	o->connections++;
	o->idle_connections += idle;
	o->socket_memory_bytes += mem;
}

/* Where key is, or the empty bucket it would go to (keys are never 0). */
static size_t seen_bucket(const __u64 *seen, size_t mask, __u64 key)
{
	size_t b = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & mask;

	while (seen[b] && seen[b] != key)
		b = (b + 1) & mask;
	return b;
}

static int seen_grow(struct sc_outbound_acc *a)
{
	size_t cap = (a->seen_mask + 1) * 2, i;
	__u64 *bigger = calloc(cap, sizeof(*bigger));

	if (!bigger)
		return -ENOMEM;
	for (i = 0; i <= a->seen_mask; i++)
		if (a->seen[i])
			bigger[seen_bucket(bigger, cap - 1, a->seen[i])] = a->seen[i];
	free(a->seen);
	a->seen = bigger;
	a->seen_mask = cap - 1;
	return 0;
}

void sc_outbound_acc_holder(struct sc_outbound_acc *a, __u16 rport, __u32 slot)
{
	__u64 key = ((__u64)rport << 32 | slot) + 1;
	struct sc_summary_outbound *o;
	size_t b;

	if (a->failed)
		return;
	b = seen_bucket(a->seen, a->seen_mask, key);
	if (a->seen[b])
		return;
	if ((a->nseen + 1) * 2 > a->seen_mask + 1) {
		if (seen_grow(a)) {
			a->failed = true;
			return;
		}
		b = seen_bucket(a->seen, a->seen_mask, key);
	}
	o = row_of(a, rport);
	if (!o)
		return;
	a->seen[b] = key;
	a->nseen++;
	o->processes++;
}

static int cmp_outbound(const void *x, const void *y);

int sc_outbound_acc_finish(struct sc_outbound_acc *a, struct sc_summary *s)
{
	if (a->failed)
		return -ENOMEM;
	if (a->nrows)
		qsort(a->rows, a->nrows, sizeof(*a->rows), cmp_outbound);
	/* The rows go to the summary as they are. */
	s->outbound = a->rows ? a->rows : calloc(1, sizeof(*s->outbound));
	s->noutbound = a->nrows;
	a->rows = NULL;
	a->nrows = a->cap = 0;
	return s->outbound ? 0 : -ENOMEM;
}

static int cmp_outbound(const void *x, const void *y)
{
	const struct sc_summary_outbound *a = x, *b = y;

	return CMP(b->connections, a->connections) ?: CMP(a->port, b->port);
}

int sc_outbound_rows(const struct sc_summary_outbound *by_port, struct sc_summary *s)
{
	size_t p, n = 0;

	for (p = 0; p < SC_NPORTS; p++)
		n += by_port[p].connections || by_port[p].processes;
	s->outbound = calloc(n ? n : 1, sizeof(*s->outbound));
	if (!s->outbound)
		return -ENOMEM;
	s->noutbound = 0;
	for (p = 0; p < SC_NPORTS; p++) {
		if (!by_port[p].connections && !by_port[p].processes)
			continue;
		s->outbound[s->noutbound] = by_port[p];
		s->outbound[s->noutbound++].port = (__u16)p;
	}
	if (n)
		qsort(s->outbound, n, sizeof(*s->outbound), cmp_outbound);
	return 0;
}

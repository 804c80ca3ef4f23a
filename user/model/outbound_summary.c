// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "outbound_summary.h"

int sc_outbound_acc_init(struct sc_outbound_acc *a, size_t max_holders)
{
	memset(a, 0, sizeof(*a));
	a->by_port = calloc(SC_NPORTS, sizeof(*a->by_port));
	a->pairs = malloc((max_holders ? max_holders : 1) * sizeof(*a->pairs));
	a->cap = max_holders;
	if (!a->by_port || !a->pairs) {
		sc_outbound_acc_free(a);
		return -ENOMEM;
	}
	return 0;
}

void sc_outbound_acc_free(struct sc_outbound_acc *a)
{
	free(a->by_port);
	free(a->pairs);
	memset(a, 0, sizeof(*a));
}

void sc_outbound_acc_conn(struct sc_outbound_acc *a, __u16 rport, bool idle, __u64 mem)
{
	struct sc_summary_outbound *o = &a->by_port[rport];

	o->connections++;
	o->idle_connections += idle;
	o->socket_memory_bytes += mem;
}

void sc_outbound_acc_holder(struct sc_outbound_acc *a, __u16 rport, __u32 slot)
{
	if (a->npairs < a->cap)
		a->pairs[a->npairs++] = (struct sc_key){ .key = (__u64)rport << 32 | slot };
}

int sc_outbound_acc_finish(struct sc_outbound_acc *a, struct sc_summary *s)
{
	size_t i;

	if (sc_radix_sort(a->pairs, a->npairs))
		return -ENOMEM;
	for (i = 0; i < a->npairs; i++)
		if (!i || a->pairs[i].key != a->pairs[i - 1].key)
			a->by_port[a->pairs[i].key >> 32].processes++;
	return sc_outbound_rows(a->by_port, s);
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

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "links.h"

#define FIRST_SLOTS 64
/* Records are __u32 indexes: no more links than that, and slots * 8 B cannot wrap. */
#define LINKS_MAX (1ull << 32)

static size_t home(const struct sc_links *l, __u32 rec)
{
	/* Fibonacci hashing: record indexes come in runs. */
	return (size_t)(((__u64)rec * 0x9e3779b97f4a7c15ull) >> 32) & l->mask;
}

/* rec's slot, or the free one where it would go. */
static size_t slot_of(const struct sc_links *l, __u32 rec)
{
	size_t b;

	for (b = home(l, rec); l->v[b].rec != SC_LINK_NONE && l->v[b].rec != rec;
	     b = (b + 1) & l->mask)
		;
	return b;
}

__u32 sc_links_get(const struct sc_links *l, __u32 rec)
{
	return l->v ? l->v[slot_of(l, rec)].next : SC_LINK_NONE;
}

int sc_links_reserve(struct sc_links *l, size_t more)
{
	struct sc_link *old = l->v;
	size_t i, oslots = old ? l->mask + 1 : 0, slots = oslots ? oslots : FIRST_SLOTS;

	if (more > LINKS_MAX - l->n)
		return -ENOMEM;
	while ((l->n + more) * 2 > slots)
		slots *= 2;
	if (slots == oslots)
		return 0;
	l->v = malloc(slots * sizeof(*l->v));
	if (!l->v) {
		l->v = old;
		return -ENOMEM;
	}
	/* Every field SC_LINK_NONE: a free slot, and no next. */
	memset(l->v, 0xff, slots * sizeof(*l->v));
	l->mask = slots - 1;
	for (i = 0; i < oslots; i++)
		if (old[i].rec != SC_LINK_NONE)
			l->v[slot_of(l, old[i].rec)] = old[i];
	free(old);
	return 0;
}

void sc_links_set(struct sc_links *l, __u32 rec, __u32 next)
{
	size_t b = slot_of(l, rec);

	if (l->v[b].rec == SC_LINK_NONE)
		l->n++;
	l->v[b] = (struct sc_link){ .rec = rec, .next = next };
}

void sc_links_clear(struct sc_links *l)
{
	if (l->v)
		memset(l->v, 0xff, (l->mask + 1) * sizeof(*l->v));
	l->n = 0;
}

void sc_links_free(struct sc_links *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

size_t sc_links_mem(const struct sc_links *l)
{
	return l->v ? (l->mask + 1) * sizeof(*l->v) : 0;
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "holders.h"

static size_t home(const struct sc_holders *h, __u32 tgid, __u32 netns)
{
	__u64 key = ((__u64)netns << 32) | tgid;

	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & h->mask;
}

/* Grows the index to twice the slots and refiles every id. Returns 0 or -ENOMEM. */
static int grow_index(struct sc_holders *h)
{
	size_t slots = h->index ? (h->mask + 1) * 2 : 64, i, b;
	__u32 *index = malloc(slots * sizeof(*index));

	if (!index)
		return -ENOMEM;
	memset(index, 0xff, slots * sizeof(*index));
	free(h->index);
	h->index = index;
	h->mask = slots - 1;
	for (i = 0; i < h->n; i++) {
		for (b = home(h, h->v[i].tgid, h->v[i].netns); index[b] != SC_HOLDER_NONE;
		     b = (b + 1) & h->mask)
			;
		index[b] = (__u32)i;
	}
	return 0;
}

int sc_holders_id(struct sc_holders *h, __u32 tgid, __u32 netns, __u32 *id)
{
	size_t b;

	if (h->index) {
		for (b = home(h, tgid, netns); h->index[b] != SC_HOLDER_NONE; b = (b + 1) & h->mask) {
			const struct sc_holder_pair *p = &h->v[h->index[b]];

			if (p->tgid == tgid && p->netns == netns) {
				*id = h->index[b];
				return 0;
			}
		}
	}
	/* New: room first, so a failure adds nothing. */
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		struct sc_holder_pair *v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	if ((!h->index || (h->n + 1) * 2 > h->mask + 1) && grow_index(h))
		return -ENOMEM;
	for (b = home(h, tgid, netns); h->index[b] != SC_HOLDER_NONE; b = (b + 1) & h->mask)
		;
	h->v[h->n] = (struct sc_holder_pair){ .tgid = tgid, .netns = netns };
	h->index[b] = (__u32)h->n;
	*id = (__u32)h->n++;
	return 0;
}

void sc_holders_free(struct sc_holders *h)
{
	free(h->v);
	free(h->index);
	memset(h, 0, sizeof(*h));
}

size_t sc_holders_mem(const struct sc_holders *h)
{
	return h->cap * sizeof(*h->v) + (h->index ? (h->mask + 1) * sizeof(*h->index) : 0);
}

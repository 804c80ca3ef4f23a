// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "mem_history.h"

static int cmp_entry(const void *key, const void *elem)
{
	__u32 pid = *(const __u32 *)key;
	const struct sc_mem_history_entry *e = elem;

	return CMP(pid, e->pid);
}

void sc_mem_history_begin(struct sc_mem_history *h)
{
	h->round++;
}

int sc_mem_history_add(struct sc_mem_history *h, __u32 pid, __u64 connections, __u64 bytes)
{
	struct sc_mem_history_entry *e = h->n ? bsearch(&pid, h->e, h->n, sizeof(*h->e), cmp_entry)
					      : NULL;
	size_t at;

	if (!e) {
		if (h->n == h->cap) {
			size_t cap = h->cap ? h->cap * 2 : 64;
			struct sc_mem_history_entry *bigger = realloc(h->e, cap * sizeof(*bigger));

			if (!bigger)
				return -ENOMEM;
			h->e = bigger;
			h->cap = cap;
		}
		for (at = h->n; at > 0 && h->e[at - 1].pid > pid; at--)
			;
		memmove(&h->e[at + 1], &h->e[at], (h->n - at) * sizeof(*h->e));
		e = &h->e[at];
		memset(e, 0, sizeof(*e));
		e->pid = pid;
		h->n++;
	}
	e->seen = h->round;
	sc_marginal_add(&e->m, connections, bytes);
	return 0;
}

void sc_mem_history_end(struct sc_mem_history *h)
{
	size_t i, k;

	for (i = k = 0; i < h->n; i++)
		if (h->e[i].seen == h->round)
			h->e[k++] = h->e[i];
	h->n = k;
}

const struct sc_marginal *sc_mem_history_get(const struct sc_mem_history *h, __u32 pid)
{
	const struct sc_mem_history_entry *e =
		h->n ? bsearch(&pid, h->e, h->n, sizeof(*h->e), cmp_entry) : NULL;

	return e ? &e->m : NULL;
}

void sc_mem_history_free(struct sc_mem_history *h)
{
	free(h->e);
	memset(h, 0, sizeof(*h));
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_HOLDERS_H
#define SC_HOLDERS_H

#include <stddef.h>
#include <linux/types.h>

/*
 * The (process, network namespace) pairs a mirror's records name, each by
 * a 32-bit id: a million records share a few hundred pairs, so a record
 * keeps 4 bytes where the pair would take 8. Ids stay valid until
 * sc_holders_free (the mirror starts anew at each walk). Pure.
 */
struct sc_holder_pair {
	__u32 tgid, netns;
};

struct sc_holders {
	struct sc_holder_pair *v;         /* by id */
	size_t n, cap;
	__u32 *index;                /* open addressing by pair: ids, SC_HOLDER_NONE if free */
	size_t mask;                 /* index slots - 1 (a power of two, at most half full) */
};

#define SC_HOLDER_NONE 0xffffffffu

/* The pair's id in *id, added if new. Returns 0 or -ENOMEM (nothing added). */
int sc_holders_id(struct sc_holders *h, __u32 tgid, __u32 netns, __u32 *id);

static inline struct sc_holder_pair sc_holders_get(const struct sc_holders *h, __u32 id)
{
	return h->v[id];
}

void sc_holders_free(struct sc_holders *h);

/* Bytes allocated (what a benchmark reports). */
size_t sc_holders_mem(const struct sc_holders *h);

#endif /* SC_HOLDERS_H */

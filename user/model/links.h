/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_LINKS_H
#define SC_LINKS_H

#include <stddef.h>
#include <linux/types.h>

/*
 * Record index -> index of the next record, for the few records that have
 * a next (a socket held by several processes: the mirror's chains), so no
 * record pays for a next field. Open addressing on the record index, at
 * most half full, the slots a power of two. Pure.
 */
struct sc_link {
	__u32 rec, next;             /* rec SC_LINK_NONE: a free slot */
};

struct sc_links {
	struct sc_link *v;
	size_t mask;                 /* slots - 1; 0 with none allocated */
	size_t n;                    /* links set */
};

#define SC_LINK_NONE 0xffffffffu

/* What follows rec, SC_LINK_NONE if nothing. */
__u32 sc_links_get(const struct sc_links *l, __u32 rec);
/*
 * Room for `more` links more. Returns 0 or -ENOMEM (the links as they were),
 * also when n + more passes the 2^32 record indexes can name.
 */
int sc_links_reserve(struct sc_links *l, size_t more);
/* next follows rec (replacing what did), in room reserved. */
void sc_links_set(struct sc_links *l, __u32 rec, __u32 next);
/* No link left; the slots are kept. */
void sc_links_clear(struct sc_links *l);
void sc_links_free(struct sc_links *l);
/* Bytes allocated (what a benchmark reports). */
size_t sc_links_mem(const struct sc_links *l);

#endif /* SC_LINKS_H */

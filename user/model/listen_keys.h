/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_LISTEN_KEYS_H
#define SC_LISTEN_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "common.h"

/*
 * Listening ports by (network namespace, port): a port is a server's in the
 * namespace that listens on it, not in the host's others. Each key gets a
 * dense slot (0, 1, ...) for the caller's own per-port sums. A bitmap by
 * port alone stands in front of the table: a client's ephemeral port,
 * listened on nowhere, is answered from 8 KB that stays in cache, with no
 * lookup. Keys are never removed (callers start anew with a fresh table).
 */
#define SC_LISTEN_NO_SLOT 0xffffffffu

struct sc_listen_key {
	__u32 netns;
	__u16 port;
};

struct sc_listen_keys {
	__u64 any[SC_NPORTS / 64];   /* ports some key has, in any namespace */
	struct sc_listen_key *keys;  /* by slot */
	__u32 *index;                /* open addressing: slot, SC_LISTEN_NO_SLOT if empty */
	size_t n, cap, mask;
};

/* Zeroes k (nothing allocated). */
void sc_listen_keys_init(struct sc_listen_keys *k);
void sc_listen_keys_free(struct sc_listen_keys *k);

/* The slot of (netns, port), added if new; -ENOMEM. *added says whether it was. */
int sc_listen_keys_add(struct sc_listen_keys *k, __u32 netns, __u16 port, __u32 *slot,
		       bool *added);

/* The index lookup behind sc_listen_keys_find. */
__u32 sc_listen_keys_lookup(const struct sc_listen_keys *k, __u32 netns, __u16 port);

/* The slot of (netns, port), SC_LISTEN_NO_SLOT if none: the bitmap first. */
static inline __u32 sc_listen_keys_find(const struct sc_listen_keys *k, __u32 netns, __u16 port)
{
	if (!(k->any[port / 64] & (1ull << (port % 64))))
		return SC_LISTEN_NO_SLOT;
	return sc_listen_keys_lookup(k, netns, port);
}

#endif /* SC_LISTEN_KEYS_H */

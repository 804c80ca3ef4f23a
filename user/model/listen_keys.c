// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "listen_keys.h"

void sc_listen_keys_init(struct sc_listen_keys *k)
{
	memset(k, 0, sizeof(*k));
}

void sc_listen_keys_free(struct sc_listen_keys *k)
{
	free(k->keys);
	free(k->index);
	sc_listen_keys_init(k);
}

static size_t home(const struct sc_listen_keys *k, __u32 netns, __u16 port)
{
	__u64 h = ((__u64)netns << 16 | port) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & k->mask;
}

/* The index bucket of (netns, port): its slot's, or the empty one it would take. */
static size_t bucket(const struct sc_listen_keys *k, __u32 netns, __u16 port)
{
	size_t b = home(k, netns, port);
	__u32 s;

	while ((s = k->index[b]) != SC_LISTEN_NO_SLOT &&
	       (k->keys[s].netns != netns || k->keys[s].port != port))
		b = (b + 1) & k->mask;
	return b;
}

__u32 sc_listen_keys_lookup(const struct sc_listen_keys *k, __u32 netns, __u16 port)
{
	return k->index ? k->index[bucket(k, netns, port)] : SC_LISTEN_NO_SLOT;
}

/* Doubles keys and index (the index kept at most half full); slots keep their numbers. */
static int grow(struct sc_listen_keys *k)
{
	size_t cap = k->cap ? k->cap * 2 : 16, i;
	struct sc_listen_key *keys = realloc(k->keys, cap * sizeof(*keys));
	__u32 *index;

	if (!keys)
		return -ENOMEM;
	k->keys = keys;
	index = malloc(cap * 2 * sizeof(*index));
	if (!index)
		return -ENOMEM;
	memset(index, 0xff, cap * 2 * sizeof(*index));
	free(k->index);
	k->index = index;
	k->cap = cap;
	k->mask = cap * 2 - 1;
	for (i = 0; i < k->n; i++)
		k->index[bucket(k, k->keys[i].netns, k->keys[i].port)] = (__u32)i;
	return 0;
}

int sc_listen_keys_add(struct sc_listen_keys *k, __u32 netns, __u16 port, __u32 *slot,
		       bool *added)
{
	size_t b;

	*added = false;
	*slot = sc_listen_keys_lookup(k, netns, port);
	if (*slot != SC_LISTEN_NO_SLOT)
		return 0;
	if (k->n == k->cap && grow(k))
		return -ENOMEM;
	b = bucket(k, netns, port);
	k->keys[k->n] = (struct sc_listen_key){ .netns = netns, .port = port };
	k->index[b] = (__u32)k->n;
	k->any[port / 64] |= 1ull << (port % 64);
	*slot = (__u32)k->n++;
	*added = true;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "big_alloc.h"
#include "radix.h"

int sc_radix_sort(struct sc_key *keys, size_t n)
{
	struct sc_key *tmp, *src = keys, *dst;
	__u64 all_or = 0, all_and = ~0ull;
	size_t i, count[256];
	int shift;

	if (n < 2)
		return 0;
	tmp = sc_big_malloc(n * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	dst = tmp;
	for (i = 0; i < n; i++) {
		all_or |= keys[i].key;
		all_and &= keys[i].key;
	}
	for (shift = 0; shift < 64; shift += 8) {
		size_t sum = 0, c;

		/* A byte every key has the same would not move anything. */
		if (!(((all_or ^ all_and) >> shift) & 0xff))
			continue;
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(src[i].key >> shift) & 0xff]++;
		for (i = 0; i < 256; i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i].key >> shift) & 0xff]++] = src[i];
		dst = src;
		src = src == keys ? tmp : keys;
	}
	if (src != keys)
		memcpy(keys, src, n * sizeof(*keys));
	free(tmp);
	return 0;
}

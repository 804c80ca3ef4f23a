// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "changes.h"

long sc_changes_take(const struct sc_change *ring, __u32 nslots, __u64 head, __u64 *pos,
		     struct sc_change *out, size_t cap)
{
	size_t n = 0;

	if (head - *pos > nslots) {
		*pos = head;
		return -EOVERFLOW;
	}
	while (*pos < head && n < cap) {
		const struct sc_change *slot = &ring[*pos % nslots];
		__u64 want = *pos + 1, before, after;

		before = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);
		if (before != want) {
			/* A later writer took the slot: this change is lost. */
			if (before > want) {
				*pos = head;
				return -EOVERFLOW;
			}
			break; /* still being written */
		}
		memcpy(&out[n], slot, sizeof(*slot));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		after = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
		if (after != want) {
			*pos = head;
			return -EOVERFLOW;
		}
		n++;
		(*pos)++;
	}
	return (long)n;
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "change_gap.h"
#include "change_ring.h"
#include "log.h"

int sc_change_ring_map(struct sc_change_ring *r, int ring_fd, int head_fd)
{
	long page = sysconf(_SC_PAGESIZE);

	memset(r, 0, sizeof(*r));
	r->slots_len = ((size_t)SC_CHANGE_SLOTS * sizeof(struct sc_change) + page - 1) & ~(page - 1);
	r->head_len = (size_t)page;
	r->slots = mmap(NULL, r->slots_len, PROT_READ, MAP_SHARED, ring_fd, 0);
	if (r->slots == MAP_FAILED) {
		int err = errno;

		r->slots = NULL;
		sc_err("cannot map the change ring: %s", strerror(err));
		return -err;
	}
	r->head = mmap(NULL, r->head_len, PROT_READ | PROT_WRITE, MAP_SHARED, head_fd, 0);
	if (r->head == MAP_FAILED) {
		int err = errno;

		r->head = NULL;
		sc_change_ring_unmap(r);
		sc_err("cannot map the change ring's head: %s", strerror(err));
		return -err;
	}
	return 0;
}

void sc_change_ring_unmap(struct sc_change_ring *r)
{
	if (r->slots)
		munmap((void *)r->slots, r->slots_len);
	if (r->head)
		munmap((void *)r->head, r->head_len);
	memset(r, 0, sizeof(*r));
}

__u64 sc_change_ring_head(const struct sc_change_ring *r)
{
	return __atomic_load_n(&r->head->next_seq, __ATOMIC_ACQUIRE);
}

__u64 sc_change_ring_lease(struct sc_change_ring *r, __u64 until_jiffies, __u64 gap_jiffies,
			   __u64 now_jiffies, __u64 own_until_jiffies)
{
	__u64 was = __atomic_load_n(&r->head->until_jiffies, __ATOMIC_RELAXED);

	/* The gap first: a program that sees the new lease sees its gap. */
	sc_change_gap_ask(r->head, until_jiffies, gap_jiffies, now_jiffies, own_until_jiffies);
	while (was < until_jiffies &&
	       !__atomic_compare_exchange_n(&r->head->until_jiffies, &was, until_jiffies, false,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
	return was;
}

__u64 sc_change_ring_gap(const struct sc_change_ring *r)
{
	return r->head ? __atomic_load_n(&r->head->gap_jiffies, __ATOMIC_RELAXED) : 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CHANGE_RING_H
#define SC_CHANGE_RING_H

#include <stddef.h>
#include <linux/types.h>

#include "sockcost.h"

/* The kernel's change ring (read-only) and its head (writable: the lease),
 * mapped into this process; changes.h reads it. */
struct sc_change_ring {
	const struct sc_change *slots;
	struct sc_change_head *head;
	size_t slots_len, head_len;
};

/* Maps the two maps (sc_tracker_change_fds). Returns 0 or a negative errno (logged). */
int sc_change_ring_map(struct sc_change_ring *r, int ring_fd, int head_fd);
void sc_change_ring_unmap(struct sc_change_ring *r);
/* The next sequence number a writer will take. */
__u64 sc_change_ring_head(const struct sc_change_ring *r);
/*
 * Asks the programs to report changes until jiffies_64 reaches until_jiffies,
 * a socket's calls at most once per gap_jiffies. A longer lease another
 * reader holds stands, and so does a finer gap while the lease of the reader
 * that asked for it runs (now_jiffies tells; own_until_jiffies, the caller's
 * previous lease, marks a gap as its own: sc_change_gap_ask). Returns the
 * lease as it was, so a caller can tell its own lapsed (changes may be
 * missing).
 */
__u64 sc_change_ring_lease(struct sc_change_ring *r, __u64 until_jiffies, __u64 gap_jiffies,
			   __u64 now_jiffies, __u64 own_until_jiffies);
/* The gap in force, in jiffies (0: not mapped). */
__u64 sc_change_ring_gap(const struct sc_change_ring *r);

#endif /* SC_CHANGE_RING_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CHANGES_H
#define SC_CHANGES_H

#include <stddef.h>
#include <linux/types.h>

#include "sockcost.h"

/*
 * Reading the change ring (sockcost.h): each reader keeps its own position,
 * so any number of readers share one ring.
 */

/*
 * Copies the complete changes from *pos up to head into out (room for cap),
 * advancing *pos past them. Stops early at a slot still being written (it is
 * read next time) or when out is full. Returns the number copied, or
 * -EOVERFLOW when changes since *pos were overwritten before being read; *pos
 * is then set to head and the reader must start over from a walk. Pure: the
 * ring may be any memory laid out like the kernel's, so tests can drive it.
 */
long sc_changes_take(const struct sc_change *ring, __u32 nslots, __u64 head, __u64 *pos,
		     struct sc_change *out, size_t cap);

/* The ring (read-only) and its head (writable: the lease), mapped. */
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
 * reader holds stands; the gap is the last caller's. Returns the lease as it
 * was, so a caller can tell its own lapsed (changes may be missing).
 */
__u64 sc_change_ring_lease(struct sc_change_ring *r, __u64 until_jiffies, __u64 gap_jiffies);

#endif /* SC_CHANGES_H */

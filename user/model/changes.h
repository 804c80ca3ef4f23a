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

#endif /* SC_CHANGES_H */

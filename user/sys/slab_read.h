/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SLAB_READ_H
#define SC_SLAB_READ_H

#include "slab.h"

/*
 * Reads slabinfo, marks merged caches (/sys/kernel/slab/NAME is a symlink)
 * and sizes the rest from /sys/kernel/btf/vmlinux. Returns 0, or a negative
 * errno if some object has no size from either source (then 0 bytes).
 */
int sc_slab_sizes_read(struct sc_slab_sizes *s);

#endif /* SC_SLAB_READ_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_BTF_SCAN_H
#define SC_BTF_SCAN_H

#include <stddef.h>

/*
 * The type id of the function named name in a raw BTF blob (the kernel's
 * /sys/kernel/btf/vmlinux), found by walking its types in place: libbpf's
 * parser copies the blob and indexes every type first, about 12 MB of fresh
 * memory at each load. Returns the id, -ENOENT if there is no such
 * function, or -EPROTO for a blob it cannot walk (the caller asks libbpf).
 */
int sc_btf_find_func(const void *blob, size_t size, const char *name);

#endif /* SC_BTF_SCAN_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_BIG_ALLOC_H
#define SC_BIG_ALLOC_H

#include <stddef.h>

/*
 * malloc, calloc and realloc for arrays of a record per socket or file,
 * freed with free(). The same, plus a hint that the kernel back them with
 * huge pages where it allows that (transparent_hugepage "madvise", the
 * Debian default): at 200K sockets a snapshot's arrays come to about 150 MB,
 * and taking them a 4 KiB page fault at a time cost half of its time.
 */
void *sc_big_malloc(size_t size);
void *sc_big_calloc(size_t count, size_t size);
void *sc_big_realloc(void *p, size_t size);

#endif /* SC_BIG_ALLOC_H */

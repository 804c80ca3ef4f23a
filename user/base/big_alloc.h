/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_BIG_ALLOC_H
#define SC_BIG_ALLOC_H

#include <stddef.h>

/*
 * malloc, calloc and realloc for arrays of a record per socket or file,
 * freed with free(). After sc_big_alloc_one_shot the same, plus a hint that
 * the kernel back them with
 * huge pages where it allows that (transparent_hugepage "madvise", the
 * Debian default): at 200K sockets a snapshot's arrays come to about 150 MB,
 * and taking them a 4 KiB page fault at a time cost half of its time.
 */
void *sc_big_malloc(size_t size);
void *sc_big_calloc(size_t count, size_t size);
void *sc_big_realloc(void *p, size_t size);

/*
 * For a process that takes one snapshot and exits, called before its big
 * arrays are allocated: every block from 256 KiB up gets a mapping of its own,
 * returned to the kernel when freed, so big arrays grow without copying. A
 * long-running process keeps glibc's default, which reuses freed memory.
 */
void sc_big_alloc_one_shot(void);

/*
 * For a long-running process holding a record per socket (sockcostd): every
 * block from 256 KiB up gets a mapping of its own, so arrays a walk or a
 * compaction frees go back to the kernel instead of staying in the heap
 * (glibc would raise its threshold to the size of the blocks freed, up to
 * 32 MiB, and serve the next per-socket arrays from the heap), and a fresh
 * zeroed table costs memory only for the pages written. No huge-page hint.
 */
void sc_big_alloc_long_running(void);

#endif /* SC_BIG_ALLOC_H */

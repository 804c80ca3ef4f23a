// SPDX-License-Identifier: GPL-2.0
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "big_alloc.h"

#define HUGE_PAGE (2u << 20)
#define SMALL_PAGE 4096u

/* Blocks from here up get a mapping of their own (sc_big_alloc_one_shot). */
#define MMAP_FROM (256u << 10)

/*
 * glibc would otherwise raise the threshold as big blocks are freed (libbpf
 * frees a few MB of kernel BTF while loading), serve the next big arrays
 * from the heap, and grow them by copying; a mapping grows by mremap,
 * without a copy. Growing the TCP walk's buffer by copying cost a fifth of
 * a snapshot of 200K sockets.
 */
/* Set by sc_big_alloc_one_shot: only then is a big block surely a mapping of its own. */
static int one_shot;

void sc_big_alloc_one_shot(void)
{
	mallopt(M_MMAP_THRESHOLD, MMAP_FROM);
	one_shot = 1;
}

void sc_big_alloc_long_running(void)
{
	mallopt(M_MMAP_THRESHOLD, MMAP_FROM);
}

/*
 * The hint covers every page the block touches, up to its usable end: on a
 * block with a mapping of its own that is the whole mapping, which must stay
 * one (mremap cannot grow a mapping split in two, and realloc then copies).
 * Only blocks of a mapping of their own get it, which big ones surely are
 * only after sc_big_alloc_one_shot (glibc's default threshold rises as big
 * blocks are freed): a hint on a block in the heap would split the heap's
 * mapping and round it up for nothing. A refused hint changes nothing.
 */
static void *hint_huge(void *p, size_t size)
{
	uintptr_t first, end;

	if (!p || !one_shot || size < MMAP_FROM)
		return p;
	first = (uintptr_t)p & ~(uintptr_t)(SMALL_PAGE - 1);
	end = ((uintptr_t)p + malloc_usable_size(p) + SMALL_PAGE - 1) & ~(uintptr_t)(SMALL_PAGE - 1);
	(void)madvise((void *)first, end - first, MADV_HUGEPAGE);
	return p;
}

/*
 * A block with a mapping of its own is asked for in whole huge pages (less
 * glibc's header), which the kernel places on a huge-page boundary: all of
 * it can be huge pages. A page fault costs 30-100 us on the VMs measured,
 * so one fault and 2 MB zeroed beat 256 faults for a 1 MB block.
 */
static size_t in_huge_pages(size_t size)
{
	const size_t header = 4 * sizeof(size_t); /* glibc's, rounded up */

	if (!one_shot || size < MMAP_FROM || size > SIZE_MAX - HUGE_PAGE)
		return size;
	return ((size + header + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1)) - header;
}

void *sc_big_malloc(size_t size)
{
	size = in_huge_pages(size);
	return hint_huge(malloc(size ? size : 1), size);
}

/* Zeroed after the hint, so the pages it faults in can be huge ones. */
void *sc_big_calloc(size_t count, size_t size)
{
	size_t bytes;
	void *p;

	if (size && count > SIZE_MAX / size)
		return NULL;
	bytes = count * size;
	p = sc_big_malloc(bytes);
	if (p)
		memset(p, 0, bytes);
	return p;
}

void *sc_big_realloc(void *p, size_t size)
{
	size = in_huge_pages(size);
	return hint_huge(realloc(p, size ? size : 1), size);
}

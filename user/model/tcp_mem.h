/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TCP_MEM_H
#define SC_TCP_MEM_H

#include <linux/types.h>

/*
 * The kernel's TCP memory accounting, in pages as it keeps them:
 * net.ipv4.tcp_mem's three thresholds (below min no pressure; above
 * pressure the kernel shrinks socket buffers; above max it refuses
 * allocations) and the pages all TCP sockets hold now. page_bytes is
 * the kernel's PAGE_SIZE, the unit of all four (0 until the reader sets it).
 */
struct sc_tcp_mem {
	__u64 min_pages;
	__u64 pressure_pages;
	__u64 max_pages;
	__u64 used_pages; /* /proc/net/sockstat's "TCP: ... mem N" */
	__u64 page_bytes;
};

/*
 * Fills m from the texts of /proc/sys/net/ipv4/tcp_mem ("min pressure max")
 * and /proc/net/sockstat, page_bytes given. Returns 0, or -EINVAL if either
 * lacks its numbers.
 */
int sc_tcp_mem_parse(const char *tcp_mem, const char *sockstat, __u64 page_bytes,
		      struct sc_tcp_mem *m);

#endif /* SC_TCP_MEM_H */

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <unistd.h>

#include "small_file.h"
#include "tcp_mem_read.h"

int sc_tcp_mem_read(struct sc_tcp_mem *m)
{
	char limits[128], sockstat[1024];
	long page = sysconf(_SC_PAGESIZE); /* tcp_mem and sockstat count PAGE_SIZE pages */
	ssize_t n;

	n = sc_read_small_file("/proc/sys/net/ipv4/tcp_mem", limits, sizeof(limits));
	if (n < 0)
		return (int)n;
	n = sc_read_small_file("/proc/net/sockstat", sockstat, sizeof(sockstat));
	if (n < 0)
		return (int)n;
	if (page <= 0)
		return -EINVAL;
	return sc_tcp_mem_parse(limits, sockstat, (__u64)page, m);
}

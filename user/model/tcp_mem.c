// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tcp_mem.h"

/* "TCP: inuse 6055 orphan 0 tw 2376 alloc 6055 mem 156": the line's own mem. */
static int sockstat_tcp_pages(const char *sockstat, __u64 *pages)
{
	const char *line = sockstat;
	unsigned long long v;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		const char *mem = strstr(line, " mem ");

		if (!strncmp(line, "TCP:", 4) && mem && (!end || mem < end) &&
		    sscanf(mem, " mem %llu", &v) == 1) {
			*pages = v;
			return 0;
		}
		line = end ? end + 1 : NULL;
	}
	return -EINVAL;
}

int sc_tcp_mem_parse(const char *tcp_mem, const char *sockstat, __u64 page_bytes,
		      struct sc_tcp_mem *m)
{
	unsigned long long min, pressure, max;

	memset(m, 0, sizeof(*m));
	if (sscanf(tcp_mem, "%llu %llu %llu", &min, &pressure, &max) != 3)
		return -EINVAL;
	m->min_pages = min;
	m->pressure_pages = pressure;
	m->max_pages = max;
	m->page_bytes = page_bytes;
	return sockstat_tcp_pages(sockstat, &m->used_pages);
}

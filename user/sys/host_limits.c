// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "host_limits.h"
#include "tcp_mem_read.h"

/* Reads up to n unsigned numbers from the first line of path. Returns how many. */
static int read_numbers(const char *path, unsigned long long *v, int n)
{
	FILE *f = fopen(path, "re");
	int got = 0;

	if (!f)
		return 0;
	while (got < n && fscanf(f, "%llu", &v[got]) == 1)
		got++;
	fclose(f);
	return got;
}

void sc_host_limits_read(struct sc_cost_host_input *h)
{
	unsigned long long nr[3], max;
	struct sc_tcp_mem mem;

	memset(h, 0, sizeof(*h));
	/* file-nr: allocated, free (always 0 since 2.6), maximum. */
	if (read_numbers("/proc/sys/fs/file-nr", nr, 3) == 3 &&
	    read_numbers("/proc/sys/fs/file-max", &max, 1) == 1) {
		h->has_file_max = true;
		h->file_max = max;
		h->files_open = nr[0];
	}
	if (read_numbers("/proc/sys/fs/nr_open", &max, 1) == 1)
		h->nr_open = max;
	if (!sc_tcp_mem_read(&mem)) {
		h->has_tcp_mem = true;
		h->tcp_mem_pressure_bytes = mem.pressure_pages * mem.page_bytes;
		h->tcp_mem_bytes = mem.used_pages * mem.page_bytes;
	}
}

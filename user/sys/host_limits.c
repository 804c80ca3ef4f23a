// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "host_limits.h"

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

/* "TCP: inuse 6055 orphan 0 tw 2376 alloc 6055 mem 156": mem in pages. */
static int tcp_mem_pages(unsigned long long *pages)
{
	char line[256];
	FILE *f = fopen("/proc/net/sockstat", "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		const char *mem = strstr(line, " mem ");

		if (!strncmp(line, "TCP:", 4) && mem && sscanf(mem, " mem %llu", pages) == 1)
			found = 1;
	}
	fclose(f);
	return found;
}

void sc_host_limits_read(struct sc_cost_host_input *h)
{
	unsigned long long nr[3], max, mem[3], pages;
	long page = sysconf(_SC_PAGESIZE);

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
	if (read_numbers("/proc/sys/net/ipv4/tcp_mem", mem, 3) == 3 && tcp_mem_pages(&pages)) {
		h->has_tcp_mem = true;
		h->tcp_mem_pressure_bytes = mem[1] * (unsigned long long)page;
		h->tcp_mem_bytes = pages * (unsigned long long)page;
	}
}

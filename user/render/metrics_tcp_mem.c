// SPDX-License-Identifier: GPL-2.0
#include "metrics_tcp_mem.h"

static void threshold(FILE *out, const char *name, __u64 pages, __u64 page_bytes)
{
	fprintf(out, "sockcost_tcp_mem_limit_bytes{threshold=\"%s\"} %llu\n", name,
		(unsigned long long)(pages * page_bytes));
}

void sc_metrics_tcp_mem(FILE *out, const struct sc_tcp_mem *m)
{
	fputs("# HELP sockcost_tcp_mem_limit_bytes net.ipv4.tcp_mem thresholds in bytes (its "
	      "pages times the page size): above pressure the kernel shrinks socket buffers, "
	      "at max it refuses TCP memory.\n"
	      "# TYPE sockcost_tcp_mem_limit_bytes gauge\n", out);
	threshold(out, "min", m->min_pages, m->page_bytes);
	threshold(out, "pressure", m->pressure_pages, m->page_bytes);
	threshold(out, "max", m->max_pages, m->page_bytes);
	fputs("# HELP sockcost_tcp_mem_used_bytes Bytes all TCP sockets of the host hold now "
	      "(/proc/net/sockstat TCP mem pages times the page size), against "
	      "sockcost_tcp_mem_limit_bytes.\n"
	      "# TYPE sockcost_tcp_mem_used_bytes gauge\n", out);
	fprintf(out, "sockcost_tcp_mem_used_bytes %llu\n",
		(unsigned long long)(m->used_pages * m->page_bytes));
}

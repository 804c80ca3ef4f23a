// SPDX-License-Identifier: GPL-2.0
#include "metrics_tcp_mem.h"

void sc_metrics_tcp_mem(FILE *out, const struct sc_tcp_mem *m)
{
	fputs("# HELP sockcost_tcp_mem_pages net.ipv4.tcp_mem thresholds in pages: above "
	      "pressure the kernel shrinks socket buffers, at max it refuses TCP memory.\n"
	      "# TYPE sockcost_tcp_mem_pages gauge\n", out);
	fprintf(out, "sockcost_tcp_mem_pages{threshold=\"min\"} %llu\n",
		(unsigned long long)m->min_pages);
	fprintf(out, "sockcost_tcp_mem_pages{threshold=\"pressure\"} %llu\n",
		(unsigned long long)m->pressure_pages);
	fprintf(out, "sockcost_tcp_mem_pages{threshold=\"max\"} %llu\n",
		(unsigned long long)m->max_pages);
	fputs("# HELP sockcost_tcp_mem_used_pages Pages all TCP sockets of the host hold now "
	      "(/proc/net/sockstat TCP mem), against sockcost_tcp_mem_pages.\n"
	      "# TYPE sockcost_tcp_mem_used_pages gauge\n", out);
	fprintf(out, "sockcost_tcp_mem_used_pages %llu\n", (unsigned long long)m->used_pages);
}

// SPDX-License-Identifier: GPL-2.0
#include "metrics_outbound.h"

void sc_metrics_outbound(FILE *out, const struct sc_summary *s, size_t top)
{
	static const struct {
		const char *name, *help;
	} fams[] = {
		{ "sockcost_outbound_connections",
		  "Established client-side TCP connections (their local port has no listener: "
		  "pools to databases, caches, upstreams) by remote port, for the remote ports "
		  "with the most (--top-processes)." },
		{ "sockcost_outbound_idle_connections",
		  "Idle established client-side TCP connections by remote port." },
		{ "sockcost_outbound_processes",
		  "Processes holding client-side TCP connections to a remote port." },
		{ "sockcost_outbound_socket_memory_bytes",
		  "Kernel memory held by the queues of client-side TCP connections to a remote "
		  "port." },
	};
	size_t n = top < s->noutbound ? top : s->noutbound, i, j;

	for (j = 0; j < sizeof(fams) / sizeof(fams[0]); j++) {
		fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", fams[j].name, fams[j].help,
			fams[j].name);
		for (i = 0; i < n; i++) {
			const struct sc_summary_outbound *o = &s->outbound[i];
			unsigned long long v = j == 0 ? o->connections : j == 1 ? o->idle_connections
					       : j == 2 ? o->processes : o->socket_memory_bytes;

			fprintf(out, "%s{port=\"%u\"} %llu\n", fams[j].name, o->port, v);
		}
	}
}

// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "print_summary.h"

void print_summary(const char *how, const struct sc_summary *s)
{
	size_t i;

	printf("{\"how\":\"%s\",\"connections\":%llu,\"idle\":%llu,\"memory\":%llu,\"hist\":[",
	       how, (unsigned long long)s->connections, (unsigned long long)s->idle_connections,
	       (unsigned long long)s->socket_memory_bytes);
	for (i = 0; i <= SC_IDLE_BUCKETS; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)s->idle_hist.count[i]);
	printf("],\"procs\":[");
	for (i = 0; i < s->nprocs; i++) {
		const struct sc_summary_proc *p = &s->procs[i];

		printf("%s{\"pid\":%u,\"comm\":\"%s\",\"connections\":%llu,\"idle\":%llu,"
		       "\"tcp_sockets\":%llu,\"fds\":%llu,\"fd_limit\":%llu,\"memory\":%llu}",
		       i ? "," : "", p->pid, p->comm, (unsigned long long)p->connections,
		       (unsigned long long)p->idle_connections,
		       (unsigned long long)p->tcp_sockets, (unsigned long long)p->fds,
		       (unsigned long long)p->fd_limit,
		       (unsigned long long)p->socket_memory_bytes);
	}
	printf("],\"ports\":[");
	for (i = 0; i < s->nports; i++)
		printf("%s{\"port\":%u,\"listeners\":%u,\"connections\":%llu,\"idle\":%llu}",
		       i ? "," : "", s->ports[i].port, s->ports[i].listeners,
		       (unsigned long long)s->ports[i].connections,
		       (unsigned long long)s->ports[i].idle_connections);
	printf("],\"outbound\":[");
	for (i = 0; i < s->noutbound; i++)
		printf("%s{\"port\":%u,\"connections\":%llu,\"idle\":%llu,\"processes\":%u}",
		       i ? "," : "", s->outbound[i].port,
		       (unsigned long long)s->outbound[i].connections,
		       (unsigned long long)s->outbound[i].idle_connections,
		       s->outbound[i].processes);
	printf("],\"collect_ns\":%llu}\n", (unsigned long long)s->collect_ns);
}


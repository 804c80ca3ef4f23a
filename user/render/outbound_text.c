// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "format.h"
#include "outbound.h"
#include "outbound_text.h"

static unsigned pct(__u64 part, __u64 whole)
{
	return whole ? (unsigned)(part * 100 / whole) : 0;
}

void render_outbound(const struct sc_view *v, bool by_addr, bool always, FILE *out)
{
	struct sc_outbound_row *rows;
	char mem[32], remote[64], port[16];
	size_t i, n;

	if (sc_outbound_group(v, by_addr, &rows, &n)) {
		fputs("(out of memory grouping outbound connections)\n", out);
		return;
	}
	if (!n && !always) {
		free(rows);
		return;
	}
	/* Under other tables, a blank line first. */
	if (!always)
		fputc('\n', out);
	if (by_addr)
		fprintf(out, "%-46s %8s %8s %5s %6s %10s\n", "REMOTE", "CONN", "IDLE", "IDLE%",
			"PROCS", "SOCK MEM");
	else
		fprintf(out, "%-12s %8s %8s %5s %6s %6s %10s\n", "REMOTE PORT", "CONN", "IDLE",
			"IDLE%", "PROCS", "ADDRS", "SOCK MEM");
	for (i = 0; i < n; i++) {
		const struct sc_outbound_row *r = &rows[i];

		fmt_bytes(r->socket_memory_bytes, mem, sizeof(mem));
		if (by_addr) {
			fprintf(out, "%-46s %8llu %8llu %4u%% %6llu %10s\n",
				fmt_endpoint(r->family, r->addr, r->port, remote, sizeof(remote)),
				(unsigned long long)r->connections,
				(unsigned long long)r->idle_connections,
				pct(r->idle_connections, r->connections),
				(unsigned long long)r->processes, mem);
			continue;
		}
		snprintf(port, sizeof(port), "%u", r->port);
		fprintf(out, "%-12s %8llu %8llu %4u%% %6llu %6llu %10s\n", port,
			(unsigned long long)r->connections, (unsigned long long)r->idle_connections,
			pct(r->idle_connections, r->connections), (unsigned long long)r->processes,
			(unsigned long long)r->addresses, mem);
	}
	if (!n)
		fputs("(no matching outbound connection)\n", out);
	free(rows);
}

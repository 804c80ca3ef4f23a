// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "per_process.h"

void sc_per_process_mark(const __u16 *server_port, const __u64 *connections, size_t n,
			 bool *member)
{
	size_t i, j;

	memset(member, 0, n * sizeof(*member));
	for (i = 0; i < n; i++) {
		__u64 conns = 0;
		size_t procs = 0;

		if (!server_port[i] || member[i])
			continue;
		/* Quadratic in processes per port only when the first of a port is met. */
		for (j = i; j < n; j++) {
			if (server_port[j] != server_port[i])
				continue;
			procs++;
			conns += connections[j];
		}
		if (procs < SC_PER_PROCESS_MIN_PROCS ||
		    (double)conns > SC_PER_PROCESS_MAX_MEAN * (double)procs)
			continue;
		for (j = i; j < n; j++)
			if (server_port[j] == server_port[i])
				member[j] = true;
	}
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_PER_PROCESS_H
#define SC_PER_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * One-connection-per-process services (pre-fork servers: PostgreSQL's
 * backends, Apache's prefork children): at least SC_PER_PROCESS_MIN_PROCS
 * processes whose connections are all to one listening port, holding on
 * average at most SC_PER_PROCESS_MAX_MEAN each. A connection there costs a
 * process: its private memory.
 */
#define SC_PER_PROCESS_MIN_PROCS 3
#define SC_PER_PROCESS_MAX_MEAN 1.5

/*
 * server_port[i]: the listening port all of process i's connections are to,
 * 0 for none. Sets member[i] for the processes of such services.
 */
void sc_per_process_mark(const __u16 *server_port, const __u64 *connections, size_t n,
			 bool *member);

#endif /* SC_PER_PROCESS_H */

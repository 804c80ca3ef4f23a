/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CONTAINER_ROWS_H
#define SC_CONTAINER_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "capacity.h"
#include "cgroup.h"
#include "container_names.h"
#include "summary.h"

/* The processes of one place, summed: one row per container on the node, unit, or the host. */
struct sc_container_row {
	struct sc_place place;
	struct sc_container_names names; /* "" where the node does not say */
	__u64 processes;
	__u64 connections;           /* each socket once, by its first holder (sc_first_held) */
	__u64 idle_connections;
	__u64 open_fds;
	__u64 socket_memory_bytes;
	/* The processes' application memory per connection (proc_costs.h), weighted by
	 * their connections: known only when every process holding one has a figure. */
	bool has_memory_per_connection;
	double memory_per_connection;
};

/*
 * Groups s's processes by places[i] (of s->procs[i]); costs cover
 * procs[0 .. ncosts). Rows come by connections descending, ties by place.
 * Names are left empty. Sets *rows (free()) and *n; 0 or -ENOMEM.
 */
int sc_container_rows_build(const struct sc_summary *s, const struct sc_place *places,
			    const struct sc_proc_cost *costs, size_t ncosts,
			    struct sc_container_row **rows, size_t *n);

#endif /* SC_CONTAINER_ROWS_H */

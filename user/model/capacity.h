/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CAPACITY_H
#define SC_CAPACITY_H

#include <stdbool.h>
#include <linux/types.h>

#include "marginal.h"
#include "smaps.h"

/*
 * How many connections a process can hold, under each limit that can stop
 * it, and which binds first; and the basis of its memory per connection.
 * Shared by `sockcost cost` and sockcostd, so both say the same.
 */

enum sc_mem_basis { SC_BASIS_NONE, SC_BASIS_MARGINAL, SC_BASIS_PER_PROCESS, SC_BASIS_AVERAGE };

/* "marginal", "per-process", "average"; NULL for none. */
const char *sc_mem_basis_name(enum sc_mem_basis b);

/*
 * Marginal where measured and not below zero (a slope that fell says
 * nothing of a connection's cost), else the average private memory per
 * connection, an upper bound; one connection per process wins over both
 * (per_process_bytes >= 0). Returns the basis and sets *bytes.
 */
enum sc_mem_basis sc_mem_basis_choose(double per_process_bytes, bool has_marginal,
				      const struct sc_marginal_est *marginal, bool has_private,
				      __u64 private_bytes, __u64 connections, double *bytes);

enum sc_limit_kind {
	SC_LIMIT_FDS,         /* RLIMIT_NOFILE soft limit */
	SC_LIMIT_MEMORY,      /* cgroup memory.max, at the cost per connection */
	SC_LIMIT_APP,         /* declared by the user (--app-limit): the server's own cap */
	SC_LIMIT_COUNT,
};

/* "fds", "memory", "application". */
const char *sc_limit_name(enum sc_limit_kind k);

struct sc_cost_limit {
	bool known;
	__u64 limit;                   /* in its own unit: fds, bytes or connections */
	__u64 max_connections;         /* what the process can hold under it */
};

struct sc_capacity_in {
	__u64 connections, fds, fd_limit;   /* fd_limit RLIM_INFINITY: none */
	double cost_per_connection;         /* kernel + memory, bytes */
	bool has_memory_limit;
	__u64 memory_max, memory_current;
	bool has_app_limit;
	__u64 app_limit;
	__u64 app_held;                     /* connections the cap counts (a service's, all) */
};

/* Fills limits; returns the binding one, or -1 when none is known. */
int sc_capacity(const struct sc_capacity_in *in, struct sc_cost_limit limits[SC_LIMIT_COUNT]);

/* What sockcostd knows of one process's memory and capacity, walk after walk. */
struct sc_proc_cost {
	bool has_mem;                  /* smaps_rollup was read */
	struct sc_proc_mem mem;
	bool has_marginal;
	struct sc_marginal_est marginal;
	enum sc_mem_basis basis;
	double memory_per_connection;
	struct sc_cost_limit limits[SC_LIMIT_COUNT];
	int binding;                   /* -1: no limit known */
};

#endif /* SC_CAPACITY_H */

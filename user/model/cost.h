/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_COST_H
#define SC_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "epoll_watch.h"
#include "slab.h"
#include "view.h"

/*
 * What connections cost, computed from a view (already judged and filtered)
 * and what was measured beside it: slab object sizes, epoll watches, each
 * process's RSS, marginal RSS and cgroup memory. Pure: the command gathers
 * the inputs, this file only does the arithmetic.
 */

#define SC_COST_MAX_WHATIF 16
#define SC_COST_DEFAULT_WHATIF { 60, 180, 300, 900 }
#define SC_COST_NDEFAULT_WHATIF 4

/* Measured about one process (inputs sorted by pid). */
struct sc_cost_proc_input {
	__u32 pid;
	bool has_rss;
	__u64 rss_bytes;
	bool has_marginal;
	double marginal_bytes;       /* least-squares slope of RSS over connections */
	size_t marginal_samples;
	bool has_memory_limit;       /* its cgroup has a memory.max */
	__u64 memory_max_bytes;
	__u64 memory_current_bytes;
};

struct sc_cost_inputs {
	const struct sc_slab_sizes *slab;
	const struct sc_inode_set *epoll;        /* watched socket inodes; NULL: none */
	const struct sc_cost_proc_input *procs;  /* sorted by pid */
	size_t nprocs;
	const __u32 *whatif_s;                   /* idle-after values, ascending, unique */
	size_t nwhatif;
};

struct sc_cost_proc {
	const struct sc_process *process;
	__u64 connections;             /* ESTABLISHED sockets held */
	__u64 kernel_fixed_bytes;      /* slab objects of those connections */
	__u64 kernel_buffer_bytes;     /* their queues and forward allocation */
	bool has_rss;
	__u64 rss_bytes;
	double rss_per_connection;     /* average: RSS / connections (an upper bound) */
	bool has_marginal;
	double marginal_per_connection;
	size_t marginal_samples;
	double cost_per_connection;    /* kernel + RSS (marginal where measured) per connection */
	bool fd_unlimited;
	double fd_headroom_pct;        /* free fds in percent of the limit */
	__u64 max_connections_by_fds;  /* connections now + free fds */
	bool has_memory_limit;
	__u64 memory_limit_bytes;
	__u64 memory_current_bytes;
	__u64 max_connections_by_memory; /* connections now + memory headroom / cost */
};

/* What an idle timeout of idle_after_s would close now, and free. */
struct sc_cost_whatif {
	__u32 idle_after_s;
	__u64 connections;
	__u64 fds;
	__u64 kernel_bytes;
	double rss_bytes;
};

struct sc_cost_report {
	__u64 connections;             /* ESTABLISHED sockets kept, each once */
	__u64 epoll_watched;           /* of them, watched by some epoll set */
	__u64 kernel_fixed_bytes;
	__u64 kernel_buffer_bytes;
	bool has_rss;
	__u64 rss_bytes;               /* summed over processes holding connections */
	__u64 rss_connections;         /* connections of those processes */
	bool has_marginal;
	double marginal_per_connection; /* connection-weighted over processes measured */
	size_t marginal_samples;       /* samples per process (the most any process has) */
	struct sc_cost_proc *procs;    /* in the view's order: by connections */
	size_t nprocs;
	struct sc_cost_whatif whatif[SC_COST_MAX_WHATIF];
	size_t nwhatif;
};

/* Returns 0 or -ENOMEM. */
int sc_cost_build(struct sc_cost_report *r, const struct sc_view *v,
		  const struct sc_cost_inputs *in);
void sc_cost_free(struct sc_cost_report *r);

/* Per-connection figures of the report; 0 when there are no connections. */
double sc_cost_kernel_per_connection(const struct sc_cost_report *r);
double sc_cost_fixed_per_connection(const struct sc_cost_report *r);
double sc_cost_buffers_per_connection(const struct sc_cost_report *r);
double sc_cost_rss_average_per_connection(const struct sc_cost_report *r);
/* The RSS figure to plan with: marginal where measured, else the average. */
double sc_cost_rss_per_connection(const struct sc_cost_report *r);

/* Monthly price of bytes of RAM at price per GiB-month. */
double sc_cost_monthly(double bytes, double price_per_gib_month);

#endif /* SC_COST_H */

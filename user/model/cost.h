/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_COST_H
#define SC_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "capacity.h"
#include "epoll_watch.h"
#include "fd_trend.h"
#include "marginal.h"
#include "slab.h"
#include "smaps.h"
#include "view.h"

/*
 * What connections cost, computed from a view (already judged and filtered)
 * and what was measured beside it: slab object sizes, epoll watches, each
 * process's memory (smaps_rollup) and marginal memory, cgroup memory and
 * declared application limits, host-wide limits. Pure: the command gathers
 * the inputs, this file only does the arithmetic.
 *
 * Memory per connection has a basis, said with every figure:
 *   marginal     the slope of the process's private memory over growing
 *                connection counts (marginal.h): what one more costs
 *   per-process  one connection per process (pre-fork servers such as
 *                PostgreSQL): the mean private memory of such a process
 *   average      private memory / connections: an upper bound, since the
 *                process's memory is not all for its connections
 * Sums across processes use private memory or PSS, never RSS, which counts
 * shared memory (a database's buffers) once per process.
 */

#define SC_COST_MAX_WHATIF 16
#define SC_COST_DEFAULT_WHATIF { 60, 180, 300, 900 }
#define SC_COST_NDEFAULT_WHATIF 4

/* Measured about one process (inputs sorted by pid). */
struct sc_cost_proc_input {
	__u32 pid;
	bool has_mem;                /* smaps_rollup was read */
	struct sc_proc_mem mem;
	bool has_marginal;
	struct sc_marginal_est marginal; /* why is set even without an estimate */
	bool marginal_from_daemon;   /* sockcostd's, learned across its walks */
	bool has_memory_limit;       /* its cgroup has a memory.max */
	__u64 memory_max_bytes;
	__u64 memory_current_bytes;
	bool has_app_limit;          /* declared: connections it (or its service) can hold */
	__u64 app_limit;
	struct sc_fd_eta fd_eta;     /* from its open fds sampled while observing */
};

/* Host-wide limits, each known or not. */
struct sc_cost_host_input {
	bool has_file_max;
	__u64 file_max, files_open;          /* fs.file-max, allocated (fs.file-nr) */
	__u64 nr_open;                       /* fs.nr_open: the most RLIMIT_NOFILE can be raised to */
	bool has_tcp_mem;
	__u64 tcp_mem_pressure_bytes;        /* net.ipv4.tcp_mem's second value, in bytes */
	__u64 tcp_mem_bytes;                 /* TCP memory in use (/proc/net/sockstat) */
};

struct sc_cost_inputs {
	const struct sc_slab_sizes *slab;
	const struct sc_inode_set *epoll;        /* watched socket inodes; NULL: none */
	const struct sc_cost_proc_input *procs;  /* sorted by pid */
	size_t nprocs;
	const struct sc_cost_host_input *host;   /* NULL: unknown */
	const __u32 *whatif_s;                   /* idle-after values, ascending, unique */
	size_t nwhatif;
};


struct sc_cost_proc {
	const struct sc_process *process;
	__u64 connections;             /* ESTABLISHED sockets held */
	__u64 kernel_fixed_bytes;      /* slab objects of those connections */
	__u64 kernel_buffer_bytes;     /* their queues and forward allocation */
	bool has_mem;
	struct sc_proc_mem mem;        /* RSS shown as such; sums use PSS or private */
	double private_per_connection; /* average: private / connections (an upper bound) */
	bool has_marginal;
	struct sc_marginal_est marginal;
	bool marginal_from_daemon;
	enum sc_mem_basis basis;       /* of memory_per_connection */
	double memory_per_connection;  /* the estimate to plan with (0: none) */
	__u16 service_port;            /* per-process basis: the listening port shared */
	double cost_per_connection;    /* kernel + memory per connection */
	bool fd_unlimited;
	double fd_headroom_pct;        /* free fds in percent of the limit */
	struct sc_fd_eta fd_eta;       /* when the fds reach the limit at their observed growth */
	bool has_memory_limit;
	__u64 memory_current_bytes;
	struct sc_cost_limit limits[SC_LIMIT_COUNT];
	int binding;                   /* the limit reached first, or -1 if none is known */
};

/* A service's processes summed (services.h): PSS and private memory sum; RSS never does. */
struct sc_cost_service {
	const struct sc_service *service; /* the view's */
	__u64 processes;
	__u64 connections;
	__u64 kernel_fixed_bytes;
	__u64 kernel_buffer_bytes;
	bool has_mem;                  /* some member's smaps_rollup was read */
	__u64 pss_bytes, private_bytes;
	double memory_per_connection;  /* connection-weighted over members with a basis */
	__u64 basis_connections[SC_BASIS_AVERAGE + 1];
	double cost_per_connection;    /* kernel + memory per connection */
};

/* Listening ports: the accept queue, and connections the kernel dropped there. */
struct sc_cost_listener {
	__u16 port;
	__u32 listeners;
	__u32 accept_queue, accept_queue_max;
	__u64 drops;                   /* since each listener was created: a counter */
};

/* What an idle timeout of idle_after_s would close now, and free. */
struct sc_cost_whatif {
	__u32 idle_after_s;
	__u64 connections;
	__u64 fds;
	__u64 kernel_bytes;
	double memory_bytes;           /* connections x each holder's memory per connection */
};

struct sc_cost_report {
	__u64 connections;             /* ESTABLISHED sockets kept, each once */
	__u64 epoll_watched;           /* of them, watched by some epoll set */
	__u64 kernel_fixed_bytes;
	__u64 kernel_buffer_bytes;
	bool has_mem;
	__u64 pss_bytes;               /* summed over processes holding connections */
	__u64 private_bytes;
	__u64 mem_connections;         /* connections of the processes measured */
	double memory_per_connection;  /* connection-weighted over processes with a basis */
	__u64 basis_connections[SC_BASIS_AVERAGE + 1]; /* connections by their basis */
	struct sc_cost_proc *procs;    /* in the view's order: by connections */
	size_t nprocs;
	struct sc_cost_service *services; /* the view's services, in its order */
	size_t nservices;
	bool services_grouped;         /* some service has several processes */
	struct sc_cost_listener *listeners; /* by port */
	size_t nlisteners;
	bool has_host;
	struct sc_cost_host_input host;
	bool has_fd_headroom;          /* host-wide: fs.file-max - allocated */
	__u64 host_fd_headroom;
	bool has_tcp_mem_headroom;     /* host-wide: bytes to tcp_mem pressure */
	__s64 tcp_mem_headroom_bytes;
	struct sc_cost_whatif whatif[SC_COST_MAX_WHATIF];
	size_t nwhatif;
};

/* What the what-if's memory means, said in every report. */
#define SC_COST_WHATIF_NOTE                                                              \
	"memory: connections times each holder's memory per connection; closing them "      \
	"frees that heap for reuse by new connections, most allocators do not return it "  \
	"to the system"

/* Returns 0 or -ENOMEM. */
int sc_cost_build(struct sc_cost_report *r, const struct sc_view *v,
		  const struct sc_cost_inputs *in);
void sc_cost_free(struct sc_cost_report *r);

/* Per-connection figures of the report; 0 when there are no connections. */
double sc_cost_kernel_per_connection(const struct sc_cost_report *r);
double sc_cost_fixed_per_connection(const struct sc_cost_report *r);
double sc_cost_buffers_per_connection(const struct sc_cost_report *r);
/* Private memory / connections over the processes measured: an upper bound. */
double sc_cost_private_average_per_connection(const struct sc_cost_report *r);
/* The basis of the report's memory_per_connection: one basis, or "mixed". */
const char *sc_cost_basis_summary(const struct sc_cost_report *r);
/* The same for connections counted by basis (a report's or a service's); NULL: none. */
const char *sc_cost_basis_of(const __u64 *basis_connections);

/*
 * What the connections themselves cost: their kernel bytes plus each one's
 * application memory (memory_per_connection). The self-hosted figure priced
 * with --ram-price and set beside a managed service's bill.
 */
double sc_cost_connections_bytes(const struct sc_cost_report *r);

/* Monthly price of bytes of RAM at price per GiB-month. */
double sc_cost_monthly(double bytes, double price_per_gib_month);

#endif /* SC_COST_H */

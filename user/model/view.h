/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_VIEW_H
#define SC_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "health.h"
#include "idle.h"
#include "services.h"
#include "snapshot.h"

/* Which connections a view keeps. */
struct sc_filter {
	__u32 pid;          /* 0: any */
	int port;           /* local port, -1: any */
	bool idle_only;
	/*
	 * A service's name, "": any. Its members are those of the whole
	 * snapshot's grouping, so the name is the one an unfiltered snapshot
	 * shows, whatever the other filters keep.
	 */
	char service[SC_SERVICE_NAME_LEN];
	unsigned int health_mask;            /* 1 << enum sc_health kept; 0: any */
	/* The thresholds health is judged by (and health_mask applied); all 0: the defaults. */
	struct sc_health_policy health;
};

/* A socket as one process holds it; unheld sockets have holder == NULL. */
struct sc_row {
	const struct sc_socket *socket;
	const struct sc_holder *holder;
	struct sc_idle_result idle;
	struct sc_health_result health;
	__u64 order;           /* sort key: pid, fd; unheld last, by cookie */
};

struct sc_proc_row {
	const struct sc_process *process;
	__u64 sockets;              /* TCP sockets held, any state */
	__u64 connections;          /* ESTABLISHED */
	__u64 idle_connections;
	__u64 socket_memory_bytes;  /* queues + forward-allocated memory */
	struct sc_port_set listen;  /* ports it holds a listener on */
	/* The listening port all its connections are to (as sc_summary_proc). */
	__u16 server_port;
	bool several_ports;         /* connections to several ports, or a client's */
	struct sc_first_held first; /* of the sockets it is the first kept holder of (by pid) */
	struct sc_health_counts health; /* of the sockets it holds */
	size_t service;             /* index into sc_view.services */
};

struct sc_port_row {
	__u32 netns;
	__u16 port;
	__u32 listeners;
	__u32 accept_queue;
	__u32 accept_queue_max;
	__u64 connections;
	__u64 idle_connections;
	struct sc_health_counts health; /* kept sockets on the port, any state but LISTEN */
};

struct sc_totals {
	__u64 sockets;
	__u64 connections;
	__u64 idle_connections;
	__u64 socket_memory_bytes;
	struct sc_idle_hist idle_hist;  /* idle age of the kept ESTABLISHED sockets */
	struct sc_health_counts health; /* every kept socket */
};

struct sc_outbound_row;

/* A snapshot judged by an idle policy and narrowed by a filter. */
struct sc_view {
	const struct sc_snapshot *snap;
	struct sc_idle_policy policy;
	struct sc_health_policy health_policy; /* the filter's, or the defaults */
	struct sc_row *rows;            /* by pid, fd; unheld sockets last (SC_ROWS_SORTED) */
	size_t nrows;
	struct sc_proc_row *procs;      /* by connections, descending */
	size_t nprocs;
	struct sc_port_row *ports;      /* by connections, descending */
	size_t nports;
	struct sc_service *services;    /* of the kept processes, by connections descending */
	struct sc_health_counts *service_health; /* by services' index */
	size_t nservices;
	struct sc_totals totals;        /* over the kept sockets, each counted once */
	__u64 socket_fields;            /* JSON keys per socket (socket_fields.h); 0: all */
	bool service_unknown;           /* the filter named a service the snapshot has not */
	/* A view from a summary (view_from_summary.h) has no rows: its
	 * client-side connections come grouped by remote port instead. */
	const struct sc_outbound_row *outbound;
	size_t noutbound;
	bool outbound_given;
	bool rows_any_order;            /* rows in the sockets' walk order (SC_ROWS_ANY_ORDER) */
};

/* What a caller needs of the view's rows. */
enum sc_rows_order {
	SC_ROWS_SORTED,     /* by pid and fd, unheld sockets last: what lists sockets */
	SC_ROWS_ANY_ORDER,  /* any order (each row's .order is still its sort key): for sums */
};

/* Returns 0 or -ENOMEM. Rows sorted, as sc_view_build_rows(..., SC_ROWS_SORTED). */
int sc_view_build(struct sc_view *view, const struct sc_snapshot *snap,
		  const struct sc_idle_policy *policy, const struct sc_filter *filter);
/* The same with rows in the order given. Returns 0 or -ENOMEM. */
int sc_view_build_rows(struct sc_view *view, const struct sc_snapshot *snap,
		       const struct sc_idle_policy *policy, const struct sc_filter *filter,
		       enum sc_rows_order order);
void sc_view_free(struct sc_view *view);
/* Groups the view's process rows into services; each row learns its service. 0 or -ENOMEM. */
int sc_view_build_services(struct sc_view *v);

/*
 * The pids of the service named name in the snapshot's unfiltered grouping
 * under policy, ascending, into *pids (free() it). Returns 0, -ENOENT when
 * no service has that name, or -ENOMEM.
 */
int sc_view_service_pids(const struct sc_snapshot *snap, const struct sc_idle_policy *policy,
			 const char *name, __u32 **pids, size_t *n);

/* A process row as a summary has it: what services are grouped from. */
struct sc_summary_proc sc_view_summary_proc(const struct sc_proc_row *r);

/* False for listeners, time-wait and request sockets: idle time means nothing there. */
bool sc_socket_has_idle(const struct sc_socket *s);

/* Buffer memory a socket holds in the kernel: queues plus forward allocation. */
__u64 sc_socket_memory(const struct sc_socket *s);

#endif /* SC_VIEW_H */

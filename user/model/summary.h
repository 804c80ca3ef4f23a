/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SUMMARY_H
#define SC_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "cgroup.h"
#include "idle.h"
#include "names.h"
#include "sockcost.h"

/*
 * Aggregates only: what the daemon's /metrics and `top`'s process and port
 * views show. No per-socket rows, so it can be collected often and cheaply
 * (summary_collect.c reads it from in-kernel walks); summary_from_view.c
 * derives the same numbers from a full snapshot.
 */

/* Listening ports a process's summary names; a service's name needs no more. */
#define SC_PORT_SET_MAX 8

/* The lowest SC_PORT_SET_MAX of a set of ports, ascending. */
struct sc_port_set {
	__u16 port[SC_PORT_SET_MAX];
	__u8 n;
};

void sc_port_set_add(struct sc_port_set *s, __u16 port);
bool sc_port_set_has(const struct sc_port_set *s, __u16 port);

struct sc_summary_proc {
	__u32 pid;
	__u32 ppid;                 /* parent, 0 if unknown */
	__u32 netns;                /* the process's network namespace, 0 if unknown */
	char comm[SC_COMM_LEN + 1];
	__u64 connections;          /* ESTABLISHED TCP sockets held */
	__u64 idle_connections;
	__u64 tcp_sockets;          /* TCP sockets held, any state */
	__u64 fds;                  /* open file descriptors */
	__u64 fd_limit;             /* RLIMIT_NOFILE soft limit */
	__u64 socket_memory_bytes;  /* queues + forward allocation of the sockets held */
	/* The listening port all its connections are to (a server's worker or
	 * backend); 0 when it has none, several, or a client connection. */
	__u16 server_port;
	struct sc_port_set listen;  /* ports it holds a listener on */
	/* The same four over the sockets it is the first holder of, so sums over
	 * processes (a service's) count a socket shared after fork once. */
	struct sc_first_held {
		__u64 connections, idle_connections, tcp_sockets, socket_memory_bytes;
	} first;
};

/* Adds (sign 1) or takes out (-1) record r's socket, judged idle or not. */
void sc_first_held_add(struct sc_first_held *f, const struct sc_conn_record *r, bool idle,
		       bool established, int sign);

/* A listening port in one network namespace (a walk's port row). */
struct sc_summary_port {
	__u32 netns;                /* network namespace inode */
	__u16 port;                 /* local listening port */
	__u32 listeners;
	__u32 accept_queue;
	__u32 accept_queue_max;
	__u64 listen_drops;         /* handshakes its listeners dropped (sk_drops), since created */
	__u64 connections;
	__u64 idle_connections;
};

/*
 * Client-side connections to one remote port: established sockets whose
 * local port has no listener (the rule of a process's server_port), each
 * socket counted once, by its first established record.
 */
struct sc_summary_outbound {
	__u16 port;                 /* remote port */
	__u32 processes;            /* processes holding such a connection to it */
	__u64 connections;
	__u64 idle_connections;
	__u64 socket_memory_bytes;
};

struct sc_summary {
	struct sc_idle_policy policy;
	enum sc_hook hook;
	__u64 taken_ns;                 /* CLOCK_MONOTONIC */
	__u64 attached_ns;              /* when the activity hook attached: the watch began */
	struct sc_counters counters;    /* kernel live counters (opened/closed totals) */
	__u64 connections;              /* ESTABLISHED, each socket once */
	__u64 idle_connections;
	__u64 socket_memory_bytes;
	struct sc_idle_hist idle_hist;  /* idle age of ESTABLISHED connections */
	struct sc_summary_proc *procs;  /* by connections, descending */
	size_t nprocs;
	struct sc_summary_port *ports;  /* by connections, descending */
	size_t nports;
	struct sc_summary_outbound *outbound; /* by connections, descending */
	size_t noutbound;
	/* Network namespaces of the TCP sockets processes hold, ascending (a walk enters them). */
	__u32 *netns;
	size_t nnetns;
	__u64 bpf_missed_events;
	__u64 collect_ns;               /* how long collecting took */
	/* When the sockets were last walked (CLOCK_MONOTONIC): equal to taken_ns
	 * for a walk, older when the change ring brought the walk up to date. */
	__u64 walked_ns;
	__u64 changes;                  /* changes applied since the last summary */
};

void sc_summary_free(struct sc_summary *s);

struct sc_view;
/* Fills s from a full view (every socket judged). Returns 0 or -ENOMEM. */
int sc_summary_from_view(struct sc_summary *s, const struct sc_view *view);

#endif /* SC_SUMMARY_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SERVICES_H
#define SC_SERVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "names.h"
#include "summary.h"

/*
 * Services: what the person on call calls one server. Pre-fork and
 * multi-worker servers are many processes; one row each fills every view
 * with backends. Processes are one service when, in one network namespace:
 *
 *  1. they hold a listener on the same port (workers sharing the master's
 *     listening socket, or SO_REUSEPORT listeners of their own);
 *  2. one holds no listener, all its connections are to listening port P,
 *     and its parent listens on P (one process per connection: PostgreSQL's
 *     backends, inetd and systemd Accept=yes children);
 *  3. neither applies and they are a pool: children of one parent running
 *     one command (and the parent, when it runs it too), such as a job
 *     runner's workers or a load generator's clients. Unrelated processes
 *     that merely share a command stay apart.
 *
 * Named by the command holding most connections and the listening ports:
 * "postgres:5432", "nginx:80,443", "celery". Names are unique, since they
 * are metric labels: the same name in another namespace gets "@<netns
 * inode>" (two containers' nginx:80), a second pool of one command
 * "[<main pid>]"; the one sorting first (by namespace, then main pid) keeps
 * the plain name.
 */

#define SC_SERVICE_NAME_LEN 64
#define SC_SERVICE_NAME_PORTS 4     /* ports spelled out in a name; then "+" */

struct sc_service {
	char name[SC_SERVICE_NAME_LEN];
	char comm[SC_COMM_LEN + 1];
	__u32 netns;
	__u32 main_pid;             /* the lowest pid holding a listener, else the lowest */
	struct sc_port_set ports;   /* its listening ports */
	__u64 processes;
	__u64 connections;
	__u64 idle_connections;
	__u64 tcp_sockets;
	__u64 fds;                  /* summed over its processes */
	__u64 socket_memory_bytes;
	/* The process nearest its fd limit: fd headroom is per process. */
	__u32 fd_worst_pid;
	__u64 fd_worst_fds;
	__u64 fd_worst_limit;
	size_t first;               /* index of its first process in the input */
};

/*
 * Groups procs into services, by connections descending (ties by name).
 * Sets *out (caller frees) and *nout; member_of (room for n, may be NULL)
 * gets each process's service index. Returns 0 or -ENOMEM.
 */
int sc_services_build(const struct sc_summary_proc *procs, size_t n, struct sc_service **out,
		      size_t *nout, size_t *member_of);

/* Whether any service has more than one process: then services are the default grouping. */
bool sc_services_grouped(const struct sc_service *s, size_t n);

#endif /* SC_SERVICES_H */

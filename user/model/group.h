/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_GROUP_H
#define SC_GROUP_H

#include <stddef.h>
#include <linux/types.h>

#include "view.h"

/* How `snapshot --by` groups the connections of a view. */
enum sc_group_by {
	SC_BY_DEFAULT,      /* by service when one has several processes, else by process */
	SC_BY_SERVICE,
	SC_BY_PROCESS,
	SC_BY_PORT,
	SC_BY_CGROUP,
	SC_BY_REMOTE,          /* client-side connections by remote port (outbound.h) */
	SC_BY_REMOTE_ADDR,     /* the same by remote address and port */
};

/* Parses "service", "process", "port", "cgroup", "remote", "remote-addr"; -EINVAL
 * otherwise. */
int sc_group_by_parse(const char *s, enum sc_group_by *by);

/* The processes of one cgroup v2 path, summed. */
struct sc_cgroup_row {
	const char *cgroup;                  /* "" when unknown */
	const struct sc_container *container;/* of the first process: one cgroup, one container */
	const char *unit;                    /* outside containers: systemd unit or "host" */
	const struct sc_container_names *names; /* the container's, as the node names it */
	__u64 processes;
	__u64 connections;
	__u64 idle_connections;
	__u64 fds;
	__u64 socket_memory_bytes;
};

/*
 * Groups the view's process rows by cgroup, by connections descending (ties
 * by path). Sets *rows (caller frees) and *n. Returns 0 or -ENOMEM.
 */
int sc_group_by_cgroup(const struct sc_view *v, struct sc_cgroup_row **rows, size_t *n);

#endif /* SC_GROUP_H */

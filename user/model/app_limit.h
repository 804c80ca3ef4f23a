/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_APP_LIMIT_H
#define SC_APP_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "sockcost.h"

/*
 * A connection cap the application keeps below its fd limit, declared by
 * the user because only the application knows it: nginx's
 * worker_connections (per worker), Redis's maxclients, PostgreSQL's
 * max_connections (for the whole service: with one connection per process
 * the cost model applies it to the service's processes together).
 */
struct sc_app_limit {
	__u32 pid;                    /* 0: by comm */
	char comm[SC_COMM_LEN + 1];
	__u64 connections;
};

/* "COMM=N" or "PID=N" (digits only: a pid), N >= 1. Returns 0 or -EINVAL. */
int sc_app_limit_parse(const char *text, struct sc_app_limit *l);

/*
 * A file of limits, one "COMM=N" or "PID=N" a line; blank lines and lines
 * starting with '#' are skipped, spaces around a line ignored. Appends to
 * l[*n .. max). Returns 0; -EINVAL with *bad_line (1-based) on a line that
 * is neither; -ENOSPC past max.
 */
int sc_app_limits_parse_text(const char *text, struct sc_app_limit *l, size_t max, size_t *n,
			     unsigned *bad_line);

/* The limit for a process: its pid's if declared, else its comm's. NULL if none. */
const struct sc_app_limit *sc_app_limit_find(const struct sc_app_limit *l, size_t n, __u32 pid,
					     const char *comm);

#endif /* SC_APP_LIMIT_H */

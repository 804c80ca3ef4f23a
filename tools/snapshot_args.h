/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SNAPSHOT_ARGS_H
#define SC_SNAPSHOT_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "group.h"
#include "idle.h"
#include "view.h"

struct snapshot_opts {
	bool json;
	bool sockets;
	bool verbose;
	double observe_s;
	enum sc_group_by by;       /* table grouping; JSON is the same */
	struct sc_filter filter;
	struct sc_idle_policy policy;
};

enum args_result {
	ARGS_OK,
	ARGS_HELP,
	ARGS_ERROR, /* err holds one line */
};

/* Parses `snapshot` arguments (argv[0] is "snapshot"). Prints nothing. */
enum args_result snapshot_parse_args(int argc, char **argv, struct snapshot_opts *o,
				     char *err, size_t errlen);

/* Strict number parsing: the whole string, within [min, max]. 0 or -1. */
int parse_uint(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out);
int parse_seconds(const char *s, double max, double *out);

/* Longest --idle-after accepted, in seconds: a year. */
#define SC_MAX_IDLE_AFTER_S (365.0 * 86400)
/*
 * The idle policy options every command shares: 'a' (--idle-after SECS) or
 * 'b' (--heartbeat-bytes N) with its argument. 0, or -1 with err set.
 */
int parse_idle_option(int opt, const char *arg, struct sc_idle_policy *policy,
		      char *err, size_t errlen);

extern const char snapshot_usage[];

#endif /* SC_SNAPSHOT_ARGS_H */

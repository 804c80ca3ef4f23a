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

extern const char snapshot_usage[];

#endif /* SC_SNAPSHOT_ARGS_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SNAPSHOT_ARGS_H
#define SC_SNAPSHOT_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include <stdio.h>

#include "args_common.h" /* enum args_result, parse_uint, parse_seconds, options */
#include "health_args.h"
#include "group.h"
#include "idle.h"
#include "socket_fields.h"
#include "view.h"

struct snapshot_opts {
	bool json;
	__u64 fields;              /* --fields: JSON keys per socket, 0: all */
	bool sockets;
	bool verbose;
	bool no_daemon;            /* --no-daemon: walk even when sockcostd could serve the table */
	double observe_s;          /* --observe auto: --idle-after's */
	bool observe_auto;
	enum sc_group_by by;       /* table grouping; JSON is the same */
	struct sc_filter filter;
	struct sc_idle_policy policy;
	const char *note;          /* one line for stderr (a deprecated spelling), or NULL */
};

/* Parses `snapshot` arguments (argv[0] is "snapshot"). Prints nothing. */
enum args_result snapshot_parse_args(int argc, char **argv, struct snapshot_opts *o,
				     char *err, size_t errlen);

/* `sockcost snapshot --help`. */
void snapshot_print_usage(FILE *out);

#endif /* SC_SNAPSHOT_ARGS_H */

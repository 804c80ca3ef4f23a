/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TOP_ARGS_H
#define SC_TOP_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "idle.h"
#include "args_common.h" /* enum args_result, parse_uint, parse_seconds, options */
#include "health_args.h"
#include "top_model.h"

#define TOP_MAX_PIDS 64

struct top_opts {
	double delay_s;            /* refresh interval */
	unsigned long iterations;  /* frames to show, 0: until quit */
	bool batch;                /* plain frames on stdout, no terminal */
	bool json;                 /* batch frames as one JSON object per line */
	bool no_color;
	bool verbose;
	__u32 pids[TOP_MAX_PIDS];  /* -p: only these processes (none: all) */
	size_t npids;
	int port;                  /* --port: that port's connections, -1: none */
	enum top_col sort;         /* process view sort column */
	bool sort_given;
	double fd_window_s;        /* the FD ETA's growth rate is over this long */
	struct sc_idle_policy policy;
	struct sc_health_policy health;  /* thresholds of the health passes */
};

/* Parses `top` arguments (argv[0] is "top"). Prints nothing. */
enum args_result top_parse_args(int argc, char **argv, struct top_opts *o,
				char *err, size_t errlen);

extern const char top_usage[];

#endif /* SC_TOP_ARGS_H */

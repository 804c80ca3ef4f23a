/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CLOSE_ARGS_H
#define SC_CLOSE_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "args_common.h"
#include "close_plan.h" /* enum sc_close_method */
#include "view.h"

#define SC_CLOSE_DEFAULT_MAX 1000
#define SC_CLOSE_MAX_MAX 1000000
#define SC_CLOSE_DEFAULT_LOG "/var/log/sockcost/close.log"
#define SC_CLOSE_DEFAULT_WAIT_S 1.0
#define SC_CLOSE_MAX_WAIT_S 60.0
#define SC_CLOSE_DEFAULT_ROWS 20

struct close_opts {
	bool yes;                  /* abort them; else only say what would be */
	bool json;
	bool verbose;
	bool busy_too;             /* --include-busy: not only the idle ones */
	/* filter.health_mask (--health): those classes, idle or not (close_plan's busy_too). */
	size_t max;                /* sockets one run aborts at most */
	size_t rows;               /* sockets listed in the text output */
	enum sc_close_method method;
	const char *log_path;
	double wait_s;             /* after aborting, before counting the fds that went */
	double observe_s;
	bool observe_auto;
	struct sc_filter filter;
	struct sc_idle_policy policy;
	const char *note;          /* one line for stderr, or NULL */
};

/*
 * Parses `close` arguments (argv[0] is "close"). Prints nothing. Refuses a
 * run without --pid, --port or --service: closing is never host-wide.
 */
enum args_result close_parse_args(int argc, char **argv, struct close_opts *o,
				  char *err, size_t errlen);

extern const char close_usage[];

#endif /* SC_CLOSE_ARGS_H */

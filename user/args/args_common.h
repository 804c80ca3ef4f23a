/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_ARGS_COMMON_H
#define SC_ARGS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "app_limit.h"
#include "idle.h"
#include "services.h" /* SC_SERVICE_NAME_LEN */

/* What every command's argument parser returns. */
enum args_result {
	ARGS_OK,
	ARGS_HELP,
	ARGS_ERROR, /* err holds one line */
};

/* Strict number parsing: the whole string, within [min, max]. 0 or -1. */
int parse_uint(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out);
int parse_seconds(const char *s, double max, double *out);

/* Largest process id Linux hands out (the ceiling of pid_max). */
#define SC_MAX_PID 4194304
/* Longest --idle-after accepted, in seconds: a year. */
#define SC_MAX_IDLE_AFTER_S (365.0 * 86400)
/* Longest --observe accepted, in seconds: a day. */
#define SC_MAX_OBSERVE_S 86400

/*
 * Options that mean the same, with the same message, in every command. Each
 * returns 0, or -1 with one line in err; *out changes only on success.
 */
int parse_pid_option(const char *arg, __u32 *pid, char *err, size_t errlen);
int parse_port_option(const char *arg, int *port, char *err, size_t errlen);
/* --service NAME, as `snapshot --by service` names it, into name[SC_SERVICE_NAME_LEN]. */
int parse_service_option(const char *arg, char *name, char *err, size_t errlen);
/* SECS, or "auto" (*auto_watch set; resolve with resolve_observe_auto after every option). */
int parse_observe_option(const char *arg, double *secs, bool *auto_watch, char *err,
			 size_t errlen);
/* --observe auto watches exactly --idle-after; 0, or -1 when that is longer than --observe takes. */
int resolve_observe_auto(const struct sc_idle_policy *policy, double *secs, char *err,
			 size_t errlen);
int parse_idle_after_option(const char *arg, struct sc_idle_policy *policy,
			    char *err, size_t errlen);
int parse_heartbeat_option(const char *arg, struct sc_idle_policy *policy,
			   char *err, size_t errlen);
/*
 * The short options of the idle policy, the same in every command: -a
 * --idle-after, -H --heartbeat-bytes. -b was --heartbeat-bytes in snapshot,
 * cost and sockcostd but --batch in top (top(1)'s meaning): it still works
 * in the three for one release, with ARGS_HEARTBEAT_OLD_NOTE on stderr.
 */
#define ARGS_OPT_IDLE_AFTER 'a'
#define ARGS_OPT_HEARTBEAT 'H'
#define ARGS_OPT_HEARTBEAT_OLD 'b'
#define ARGS_HEARTBEAT_OLD_NOTE                                                          \
	"-b for --heartbeat-bytes is deprecated and goes in the next release: use -H "   \
	"(-b is top's --batch)"

/*
 * ARGS_OPT_IDLE_AFTER, ARGS_OPT_HEARTBEAT or ARGS_OPT_HEARTBEAT_OLD (which
 * also points *note at ARGS_HEARTBEAT_OLD_NOTE): one of the two above.
 */
int parse_idle_option(int opt, const char *arg, struct sc_idle_policy *policy,
		      const char **note, char *err, size_t errlen);

/* The idle policy before any option: SC_DEFAULT_IDLE_AFTER_S, SC_DEFAULT_HEARTBEAT_BYTES. */
void idle_policy_defaults(struct sc_idle_policy *policy);

/*
 * For getopt_long run with opterr = 0 and an optstring starting with ':':
 * the line for a value missing (c == ':') or an option it did not know
 * (anything else). Returns ARGS_ERROR.
 */
enum args_result args_getopt_error(int c, char **argv, char *err, size_t errlen);

/* After getopt_long: ARGS_OK if no operand is left, else ARGS_ERROR naming the first. */
enum args_result args_no_operands(int argc, char **argv, char *err, size_t errlen);

/*
 * --app-limit COMM=N or PID=N, appended to limits[*n .. max). Returns 0, or
 * -1 with a one-line reason in err.
 */
int parse_app_limit_option(const char *arg, struct sc_app_limit *limits, size_t *n, size_t max,
			   char *err, size_t errlen);

#endif /* SC_ARGS_COMMON_H */

// SPDX-License-Identifier: GPL-2.0
/* The argument parsing every command shares: sockcost's and sockcostd's. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args_common.h"

int parse_uint(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_seconds(const char *s, double max, double *out)
{
	size_t i, dots = 0;
	double v;
	char *end;

	/* Plain decimals only: strtod would also take hex, exponents and "inf". */
	if (!s || !s[0])
		return -EINVAL;
	for (i = 0; s[i]; i++) {
		if (s[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
	}
	if (dots > 1 || !strcmp(s, "."))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_pid_option(const char *arg, __u32 *pid, char *err, size_t errlen)
{
	unsigned long long n;

	if (parse_uint(arg, 1, SC_MAX_PID, &n)) {
		snprintf(err, errlen, "invalid --pid '%s': expected a process id", arg);
		return -EINVAL;
	}
	*pid = (__u32)n;
	return 0;
}

int parse_port_option(const char *arg, int *port, char *err, size_t errlen)
{
	unsigned long long n;

	if (parse_uint(arg, 1, 65535, &n)) {
		snprintf(err, errlen, "invalid --port '%s': expected 1-65535", arg);
		return -EINVAL;
	}
	*port = (int)n;
	return 0;
}

int parse_service_option(const char *arg, char *name, char *err, size_t errlen)
{
	size_t len = strlen(arg);

	if (!len || len >= SC_SERVICE_NAME_LEN) {
		snprintf(err, errlen, "invalid --service '%.*s': expected a name of 1-%d bytes, as "
			 "`sockcost snapshot --by service` shows", 80, arg, SC_SERVICE_NAME_LEN - 1);
		return -EINVAL;
	}
	memcpy(name, arg, len + 1);
	return 0;
}

int parse_observe_option(const char *arg, double *secs, bool *auto_watch, char *err,
			 size_t errlen)
{
	if (!strcmp(arg, "auto")) {
		*auto_watch = true;
		return 0;
	}
	if (parse_seconds(arg, SC_MAX_OBSERVE_S, secs)) {
		snprintf(err, errlen, "invalid --observe '%s': expected 0-86400 seconds or auto",
			 arg);
		return -EINVAL;
	}
	*auto_watch = false; /* the last --observe wins, as for every option */
	return 0;
}

int resolve_observe_auto(const struct sc_idle_policy *policy, double *secs, char *err,
			 size_t errlen)
{
	double idle_after_s = (double)policy->idle_after_ms / 1000;

	if (idle_after_s > SC_MAX_OBSERVE_S) {
		snprintf(err, errlen, "--observe auto watches for --idle-after (%.0f s): at most "
			 "%d s can be watched", idle_after_s, SC_MAX_OBSERVE_S);
		return -EINVAL;
	}
	*secs = idle_after_s;
	return 0;
}

int parse_idle_after_option(const char *arg, struct sc_idle_policy *policy,
			    char *err, size_t errlen)
{
	double secs;

	if (parse_seconds(arg, SC_MAX_IDLE_AFTER_S, &secs)) {
		snprintf(err, errlen, "invalid --idle-after '%s': expected seconds >= 0", arg);
		return -EINVAL;
	}
	policy->idle_after_ms = (__u64)llround(secs * 1000);
	return 0;
}

int parse_heartbeat_option(const char *arg, struct sc_idle_policy *policy,
			   char *err, size_t errlen)
{
	unsigned long long n;

	if (parse_uint(arg, 0, 1ull << 31, &n)) {
		snprintf(err, errlen, "invalid --heartbeat-bytes '%s': expected bytes >= 0", arg);
		return -EINVAL;
	}
	policy->heartbeat_bytes = n;
	return 0;
}

int parse_idle_option(int opt, const char *arg, struct sc_idle_policy *policy,
		      const char **note, char *err, size_t errlen)
{
	if (opt == ARGS_OPT_IDLE_AFTER)
		return parse_idle_after_option(arg, policy, err, errlen);
	if (opt == ARGS_OPT_HEARTBEAT_OLD)
		*note = ARGS_HEARTBEAT_OLD_NOTE;
	return parse_heartbeat_option(arg, policy, err, errlen);
}

void idle_policy_defaults(struct sc_idle_policy *policy)
{
	policy->idle_after_ms = SC_DEFAULT_IDLE_AFTER_S * 1000ull;
	policy->heartbeat_bytes = SC_DEFAULT_HEARTBEAT_BYTES;
}

enum args_result args_getopt_error(int c, char **argv, char *err, size_t errlen)
{
	if (c == ':')
		snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
	/*
	 * getopt leaves optind inside a cluster like -xj: name the letter. A
	 * long-only option (code 256 and up) given a value it does not take
	 * has no letter: name the word.
	 */
	else if (optopt > 0 && optopt < 256)
		snprintf(err, errlen, "unknown option '-%c' (see --help)", optopt);
	else
		snprintf(err, errlen, "unknown option '%s' (see --help)", argv[optind - 1]);
	return ARGS_ERROR;
}

enum args_result args_no_operands(int argc, char **argv, char *err, size_t errlen)
{
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return ARGS_ERROR;
	}
	return ARGS_OK;
}

int parse_app_limit_option(const char *arg, struct sc_app_limit *limits, size_t *n, size_t max,
			   char *err, size_t errlen)
{
	if (*n == max) {
		snprintf(err, errlen, "too many --app-limit (at most %zu)", max);
		return -1;
	}
	if (sc_app_limit_parse(arg, &limits[*n])) {
		snprintf(err, errlen, "invalid --app-limit '%s': expected COMM=N or PID=N (a command "
			 "name of at most 15 bytes, or a pid; N >= 1)", arg);
		return -1;
	}
	(*n)++;
	return 0;
}

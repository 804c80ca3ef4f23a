// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot_args.h"

const char snapshot_usage[] =
	"Usage: sockcost snapshot [OPTIONS]\n"
	"\n"
	"Show TCP connections per process and per listening port: how many, which\n"
	"are idle, file descriptors against the limit, and socket buffer memory.\n"
	"Sockets in every network namespace are included.\n"
	"\n"
	"Output:\n"
	"  -j, --json                one JSON document instead of tables\n"
	"  -s, --sockets             also list individual connections (JSON always has them)\n"
	"  -B, --by GROUP            tables by process (default), port or cgroup\n"
	"\n"
	"Filters (connections kept; fd counts stay per process):\n"
	"  -p, --pid PID             connections held by process PID\n"
	"  -P, --port PORT           connections whose local port is PORT\n"
	"  -i, --idle-only           idle connections only\n"
	"\n"
	"Idle policy:\n"
	"  -a, --idle-after SECS     idle after SECS without activity (default 180)\n"
	"  -b, --heartbeat-bytes N   send/receive calls of N bytes or fewer are not\n"
	"                            activity, e.g. WebSocket ping/pong (default 0)\n"
	"  -o, --observe SECS        watch per-call activity for SECS before reporting\n"
	"                            (default 0: kernel timestamps stand in; Ctrl-C\n"
	"                            ends the watch early and still reports)\n"
	"\n"
	"  -v, --verbose             log details: libbpf's messages, time per phase\n"
	"  -h, --help                show this help\n"
	"\n"
	"Examples:\n"
	"  sockcost snapshot\n"
	"  sockcost snapshot --observe 30 --heartbeat-bytes 8 --port 8080 --sockets\n"
	"  sockcost snapshot --json --idle-only | jq '.processes'\n"
	"  sockcost snapshot --by cgroup\n";

int parse_uint(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
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
		return -1;
	for (i = 0; s[i]; i++) {
		if (s[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)s[i]))
			return -1;
	}
	if (dots > 1 || !strcmp(s, "."))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_idle_option(int opt, const char *arg, struct sc_idle_policy *policy,
		      char *err, size_t errlen)
{
	unsigned long long n;
	double secs;

	if (opt == 'a') {
		if (parse_seconds(arg, SC_MAX_IDLE_AFTER_S, &secs)) {
			snprintf(err, errlen, "invalid --idle-after '%s': expected seconds >= 0", arg);
			return -1;
		}
		policy->idle_after_ms = (__u64)llround(secs * 1000);
		return 0;
	}
	if (parse_uint(arg, 0, 1ull << 31, &n)) {
		snprintf(err, errlen, "invalid --heartbeat-bytes '%s': expected bytes >= 0", arg);
		return -1;
	}
	policy->heartbeat_bytes = n;
	return 0;
}

static void defaults(struct snapshot_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->filter.port = -1;
	o->policy.idle_after_ms = SC_DEFAULT_IDLE_AFTER_S * 1000ull;
	o->policy.heartbeat_bytes = SC_DEFAULT_HEARTBEAT_BYTES;
}

enum args_result snapshot_parse_args(int argc, char **argv, struct snapshot_opts *o,
				     char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "sockets", no_argument, NULL, 's' },
		{ "by", required_argument, NULL, 'B' },
		{ "pid", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "idle-only", no_argument, NULL, 'i' },
		{ "idle-after", required_argument, NULL, 'a' },
		{ "heartbeat-bytes", required_argument, NULL, 'b' },
		{ "observe", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	unsigned long long n;
	double secs;
	int c;

	defaults(o);
	optind = 0; /* full reset: this parser may run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jsB:p:P:ia:b:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 's':
			o->sockets = true;
			break;
		case 'B':
			if (sc_group_by_parse(optarg, &o->by)) {
				snprintf(err, errlen,
					 "invalid --by '%s': expected process, port or cgroup", optarg);
				return ARGS_ERROR;
			}
			break;
		case 'p':
			if (parse_uint(optarg, 1, 4194304, &n)) {
				snprintf(err, errlen, "invalid --pid '%s': expected a process id", optarg);
				return ARGS_ERROR;
			}
			o->filter.pid = (__u32)n;
			break;
		case 'P':
			if (parse_uint(optarg, 1, 65535, &n)) {
				snprintf(err, errlen, "invalid --port '%s': expected 1-65535", optarg);
				return ARGS_ERROR;
			}
			o->filter.port = (int)n;
			break;
		case 'i':
			o->filter.idle_only = true;
			break;
		case 'a':
		case 'b':
			if (parse_idle_option(c, optarg, &o->policy, err, errlen))
				return ARGS_ERROR;
			break;
		case 'o':
			if (parse_seconds(optarg, 86400, &secs)) {
				snprintf(err, errlen, "invalid --observe '%s': expected 0-86400 seconds",
					 optarg);
				return ARGS_ERROR;
			}
			o->observe_s = secs;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			return ARGS_HELP;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return ARGS_ERROR;
		default:
			/* getopt leaves optind inside a cluster like -xj: name the letter. */
			if (optopt)
				snprintf(err, errlen, "unknown option '-%c' (see --help)", optopt);
			else
				snprintf(err, errlen, "unknown option '%s' (see --help)",
					 argv[optind - 1]);
			return ARGS_ERROR;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return ARGS_ERROR;
	}
	return ARGS_OK;
}

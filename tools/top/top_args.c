// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "top_args.h"

#define STR_(x) #x
#define STR(x) STR_(x)
/* Long only: -w is cost's --whatif, and a letter means one thing in every command. */
#define OPT_FD_WINDOW 0x100

const char top_usage[] =
	"Usage: sockcost top [OPTIONS]\n"
	"\n"
	"Live view of TCP connections per process, per service and per listening\n"
	"port: how many, how many idle, file descriptors against the limit, socket\n"
	"memory and RSS, connections opened and closed per second, and FD ETA: when\n"
	"a process's open fds reach its RLIMIT_NOFILE soft limit at their growth\n"
	"over the last --fd-window seconds of frames (blank when not growing,\n"
	"\"limit\" when at it; a service shows its member's that comes first).\n"
	"Enter on a service lists its processes; on a process or port, its\n"
	"connections; r shows the outbound (client-side) connections by remote\n"
	"port. Press h in the view for its keys. Batch frames start with the\n"
	"services when a server runs as several processes (pre-fork, workers), and\n"
	"end with the outbound table.\n"
	"\n"
	"  -d, --delay SECS          refresh every SECS (default 2, at least 0.1)\n"
	"  -n, --iterations N        stop after N frames (default: until q)\n"
	"  -b, --batch               plain-text frames on stdout, no terminal needed;\n"
	"                            also chosen (with -n 1 unless -n is given) when\n"
	"                            stdout or stdin is not a terminal\n"
	"  -j, --json                batch frames as one JSON object per line (implies -b)\n"
	"  -p, --pid PID[,PID...]    only these processes\n"
	"  -P, --port PORT           the connections to local port PORT\n"
	"  -s, --sort COLUMN         process sort column: pid command conn idle idle%\n"
	"                            fds fdlimit fd% sockmem rss rss/conn conn/s\n"
	"                            broken fdeta (soonest first) container\n"
	"                            (default conn)\n"
	"      --fd-window SECS      FD ETA: the growth rate of open fds is the median\n"
	"                            slope over the last SECS (default "
	STR(SC_FD_TREND_WINDOW_S) ", " STR(SC_FD_TREND_MIN_WINDOW_S) "-"
	STR(SC_FD_TREND_MAX_WINDOW_S) ");\n"
	"                            an ETA needs " STR(SC_FD_TREND_MIN_SAMPLES) " frames over "
	STR(SC_FD_TREND_MIN_SPAN_S) "s, a rise in both\n"
	"                            halves of the window and more rising than falling\n"
	"                            pairs beyond chance (one jump or noise gives none)\n"
	"  -C, --no-color            no colours (so does a non-empty NO_COLOR)\n"
	"\n"
	"CONTAINER is where sockcostd counts a process: NAMESPACE/POD/CONTAINER,\n"
	"a Docker or Podman container's name, the systemd unit, or host. Names come\n"
	"from $SOCKCOST_POD_LOG_DIR (default /var/log/pods), $SOCKCOST_DOCKER_DIR\n"
	"(/var/lib/docker) and $SOCKCOST_PODMAN_DIR (/var/lib/containers/storage).\n"
	"\n"
	"Idle policy:\n"
	"  -a, --idle-after SECS     idle after SECS without activity (default 180;\n"
	"                            + and - change it in the view)\n"
	"  -H, --heartbeat-bytes N   send/receive calls of N bytes or fewer are not\n"
	"                            activity, e.g. WebSocket ping/pong (default 0);\n"
	"                            the header says \"warming up\" until the programs\n"
	"                            have watched --idle-after for it\n"
	"\n"
	"Health (the header's health line, BROKEN: close_wait + stalled +\n"
	"dead_peer_risk; the connections view's HEALTH; judged every refresh, or\n"
	"300 times a pass's CPU time apart if longer):\n"
	"      --close-wait-after SECS  (default 60)\n"
	"      --stall-after SECS    (default 10)\n"
	"      --nat-timeout SECS    (default 350)\n"
	"\n"
	"  -v, --verbose             log details, including libbpf's messages\n"
	"  -h, --help                show this help\n"
	"\n"
	"Examples:\n"
	"  sockcost top\n"
	"  sockcost top --idle-after 60 --heartbeat-bytes 8\n"
	"  sockcost top -b -n 3 -d 1 -p 1234\n"
	"  sockcost top --sort fdeta --fd-window 300\n"
	"  sockcost top --json -n 10 | jq -c '.totals'\n";

static void defaults(struct top_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->delay_s = 2;
	o->port = -1;
	o->sort = TOP_COL_CONN;
	o->fd_window_s = SC_FD_TREND_WINDOW_S;
	idle_policy_defaults(&o->policy);
	sc_health_policy_default(&o->health);
}

/* "1,2,3": every part a pid, at most TOP_MAX_PIDS in all (-p may repeat). */
static int parse_pids(const char *s, struct top_opts *o)
{
	char buf[1024], *part, *save = NULL;
	unsigned long long n;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf) || !buf[0])
		return -EINVAL;
	if (buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,"))
		return -EINVAL;
	for (part = strtok_r(buf, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		if (parse_uint(part, 1, SC_MAX_PID, &n) || o->npids == TOP_MAX_PIDS)
			return -EINVAL;
		o->pids[o->npids++] = (__u32)n;
	}
	return 0;
}

enum args_result top_parse_args(int argc, char **argv, struct top_opts *o,
				char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "batch", no_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "pid", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "sort", required_argument, NULL, 's' },
		{ "fd-window", required_argument, NULL, OPT_FD_WINDOW },
		HEALTH_THRESHOLD_LONGOPTS,
		{ "no-color", no_argument, NULL, 'C' },
		{ "no-colour", no_argument, NULL, 'C' },
		{ "idle-after", required_argument, NULL, 'a' },
		{ "heartbeat-bytes", required_argument, NULL, ARGS_OPT_HEARTBEAT },
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
	while ((c = getopt_long(argc, argv, ":d:n:bjp:P:s:Ca:H:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_seconds(optarg, 86400, &secs) || secs < 0.1) {
				snprintf(err, errlen, "invalid --delay '%s': expected 0.1-86400 seconds",
					 optarg);
				return ARGS_ERROR;
			}
			o->delay_s = secs;
			break;
		case 'n':
			if (parse_uint(optarg, 1, 1000000000, &n)) {
				snprintf(err, errlen, "invalid --iterations '%s': expected a count >= 1",
					 optarg);
				return ARGS_ERROR;
			}
			o->iterations = (unsigned long)n;
			break;
		case 'b':
			o->batch = true;
			break;
		case 'j':
			o->json = o->batch = true;
			break;
		case 'p':
			if (parse_pids(optarg, o)) {
				snprintf(err, errlen, "invalid --pid '%s': expected process ids "
					 "separated by commas (at most %d)", optarg, TOP_MAX_PIDS);
				return ARGS_ERROR;
			}
			break;
		case 'P':
			if (parse_port_option(optarg, &o->port, err, errlen))
				return ARGS_ERROR;
			break;
		case 's':
			if (top_col_by_name(optarg, &o->sort)) {
				snprintf(err, errlen, "invalid --sort '%s': expected one of pid command "
					 "conn idle idle%% fds fdlimit fd%% sockmem rss rss/conn conn/s "
					 "broken fdeta",
					 optarg);
				return ARGS_ERROR;
			}
			o->sort_given = true;
			break;
		case OPT_FD_WINDOW:
			if (parse_seconds(optarg, SC_FD_TREND_MAX_WINDOW_S, &secs) ||
			    secs < SC_FD_TREND_MIN_WINDOW_S) {
				snprintf(err, errlen, "invalid --fd-window '%s': expected %d-%d seconds",
					 optarg, SC_FD_TREND_MIN_WINDOW_S, SC_FD_TREND_MAX_WINDOW_S);
				return ARGS_ERROR;
			}
			o->fd_window_s = secs;
			break;
		case 'C':
			o->no_color = true;
			break;
		case 'a':
			if (parse_idle_after_option(optarg, &o->policy, err, errlen))
				return ARGS_ERROR;
			break;
		case ARGS_OPT_HEARTBEAT:
			if (parse_heartbeat_option(optarg, &o->policy, err, errlen))
				return ARGS_ERROR;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			return ARGS_HELP;
		case ARGS_OPT_CLOSE_WAIT_AFTER:
		case ARGS_OPT_STALL_AFTER:
		case ARGS_OPT_NAT_TIMEOUT:
			if (parse_health_option(c, optarg, &o->health, NULL, err, errlen))
				return ARGS_ERROR;
			break;
		default:
			return args_getopt_error(c, argv, err, errlen);
		}
	}
	return args_no_operands(argc, argv, err, errlen);
}

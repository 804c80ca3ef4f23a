// SPDX-License-Identifier: GPL-2.0
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "close_args.h"
#include "health_args.h"

const char close_usage[] =
	"Usage: sockcost close {--pid PID|--port PORT|--service NAME} [OPTIONS]\n"
	"\n"
	"Abort idle TCP connections, to shed them before a process reaches its fd\n"
	"limit. Without --yes it only shows what it would close: how many, per\n"
	"process, their fds and socket memory, and the first sockets.\n"
	"\n"
	"Closing aborts the connection in the kernel: its TCP state and send queue\n"
	"go at once, the peer gets a reset and frees its side. The process holding\n"
	"it sees an error on its next use of the socket: a server that handles the\n"
	"error closes its fd then, and the receive queue and the socket's kernel\n"
	"objects go with it. A process that never touches the socket (a CLOSE-WAIT\n"
	"leak) keeps the fd and them until it closes it. The result says how many\n"
	"sockets were aborted and how many of the holders' fds went.\n"
	"Listening sockets are never closed. Each closed socket is logged as one\n"
	"JSON line to --log and to syslog (LOG_AUTHPRIV).\n"
	"\n"
	"Selection (at least one of --pid, --port, --service):\n"
	"  -p, --pid PID             connections held by process PID\n"
	"  -P, --port PORT           connections whose local port is PORT\n"
	"  -S, --service NAME        connections of service NAME, as the unfiltered\n"
	"                            `sockcost snapshot --by service` names it\n"
	"      --include-busy        busy connections too (default: idle ones only)\n"
	"      --health CLASS[,CLASS]  connections of these health classes, idle or\n"
	"                            not: close_wait, stalled, dead_peer_risk (see\n"
	"                            `sockcost snapshot --help`)\n"
	"      --close-wait-after SECS  CLOSE-WAIT this long is close_wait (default 60)\n"
	"      --stall-after SECS    unsent or unacknowledged data this long without\n"
	"                            new data leaving is stalled (default 10)\n"
	"      --nat-timeout SECS    silent this long, keepalive off or slower, is\n"
	"                            dead_peer_risk (default 350)\n"
	"\n"
	"Idle policy:\n"
	"  -a, --idle-after SECS     idle after SECS without activity (default 180)\n"
	"  -H, --heartbeat-bytes N   send/receive calls of N bytes or fewer are not\n"
	"                            activity, e.g. WebSocket ping/pong (default 0)\n"
	"  -o, --observe SECS|auto   watch per-call activity for SECS first (auto:\n"
	"                            for --idle-after; default 0: kernel timestamps)\n"
	"\n"
	"Action:\n"
	"  -y, --yes                 close them (default: only show what would be)\n"
	"      --max N               close at most N sockets in one run (default\n"
	"                            1000); the rest are said and left: exit 1\n"
	"      --method auto|bpf|diag\n"
	"                            bpf: bpf_sock_destroy() from an iter/tcp\n"
	"                            program (Linux 6.5+); diag: the sock_diag\n"
	"                            SOCK_DESTROY request, as `ss -K`\n"
	"                            (CONFIG_INET_DIAG_DESTROY); auto (default): bpf\n"
	"                            where the kernel has it, else diag\n"
	"      --log FILE            append one JSON line per closed socket (default\n"
	"                            /var/log/sockcost/close.log; directory created)\n"
	"      --wait SECS           after closing, wait SECS before counting the\n"
	"                            holders' fds that went (default 1)\n"
	"\n"
	"Output:\n"
	"  -j, --json                one JSON document instead of text\n"
	"      --rows N              sockets listed in the text (default 20)\n"
	"  -v, --verbose             log details\n"
	"  -h, --help                show this help\n"
	"\n"
	"Exit status: 0 done (or shown); 1 a runtime failure, a kernel that can\n"
	"close nothing, a socket not closed or sockets left by --max; 2 a usage\n"
	"error or a refusal (no selection, only listeners, an unknown service).\n"
	"\n"
	"Examples:\n"
	"  sockcost close --port 8080 --idle-after 600\n"
	"  sockcost close --port 8080 --idle-after 600 --yes\n"
	"  sockcost close --service nginx:8080 -a 300 --max 100 --yes --json\n"
	"  sockcost close --pid 4242 --observe auto -a 60 -H 8 --yes\n"
	"  sockcost close --port 5432 --health close_wait --close-wait-after 300 --yes\n";

/* Long-only options: codes from 256, so args_getopt_error names them by word. */
enum {
	OPT_MAX = 256,
	OPT_METHOD,
	OPT_LOG,
	OPT_WAIT,
	OPT_ROWS,
	OPT_BUSY,
};

static void defaults(struct close_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->filter.port = -1;
	o->max = SC_CLOSE_DEFAULT_MAX;
	o->rows = SC_CLOSE_DEFAULT_ROWS;
	o->log_path = SC_CLOSE_DEFAULT_LOG;
	o->wait_s = SC_CLOSE_DEFAULT_WAIT_S;
	idle_policy_defaults(&o->policy);
}

static int parse_method(const char *arg, enum sc_close_method *m, char *err, size_t errlen)
{
	static const enum sc_close_method all[] = { SC_CLOSE_AUTO, SC_CLOSE_BPF, SC_CLOSE_DIAG };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(arg, sc_close_method_name(all[i]))) {
			*m = all[i];
			return 0;
		}
	snprintf(err, errlen, "invalid --method '%s': expected auto, bpf or diag", arg);
	return -1;
}

static int parse_count(const char *opt, const char *arg, unsigned long long max, size_t *out,
		       char *err, size_t errlen)
{
	unsigned long long n;

	if (parse_uint(arg, 1, max, &n)) {
		snprintf(err, errlen, "invalid %s '%s': expected 1-%llu", opt, arg, max);
		return -1;
	}
	*out = (size_t)n;
	return 0;
}

/* An option's own value check; 0, or -1 with one line in err. */
static int parse_one(int c, const char *arg, struct close_opts *o, char *err, size_t errlen)
{
	switch (c) {
	case 'y':
		o->yes = true;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case 'v':
		o->verbose = true;
		return 0;
	case OPT_BUSY:
		o->busy_too = true;
		return 0;
	case 'p':
		return parse_pid_option(arg, &o->filter.pid, err, errlen);
	case 'P':
		return parse_port_option(arg, &o->filter.port, err, errlen);
	case 'S':
		return parse_service_option(arg, o->filter.service, err, errlen);
	case ARGS_OPT_IDLE_AFTER:
	case ARGS_OPT_HEARTBEAT:
		return parse_idle_option(c, arg, &o->policy, &o->note, err, errlen);
	case 'o':
		return parse_observe_option(arg, &o->observe_s, &o->observe_auto, err, errlen);
	case OPT_MAX:
		return parse_count("--max", arg, SC_CLOSE_MAX_MAX, &o->max, err, errlen);
	case OPT_ROWS:
		return parse_count("--rows", arg, SC_CLOSE_MAX_MAX, &o->rows, err, errlen);
	case OPT_METHOD:
		return parse_method(arg, &o->method, err, errlen);
	case OPT_LOG:
		if (!*arg) {
			snprintf(err, errlen, "invalid --log '': expected a file name");
			return -1;
		}
		o->log_path = arg;
		return 0;
	case OPT_WAIT:
		if (parse_seconds(arg, SC_CLOSE_MAX_WAIT_S, &o->wait_s)) {
			snprintf(err, errlen, "invalid --wait '%s': expected 0-%.0f seconds", arg,
				 SC_CLOSE_MAX_WAIT_S);
			return -1;
		}
		return 0;
	}
	if (is_health_option(c))
		return parse_health_option(c, arg, &o->filter.health, &o->filter.health_mask, err,
					   errlen);
	return -1;
}

/* Classes close takes: connections a process holds that are broken, not sockets without one. */
#define CLOSABLE_HEALTH ((1u << SC_HEALTH_CLOSE_WAIT) | (1u << SC_HEALTH_STALLED) | \
			 (1u << SC_HEALTH_DEAD_PEER_RISK))

static int check_health(const struct close_opts *o, char *err, size_t errlen)
{
	unsigned int other = o->filter.health_mask & ~CLOSABLE_HEALTH;
	int h;

	for (h = 0; h < SC_HEALTH_N && other; h++)
		if (other & (1u << h)) {
			snprintf(err, errlen, "--health %s: close takes close_wait, stalled or "
				 "dead_peer_risk (%s)", sc_health_name((enum sc_health)h),
				 h == SC_HEALTH_OK ? "healthy connections are not a class to shed"
						   : "no process holds such a socket to abort");
			return -1;
		}
	return 0;
}

enum args_result close_parse_args(int argc, char **argv, struct close_opts *o,
				  char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "service", required_argument, NULL, 'S' },
		{ "include-busy", no_argument, NULL, OPT_BUSY },
		HEALTH_THRESHOLD_LONGOPTS,
		HEALTH_FILTER_LONGOPT,
		{ "idle-after", required_argument, NULL, 'a' },
		{ "heartbeat-bytes", required_argument, NULL, ARGS_OPT_HEARTBEAT },
		{ "observe", required_argument, NULL, 'o' },
		{ "yes", no_argument, NULL, 'y' },
		{ "max", required_argument, NULL, OPT_MAX },
		{ "method", required_argument, NULL, OPT_METHOD },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "json", no_argument, NULL, 'j' },
		{ "rows", required_argument, NULL, OPT_ROWS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	defaults(o);
	optind = 0; /* full reset: this parser may run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:P:S:a:H:o:yjvh", longopts, NULL)) != -1) {
		if (c == 'h')
			return ARGS_HELP;
		if (c == ':' || c == '?')
			return args_getopt_error(c, argv, err, errlen);
		if (parse_one(c, optarg, o, err, errlen))
			return ARGS_ERROR;
	}
	if (args_no_operands(argc, argv, err, errlen) != ARGS_OK)
		return ARGS_ERROR;
	if (o->observe_auto && resolve_observe_auto(&o->policy, &o->observe_s, err, errlen))
		return ARGS_ERROR;
	if (check_health(o, err, errlen))
		return ARGS_ERROR;
	if (!o->filter.pid && o->filter.port < 0 && !o->filter.service[0]) {
		snprintf(err, errlen, "refusing to close without --pid, --port or --service: "
			 "closing is never host-wide");
		return ARGS_ERROR;
	}
	return ARGS_OK;
}

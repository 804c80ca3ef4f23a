// SPDX-License-Identifier: GPL-2.0
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "served_proto.h"
#include "snapshot_args.h"

/* Parts of the help; sc_snapshot_print_usage() writes them in order. */
static const char snapshot_usage_head[] =
	"Usage: sockcost snapshot [OPTIONS]\n"
	"\n"
	"Show TCP connections per process and per listening port: how many, which\n"
	"are idle, file descriptors against the limit, and socket buffer memory.\n"
	"Sockets in every network namespace are included.\n"
	"\n"
	"Output:\n"
	"  -j, --json                one JSON document instead of tables\n"
	"  -s, --sockets             also list individual connections (JSON always has them)\n"
	"      --fields LIST         with --json, only these keys per socket, e.g.\n"
	"                            pid,lport,rport,idle_s (a smaller document at\n"
	"                            100K+ sockets); the keys: pid comm fd state\n"
	"                            family laddr lport raddr rport netns cookie\n"
	"                            inode idle idle_s idle_source rx_bytes tx_bytes\n"
	"                            rx_queue_bytes tx_queue_bytes rx_queue_memory_bytes\n"
	"                            tx_queue_memory_bytes forward_alloc_bytes\n"
	"                            sndbuf_bytes rcvbuf_bytes kernel_last_send_age_s\n"
	"                            kernel_last_recv_age_s observed health\n"
	"                            health_age_s stall_reason retransmits probes\n"
	"                            peer_window_bytes keepalive keepalive_idle_s\n"
	"  -B, --by GROUP            tables by service, process, port, cgroup,\n"
	"                            remote or remote-addr (default: by service when\n"
	"                            a service has several processes, as pre-fork and\n"
	"                            multi-worker servers do; else by process).\n"
	"                            remote groups the outbound (client-side)\n"
	"                            connections, those whose local port has no\n"
	"                            listener, by remote port; remote-addr by remote\n"
	"                            address and port. The process, service and port\n"
	"                            tables end with them too\n"
	"\n"
	"Filters (connections kept; fd counts stay per process):\n"
	"  -p, --pid PID             connections held by process PID\n"
	"  -P, --port PORT           connections whose local port is PORT\n"
	"  -S, --service NAME        connections held by the processes of service\n"
	"                            NAME, as the unfiltered --by service table names\n"
	"                            it (e.g. nginx:8080)\n"
	"  -i, --idle-only           idle connections only\n";

static const char snapshot_usage_idle[] =
	"\n"
	"Idle policy:\n"
	"  -a, --idle-after SECS     idle after SECS without activity (default 180)\n"
	"  -H, --heartbeat-bytes N   send/receive calls of N bytes or fewer are not\n"
	"                            activity, e.g. WebSocket ping/pong (default 0);\n"
	"                            the programs must have watched --idle-after\n"
	"                            (--observe, or sockcostd's) for it to apply to\n"
	"                            every connection: a line on stderr says when not\n"
	"  -o, --observe SECS|auto   watch per-call activity for SECS before reporting\n"
	"                            (auto: for --idle-after; default 0: kernel\n"
	"                            timestamps stand in; Ctrl-C ends the watch early\n"
	"                            and still reports)\n"
	"\n";

static const char snapshot_usage_tail[] =
	"\n"
	"      --no-daemon           walk every socket even when sockcostd runs (the\n"
	"                            table is otherwise its summary when it answers on\n"
	"                            $SOCKCOST_SOCKET, else " SC_SERVED_DEFAULT_SOCKET ",\n"
	"                            with the same policy, no filter; -v says which)\n"
	"  -v, --verbose             log details: libbpf's messages, time per phase\n"
	"  -h, --help                show this help\n"
	"\n"
	"Examples:\n"
	"  sockcost snapshot\n"
	"  sockcost snapshot --observe 30 --heartbeat-bytes 8 --port 8080 --sockets\n"
	"  sockcost snapshot -H 4 -a 60 --observe auto\n"
	"  sockcost snapshot --json --idle-only | jq '.processes'\n"
	"  sockcost snapshot --by cgroup\n"
	"  sockcost snapshot --by process --port 5432\n"
	"  sockcost snapshot --service nginx:8080 --sockets\n"
	"  sockcost snapshot --by remote\n"
	"  sockcost snapshot --health close_wait,stalled --sockets\n";

void snapshot_print_usage(FILE *out)
{
	fputs(snapshot_usage_head, out);
	fputs(health_filter_usage, out);
	fputs(snapshot_usage_idle, out);
	fputs(health_threshold_usage, out);
	fputs(snapshot_usage_tail, out);
}

/* Long-only options: codes from 256, so args_getopt_error names them by word. */
enum { OPT_FIELDS = 256, OPT_NO_DAEMON };

static void defaults(struct snapshot_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->filter.port = -1;
	idle_policy_defaults(&o->policy);
	sc_health_policy_default(&o->filter.health);
}

enum args_result snapshot_parse_args(int argc, char **argv, struct snapshot_opts *o,
				     char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "sockets", no_argument, NULL, 's' },
		{ "fields", required_argument, NULL, OPT_FIELDS },
		{ "no-daemon", no_argument, NULL, OPT_NO_DAEMON },
		{ "by", required_argument, NULL, 'B' },
		{ "pid", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "service", required_argument, NULL, 'S' },
		{ "idle-only", no_argument, NULL, 'i' },
		{ "idle-after", required_argument, NULL, 'a' },
		{ "heartbeat-bytes", required_argument, NULL, ARGS_OPT_HEARTBEAT },
		{ "observe", required_argument, NULL, 'o' },
		HEALTH_THRESHOLD_LONGOPTS,
		HEALTH_FILTER_LONGOPT,
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char bad[64];
	int c;

	defaults(o);
	optind = 0; /* full reset: this parser may run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jsB:p:P:S:ia:H:b:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 's':
			o->sockets = true;
			break;
		case OPT_NO_DAEMON:
			o->no_daemon = true;
			break;
		case OPT_FIELDS:
			if (sc_socket_fields_parse(optarg, &o->fields, bad, sizeof(bad))) {
				snprintf(err, errlen, "invalid --fields '%s': unknown key '%s' (the "
					 "keys of a socket in --json: see --help)", optarg, bad);
				return ARGS_ERROR;
			}
			break;
		case 'B':
			if (sc_group_by_parse(optarg, &o->by)) {
				snprintf(err, errlen,
					 "invalid --by '%s': expected service, process, port, cgroup, "
					 "remote or remote-addr", optarg);
				return ARGS_ERROR;
			}
			break;
		case 'p':
			if (parse_pid_option(optarg, &o->filter.pid, err, errlen))
				return ARGS_ERROR;
			break;
		case 'P':
			if (parse_port_option(optarg, &o->filter.port, err, errlen))
				return ARGS_ERROR;
			break;
		case 'S':
			if (parse_service_option(optarg, o->filter.service, err, errlen))
				return ARGS_ERROR;
			break;
		case 'i':
			o->filter.idle_only = true;
			break;
		case ARGS_OPT_IDLE_AFTER:
		case ARGS_OPT_HEARTBEAT:
		case ARGS_OPT_HEARTBEAT_OLD:
			if (parse_idle_option(c, optarg, &o->policy, &o->note, err, errlen))
				return ARGS_ERROR;
			break;
		case 'o':
			if (parse_observe_option(optarg, &o->observe_s, &o->observe_auto, err, errlen))
				return ARGS_ERROR;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			return ARGS_HELP;
		default:
			if (!is_health_option(c))
				return args_getopt_error(c, argv, err, errlen);
			if (parse_health_option(c, optarg, &o->filter.health, &o->filter.health_mask,
						err, errlen))
				return ARGS_ERROR;
		}
	}
	if (o->observe_auto && resolve_observe_auto(&o->policy, &o->observe_s, err, errlen))
		return ARGS_ERROR;
	if (o->fields && !o->json) {
		snprintf(err, errlen, "--fields chooses the keys of --json output: add --json");
		return ARGS_ERROR;
	}
	return args_no_operands(argc, argv, err, errlen);
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost_args.h"

const char cost_usage[] =
	"Usage: sockcost cost [OPTIONS]\n"
	"\n"
	"What TCP connections cost, measured: kernel memory per connection (slab\n"
	"objects and buffers), the application's memory per connection with its\n"
	"basis (marginal: measured over growth; per-process: one connection per\n"
	"process; average: private memory / connections, an upper bound), PSS and\n"
	"private memory (never RSS summed), how many more connections fit before\n"
	"each limit (fds, cgroup memory.max, a declared application cap) and which\n"
	"binds first, listeners' drops, host-wide fd and tcp_mem headroom, what an\n"
	"idle timeout would free now, and with --observe each process's FD ETA: when\n"
	"its open fds reach the soft limit at their growth while observed.\n"
	"\n"
	"Scope (default: the whole host):\n"
	"  -p, --pid PID             one process\n"
	"  -P, --port PORT           connections whose local port is PORT\n"
	"\n"
	"Report:\n"
	"  -j, --json                one JSON document instead of text\n"
	"  -w, --whatif SECS[,SECS]  idle timeouts to price besides 60,180,300,900\n"
	"  -r, --ram-price PRICE     RAM price per GiB and month: adds monthly costs\n"
	"  -M, --managed-price per_million_messages=X,per_million_connection_minutes=Y\n"
	"                            a managed real-time service's prices (either or\n"
	"                            both): adds its monthly bill for the traffic\n"
	"                            observed (--observe, or sockcostd's counters)\n"
	"                            beside the self-hosted cost (--ram-price)\n"
	"  -L, --app-limit COMM=N    the application holds at most N connections\n"
	"      --app-limit PID=N     (nginx worker_connections, Redis maxclients,\n"
	"                            PostgreSQL max_connections for all its backends\n"
	"                            together); capacity then names the binding limit.\n"
	"                            Repeatable; a PID's limit wins over its COMM's\n"
	"\n"
	"Measuring:\n"
	"  -o, --observe SECS|auto   watch activity for SECS (auto: for --idle-after)\n"
	"                            first; meanwhile sample each process's private\n"
	"                            memory and connections once a second for the\n"
	"                            marginal memory per connection, and its open fds\n"
	"                            for the FD ETA (a rate needs 10s or more)\n"
	"  -H, --heartbeat-bytes N   send/receive calls of N bytes or fewer are not\n"
	"                            activity (default 0); applies to every connection\n"
	"                            once the programs have watched --idle-after\n"
	"                            (--observe, or sockcostd's): stderr says when not\n"
	"  -a, --idle-after SECS     idle policy for the connection counts (default 180)\n"
	"\n"
	"  -v, --verbose             log details\n"
	"  -h, --help                show this help\n"
	"\n"
	"Examples:\n"
	"  sockcost cost\n"
	"  sockcost cost --port 8080 --observe 60 --heartbeat-bytes 8 --ram-price 4.5\n"
	"  sockcost cost --json --whatif 30,120 | jq '.whatif'\n"
	"  sockcost cost --port 5432 --app-limit postgres=100\n"
	"  sockcost cost --observe 60 --ram-price 4 \\\n"
	"      --managed-price per_million_messages=1,per_million_connection_minutes=0.25\n";

#define MAX_WHATIF_S (365u * 86400)
#define MAX_PRICE 1e9

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

static void sort_unique(struct cost_opts *o)
{
	size_t i, m = 0;

	qsort(o->whatif_s, o->nwhatif, sizeof(o->whatif_s[0]), cmp_u32);
	for (i = 0; i < o->nwhatif; i++)
		if (!m || o->whatif_s[m - 1] != o->whatif_s[i])
			o->whatif_s[m++] = o->whatif_s[i];
	o->nwhatif = m;
}

/* "30,120": whole seconds, added to the list. */
static int parse_whatif(const char *arg, struct cost_opts *o, char *err, size_t errlen)
{
	char buf[256], *tok, *save = NULL;
	unsigned long long v;

	if (strlen(arg) >= sizeof(buf) || !arg[0] || arg[0] == ',' || strstr(arg, ",,") ||
	    arg[strlen(arg) - 1] == ',')
		goto bad;
	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (parse_uint(tok, 0, MAX_WHATIF_S, &v))
			goto bad;
		if (o->nwhatif == SC_COST_MAX_WHATIF) {
			snprintf(err, errlen, "too many --whatif values: at most %d in all",
				 SC_COST_MAX_WHATIF);
			return -EINVAL;
		}
		o->whatif_s[o->nwhatif++] = (__u32)v;
	}
	return 0;
bad:
	snprintf(err, errlen, "invalid --whatif '%s': expected whole seconds, like 30,120", arg);
	return -EINVAL;
}

static void defaults(struct cost_opts *o)
{
	static const __u32 whatif[] = SC_COST_DEFAULT_WHATIF;

	memset(o, 0, sizeof(*o));
	o->filter.port = -1;
	idle_policy_defaults(&o->policy);
	memcpy(o->whatif_s, whatif, sizeof(whatif));
	o->nwhatif = SC_COST_NDEFAULT_WHATIF;
}

enum args_result cost_parse_args(int argc, char **argv, struct cost_opts *o, char *err,
				 size_t errlen)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pid", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "whatif", required_argument, NULL, 'w' },
		{ "ram-price", required_argument, NULL, 'r' },
		{ "app-limit", required_argument, NULL, 'L' },
		{ "managed-price", required_argument, NULL, 'M' },
		{ "idle-after", required_argument, NULL, 'a' },
		{ "heartbeat-bytes", required_argument, NULL, ARGS_OPT_HEARTBEAT },
		{ "observe", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	double v;
	int c;

	defaults(o);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jp:P:w:r:L:M:a:H:b:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'p':
			if (parse_pid_option(optarg, &o->filter.pid, err, errlen))
				return ARGS_ERROR;
			break;
		case 'P':
			if (parse_port_option(optarg, &o->filter.port, err, errlen))
				return ARGS_ERROR;
			break;
		case 'w':
			if (parse_whatif(optarg, o, err, errlen))
				return ARGS_ERROR;
			break;
		case 'r':
			if (parse_seconds(optarg, MAX_PRICE, &v)) {
				snprintf(err, errlen,
					 "invalid --ram-price '%s': expected a price per GiB-month, like 4.5",
					 optarg);
				return ARGS_ERROR;
			}
			o->has_price = true;
			o->ram_price = v;
			break;
		case 'M':
			if (sc_managed_price_parse(optarg, &o->managed)) {
				snprintf(err, errlen, "invalid --managed-price '%s': expected "
					 "per_million_messages=X,per_million_connection_minutes=Y "
					 "(either or both, prices >= 0)", optarg);
				return ARGS_ERROR;
			}
			break;
		case 'L':
			if (parse_app_limit_option(optarg, o->app_limits, &o->napp_limits,
						   COST_MAX_APP_LIMITS, err, errlen))
				return ARGS_ERROR;
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
			return args_getopt_error(c, argv, err, errlen);
		}
	}
	if (args_no_operands(argc, argv, err, errlen) != ARGS_OK)
		return ARGS_ERROR;
	if (o->observe_auto && resolve_observe_auto(&o->policy, &o->observe_s, err, errlen))
		return ARGS_ERROR;
	sort_unique(o);
	return ARGS_OK;
}

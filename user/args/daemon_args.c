// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_args.h"

const char daemon_usage[] =
	"Usage: sockcostd [OPTIONS]\n"
	"\n"
	"Prometheus exporter for TCP connection cost: loads the sockcost BPF programs\n"
	"and serves /metrics (text format 0.0.4), /healthz, a landing page at /\n"
	"and, with --enable-snapshot, /snapshot.json (the document of\n"
	"'sockcost snapshot --json').\n"
	"\n"
	"  -l, --listen ADDR:PORT    where to serve HTTP; numeric IPv4 or [IPv6]\n"
	"                            (default " SC_DAEMON_DEFAULT_LISTEN "; [::]:PORT is\n"
	"                            every interface, IPv4 and IPv6)\n"
	"      --socket PATH         serve `sockcost snapshot`'s table on a unix socket\n"
	"                            at PATH, mode 0600 (default $SOCKCOST_SOCKET, else\n"
	"                            " SC_SERVED_DEFAULT_SOCKET "); removed at exit\n"
	"      --no-socket           no such socket: the CLI walks\n"
	"      --web.config.file FILE\n"
	"                            TLS, client certificates and basic auth in the\n"
	"                            Prometheus exporter-toolkit format\n"
	"                            (tls_server_config, basic_auth_users with bcrypt\n"
	"                            hashes, http_server_config.headers); read once\n"
	"                            at start; an error stops the start with its line\n"
	"      --enable-snapshot     serve /snapshot.json: every connection with its\n"
	"                            addresses (default: off, 404); and keep what\n"
	"                            the snapshot table (--socket) needs to serve\n"
	"                            hosts with several network namespaces\n"
	"      --redact-peers        /snapshot.json without remote addresses (raddr)\n"
	"  -i, --interval SECS       refresh gauges and idle events at least every\n"
	"                            SECS (default 15) from the sockets' reported\n"
	"                            changes; a scrape gets a refresh of its own\n"
	"  -r, --reconcile-interval SECS\n"
	"                            walk every socket every SECS (default 300) to\n"
	"                            catch what changes do not report (fds passed\n"
	"                            between processes, queue memory of quiet\n"
	"                            sockets), or 1000 times a walk's CPU time if\n"
	"                            longer (a walk of 1M sockets takes seconds);\n"
	"                            also at start and when changes were lost\n"
	"      --health-interval SECS\n"
	"                            judge every socket's health (sockcost_*_by_health)\n"
	"                            every SECS (default 60), or 1000 times the pass's\n"
	"                            CPU time if longer\n"
	"  -k, --top-processes K     per-process series for the K processes holding\n"
	"                            the most connections (default 20, 0: none);\n"
	"                            also the remote ports with the most outbound\n"
	"                            connections in sockcost_outbound_*{port}\n"
	"\n"
	"Idle policy (as 'sockcost snapshot'):\n"
	"  -a, --idle-after SECS     idle after SECS without activity (default 180)\n"
	"  -H, --heartbeat-bytes N   send/receive calls of N bytes or fewer are not\n"
	"                            activity, e.g. WebSocket ping/pong (default 0)\n"
	"\n"
	"Health (as 'sockcost snapshot'):\n"
	"      --close-wait-after SECS, --stall-after SECS, --nat-timeout SECS\n"
	"                            the thresholds of close_wait (default 60),\n"
	"                            stalled (10) and dead_peer_risk (350)\n"
	"\n"
	"Idle events:\n"
	"  -e, --events FILE         one JSON line when a connection turns idle, is\n"
	"                            active again, or closes while idle, found at each\n"
	"                            refresh (--interval); '-' is stdout\n"
	"      --events-rate N       at most N events a second (default 100); an idle\n"
	"                            report over it is retried at the next refresh,\n"
	"                            others are dropped; both counted as dropped\n"
	"\n"
	"Application limits (capacity names the limit a process reaches first):\n"
	"      --app-limit COMM=N    the application holds at most N connections (nginx\n"
	"      --app-limit PID=N     worker_connections, Redis maxclients; PostgreSQL\n"
	"                            max_connections for all its backends together);\n"
	"                            repeatable, a PID's wins over its COMM's\n"
	"      --app-limits FILE     the same, one COMM=N or PID=N a line, # comments\n"
	"\n"
	"Container names (sockcost_container_* series; read as the node keeps them):\n"
	"      --pod-log-dir DIR     the kubelet's pod log directories, NAMESPACE_POD_UID\n"
	"                            (default $SOCKCOST_POD_LOG_DIR, else /var/log/pods);\n"
	"                            container names from its sibling containers/, the\n"
	"                            kubelet's POD_NAMESPACE_CONTAINER-ID.log links\n"
	"      --docker-dir DIR      Docker's root (default $SOCKCOST_DOCKER_DIR, else\n"
	"                            /var/lib/docker)\n"
	"      --podman-dir DIR      Podman's containers/storage root (default\n"
	"                            $SOCKCOST_PODMAN_DIR, else /var/lib/containers/storage)\n"
	"\n"
	"Kernel state:\n"
	"      --pin                 pin programs, links and maps under --pin-dir, so\n"
	"                            a restart keeps history and the CLI reuses them\n"
	"                            (default)\n"
	"      --no-pin              keep them only while sockcostd runs\n"
	"      --pin-dir DIR         where to pin (default $SOCKCOST_PIN_DIR, else\n"
	"                            " SC_PIN_DIR "); the CLI reads the same\n"
	"      --unload              remove the pinned state and exit\n"
	"\n"
	"Privileges:\n"
	"  -u, --user NAME           run as user NAME after loading the programs\n"
	"                            Once loaded, sockcostd keeps CAP_SYS_PTRACE (to\n"
	"                            read other users' processes' memory) and\n"
	"                            CAP_SYS_ADMIN (to enter other network namespaces,\n"
	"                            where the watch state of their sockets is read);\n"
	"                            it drops every other one\n"
	"      --own-netns-only      drop those too: walks no longer read the watch\n"
	"                            state of other network namespaces' sockets (their\n"
	"                            change reports still bring it), and no memory\n"
	"                            series for processes of other users or with more\n"
	"                            capabilities\n"
	"\n"
	"  -v, --verbose             log details: libbpf's messages, each request\n"
	"  -V, --version             print the version and exit\n"
	"  -h, --help                show this help\n"
	"\n"
	"Examples:\n"
	"  sockcostd\n"
	"  sockcostd --listen [::]:9098 --heartbeat-bytes 8 --user nobody\n"
	"  sockcostd --listen [::]:9098 --web.config.file /etc/sockcost/web.yml\n"
	"  curl -s localhost:9098/metrics | grep '^sockcost_idle'\n";

int daemon_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
			char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *port_s, *h = s;
	unsigned long long port;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "invalid --listen '%s': expected [IPV6]:PORT", s);
			return -EINVAL;
		}
		h = s + 1;
		hlen = (size_t)(close - h);
		port_s = close + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon) {
			snprintf(err, errlen, "invalid --listen '%s': expected ADDR:PORT "
				 "(IPv6 in brackets: [::1]:PORT)", s);
			return -EINVAL;
		}
		hlen = (size_t)(colon - s);
		port_s = colon + 1;
	}
	if (parse_uint(port_s, 1, 65535, &port)) {
		snprintf(err, errlen, "invalid --listen '%s': port must be 1-65535", s);
		return -EINVAL;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(err, errlen, "invalid --listen '%s': expected a numeric address", s);
		return -EINVAL;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (s[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) {
			snprintf(err, errlen, "invalid --listen '%s': '%s' is not an IPv6 address",
				 s, host);
			return -EINVAL;
		}
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((unsigned short)port);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1) {
			snprintf(err, errlen, "invalid --listen '%s': '%s' is not an IPv4 address",
				 s, host);
			return -EINVAL;
		}
		a->sin_family = AF_INET;
		a->sin_port = htons((unsigned short)port);
		*len = sizeof(*a);
	}
	return 0;
}

static void defaults(struct daemon_opts *o)
{
	char unused[8];

	memset(o, 0, sizeof(*o));
	daemon_parse_listen(SC_DAEMON_DEFAULT_LISTEN, &o->listen, &o->listen_len,
			    unused, sizeof(unused));
	snprintf(o->listen_text, sizeof(o->listen_text), "%s", SC_DAEMON_DEFAULT_LISTEN);
	idle_policy_defaults(&o->policy);
	o->top_processes = SC_DAEMON_DEFAULT_TOP;
	o->events_rate = SC_DAEMON_DEFAULT_EVENT_RATE;
	o->interval_s = SC_DAEMON_DEFAULT_INTERVAL_S;
	o->reconcile_s = SC_DAEMON_DEFAULT_RECONCILE_S;
	o->health_s = SC_DAEMON_DEFAULT_HEALTH_S;
	sc_health_policy_default(&o->health);
	o->pin = true;
	o->socket_path = getenv("SOCKCOST_SOCKET") && getenv("SOCKCOST_SOCKET")[0]
				 ? getenv("SOCKCOST_SOCKET") : SC_SERVED_DEFAULT_SOCKET;
	/* The environment names another directory for tests and side-by-side daemons. */
	o->pin_dir = getenv("SOCKCOST_PIN_DIR") && getenv("SOCKCOST_PIN_DIR")[0]
			     ? getenv("SOCKCOST_PIN_DIR") : SC_PIN_DIR;
}

/* Long-only options: codes from 256, so args_getopt_error names them by word. */
enum {
	OPT_PIN = 256,
	OPT_NO_PIN,
	OPT_PIN_DIR,
	OPT_UNLOAD,
	OPT_EVENTS_RATE,
	OPT_OWN_NETNS,
	OPT_APP_LIMIT,
	OPT_APP_LIMITS,
	OPT_HEALTH_INTERVAL,
	OPT_SOCKET,
	OPT_NO_SOCKET,
	OPT_WEB_CONFIG,
	OPT_ENABLE_SNAPSHOT,
	OPT_REDACT_PEERS,
	OPT_POD_LOG_DIR,
	OPT_DOCKER_DIR,
	OPT_PODMAN_DIR,
};

enum args_result daemon_parse_args(int argc, char **argv, struct daemon_opts *o,
				   char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "top-processes", required_argument, NULL, 'k' },
		{ "idle-after", required_argument, NULL, 'a' },
		{ "heartbeat-bytes", required_argument, NULL, ARGS_OPT_HEARTBEAT },
		{ "events", required_argument, NULL, 'e' },
		{ "events-rate", required_argument, NULL, OPT_EVENTS_RATE },
		{ "interval", required_argument, NULL, 'i' },
		{ "reconcile-interval", required_argument, NULL, 'r' },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "no-socket", no_argument, NULL, OPT_NO_SOCKET },
		{ "pin", no_argument, NULL, OPT_PIN },
		{ "no-pin", no_argument, NULL, OPT_NO_PIN },
		{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
		{ "unload", no_argument, NULL, OPT_UNLOAD },
		{ "pod-log-dir", required_argument, NULL, OPT_POD_LOG_DIR },
		{ "docker-dir", required_argument, NULL, OPT_DOCKER_DIR },
		{ "podman-dir", required_argument, NULL, OPT_PODMAN_DIR },
		{ "user", required_argument, NULL, 'u' },
		{ "own-netns-only", no_argument, NULL, OPT_OWN_NETNS },
		{ "web.config.file", required_argument, NULL, OPT_WEB_CONFIG },
		{ "enable-snapshot", no_argument, NULL, OPT_ENABLE_SNAPSHOT },
		{ "redact-peers", no_argument, NULL, OPT_REDACT_PEERS },
		{ "app-limit", required_argument, NULL, OPT_APP_LIMIT },
		{ "app-limits", required_argument, NULL, OPT_APP_LIMITS },
		{ "health-interval", required_argument, NULL, OPT_HEALTH_INTERVAL },
		HEALTH_THRESHOLD_LONGOPTS,
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	unsigned long long n;
	double secs;
	int c;

	defaults(o);
	optind = 0; /* full reset: this parser may run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:k:a:H:b:e:i:r:u:vVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (daemon_parse_listen(optarg, &o->listen, &o->listen_len, err, errlen))
				return ARGS_ERROR;
			snprintf(o->listen_text, sizeof(o->listen_text), "%s", optarg);
			break;
		case 'k':
			if (parse_uint(optarg, 0, 10000, &n)) {
				snprintf(err, errlen, "invalid --top-processes '%s': expected 0-10000",
					 optarg);
				return ARGS_ERROR;
			}
			o->top_processes = (unsigned)n;
			break;
		case ARGS_OPT_IDLE_AFTER:
		case ARGS_OPT_HEARTBEAT:
		case ARGS_OPT_HEARTBEAT_OLD:
			if (parse_idle_option(c, optarg, &o->policy, &o->note, err, errlen))
				return ARGS_ERROR;
			break;
		case 'e':
			if (!optarg[0]) {
				snprintf(err, errlen, "invalid --events '': expected a file or '-'");
				return ARGS_ERROR;
			}
			o->events = optarg;
			break;
		case OPT_EVENTS_RATE:
			if (parse_seconds(optarg, 1e6, &secs) || secs <= 0) {
				snprintf(err, errlen, "invalid --events-rate '%s': expected events a "
					 "second, > 0", optarg);
				return ARGS_ERROR;
			}
			o->events_rate = secs;
			break;
		case 'i':
			if (parse_seconds(optarg, 3600, &secs) || secs < 1) {
				snprintf(err, errlen, "invalid --interval '%s': expected seconds, 1-3600",
					 optarg);
				return ARGS_ERROR;
			}
			o->interval_s = secs;
			break;
		case 'r':
			if (parse_seconds(optarg, 86400, &secs) || secs < 1) {
				snprintf(err, errlen, "invalid --reconcile-interval '%s': expected "
					 "seconds, 1-86400", optarg);
				return ARGS_ERROR;
			}
			o->reconcile_s = secs;
			break;
		case OPT_HEALTH_INTERVAL:
			if (parse_seconds(optarg, 86400, &secs) || secs < 1) {
				snprintf(err, errlen, "invalid --health-interval '%s': expected "
					 "seconds, 1-86400", optarg);
				return ARGS_ERROR;
			}
			o->health_s = secs;
			break;
		case ARGS_OPT_CLOSE_WAIT_AFTER:
		case ARGS_OPT_STALL_AFTER:
		case ARGS_OPT_NAT_TIMEOUT:
			if (parse_health_option(c, optarg, &o->health, NULL, err, errlen))
				return ARGS_ERROR;
			break;
		case OPT_SOCKET:
			if (optarg[0] != '/') {
				snprintf(err, errlen, "invalid --socket '%s': expected an absolute path",
					 optarg);
				return ARGS_ERROR;
			}
			o->socket_path = optarg;
			o->socket_given = true;
			break;
		case OPT_NO_SOCKET:
			o->socket_path = NULL;
			break;
		case OPT_PIN:
			o->pin = true;
			break;
		case OPT_NO_PIN:
			o->pin = false;
			break;
		case OPT_PIN_DIR:
			if (optarg[0] != '/') {
				snprintf(err, errlen, "invalid --pin-dir '%s': expected an absolute path",
					 optarg);
				return ARGS_ERROR;
			}
			o->pin_dir = optarg;
			break;
		case OPT_UNLOAD:
			o->unload = true;
			break;
		case OPT_POD_LOG_DIR:
		case OPT_DOCKER_DIR:
		case OPT_PODMAN_DIR:
			if (optarg[0] != '/') {
				snprintf(err, errlen, "invalid --%s '%s': expected an absolute path",
					 c == OPT_POD_LOG_DIR ? "pod-log-dir" :
					 c == OPT_DOCKER_DIR ? "docker-dir" : "podman-dir", optarg);
				return ARGS_ERROR;
			}
			*(c == OPT_POD_LOG_DIR ? &o->pod_log_dir :
			  c == OPT_DOCKER_DIR ? &o->docker_dir : &o->podman_dir) = optarg;
			break;
		case 'u':
			if (!optarg[0]) {
				snprintf(err, errlen, "invalid --user '': expected a user name");
				return ARGS_ERROR;
			}
			o->user = optarg;
			break;
		case OPT_OWN_NETNS:
			o->own_netns_only = true;
			break;
		case OPT_WEB_CONFIG:
			if (!optarg[0]) {
				snprintf(err, errlen, "invalid --web.config.file '': expected a file");
				return ARGS_ERROR;
			}
			o->web_config_file = optarg;
			break;
		case OPT_ENABLE_SNAPSHOT:
			o->enable_snapshot = true;
			break;
		case OPT_REDACT_PEERS:
			o->redact_peers = true;
			break;
		case OPT_APP_LIMIT:
			if (parse_app_limit_option(optarg, o->app_limits, &o->napp_limits,
						   SC_DAEMON_MAX_APP_LIMITS, err, errlen))
				return ARGS_ERROR;
			break;
		case OPT_APP_LIMITS:
			if (!optarg[0]) {
				snprintf(err, errlen, "invalid --app-limits '': expected a file");
				return ARGS_ERROR;
			}
			o->app_limits_file = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'V':
			o->version = true;
			return ARGS_OK;
		case 'h':
			return ARGS_HELP;
		default:
			return args_getopt_error(c, argv, err, errlen);
		}
	}
	if (args_no_operands(argc, argv, err, errlen) != ARGS_OK)
		return ARGS_ERROR;
	/* The daemon unlinks what it listens on: never a path relative to wherever it started. */
	if (!o->socket_given && o->socket_path && o->socket_path[0] != '/') {
		snprintf(err, errlen, "invalid $SOCKCOST_SOCKET '%s': expected an absolute path",
			 o->socket_path);
		return ARGS_ERROR;
	}
	if (o->redact_peers && !o->enable_snapshot) {
		snprintf(err, errlen, "--redact-peers applies to /snapshot.json: add "
			 "--enable-snapshot");
		return ARGS_ERROR;
	}
	if (o->unload && o->events) {
		snprintf(err, errlen, "--unload removes pinned state and exits: it takes no --events");
		return ARGS_ERROR;
	}
	return ARGS_OK;
}

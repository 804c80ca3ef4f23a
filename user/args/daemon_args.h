/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_DAEMON_ARGS_H
#define SC_DAEMON_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "app_limit.h"
#include "idle.h"
#include "defaults.h"
#include "args_common.h" /* enum args_result, parse_uint, parse_seconds, options */
#include "health_args.h"
#include "served_proto.h"

/* Not in the 9090-9999 blocks of Prometheus' default port allocations (see README). */
#define SC_DAEMON_DEFAULT_PORT 9098
#define SC_DAEMON_DEFAULT_LISTEN "127.0.0.1:9098"
#define SC_DAEMON_DEFAULT_TOP 20
#define SC_DAEMON_DEFAULT_EVENT_RATE 100
#define SC_DAEMON_MAX_APP_LIMITS 256

struct daemon_opts {
	struct sockaddr_storage listen;  /* AF_INET or AF_INET6, port set */
	socklen_t listen_len;
	char listen_text[64];            /* as given, for logs */
	struct sc_idle_policy policy;
	unsigned top_processes;          /* per-process series for the top K by connections */
	const char *user;                /* switch to this user after loading; NULL: stay */
	const char *events;              /* idle events to FILE or "-" (stdout); NULL: off */
	double events_rate;              /* events per second at most */
	double interval_s;               /* between refreshes of the gauges from changes */
	double reconcile_s;              /* between walks of every socket */
	double health_s;                 /* between health passes */
	struct sc_health_policy health;  /* their thresholds */
	bool pin;                        /* pin programs, links, maps under pin_dir */
	const char *pin_dir;
	const char *socket_path;         /* the snapshot table's unix socket; NULL: none */
	bool socket_given;               /* by --socket: another daemon there is an error */
	bool unload;                     /* remove the pinned state and exit */
	bool own_netns_only;             /* with enable_snapshot: drop every capability all the same */
	const char *web_config_file;     /* --web.config.file: TLS and basic auth; NULL: plain HTTP */
	bool enable_snapshot;            /* serve /snapshot.json (and keep the two capabilities) */
	bool redact_peers;               /* /snapshot.json without remote addresses */
	struct sc_app_limit app_limits[SC_DAEMON_MAX_APP_LIMITS]; /* --app-limit, in order */
	size_t napp_limits;
	const char *app_limits_file;     /* --app-limits FILE, read at start */
	/* Where the node keeps container names; NULL: $SOCKCOST_*_DIR, else the default. */
	const char *pod_log_dir;
	const char *docker_dir;
	const char *podman_dir;
	bool verbose;
	bool version;
	const char *note;                /* one line for stderr (a deprecated spelling), or NULL */
};

/*
 * Parses ADDR:PORT, [IPV6]:PORT (numeric addresses only). Returns 0, or -1
 * with a reason in err.
 */
int daemon_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
			char *err, size_t errlen);

/* Parses sockcostd's arguments (argv[0] is the program). Prints nothing. */
enum args_result daemon_parse_args(int argc, char **argv, struct daemon_opts *o,
				   char *err, size_t errlen);

extern const char daemon_usage[];

#endif /* SC_DAEMON_ARGS_H */

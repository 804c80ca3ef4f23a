// SPDX-License-Identifier: GPL-2.0
/*
 * sockcostd: loads the sockcost BPF programs once and serves Prometheus
 * metrics and snapshots over HTTP. main() is a ladder of setup steps,
 * unwound in reverse.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "daemon.h"
#include "daemon_args.h"
#include "collector.h"
#include "idle_event_log.h"
#include "pin.h"
#include "privileges.h"
#include "http_server.h"
#include "log.h"
#include "names.h"
#include "tracker.h"
#include "version.h"

/* HTTP limits: scrapes are small requests from a handful of clients. */
#define HTTP_THREADS 4
#define HTTP_MAX_CONNECTIONS 512
#define HTTP_TIMEOUT_S 15
#define HTTP_MEMORY_LIMIT (32 * 1024)  /* request line + headers; 431 past it */

static int block_signals(sigset_t *set)
{
	/* Blocked before any thread starts, so only the main loop takes them. */
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	int err = pthread_sigmask(SIG_BLOCK, set, NULL);

	return err ? sc_fail(err, "cannot block signals: %s", strerror(err)) : 0;
}

/* Until SIGINT or SIGTERM: the walker and HTTP threads do the work. */
static void run(const sigset_t *set)
{
	int sig;

	for (;;) {
		sig = sigwaitinfo(set, NULL);
		if (sig == SIGINT || sig == SIGTERM) {
			sc_info("%s: stopping", strsignal(sig));
			return;
		}
		if (sig == SIGHUP)
			sc_info("SIGHUP ignored: nothing to reload");
	}
}

static int serve(const struct daemon_opts *o)
{
	struct sc_tracker_opts topts = { .heartbeat_bytes = o->policy.heartbeat_bytes,
					 .live_counters = true,
					 .pin_mode = o->pin ? SC_PIN_OWN : SC_PIN_NONE,
					 .pin_dir = o->pin_dir };
	struct sc_collector_opts copts = { .policy = o->policy, .interval_s = o->interval_s };
	struct daemon_user user;
	struct daemon d = { .policy = o->policy, .top_processes = o->top_processes,
			    .interval_s = o->interval_s };
	struct sc_events *events = NULL;
	FILE *events_out = NULL;
	struct sc_tracker *t = NULL;
	struct http_server *http = NULL;
	sigset_t set;
	int listen_fd, ret = SC_EXIT_RUNTIME;

	if (o->user && daemon_lookup_user(o->user, &user))
		return SC_EXIT_RUNTIME;
	if (block_signals(&set) || daemon_init(&d))
		return SC_EXIT_RUNTIME;
	listen_fd = http_listen((const struct sockaddr *)&o->listen, o->listen_len,
				o->listen_text);
	if (listen_fd < 0)
		goto out_daemon;
	if (o->events) {
		events = sc_event_log_open(o->events, o->events_rate, &events_out);
		if (!events)
			goto out_listen;
	}
	t = sc_tracker_open(&topts);
	if (!t)
		goto out_events;
	d.tracker = t;
	if (daemon_drop_privileges(o->user ? &user : NULL, !o->own_netns_only))
		goto out_tracker;
	/* After the drop: the walker thread starts with the reduced capabilities. */
	copts.events = events;
	d.collector = sc_collector_start(t, &copts);
	if (!d.collector)
		goto out_tracker;
	http = http_server_start(&(struct http_server_opts){
		.listen_fd = listen_fd, .threads = HTTP_THREADS,
		.max_connections = HTTP_MAX_CONNECTIONS, .timeout_s = HTTP_TIMEOUT_S,
		.memory_limit = HTTP_MEMORY_LIMIT,
		.routes = daemon_routes, .nroutes = daemon_nroutes, .ctx = &d });
	listen_fd = -1; /* the server owns it now, started or not */
	if (!http)
		goto out_collector;
	sc_info("serving http://%s/metrics (activity hook: %s%s%s)", o->listen_text,
		sc_hook_name(sc_tracker_hook(t)), o->user ? ", user " : "",
		o->user ? o->user : "");
	run(&set);
	ret = 0;

	http_server_stop(http);
	if (!daemon_wait_snapshot(&d, 10))
		sc_warn("a /snapshot.json still streaming at exit was cut short");
out_collector:
	sc_collector_stop(d.collector);
out_tracker:
	/* A snapshot still streaming holds no tracker reference: it was taken whole. */
	sc_tracker_close(t);
out_events:
	sc_event_log_close(events, events_out);
out_listen:
	if (listen_fd >= 0)
		close(listen_fd);
out_daemon:
	daemon_fini(&d);
	return ret;
}

int main(int argc, char **argv)
{
	struct daemon_opts o;
	char err[256];

	switch (daemon_parse_args(argc, argv, &o, err, sizeof(err))) {
	case ARGS_HELP:
		fputs(daemon_usage, stdout);
		return 0;
	case ARGS_ERROR:
		fprintf(stderr, "sockcostd: %s\n", err);
		return SC_EXIT_USAGE;
	case ARGS_OK:
		break;
	}
	if (o.version) {
		printf("sockcostd %s (BPF ABI %u)\n", SOCKCOST_VERSION, SC_ABI_VERSION);
		return 0;
	}
	sc_log_init("sockcostd", o.verbose);
	if (o.unload)
		return sc_pin_unload(o.pin_dir) ? SC_EXIT_RUNTIME : 0;
	return serve(&o);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * sockcostd: loads the sockcost BPF programs once and serves Prometheus
 * metrics and snapshots over HTTP. main() is a ladder of setup steps,
 * unwound in reverse.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "big_alloc.h"
#include "common.h"
#include "daemon.h"
#include "daemon_args.h"
#include "collector.h"
#include "idle_event_log.h"
#include "pin.h"
#include "privileges.h"
#include "slab.h"
#include "slab_read.h"
#include "config_file.h"
#include "table_server.h"
#include "http_server.h"
#include "log.h"
#include "names.h"
#include "tracker.h"
#include "version.h"
#include "walk.h"
#include "web_security.h"

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

/* Until SIGINT or SIGTERM: the collector and HTTP threads do the work. */
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

/* Slab objects of one held IPv4 connection: the kernel part of a connection's cost. */
static double kernel_fixed_bytes(void)
{
	struct sc_socket_shape shape = { .family = AF_INET, .state = TCP_ESTABLISHED,
					 .has_file = true };
	struct sc_slab_sizes slab;

	if (sc_slab_sizes_read(&slab))
		sc_debug("some slab object sizes are unknown: capacity by memory counts them as 0");
	return (double)sc_slab_socket_fixed(&slab, &shape);
}

/*
 * --app-limits FILE, appended to the --app-limit ones. Returns 0, -EINVAL
 * for a bad line (a usage error), or another negative errno (I/O); logs one line.
 */
static int read_app_limits(struct daemon_opts *o)
{
	unsigned bad = 0;
	char *text;
	size_t len;
	int err;

	err = sc_read_config_file(o->app_limits_file, (64 << 10) - 1, &text, &len);
	if (err)
		return sc_fail(-err, "cannot read --app-limits %s: %s",
			       o->app_limits_file,
			       err == -EFBIG ? "larger than 64 KiB" : strerror(-err));
	if (strlen(text) != len)
		err = sc_fail(EINVAL, "%s: a NUL byte: not a text file", o->app_limits_file);
	else
		err = sc_app_limits_parse_text(text, o->app_limits, SC_DAEMON_MAX_APP_LIMITS,
					       &o->napp_limits, &bad);
	free(text);
	if (err == -ENOSPC)
		return sc_fail(EINVAL, "%s:%u: more than %d application limits",
			       o->app_limits_file, bad, SC_DAEMON_MAX_APP_LIMITS);
	if (err && bad)
		return sc_fail(EINVAL, "%s:%u: expected COMM=N or PID=N (a command name of at "
			       "most 15 bytes, or a pid; N >= 1)", o->app_limits_file, bad);
	return err;
}

/* The options' directories over the environment's and the defaults. */
static int container_dirs(const struct daemon_opts *o, struct sc_container_dirs *d)
{
	sc_container_dirs_default(d);
	if (o->pod_log_dir && sc_container_dirs_set_pod_logs(d, o->pod_log_dir))
		return sc_fail(ENAMETOOLONG, "--pod-log-dir: path too long");
	if (o->docker_dir && (size_t)snprintf(d->docker, sizeof(d->docker), "%s", o->docker_dir) >=
				     sizeof(d->docker))
		return sc_fail(ENAMETOOLONG, "--docker-dir: path too long");
	if (o->podman_dir && (size_t)snprintf(d->podman, sizeof(d->podman), "%s", o->podman_dir) >=
				     sizeof(d->podman))
		return sc_fail(ENAMETOOLONG, "--podman-dir: path too long");
	/* /snapshot.json's walks read the environment (snapshot_take.c): the same names. Before
	 * any thread starts. */
	if (setenv("SOCKCOST_POD_LOG_DIR", d->pod_logs, 1) ||
	    setenv("SOCKCOST_DOCKER_DIR", d->docker, 1) ||
	    setenv("SOCKCOST_PODMAN_DIR", d->podman, 1))
		return sc_fail(errno, "cannot set the container name directories: %s",
			       strerror(errno));
	return 0;
}

/* One walk, thrown away: what it leaves in the kernel is the point. */
static int prime_other_netns(const struct sc_tracker *t, const struct sc_idle_policy *policy)
{
	struct sc_walk w;
	int err = sc_walk_take(&w, t, policy);

	if (!err)
		sc_walk_free(&w);
	return err;
}

static int serve(const struct daemon_opts *o, struct web_security *sec)
{
	struct sc_tracker_opts topts = { .heartbeat_bytes = o->policy.heartbeat_bytes,
					 .live_counters = true,
					 .pin_mode = o->pin ? SC_PIN_OWN : SC_PIN_NONE,
					 .pin_dir = o->pin_dir };
	struct sc_collector_opts copts = {
		.policy = o->policy, .interval_s = o->interval_s, .reconcile_s = o->reconcile_s,
		.health_s = o->health_s, .health = o->health,
		.top_processes = o->top_processes,
		.costs = { .app_limits = o->app_limits, .napp_limits = o->napp_limits,
			   .kernel_fixed_bytes = kernel_fixed_bytes() },
	};
	struct daemon_user user;
	struct daemon d = { .policy = o->policy, .health = o->health,
			    .top_processes = o->top_processes,
			    .interval_s = o->interval_s, .reconcile_s = o->reconcile_s,
			    .enable_snapshot = o->enable_snapshot, .redact_peers = o->redact_peers };
	struct sc_events *events = NULL;
	FILE *events_out = NULL;
	struct sc_tracker *t = NULL;
	struct http_server *http = NULL;
	struct table_server *table = NULL;
	sigset_t set;
	int listen_fd, ret = SC_EXIT_RUNTIME;

	if (o->user && daemon_lookup_user(o->user, &user))
		return SC_EXIT_RUNTIME;
	if (container_dirs(o, &copts.containers))
		return SC_EXIT_USAGE;
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
	/* After the load (whose failure for want of root is the clearer one),
	 * before the privileges go: the socket's directory is root's. */
	if (o->socket_path) {
		table = table_server_listen(o->socket_path, o->socket_given);
		if (!table && (errno != EADDRINUSE || o->socket_given))
			goto out_tracker;
	}
	/*
	 * Under --own-netns-only later walks cannot enter other namespaces: one
	 * walk now, still privileged, gives every socket there its cookie and
	 * watch state (and old listeners their owners), so the change reports
	 * of those sockets find the records later walks make of them.
	 */
	if (o->own_netns_only && prime_other_netns(t, &o->policy))
		goto out_tracker;
	/*
	 * The walks read the watch state of sockets in other namespaces from
	 * there (walk_join.h says why): setns stays (see README, Privileges).
	 */
	if (daemon_drop_privileges(o->user ? &user : NULL,
				   o->own_netns_only ? DAEMON_KEEP_NONE : DAEMON_KEEP_NETNS))
		goto out_tracker;
	/* Answering at once: a CLI asking during the first walk walks itself. */
	if (table && table_server_start(table, &d))
		goto out_tracker;
	/* After the drop: the collector thread starts with the reduced capabilities. */
	copts.events = events;
	d.collector = sc_collector_start(t, &copts);
	if (!d.collector)
		goto out_tracker;
	if (table)
		table_server_ready(table, d.collector);
	http = http_server_start(&(struct http_server_opts){
		.listen_fd = listen_fd, .threads = HTTP_THREADS,
		.max_connections = HTTP_MAX_CONNECTIONS, .timeout_s = HTTP_TIMEOUT_S,
		.memory_limit = HTTP_MEMORY_LIMIT,
		.routes = daemon_routes, .nroutes = daemon_nroutes, .ctx = &d,
		.security = sec });
	listen_fd = -1; /* the server owns it now, started or not */
	if (!http)
		goto out_collector;
	/* libmicrohttpd parsed the certificate and key at start; no copy of the key stays here. */
	if (sec)
		web_security_forget_pem(sec);
	sc_info("serving http%s://%s/metrics%s%s (activity hook: %s%s%s)",
		sec && sec->cfg.tls ? "s" : "", o->listen_text,
		sec && sec->cfg.nusers ? ", basic auth" : "",
		o->enable_snapshot ? (o->redact_peers ? ", /snapshot.json without peers" :
				      ", /snapshot.json") : "",
		sc_hook_name(sc_tracker_hook(t)), o->user ? ", user " : "",
		o->user ? o->user : "");
	if (table)
		sc_info("serving sockcost snapshot's table on %s", o->socket_path);
	run(&set);
	ret = 0;

	http_server_stop(http);
	if (!daemon_wait_snapshot(&d, 10))
		sc_warn("a /snapshot.json still streaming at exit was cut short");
out_collector:
	/* Before the collector it asks. */
	table_server_stop(table);
	table = NULL;
	sc_collector_stop(d.collector);
out_tracker:
	table_server_stop(table);
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
	struct web_security sec;
	char err[256];
	int ret;

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
	if (o.note)
		sc_warn("%s", o.note);
	if (o.app_limits_file) {
		int err = read_app_limits(&o);

		if (err)
			return err == -EINVAL ? SC_EXIT_USAGE : SC_EXIT_RUNTIME;
	}
	if (o.unload)
		return sc_pin_unload(o.pin_dir) ? SC_EXIT_RUNTIME : 0;
	/* Walks free arrays of a record per socket: they go back, not into the heap. */
	sc_big_alloc_long_running();
	if (!o.web_config_file)
		return serve(&o, NULL);
	/* Before loading anything: a config error refuses the start at once. */
	ret = web_security_load(o.web_config_file, &sec);
	if (ret)
		return ret == -EINVAL ? SC_EXIT_USAGE : SC_EXIT_RUNTIME;
	ret = serve(&o, &sec);
	web_security_free(&sec);
	return ret;
}

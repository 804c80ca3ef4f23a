// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "big_alloc.h"
#include "common.h"
#include "clock.h"
#include "commands.h"
#include "log.h"
#include "snapshot_take.h"
#include "snapshot_text.h"
#include "snapshot.h"
#include "snapshot_args.h"
#include "snapshot_json.h"
#include "open_tracker.h"
#include "policy_text.h"
#include "view.h"

static volatile sig_atomic_t stop_observing;

static void on_interrupt(int sig)
{
	(void)sig;
	stop_observing = 1;
}

/* Watches activity for secs; Ctrl-C ends the watch early and still reports. */
static void observe(double secs)
{
	struct sigaction sa = { .sa_handler = on_interrupt }, old_int, old_term;
	struct timespec left = { .tv_sec = (time_t)secs,
				 .tv_nsec = (long)((secs - floor(secs)) * 1e9) };

	if (secs <= 0)
		return;
	sc_info("watching activity for %.1fs (Ctrl-C reports early)", secs);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (!stop_observing && nanosleep(&left, &left))
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
}

/* A heartbeat threshold the counts cannot honour yet is said, not silently dropped. */
static void warn_heartbeat_watch(const struct sc_view *v)
{
	const struct sc_snapshot *snap = v->snap;
	struct sc_heartbeat_watch w = sc_heartbeat_watch(&v->policy, snap->hook != SC_HOOK_NONE,
							 snap->config.attached_ns, snap->taken_ns);
	char line[512];

	if (sc_heartbeat_watch_warning(&v->policy, &w, line, sizeof(line)))
		sc_warn("%s", line);
}

int cmd_snapshot(int argc, char **argv)
{
	struct snapshot_opts o;
	struct sc_tracker *t = NULL;
	struct sc_snapshot *snap = NULL;
	struct sc_view view;
	char err[256];
	double t0;
	int ret = SC_EXIT_RUNTIME;

	switch (snapshot_parse_args(argc, argv, &o, err, sizeof(err))) {
	case ARGS_HELP:
		snapshot_print_usage(stdout);
		return 0;
	case ARGS_ERROR:
		fprintf(stderr, "sockcost snapshot: %s\n", err);
		return SC_EXIT_USAGE;
	case ARGS_OK:
		break;
	}
	if (o.verbose)
		sc_log_init("sockcost", true);
	if (o.note)
		sc_warn("%s", o.note);

	t0 = ((double)sc_mono_ns() / 1e6);
	/* Live counters only mean something over a watched interval. */
	t = cmd_open_tracker(&o.policy, o.observe_s > 0);
	if (!t)
		return SC_EXIT_RUNTIME;
	sc_debug("load and attach: %.1f ms", ((double)sc_mono_ns() / 1e6) - t0);
	/* After the load: libbpf parses kernel BTF twice, the second time in the first's memory. */
	sc_big_alloc_one_shot();
	observe(o.observe_s);
	snap = sc_snapshot_take(t, &(struct sc_take_scope){ .pid = o.filter.pid,
							    .port = o.filter.port });
	if (!snap)
		goto out;
	t0 = ((double)sc_mono_ns() / 1e6);
	if (sc_view_build(&view, snap, &o.policy, &o.filter)) {
		sc_err("out of memory");
		goto out;
	}
	view.socket_fields = o.fields;
	warn_heartbeat_watch(&view);
	sc_debug("view: %.1f ms", ((double)sc_mono_ns() / 1e6) - t0);
	t0 = ((double)sc_mono_ns() / 1e6);
	if (o.json)
		sc_view_write_json(&view, stdout);
	else
		render_table_by(&view, o.by, o.sockets, stdout);
	sc_view_free(&view);
	sc_debug("output: %.1f ms", ((double)sc_mono_ns() / 1e6) - t0);
	if (fflush(stdout) || ferror(stdout))
		sc_err("cannot write output: %s", strerror(errno));
	else
		ret = 0;
out:
	sc_snapshot_free(snap);
	sc_tracker_close(t);
	return ret;
}

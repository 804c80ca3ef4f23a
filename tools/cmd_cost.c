// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "clock.h"
#include "commands.h"
#include "cost.h"
#include "cost_args.h"
#include "cost_json.h"
#include "epoll_read.h"
#include "epoll_watch.h"
#include "estimates.h"
#include "fd_trend.h"
#include "host_limits.h"
#include "log.h"
#include "managed.h"
#include "marginal.h"
#include "proc_mem.h"
#include "proc_stat.h"
#include "cost_text.h"
#include "slab.h"
#include "slab_read.h"
#include "snapshot.h"
#include "snapshot_take.h"
#include "summary.h"
#include "summary_collect.h"
#include "open_tracker.h"
#include "policy_text.h"
#include "view.h"

/* Private memory against connection count of one process, sampled while observing. */
struct rss_track {
	__u32 pid;
	struct sc_marginal m;
};

struct rss_tracks {
	struct rss_track *t;
	size_t n, cap;
	/* Traffic while observing: kernel counters at both ends, connections in scope sampled. */
	struct sc_counters c0, c1;
	__u64 t0_ns, t1_ns;
	double conn_sum;
	size_t conn_samples;
	struct sc_fd_trends fds;  /* each process's open fds, for the FD ETA */
};

static volatile sig_atomic_t stop_observing;

static void on_interrupt(int sig)
{
	(void)sig;
	stop_observing = 1;
}

static struct rss_track *track_of(struct rss_tracks *ts, __u32 pid)
{
	struct rss_track *bigger;
	size_t i;

	for (i = 0; i < ts->n; i++)
		if (ts->t[i].pid == pid)
			return &ts->t[i];
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 16;

		bigger = realloc(ts->t, cap * sizeof(*bigger));
		if (!bigger)
			return NULL;
		ts->t = bigger;
		ts->cap = cap;
	}
	memset(&ts->t[ts->n], 0, sizeof(ts->t[0]));
	ts->t[ts->n].pid = pid;
	return &ts->t[ts->n++];
}

/* Connections in the report's scope: the host's, a listening port's or a process's. */
static __u64 scope_connections(const struct sc_summary *s, const struct cost_opts *o)
{
	__u64 n = 0;
	size_t i;

	if (o->filter.pid) {
		for (i = 0; i < s->nprocs; i++)
			if (s->procs[i].pid == o->filter.pid)
				n = s->procs[i].connections;
		return n;
	}
	if (o->filter.port >= 0) {
		for (i = 0; i < s->nports; i++)
			if (s->ports[i].port == o->filter.port)
				n += s->ports[i].connections;
		return n;
	}
	return s->connections;
}

/* Open fds of a process of the summary, keyed by its start time (a reused pid starts anew). */
static void sample_fds(struct sc_fd_trends *fds, const struct sc_summary_proc *p, __u64 t_ns)
{
	__u64 start;

	/* Gone since the walk: no sample. Out of memory: fewer samples, said as such. */
	if (p->fds == SC_FDS_UNKNOWN || sc_proc_start_ticks(p->pid, &start))
		return;
	if (sc_fd_trends_add(fds, p->pid, start, t_ns, p->fds, p->fd_limit))
		sc_debug("out of memory for fd samples of pid %u", p->pid);
}

/*
 * One sample per process holding TCP sockets (or only pid): open fds, and
 * for those holding connections, private memory and connections.
 */
static void sample(const struct sc_tracker *t, const struct cost_opts *o, struct rss_tracks *ts)
{
	struct sc_summary s = {};
	struct sc_proc_mem mem;
	struct rss_track *tr;
	size_t i;

	if (sc_summary_collect(&s, t, &o->policy))
		return;
	ts->conn_sum += (double)scope_connections(&s, o);
	ts->conn_samples++;
	for (i = 0; i < s.nprocs; i++) {
		if (o->filter.pid && s.procs[i].pid != o->filter.pid)
			continue;
		sample_fds(&ts->fds, &s.procs[i], s.taken_ns);
		if (!s.procs[i].connections || sc_proc_mem_read(s.procs[i].pid, &mem))
			continue;
		tr = track_of(ts, s.procs[i].pid);
		if (tr)
			sc_marginal_add(&tr->m, s.procs[i].connections, mem.private_bytes);
	}
	sc_summary_free(&s);
}

/* Watches for secs, sampling about once a second; Ctrl-C ends early. Returns seconds watched. */
static double observe(const struct sc_tracker *t, const struct cost_opts *o,
		      struct rss_tracks *ts)
{
	struct sigaction sa = { .sa_handler = on_interrupt }, old_int, old_term;
	double start = ((double)sc_mono_ns() / 1e9), end = start + o->observe_s, next = start, now;

	if (o->observe_s <= 0)
		return 0;
	sc_info("watching activity and sampling memory for %.1fs (Ctrl-C reports early)",
		o->observe_s);
	sigemptyset(&sa.sa_mask);
	if (!sc_tracker_read_counters(t, &ts->c0))
		ts->t0_ns = sc_mono_ns();
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (!stop_observing && (now = ((double)sc_mono_ns() / 1e9)) < end) {
		double wait;
		struct timespec ts_wait;

		if (now >= next) {
			sample(t, o, ts);
			next += 1.0;
			continue;
		}
		wait = fmin(next, end) - now;
		ts_wait.tv_sec = (time_t)wait;
		ts_wait.tv_nsec = (long)((wait - floor(wait)) * 1e9);
		nanosleep(&ts_wait, NULL);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sc_fd_trends_sort(&ts->fds);
	if (ts->t0_ns && !sc_tracker_read_counters(t, &ts->c1))
		ts->t1_ns = sc_mono_ns();
	return ((double)sc_mono_ns() / 1e9) - start;
}

static int cmp_input(const void *a, const void *b)
{
	const struct sc_cost_proc_input *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* What the report needs measured about each process of the view. */
/* What sockcostd learned across its walks, where this run did not watch long enough. */
static void daemon_estimate(const struct sc_tracker *t, struct sc_cost_proc_input *in)
{
	if (in->has_marginal || !sc_estimates_read(t, in->pid, &in->marginal))
		return;
	in->has_marginal = true;
	in->marginal_from_daemon = true;
}

/*
 * When p's fds reach its limit: its samples while observing and the count
 * of the report's snapshot as the newest, so the time is from now. Without
 * a watch, only whether it is at its limit now: growth is never guessed.
 */
static void fd_eta(struct sc_fd_trends *fds, const struct sc_process *p, __u64 taken_ns,
		   bool observed, struct sc_fd_eta *e)
{
	struct sc_fd_sample one = { taken_ns, p->fds };
	struct sc_fd_trend now = { .pid = p->pid, .fd_limit = p->fd_limit, .s = &one, .n = 1 };
	__u64 start;

	if (p->fds == SC_FDS_UNKNOWN) {
		sc_fd_trend_eta(NULL, e);
		return;
	}
	if (observed && !sc_proc_start_ticks(p->pid, &start) &&
	    !sc_fd_trends_add(fds, p->pid, start, taken_ns, p->fds, p->fd_limit)) {
		sc_fd_trend_eta(sc_fd_trends_find(fds, p->pid, start), e);
		return;
	}
	sc_fd_trend_eta(&now, e);
	if (e->why == SC_FD_ETA_FEW_SAMPLES)
		e->why = SC_FD_ETA_NOT_WATCHED;
}

static struct sc_cost_proc_input *measure(const struct sc_tracker *t, const struct sc_view *v,
					  struct rss_tracks *ts, const struct cost_opts *o,
					  struct sc_inode_set *epoll)
{
	struct sc_cost_proc_input *in = calloc(v->nprocs ? v->nprocs : 1, sizeof(*in));
	size_t i, j;

	if (!in)
		return NULL;
	for (i = 0; i < v->nprocs; i++) {
		const struct sc_process *p = v->procs[i].process;
		const struct sc_app_limit *app;
		__u64 max;

		in[i].pid = p->pid;
		/* Gone, a zombie or unreadable: unknown (null), never an error. */
		in[i].has_mem = !sc_proc_mem_read(p->pid, &in[i].mem);
		in[i].marginal.why = o->observe_s > 0 ? SC_MARGINAL_FEW_SAMPLES : SC_MARGINAL_NOT_WATCHED;
		for (j = 0; j < ts->n; j++)
			if (ts->t[j].pid == p->pid)
				in[i].has_marginal = sc_marginal_estimate(&ts->t[j].m, &in[i].marginal);
		daemon_estimate(t, &in[i]);
		fd_eta(&ts->fds, p, v->snap->taken_ns, o->observe_s > 0, &in[i].fd_eta);
		app = sc_app_limit_find(o->app_limits, o->napp_limits, p->pid, p->comm);
		if (app) {
			in[i].has_app_limit = true;
			in[i].app_limit = app->connections;
		}
		if (!sc_cgroup_memory_max(p->cgroup, &max) &&
		    !sc_cgroup_memory_current(p->cgroup, &in[i].memory_current_bytes)) {
			in[i].has_memory_limit = true;
			in[i].memory_max_bytes = max;
		}
		if (sc_epoll_watched_by_pid(p->pid, epoll) == -ENOMEM) {
			free(in);
			return NULL;
		}
	}
	sc_inode_set_seal(epoll);
	qsort(in, v->nprocs, sizeof(*in), cmp_input);
	return in;
}

struct snap_scope {
	__u64 attached_ns;     /* when the programs were attached (CLOCK_MONOTONIC) */
	__u64 connections;     /* in the report's scope, now */
	bool whole_host;
};

/*
 * Traffic rates for the managed bill: over the observation when there was
 * one; else since sockcostd attached its programs, from their counters.
 * Messages are counted per host; connections in the report's scope.
 */
static bool traffic_rates(const struct sc_tracker *t, const struct snap_scope *sc,
			  const struct rss_tracks *ts, double observe_s, struct sc_traffic_rates *r,
			  const char **source, const char **why)
{
	struct sc_counters now;
	__u64 now_ns;

	*why = SC_MANAGED_NO_RATES;
	if (observe_s > 0 && (!ts->t0_ns || !ts->t1_ns))
		*why = "the kernel's counters could not be read around the watch (see --verbose)";
	else if (observe_s > 0 && !ts->conn_samples)
		*why = "the watch ended before its first sample of the connections";
	if (ts->t1_ns && ts->conn_samples) {
		sc_traffic_rates(&ts->c0, ts->t0_ns, &ts->c1, ts->t1_ns, r);
		r->connections = ts->conn_sum / (double)ts->conn_samples;
		*source = "observed";
		*why = "the watch lasted no measurable time";
		return r->seconds > 0;
	}
	/* The watch gave nothing: sockcostd's counters may, else say why the watch did not. */
	if (!sc_tracker_uses_pinned(t))
		return false;
	if (sc_tracker_read_counters(t, &now)) {
		*why = "sockcostd's counters could not be read (see --verbose)";
		return false;
	}
	now_ns = sc_mono_ns();
	if (!sc->attached_ns || now_ns <= sc->attached_ns) {
		*why = "sockcostd's programs give no attach time to measure rates over";
		return false;
	}
	memset(r, 0, sizeof(*r));
	r->seconds = (double)(now_ns - sc->attached_ns) / 1e9;
	r->messages_per_s = (double)(now.messages[0] + now.messages[1]) / r->seconds;
	/* Scoped reports take the connections held now: the counters are the host's. */
	r->connections = sc->whole_host ? sc_connection_seconds(&now, now_ns) / r->seconds
					: (double)sc->connections;
	*source = "sockcostd";
	return true;
}

static int report(const struct sc_tracker *t, const struct sc_snapshot *snap,
		  const struct cost_opts *o, struct rss_tracks *ts, double observed_s)
{
	struct sc_slab_sizes slab;
	struct sc_cost_host_input host;
	struct sc_inode_set epoll = {};
	struct sc_cost_proc_input *in = NULL;
	struct sc_cost_report r = {};
	struct sc_cost_doc doc;
	struct sc_view view;
	char line[512];
	int ret = SC_EXIT_RUNTIME;

	if (sc_slab_sizes_read(&slab))
		sc_warn("some slab object sizes are unknown (0 B): see --verbose");
	if (sc_view_build(&view, snap, &o->policy, &o->filter)) {
		sc_err("out of memory");
		return SC_EXIT_RUNTIME;
	}
	in = measure(t, &view, ts, o, &epoll);
	sc_host_limits_read(&host);
	if (!in || sc_cost_build(&r, &view, &(struct sc_cost_inputs){
			.slab = &slab, .epoll = &epoll, .procs = in, .nprocs = view.nprocs,
			.host = &host, .whatif_s = o->whatif_s, .nwhatif = o->nwhatif })) {
		sc_err("out of memory");
		goto out;
	}
	doc = (struct sc_cost_doc){
		.report = &r, .slab = &slab, .pid = o->filter.pid, .port = o->filter.port,
		.observed_s = observed_s, .has_price = o->has_price, .ram_price = o->ram_price,
		.policy = o->policy,
		.watch = sc_heartbeat_watch(&o->policy, snap->hook != SC_HOOK_NONE,
					    snap->config.attached_ns, snap->taken_ns),
	};
	if (sc_heartbeat_watch_warning(&doc.policy, &doc.watch, line, sizeof(line)))
		sc_warn("%s", line);
	if (o->managed.has_messages || o->managed.has_connection_minutes) {
		struct snap_scope sc = {
			.attached_ns = snap->config.attached_ns, .connections = r.connections,
			.whole_host = !o->filter.pid && o->filter.port < 0,
		};

		doc.managed = &o->managed;
		doc.has_rates = traffic_rates(t, &sc, ts, observed_s, &doc.rates, &doc.rates_source,
					      &doc.rates_why);
	}
	if (o->json)
		sc_cost_write_json(&doc, stdout);
	else
		render_cost(&doc, stdout);
	if (fflush(stdout) || ferror(stdout))
		sc_err("cannot write output: %s", strerror(errno));
	else
		ret = 0;
out:
	sc_cost_free(&r);
	free(in);
	sc_inode_set_free(&epoll);
	sc_view_free(&view);
	return ret;
}

int cmd_cost(int argc, char **argv)
{
	struct cost_opts o;
	struct sc_tracker *t;
	struct sc_snapshot *snap;
	struct rss_tracks ts = {};
	char err[256];
	double observed;
	int ret = SC_EXIT_RUNTIME;

	switch (cost_parse_args(argc, argv, &o, err, sizeof(err))) {
	case ARGS_HELP:
		fputs(cost_usage, stdout);
		return 0;
	case ARGS_ERROR:
		fprintf(stderr, "sockcost cost: %s\n", err);
		return SC_EXIT_USAGE;
	case ARGS_OK:
		break;
	}
	if (o.verbose)
		sc_log_init("sockcost", true);
	if (o.note)
		sc_warn("%s", o.note);
	t = cmd_open_tracker(&o.policy, o.observe_s > 0);
	if (!t)
		return SC_EXIT_RUNTIME;
	/*
	 * The whole watch and the report's snapshot after it: nothing observed
	 * is evicted, and a watch under 30 s keeps every once-a-second sample.
	 */
	sc_fd_trends_init(&ts.fds, o.observe_s + 30);
	observed = observe(t, &o, &ts);
	snap = sc_snapshot_take(t, &(struct sc_take_scope){ .pid = o.filter.pid,
							    .port = o.filter.port, .cost_inputs = true,
							    .no_storage_count = true });
	if (snap)
		ret = report(t, snap, &o, &ts, observed);
	sc_snapshot_free(snap);
	sc_tracker_close(t);
	free(ts.t);
	sc_fd_trends_free(&ts.fds);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "common.h"
#include "defaults.h"
#include "estimates.h"
#include "collector.h"
#include "idle_event_log.h"
#include "log.h"
#include "summary_collect.h"
#include "tracker.h"
#include "walk.h"

struct sc_collector {
	const struct sc_tracker *t;
	struct sc_collector_opts opts;
	pthread_t thread;
	pthread_mutex_t lock;       /* guards latest, stats, stop */
	pthread_cond_t wake;
	bool stop;
	struct sc_summary latest;
	struct sc_proc_cost *costs;  /* of latest.procs[0 .. ncosts) */
	size_t ncosts;
	struct sc_collector_stats stats;
	struct sc_mem_history history; /* the walker's own */
};

struct pid_estimate {
	__u32 pid;
	struct sc_estimate e;
};

static int cmp_pid_estimate(const void *a, const void *b)
{
	const struct pid_estimate *x = a, *y = b;

	return CMP(x->pid, y->pid);
}

/* The marginal estimates, pinned for `sockcost cost` and `top` to use (estimates.h). */
static void share_estimates(struct sc_collector *c, const struct sc_summary *s,
			    const struct sc_proc_cost *costs, size_t n)
{
	struct pid_estimate *pe = calloc(n ? n : 1, sizeof(*pe));
	struct sc_estimate *e = calloc(n ? n : 1, sizeof(*e));
	__u32 *pids = calloc(n ? n : 1, sizeof(*pids));
	size_t i, k = 0;

	for (i = 0; pe && e && pids && i < n; i++) {
		if (!costs[i].has_marginal)
			continue;
		pe[k].pid = s->procs[i].pid;
		pe[k++].e = (struct sc_estimate){
			.marginal_bytes = (__s64)costs[i].marginal.bytes,
			.spread_bytes = (__u64)costs[i].marginal.spread,
			.samples = (__u32)costs[i].marginal.samples,
			.connections = s->procs[i].connections,
		};
	}
	if (pe && e && pids) {
		qsort(pe, k, sizeof(*pe), cmp_pid_estimate);
		for (i = 0; i < k; i++) {
			pids[i] = pe[i].pid;
			e[i] = pe[i].e;
		}
		/* Valid for a few walks: a stopped daemon's estimates go stale. */
		if (sc_estimates_write(c->t, pids, e, k,
				       (__u64)(3 * c->opts.interval_s * 1e9)))
			sc_debug("cannot share memory estimates with the CLI");
	}
	free(pe);
	free(e);
	free(pids);
}

/* One walk: summary for scrapes, then events from the same records. */
static void walk_once(struct sc_collector *c)
{
	struct sc_proc_cost *costs = NULL;
	struct sc_summary s;
	struct sc_walk w;
	__u64 start = sc_clock_ns(CLOCK_MONOTONIC);
	size_t ncosts = 0;
	int err;

	err = sc_walk_take(&w, c->t, &c->opts.policy);
	if (!err) {
		err = sc_summary_from_walk(&s, &w, c->t);
		if (!err && c->opts.events)
			sc_events_tick(c->opts.events, c->t, &c->opts.policy, &w);
		sc_walk_free(&w);
		/* Walk buffers are megabytes; give them back rather than keep the peak. */
		malloc_trim(0);
	}
	if (!err) {
		ncosts = c->opts.top_processes < s.nprocs ? c->opts.top_processes : s.nprocs;
		costs = calloc(ncosts ? ncosts : 1, sizeof(*costs));
		if (!costs || sc_proc_costs_compute(&c->history, &s, ncosts, &c->opts.costs, costs)) {
			/* Memory figures are lost for one walk; the counts still serve. */
			free(costs);
			costs = NULL;
			ncosts = 0;
		}
		if (costs)
			share_estimates(c, &s, costs, ncosts);
	}
	pthread_mutex_lock(&c->lock);
	if (err) {
		c->stats.walk_errors++;
	} else {
		s.collect_ns = sc_clock_ns(CLOCK_MONOTONIC) - start;
		sc_summary_free(&c->latest);
		free(c->costs);
		c->latest = s;
		c->costs = costs;
		c->ncosts = ncosts;
		c->stats.walks++;
		c->stats.last_walk_ns = s.collect_ns;
		c->stats.last_walk_wall_ns = sc_clock_ns(CLOCK_REALTIME);
	}
	c->stats.last_walk_failed = err != 0;
	if (c->opts.events)
		c->stats.events_dropped = sc_events_stats(c->opts.events).dropped;
	pthread_mutex_unlock(&c->lock);
}

static void *walker(void *arg)
{
	struct sc_collector *c = arg;
	struct timespec until;
	__u64 next;

	for (;;) {
		next = sc_clock_ns(CLOCK_MONOTONIC) + (__u64)(c->opts.interval_s * 1e9);
		until = (struct timespec){ .tv_sec = (time_t)(next / 1000000000ull),
					   .tv_nsec = (long)(next % 1000000000ull) };
		pthread_mutex_lock(&c->lock);
		while (!c->stop && pthread_cond_timedwait(&c->wake, &c->lock, &until) != ETIMEDOUT)
			;
		if (c->stop) {
			pthread_mutex_unlock(&c->lock);
			return NULL;
		}
		pthread_mutex_unlock(&c->lock);
		walk_once(c);
	}
}

/* Everything but the thread, which is joined (or never started) by now. */
static void collector_free(struct sc_collector *c)
{
	sc_summary_free(&c->latest);
	free(c->costs);
	sc_mem_history_free(&c->history);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

struct sc_collector *sc_collector_start(const struct sc_tracker *t,
					const struct sc_collector_opts *opts)
{
	struct sc_collector *c = calloc(1, sizeof(*c));
	pthread_condattr_t ca;

	if (!c) {
		sc_err("out of memory");
		return NULL;
	}
	c->t = t;
	c->opts = *opts;
	if (c->opts.interval_s <= 0)
		c->opts.interval_s = SC_DAEMON_DEFAULT_INTERVAL_S;
	if (c->opts.events)
		sc_events_pace(c->opts.events, c->opts.interval_s);
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->wake, &ca);
	pthread_condattr_destroy(&ca);
	walk_once(c);
	if (!c->stats.walks) {
		sc_err("the first walk failed; not starting");
		goto fail;
	}
	errno = pthread_create(&c->thread, NULL, walker, c);
	if (errno) {
		sc_err("cannot start the walker thread: %s", strerror(errno));
		goto fail;
	}
	return c;
fail:
	collector_free(c);
	return NULL;
}

void sc_collector_stop(struct sc_collector *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	collector_free(c);
}

static int copy_summary(struct sc_summary *out, const struct sc_summary *in)
{
	*out = *in;
	out->procs = malloc((in->nprocs ? in->nprocs : 1) * sizeof(*in->procs));
	out->ports = malloc((in->nports ? in->nports : 1) * sizeof(*in->ports));
	if (!out->procs || !out->ports) {
		sc_summary_free(out);
		return -ENOMEM;
	}
	memcpy(out->procs, in->procs, in->nprocs * sizeof(*in->procs));
	memcpy(out->ports, in->ports, in->nports * sizeof(*in->ports));
	return 0;
}

int sc_collector_latest(struct sc_collector *c, struct sc_summary *out,
			struct sc_collector_stats *stats, struct sc_proc_cost **costs,
			size_t *ncosts)
{
	struct sc_counters now;
	int err;

	pthread_mutex_lock(&c->lock);
	err = copy_summary(out, &c->latest);
	if (!err && costs) {
		*ncosts = c->ncosts;
		*costs = malloc((c->ncosts ? c->ncosts : 1) * sizeof(**costs));
		if (*costs)
			memcpy(*costs, c->costs, c->ncosts * sizeof(**costs));
		else
			err = -ENOMEM;
	}
	if (stats)
		*stats = c->stats;
	pthread_mutex_unlock(&c->lock);
	if (err) {
		sc_summary_free(out);
		return err;
	}
	/* Counters are exact and cheap: never older than the scrape. */
	if (!sc_tracker_read_counters(c->t, &now)) {
		out->counters = now;
		out->bpf_missed_events = sc_tracker_missed_events(c->t);
	}
	return 0;
}

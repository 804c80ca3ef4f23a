// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "common.h"
#include "defaults.h"
#include "estimates.h"
#include "force.h"
#include "collector.h"
#include "container_cache.h"
#include "health_pass.h"
#include "idle_event_log.h"
#include "log.h"
#include "summary_live.h"
#include "tracker.h"

struct sc_collector {
	const struct sc_tracker *t;
	struct sc_collector_opts opts;
	pthread_t thread;
	pthread_mutex_t lock;       /* guards latest, costs, stats, stop, refresh_asked, built_ns */
	pthread_cond_t wake;        /* to the collector thread: stop, or a scrape wants a refresh */
	pthread_cond_t built;       /* from it: a refresh ended */
	bool stop;
	bool refresh_asked;
	__u64 built_ns;             /* CLOCK_MONOTONIC when the latest refresh began */
	struct sc_summary_live live; /* the collector thread's own */
	struct sc_summary latest;
	struct sc_proc_cost *costs;  /* of latest.procs[0 .. ncosts) */
	size_t ncosts;
	struct sc_container_row *containers; /* of latest, by place */
	size_t ncontainers;
	struct sc_container_cache container_cache; /* the collector thread's own */
	struct sc_collector_stats stats;
	struct sc_mem_history history; /* the collector thread's own */
	struct sc_health_tally health; /* the latest health pass, under lock */
	__u64 next_health_ns;       /* CLOCK_MONOTONIC: the collector thread's own */
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
		/* Valid for a few refreshes: a stopped daemon's estimates go stale. */
		if (sc_estimates_write(c->t, pids, e, k,
				       (__u64)(3 * c->opts.interval_s * 1e9)))
			sc_debug("cannot share memory estimates with the CLI");
	}
	free(pe);
	free(e);
	free(pids);
}

/* Between refreshes the ring is drained this often, so it never overwrites unread changes. */
#define DRAIN_NS 1000000000ull
/* A scrape takes the latest summary if it is this fresh, else asks for a refresh. */
#define FRESH_NS 1000000000ull
/*
 * How long a scrape waits for its refresh: one from changes takes
 * milliseconds, but one that must walk (reconciling, changes lost, no change
 * ring) takes seconds at a million sockets, and the scrape then serves the
 * latest summary rather than outlast Prometheus' scrape timeout.
 */
#define REFRESH_WAIT_S 2

/*
 * One refresh: the mirror brought up to date from the change ring (or a walk,
 * when reconciling or when changes were lost), summarized for scrapes, with
 * idle events and memory from the same records.
 */
static void refresh(struct sc_collector *c)
{
	struct sc_summary_live *l = &c->live;
	struct sc_proc_cost *costs = NULL;
	struct sc_summary s;
	__u64 walks = l->walks, began = sc_clock_ns(CLOCK_MONOTONIC);
	__u64 began_wall = sc_clock_ns(CLOCK_REALTIME);
	struct sc_container_row *containers = NULL;
	size_t ncosts = 0, ncontainers = 0;
	int err;

	err = sc_summary_live_collect(l, &s, c->t, &c->opts.policy);
	if (!err && c->opts.events)
		sc_events_tick(c->opts.events, &l->tally, &l->mirror, &l->in, l->tasks.data,
			       l->tasks.count);
	/* Walk buffers are megabytes; give them back rather than keep the peak. */
	if (l->walks != walks)
		malloc_trim(0);
	if (!err) {
		ncosts = c->opts.top_processes < s.nprocs ? c->opts.top_processes : s.nprocs;
		costs = calloc(ncosts ? ncosts : 1, sizeof(*costs));
		if (!costs || sc_proc_costs_compute(&c->history, &s, ncosts, &c->opts.costs, costs)) {
			/* Memory figures are lost for one refresh; the counts still serve. */
			free(costs);
			costs = NULL;
			ncosts = 0;
		}
		if (costs)
			share_estimates(c, &s, costs, ncosts);
		/* Lost for one refresh on ENOMEM, as the memory figures are. */
		if (sc_container_cache_rows(&c->container_cache, &s, costs, ncosts, &containers,
					    &ncontainers))
			sc_debug("out of memory grouping processes by container");
	}
	if (!err)
		s.collect_ns = sc_clock_ns(CLOCK_MONOTONIC) - began; /* memory and events too */
	pthread_mutex_lock(&c->lock);
	if (err) {
		c->stats.walk_errors++;
	} else {
		sc_summary_free(&c->latest);
		free(c->costs);
		c->latest = s;
		c->costs = costs;
		c->ncosts = ncosts;
		free(c->containers);
		c->containers = containers;
		c->ncontainers = ncontainers;
		c->stats.refreshes++;
		c->stats.changes += s.changes;
		c->stats.last_refresh_ns = s.collect_ns;
		c->stats.last_refresh_wall_ns = began_wall;
		if (l->walks != walks)
			c->stats.last_walk_wall_ns = c->stats.last_refresh_wall_ns;
	}
	c->stats.cgroup_reads = c->container_cache.cgroup_reads;
	c->stats.container_name_lookups = c->container_cache.name_lookups;
	c->stats.walks = l->walks;
	c->stats.folds = l->folds;
	c->stats.walk_every_ns = sc_summary_live_walk_every(l);
	c->stats.change_cpu_ns = l->change_cpu_ns;
	c->stats.change_gap_s = l->in.kernel_hz ?
		(double)sc_change_ring_gap(&l->ring) / l->in.kernel_hz : 0;
	c->stats.last_walk_failed = err != 0;
	c->built_ns = began;
	if (c->opts.events) {
		struct sc_events_stats es = sc_events_stats(c->opts.events);

		c->stats.events_dropped = es.dropped;
		c->stats.events_whole_feeds = es.whole_feeds;
		c->stats.events_touched_feeds = es.touched_feeds;
	}
	pthread_cond_broadcast(&c->built);
	pthread_mutex_unlock(&c->lock);
}

/*
 * A health pass when one is due. The latest summary (this thread writes it,
 * so reads it unlocked) says which processes and ports to count for.
 */
static void health_pass_if_due(struct sc_collector *c)
{
	struct sc_health_tally fresh, old;
	__u64 now = sc_clock_ns(CLOCK_MONOTONIC), every = (__u64)(c->opts.health_s * 1e9);
	__u32 missed;

	if (now < c->next_health_ns || !c->stats.refreshes)
		return;
	/* The summary is this thread's own between refreshes: no copy needed. */
	if (sc_health_pass(&c->live, c->t, &c->opts.health, &c->latest, &fresh, &missed)) {
		c->next_health_ns = now + every;
		pthread_mutex_lock(&c->lock);
		c->stats.health_failures++;
		pthread_mutex_unlock(&c->lock);
		return;
	}
	every = sc_health_pass_every(fresh.took_ns, every, SC_HEALTH_PASS_SHARE_DAEMON);
	c->next_health_ns = sc_clock_ns(CLOCK_MONOTONIC) + every;
	pthread_mutex_lock(&c->lock);
	old = c->health;
	c->health = fresh;
	c->stats.health_passes++;
	c->stats.health_netns_missed = missed;
	c->stats.health_every_ns = every;
	pthread_mutex_unlock(&c->lock);
	sc_health_tally_free(&old);
}

static struct timespec abs_mono(__u64 ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000ull),
				  .tv_nsec = (long)(ns % 1000000000ull) };
}

/*
 * Sleeps a second at a time, draining changes, and refreshes every interval
 * or when a scrape asks. Only this thread touches c->live.
 */
static void *collector_thread(void *arg)
{
	struct sc_collector *c = arg;
	__u64 interval = (__u64)(c->opts.interval_s * 1e9), now, next_refresh;
	struct timespec until;
	bool asked;

	next_refresh = sc_clock_ns(CLOCK_MONOTONIC) + interval;
	for (;;) {
		now = sc_clock_ns(CLOCK_MONOTONIC);
		until = abs_mono(now + DRAIN_NS < next_refresh ? now + DRAIN_NS : next_refresh);
		pthread_mutex_lock(&c->lock);
		while (!c->stop && !c->refresh_asked &&
		       pthread_cond_timedwait(&c->wake, &c->lock, &until) != ETIMEDOUT)
			;
		asked = c->refresh_asked;
		c->refresh_asked = false;
		if (c->stop) {
			pthread_mutex_unlock(&c->lock);
			return NULL;
		}
		pthread_mutex_unlock(&c->lock);
		now = sc_clock_ns(CLOCK_MONOTONIC);
		if (asked || now >= next_refresh) {
			refresh(c);
			next_refresh = sc_clock_ns(CLOCK_MONOTONIC) + interval;
		} else if (sc_summary_live_drain(&c->live, &c->opts.policy) == -ENOMEM) {
			sc_warn("out of memory applying changes: the next refresh walks");
		}
		/* After the refresh a scrape waits for, never before it. */
		health_pass_if_due(c);
	}
}

/* Everything but the thread, which is joined (or never started) by now. */
static void collector_free(struct sc_collector *c)
{
	sc_summary_free(&c->latest);
	free(c->costs);
	free(c->containers);
	sc_container_cache_free(&c->container_cache);
	sc_health_tally_free(&c->health);
	sc_mem_history_free(&c->history);
	sc_summary_live_free(&c->live);
	pthread_cond_destroy(&c->built);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* A lease outlives a stopped drain by this much: long enough for a slow walk. */
#define LEASE_NS (30ull * 1000000000ull)

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
	if (c->opts.reconcile_s <= 0)
		c->opts.reconcile_s = SC_DAEMON_DEFAULT_RECONCILE_S;
	if (c->opts.health_s <= 0)
		c->opts.health_s = SC_DAEMON_DEFAULT_HEALTH_S;
	if (!c->opts.health.nat_timeout_ms)
		sc_health_policy_default(&c->opts.health);
	if (c->opts.events)
		sc_events_pace(c->opts.events, c->opts.interval_s);
	sc_container_cache_init(&c->container_cache, &c->opts.containers);
	sc_summary_live_init(&c->live, LEASE_NS);
	/* Idle events then compare what changed, not every connection. */
	sc_tally_log_touched(&c->live.tally, c->opts.events != NULL);
	sc_change_gap_init(&c->live.gap, SC_LIVE_CHANGE_SHARE);
	if (sc_forced("change-budget")) {
		/* Any change is over this budget, judged every 2 s: the gap widens at once. */
		c->live.gap.share = UINT32_MAX;
		c->live.gap.window_ns = 2000000000ull;
	}
	c->live.resync_ns = (__u64)(c->opts.reconcile_s * 1e9);
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->wake, &ca);
	pthread_cond_init(&c->built, &ca);
	pthread_condattr_destroy(&ca);
	refresh(c);
	if (!c->stats.refreshes) {
		sc_err("the first walk failed; not starting");
		goto fail;
	}
	/* The first scrape has health too. */
	health_pass_if_due(c);
	errno = pthread_create(&c->thread, NULL, collector_thread, c);
	if (errno) {
		sc_err("cannot start the collector thread: %s", strerror(errno));
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
	/* A scrape waiting for a refresh takes the latest now. */
	pthread_cond_broadcast(&c->built);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	collector_free(c);
}

static int copy_summary(struct sc_summary *out, const struct sc_summary *in)
{
	*out = *in;
	out->procs = malloc((in->nprocs ? in->nprocs : 1) * sizeof(*in->procs));
	out->ports = malloc((in->nports ? in->nports : 1) * sizeof(*in->ports));
	out->outbound = malloc((in->noutbound ? in->noutbound : 1) * sizeof(*in->outbound));
	out->netns = malloc((in->nnetns ? in->nnetns : 1) * sizeof(*in->netns));
	if (!out->procs || !out->ports || !out->outbound || !out->netns) {
		sc_summary_free(out);
		return -ENOMEM;
	}
	memcpy(out->procs, in->procs, in->nprocs * sizeof(*in->procs));
	memcpy(out->ports, in->ports, in->nports * sizeof(*in->ports));
	if (in->noutbound)
		memcpy(out->outbound, in->outbound, in->noutbound * sizeof(*in->outbound));
	if (in->nnetns)
		memcpy(out->netns, in->netns, in->nnetns * sizeof(*in->netns));
	return 0;
}

int sc_collector_health(struct sc_collector *c, struct sc_health_tally *out)
{
	int err;

	pthread_mutex_lock(&c->lock);
	err = sc_health_tally_copy(out, &c->health);
	pthread_mutex_unlock(&c->lock);
	return err;
}

int sc_collector_containers(struct sc_collector *c, struct sc_container_row **rows, size_t *n)
{
	int err = 0;

	pthread_mutex_lock(&c->lock);
	*n = c->ncontainers;
	*rows = malloc((c->ncontainers ? c->ncontainers : 1) * sizeof(**rows));
	if (*rows)
		memcpy(*rows, c->containers, c->ncontainers * sizeof(**rows));
	else
		err = -ENOMEM;
	pthread_mutex_unlock(&c->lock);
	return err;
}

int sc_collector_latest(struct sc_collector *c, struct sc_summary *out,
			struct sc_collector_stats *stats, struct sc_proc_cost **costs,
			size_t *ncosts)
{
	struct sc_counters now;
	int err;

	pthread_mutex_lock(&c->lock);
	if (sc_clock_ns(CLOCK_MONOTONIC) - c->built_ns > FRESH_NS) {
		__u64 asked = sc_clock_ns(CLOCK_MONOTONIC);
		struct timespec until = abs_mono(asked + REFRESH_WAIT_S * 1000000000ull);

		c->refresh_asked = true;
		pthread_cond_signal(&c->wake);
		/* A refresh that fails still wakes us: the latest good summary serves. */
		while (!c->stop && c->built_ns < asked &&
		       pthread_cond_timedwait(&c->built, &c->lock, &until) != ETIMEDOUT)
			;
	}
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

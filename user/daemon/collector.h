/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_COLLECTOR_H
#define SC_COLLECTOR_H

#include <stdbool.h>
#include <linux/types.h>

#include "capacity.h"
#include "container_rows.h"
#include "container_names_read.h"
#include "health_tally.h"
#include "idle.h"
#include "proc_costs.h"
#include "summary.h"

/*
 * The daemon's collector: a thread that keeps a mirror of every socket
 * current from the programs' change reports (summary_live.h), draining them
 * every second, and walks every socket only to reconcile (every
 * reconcile_s, or 1000 times the last walk's CPU time if longer; at start;
 * and when changes were lost). It summarizes the mirror's totals (kept by
 * change, model/tally.c) every interval or when a scrape finds the latest
 * older than a second, and feeds the idle events (which still classify
 * every mirrored socket) and memory figures from the same records. Kernel
 * counters are read fresh on every copy.
 */
struct sc_collector;
struct sc_tracker;
struct sc_events;

struct sc_collector_opts {
	struct sc_idle_policy policy;
	double interval_s;          /* between refreshes when nobody scrapes */
	double reconcile_s;         /* between walks of every socket */
	double health_s;            /* between health passes (health_pass.h) */
	struct sc_health_policy health;
	struct sc_events *events;   /* NULL: no idle events */
	size_t top_processes;       /* memory and capacity for the top K by connections */
	struct sc_proc_costs_opts costs;
	struct sc_container_dirs containers; /* where the node names its containers */
};

struct sc_collector_stats {
	__u64 walks;                /* walks of every socket done */
	__u64 folds;                /* refreshes that folded every mirrored socket anew */
	__u64 refreshes;            /* summaries made, from walks or changes */
	__u64 changes;              /* change reports applied */
	__u64 walk_errors;          /* refreshes that failed */
	__u64 last_refresh_ns;         /* how long the latest refresh took */
	__u64 last_walk_wall_ns;    /* CLOCK_REALTIME of the latest walk, 0 before the first */
	__u64 last_refresh_wall_ns; /* CLOCK_REALTIME of the latest summary */
	bool last_walk_failed;      /* the latest refresh failed: the summary is older */
	__u64 walk_every_ns;        /* reconciling walks this far apart: the interval, or more */
	__u64 change_cpu_ns;        /* CPU time applying changes, in all */
	double change_gap_s;        /* an active socket is reported at most this often (0: unknown) */
	__u64 events_dropped;       /* idle events over the rate limit */
	__u64 events_whole_feeds;   /* event feeds that compared every connection */
	__u64 events_touched_feeds; /* those that compared only what changed */
	__u64 health_passes;        /* health passes done */
	__u64 health_failures;      /* passes that failed: the previous one still serves */
	__u64 health_every_ns;      /* passes this far apart: health_s, or more */
	__u32 health_netns_missed;  /* namespaces the latest pass could not enter */
	__u64 cgroup_reads;         /* /proc/PID/cgroup reads for container rows, in all */
	__u64 container_name_lookups; /* lookups of a container's names on the node, in all */
};

/* Collects once (walking) before returning, so the first scrape has data. NULL after logging. */
struct sc_collector *sc_collector_start(const struct sc_tracker *t,
					const struct sc_collector_opts *opts);
void sc_collector_stop(struct sc_collector *c);

/*
 * A copy of the latest summary, refreshed first if it is over a second old
 * (waiting at most 2 s for that; free with sc_summary_free), with the kernel
 * counters read now, the walker's stats, and (costs not NULL) a copy of the
 * memory and capacity of out->procs[0 .. *ncosts), to free(). Returns 0 or a
 * negative errno.
 */
/* A copy of the latest health pass (empty before the first). Returns 0 or -ENOMEM. */
int sc_collector_health(struct sc_collector *c, struct sc_health_tally *out);

/*
 * A copy of the per-container rows of the latest refresh (container_cache.h),
 * to free(). Call it after sc_collector_latest, which refreshes. 0 or -ENOMEM.
 */
int sc_collector_containers(struct sc_collector *c, struct sc_container_row **rows, size_t *n);

int sc_collector_latest(struct sc_collector *c, struct sc_summary *out,
			struct sc_collector_stats *stats, struct sc_proc_cost **costs,
			size_t *ncosts);

#endif /* SC_COLLECTOR_H */

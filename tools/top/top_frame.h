/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TOP_FRAME_H
#define SC_TOP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "container_cache.h"
#include "fd_trend.h"
#include "summary.h"
#include "health_pass.h"
#include "summary_live.h"
#include "top_model.h"

struct sc_tracker;

/* Whose connections the connections view lists. */
struct top_scope {
	__u32 pids[TOP_MAX_TAGS]; /* these processes, or */
	size_t npids;
	int port;                 /* connections to this local port (-1: none) */
};

/*
 * The data of one refresh and what carries over between refreshes (counter
 * readings for rates, per-process history). The process and port views come
 * from the cheap summary (sc_summary_live); only the connections view takes a
 * full snapshot.
 */
struct top_frame {
	unsigned long number;           /* frames collected so far */
	const struct sc_tracker *t;     /* of the last collect: the daemon's estimates */
	struct sc_summary_live live;    /* the walk, kept up to date between walks */
	struct sc_summary sum;
	bool have_sum;
	bool rates_known;               /* opened/closed per second need two frames */
	double opened_per_s, closed_per_s;
	struct top_row *procs, *ports, *conns, *services;
	size_t nprocs, nports, nconns, nservices;
	bool services_grouped;          /* some service has several processes */
	struct top_row *outbound;       /* client-side connections by remote port */
	size_t noutbound;
	struct top_history hist;
	/* The latest health pass (health_pass.h), its thresholds and schedule. */
	struct sc_health_tally health;
	struct sc_health_policy health_policy;
	__u32 health_netns_missed;
	__u64 next_health_ns, refresh_ns;
	struct sc_container_cache places; /* each process's CONTAINER (top_places.h) */
	struct sc_fd_trends fd_trends;  /* open fds of each process over the window */
	/* connections view */
	struct top_scope scope;
	__u64 conns_taken_ns, conns_collect_ns;
	__u64 *cookies;                 /* sorted, of the last connections frame */
	size_t ncookies;
	bool churn_known;
	double appeared_per_s, gone_per_s;
};

/* refresh_s: how often top_frame_collect will be called (the change lease outlives it);
 * fd_window_s: the window of the FD ETA's growth rate. */
void top_frame_init(struct top_frame *f, double refresh_s, double fd_window_s);
void top_frame_free(struct top_frame *f);

/* A new summary, its rows and rates. pids (npids > 0) narrows the processes.
 * Returns 0 or a negative errno (logged). */
int top_frame_collect(struct top_frame *f, const struct sc_tracker *t,
		      const struct sc_idle_policy *policy, const __u32 *pids, size_t npids);

/* The connections of scope, from a full snapshot; a new scope restarts churn. */
int top_frame_collect_conns(struct top_frame *f, const struct sc_tracker *t,
			    const struct sc_idle_policy *policy, const struct top_scope *scope);

/* Reads RSS and private memory (smaps_rollup) of procs[order[from..from+count)]
 * not read yet this frame, and feeds private memory to the marginal estimate. */
void top_frame_read_rss(struct top_frame *f, const size_t *order, size_t from, size_t count);

/*
 * Marginal private memory per connection of pid: top's own samples, else
 * sockcostd's when top reads its pinned state (*from_daemon). False, with
 * the reason in e, while neither can tell.
 */
bool top_frame_marginal(const struct top_frame *f, __u32 pid, struct sc_marginal_est *e,
			bool *from_daemon);

/* True when sorting by col needs RSS of every row, not just the visible ones. */
bool top_col_needs_rss(enum top_col col);

#endif /* SC_TOP_FRAME_H */

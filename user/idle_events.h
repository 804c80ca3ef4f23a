/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_IDLE_EVENTS_H
#define SC_IDLE_EVENTS_H

#include <stdio.h>
#include <linux/types.h>

#include "idle.h"
#include "summary_build.h"

/*
 * Idle flagging as events: one JSON line when a connection becomes idle,
 * when an idle one is active again, and when an idle one closes. Each walk
 * is compared with the connections reported idle after the previous one.
 * A token bucket bounds the rate; an "idle" event over the bound is not
 * lost but retried at the next walk while the connection stays idle, the
 * others are dropped. Both are counted in `dropped`.
 */
struct sc_events;

struct sc_events_stats {
	__u64 written;
	__u64 dropped;
	__u64 idle_now;        /* connections reported idle and not yet active or closed */
};

/* path: a file (appended to) or "-" for stdout. Returns NULL after logging. */
struct sc_events *sc_events_open(const char *path, double max_per_s);
/* Same, writing to out (not closed by sc_events_close); for tests. */
struct sc_events *sc_events_open_stream(FILE *out, double max_per_s);
/*
 * Feeds come every feed_interval_s: the bucket then holds that many seconds'
 * worth, so the rate is an average, not a cap per feed.
 */
void sc_events_pace(struct sc_events *ev, double feed_interval_s);

/* sc_events_close will fclose the stream. */
void sc_events_own_stream(struct sc_events *ev);
void sc_events_close(struct sc_events *ev);

struct sc_task_record;
/*
 * Compares conns (sc_conn_idle_list's output, by cookie) with the last
 * walk's and writes events. now_mono_ns paces the rate limit, wall_ns
 * stamps the lines. Pure apart from writing to the stream. Returns 0 or
 * -ENOMEM.
 */
int sc_events_feed(struct sc_events *ev, const struct sc_conn_idle *conns, size_t n,
		   const struct sc_task_record *tasks, size_t ntasks, __u64 now_mono_ns,
		   __u64 wall_ns);

struct sc_events_stats sc_events_stats(const struct sc_events *ev);
__u64 sc_events_dropped(const struct sc_events *ev);

struct sc_tracker;
struct sc_walk;
/* Takes a walk (or uses w if not NULL) and feeds it. Returns 0 or a negative errno. */
int sc_events_tick(struct sc_events *ev, const struct sc_tracker *t,
		   const struct sc_idle_policy *policy, const struct sc_walk *w);

#endif /* SC_IDLE_EVENTS_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_IDLE_EVENTS_H
#define SC_IDLE_EVENTS_H

#include <linux/types.h>

#include "idle.h"
#include "summary_build.h"

/*
 * Idle flagging as events: one when a connection becomes idle, when an idle
 * one is active again, and when an idle one closes, handed to a sink (the
 * daemon writes JSON lines: render/idle_event_json.c). Each feed compares
 * connections as they are now with those reported idle before: all of them
 * (sc_events_feed), or those the tally saw change (sc_events_feed_touched).
 * A token bucket bounds the rate; an "idle" event over the bound is not
 * lost but retried at the next feed while the connection stays idle, the
 * others are dropped. Both are counted in `dropped`.
 */
struct sc_events;

struct sc_events_stats {
	__u64 written;
	__u64 dropped;
	__u64 idle_now;        /* connections reported idle and not yet active or closed */
	__u64 whole_feeds;     /* feeds that compared every connection (sc_events_feed) */
	__u64 touched_feeds;   /* feeds that compared the touched ones (sc_events_feed_touched) */
};

struct sc_idle_event {
	const char *what;        /* "idle", "active" or "idle_closed" */
	__u32 pid;
	const char *comm;        /* "" when the process was not walked */
	__u16 lport, rport;
	__u64 idle_ms;
	__u64 wall_ns;           /* when (CLOCK_REALTIME) */
};

typedef void (*sc_idle_event_sink)(const struct sc_idle_event *e, void *ctx);

/* At most max_per_s events a second, each handed to sink(e, ctx). NULL: out of memory. */
struct sc_events *sc_events_new(double max_per_s, sc_idle_event_sink sink, void *ctx);
/*
 * Feeds come every feed_interval_s: the bucket then holds that many seconds'
 * worth, so the rate is an average, not a cap per feed.
 */
void sc_events_pace(struct sc_events *ev, double feed_interval_s);
void sc_events_free(struct sc_events *ev);

struct sc_task_record;
/*
 * Compares conns (sc_conn_idle_list's output, by cookie) with the last
 * walk's and writes events. now_mono_ns paces the rate limit, wall_ns
 * stamps the events. Returns 0 or -ENOMEM.
 */
int sc_events_feed(struct sc_events *ev, const struct sc_conn_idle *conns, size_t n,
		   const struct sc_task_record *tasks, size_t ntasks, __u64 now_mono_ns,
		   __u64 wall_ns);

/*
 * The same, comparing only the connections of m (its header's clocks now)
 * in cookies: those the tally touched since the last feed (tally.h,
 * sc_tally_take_touched), so a feed costs the changes, not the
 * connections. Every other one is as the last feed left it.
 */
struct sc_mirror;
int sc_events_feed_touched(struct sc_events *ev, const struct sc_mirror *m,
			   const struct sc_summary_inputs *in, const __u64 *cookies, size_t n,
			   const struct sc_task_record *tasks, size_t ntasks, __u64 now_mono_ns,
			   __u64 wall_ns);

struct sc_events_stats sc_events_stats(const struct sc_events *ev);
__u64 sc_events_dropped(const struct sc_events *ev);

#endif /* SC_IDLE_EVENTS_H */

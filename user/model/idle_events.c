// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "idle_events.h"
#include "sockcost.h"


/* A connection reported idle. */
struct reported {
	struct sc_conn_idle conn;
	char comm[SC_COMM_LEN + 1];
};

struct sc_events {
	sc_idle_event_sink sink;
	void *ctx;
	double rate, burst, tokens;
	__u64 refilled_ns;
	struct reported *idle;       /* by cookie */
	size_t nidle;
	__u64 last_feed_ns;
	struct sc_events_stats stats;
};

struct sc_events *sc_events_new(double max_per_s, sc_idle_event_sink sink, void *ctx)
{
	struct sc_events *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->sink = sink;
	ev->ctx = ctx;
	ev->rate = max_per_s > 0 ? max_per_s : 1;
	/* A burst of one second's worth, so a quiet bucket does not flood. */
	ev->burst = ev->rate < 1 ? 1 : ev->rate;
	ev->tokens = ev->burst;
	return ev;
}

void sc_events_pace(struct sc_events *ev, double feed_interval_s)
{
	double burst = ev->rate * feed_interval_s;

	ev->burst = burst > ev->burst ? burst : ev->burst;
	ev->tokens = ev->burst;
}

void sc_events_free(struct sc_events *ev)
{
	if (!ev)
		return;
	free(ev->idle);
	free(ev);
}

static bool take_token(struct sc_events *ev, __u64 now_ns)
{
	if (ev->refilled_ns && now_ns > ev->refilled_ns) {
		ev->tokens += (double)(now_ns - ev->refilled_ns) / 1e9 * ev->rate;
		if (ev->tokens > ev->burst)
			ev->tokens = ev->burst;
	}
	ev->refilled_ns = now_ns;
	if (ev->tokens < 1) {
		ev->stats.dropped++;
		return false;
	}
	ev->tokens -= 1;
	return true;
}

static void emit(struct sc_events *ev, const char *what, const struct reported *r,
		 __u64 idle_ms, __u64 wall_ns)
{
	struct sc_idle_event e = {
		.what = what, .pid = r->conn.pid, .comm = r->comm, .lport = r->conn.lport,
		.rport = r->conn.rport, .idle_ms = idle_ms, .wall_ns = wall_ns,
	};

	ev->sink(&e, ev->ctx);
	ev->stats.written++;
}

static int cmp_task(const void *key, const void *elem)
{
	const __u32 *tgid = key;
	const struct sc_task_record *t = elem;

	return CMP(*tgid, t->tgid);
}

static void name_of(char *comm, __u32 pid, const struct sc_task_record *tasks, size_t ntasks)
{
	const struct sc_task_record *t = bsearch(&pid, tasks, ntasks, sizeof(*tasks), cmp_task);

	memset(comm, 0, SC_COMM_LEN + 1);
	if (t)
		memcpy(comm, t->comm, SC_COMM_LEN);
}

int sc_events_feed(struct sc_events *ev, const struct sc_conn_idle *conns, size_t n,
		   const struct sc_task_record *tasks, size_t ntasks, __u64 now_mono_ns,
		   __u64 wall_ns)
{
	__u64 since_last = ev->last_feed_ns && now_mono_ns > ev->last_feed_ns
				   ? (now_mono_ns - ev->last_feed_ns) / 1000000ull : 0;
	struct reported *next;
	size_t i = 0, j = 0, m = 0;

	next = malloc((n + 1) * sizeof(*next));
	if (!next)
		return -ENOMEM;
	/* Merge join of last walk's idle connections (j) and this walk's (i), by cookie. */
	while (i < n || j < ev->nidle) {
		int c = i == n ? 1 : j == ev->nidle ? -1
			: CMP(conns[i].cookie, ev->idle[j].conn.cookie);

		if (c > 0) { /* reported idle, gone from the walk: closed */
			if (take_token(ev, now_mono_ns))
				emit(ev, "idle_closed", &ev->idle[j],
				     ev->idle[j].conn.idle_ms + since_last, wall_ns);
			j++;
			continue;
		}
		if (c == 0 && !conns[i].idle) { /* reported idle, active again */
			if (take_token(ev, now_mono_ns))
				emit(ev, "active", &ev->idle[j],
				     ev->idle[j].conn.idle_ms + since_last, wall_ns);
		} else if (c == 0) { /* still idle */
			next[m] = ev->idle[j];
			next[m++].conn = conns[i];
		} else if (conns[i].idle && take_token(ev, now_mono_ns)) { /* newly idle */
			next[m].conn = conns[i];
			name_of(next[m].comm, conns[i].pid, tasks, ntasks);
			emit(ev, "idle", &next[m], conns[i].idle_ms, wall_ns);
			m++;
		}
		i++;
		j += c == 0;
	}
	free(ev->idle);
	ev->idle = next;
	ev->nidle = m;
	ev->stats.idle_now = m;
	ev->last_feed_ns = now_mono_ns;
	return 0;
}

struct sc_events_stats sc_events_stats(const struct sc_events *ev)
{
	return ev->stats;
}

__u64 sc_events_dropped(const struct sc_events *ev)
{
	return ev->stats.dropped;
}

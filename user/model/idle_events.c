// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "idle_events.h"
#include "mirror.h"
#include "sockcost.h"

/* A connection reported idle, or idle and waiting for a token to be. */
struct entry {
	struct sc_conn_idle conn;    /* as last judged idle; cookie 0: a free slot */
	__u64 judged_ns;             /* when conn.idle_ms was the age */
	__u32 seen;                  /* the last whole compare that listed it (its low bits) */
	bool pending;                /* not reported yet: retried every feed */
	char comm[SC_COMM_LEN + 1];
};

/* 64 bytes: a million idle connections reported take a table of 2^21 of them. */
_Static_assert(sizeof(struct entry) == 64, "an idle event entry is 64 bytes");

struct sc_events {
	sc_idle_event_sink sink;
	void *ctx;
	double rate, burst, tokens;
	__u64 refilled_ns;
	/* by cookie: open addressing, linear probing, mask + 1 slots */
	struct entry *slots;
	size_t mask, used, reported;
	__u64 *pending;              /* cookies of pending entries (stale ones are skipped) */
	size_t npending, pending_cap;
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
	free(ev->slots);
	free(ev->pending);
	free(ev);
}

/* --- the entries by cookie --- */

static size_t home(const struct sc_events *ev, __u64 cookie)
{
	return (size_t)((cookie * 0x9e3779b97f4a7c15ull) >> 17) & ev->mask;
}

static struct entry *find(const struct sc_events *ev, __u64 cookie)
{
	size_t i;

	if (!ev->slots)
		return NULL;
	for (i = home(ev, cookie); ev->slots[i].conn.cookie; i = (i + 1) & ev->mask)
		if (ev->slots[i].conn.cookie == cookie)
			return &ev->slots[i];
	return NULL;
}

static struct entry *place(struct entry *slots, size_t mask, const struct entry *e)
{
	struct sc_events probe = { .mask = mask };
	size_t i;

	for (i = home(&probe, e->conn.cookie); slots[i].conn.cookie; i = (i + 1) & mask)
		;
	slots[i] = *e;
	return &slots[i];
}

/* The table moved to ncap slots (a power of two over used). 0 or -ENOMEM. */
static int resize(struct sc_events *ev, size_t ncap)
{
	size_t cap = ev->slots ? ev->mask + 1 : 0, i;
	struct entry *slots = calloc(ncap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < cap; i++)
		if (ev->slots[i].conn.cookie)
			place(slots, ncap - 1, &ev->slots[i]);
	free(ev->slots);
	ev->slots = slots;
	ev->mask = ncap - 1;
	return 0;
}

/* After a wave of connections left: at most 5x the room the rest need, never under 64. */
static void shrink(struct sc_events *ev)
{
	size_t cap = ev->slots ? ev->mask + 1 : 0;

	while (cap > 64 && ev->used * 10 < cap * 2 && !resize(ev, cap / 2))
		cap /= 2;
}

/* A new entry for cookie (not there yet), or NULL without memory. */
static struct entry *insert(struct sc_events *ev, const struct sc_conn_idle *conn)
{
	struct entry e = { .conn = *conn };
	size_t cap = ev->slots ? ev->mask + 1 : 0;

	if ((ev->used + 1) * 10 > cap * 7 && resize(ev, cap ? cap * 2 : 64))
		return NULL;
	ev->used++;
	return place(ev->slots, ev->mask, &e);
}

/* Removes e, shifting back the entries its slot displaced (no tombstones). */
static void erase(struct sc_events *ev, struct entry *e)
{
	size_t hole = (size_t)(e - ev->slots), i = hole, h;

	ev->used--;
	for (;;) {
		ev->slots[hole].conn.cookie = 0;
		do {
			i = (i + 1) & ev->mask;
			if (!ev->slots[i].conn.cookie)
				return;
			h = home(ev, ev->slots[i].conn.cookie);
			/* Stays if its home lies cyclically in (hole, i]. */
		} while (hole <= i ? hole < h && h <= i : hole < h || h <= i);
		ev->slots[hole] = ev->slots[i];
		hole = i;
	}
}

static int pend(struct sc_events *ev, __u64 cookie)
{
	__u64 *bigger;

	if (ev->npending == ev->pending_cap) {
		size_t cap = ev->pending_cap ? ev->pending_cap * 2 : 64;

		bigger = realloc(ev->pending, cap * sizeof(*bigger));
		if (!bigger)
			return -ENOMEM;
		ev->pending = bigger;
		ev->pending_cap = cap;
	}
	ev->pending[ev->npending++] = cookie;
	return 0;
}

/* --- events --- */

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

static void emit(struct sc_events *ev, const char *what, const struct entry *r,
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

struct feed {
	const struct sc_task_record *tasks;
	size_t ntasks;
	__u64 now_ns, wall_ns;
};

/* The age of a reported connection now: it grew since it was judged. */
static __u64 age_ms(const struct entry *e, const struct feed *f)
{
	return e->conn.idle_ms + (f->now_ns > e->judged_ns ? (f->now_ns - e->judged_ns) / 1000000 : 0);
}

/*
 * One connection as it is now (now NULL: closed, or no longer an established
 * connection a process holds) against what was reported of it.
 */
static int judge(struct sc_events *ev, __u64 cookie, const struct sc_conn_idle *now,
		 const struct feed *f)
{
	struct entry *e = find(ev, cookie);
	bool idle = now && now->idle;

	if (e && !e->pending) {
		if (idle) { /* still idle */
			e->conn = *now;
			e->judged_ns = f->now_ns;
			return 0;
		}
		if (take_token(ev, f->now_ns))
			emit(ev, now ? "active" : "idle_closed", e, age_ms(e, f), f->wall_ns);
		erase(ev, e);
		ev->reported--;
		return 0;
	}
	if (!idle) {
		if (e) /* waited for a token, not idle any more: never reported */
			erase(ev, e);
		return 0;
	}
	if (!e) {
		e = insert(ev, now);
		if (!e)
			return -ENOMEM;
		name_of(e->comm, now->pid, f->tasks, f->ntasks);
		e->pending = true;
		if (pend(ev, cookie)) {
			erase(ev, e);
			return -ENOMEM;
		}
	}
	e->conn = *now;
	e->judged_ns = f->now_ns;
	if (take_token(ev, f->now_ns)) {
		e->pending = false;
		ev->reported++;
		emit(ev, "idle", e, now->idle_ms, f->wall_ns);
	}
	return 0;
}

static void count_reported(struct sc_events *ev)
{
	ev->stats.idle_now = ev->reported;
	shrink(ev);
}

int sc_events_feed(struct sc_events *ev, const struct sc_conn_idle *conns, size_t n,
		   const struct sc_task_record *tasks, size_t ntasks, __u64 now_mono_ns,
		   __u64 wall_ns)
{
	const struct feed f = { tasks, ntasks, now_mono_ns, wall_ns };
	__u32 seen = (__u32)++ev->stats.whole_feeds;
	size_t i, cap;
	int err = 0;

	/* The list holds every connection now: pending ones are among them or gone. */
	ev->npending = 0;
	for (i = 0; i < n && !err; i++) {
		struct entry *e = find(ev, conns[i].cookie);

		if (e && e->pending && conns[i].idle)
			err = pend(ev, conns[i].cookie);
		if (!err)
			err = judge(ev, conns[i].cookie, &conns[i], &f);
		if (!err && (e = find(ev, conns[i].cookie)))
			e->seen = seen;
	}
	if (err)
		return err;
	/* Reported and not listed: closed. Erasing shifts entries back, so look again. */
	cap = ev->slots ? ev->mask + 1 : 0;
	for (i = 0; i < cap; i++) {
		struct entry *e = &ev->slots[i];

		while (e->conn.cookie && e->seen != seen)
			judge(ev, e->conn.cookie, NULL, &f);
	}
	count_reported(ev);
	return 0;
}

int sc_events_feed_touched(struct sc_events *ev, const struct sc_mirror *m,
			   const struct sc_summary_inputs *in, const __u64 *cookies, size_t n,
			   const struct sc_task_record *tasks, size_t ntasks, __u64 now_mono_ns,
			   __u64 wall_ns)
{
	const struct feed f = { tasks, ntasks, now_mono_ns, wall_ns };
	struct sc_conn_idle now;
	size_t i, kept = 0;
	struct entry *e;
	int err = 0;

	ev->stats.touched_feeds++;
	/* Those waiting for a token first, each tried once a feed as a whole compare does. */
	for (i = 0; i < ev->npending; i++) {
		__u64 cookie = ev->pending[i];

		e = find(ev, cookie);
		if (!e || !e->pending)
			continue;
		err = judge(ev, cookie, sc_mirror_conn_idle(m, cookie, in, &now) ? &now : NULL, &f);
		if (err)
			break;
		if ((e = find(ev, cookie)) && e->pending)
			ev->pending[kept++] = cookie;
	}
	if (err) /* keep the rest waiting */
		while (i < ev->npending)
			ev->pending[kept++] = ev->pending[i++];
	ev->npending = kept;
	for (i = 0; i < n && !err; i++) {
		e = find(ev, cookies[i]);
		if (e && e->pending)
			continue; /* tried above */
		err = judge(ev, cookies[i],
			    sc_mirror_conn_idle(m, cookies[i], in, &now) ? &now : NULL, &f);
	}
	count_reported(ev);
	return err;
}

struct sc_events_stats sc_events_stats(const struct sc_events *ev)
{
	return ev->stats;
}

__u64 sc_events_dropped(const struct sc_events *ev)
{
	return ev->stats.dropped;
}

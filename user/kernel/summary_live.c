// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "change_ring.h"
#include "clock.h"
#include "kernel_hz.h"
#include "log.h"
#include "proc_fds.h"
#include "summary_live.h"
#include "tracker.h"
#include "walk.h"

/* Changes copied out of the ring at a time. */
#define TAKE_BATCH 4096

void sc_summary_live_init(struct sc_summary_live *l, __u64 lease_ns)
{
	memset(l, 0, sizeof(*l));
	l->resync_ns = SC_LIVE_RESYNC_NS;
	l->lease_ns = lease_ns;
	l->tasks.rec_size = sizeof(struct sc_task_record);
	sc_change_gap_init(&l->gap, 0);
}

void sc_summary_live_free(struct sc_summary_live *l)
{
	sc_mirror_free(&l->mirror);
	if (l->ring_mapped)
		sc_change_ring_unmap(&l->ring);
	free(l->buf);
	sc_records_free(&l->tasks);
	sc_listen_refresh_reset(&l->listen);
	sc_tally_free(&l->tally);
	sc_summary_live_init(l, l->lease_ns);
}

/* jiffies_64 now, from the last walk's pair of clocks. */
static __u64 jiffies_at(const struct sc_summary_live *l, __u64 now_ns)
{
	return l->ref_jiffies + sc_ns_to_jiffies(now_ns - l->ref_ns, l->in.kernel_hz);
}

/* The clocks to judge sockets by at now_ns. */
static struct sc_clock_ref clock_at(const struct sc_summary_live *l, __u64 now_ns)
{
	return (struct sc_clock_ref){ .now_ns = now_ns, .now_jiffies = jiffies_at(l, now_ns),
				      .hz = l->in.kernel_hz };
}

static bool ring_ready(struct sc_summary_live *l, const struct sc_tracker *t)
{
	int ring_fd, head_fd;

	if (l->ring_mapped || l->ring_failed)
		return l->ring_mapped;
	l->buf = malloc(TAKE_BATCH * sizeof(*l->buf));
	sc_tracker_change_fds(t, &ring_fd, &head_fd);
	if (!l->buf || ring_fd < 0 || head_fd < 0 ||
	    sc_change_ring_map(&l->ring, ring_fd, head_fd)) {
		sc_info("cannot read the change ring: walking every socket on every refresh");
		l->ring_failed = true;
		return false;
	}
	l->ring_mapped = true;
	return true;
}

/* Applies the changes since l->pos. Returns the count, -EOVERFLOW or -ENOMEM. */
static long apply_changes(struct sc_summary_live *l, const struct sc_idle_policy *policy)
{
	__u64 head = sc_change_ring_head(&l->ring), cpu0 = sc_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	struct sc_clock_ref c = clock_at(l, sc_mono_ns());
	long n, total = 0;
	int err = 0;

	do {
		n = sc_changes_take(l->ring.slots, SC_CHANGE_SLOTS, head, &l->pos, l->buf,
				    TAKE_BATCH);
		/* The totals lose each socket's share and take it back as changed. */
		err = n > 0 ? sc_tally_apply_batch(&l->tally, &l->mirror, l->buf, (size_t)n, &c) : 0;
		total += n > 0 && !err ? n : 0;
	} while (n == TAKE_BATCH && !err);
	/* What the gap in force costs this reader: the next lease's gap follows. */
	cpu0 = sc_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	l->change_cpu_ns += cpu0;
	sc_change_gap_account(&l->gap, cpu0, sc_mono_ns(), sc_change_ring_gap(&l->ring), policy,
			      l->in.kernel_hz);
	return err ? err : n < 0 ? n : total;
}

/*
 * Changes taken out of the ring while a walk runs: at a million sockets a
 * walk takes seconds, in which an active host can report more changes than
 * the ring holds. Applied over the walk once it is kept.
 */
struct held_changes {
	struct sc_summary_live *l;
	struct sc_change *v;
	size_t n, cap;
	bool lost;              /* overwritten before being held, or no memory to hold them */
};

/* Past four ring lengths held a walk gives up on its changes: the next one walks again. */
#define HELD_MAX (4 * (size_t)SC_CHANGE_SLOTS)

static void hold_changes(void *ctx)
{
	struct held_changes *h = ctx;
	struct sc_summary_live *l = h->l;
	struct sc_change *grown;
	size_t cap;
	long n;

	while (!h->lost) {
		if (h->cap - h->n < TAKE_BATCH) {
			cap = h->cap ? h->cap * 2 : 4 * TAKE_BATCH;
			grown = h->cap < HELD_MAX ? realloc(h->v, cap * sizeof(*grown)) : NULL;
			if (!grown) {
				h->lost = true;
				return;
			}
			h->v = grown;
			h->cap = cap;
		}
		n = sc_changes_take(l->ring.slots, SC_CHANGE_SLOTS, sc_change_ring_head(&l->ring),
				    &l->pos, h->v + h->n, TAKE_BATCH);
		if (n < 0)
			h->lost = true;
		else
			h->n += (size_t)n;
		if (n < TAKE_BATCH)
			return;
	}
}

static int walk(struct sc_summary_live *l, const struct sc_tracker *t,
		const struct sc_idle_policy *policy, __u64 missed)
{
	__u64 cpu0 = sc_clock_ns(CLOCK_THREAD_CPUTIME_ID), held_cpu;
	struct held_changes held = { .l = l };
	const struct sc_conn_record *header;
	struct sc_walk w;
	size_t i;
	int err;

	/* Changes from now on are applied over the walk; the ones it saw already apply twice, harmlessly. */
	if (l->ring_mapped)
		l->pos = sc_change_ring_head(&l->ring);
	/* The walk replaces every record: at a million sockets, not held twice at its peak. */
	sc_mirror_drop(&l->mirror);
	err = sc_walk_take_with(&w, t, policy, l->ring_mapped ? hold_changes : NULL, &held);
	if (err) {
		free(held.v);
		return err;
	}
	/* The mirror takes the walk's records over: a million sockets are not held twice. */
	err = sc_mirror_adopt(&l->mirror, w.conns.data, w.conns.count);
	w.conns = (struct sc_records){ .rec_size = sizeof(struct sc_conn_record) };
	held_cpu = sc_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	for (i = 0; !err && i < held.n; i++)
		err = sc_mirror_apply(&l->mirror, &held.v[i]);
	held_cpu = sc_clock_ns(CLOCK_THREAD_CPUTIME_ID) - held_cpu;
	l->drained += held.n;
	free(held.v);
	if (held.lost) {
		sc_debug("changes were lost during the walk: the next summary walks again");
		l->stale = true;
	}
	if (err) {
		sc_walk_free(&w);
		sc_mirror_free(&l->mirror);
		return sc_fail(-err, "cannot keep the walk: %s", strerror(-err));
	}
	header = &l->mirror.header;
	l->in = w.in;
	l->ref_ns = header->established_ns;
	l->ref_jiffies = header->last_active_jiffies;
	l->walked_ns = sc_mono_ns();
	l->missed = missed;
	l->walks++;
	/*
	 * What the walk's changes cost, counted as drained ones are: the gap's
	 * window spans the walk's seconds, which would pass for seconds without
	 * changes otherwise (at a million sockets, ten and more).
	 */
	l->change_cpu_ns += held_cpu;
	sc_change_gap_account(&l->gap, held_cpu, l->walked_ns, sc_change_ring_gap(&l->ring), policy,
			      l->in.kernel_hz);
	sc_listen_refresh_reset(&l->listen);
	sc_records_free(&l->tasks);
	l->tasks = w.tasks;
	w.tasks = (struct sc_records){ .rec_size = sizeof(struct sc_task_record) };
	sc_walk_free(&w);
	l->walk_cpu_ns = sc_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	return 0;
}

__u64 sc_summary_live_walk_every(const struct sc_summary_live *l)
{
	__u64 share = l->walk_cpu_ns * SC_LIVE_WALK_SHARE;

	return share > l->resync_ns ? share : l->resync_ns;
}

static bool must_walk(const struct sc_summary_live *l, const struct sc_tracker *t, __u64 now,
		      __u64 missed)
{
	return l->stale || !l->mirror.recs || now - l->walked_ns >= sc_summary_live_walk_every(l) ||
	       missed != l->missed || !l->in.kernel_hz || sc_tracker_hook(t) == SC_HOOK_NONE;
}

/*
 * Keeps the programs reporting changes for lease_ns more. Needs HZ, known
 * from a walk. Returns true if the lease held so far lapsed (this reader was
 * stopped longer than it lasts, or the ring is new): changes may be missing.
 */
static bool renew_lease(struct sc_summary_live *l, const struct sc_idle_policy *policy,
			__u64 now_ns)
{
	__u32 hz = l->in.kernel_hz;
	__u64 now = jiffies_at(l, now_ns), was, held = l->lease_until;

	l->lease_until = now + sc_ns_to_jiffies(l->lease_ns, hz);
	was = sc_change_ring_lease(&l->ring, l->lease_until, sc_change_gap_jiffies(&l->gap, policy, hz),
				   now, held);
	return held && (was < held || now >= held);
}

/*
 * The clocks and HZ a lease needs, from the aggregate walk's header alone:
 * the walk's iterator is closed after its first record, so leasing before
 * the first walk costs no second walk (seconds at a million sockets).
 */
static int probe_clocks(struct sc_summary_live *l, const struct sc_tracker *t)
{
	struct sc_conn_record header;
	int err = sc_iter_read_first(sc_tracker_iter_link_fd(t, SC_ITER_CONN), &header,
				     sizeof(header));

	if (err)
		return err;
	if (header.kind != SC_CONN_HEADER)
		return -EPROTO;
	l->in.kernel_hz = sc_kernel_hz(header.last_active_jiffies, header.established_ns);
	l->ref_ns = header.established_ns;
	l->ref_jiffies = header.last_active_jiffies;
	return 0;
}

/* Walks, leasing changes first the very first time (the lease needs HZ). */
static int walk_now(struct sc_summary_live *l, const struct sc_tracker *t,
		    const struct sc_idle_policy *policy, __u64 missed, bool ring)
{
	int err;

	if (ring && !l->in.kernel_hz) {
		/* Without the header's clocks, a first walk tells them. */
		if (probe_clocks(l, t) || !l->in.kernel_hz) {
			err = walk(l, t, policy, missed);
			if (err)
				return err;
		}
		if (l->in.kernel_hz)
			renew_lease(l, policy, sc_mono_ns());
	}
	/* A walk that lost changes while it ran marks the mirror stale again. */
	l->stale = false;
	err = walk(l, t, policy, missed);
	if (err)
		l->stale = true;
	return err;
}

long sc_summary_live_drain(struct sc_summary_live *l, const struct sc_idle_policy *policy)
{
	long n;

	if (!l->ring_mapped || !l->in.kernel_hz || !l->mirror.recs)
		return 0;
	/* Renewed even when stale: the walk to come starts from reported changes. */
	if (renew_lease(l, policy, sc_mono_ns())) {
		sc_debug("the change lease lapsed: the next summary walks");
		l->stale = true;
	}
	if (l->stale)
		return 0;
	n = apply_changes(l, policy);
	if (n < 0) {
		if (n == -EOVERFLOW)
			sc_debug("changes were overwritten before being read: the next summary walks");
		l->stale = true;
		return n == -ENOMEM ? n : 0;
	}
	l->drained += (__u64)n;
	return n;
}

/*
 * The summary now from the totals: folded anew after a walk or a policy
 * change, else only the sockets whose idle verdict may have moved since.
 */
static int summarize(struct sc_summary_live *l, struct sc_summary *s,
		     const struct sc_idle_policy *policy)
{
	__u64 now_ns = sc_mono_ns();
	struct sc_clock_ref clock = clock_at(l, now_ns);
	int err = 0;

	/* The header dates the records for the readers that fold them (idle events). */
	l->mirror.header.established_ns = now_ns;
	l->mirror.header.last_active_jiffies = clock.now_jiffies;
	l->in.policy = *policy;
	if (!sc_tally_current(&l->tally, &l->mirror, &l->in)) {
		if (l->tally.ready)
			sc_debug("totals folded anew: %s", l->tally.dirty ?
				 "a listening port came or went, or memory ran short" :
				 "the idle policy changed");
		err = sc_tally_reset(&l->tally, &l->mirror, &l->in, &clock);
		l->folds++;
	}
	if (!err)
		err = sc_tally_advance(&l->tally, &l->mirror, &clock);
	if (!err)
		err = sc_tally_summary(&l->tally, s, l->tasks.data, l->tasks.count, &clock);
	if (err)
		return err;
	s->policy = *policy;
	s->hook = l->in.hook;
	s->attached_ns = l->in.attached_ns;
	s->counters = l->in.counters;
	s->taken_ns = now_ns;
	return 0;
}

int sc_summary_live_collect(struct sc_summary_live *l, struct sc_summary *s,
			    const struct sc_tracker *t, const struct sc_idle_policy *policy)
{
	__u64 start = sc_mono_ns(), missed = sc_tracker_missed_events(t);
	bool walked = false, ring = ring_ready(l, t), lapsed = false;
	struct sc_clock_ref clock;
	long changes = 0;
	int err;

	memset(s, 0, sizeof(*s));
	if (ring && l->in.kernel_hz)
		lapsed = renew_lease(l, policy, start);
	if (lapsed)
		sc_debug("the change lease lapsed: walking again");
	if (!ring || lapsed || must_walk(l, t, start, missed)) {
		err = walk_now(l, t, policy, missed, ring);
		if (err)
			return err;
		walked = true;
	}
	if (ring) {
		changes = apply_changes(l, policy);
		if (changes == -EOVERFLOW && !walked) {
			sc_debug("changes were overwritten before being read: walking again");
			err = walk_now(l, t, policy, missed, ring);
			if (err)
				return err;
			walked = true;
			changes = apply_changes(l, policy);
		}
		if (changes == -ENOMEM) {
			l->stale = true;
			return sc_fail(ENOMEM, "out of memory");
		}
		if (changes < 0) {
			/* Lost even during a fresh walk: this frame is short of them, the next walks. */
			l->stale = true;
			changes = 0;
		}
	}
	if (!walked) {
		l->tasks.count = 0;
		err = sc_iter_read(sc_tracker_iter_link_fd(t, SC_ITER_TASK), &l->tasks);
		if (err)
			return sc_fail(-err, "cannot read processes: %s", strerror(-err));
		if (sc_tracker_read_counters(t, &l->in.counters))
			return -EIO;
		clock = clock_at(l, sc_mono_ns());
		sc_listen_refresh_run(&l->listen, &l->mirror, &l->tally, &clock, l->tasks.data,
				      l->tasks.count);
	}
	err = summarize(l, s, policy);
	if (err)
		return sc_fail(-err, "cannot summarize: %s", strerror(-err));
	sc_summary_fill_fds(s);
	s->bpf_missed_events = missed;
	s->walked_ns = walked ? s->taken_ns : l->walked_ns;
	s->changes = (__u64)changes + l->drained;
	l->drained = 0;
	s->collect_ns = sc_mono_ns() - start;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/model/tally.c: running totals kept by change must equal
 * sc_summary_build's fold of the same mirror at the same clock, through
 * random walks, changes, listener updates and the passing of time; and idle
 * events fed only the sockets the tally touched must be those a compare of
 * every connection gives.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common.h"
#include "idle_events.h"
#include "mirror.h"
#include "summary_build.h"
#include "tally.h"

#define HZ 250
#define BASE_NS 4000000000000ull
/* 200 days of uptime: milliseconds past 32 bits (the tally keeps them in 48). */
#define LATE_BASE_NS (200ull * 86400 * NS_PER_S)
#define BASE_J 1000000ull
#define NS_PER_S 1000000000ull

static const struct sc_task_record tasks[] = {
	{ .tgid = 100, .ppid = 1, .netns = 7, .nofile_cur = 1024, .open_fds = 10, .comm = "server" },
	{ .tgid = 101, .ppid = 100, .netns = 7, .nofile_cur = 1024, .open_fds = 11, .comm = "worker" },
	{ .tgid = 102, .ppid = 100, .netns = 7, .nofile_cur = 1024, .open_fds = 12, .comm = "worker" },
	{ .tgid = 200, .ppid = 1, .netns = 8, .nofile_cur = 2048, .open_fds = 20, .comm = "client" },
	{ .tgid = 300, .ppid = 1, .netns = 7, .nofile_cur = 4096, .open_fds = 30, .comm = "proxy" },
};
static const __u32 tgids[] = { 100, 101, 102, 200, 300, 0 };
static const __u16 lports[] = { 8080, 9090, 5432, 40001, 40002, 40003 };
/* Remote ports: mostly a few (a client's pools), some scattered. */
static const __u16 rports[] = { 5432, 6379, 8080, 30000 };

static __u64 rng_state;
/* CLOCK_MONOTONIC where a run starts. */
static __u64 base_ns = BASE_NS;
/* Summaries checked, and how many of them the tally had to fold anew. */
static int checks, resets;
/* Some rounds let this much time pass unsummarized (0: none): past the 16-bit due seconds. */
static __u64 long_gap_s;
/* Outbound rows compared: the random records must make some. */
static size_t outbound_rows;
/* Port rows compared whose port has a row in the other namespace too. */
static size_t split_ports;

static __u32 rnd(__u32 below)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (__u32)((rng_state >> 33) % below);
}

struct clockwork {
	__u64 now_ns;
};

static __u64 jiffies_of(__u64 ns)
{
	return BASE_J + (ns - base_ns) * HZ / NS_PER_S;
}

static struct sc_clock_ref clock_at(const struct clockwork *w)
{
	return (struct sc_clock_ref){ .now_ns = w->now_ns, .now_jiffies = jiffies_of(w->now_ns),
				      .hz = HZ };
}

static struct sc_summary_inputs inputs(enum sc_hook hook, __u64 heartbeat)
{
	return (struct sc_summary_inputs){
		.policy = { .idle_after_ms = 20000, .heartbeat_bytes = heartbeat },
		.hook = hook,
		.attached_ns = base_ns - 50 * NS_PER_S,
		.kernel_hz = HZ,
	};
}

/*
 * A socket's network namespace, by cookie as a change names it: two, so
 * one port has rows in both and a listener in one only.
 */
static __u32 netns_of(__u64 cookie)
{
	return 7 + (__u32)(cookie % 2);
}

/* A random socket record some seconds in the past. */
static struct sc_conn_record random_record(const struct clockwork *w, __u64 cookie)
{
	__u64 ago_j = rnd(4000) * HZ / 10; /* up to 400 s */
	__u8 state = rnd(10) < 8 ? TCP_ESTABLISHED : rnd(2) ? TCP_LISTEN : TCP_CLOSE_WAIT;
	struct sc_conn_record r = {
		.kind = SC_CONN_TCP,
		.tgid = tgids[rnd(6)],
		.state = state,
		.flags = (__u8)(SC_CONN_HAS_STATE | (rnd(2) ? SC_CONN_SAW_CALLS : 0) |
				(state == TCP_LISTEN ? 0 : SC_CONN_HAS_TIMES)),
		.lport = lports[rnd(6)],
		.rport = (__u16)(rports[rnd(4)] + rnd(2) * rnd(1000)),
		.mem = rnd(5000),
		.kernel_last = (__u32)(jiffies_of(w->now_ns) - ago_j),
		.cookie = cookie,
		.established_ns = w->now_ns - rnd(500) * NS_PER_S,
		.last_active_jiffies = rnd(3) ? jiffies_of(w->now_ns) - ago_j - rnd(100) * HZ : 0,
	};
	r.netns = netns_of(cookie);
	if (rnd(8) == 0)
		r.flags = 0; /* no storage record */
	if (state == TCP_LISTEN) {
		r.mem = rnd(10);
		r.kernel_last = 128;
		r.listen_drops = rnd(3);
	}
	return r;
}

/* A walk of n sockets; some held by several processes or twice by one. */
static void load_walk(struct sc_mirror *m, struct clockwork *w, size_t n)
{
	struct sc_conn_record *r = calloc(3 * n + 1, sizeof(*r));
	size_t i, k = 1;

	assert_non_null(r);
	r[0] = (struct sc_conn_record){ .kind = SC_CONN_HEADER, .established_ns = w->now_ns,
					.last_active_jiffies = jiffies_of(w->now_ns) };
	for (i = 0; i < n; i++) {
		r[k++] = random_record(w, 1000 + i);
		while (rnd(6) == 0 && k < 3 * n + 1) {
			r[k] = r[k - 1];
			r[k].tgid = tgids[rnd(5)];
			k++;
		}
	}
	/* Walk order is not cookie order: shuffle. */
	for (i = k - 1; i > 1; i--) {
		size_t j = 1 + rnd((__u32)i);
		struct sc_conn_record t = r[i];

		r[i] = r[j];
		r[j] = t;
	}
	assert_int_equal(sc_mirror_load(m, r, k), 0);
	free(r);
}

static struct sc_change random_change(const struct clockwork *w, __u64 ncookies)
{
	__u64 j = jiffies_of(w->now_ns);
	struct sc_change c = {
		.cookie = 1000 + rnd((__u32)ncookies),
		.tgid = tgids[rnd(6)],
		.jiffies = (__u32)j,
		.lport = lports[rnd(6)],
		.rport = (__u16)(rports[rnd(4)] + rnd(2) * rnd(1000)),
		.mem = rnd(9000),
		.established_ns = w->now_ns,
		.last_active_jiffies = rnd(2) ? j : 0,
		.flags = rnd(2) ? SC_CONN_SAW_CALLS : 0,
	};
	__u32 what = rnd(10);

	c.netns = netns_of(c.cookie);
	if (what < 5) {
		c.kind = SC_CHANGE_CALLS;
		c.state = TCP_ESTABLISHED;
		c.flags = SC_CONN_SAW_CALLS;
	} else if (what < 6) {
		c.kind = SC_CHANGE_MEM;
		c.state = TCP_ESTABLISHED;
	} else {
		static const __u8 states[] = { TCP_ESTABLISHED, TCP_CLOSE, TCP_CLOSE_WAIT,
					       TCP_ESTABLISHED };

		c.kind = SC_CHANGE_STATE;
		/* Listeners come and go seldom: each such change refolds everything. */
		c.state = rnd(30) ? states[rnd(4)] : TCP_LISTEN;
	}
	return c;
}

static const struct sc_summary_proc *find_proc(const struct sc_summary *s, __u32 pid)
{
	size_t i;

	for (i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

/* The tally's summary equals a fold of every record at the same clock. */
/* One feed's events, as text, sorted: the two feeds emit in different orders. */
struct event_log {
	char line[8192][48];
	size_t n;
};

static struct event_log whole_log, touched_log;
static struct sc_events *whole_events, *touched_events;
static int touched_feeds;

static void log_event(const struct sc_idle_event *e, void *ctx)
{
	struct event_log *l = ctx;

	assert_true(l->n < ARRAY_SIZE(l->line));
	/* An "idle" event's age is judged now; the others' grew since the report. */
	snprintf(l->line[l->n++], sizeof(l->line[0]), "%s %u %u %u %llu", e->what, e->pid,
		 e->lport, e->rport, strcmp(e->what, "idle") ? 0ull : (unsigned long long)e->idle_ms);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Both event streams fed at the tally's clock; the same events must come out. */
static void check_events(struct sc_tally *t, struct sc_mirror *m,
			 const struct sc_summary_inputs *in, __u64 now_ns)
{
	struct sc_conn_idle *conns;
	const __u64 *touched;
	size_t n, ntouched, i;

	if (!whole_events)
		return;
	whole_log.n = touched_log.n = 0;
	assert_int_equal(sc_mirror_idle_list(m, in, &conns, &n), 0);
	assert_int_equal(sc_events_feed(whole_events, conns, n, tasks, 5, now_ns, 0), 0);
	if (sc_tally_take_touched(t, &touched, &ntouched)) {
		touched_feeds++;
		assert_int_equal(sc_events_feed_touched(touched_events, m, in, touched, ntouched,
							tasks, 5, now_ns, 0), 0);
	} else {
		assert_int_equal(sc_events_feed(touched_events, conns, n, tasks, 5, now_ns, 0), 0);
	}
	free(conns);
	assert_int_equal(touched_log.n, whole_log.n);
	qsort(whole_log.line, whole_log.n, sizeof(whole_log.line[0]), cmp_line);
	qsort(touched_log.line, touched_log.n, sizeof(touched_log.line[0]), cmp_line);
	for (i = 0; i < whole_log.n; i++)
		assert_string_equal(touched_log.line[i], whole_log.line[i]);
	assert_int_equal(sc_events_stats(touched_events).idle_now,
			 sc_events_stats(whole_events).idle_now);
}

static void check_equal(struct sc_tally *t, struct sc_mirror *m, const struct clockwork *w,
			const struct sc_summary_inputs *in)
{
	struct sc_clock_ref c = clock_at(w);
	struct sc_summary want, got = {};
	struct sc_conn_record *recs;
	size_t i;

	m->header.established_ns = c.now_ns;
	m->header.last_active_jiffies = c.now_jiffies;
	assert_int_equal(sc_mirror_export(m, &recs), 0);
	assert_int_equal(sc_summary_build(&want, recs, m->n, tasks, 5, in), 0);
	free(recs);
	checks++;
	if (!sc_tally_current(t, m, in)) {
		resets++;
		assert_int_equal(sc_tally_reset(t, m, in, &c), 0);
	}
	assert_int_equal(sc_tally_advance(t, m, &c), 0);
	assert_true(sc_tally_current(t, m, in));
	assert_int_equal(sc_tally_summary(t, &got, tasks, 5, &c), 0);
	check_events(t, m, in, c.now_ns);

	assert_int_equal(got.connections, want.connections);
	assert_int_equal(got.idle_connections, want.idle_connections);
	assert_int_equal(got.socket_memory_bytes, want.socket_memory_bytes);
	assert_memory_equal(got.idle_hist.count, want.idle_hist.count, sizeof(want.idle_hist.count));
	assert_int_equal(got.idle_hist.total, want.idle_hist.total);
	/* Ages are each rounded to a millisecond (a jiffy for the kernel's). */
	assert_true(got.idle_hist.sum_ms + 5 * want.connections >= want.idle_hist.sum_ms);
	assert_true(want.idle_hist.sum_ms + 5 * want.connections >= got.idle_hist.sum_ms);
	assert_int_equal(got.nprocs, want.nprocs);
	for (i = 0; i < want.nprocs; i++) {
		const struct sc_summary_proc *p = find_proc(&got, want.procs[i].pid);

		assert_non_null(p);
		assert_memory_equal(p, &want.procs[i], sizeof(*p));
	}
	assert_int_equal(got.nports, want.nports);
	for (i = 0; i < want.nports; i++) {
		const struct sc_summary_port *g = &got.ports[i], *o = &want.ports[i];
		size_t j;

		assert_int_equal(g->netns, o->netns);
		assert_int_equal(g->port, o->port);
		assert_int_equal(g->listeners, o->listeners);
		assert_int_equal(g->accept_queue, o->accept_queue);
		assert_int_equal(g->accept_queue_max, o->accept_queue_max);
		assert_int_equal(g->listen_drops, o->listen_drops);
		assert_int_equal(g->connections, o->connections);
		assert_int_equal(g->idle_connections, o->idle_connections);
		for (j = 0; j < want.nports; j++)
			split_ports += j != i && want.ports[j].port == o->port;
	}
	/* The namespaces a walk would enter. */
	assert_int_equal(got.nnetns, want.nnetns);
	assert_memory_equal(got.netns, want.netns, want.nnetns * sizeof(*want.netns));
	assert_int_equal(got.noutbound, want.noutbound);
	for (i = 0; i < want.noutbound; i++) {
		const struct sc_summary_outbound *g = &got.outbound[i], *o = &want.outbound[i];

		assert_int_equal(g->port, o->port);
		assert_int_equal(g->connections, o->connections);
		assert_int_equal(g->idle_connections, o->idle_connections);
		assert_int_equal(g->processes, o->processes);
		assert_int_equal(g->socket_memory_bytes, o->socket_memory_bytes);
	}
	outbound_rows += want.noutbound;
	sc_summary_free(&want);
	sc_summary_free(&got);
}

static void apply(struct sc_tally *t, struct sc_mirror *m, const struct clockwork *w,
		  const struct sc_change *ch)
{
	struct sc_clock_ref c = clock_at(w);

	assert_int_equal(sc_tally_apply(t, m, ch, &c), 0);
}

static void set_listener(struct sc_tally *t, struct sc_mirror *m, const struct clockwork *w,
			 __u64 cookie)
{
	struct sc_clock_ref c = clock_at(w);

	sc_tally_before(t, m, cookie);
	sc_mirror_set_listener(m, cookie, rnd(20), 64 + rnd(64), rnd(100));
	assert_int_equal(sc_tally_after(t, m, cookie, &c), 0);
}

static void run(__u64 seed, enum sc_hook hook, __u64 heartbeat, size_t nsockets, int rounds)
{
	struct sc_summary_inputs in = inputs(hook, heartbeat);
	struct clockwork w = { .now_ns = base_ns };
	struct sc_mirror m = {};
	struct sc_tally t;
	int round, k;

	rng_state = seed;
	checks = resets = touched_feeds = 0;
	sc_tally_init(&t);
	sc_tally_log_touched(&t, true);
	/* No rate limit: which events a bucket holds back depends on their order. */
	whole_events = sc_events_new(1e15, log_event, &whole_log);
	touched_events = sc_events_new(1e15, log_event, &touched_log);
	assert_non_null(whole_events);
	assert_non_null(touched_events);
	load_walk(&m, &w, nsockets);
	check_equal(&t, &m, &w, &in);
	for (round = 0; round < rounds; round++) {
		int nchanges = (int)rnd(24);

		/* A stopped daemon: changes drained after the gap, before any advance. */
		if (long_gap_s && rnd(10) == 0)
			w.now_ns += (long_gap_s + rnd(5000)) * NS_PER_S;
		if (rnd(2)) {
			/* As the ring is drained: a batch judged at one clock. */
			struct sc_change batch[40];
			struct sc_clock_ref c = clock_at(&w);

			for (k = 0; k < nchanges; k++)
				batch[k] = random_change(&w, nsockets + 200);
			assert_int_equal(sc_tally_apply_batch(&t, &m, batch, (size_t)nchanges, &c), 0);
			w.now_ns += rnd(300) * 1000000ull;
		}
		for (k = 0; k < nchanges; k++) {
			struct sc_change ch = random_change(&w, nsockets + 200);

			if (rnd(20) == 0)
				set_listener(&t, &m, &w, ch.cookie);
			else
				apply(&t, &m, &w, &ch);
			w.now_ns += rnd(300) * 1000000ull;
		}
		/* Time alone: across histogram bounds and the idle threshold. */
		w.now_ns += rnd(4) == 0 ? rnd(900) * NS_PER_S : rnd(3000) * 1000000ull;
		if (long_gap_s && rnd(10) == 0)
			w.now_ns += (long_gap_s + rnd(5000)) * NS_PER_S;
		check_equal(&t, &m, &w, &in);
		if (rnd(25) == 0) {
			load_walk(&m, &w, nsockets);
			check_equal(&t, &m, &w, &in);
		}
	}
	/* Most summaries came from changes and time, not from a new fold (a listener
	 * coming or going, a walk). */
	assert_true(resets * 2 < checks);
	/* And most event feeds compared only what the tally touched. */
	assert_true(touched_feeds * 2 > checks);
	sc_events_free(whole_events);
	sc_events_free(touched_events);
	whole_events = touched_events = NULL;
	sc_tally_free(&t);
	sc_mirror_free(&m);
}

static void test_equals_a_fold_hooked(void **state)
{
	size_t before = outbound_rows, split = split_ports;
	__u64 seed;

	(void)state;
	for (seed = 1; seed <= 12; seed++)
		run(seed, SC_HOOK_TRACEPOINT, 0, 60, 80);
	/* Client-side connections were compared, not only their absence. */
	assert_true(outbound_rows - before > 80);
	/* And ports listened on in both namespaces, each its own row. */
	assert_true(split_ports - split > 20);
}

static struct sc_conn_record ns_record(__u32 tgid, __u32 netns, __u8 state, __u16 lport,
				       __u64 cookie)
{
	return (struct sc_conn_record){
		.kind = SC_CONN_TCP, .tgid = tgid, .netns = netns, .state = state,
		.flags = state == TCP_LISTEN ? 0 : SC_CONN_HAS_TIMES, .lport = lport,
		.rport = state == TCP_LISTEN ? 0 : (__u16)(40000 + cookie), .cookie = cookie,
		.kernel_last = state == TCP_LISTEN ? 128 : (__u32)BASE_J, .mem = 0,
	};
}

static const struct sc_summary_port *find_port(const struct sc_summary *s, __u32 netns,
					       __u16 port)
{
	size_t i;

	for (i = 0; i < s->nports; i++)
		if (s->ports[i].netns == netns && s->ports[i].port == port)
			return &s->ports[i];
	return NULL;
}

/*
 * Two namespaces listen on 8080, one on 9090: a connection on 9090 in the
 * other is a client's, and 8080 has a row in each with its own counts.
 */
static void test_ports_by_namespace(void **state)
{
	struct sc_summary_inputs in = inputs(SC_HOOK_TRACEPOINT, 0);
	struct clockwork w = { .now_ns = BASE_NS };
	struct sc_conn_record r[] = {
		{ .kind = SC_CONN_HEADER, .established_ns = BASE_NS, .last_active_jiffies = BASE_J },
		ns_record(100, 7, TCP_LISTEN, 8080, 1),
		ns_record(100, 7, TCP_ESTABLISHED, 8080, 2),
		ns_record(100, 7, TCP_ESTABLISHED, 8080, 3),
		ns_record(100, 7, TCP_LISTEN, 9090, 4),
		ns_record(200, 8, TCP_LISTEN, 8080, 5),
		ns_record(200, 8, TCP_ESTABLISHED, 8080, 6),
		ns_record(200, 8, TCP_ESTABLISHED, 9090, 7),
	};
	struct sc_change listen9090 = {
		.kind = SC_CHANGE_STATE, .cookie = 8, .tgid = 200, .netns = 8,
		.state = TCP_LISTEN, .lport = 9090,
	};
	struct sc_clock_ref c = clock_at(&w);
	struct sc_summary s = {};
	struct sc_mirror m = {};
	struct sc_tally t;

	(void)state;
	base_ns = BASE_NS;
	sc_tally_init(&t);
	assert_int_equal(sc_mirror_load(&m, r, ARRAY_SIZE(r)), 0);
	check_equal(&t, &m, &w, &in);
	assert_int_equal(sc_tally_summary(&t, &s, tasks, 5, &c), 0);
	assert_int_equal(s.nports, 3);
	assert_int_equal(s.nnetns, 2);
	assert_int_equal(s.netns[0], 7);
	assert_int_equal(s.netns[1], 8);
	assert_int_equal(find_port(&s, 7, 8080)->connections, 2);
	assert_int_equal(find_port(&s, 8, 8080)->connections, 1);
	assert_int_equal(find_port(&s, 7, 9090)->connections, 0);
	assert_null(find_port(&s, 8, 9090));
	/* 9090 in namespace 8: nobody there listens, so a client's connection. */
	assert_int_equal(s.noutbound, 1);
	assert_int_equal(s.outbound[0].port, 40007);
	assert_int_equal(find_proc(&s, 100)->server_port, 8080); /* all its connections */
	assert_int_equal(find_proc(&s, 200)->server_port, 0); /* a client's connection too */
	sc_summary_free(&s);

	/* A listener on 9090 in namespace 8 makes it a server's there. */
	assert_int_equal(sc_tally_apply(&t, &m, &listen9090, &c), 0);
	check_equal(&t, &m, &w, &in);
	assert_int_equal(sc_tally_summary(&t, &s, tasks, 5, &c), 0);
	assert_int_equal(s.nports, 4);
	assert_int_equal(find_port(&s, 8, 9090)->connections, 1);
	assert_int_equal(s.noutbound, 0);
	sc_summary_free(&s);
	sc_tally_free(&t);
	sc_mirror_free(&m);
}

static void test_equals_a_fold_with_heartbeats(void **state)
{
	size_t before = outbound_rows;
	__u64 seed;

	(void)state;
	for (seed = 100; seed <= 105; seed++)
		run(seed, SC_HOOK_TRACEPOINT, 4, 60, 80);
	/* Client-side connections were compared, not only their absence. */
	assert_true(outbound_rows - before > 80);
}

static void test_equals_a_fold_unhooked(void **state)
{
	size_t before = outbound_rows;
	__u64 seed;

	(void)state;
	for (seed = 200; seed <= 205; seed++)
		run(seed, SC_HOOK_NONE, 0, 60, 60);
	/* Client-side connections were compared, not only their absence. */
	assert_true(outbound_rows - before > 60);
}

/* Enough sockets and churn that the mirror compacts and re-indexes under the tally. */
static void test_equals_a_fold_through_compaction(void **state)
{
	(void)state;
	run(300, SC_HOOK_TRACEPOINT, 0, 2000, 300);
}

/* A host up for months: the references to sum idle ages by pass 32 bits of ms. */
static void test_equals_a_fold_after_months_up(void **state)
{
	(void)state;
	base_ns = LATE_BASE_NS;
	run(400, SC_HOOK_TRACEPOINT, 0, 60, 80);
	run(401, SC_HOOK_NONE, 0, 60, 80);
	base_ns = BASE_NS;
}

/*
 * Hours with no summary (a daemon nobody scrapes): dues are kept in 16 bits
 * past the wheel's cursor, so gaps of 2^16 s and more must still re-judge
 * each socket in time.
 */
static void test_equals_a_fold_across_long_gaps(void **state)
{
	(void)state;
	long_gap_s = 70000;
	run(500, SC_HOOK_TRACEPOINT, 0, 60, 60);
	run(501, SC_HOOK_NONE, 0, 60, 60);
	long_gap_s = 30000;
	run(502, SC_HOOK_TRACEPOINT, 0, 60, 60);
	long_gap_s = 0;
}

/* Short-lived clients: a thousand processes come and most go between walks. */
static void test_processes_come_and_go(void **state)
{
	struct sc_summary_inputs in = inputs(SC_HOOK_TRACEPOINT, 0);
	struct clockwork w = { .now_ns = BASE_NS };
	struct sc_mirror m = {};
	struct sc_tally t;
	__u32 i;

	(void)state;
	rng_state = 7;
	checks = resets = 0;
	sc_tally_init(&t);
	load_walk(&m, &w, 20);
	check_equal(&t, &m, &w, &in);
	for (i = 0; i < 1000; i++) {
		struct sc_change ch = random_change(&w, 1);

		ch.kind = SC_CHANGE_STATE;
		ch.state = TCP_ESTABLISHED;
		ch.cookie = 50000 + i;
		ch.tgid = 5000 + i;
		ch.lport = 40001;
		apply(&t, &m, &w, &ch);
	}
	check_equal(&t, &m, &w, &in);
	for (i = 0; i < 900; i++) {
		struct sc_change ch = random_change(&w, 1);

		ch.kind = SC_CHANGE_STATE;
		ch.state = TCP_CLOSE;
		ch.cookie = 50000 + i;
		apply(&t, &m, &w, &ch);
	}
	w.now_ns += 2 * NS_PER_S;
	check_equal(&t, &m, &w, &in);
	/* The 900 gone were dropped from the table, not only from the summary. */
	assert_true(t.nprocs < 200);
	assert_int_equal(resets, 1);
	sc_tally_free(&t);
	sc_mirror_free(&m);
}

/* An idle connection crosses the threshold with no change at all. */
static void test_time_alone_makes_idle(void **state)
{
	struct sc_summary_inputs in = inputs(SC_HOOK_TRACEPOINT, 0);
	struct clockwork w = { .now_ns = BASE_NS };
	struct sc_conn_record r[2] = {
		{ .kind = SC_CONN_HEADER, .established_ns = BASE_NS, .last_active_jiffies = BASE_J },
		{ .kind = SC_CONN_TCP, .tgid = 100, .netns = 1, .state = TCP_ESTABLISHED,
		  .flags = SC_CONN_HAS_STATE | SC_CONN_SAW_CALLS | SC_CONN_HAS_TIMES,
		  .lport = 8080, .cookie = 7, .kernel_last = (__u32)BASE_J,
		  .established_ns = BASE_NS - 100 * NS_PER_S, .last_active_jiffies = BASE_J },
	};
	struct sc_clock_ref c = clock_at(&w);
	struct sc_summary s = {};
	struct sc_mirror m = {};
	struct sc_tally t;

	(void)state;
	sc_tally_init(&t);
	assert_int_equal(sc_mirror_load(&m, r, 2), 0);
	assert_int_equal(sc_tally_reset(&t, &m, &in, &c), 0);
	assert_int_equal(sc_tally_summary(&t, &s, tasks, 5, &c), 0);
	assert_int_equal(s.idle_connections, 0);
	assert_int_equal(s.idle_hist.count[0], 1);
	sc_summary_free(&s);

	w.now_ns += 20 * NS_PER_S + 1000000;
	c = clock_at(&w);
	assert_int_equal(sc_tally_advance(&t, &m, &c), 0);
	assert_int_equal(sc_tally_summary(&t, &s, tasks, 5, &c), 0);
	assert_int_equal(s.idle_connections, 1);
	assert_int_equal(s.idle_hist.count[3], 1); /* (15, 30] s */
	assert_int_equal(find_proc(&s, 100)->idle_connections, 1);
	/* Nobody listens on 8080 here: a client's connection, idle by time alone too. */
	assert_int_equal(s.noutbound, 1);
	assert_int_equal(s.outbound[0].connections, 1);
	assert_int_equal(s.outbound[0].idle_connections, 1);
	assert_int_equal(s.outbound[0].processes, 1);
	sc_summary_free(&s);
	sc_tally_free(&t);
	sc_mirror_free(&m);
}

/*
 * Sockets opened and closed every second leave stale entries in a slot a
 * second or so ahead: the wheel holds buffers for the slots with entries,
 * not for every slot the churn ever reached (the soak's RSS growth).
 */
static void test_churn_keeps_the_wheel_small(void **state)
{
	struct sc_summary_inputs in = inputs(SC_HOOK_TRACEPOINT, 0);
	struct clockwork w = { .now_ns = BASE_NS };
	struct sc_mirror m = {};
	struct sc_tally_mem mem;
	struct sc_clock_ref c;
	struct sc_tally t;
	__u32 sec, i;

	(void)state;
	rng_state = 11;
	sc_tally_init(&t);
	load_walk(&m, &w, 20);
	c = clock_at(&w);
	assert_int_equal(sc_tally_reset(&t, &m, &in, &c), 0);
	for (sec = 0; sec < 600; sec++) {
		for (i = 0; i < 200; i++) {
			struct sc_change ch = random_change(&w, 1);
			__u32 opened = i < 100 ? sec : sec - 30; /* closed 30 s later */

			if (i >= 100 && sec < 30)
				break;
			ch.kind = SC_CHANGE_STATE;
			ch.state = i < 100 ? TCP_ESTABLISHED : TCP_CLOSE;
			ch.cookie = 100000 + opened * 100 + i % 100;
			ch.lport = 40001;
			apply(&t, &m, &w, &ch);
		}
		w.now_ns += NS_PER_S;
		c = clock_at(&w);
		assert_int_equal(sc_tally_advance(&t, &m, &c), 0);
	}
	mem = sc_tally_mem(&t);
	/*
	 * Buffers of the slots with entries (doubled: at most twice theirs, 64
	 * at least, in the 30 s ahead) and one spare of up to 4096: about 50 KB.
	 * Kept for every slot the churn reached, they were 2.4 MB here.
	 */
	assert_true(mem.wheel <= (2 * mem.wheel_entries + 64 * 64 + 4096) * 4);
	check_equal(&t, &m, &w, &in);
	sc_tally_free(&t);
	sc_mirror_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_alone_makes_idle),
		cmocka_unit_test(test_ports_by_namespace),
		cmocka_unit_test(test_processes_come_and_go),
		cmocka_unit_test(test_churn_keeps_the_wheel_small),
		cmocka_unit_test(test_equals_a_fold_hooked),
		cmocka_unit_test(test_equals_a_fold_with_heartbeats),
		cmocka_unit_test(test_equals_a_fold_unhooked),
		cmocka_unit_test(test_equals_a_fold_through_compaction),
		cmocka_unit_test(test_equals_a_fold_after_months_up),
		cmocka_unit_test(test_equals_a_fold_across_long_gaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

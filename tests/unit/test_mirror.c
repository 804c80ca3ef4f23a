// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/mirror.c: a walk's records brought up to date by
 * changes, checked through the summary `top` folds from them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common.h"
#include "mirror.h"
#include "summary_build.h"

#define HZ 250
#define NOW_JIFFIES 1000000ull
#define NOW_NS 4000000000000ull
#define SEC_J(s) ((s) * HZ)

static const struct sc_task_record tasks[] = {
	{ .tgid = 100, .nofile_cur = 1024, .open_fds = 10, .comm = "server" },
	{ .tgid = 200, .nofile_cur = 1024, .open_fds = 10, .comm = "worker" },
};

static const struct sc_summary_inputs inputs = {
	.policy = { .idle_after_ms = 60000 },
	.hook = SC_HOOK_TRACEPOINT,
	.attached_ns = 1000000000ull,
	.kernel_hz = HZ,
};

/* A walk: a listener on 8080 and two connections to it, idle 120 s, held by 100. */
static void load_walk(struct sc_mirror *m)
{
	struct sc_conn_record r[4] = {
		{ .kind = SC_CONN_HEADER, .established_ns = NOW_NS,
		  .last_active_jiffies = NOW_JIFFIES },
		{ .kind = SC_CONN_TCP, .tgid = 100, .netns = 1, .state = TCP_LISTEN, .lport = 8080,
		  .cookie = 1, .mem = 0, .kernel_last = 128, .listen_drops = 7 },
	};
	int i;

	for (i = 2; i < 4; i++)
		r[i] = (struct sc_conn_record){
			.kind = SC_CONN_TCP, .tgid = 100, .netns = 1, .state = TCP_ESTABLISHED,
			.flags = SC_CONN_HAS_STATE | SC_CONN_HAS_TIMES, .lport = 8080,
			.rport = (__u16)(50000 + i), .cookie = (__u64)(10 + i),
			.kernel_last = (__u32)(NOW_JIFFIES - SEC_J(120)),
		};
	assert_int_equal(sc_mirror_load(m, r, 4), 0);
}

static struct sc_change change(__u8 kind, __u64 cookie, __u8 state, __u32 tgid)
{
	return (struct sc_change){
		.kind = kind, .cookie = cookie, .state = state, .tgid = tgid, .netns = 1, .lport = 8080,
		.rport = 40000, .jiffies = (__u32)NOW_JIFFIES, .established_ns = NOW_NS,
	};
}

static void summarize(const struct sc_mirror *m, struct sc_summary *s)
{
	struct sc_conn_record *recs;

	assert_int_equal(sc_mirror_export(m, &recs), 0);
	assert_int_equal(sc_summary_build(s, recs, m->n, tasks, 2, &inputs), 0);
	free(recs);
}

static const struct sc_summary_proc *proc(const struct sc_summary *s, __u32 pid)
{
	size_t i;

	for (i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

static void test_load_needs_a_header(void **state)
{
	struct sc_conn_record r = { .kind = SC_CONN_TCP };
	struct sc_mirror m = {};

	(void)state;
	assert_int_equal(sc_mirror_load(&m, &r, 1), -EPROTO);
	assert_int_equal(sc_mirror_load(&m, &r, 0), -EPROTO);
	sc_mirror_free(&m);
}

static void test_new_connection_is_added_to_its_owner(void **state)
{
	struct sc_change c = change(SC_CHANGE_STATE, 99, TCP_ESTABLISHED, 100);
	struct sc_mirror m = {};
	struct sc_summary s;

	(void)state;
	load_walk(&m);
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	assert_int_equal(sc_mirror_apply(&m, &c), 0);   /* the same change again: once */
	summarize(&m, &s);
	assert_int_equal(s.connections, 3);
	assert_int_equal(s.idle_connections, 2);         /* the new one is fresh */
	assert_int_equal(proc(&s, 100)->connections, 3);
	assert_int_equal(s.ports[0].connections, 3);
	sc_summary_free(&s);
	sc_mirror_free(&m);
}

static void test_unknown_owner_waits_for_a_call(void **state)
{
	struct sc_change c = change(SC_CHANGE_STATE, 99, TCP_ESTABLISHED, 0);
	struct sc_mirror m = {};
	struct sc_summary s;

	(void)state;
	load_walk(&m);
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	summarize(&m, &s);
	assert_int_equal(proc(&s, 100)->connections, 2);
	sc_summary_free(&s);
	c = change(SC_CHANGE_CALLS, 99, TCP_ESTABLISHED, 200);
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	summarize(&m, &s);
	assert_int_equal(proc(&s, 200)->connections, 1);
	sc_summary_free(&s);
	sc_mirror_free(&m);
}

static void test_close_removes_and_leaving_established_stops_counting(void **state)
{
	struct sc_change closing = change(SC_CHANGE_STATE, 12, TCP_FIN_WAIT1, 100);
	struct sc_change closed = change(SC_CHANGE_STATE, 13, TCP_CLOSE, 100);
	struct sc_change stray = change(SC_CHANGE_STATE, 77, TCP_CLOSE, 100);
	struct sc_mirror m = {};
	struct sc_summary s;

	(void)state;
	load_walk(&m);
	assert_int_equal(sc_mirror_apply(&m, &closing), 0);
	assert_int_equal(sc_mirror_apply(&m, &closed), 0);
	assert_int_equal(sc_mirror_apply(&m, &stray), 0);  /* never seen: nothing */
	assert_int_equal(sc_mirror_count(&m, 13), 0);
	summarize(&m, &s);
	assert_int_equal(s.connections, 0);
	assert_int_equal(proc(&s, 100)->tcp_sockets, 2);   /* the listener and FIN_WAIT1 */
	sc_summary_free(&s);
	sc_mirror_free(&m);
}

/*
 * A walk's socket that had no cookie then (filed under its inode key): its
 * first report, which carries the inode, moves it under the report's cookie
 * instead of adding a second record; later ones (and its close) find it.
 * A report whose inode is 0 (an orphan) cannot, and adds as before.
 */
static void test_a_socket_walked_without_cookie_takes_its_reports_cookie(void **state)
{
	struct sc_conn_record r[3] = {
		{ .kind = SC_CONN_HEADER, .established_ns = NOW_NS,
		  .last_active_jiffies = NOW_JIFFIES },
		{ .kind = SC_CONN_TCP, .tgid = 100, .netns = 1, .state = TCP_CLOSE, .lport = 0,
		  .cookie = SC_WALK_INODE_KEY | 4321, .inode = 4321 },
		{ .kind = SC_CONN_TCP, .tgid = 100, .netns = 1, .state = TCP_ESTABLISHED,
		  .lport = 8080, .rport = 50001, .cookie = SC_WALK_INODE_KEY | 4322, .inode = 4322,
		  .flags = SC_CONN_HAS_TIMES, .kernel_last = (__u32)(NOW_JIFFIES - SEC_J(120)) },
	};
	struct sc_change connected = change(SC_CHANGE_STATE, 501, TCP_ESTABLISHED, 100);
	struct sc_change closed = change(SC_CHANGE_STATE, 502, TCP_FIN_WAIT1, 100);
	struct sc_change orphan = change(SC_CHANGE_STATE, 503, TCP_ESTABLISHED, 100);
	struct sc_mirror m = {};
	struct sc_summary s;
	int i;

	(void)state;
	assert_int_equal(sc_mirror_load(&m, r, 3), 0);
	connected.inode = 4321; /* socket() before the walk, connect() after */
	closed.inode = 4322;
	assert_int_equal(sc_mirror_apply(&m, &connected), 0);
	assert_int_equal(sc_mirror_apply(&m, &closed), 0);
	assert_int_equal(sc_mirror_count(&m, SC_WALK_INODE_KEY | 4321), 0);
	assert_int_equal(sc_mirror_count(&m, SC_WALK_INODE_KEY | 4322), 0);
	assert_int_equal(sc_mirror_count(&m, 501), 1);
	assert_int_equal(sc_mirror_count(&m, 502), 1);
	summarize(&m, &s);
	assert_int_equal(proc(&s, 100)->tcp_sockets, 2);
	assert_int_equal(s.connections, 1);
	sc_summary_free(&s);
	closed.state = TCP_CLOSE;
	assert_int_equal(sc_mirror_apply(&m, &closed), 0);
	assert_int_equal(sc_mirror_count(&m, 502), 0);
	assert_int_equal(sc_mirror_apply(&m, &orphan), 0);
	assert_int_equal(sc_mirror_count(&m, 503), 1);
	/* The moved records live through the rebuilds many changes bring. */
	for (i = 0; i < 3000; i++) {
		struct sc_change c = change(SC_CHANGE_STATE, 10000 + i, TCP_ESTABLISHED, 200);

		assert_int_equal(sc_mirror_apply(&m, &c), 0);
	}
	for (i = 0; i < 3000; i++) {
		struct sc_change c = change(SC_CHANGE_STATE, 10000 + i, TCP_CLOSE, 200);

		assert_int_equal(sc_mirror_apply(&m, &c), 0);
	}
	summarize(&m, &s);
	assert_int_equal(proc(&s, 100)->tcp_sockets, 2);
	assert_int_equal(s.connections, 2);
	sc_summary_free(&s);
	sc_mirror_free(&m);
}

static void test_a_late_call_does_not_bring_back_a_closed_socket(void **state)
{
	struct sc_change open = change(SC_CHANGE_STATE, 99, TCP_ESTABLISHED, 100);
	struct sc_change closed = change(SC_CHANGE_STATE, 99, TCP_CLOSE, 100);
	struct sc_change late = change(SC_CHANGE_CALLS, 99, TCP_ESTABLISHED, 100);
	struct sc_mirror m = {};

	(void)state;
	load_walk(&m);
	assert_int_equal(sc_mirror_apply(&m, &open), 0);
	assert_int_equal(sc_mirror_apply(&m, &closed), 0);
	assert_int_equal(sc_mirror_apply(&m, &late), 0);
	assert_int_equal(sc_mirror_count(&m, 99), 0);
	sc_mirror_free(&m);
}

static void test_calls_make_active_and_move_a_sole_holder(void **state)
{
	struct sc_change c = change(SC_CHANGE_CALLS, 12, TCP_ESTABLISHED, 200);
	struct sc_mirror m = {};
	struct sc_summary s;

	(void)state;
	load_walk(&m);
	c.last_active_jiffies = NOW_JIFFIES - SEC_J(1);
	c.flags = SC_CONN_SAW_CALLS;
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	summarize(&m, &s);
	assert_int_equal(s.idle_connections, 1);
	assert_int_equal(proc(&s, 100)->connections, 1);
	assert_int_equal(proc(&s, 200)->connections, 1);
	assert_int_equal(proc(&s, 200)->idle_connections, 0);
	sc_summary_free(&s);
	/* An older report does not make it idle again. */
	c.last_active_jiffies = NOW_JIFFIES - SEC_J(100);
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	summarize(&m, &s);
	assert_int_equal(s.idle_connections, 1);
	sc_summary_free(&s);
	sc_mirror_free(&m);
}

static void test_a_shared_socket_keeps_its_holders(void **state)
{
	struct sc_conn_record r[3] = {
		{ .kind = SC_CONN_HEADER, .established_ns = NOW_NS,
		  .last_active_jiffies = NOW_JIFFIES },
		{ .kind = SC_CONN_TCP, .tgid = 100, .state = TCP_ESTABLISHED, .cookie = 5,
		  .flags = SC_CONN_HAS_TIMES, .kernel_last = (__u32)(NOW_JIFFIES - SEC_J(120)) },
	};
	struct sc_change c = change(SC_CHANGE_CALLS, 5, TCP_ESTABLISHED, 300);
	struct sc_mirror m = {};
	struct sc_summary s;

	(void)state;
	r[2] = r[1];
	r[2].tgid = 200;                               /* inherited by a fork */
	assert_int_equal(sc_mirror_load(&m, r, 3), 0);
	assert_int_equal(sc_mirror_count(&m, 5), 2);
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	summarize(&m, &s);
	assert_int_equal(s.connections, 1);
	assert_int_equal(s.idle_connections, 0);       /* both holders see the call */
	assert_int_equal(proc(&s, 100)->connections, 1);
	assert_int_equal(proc(&s, 200)->idle_connections, 0);
	sc_summary_free(&s);
	sc_mirror_free(&m);
}

/*
 * Sockets of three holders each (a pre-fork server's), more than the link
 * table's first size, walked apart from one another. The first of them
 * closes before others churn through (each opened by a process of its own),
 * so compactions move every shared record: each socket keeps exactly its
 * holders, the first walked first, and neither the links nor the holder
 * pairs grow with the churn.
 */
static void test_shared_sockets_keep_their_holders_across_compaction(void **state)
{
	enum { SHARED = 300, HOLDERS = 3, OTHERS = 4000 };
	size_t n = 1 + SHARED * HOLDERS, k = 1, links;
	struct sc_conn_record *r = calloc(n, sizeof(*r));
	struct sc_mirror m = {};
	struct sc_change c;
	__u32 h, i, j, seen;
	__u64 s;

	(void)state;
	assert_non_null(r);
	r[0] = (struct sc_conn_record){ .kind = SC_CONN_HEADER, .established_ns = NOW_NS,
					.last_active_jiffies = NOW_JIFFIES };
	for (h = 0; h < HOLDERS; h++)
		for (s = 0; s < SHARED; s++)
			r[k++] = (struct sc_conn_record){
				.kind = SC_CONN_TCP, .tgid = 100 + h, .state = TCP_ESTABLISHED,
				.cookie = 10 + s, .flags = SC_CONN_HAS_TIMES,
			};
	assert_int_equal(sc_mirror_load(&m, r, n), 0);
	links = sc_mirror_mem(&m).links;
	assert_true(links > 0);
	c = change(SC_CHANGE_STATE, 10, TCP_CLOSE, 100);
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	for (s = 0; s < OTHERS; s++) {
		c = change(SC_CHANGE_STATE, 100000 + s, TCP_ESTABLISHED, (__u32)(5000 + s));
		assert_int_equal(sc_mirror_apply(&m, &c), 0);
		c = change(SC_CHANGE_STATE, 100000 + s, TCP_CLOSE, (__u32)(5000 + s));
		assert_int_equal(sc_mirror_apply(&m, &c), 0);
	}
	assert_int_equal(m.recs[1].cookie, 11);        /* compacted: the closed socket's went */
	for (s = 1; s < SHARED; s++) {
		assert_int_equal(sc_mirror_count(&m, 10 + s), HOLDERS);
		i = sc_mirror_first(&m, 10 + s);
		assert_int_equal(sc_mirror_tgid(&m, &m.recs[i]), 100);
		for (seen = 0; i != SC_MIRROR_END; i = sc_mirror_next(&m, i))
			seen |= 1u << (sc_mirror_tgid(&m, &m.recs[i]) - 100);
		assert_int_equal(seen, (1u << HOLDERS) - 1);
	}
	assert_int_equal(sc_mirror_count(&m, 10), 0);
	for (s = 0; s < OTHERS; s += 97)
		assert_int_equal(sc_mirror_count(&m, 100000 + s), 0);
	/* Records are compacted: the live ones and a few closed since. */
	for (i = 1, j = 0; i < m.n; i++)
		j += m.recs[i].kind == SC_CONN_TCP;
	assert_int_equal(j, (SHARED - 1) * HOLDERS);
	assert_true(m.n < 2 * n);
	assert_true(sc_mirror_mem(&m).links <= links);
	assert_true(m.holders.n < OTHERS / 2);          /* made anew by compactions */
	free(r);
	sc_mirror_free(&m);
}

static void test_many_changes_grow_and_compact(void **state)
{
	struct sc_mirror m = {};
	struct sc_summary s;
	struct sc_change c;
	__u64 i;

	(void)state;
	load_walk(&m);
	for (i = 0; i < 5000; i++) {
		c = change(SC_CHANGE_STATE, 1000 + i, TCP_ESTABLISHED, 100);
		assert_int_equal(sc_mirror_apply(&m, &c), 0);
	}
	for (i = 0; i < 5000; i++) {
		if (i % 4 == 0)
			continue;
		c = change(SC_CHANGE_STATE, 1000 + i, TCP_CLOSE, 100);
		assert_int_equal(sc_mirror_apply(&m, &c), 0);
	}
	assert_true(m.n < 5000);                       /* closed ones were dropped */
	for (i = 0; i < 5000; i++)
		assert_int_equal(sc_mirror_count(&m, 1000 + i), i % 4 == 0);
	summarize(&m, &s);
	assert_int_equal(s.connections, 2 + 1250);
	sc_summary_free(&s);
	sc_mirror_free(&m);
}

/* A walk taken over, with its other files among the sockets: only sockets stay, and changes apply. */
static void test_adopt_keeps_sockets_only(void **state)
{
	size_t i, n = 2001;
	struct sc_conn_record *r = calloc(n, sizeof(*r));
	struct sc_change c;
	struct sc_mirror m = {};
	struct sc_summary s;

	(void)state;
	assert_non_null(r);
	r[0] = (struct sc_conn_record){ .kind = SC_CONN_HEADER, .established_ns = NOW_NS,
					.last_active_jiffies = NOW_JIFFIES };
	for (i = 1; i < n; i++)
		r[i] = (struct sc_conn_record){
			.kind = i % 2 ? SC_CONN_TCP : SC_CONN_FILE, .tgid = 100, .netns = 1,
			.state = TCP_ESTABLISHED, .flags = SC_CONN_HAS_STATE | SC_CONN_HAS_TIMES,
			.lport = 8080, .cookie = i % 2 ? 10 + i : 0,
			.kernel_last = (__u32)(NOW_JIFFIES - SEC_J(120)),
		};
	/* A socket closed before this walk: a late report must not bring it back after it. */
	load_walk(&m);
	c = change(SC_CHANGE_STATE, 5555, TCP_CLOSE, 100);
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	assert_int_equal(sc_mirror_adopt(&m, r, n), 0);
	c = change(SC_CHANGE_CALLS, 5555, TCP_ESTABLISHED, 100);
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	assert_int_equal(sc_mirror_count(&m, 5555), 0);
	assert_int_equal(m.n, 1 + 1000);
	assert_true(m.cap < n);                        /* the files' room was given back */
	assert_int_equal(m.recs[0].kind, SC_CONN_HEADER);
	c = change(SC_CHANGE_STATE, 11, TCP_CLOSE, 100);
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	c = change(SC_CHANGE_STATE, 99999, TCP_ESTABLISHED, 200);
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	summarize(&m, &s);
	assert_int_equal(s.connections, 1000);
	assert_int_equal(proc(&s, 100)->connections, 999);
	assert_int_equal(proc(&s, 200)->connections, 1);
	sc_summary_free(&s);
	sc_mirror_free(&m);

	/* No header: refused, and the records are freed all the same (ASan would say). */
	r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->kind = SC_CONN_TCP;
	assert_int_equal(sc_mirror_adopt(&m, r, 1), -EPROTO);
	assert_null(m.recs);
}

/* A listener's record holds its drops where others hold a time: a change must not write one there. */
static void test_listener_keeps_its_drops(void **state)
{
	/* A socket that was connected, disconnected and then listened: established_ns set. */
	struct sc_change c = change(SC_CHANGE_STATE, 1, TCP_LISTEN, 100);
	struct sc_change fresh = change(SC_CHANGE_STATE, 98, TCP_LISTEN, 100);
	struct sc_mirror m = {};
	struct sc_summary s;

	(void)state;
	load_walk(&m);
	fresh.lport = 9090;
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	assert_int_equal(sc_mirror_apply(&m, &fresh), 0);
	summarize(&m, &s);
	assert_int_equal(s.nports, 2);
	assert_int_equal(s.ports[0].port == 8080 ? s.ports[0].listen_drops : s.ports[1].listen_drops, 7);
	assert_int_equal(s.ports[0].port == 9090 ? s.ports[0].listen_drops : s.ports[1].listen_drops, 0);
	sc_summary_free(&s);
	sc_mirror_free(&m);
}

/* sock_diag's figures land where a walk puts a listener's, and nowhere else. */
static void test_set_listener_updates_listeners_only(void **state)
{
	struct sc_mirror m = {};
	struct sc_summary s;

	(void)state;
	load_walk(&m);
	assert_int_equal(sc_mirror_set_listener(&m, 1, 3, 511, 42), 1);
	assert_int_equal(sc_mirror_set_listener(&m, 12, 3, 511, 42), 0); /* a connection */
	assert_int_equal(sc_mirror_set_listener(&m, 777, 3, 511, 42), 0); /* not mirrored */
	summarize(&m, &s);
	assert_int_equal(s.nports, 1);
	assert_int_equal(s.ports[0].accept_queue, 3);
	assert_int_equal(s.ports[0].accept_queue_max, 511);
	assert_int_equal(s.ports[0].listen_drops, 42);
	assert_int_equal(s.idle_connections, 2);            /* the connections' ages are untouched */
	sc_summary_free(&s);
	sc_mirror_free(&m);
}

/* Each call's report carries the queue memory as the call left it; the last one stands. */
static void test_calls_carry_queue_memory(void **state)
{
	struct sc_change c = change(SC_CHANGE_CALLS, 12, TCP_ESTABLISHED, 100);
	struct sc_mirror m = {};
	struct sc_summary s;

	(void)state;
	load_walk(&m);
	c.mem = 70000;                                 /* a send left data unacknowledged */
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	summarize(&m, &s);
	assert_int_equal(s.socket_memory_bytes, 70000);
	assert_int_equal(proc(&s, 100)->socket_memory_bytes, 70000);
	sc_summary_free(&s);
	c.mem = 4096;                                  /* a later call saw it acknowledged */
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	summarize(&m, &s);
	assert_int_equal(s.socket_memory_bytes, 4096);
	sc_summary_free(&s);
	/* A state change's too. */
	c = change(SC_CHANGE_STATE, 13, TCP_CLOSE_WAIT, 100);
	c.mem = 1000;
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	summarize(&m, &s);
	assert_int_equal(s.socket_memory_bytes, 4096 + 1000);
	sc_summary_free(&s);
	sc_mirror_free(&m);
}

/* A send that found its queue full reports the memory and nothing else. */
static void test_a_full_send_queue_reports_only_memory(void **state)
{
	struct sc_change c = change(SC_CHANGE_MEM, 12, TCP_ESTABLISHED, 200);
	struct sc_mirror m = {};
	struct sc_summary s;

	(void)state;
	load_walk(&m);
	c.mem = 2500000;
	c.last_active_jiffies = NOW_JIFFIES;           /* not traffic: stays idle */
	c.flags = SC_CONN_SAW_CALLS;
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	c.cookie = 1;                                  /* the listener: its field is a queue length */
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	c.cookie = 77;                                 /* unknown: not added */
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	assert_int_equal(sc_mirror_count(&m, 77), 0);
	summarize(&m, &s);
	assert_int_equal(s.socket_memory_bytes, 2500000);
	assert_int_equal(s.idle_connections, 2);
	assert_int_equal(proc(&s, 100)->connections, 2); /* the owner did not move */
	assert_null(proc(&s, 200));
	assert_int_equal(m.recs[1].mem, 0);
	sc_summary_free(&s);
	sc_mirror_free(&m);
}

/*
 * The mirror keeps one stamp where a walk's record has three: every record,
 * as walked and through random changes, must judge as the full record kept
 * the old way would, hooked or not, and a listener keep its drops.
 */
static __u64 rng = 12345;

static __u32 rnd(__u32 below)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (__u32)((rng >> 33) % below);
}

/* The three stamps as a full record kept them (mirror.c before the compact record). */
static void stamps_update(struct sc_conn_record *r, const struct sc_change *c)
{
	if (c->kind == SC_CHANGE_MEM)
		return;
	if (c->state == TCP_LISTEN && r->state != TCP_LISTEN)
		r->listen_drops = 0;
	else if (c->state != TCP_LISTEN && c->established_ns)
		r->established_ns = c->established_ns;
	r->state = c->state;
	if ((__s64)(c->last_active_jiffies - r->last_active_jiffies) > 0)
		r->last_active_jiffies = c->last_active_jiffies;
}

static void assert_judged_alike(const struct sc_mirror *m, __u32 i, const struct sc_conn_record *full)
{
	static const enum sc_hook hooks[] = { SC_HOOK_NONE, SC_HOOK_TRACEPOINT };
	struct sc_conn_record got = sc_mirror_record(m, i), want = got;
	struct sc_summary_inputs in = inputs;
	struct sc_clock_ref c = { .now_ns = NOW_NS, .now_jiffies = NOW_JIFFIES, .hz = HZ };
	size_t h, k;

	want.established_ns = full->established_ns; /* listen_drops too: a union */
	want.last_active_jiffies = full->last_active_jiffies;
	assert_int_equal(got.state, full->state);
	/* A listener is never judged (its activity is not kept), only counted. */
	if (got.state == TCP_LISTEN) {
		assert_int_equal(got.listen_drops, full->listen_drops);
		return;
	}
	for (h = 0; h < 2; h++)
		for (k = 0; k < 3; k++) {
			struct sc_idle_result a, b;

			in.hook = hooks[h];
			c.now_ns = NOW_NS + k * 7000000000ull;
			c.now_jiffies = NOW_JIFFIES + k * SEC_J(7);
			a = sc_record_idle(&got, &c, &in);
			b = sc_record_idle(&want, &c, &in);
			assert_int_equal(a.idle, b.idle);
			assert_int_equal(a.idle_ms, b.idle_ms);
		}
}

/*
 * Stamps are offsets from the walk's clocks (mirror.h): an establishment
 * reads at most a millisecond early, an age past 2^31 jiffies or
 * milliseconds (30 days, a year) at most 4096 of them older, never younger
 * nor wrapped, and a listener's drops saturate.
 */
static void test_stamps_are_offsets_from_the_walk(void **state)
{
	const __u64 hz = 1000, now_j = 5000000000ull, now_ns = 3000000000000000ull;
	const __u64 long_ago = 30ull * 86400;            /* seconds: past 24.8 days */
	const __u64 year = 365ull * 86400;
	struct sc_conn_record r[7] = {
		{ .kind = SC_CONN_HEADER, .established_ns = now_ns, .last_active_jiffies = now_j },
		{ .kind = SC_CONN_TCP, .tgid = 100, .state = TCP_ESTABLISHED, .cookie = 1,
		  .flags = SC_CONN_HAS_STATE | SC_CONN_HAS_TIMES,
		  .last_active_jiffies = now_j - long_ago * hz },
		{ .kind = SC_CONN_TCP, .tgid = 100, .state = TCP_ESTABLISHED, .cookie = 2,
		  .flags = SC_CONN_HAS_STATE | SC_CONN_HAS_TIMES,
		  .established_ns = now_ns - long_ago * 1000000000ull },
		{ .kind = SC_CONN_TCP, .tgid = 100, .state = TCP_ESTABLISHED, .cookie = 3,
		  .flags = SC_CONN_HAS_STATE | SC_CONN_HAS_TIMES,
		  .established_ns = now_ns - 1500001 },  /* 1.500001 ms before the walk */
		{ .kind = SC_CONN_TCP, .tgid = 100, .state = TCP_LISTEN, .cookie = 4,
		  .listen_drops = 1ull << 40 },
		{ .kind = SC_CONN_TCP, .tgid = 100, .state = TCP_ESTABLISHED, .cookie = 5,
		  .flags = SC_CONN_HAS_STATE | SC_CONN_HAS_TIMES,
		  .last_active_jiffies = now_j - year * hz - 1 },
		{ .kind = SC_CONN_TCP, .tgid = 100, .state = TCP_ESTABLISHED, .cookie = 6,
		  .flags = SC_CONN_HAS_STATE | SC_CONN_HAS_TIMES,
		  .established_ns = now_ns - year * 1000000000ull - 1 },
	};
	struct sc_change c = change(SC_CHANGE_CALLS, 3, TCP_ESTABLISHED, 100);
	struct sc_mirror m = {};
	struct sc_conn_record got;
	__u64 age;

	(void)state;
	assert_int_equal(sc_mirror_load(&m, r, 7), 0);
	got = sc_mirror_record(&m, sc_mirror_first(&m, 1));
	age = now_j - got.last_active_jiffies;
	assert_in_range(age, long_ago * hz, long_ago * hz + SC_MIRROR_COARSE - 1);
	got = sc_mirror_record(&m, sc_mirror_first(&m, 5));
	age = now_j - got.last_active_jiffies;
	assert_in_range(age, year * hz + 1, year * hz + SC_MIRROR_COARSE);
	got = sc_mirror_record(&m, sc_mirror_first(&m, 2));
	age = now_ns - got.established_ns;
	assert_in_range(age, long_ago * 1000000000ull,
			long_ago * 1000000000ull + (SC_MIRROR_COARSE - 1) * 1000000ull);
	got = sc_mirror_record(&m, sc_mirror_first(&m, 6));
	age = now_ns - got.established_ns;
	assert_in_range(age, year * 1000000000ull + 1,
			year * 1000000000ull + SC_MIRROR_COARSE * 1000000ull);
	got = sc_mirror_record(&m, sc_mirror_first(&m, 3));
	assert_int_equal(got.last_active_jiffies, 0);
	assert_int_equal(now_ns - got.established_ns, 2000000);
	got = sc_mirror_record(&m, sc_mirror_first(&m, 4));
	assert_int_equal(got.listen_drops, UINT32_MAX);
	/* A year's idle record becomes exact again with activity after the walk. */
	c.cookie = 5;
	c.last_active_jiffies = now_j + 7;
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	got = sc_mirror_record(&m, sc_mirror_first(&m, 5));
	assert_int_equal(got.last_active_jiffies, now_j + 7);
	c.cookie = 3;
	/* Activity after the walk, across 32-bit jiffies (now_j is past 2^32). */
	c.last_active_jiffies = now_j + 12345;
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	got = sc_mirror_record(&m, sc_mirror_first(&m, 3));
	assert_int_equal(got.last_active_jiffies, now_j + 12345);
	/* An older report does not move it back. */
	c.last_active_jiffies = now_j + 10;
	assert_int_equal(sc_mirror_apply(&m, &c), 0);
	got = sc_mirror_record(&m, sc_mirror_first(&m, 3));
	assert_int_equal(got.last_active_jiffies, now_j + 12345);
	sc_mirror_free(&m);
}

static void test_compact_records_judge_as_full_ones(void **state)
{
	static const __u8 states[] = { TCP_ESTABLISHED, TCP_ESTABLISHED, TCP_CLOSE_WAIT,
				       TCP_FIN_WAIT1, TCP_LISTEN };
	enum { N = 400 };
	struct sc_conn_record *full = calloc(N + 1, sizeof(*full));
	struct sc_mirror m = {};
	size_t i, round;

	(void)state;
	assert_non_null(full);
	full[0] = (struct sc_conn_record){ .kind = SC_CONN_HEADER, .established_ns = NOW_NS,
					   .last_active_jiffies = NOW_JIFFIES };
	for (i = 1; i <= N; i++) {
		__u8 st = states[rnd(5)];

		full[i] = (struct sc_conn_record){
			.kind = SC_CONN_TCP, .tgid = 100, .state = st, .cookie = 1000 + i,
			.flags = (__u8)((rnd(4) ? SC_CONN_HAS_STATE : 0) |
					(rnd(2) ? SC_CONN_SAW_CALLS : 0) |
					(st == TCP_LISTEN ? 0 : SC_CONN_HAS_TIMES)),
			.kernel_last = (__u32)(NOW_JIFFIES - SEC_J(rnd(400))),
			.established_ns = rnd(3) ? NOW_NS - rnd(1000) * 1000000000ull : 0,
			.last_active_jiffies = rnd(2) ? NOW_JIFFIES - SEC_J(rnd(300)) : 0,
		};
		if (st == TCP_LISTEN)
			full[i].listen_drops = rnd(50);
	}
	assert_int_equal(sc_mirror_load(&m, full, N + 1), 0);
	for (round = 0; round < 20; round++) {
		for (i = 1; i <= N; i++)
			assert_judged_alike(&m, sc_mirror_first(&m, 1000 + i), &full[i]);
		for (i = 0; i < N; i++) {
			struct sc_change c = {
				.cookie = 1000 + 1 + rnd(N), .tgid = 100, .lport = 8080,
				.kind = rnd(3) ? SC_CHANGE_CALLS : rnd(4) ? SC_CHANGE_STATE :
					SC_CHANGE_MEM,
				.state = states[rnd(4)],
				.jiffies = (__u32)(NOW_JIFFIES - SEC_J(rnd(100))),
				/* Before the walk and after it, to the millisecond and the jiffy. */
				.established_ns = rnd(2) ? NOW_NS - 250000000000ull +
							   rnd(500000) * 1000000ull : 0,
				.last_active_jiffies = rnd(2) ? NOW_JIFFIES - SEC_J(100) + rnd(SEC_J(200)) : 0,
				.flags = rnd(2) ? SC_CONN_SAW_CALLS : 0,
			};

			/* A socket listens or is connected, never one then the other. */
			if ((full[c.cookie - 1000].state == TCP_LISTEN) != (c.state == TCP_LISTEN))
				c.state = full[c.cookie - 1000].state;
			assert_int_equal(sc_mirror_apply(&m, &c), 0);
			stamps_update(&full[c.cookie - 1000], &c);
			if (rnd(10) == 0 && full[c.cookie - 1000].state == TCP_LISTEN) {
				__u64 drops = rnd(1000);

				sc_mirror_set_listener(&m, c.cookie, 1, 128, drops);
				full[c.cookie - 1000].listen_drops = drops;
			}
		}
	}
	free(full);
	sc_mirror_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_needs_a_header),
		cmocka_unit_test(test_listener_keeps_its_drops),
		cmocka_unit_test(test_new_connection_is_added_to_its_owner),
		cmocka_unit_test(test_unknown_owner_waits_for_a_call),
		cmocka_unit_test(test_close_removes_and_leaving_established_stops_counting),
		cmocka_unit_test(test_a_socket_walked_without_cookie_takes_its_reports_cookie),
		cmocka_unit_test(test_a_late_call_does_not_bring_back_a_closed_socket),
		cmocka_unit_test(test_calls_make_active_and_move_a_sole_holder),
		cmocka_unit_test(test_a_shared_socket_keeps_its_holders),
		cmocka_unit_test(test_shared_sockets_keep_their_holders_across_compaction),
		cmocka_unit_test(test_many_changes_grow_and_compact),
		cmocka_unit_test(test_adopt_keeps_sockets_only),
		cmocka_unit_test(test_set_listener_updates_listeners_only),
		cmocka_unit_test(test_calls_carry_queue_memory),
		cmocka_unit_test(test_a_full_send_queue_reports_only_memory),
		cmocka_unit_test(test_compact_records_judge_as_full_ones),
		cmocka_unit_test(test_stamps_are_offsets_from_the_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

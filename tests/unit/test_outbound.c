// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/model/outbound.c and outbound_summary.c: client-side
 * connections (ESTABLISHED, no listener on the local port in the socket's
 * network namespace) grouped by remote port and by remote address, each
 * socket once, processes once, and the summary's rows from a view.
 *
 * The host (no activity hook: kernel ages decide idle, idle after 1 s):
 *   namespace 1: a listener on 8080 and a server-side connection on it;
 *     pid 10 holds pools: three connections to 10.0.0.5:5432 (one idle,
 *     one shared with its child pid 11), two to 10.0.0.6:5432 (both idle),
 *     one to 10.0.0.7:6379; a TIME-WAIT socket to 5432 (not established);
 *     nobody holds an established socket to 10.0.0.7:6379 (idle).
 *   namespace 2: pid 12 holds a connection from local port 8080 to
 *     [2001:db8::1]:443: 8080 listens in namespace 1 only, so it is a client's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common.h"
#include "outbound.h"
#include "summary.h"
#include "view.h"

#define IDLE_MS 5000
#define BUSY_MS 10

#define SOCK(ns, fam, st, lp, rp, a, age, mem, first, n) \
	{ .netns = (ns), .family = (fam), .state = (st), .lport = (lp), .rport = (rp), \
	  .raddr = a, .kernel_send_age_ms = (age), .kernel_recv_age_ms = (age), \
	  .rmem_alloc = (mem), .first_holder = (first), .nholders = (n) }
#define V4(d) { 10, 0, 0, d }
#define V6 { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }

static struct sc_socket sockets[] = {
	SOCK(1, AF_INET, TCP_LISTEN, 8080, 0, {}, SC_AGE_UNKNOWN, 0, 0, 1),
	SOCK(1, AF_INET, TCP_ESTABLISHED, 8080, 50000, V4(9), BUSY_MS, 1, 1, 1),
	SOCK(1, AF_INET, TCP_ESTABLISHED, 40001, 5432, V4(5), IDLE_MS, 10, 2, 1),
	SOCK(1, AF_INET, TCP_ESTABLISHED, 40002, 5432, V4(5), BUSY_MS, 20, 3, 2),
	SOCK(1, AF_INET, TCP_ESTABLISHED, 40003, 5432, V4(5), BUSY_MS, 40, 5, 1),
	SOCK(1, AF_INET, TCP_ESTABLISHED, 40004, 5432, V4(6), IDLE_MS, 80, 6, 1),
	SOCK(1, AF_INET, TCP_ESTABLISHED, 40005, 5432, V4(6), IDLE_MS, 160, 7, 1),
	SOCK(1, AF_INET, TCP_ESTABLISHED, 40006, 6379, V4(7), BUSY_MS, 320, 8, 1),
	SOCK(1, AF_INET, TCP_TIME_WAIT, 40007, 5432, V4(5), SC_AGE_UNKNOWN, 0, 9, 0),
	SOCK(1, AF_INET, TCP_ESTABLISHED, 40008, 6379, V4(7), IDLE_MS, 640, 9, 0),
	SOCK(2, AF_INET6, TCP_ESTABLISHED, 8080, 443, V6, BUSY_MS, 1280, 9, 1),
};

static struct sc_holder holders[] = {
	{ .pid = 10, .fd = 3, .socket = 0 },
	{ .pid = 10, .fd = 4, .socket = 1 },
	{ .pid = 10, .fd = 5, .socket = 2 },
	{ .pid = 10, .fd = 6, .socket = 3 },
	{ .pid = 11, .fd = 6, .socket = 3 },
	{ .pid = 10, .fd = 7, .socket = 4 },
	{ .pid = 10, .fd = 8, .socket = 5 },
	{ .pid = 10, .fd = 9, .socket = 6 },
	{ .pid = 10, .fd = 10, .socket = 7 },
	{ .pid = 12, .fd = 3, .socket = 10 },
};

static struct sc_process processes[] = {
	{ .pid = 10, .netns = 1, .comm = "app" },
	{ .pid = 11, .netns = 1, .comm = "app" },
	{ .pid = 12, .netns = 2, .comm = "sidecar" },
};

static const struct sc_snapshot snap = {
	.sockets = sockets, .nsockets = sizeof(sockets) / sizeof(sockets[0]),
	.holders = holders, .nholders = sizeof(holders) / sizeof(holders[0]),
	.processes = processes, .nprocesses = 3,
	.hook = SC_HOOK_NONE, .taken_ns = 1000000000000ull,
};

static const struct sc_idle_policy policy = { .idle_after_ms = 1000 };

static void view_of(struct sc_view *v, const struct sc_filter *f)
{
	assert_int_equal(sc_view_build(v, &snap, &policy, f), 0);
}

static void test_by_remote_port(void **state)
{
	struct sc_filter all = { .port = -1 };
	struct sc_outbound_row *r;
	struct sc_view v;
	size_t n;

	(void)state;
	view_of(&v, &all);
	assert_int_equal(sc_outbound_group(&v, false, &r, &n), 0);
	assert_int_equal(n, 3);
	/* 5432: five sockets (the shared one once), from two processes, two addresses. */
	assert_int_equal(r[0].port, 5432);
	assert_int_equal(r[0].connections, 5);
	assert_int_equal(r[0].idle_connections, 3);
	assert_int_equal(r[0].processes, 2);
	assert_int_equal(r[0].addresses, 2);
	assert_int_equal(r[0].socket_memory_bytes, 10 + 20 + 40 + 80 + 160);
	assert_int_equal(r[0].family, 0);
	/* 6379: one held and one nobody holds. */
	assert_int_equal(r[1].port, 6379);
	assert_int_equal(r[1].connections, 2);
	assert_int_equal(r[1].idle_connections, 1);
	assert_int_equal(r[1].processes, 1);
	assert_int_equal(r[1].addresses, 1);
	assert_int_equal(r[1].socket_memory_bytes, 320 + 640);
	/* 443: local port 8080, but nobody listens on it in namespace 2. */
	assert_int_equal(r[2].port, 443);
	assert_int_equal(r[2].connections, 1);
	assert_int_equal(r[2].processes, 1);
	free(r);
	sc_view_free(&v);
}

static void test_by_remote_address(void **state)
{
	struct sc_filter all = { .port = -1 };
	static const __u8 a5[16] = V4(5), a6[16] = V4(6), v6[16] = V6;
	struct sc_outbound_row *r;
	struct sc_view v;
	size_t n;

	(void)state;
	view_of(&v, &all);
	assert_int_equal(sc_outbound_group(&v, true, &r, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(r[0].port, 5432);
	assert_memory_equal(r[0].addr, a5, 16);
	assert_int_equal(r[0].family, AF_INET);
	assert_int_equal(r[0].connections, 3);
	assert_int_equal(r[0].idle_connections, 1);
	assert_int_equal(r[0].processes, 2);
	/* Two rows of two: 5432 before 6379. */
	assert_int_equal(r[1].port, 5432);
	assert_memory_equal(r[1].addr, a6, 16);
	assert_int_equal(r[1].connections, 2);
	assert_int_equal(r[1].idle_connections, 2);
	assert_int_equal(r[1].processes, 1);
	assert_int_equal(r[2].port, 6379);
	assert_int_equal(r[2].connections, 2);
	assert_int_equal(r[3].port, 443);
	assert_int_equal(r[3].family, AF_INET6);
	assert_memory_equal(r[3].addr, v6, 16);
	free(r);
	sc_view_free(&v);
}

/* A view's filters narrow the rows: a process, idle only. */
static void test_filters(void **state)
{
	struct sc_filter child = { .pid = 11, .port = -1 }, idle = { .port = -1, .idle_only = true };
	struct sc_outbound_row *r;
	struct sc_view v;
	size_t n;

	(void)state;
	view_of(&v, &child);
	assert_int_equal(sc_outbound_group(&v, false, &r, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].port, 5432);
	assert_int_equal(r[0].connections, 1);
	assert_int_equal(r[0].processes, 1);
	free(r);
	sc_view_free(&v);

	view_of(&v, &idle);
	assert_int_equal(sc_outbound_group(&v, false, &r, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].port, 5432);
	assert_int_equal(r[0].connections, 3);
	assert_int_equal(r[0].idle_connections, 3);
	assert_int_equal(r[1].port, 6379);
	assert_int_equal(r[1].connections, 1);
	assert_int_equal(r[1].processes, 0);
	free(r);
	sc_view_free(&v);
}

static void test_summary_from_view(void **state)
{
	struct sc_filter all = { .port = -1 };
	struct sc_summary s;
	struct sc_view v;

	(void)state;
	view_of(&v, &all);
	assert_int_equal(sc_summary_from_view(&s, &v), 0);
	assert_int_equal(s.noutbound, 3);
	assert_int_equal(s.outbound[0].port, 5432);
	assert_int_equal(s.outbound[0].connections, 5);
	assert_int_equal(s.outbound[0].idle_connections, 3);
	assert_int_equal(s.outbound[0].processes, 2);
	assert_int_equal(s.outbound[1].port, 6379);
	assert_int_equal(s.outbound[2].port, 443);
	/* Every established connection is a listening port's or an outbound one. */
	assert_int_equal(s.connections, s.ports[0].connections + 5 + 2 + 1);
	sc_summary_free(&s);
	sc_view_free(&v);
}

static void test_none(void **state)
{
	struct sc_filter server = { .port = 8080, .pid = 10 };
	struct sc_outbound_row *r;
	struct sc_view v;
	size_t n;

	(void)state;
	view_of(&v, &server);
	assert_int_equal(sc_outbound_group(&v, false, &r, &n), 0);
	assert_int_equal(n, 0);
	assert_non_null(r);
	free(r);
	sc_view_free(&v);
}

/*
 * More groups, addresses and holders than the maps start with (they grow):
 * 200 sockets to 5432, each from its own process to its own address, and
 * 100 to ports 2000-2099 of one address, all from pid 100.
 */
#define MANY_POOL 200
#define MANY_PORTS 100
#define MANY (MANY_POOL + MANY_PORTS)

static void test_many_groups(void **state)
{
	static struct sc_socket s[MANY];
	static struct sc_holder h[MANY];
	static struct sc_process p[MANY_POOL];
	struct sc_snapshot many = { .sockets = s, .nsockets = MANY, .holders = h, .nholders = MANY,
				    .processes = p, .nprocesses = MANY_POOL,
				    .hook = SC_HOOK_NONE, .taken_ns = snap.taken_ns };
	struct sc_filter all = { .port = -1 };
	struct sc_outbound_row *r;
	struct sc_view v;
	size_t i, n;

	(void)state;
	for (i = 0; i < MANY; i++) {
		bool pool = i < MANY_POOL;

		s[i] = (struct sc_socket){
			.netns = 1, .family = AF_INET, .state = TCP_ESTABLISHED,
			.lport = (__u16)(30000 + i), .rport = pool ? 5432 : (__u16)(2000 + i - MANY_POOL),
			.raddr = { 10, pool ? 1 : 2, (__u8)(pool ? i / 256 : 0), (__u8)(pool ? i % 256 : 1) },
			.kernel_send_age_ms = BUSY_MS, .kernel_recv_age_ms = BUSY_MS,
			.first_holder = i, .nholders = 1,
		};
		h[i] = (struct sc_holder){ .pid = pool ? (__u32)(100 + i) : 100, .fd = (__u32)(3 + i),
					   .socket = i };
		if (pool)
			p[i] = (struct sc_process){ .pid = (__u32)(100 + i), .netns = 1, .comm = "pool" };
	}
	assert_int_equal(sc_view_build(&v, &many, &policy, &all), 0);
	assert_int_equal(sc_outbound_group(&v, false, &r, &n), 0);
	assert_int_equal(n, 1 + MANY_PORTS);
	assert_int_equal(r[0].port, 5432);
	assert_int_equal(r[0].connections, MANY_POOL);
	assert_int_equal(r[0].processes, MANY_POOL);
	assert_int_equal(r[0].addresses, MANY_POOL);
	for (i = 1; i < n; i++) {
		assert_int_equal(r[i].port, 2000 + i - 1);
		assert_int_equal(r[i].connections, 1);
		assert_int_equal(r[i].processes, 1);
		assert_int_equal(r[i].addresses, 1);
	}
	free(r);
	/* By address: a group per (address, port), all of them. */
	assert_int_equal(sc_outbound_group(&v, true, &r, &n), 0);
	assert_int_equal(n, MANY);
	free(r);
	sc_view_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_remote_port),
		cmocka_unit_test(test_by_remote_address),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_summary_from_view),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_many_groups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

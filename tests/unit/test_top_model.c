// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for top's pure parts: tools/top_model.c (sorting, invert,
 * filter, search, selection, tags, rates, idle-after steps, per-process
 * history and marginal samples, socket churn), tools/top_rows.c (rows from
 * a summary, a service's nearest FD ETA) and tools/top_cells.c (cell text).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "top_cells.h"
#include "top_model.h"
#include "top_rows.h"

static struct top_row proc(__u32 pid, const char *comm, __u64 conns, __u64 idle)
{
	struct top_row r = { .id = pid, .pid = pid, .conns = conns, .idle = idle };

	snprintf(r.comm, sizeof(r.comm), "%s", comm);
	return r;
}

/* Three processes; 20 and 30 tie on CONN. */
static struct top_row rows[3];
static struct top_model m;
static size_t order[8];

static int setup(void **state)
{
	(void)state;
	rows[0] = proc(30, "nginx", 100, 10);
	rows[1] = proc(10, "ws-server", 500, 450);
	rows[2] = proc(20, "Redis", 100, 90);
	top_model_init(&m);
	return 0;
}

static void assert_order(size_t n, __u32 a, __u32 b, __u32 c)
{
	__u32 want[3] = { a, b, c };
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(rows[order[i]].pid, want[i]);
}

static void test_sort_numbers_biggest_first_stable_ties(void **state)
{
	(void)state;
	assert_int_equal(m.sort[TOP_VIEW_PROCS], TOP_COL_CONN);
	assert_int_equal(top_order(rows, 3, &m, TOP_VIEW_PROCS, order), 3);
	/* The tie at 100 connections breaks by pid, ascending, whatever the input order. */
	assert_order(3, 10, 20, 30);
	m.invert[TOP_VIEW_PROCS] = true;
	top_order(rows, 3, &m, TOP_VIEW_PROCS, order);
	assert_order(3, 20, 30, 10);
}

static void test_sort_text_and_percent(void **state)
{
	(void)state;
	m.sort[TOP_VIEW_PROCS] = TOP_COL_COMM;
	top_order(rows, 3, &m, TOP_VIEW_PROCS, order);
	assert_order(3, 20, 30, 10); /* "Redis" < "nginx" < "ws-server" (bytewise) */
	m.sort[TOP_VIEW_PROCS] = TOP_COL_IDLE_PCT;
	top_order(rows, 3, &m, TOP_VIEW_PROCS, order);
	assert_order(3, 10, 20, 30); /* 90%, 90%, 10% */
}

/* Unknown RSS sorts after every known one when biggest come first. */
static void test_sort_unknown_last(void **state)
{
	(void)state;
	rows[1].rss_known = true;
	rows[1].rss = 1;
	rows[2].rss_known = true;
	rows[2].rss = 5 << 20;
	m.sort[TOP_VIEW_PROCS] = TOP_COL_RSS;
	top_order(rows, 3, &m, TOP_VIEW_PROCS, order);
	assert_order(3, 20, 10, 30);
	m.sort[TOP_VIEW_PROCS] = TOP_COL_RSS_CONN;
	top_order(rows, 3, &m, TOP_VIEW_PROCS, order);
	assert_order(3, 20, 10, 30);
}

static void test_filter_and_search(void **state)
{
	(void)state;
	snprintf(m.filter, sizeof(m.filter), "REDIS");
	assert_int_equal(top_order(rows, 3, &m, TOP_VIEW_PROCS, order), 1);
	assert_int_equal(rows[order[0]].pid, 20);
	snprintf(m.filter, sizeof(m.filter), "3"); /* pid 30 */
	assert_int_equal(top_order(rows, 3, &m, TOP_VIEW_PROCS, order), 1);
	assert_int_equal(rows[order[0]].pid, 30);
	snprintf(m.filter, sizeof(m.filter), "nothing");
	assert_int_equal(top_order(rows, 3, &m, TOP_VIEW_PROCS, order), 0);

	m.filter[0] = '\0';
	top_order(rows, 3, &m, TOP_VIEW_PROCS, order); /* 10, 20, 30 */
	assert_int_equal(top_search(rows, order, 3, 0, true, "ws"), 0);
	assert_int_equal(top_search(rows, order, 3, 0, false, "ws"), 0); /* wraps to itself */
	assert_int_equal(top_search(rows, order, 3, 0, false, "n"), 2); /* nginx */
	assert_int_equal(top_search(rows, order, 3, 2, false, "s"), 0); /* wraps */
	assert_int_equal(top_search(rows, order, 3, 0, true, "zz"), -1);
	assert_int_equal(top_search(rows, order, 0, 0, true, "ws"), -1);
}

static void test_selection_follows_row(void **state)
{
	(void)state;
	top_order(rows, 3, &m, TOP_VIEW_PROCS, order);
	top_select(&m, TOP_VIEW_PROCS, rows, order, 3, 2); /* pid 30 */
	assert_int_equal(m.selected_id[TOP_VIEW_PROCS], 30);
	rows[0].conns = 1000; /* pid 30 moves to the top */
	top_order(rows, 3, &m, TOP_VIEW_PROCS, order);
	top_follow_selection(&m, TOP_VIEW_PROCS, rows, order, 3);
	assert_int_equal(m.selected[TOP_VIEW_PROCS], 0);
	/* Gone: the position is kept, clamped to the rows left. */
	m.selected_id[TOP_VIEW_PROCS] = 99;
	m.selected[TOP_VIEW_PROCS] = 7;
	top_follow_selection(&m, TOP_VIEW_PROCS, rows, order, 3);
	assert_int_equal(m.selected[TOP_VIEW_PROCS], 2);
	top_select(&m, TOP_VIEW_PROCS, rows, order, 3, -5);
	assert_int_equal(m.selected[TOP_VIEW_PROCS], 0);
}

static void test_tags(void **state)
{
	__u32 pid;

	(void)state;
	assert_true(top_tag_toggle(&m, 10));
	assert_true(top_tag_toggle(&m, 20));
	assert_true(top_is_tagged(&m, 10) && top_is_tagged(&m, 20));
	assert_true(top_tag_toggle(&m, 10));
	assert_false(top_is_tagged(&m, 10));
	assert_true(top_is_tagged(&m, 20));
	for (pid = 100; m.ntags < TOP_MAX_TAGS; pid++)
		assert_true(top_tag_toggle(&m, pid));
	assert_false(top_tag_toggle(&m, 99999));
	assert_false(top_is_tagged(&m, 99999));
}

static void test_sort_step_wraps(void **state)
{
	(void)state;
	assert_int_equal(top_sort_step(TOP_VIEW_PROCS, TOP_COL_PID, -1), TOP_COL_CONTAINER);
	assert_int_equal(top_sort_step(TOP_VIEW_PROCS, TOP_COL_CONN_RATE, 1), TOP_COL_BROKEN);
	assert_int_equal(top_sort_step(TOP_VIEW_PROCS, TOP_COL_BROKEN, 1), TOP_COL_FD_ETA);
	assert_int_equal(top_sort_step(TOP_VIEW_PROCS, TOP_COL_FD_ETA, 1), TOP_COL_CONTAINER);
	assert_int_equal(top_sort_step(TOP_VIEW_PROCS, TOP_COL_CONTAINER, 1), TOP_COL_PID);
	assert_int_equal(top_sort_step(TOP_VIEW_PROCS, TOP_COL_CONN, 1), TOP_COL_IDLE);
	assert_int_equal(top_sort_step(TOP_VIEW_PORTS, TOP_COL_PORT, 1), TOP_COL_CONN);
	assert_int_equal(top_sort_step(TOP_VIEW_CONNS, TOP_COL_SENDQ, 1), TOP_COL_HEALTH);
	assert_int_equal(top_sort_step(TOP_VIEW_CONNS, TOP_COL_HEALTH, 1), TOP_COL_PID);
}

static void test_col_names(void **state)
{
	enum top_col c;

	(void)state;
	assert_int_equal(top_col_by_name("rss/conn", &c), 0);
	assert_int_equal(c, TOP_COL_RSS_CONN);
	assert_int_equal(top_col_by_name("IDLE%", &c), 0);
	assert_int_equal(c, TOP_COL_IDLE_PCT);
	assert_int_equal(top_col_by_name("state", &c), -1); /* a connections column */
	assert_int_equal(top_col_by_name("fdeta", &c), 0);
	assert_int_equal(c, TOP_COL_FD_ETA);
}

static void test_counter_rate(void **state)
{
	double r = -1;

	(void)state;
	assert_true(top_counter_rate(100, 130, 2000000000ull, &r));
	assert_true(r == 15.0);
	assert_false(top_counter_rate(130, 100, 1000000000ull, &r)); /* counters restarted */
	assert_false(top_counter_rate(1, 2, 0, &r));
}

static void test_idle_after_steps(void **state)
{
	(void)state;
	assert_int_equal(top_idle_after_step(180000, 1), 300000);
	assert_int_equal(top_idle_after_step(180000, -1), 120000);
	assert_int_equal(top_idle_after_step(3000, -1), 2000);
	assert_int_equal(top_idle_after_step(1000, -1), 1000);      /* bottom stays */
	assert_int_equal(top_idle_after_step(86400000, 1), 86400000); /* top stays */
	assert_int_equal(top_idle_after_step(2500, 1), 3000);        /* off the ladder */
	assert_int_equal(top_idle_after_step(2500, -1), 2000);
	assert_int_equal(top_idle_after_step(0, -1), 1000);
}

static void test_history_rates_and_marginal(void **state)
{
	struct top_history h = {};
	struct top_row a[2] = { proc(7, "a", 10, 0), proc(5, "b", 100, 0) };
	struct top_row b[2] = { proc(5, "b", 80, 0), proc(9, "c", 1, 0) };
	struct sc_marginal_est est;
	size_t i;

	(void)state;
	assert_int_equal(top_history_update(&h, a, 2, 1000000000ull), 0);
	assert_false(a[0].rate_known || a[1].rate_known);
	assert_int_equal(top_history_update(&h, b, 2, 3000000000ull), 0);
	assert_true(b[0].rate_known);
	assert_true(b[0].conn_rate == -10.0); /* 100 -> 80 in 2 s */
	assert_false(b[1].rate_known);        /* new */
	assert_int_equal(h.n, 2);             /* pid 7 left and was dropped */
	assert_null(top_history_marginal(&h, 7));

	/* Private memory grows 4 KiB per connection: the slope says so once CONN varies. */
	for (i = 0; i < 5; i++)
		top_history_add_private(&h, 5, 100 + 10 * i, (50 << 20) + 4096 * 10 * i);
	assert_true(sc_marginal_estimate(top_history_marginal(&h, 5), &est));
	assert_int_equal(est.samples, 5);
	assert_true(est.bytes > 4095.9 && est.bytes < 4096.1);
	top_history_add_private(&h, 12345, 1, 1); /* not a known process: ignored */
	top_history_free(&h);
	assert_null(h.e);
}

static void test_cookie_churn(void **state)
{
	const __u64 prev[] = { 1, 3, 5, 7 }, now[] = { 2, 3, 7, 8, 9 };
	__u64 appeared, gone;

	(void)state;
	top_cookie_churn(prev, 4, now, 5, &appeared, &gone);
	assert_int_equal(appeared, 3);
	assert_int_equal(gone, 2);
	top_cookie_churn(NULL, 0, now, 5, &appeared, &gone);
	assert_int_equal(appeared, 5);
	assert_int_equal(gone, 0);
}

static void test_rows_from_summary(void **state)
{
	struct sc_summary_proc procs[2] = {
		{ .pid = 4, .comm = "ws\x01x", .connections = 9, .idle_connections = 3, .fds = 12,
		  .fd_limit = 1024, .socket_memory_bytes = 2048 },
		{ .pid = 8, .comm = "db", .connections = 1 },
	};
	struct sc_summary_port ports[1] = { { .port = 443, .listeners = 2, .connections = 9 } };
	struct sc_summary s = { .procs = procs, .nprocs = 2, .ports = ports, .nports = 1 };
	const __u32 only[] = { 8 };
	struct top_row *r;
	size_t n;

	(void)state;
	assert_int_equal(top_rows_procs(&s, NULL, 0, &r, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].pid, 4);
	assert_string_equal(r[0].comm, "ws?x"); /* never raw control bytes on a terminal */
	assert_int_equal(r[0].idle, 3);
	free(r);
	assert_int_equal(top_rows_procs(&s, only, 1, &r, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].pid, 8);
	free(r);
	assert_int_equal(top_rows_ports(&s, &r, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].port, 443);
	assert_int_equal(r[0].id, 443);
	assert_int_equal(r[0].listeners, 2);
	free(r);
}

/* Services rows from a summary name each process row's service; a service scope narrows the process view. */
static void test_services_view(void **state)
{
	struct sc_summary_proc procs[3] = {
		{ .pid = 10, .ppid = 1, .comm = "postgres", .connections = 0 },
		{ .pid = 11, .ppid = 10, .comm = "postgres", .connections = 1, .server_port = 5432,
		  .fds = 950, .fd_limit = 1000 },
		{ .pid = 20, .ppid = 1, .comm = "psql", .connections = 1 },
	};
	struct sc_summary s = { .procs = procs, .nprocs = 3 };
	const __u32 only[] = { 11, 20 };
	struct top_row *p, *svc;
	size_t np, ns, k, ord[3];
	bool grouped = false;
	char buf[64];

	(void)state;
	sc_port_set_add(&procs[0].listen, 5432);
	assert_int_equal(top_rows_procs(&s, only, 2, &p, &np), 0);
	assert_int_equal(top_rows_services(&s, p, np, &svc, &ns, &grouped), 0);
	assert_true(grouped);
	assert_int_equal(ns, 2);
	assert_string_equal(svc[0].service, "postgres:5432");
	assert_int_equal(svc[0].processes, 2);
	assert_int_equal(svc[0].id, 10);
	assert_string_equal(top_cell(&svc[0], TOP_COL_MAX_FD_PCT, buf, sizeof(buf)), "95%");
	assert_string_equal(top_cell(&svc[1], TOP_COL_MAX_FD_PCT, buf, sizeof(buf)), "-");
	assert_string_equal(p[0].service, "postgres:5432");
	assert_string_equal(p[1].service, "psql");

	top_model_init(&m);
	assert_int_equal(top_order(p, np, &m, TOP_VIEW_PROCS, ord), 2);
	m.service_id = 20; /* psql's main pid */
	assert_int_equal(p[1].service_id, 20);
	k = top_order(p, np, &m, TOP_VIEW_PROCS, ord);
	assert_int_equal(k, 1);
	assert_int_equal(p[ord[0]].pid, 20);
	/* The scope is the process view's; the services view lists them all. */
	assert_int_equal(top_order(svc, ns, &m, TOP_VIEW_SERVICES, ord), 2);
	m.service_id = 0;
	snprintf(m.filter, sizeof(m.filter), "5432");
	assert_int_equal(top_order(svc, ns, &m, TOP_VIEW_SERVICES, ord), 1);
	free(p);
	free(svc);

	/* -p of the psql alone: only its service. */
	assert_int_equal(top_rows_procs(&s, &only[1], 1, &p, &np), 0);
	assert_int_equal(top_rows_services(&s, p, np, &svc, &ns, &grouped), 0);
	assert_int_equal(ns, 1);
	assert_string_equal(svc[0].service, "psql");
	free(p);
	free(svc);
}

static struct sc_fd_eta eta(enum sc_fd_eta_why why, double s)
{
	return (struct sc_fd_eta){ .why = why, .eta_s = s };
}

/* FD ETA sorts soonest first, a process at its limit before all, none last; cells are compact. */
static void test_fd_eta_sort_and_cells(void **state)
{
	char buf[64];

	(void)state;
	rows[0].fd_eta = eta(SC_FD_ETA_OK, 7200);       /* nginx, 30 */
	rows[1].fd_eta = eta(SC_FD_ETA_NOT_GROWING, 0); /* ws-server, 10 */
	rows[2].fd_eta = eta(SC_FD_ETA_OK, 45);         /* Redis, 20 */
	m.sort[TOP_VIEW_PROCS] = TOP_COL_FD_ETA;
	assert_int_equal(top_order(rows, 3, &m, TOP_VIEW_PROCS, order), 3);
	assert_order(3, 20, 30, 10);
	rows[1].fd_eta = eta(SC_FD_ETA_AT_LIMIT, 0);
	assert_int_equal(top_order(rows, 3, &m, TOP_VIEW_PROCS, order), 3);
	assert_order(3, 10, 20, 30);
	m.invert[TOP_VIEW_PROCS] = true;
	assert_int_equal(top_order(rows, 3, &m, TOP_VIEW_PROCS, order), 3);
	assert_order(3, 30, 20, 10);
	assert_string_equal(top_cell(&rows[0], TOP_COL_FD_ETA, buf, sizeof(buf)), "2h");
	assert_string_equal(top_cell(&rows[1], TOP_COL_FD_ETA, buf, sizeof(buf)), "limit");
	assert_string_equal(top_cell(&rows[2], TOP_COL_FD_ETA, buf, sizeof(buf)), "45s");
	rows[2].fd_eta = eta(SC_FD_ETA_SHORT_SPAN, 0);
	assert_string_equal(top_cell(&rows[2], TOP_COL_FD_ETA, buf, sizeof(buf)), "");
	assert_true(top_fd_eta_s(&rows[2]) < 0);
	/* A zeroed row (ports, connections) claims no ETA. */
	rows[2] = proc(20, "Redis", 100, 90);
	assert_true(top_fd_eta_s(&rows[2]) < 0);
}

/* A service's FD ETA is its member's that comes first, with that member's pid. */
static void test_service_nearest_fd_eta(void **state)
{
	struct top_row svc[3] = { { .id = 100 }, { .id = 200 }, { .id = 300 } };
	struct top_row p[5] = {
		{ .pid = 100, .service_id = 100, .fd_eta = eta(SC_FD_ETA_OK, 900) },
		{ .pid = 101, .service_id = 100, .fd_eta = eta(SC_FD_ETA_OK, 60) },
		{ .pid = 102, .service_id = 100, .fd_eta = eta(SC_FD_ETA_NOT_GROWING, 0) },
		{ .pid = 200, .service_id = 200, .fd_eta = eta(SC_FD_ETA_FEW_SAMPLES, 0) },
		{ .pid = 301, .service_id = 300, .fd_eta = eta(SC_FD_ETA_AT_LIMIT, 0) },
	};

	(void)state;
	top_rows_services_fd_eta(svc, 3, p, 5);
	assert_int_equal(svc[0].fd_eta.why, SC_FD_ETA_OK);
	assert_true(svc[0].fd_eta.eta_s == 60);
	assert_int_equal(svc[0].fd_eta_pid, 101);
	assert_true(top_fd_eta_s(&svc[1]) < 0);
	assert_int_equal(svc[1].fd_eta_pid, 0);
	assert_int_equal(svc[2].fd_eta.why, SC_FD_ETA_AT_LIMIT);
	assert_int_equal(svc[2].fd_eta_pid, 301);
}

static void test_cells(void **state)
{
	struct top_row r = proc(4, "ws", 200, 150);
	char buf[64];

	(void)state;
	r.fds = 900;
	r.fd_limit = 1000;
	assert_string_equal(top_cell(&r, TOP_COL_IDLE_PCT, buf, sizeof(buf)), "75%");
	assert_string_equal(top_cell(&r, TOP_COL_FD_PCT, buf, sizeof(buf)), "90%");
	assert_string_equal(top_cell(&r, TOP_COL_RSS, buf, sizeof(buf)), "-");
	assert_string_equal(top_cell(&r, TOP_COL_RSS_CONN, buf, sizeof(buf)), "-");
	assert_string_equal(top_cell(&r, TOP_COL_CONN_RATE, buf, sizeof(buf)), "-");
	r.rss_known = true;
	r.rss = 200 * 4096;
	assert_string_equal(top_cell(&r, TOP_COL_RSS_CONN, buf, sizeof(buf)), "4.0 KiB");
	r.rate_known = true;
	r.conn_rate = -2.5;
	assert_string_equal(top_cell(&r, TOP_COL_CONN_RATE, buf, sizeof(buf)), "-2.5");
	r.conn_rate = 0.01;
	assert_string_equal(top_cell(&r, TOP_COL_CONN_RATE, buf, sizeof(buf)), "0");
	r.fd_limit = RLIM_INFINITY;
	assert_string_equal(top_cell(&r, TOP_COL_FD_LIMIT, buf, sizeof(buf)), "unlimited");
	assert_string_equal(top_cell(&r, TOP_COL_FD_PCT, buf, sizeof(buf)), "-");
	/* fmt_percent's rounding, as snapshot prints them: not 100% short of all. */
	r.conns = 4020;
	r.idle = 4000;
	r.fds = 1548;
	r.fd_limit = 20000;
	assert_string_equal(top_cell(&r, TOP_COL_IDLE_PCT, buf, sizeof(buf)), "99%");
	assert_string_equal(top_cell(&r, TOP_COL_FD_PCT, buf, sizeof(buf)), "8%");
	/* CONTAINER: "-" until the place is known; the filter finds rows by it. */
	assert_string_equal(top_cell(&r, TOP_COL_CONTAINER, buf, sizeof(buf)), "-");
	assert_false(top_row_matches(&r, "team-a"));
	strcpy(r.place, "team-a/web-7d4b9c-x2k/app");
	assert_string_equal(top_cell(&r, TOP_COL_CONTAINER, buf, sizeof(buf)),
			    "team-a/web-7d4b9c-x2k/app");
	assert_true(top_row_matches(&r, "TEAM-A/web"));
	r.has_idle = r.is_idle = true;
	r.idle_ms = 61000;
	assert_string_equal(top_cell(&r, TOP_COL_IDLE_FOR, buf, sizeof(buf)), "1m01s*");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sort_numbers_biggest_first_stable_ties, setup),
		cmocka_unit_test_setup(test_sort_text_and_percent, setup),
		cmocka_unit_test_setup(test_sort_unknown_last, setup),
		cmocka_unit_test_setup(test_filter_and_search, setup),
		cmocka_unit_test_setup(test_selection_follows_row, setup),
		cmocka_unit_test_setup(test_tags, setup),
		cmocka_unit_test(test_sort_step_wraps),
		cmocka_unit_test(test_col_names),
		cmocka_unit_test(test_counter_rate),
		cmocka_unit_test(test_idle_after_steps),
		cmocka_unit_test(test_history_rates_and_marginal),
		cmocka_unit_test(test_cookie_churn),
		cmocka_unit_test(test_rows_from_summary),
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_services_view),
		cmocka_unit_test_setup(test_fd_eta_sort_and_cells, setup),
		cmocka_unit_test(test_service_nearest_fd_eta),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/model/idle_events.c and user/render/idle_event_json.c: walks compared by cookie give "idle",
 * "active" and "idle_closed" lines; the token bucket bounds them, retrying
 * idle reports and counting what it held back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "idle_event_json.h"
#include "idle_events.h"
#include "mirror.h"
#include "summary_build.h"

#define SEC 1000000000ull
#define WALL (1795000000ull * SEC) /* 2026-11-18T... */

static char *buf;
static size_t len;
static FILE *out;

static int setup(void **state)
{
	(void)state;
	out = open_memstream(&buf, &len);
	return out ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fclose(out);
	free(buf);
	return 0;
}

static const struct sc_task_record tasks[] = {
	{ .tgid = 100, .comm = "ws-\"server\"" },
};

static struct sc_conn_idle c(__u64 cookie, int idle, __u64 idle_s)
{
	return (struct sc_conn_idle){ .cookie = cookie, .pid = 100, .lport = 8080,
				      .rport = (__u16)(40000 + cookie), .idle = idle,
				      .idle_ms = idle_s * 1000 };
}

static size_t lines(void)
{
	size_t n = 0;
	char *p;

	fflush(out);
	for (p = buf; p && *p; p++)
		n += *p == '\n';
	return n;
}

static void test_transitions(void **state)
{
	struct sc_events *ev = sc_events_new(100, sc_idle_event_json, out);
	struct sc_conn_idle w1[] = { c(1, 0, 10), c(2, 1, 200), c(3, 1, 300) };
	struct sc_conn_idle w2[] = { c(1, 1, 190), c(2, 0, 0), c(4, 0, 1) };

	(void)state;
	assert_int_equal(sc_events_feed(ev, w1, 3, tasks, 1, 1 * SEC, WALL), 0);
	assert_int_equal(lines(), 2);
	assert_non_null(strstr(buf, "\"event\":\"idle\",\"pid\":100,\"comm\":\"ws-\\\"server\\\"\","
				    "\"local_port\":8080,\"remote_port\":40002,\"idle_seconds\":200"));
	assert_non_null(strstr(buf, "\"time\":\"2026-"));
	assert_int_equal(sc_events_stats(ev).idle_now, 2);

	/* 1 turns idle, 2 is active again, 3 closed (5 s after it was last seen at 300 s). */
	assert_int_equal(sc_events_feed(ev, w2, 3, tasks, 1, 6 * SEC, WALL), 0);
	assert_int_equal(lines(), 5);
	assert_non_null(strstr(buf, "\"event\":\"active\",\"pid\":100,\"comm\":\"ws-\\\"server\\\"\","
				    "\"local_port\":8080,\"remote_port\":40002"));
	assert_non_null(strstr(buf, "\"event\":\"idle_closed\",\"pid\":100,\"comm\":\"ws-\\\"server\\\"\","
				    "\"local_port\":8080,\"remote_port\":40003,\"idle_seconds\":305"));
	assert_non_null(strstr(buf, "\"remote_port\":40001,\"idle_seconds\":190"));
	assert_int_equal(sc_events_stats(ev).idle_now, 1);
	assert_int_equal(sc_events_stats(ev).written, 5);
	assert_int_equal(sc_events_dropped(ev), 0);

	/* Still idle: nothing new. */
	assert_int_equal(sc_events_feed(ev, w2, 3, tasks, 1, 7 * SEC, WALL), 0);
	assert_int_equal(lines(), 5);
	sc_events_free(ev);
}

static void test_rate_limit_retries_idle_reports(void **state)
{
	struct sc_events *ev = sc_events_new(2, sc_idle_event_json, out); /* 2 a second, burst 2 */
	struct sc_conn_idle w[] = { c(1, 1, 200), c(2, 1, 200), c(3, 1, 200), c(4, 1, 200),
				    c(5, 1, 200) };

	(void)state;
	assert_int_equal(sc_events_feed(ev, w, 5, tasks, 1, 10 * SEC, WALL), 0);
	assert_int_equal(lines(), 2);
	assert_int_equal(sc_events_dropped(ev), 3);
	assert_int_equal(sc_events_stats(ev).idle_now, 2);
	/* One second later, two more tokens: two of the three held back are reported. */
	assert_int_equal(sc_events_feed(ev, w, 5, tasks, 1, 11 * SEC, WALL), 0);
	assert_int_equal(lines(), 4);
	assert_int_equal(sc_events_stats(ev).idle_now, 4);
	/* Ten seconds later the bucket holds only its burst, not twenty. */
	assert_int_equal(sc_events_feed(ev, NULL, 0, tasks, 1, 21 * SEC, WALL), 0);
	assert_int_equal(lines(), 6);
	assert_int_equal(sc_events_stats(ev).idle_now, 0);
	assert_int_equal(sc_events_dropped(ev), 3 + 1 + 2);
	sc_events_free(ev);
}

#define HZ 250
#define BASE_J 1000000ull

/* A mirror whose header dates it at t_s seconds, as sockcostd's refresh does. */
static void date_mirror(struct sc_mirror *m, __u64 t_s)
{
	m->header.established_ns = t_s * SEC;
	m->header.last_active_jiffies = BASE_J + t_s * HZ;
}

/* n connections of pid 100 last active 200 s before 1000 s in, idle after 20 s. */
static void idle_mirror(struct sc_mirror *m, size_t n)
{
	struct sc_conn_record r[8] = {
		{ .kind = SC_CONN_HEADER, .established_ns = 1000 * SEC,
		  .last_active_jiffies = BASE_J + 1000 * HZ },
	};
	size_t i;

	assert_true(n < 8);
	for (i = 1; i <= n; i++)
		r[i] = (struct sc_conn_record){
			.kind = SC_CONN_TCP, .tgid = 100, .state = 1 /* ESTABLISHED */,
			.flags = SC_CONN_HAS_STATE | SC_CONN_SAW_CALLS | SC_CONN_HAS_TIMES,
			.lport = 8080, .rport = (__u16)(40000 + i), .cookie = i,
			.kernel_last = (__u32)(BASE_J + 800 * HZ),
			.established_ns = 100 * SEC, .last_active_jiffies = BASE_J + 800 * HZ,
		};
	assert_int_equal(sc_mirror_load(m, r, n + 1), 0);
}

/* Fed only what changed, reports held back by the bucket are still retried. */
static void test_touched_feeds_retry_and_close(void **state)
{
	struct sc_events *ev = sc_events_new(2, sc_idle_event_json, out);
	struct sc_summary_inputs in = {
		.policy = { .idle_after_ms = 20000 }, .hook = SC_HOOK_TRACEPOINT,
		.attached_ns = 1, .kernel_hz = HZ,
	};
	struct sc_change close = { .cookie = 1, .kind = SC_CHANGE_STATE, .state = 7 /* CLOSE */ };
	struct sc_conn_idle *conns;
	struct sc_mirror m = {};
	size_t n;

	(void)state;
	idle_mirror(&m, 5);
	assert_int_equal(sc_mirror_idle_list(&m, &in, &conns, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(sc_events_feed(ev, conns, n, tasks, 1, 1000 * SEC, WALL), 0);
	free(conns);
	assert_int_equal(lines(), 2);
	assert_int_equal(sc_events_dropped(ev), 3);
	/* Nothing touched a second later: two of the three held back are reported. */
	date_mirror(&m, 1001);
	assert_int_equal(sc_events_feed_touched(ev, &m, &in, NULL, 0, tasks, 1, 1001 * SEC, WALL),
			 0);
	assert_int_equal(lines(), 4);
	assert_int_equal(sc_events_stats(ev).idle_now, 4);
	/* Connection 1 (reported) closes: the last held back first, then its close. */
	assert_int_equal(sc_mirror_apply(&m, &close), 0);
	date_mirror(&m, 1011);
	assert_int_equal(sc_events_feed_touched(ev, &m, &in, &close.cookie, 1, tasks, 1,
						1011 * SEC, WALL), 0);
	assert_int_equal(lines(), 6);
	assert_non_null(strstr(buf, "\"event\":\"idle_closed\",\"pid\":100,\"comm\":\"ws-\\\"server\\\"\","
				    "\"local_port\":8080,\"remote_port\":40001,\"idle_seconds\":211"));
	assert_int_equal(sc_events_stats(ev).idle_now, 4);
	assert_int_equal(sc_events_stats(ev).touched_feeds, 2);
	assert_int_equal(sc_events_stats(ev).whole_feeds, 1);
	sc_events_free(ev);
	sc_mirror_free(&m);
}

static void test_unknown_process_has_empty_comm(void **state)
{
	struct sc_events *ev = sc_events_new(10, sc_idle_event_json, out);
	struct sc_conn_idle w[] = { c(1, 1, 200) };

	(void)state;
	w[0].pid = 999;
	assert_int_equal(sc_events_feed(ev, w, 1, tasks, 1, SEC, WALL), 0);
	assert_int_equal(lines(), 1); /* flushes the stream into buf */
	assert_non_null(strstr(buf, "\"pid\":999,\"comm\":\"\""));
	sc_events_free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_transitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit_retries_idle_reports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_process_has_empty_comm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_touched_feeds_retry_and_close, setup, teardown),
	};

	return cmocka_run_group_tests_name("idle_events", tests, NULL, NULL);
}

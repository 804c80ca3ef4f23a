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
	};

	return cmocka_run_group_tests_name("idle_events", tests, NULL, NULL);
}

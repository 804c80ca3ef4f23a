// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/model/served_proto.c: the request line round-trips
 * every field, and a request missing one, repeating one, naming an unknown
 * one, another version or garbage is refused (a daemon must never guess the
 * policy); status lines, ok and walk, round-trip, and bad ones are refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "served_proto.h"

static const struct sc_served_request sample = {
	.by = SC_BY_PORT,
	.policy = { .idle_after_ms = 120000, .heartbeat_bytes = 8 },
	.health = { .close_wait_after_ms = 60000, .stall_after_ms = 10000,
		    .nat_timeout_ms = 350000 },
};

static void test_request_round_trip(void **state)
{
	static const enum sc_group_by bys[] = { SC_BY_DEFAULT, SC_BY_SERVICE, SC_BY_PROCESS,
						 SC_BY_PORT, SC_BY_CGROUP, SC_BY_REMOTE,
						 SC_BY_REMOTE_ADDR };
	struct sc_served_request in = sample, out;
	char line[SC_SERVED_LINE_MAX];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(bys) / sizeof(bys[0]); i++) {
		in.by = bys[i];
		n = sc_served_request_format(&in, line, sizeof(line));
		assert_true(n > 0);
		assert_int_equal((size_t)n, strlen(line));
		assert_int_equal(line[n - 1], '\n');
		assert_int_equal(sc_served_request_parse(line, &out), 0);
		assert_int_equal(out.by, in.by);
		assert_memory_equal(&out.policy, &in.policy, sizeof(in.policy));
		assert_memory_equal(&out.health, &in.health, sizeof(in.health));
	}
}

static void test_request_exact_text(void **state)
{
	char line[SC_SERVED_LINE_MAX];

	(void)state;
	assert_true(sc_served_request_format(&sample, line, sizeof(line)) > 0);
	assert_string_equal(line, "table 2 by=port idle_after_ms=120000 heartbeat_bytes=8 "
			    "close_wait_after_ms=60000 stall_after_ms=10000 "
			    "nat_timeout_ms=350000\n");
}

static void test_request_too_small_buffer(void **state)
{
	char line[32];

	(void)state;
	assert_int_equal(sc_served_request_format(&sample, line, sizeof(line)), -ENOSPC);
}

static void test_request_refusals(void **state)
{
	static const char *bad[] = {
		"",
		"table\n",
		"table 2\n",
		/* one field missing */
		"table 2 by=port idle_after_ms=1 heartbeat_bytes=0 close_wait_after_ms=1 "
		"stall_after_ms=1\n",
		/* repeated */
		"table 2 by=port by=port idle_after_ms=1 heartbeat_bytes=0 close_wait_after_ms=1 "
		"stall_after_ms=1 nat_timeout_ms=1\n",
		/* unknown key */
		"table 2 by=port idle_after_ms=1 heartbeat_bytes=0 close_wait_after_ms=1 "
		"stall_after_ms=1 nat_timeout_ms=1 colour=red\n",
		/* unknown grouping */
		"table 2 by=colour idle_after_ms=1 heartbeat_bytes=0 close_wait_after_ms=1 "
		"stall_after_ms=1 nat_timeout_ms=1\n",
		/* not a number, negative, trailing garbage, overflow */
		"table 2 by=port idle_after_ms=x heartbeat_bytes=0 close_wait_after_ms=1 "
		"stall_after_ms=1 nat_timeout_ms=1\n",
		"table 2 by=port idle_after_ms=-1 heartbeat_bytes=0 close_wait_after_ms=1 "
		"stall_after_ms=1 nat_timeout_ms=1\n",
		"table 2 by=port idle_after_ms=5s heartbeat_bytes=0 close_wait_after_ms=1 "
		"stall_after_ms=1 nat_timeout_ms=1\n",
		"table 2 by=port idle_after_ms=99999999999999999999999 heartbeat_bytes=0 "
		"close_wait_after_ms=1 stall_after_ms=1 nat_timeout_ms=1\n",
		/* a second line */
		"table 2 by=port idle_after_ms=1 heartbeat_bytes=0 close_wait_after_ms=1 "
		"stall_after_ms=1 nat_timeout_ms=1\nmore\n",
		"GET / HTTP/1.1\n",
	};
	struct sc_served_request r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sc_served_request_parse(bad[i], &r), -EPROTO);
}

static void test_request_other_version(void **state)
{
	struct sc_served_request r;

	(void)state;
	assert_int_equal(sc_served_request_parse("table 1 by=port\n", &r), -EPROTONOSUPPORT);
}

static void test_status_ok_round_trip(void **state)
{
	struct sc_served_status in = { .ok = true, .pid = 812, .age_ms = 412,
				       .health_age_ms = 2210, .bytes = 5120 }, out;
	char line[SC_SERVED_LINE_MAX];

	(void)state;
	assert_true(sc_served_status_format(&in, line, sizeof(line)) > 0);
	assert_string_equal(line, "ok 2 pid=812 age_ms=412 health_age_ms=2210 bytes=5120\n");
	assert_int_equal(sc_served_status_parse(line, &out), 0);
	assert_true(out.ok);
	assert_int_equal(out.pid, 812);
	assert_int_equal(out.age_ms, 412);
	assert_int_equal(out.health_age_ms, 2210);
	assert_int_equal(out.bytes, 5120);

	in.health_age_ms = SC_AGE_UNKNOWN;
	assert_true(sc_served_status_format(&in, line, sizeof(line)) > 0);
	assert_string_equal(line, "ok 2 pid=812 age_ms=412 health_age_ms=- bytes=5120\n");
	assert_int_equal(sc_served_status_parse(line, &out), 0);
	assert_true(out.health_age_ms == SC_AGE_UNKNOWN);
}

static void test_status_walk_round_trip(void **state)
{
	struct sc_served_status in = { .ok = false }, out;
	char line[SC_SERVED_LINE_MAX];

	(void)state;
	strcpy(in.reason, "sockcostd judges idle after 60000 ms with heartbeats <= 0 B");
	assert_true(sc_served_status_format(&in, line, sizeof(line)) > 0);
	assert_int_equal(sc_served_status_parse(line, &out), 0);
	assert_false(out.ok);
	assert_string_equal(out.reason, in.reason);
}

static void test_status_refusals(void **state)
{
	static const char *bad[] = {
		"ok 2\n",
		"ok 2 pid=812 age_ms=412\n",
		/* Without its length a cut table would pass for a whole one. */
		"ok 2 pid=812 age_ms=412 health_age_ms=1\n",
		"ok 2 pid=0 age_ms=412 health_age_ms=1 bytes=1\n",
		"ok 2 pid=4294967296 age_ms=412 health_age_ms=1 bytes=1\n",
		"ok 2 pid=812 pid=812 age_ms=412 health_age_ms=1 bytes=1\n",
		"ok 2 pid=812 age_ms=-1 health_age_ms=1 bytes=1\n",
		"ok 2 pid=812 age_ms=1 health_age_ms=1 bytes=-1\n",
		"ok 2 pid=812 age_ms=1 health_age_ms=1 bytes=1 bytes=1\n",
		"ok 2 pid=812 age_ms=1 health_age_ms=1 bytes=1 extra=1\n",
		"fine 1 pid=812\n",
		"",
	};
	struct sc_served_status s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sc_served_status_parse(bad[i], &s), -EPROTO);
	assert_int_equal(sc_served_status_parse("ok 1 pid=1 age_ms=1 health_age_ms=1\n", &s),
			 -EPROTONOSUPPORT);
}

static void test_by_supported(void **state)
{
	(void)state;
	assert_true(sc_served_by_supported(SC_BY_DEFAULT));
	assert_true(sc_served_by_supported(SC_BY_SERVICE));
	assert_true(sc_served_by_supported(SC_BY_PROCESS));
	assert_true(sc_served_by_supported(SC_BY_PORT));
	assert_false(sc_served_by_supported(SC_BY_CGROUP));
	assert_false(sc_served_by_supported(SC_BY_REMOTE));
	assert_false(sc_served_by_supported(SC_BY_REMOTE_ADDR));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_request_exact_text),
		cmocka_unit_test(test_request_too_small_buffer),
		cmocka_unit_test(test_request_refusals),
		cmocka_unit_test(test_request_other_version),
		cmocka_unit_test(test_status_ok_round_trip),
		cmocka_unit_test(test_status_walk_round_trip),
		cmocka_unit_test(test_status_refusals),
		cmocka_unit_test(test_by_supported),
	};

	return cmocka_run_group_tests_name("served_proto", tests, NULL, NULL);
}

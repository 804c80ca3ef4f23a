// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/model/managed.c: --managed-price parsing, the monthly
 * managed bill from message and connection rates, and connection-seconds
 * from the kernel counters (closed time plus live time, across a wrap).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "managed.h"

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static void test_parse(void **state)
{
	struct sc_managed_price p;

	(void)state;
	assert_int_equal(sc_managed_price_parse(
				 "per_million_messages=1.0,per_million_connection_minutes=0.25", &p), 0);
	assert_true(p.has_messages && p.has_connection_minutes);
	assert_near(p.per_million_messages, 1.0, 1e-12);
	assert_near(p.per_million_connection_minutes, 0.25, 1e-12);
	assert_int_equal(sc_managed_price_parse("per_million_connection_minutes=0.25", &p), 0);
	assert_false(p.has_messages);
}

static void test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"", "1.0", "per_million_messages=", "per_million_messages=-1",
		"per_million_messages=1x", "per_million_messages=1,",
		"per_million_messages=1,per_million_messages=2", "per_thousand_messages=1",
		"per_million_messages=1e99",
	};
	struct sc_managed_price p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sc_managed_price_parse(bad[i], &p), -EINVAL);
}

/* 10,000 connections held all month and 500 messages a second, at $1 and $0.25 a million. */
static void test_bill(void **state)
{
	struct sc_managed_price p = { .has_messages = true, .has_connection_minutes = true,
				      .per_million_messages = 1.0,
				      .per_million_connection_minutes = 0.25 };
	struct sc_traffic_rates r = { .seconds = 60, .messages_per_s = 500, .connections = 10000 };
	struct sc_managed_bill b;

	(void)state;
	sc_managed_bill(&p, &r, &b);
	assert_near(b.messages, 500.0 * 2592000, 1e-3);
	assert_near(b.connection_minutes, 10000.0 * 43200, 1e-3);
	assert_near(b.messages_cost, 1296.0, 1e-6);
	assert_near(b.connection_minutes_cost, 108.0, 1e-6);
	assert_near(b.total, 1404.0, 1e-6);
	p.has_messages = false;
	sc_managed_bill(&p, &r, &b);
	assert_near(b.total, 108.0, 1e-6);
}

static void test_connection_seconds(void **state)
{
	/* Two live connections since 100 s and 250 s; 40 s of closed ones. */
	struct sc_counters c = { .established = { 1, 1 }, .conn_closed_us = 40000000,
				 .conn_start_us = 100000000 + 250000000 };
	/* Per CPU: one counted a connection out (its start subtracted), another in. */
	__u64 cpu0 = 0ull - 100000000, cpu1 = 100000000 + 100000000 + 250000000;
	struct sc_counters torn = c;

	(void)state;
	assert_near(sc_connection_seconds(&c, 300000000000ull), 40 + 200 + 50, 1e-6);
	/* The per-CPU parts wrap when summed, as tracker.c sums them; the live time does not. */
	c.conn_start_us = cpu0 + cpu1;
	assert_true(cpu0 > (1ull << 63));
	assert_near(sc_connection_seconds(&c, 300000000000ull), 290, 1e-6);
	/* A read torn after a start went in but before its count: low, never ~1.8e13. */
	torn.conn_start_us += 299000000;
	assert_near(sc_connection_seconds(&torn, 300000000000ull), 40, 1e-6);
	/* Per-CPU parts of the live count may be negative; the sum is what counts. */
	c.established[0] = 3;
	c.established[1] = -1;
	assert_near(sc_connection_seconds(&c, 300000000000ull), 290, 1e-6);
}

static void test_rates(void **state)
{
	struct sc_counters a = { .established = { 2, 0 }, .conn_start_us = 0,
				 .messages = { 100, 50 } };
	struct sc_counters b = a;
	struct sc_traffic_rates r;

	(void)state;
	b.messages[0] = 700;
	b.messages[1] = 450;
	/* Two connections all along: 2 on average; 1000 messages in 10 s. */
	sc_traffic_rates(&a, 5000000000ull, &b, 15000000000ull, &r);
	assert_near(r.seconds, 10, 1e-9);
	assert_near(r.messages_per_s, 100, 1e-9);
	assert_near(r.connections, 2, 1e-9);
	sc_traffic_rates(&a, 5, &b, 5, &r);
	assert_near(r.messages_per_s, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_bill),
		cmocka_unit_test(test_connection_seconds),
		cmocka_unit_test(test_rates),
	};

	return cmocka_run_group_tests_name("managed", tests, NULL, NULL);
}

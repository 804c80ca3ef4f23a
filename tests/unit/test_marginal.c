// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/marginal.c: the least-squares slope of RSS against
 * connection count, the minimum samples and spread it needs, and the ring
 * that keeps only the last SC_MARGINAL_SAMPLES samples.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "marginal.h"

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static void test_exact_line(void **state)
{
	struct sc_marginal m = {};
	double slope = -1;
	size_t n = 0;

	(void)state;
	/* 50 MB base + 20 KB per connection. */
	sc_marginal_add(&m, 100, 50000000 + 100 * 20000);
	sc_marginal_add(&m, 300, 50000000 + 300 * 20000);
	sc_marginal_add(&m, 200, 50000000 + 200 * 20000);
	assert_true(sc_marginal_estimate(&m, &slope, &n));
	assert_int_equal(n, 3);
	assert_near(slope, 20000, 1e-6);
}

static void test_noisy_line(void **state)
{
	static const long noise[] = { 3000, -2000, 1000, -4000, 2500, 0, -1500, 500 };
	struct sc_marginal m = {};
	double slope = 0;
	size_t n = 0, i;

	(void)state;
	for (i = 0; i < 8; i++)
		sc_marginal_add(&m, 1000 + i * 500, (__u64)(80000000 + (long)i * 500 * 15000 + noise[i]));
	assert_true(sc_marginal_estimate(&m, &slope, &n));
	assert_int_equal(n, 8);
	assert_near(slope, 15000, 5);
}

static void test_too_few_samples(void **state)
{
	struct sc_marginal m = {};
	double slope = 0;
	size_t n = 99;

	(void)state;
	assert_false(sc_marginal_estimate(&m, &slope, &n));
	assert_int_equal(n, 0);
	sc_marginal_add(&m, 10, 1000);
	sc_marginal_add(&m, 500, 2000);
	assert_false(sc_marginal_estimate(&m, &slope, &n));
	assert_int_equal(n, 2);
}

/* Connection counts within a handful of each other say nothing. */
static void test_no_spread(void **state)
{
	struct sc_marginal m = {};
	double slope = 0;
	size_t n = 0, i;

	(void)state;
	for (i = 0; i < 10; i++)
		sc_marginal_add(&m, 1000 + i % 3, 5000000 + i * 4096);
	assert_false(sc_marginal_estimate(&m, &slope, &n));
	assert_int_equal(n, 10);
	for (i = 0; i < 5; i++)
		sc_marginal_add(&m, 1000, 5000000);
	assert_false(sc_marginal_estimate(&m, &slope, &n));
}

/* Only the last SC_MARGINAL_SAMPLES samples count: the process changes over time. */
static void test_ring_keeps_last_samples(void **state)
{
	struct sc_marginal m = {};
	double slope = 0;
	size_t n = 0, i;

	(void)state;
	/* Old samples with a steep slope, then a full ring of a gentle one. */
	for (i = 0; i < 10; i++)
		sc_marginal_add(&m, i * 100, i * 100 * 1000000ull);
	for (i = 0; i < SC_MARGINAL_SAMPLES; i++)
		sc_marginal_add(&m, 1000 + i * 10, 10000000 + i * 10 * 8000ull);
	assert_true(sc_marginal_estimate(&m, &slope, &n));
	assert_int_equal(n, SC_MARGINAL_SAMPLES);
	assert_near(slope, 8000, 1e-6);
}

static void test_shrinking_process(void **state)
{
	struct sc_marginal m = {};
	double slope = 0;
	size_t n = 0;

	(void)state;
	/* Connections close and RSS stays: the allocator keeps freed memory. */
	sc_marginal_add(&m, 5000, 200000000);
	sc_marginal_add(&m, 3000, 200000000);
	sc_marginal_add(&m, 1000, 200000000);
	assert_true(sc_marginal_estimate(&m, &slope, &n));
	assert_near(slope, 0, 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_line),
		cmocka_unit_test(test_noisy_line),
		cmocka_unit_test(test_too_few_samples),
		cmocka_unit_test(test_no_spread),
		cmocka_unit_test(test_ring_keeps_last_samples),
		cmocka_unit_test(test_shrinking_process),
	};

	return cmocka_run_group_tests_name("marginal", tests, NULL, NULL);
}

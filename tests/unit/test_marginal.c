// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/model/marginal.c: the Theil-Sen slope of memory over
 * growing connection counts, robust to garbage collections and allocator
 * steps; the samples, range and growth it needs, with the reason when it
 * has no estimate; the ring that keeps only the last SC_MARGINAL_SAMPLES.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "marginal.h"

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static void test_exact_line(void **state)
{
	struct sc_marginal m = {};
	struct sc_marginal_est e;

	(void)state;
	/* 50 MB base + 20 KB per connection. */
	sc_marginal_add(&m, 100, 50000000 + 100 * 20000);
	sc_marginal_add(&m, 300, 50000000 + 300 * 20000);
	sc_marginal_add(&m, 200, 50000000 + 200 * 20000);
	assert_true(sc_marginal_estimate(&m, &e));
	assert_int_equal(e.samples, 3);
	assert_near(e.bytes, 20000, 1e-6);
}

static void test_noisy_line(void **state)
{
	static const long noise[] = { 3000, -2000, 1000, -4000, 2500, 0, -1500, 500 };
	struct sc_marginal m = {};
	struct sc_marginal_est e;
	size_t i;

	(void)state;
	for (i = 0; i < 8; i++)
		sc_marginal_add(&m, 1000 + i * 500, (__u64)(80000000 + (long)i * 500 * 15000 + noise[i]));
	assert_true(sc_marginal_estimate(&m, &e));
	assert_int_equal(e.samples, 8);
	assert_near(e.bytes, 15000, 5);
}

static void test_too_few_samples(void **state)
{
	struct sc_marginal m = {};
	struct sc_marginal_est e;
	char why[64];

	(void)state;
	assert_false(sc_marginal_estimate(&m, &e));
	assert_int_equal(e.samples, 0);
	sc_marginal_add(&m, 10, 1000);
	sc_marginal_add(&m, 500, 2000);
	assert_false(sc_marginal_estimate(&m, &e));
	assert_int_equal(e.samples, 2);
	assert_int_equal(e.why, SC_MARGINAL_FEW_SAMPLES);
	assert_string_equal(sc_marginal_why_text(&e, why, sizeof(why)), "2 samples, need 3");
}

/* Connection counts within a handful of each other say nothing. */
static void test_no_spread(void **state)
{
	struct sc_marginal m = {};
	struct sc_marginal_est e;
	char why[64];
	size_t i;

	(void)state;
	for (i = 0; i < 10; i++)
		sc_marginal_add(&m, 1000 + i % 3, 5000000 + i * 4096);
	assert_false(sc_marginal_estimate(&m, &e));
	assert_int_equal(e.samples, 10);
	assert_int_equal(e.why, SC_MARGINAL_NARROW);
	assert_string_equal(sc_marginal_why_text(&e, why, sizeof(why)),
			    "connections varied by 2, need 10");
	for (i = 0; i < 5; i++)
		sc_marginal_add(&m, 1000, 5000000);
	assert_false(sc_marginal_estimate(&m, &e));
}

/* Only the last SC_MARGINAL_SAMPLES samples count: the process changes over time. */
static void test_ring_keeps_last_samples(void **state)
{
	struct sc_marginal m = {};
	struct sc_marginal_est e;
	size_t i;

	(void)state;
	/* Old samples with a steep slope, then a full ring of a gentle one. */
	for (i = 0; i < 10; i++)
		sc_marginal_add(&m, i * 100, i * 100 * 1000000ull);
	for (i = 0; i < SC_MARGINAL_SAMPLES; i++)
		sc_marginal_add(&m, 1000 + i * 10, 10000000 + i * 10 * 8000ull);
	assert_true(sc_marginal_estimate(&m, &e));
	assert_int_equal(e.samples, SC_MARGINAL_SAMPLES);
	assert_near(e.bytes, 8000, 1e-6);
}

/* Connections only close: the allocator keeps what they freed, which says nothing of their cost. */
static void test_shrinking_process(void **state)
{
	struct sc_marginal m = {};
	struct sc_marginal_est e;
	char why[64];

	(void)state;
	sc_marginal_add(&m, 5000, 200000000);
	sc_marginal_add(&m, 3000, 200000000);
	sc_marginal_add(&m, 1000, 200000000);
	assert_false(sc_marginal_estimate(&m, &e));
	assert_int_equal(e.why, SC_MARGINAL_NO_GROWTH);
	assert_string_equal(sc_marginal_why_text(&e, why, sizeof(why)),
			    "connections did not grow while watched");
}

/* Growth, then a close-down the allocator does not return, then growth again: the growth is the cost. */
static void test_growth_then_closes_then_growth(void **state)
{
	struct sc_marginal m = {};
	struct sc_marginal_est e;
	size_t i;

	(void)state;
	for (i = 0; i <= 10; i++)  /* 0 -> 1000 connections at 20 KB each */
		sc_marginal_add(&m, i * 100, 60000000 + i * 100 * 20000ull);
	sc_marginal_add(&m, 200, 80000000);  /* 800 close: memory kept */
	for (i = 3; i <= 15; i++)  /* reuse of the kept memory up to 1000, then fresh growth */
		sc_marginal_add(&m, i * 100, 80000000 + (i > 10 ? (i - 10) * 100 * 20000ull : 0));
	assert_true(sc_marginal_estimate(&m, &e));
	/* Growth pairs across the first climb and the fresh growth read 20 KB; the reuse reads 0. */
	assert_near(e.bytes, 20000, 1);
	assert_true(e.spread > 0);
}

/* A garbage collection drops memory by 30 MB once; least squares bent toward it, the median does not. */
static void test_gc_drop_is_ignored(void **state)
{
	struct sc_marginal m = {};
	struct sc_marginal_est e;
	size_t i;

	(void)state;
	for (i = 0; i < 20; i++) {
		__u64 bytes = 50000000 + i * 200 * 16000ull;

		if (i == 12)
			bytes -= 30000000;
		sc_marginal_add(&m, 1000 + i * 200, bytes);
	}
	assert_true(sc_marginal_estimate(&m, &e));
	assert_near(e.bytes, 16000, 1e-6);
	assert_near(e.spread, 0, 1e-6);
}

/* An allocator that maps memory in 4 MB arenas: steps, not a line; the estimate is the mean rate. */
static void test_allocator_steps(void **state)
{
	struct sc_marginal m = {};
	struct sc_marginal_est e;
	size_t i;

	(void)state;
	for (i = 0; i < 40; i++) {
		__u64 used = i * 100 * 10000ull;            /* 10 KB a connection */
		__u64 arenas = (used + (4u << 20) - 1) / (4u << 20);

		sc_marginal_add(&m, i * 100, 30000000 + arenas * (4u << 20));
	}
	assert_true(sc_marginal_estimate(&m, &e));
	assert_near(e.bytes, 10000, 1500);
	assert_true(e.spread > 0);
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
		cmocka_unit_test(test_growth_then_closes_then_growth),
		cmocka_unit_test(test_gc_drop_is_ignored),
		cmocka_unit_test(test_allocator_steps),
	};

	return cmocka_run_group_tests_name("marginal", tests, NULL, NULL);
}

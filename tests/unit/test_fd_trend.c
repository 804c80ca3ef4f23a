// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/model/fd_trend.c and its text (user/render/fd_eta_text.c):
 * the time until a process's open fds reach their soft limit at the rate of
 * growth over a window. Exact on a line; none when flat, shrinking, wandering
 * or after one jump; robust to a spike; a reused pid starts anew; the window
 * evicts old samples and fast sampling still spans it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "fd_eta_text.h"
#include "fd_trend.h"

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))
#define SEC 1000000000ull
#define PID 4242
#define START 777

/* Samples of PID every step_ns from 0 to span_ns: fds(i) gives the count. */
static void feed(struct sc_fd_trends *t, __u64 step_ns, size_t count, __u64 limit,
		 __u64 (*fds)(size_t i))
{
	size_t i;

	for (i = 0; i < count; i++)
		assert_int_equal(sc_fd_trends_add(t, PID, START, 1000 * SEC + i * step_ns, fds(i),
						  limit), 0);
}

static struct sc_fd_eta eta_of(const struct sc_fd_trends *t, __u32 pid, __u64 start, bool *has)
{
	struct sc_fd_eta e;

	*has = sc_fd_trend_eta(sc_fd_trends_find(t, pid, start), &e);
	return e;
}

static __u64 linear_20(size_t i) { return 100 + 20 * i; }

static void test_linear_growth_exact_eta(void **state)
{
	struct sc_fd_trends t;
	struct sc_fd_eta e;
	bool has;

	(void)state;
	sc_fd_trends_init(&t, 60);
	feed(&t, SEC, 30, 1000, linear_20);
	e = eta_of(&t, PID, START, &has);
	assert_true(has);
	assert_int_equal(e.why, SC_FD_ETA_OK);
	assert_int_equal(e.fds, 680);
	assert_near(e.rate_per_s, 20, 1e-9);
	assert_near(e.eta_s, (1000 - 680) / 20.0, 1e-9);
	assert_int_equal(e.samples, 30);
	assert_near(e.span_s, 29, 1e-9);
	sc_fd_trends_free(&t);
}

static __u64 flat(size_t i) { (void)i; return 500; }
static __u64 shrinking(size_t i) { return 900 - 7 * i; }

static void test_flat_and_shrinking_give_none(void **state)
{
	struct sc_fd_trends t;
	struct sc_fd_eta e;
	char why[64];
	bool has;

	(void)state;
	sc_fd_trends_init(&t, 60);
	feed(&t, SEC, 30, 1000, flat);
	e = eta_of(&t, PID, START, &has);
	assert_false(has);
	assert_int_equal(e.why, SC_FD_ETA_NOT_GROWING);
	assert_string_equal(sc_fd_eta_why_text(&e, why, sizeof(why)), "fds not growing");
	assert_string_equal(fmt_fd_eta(&e, why, sizeof(why)), "");
	sc_fd_trends_free(&t);

	sc_fd_trends_init(&t, 60);
	feed(&t, SEC, 30, 1000, shrinking);
	e = eta_of(&t, PID, START, &has);
	assert_false(has);
	assert_int_equal(e.why, SC_FD_ETA_NOT_GROWING);
	assert_true(e.rate_per_s < 0);
	sc_fd_trends_free(&t);
}

/* 5 fds/s with jitter of a few fds, and one sample 300 fds up (a burst already closed). */
static __u64 noisy_with_spike(size_t i)
{
	static const int jitter[] = { 3, -2, 0, 4, -3, 1, -1, 2, -4, 0, 2, -2 };

	if (i == 20)
		return 200 + 5 * i + 300;
	return (__u64)(200 + 5 * (long)i + jitter[i % 12]);
}

static void test_noise_and_spike_are_ignored(void **state)
{
	struct sc_fd_trends t;
	struct sc_fd_eta e;
	bool has;

	(void)state;
	sc_fd_trends_init(&t, 60);
	feed(&t, SEC, 40, 2000, noisy_with_spike);
	e = eta_of(&t, PID, START, &has);
	assert_true(has);
	assert_near(e.rate_per_s, 5, 0.15);
	/* True ETA from the newest count: (2000 - fds) / 5. */
	assert_near(e.eta_s, (2000.0 - (double)e.fds) / 5, (2000.0 - (double)e.fds) / 5 * 0.03);
	sc_fd_trends_free(&t);
}

/* A pool opening 150 connections once, mid-window: a jump, not growth. */
static __u64 one_jump(size_t i) { return i < 15 ? 300 : 450; }
/*
 * Connections coming and going around a level (uniform noise of +-8): this
 * draw's Theil-Sen slope is positive over the window and each half, but
 * rising pairs outnumber falling ones by chance only (Mann-Kendall).
 */
static __u64 wandering(size_t i)
{
	static const int w[] = {
		396, 399, 392, 406, 397, 395, 403, 394, 399, 400, 393, 402, 397, 405, 393,
		392, 400, 401, 405, 398, 397, 395, 408, 393, 402, 402, 400, 397, 404, 401,
	};

	return (__u64)w[i];
}

static void test_one_jump_and_wandering_give_none(void **state)
{
	struct sc_fd_trends t;
	struct sc_fd_eta e;
	bool has;

	(void)state;
	sc_fd_trends_init(&t, 60);
	feed(&t, SEC, 30, 1000, one_jump);
	e = eta_of(&t, PID, START, &has);
	assert_false(has);
	assert_int_equal(e.why, SC_FD_ETA_NOT_GROWING);
	sc_fd_trends_free(&t);

	sc_fd_trends_init(&t, 60);
	feed(&t, SEC, 30, 1000, wandering);
	e = eta_of(&t, PID, START, &has);
	assert_false(has);
	assert_int_equal(e.why, SC_FD_ETA_NOT_GROWING);
	assert_true(e.rate_per_s > 0);
	sc_fd_trends_free(&t);
}

static void test_needs_samples_and_span(void **state)
{
	struct sc_fd_trends t;
	struct sc_fd_eta e;
	char why[64];
	bool has;

	(void)state;
	sc_fd_trends_init(&t, 60);
	e = eta_of(&t, PID, START, &has);
	assert_false(has);
	assert_int_equal(e.why, SC_FD_ETA_NOT_WATCHED);
	/* 5 samples over 20 s: too few. */
	feed(&t, 5 * SEC, 5, 1000, linear_20);
	e = eta_of(&t, PID, START, &has);
	assert_false(has);
	assert_int_equal(e.why, SC_FD_ETA_FEW_SAMPLES);
	assert_string_equal(sc_fd_eta_why_text(&e, why, sizeof(why)), "5 samples, needs 6");
	sc_fd_trends_free(&t);

	/* 7 samples over 6 s: too short. */
	sc_fd_trends_init(&t, 60);
	feed(&t, SEC, 7, 1000, linear_20);
	e = eta_of(&t, PID, START, &has);
	assert_false(has);
	assert_int_equal(e.why, SC_FD_ETA_SHORT_SPAN);
	assert_string_equal(sc_fd_eta_why_text(&e, why, sizeof(why)), "watched 6s, needs 10s");
	sc_fd_trends_free(&t);
}

static void test_at_limit_and_unlimited(void **state)
{
	struct sc_fd_trends t;
	struct sc_fd_eta e;
	char buf[16];
	bool has;

	(void)state;
	sc_fd_trends_init(&t, 60);
	/* One sample is enough to say a process is at its limit. */
	assert_int_equal(sc_fd_trends_add(&t, PID, START, SEC, 1024, 1024), 0);
	e = eta_of(&t, PID, START, &has);
	assert_true(has);
	assert_int_equal(e.why, SC_FD_ETA_AT_LIMIT);
	assert_near(e.eta_s, 0, 0);
	assert_string_equal(fmt_fd_eta(&e, buf, sizeof(buf)), "limit");
	sc_fd_trends_free(&t);

	sc_fd_trends_init(&t, 60);
	feed(&t, SEC, 30, RLIM_INFINITY, linear_20);
	e = eta_of(&t, PID, START, &has);
	assert_false(has);
	assert_int_equal(e.why, SC_FD_ETA_UNLIMITED);
	sc_fd_trends_free(&t);
}

static void test_reused_pid_starts_anew(void **state)
{
	struct sc_fd_trends t;
	struct sc_fd_eta e;
	size_t i;
	bool has;

	(void)state;
	sc_fd_trends_init(&t, 60);
	for (i = 0; i < 20; i++) {
		assert_int_equal(sc_fd_trends_add(&t, PID, START, i * SEC, 100 + 10 * i, 1000), 0);
		sc_fd_trends_sweep(&t);
	}
	e = eta_of(&t, PID, START, &has);
	assert_true(has);
	/* The pid now belongs to another process with fewer fds: its samples are its own. */
	for (; i < 24; i++) {
		assert_int_equal(sc_fd_trends_add(&t, PID, START + 5, i * SEC, 10, 1000), 0);
		sc_fd_trends_sweep(&t);
	}
	e = eta_of(&t, PID, START + 5, &has);
	assert_false(has);
	assert_int_equal(e.why, SC_FD_ETA_FEW_SAMPLES);
	assert_int_equal(e.samples, 4);
	/* The old process left no sample since: swept. */
	assert_null(sc_fd_trends_find(&t, PID, START));
	assert_int_equal(t.n, 1);
	sc_fd_trends_free(&t);
}

static void test_sweep_keeps_the_sampled(void **state)
{
	struct sc_fd_trends t;
	__u32 pid;

	(void)state;
	sc_fd_trends_init(&t, 60);
	for (pid = 300; pid > 100; pid--)
		assert_int_equal(sc_fd_trends_add(&t, pid, pid * 3, SEC, pid, 1000), 0);
	sc_fd_trends_sweep(&t);
	assert_int_equal(t.n, 200);
	for (pid = 101; pid <= 300; pid += 2)
		assert_int_equal(sc_fd_trends_add(&t, pid, pid * 3, 2 * SEC, pid, 1000), 0);
	sc_fd_trends_sweep(&t);
	assert_int_equal(t.n, 100);
	assert_non_null(sc_fd_trends_find(&t, 101, 303));
	assert_null(sc_fd_trends_find(&t, 102, 306));
	assert_int_equal(sc_fd_trends_find(&t, 299, 897)->n, 2);
	/* Sorting keeps the unseen. */
	assert_int_equal(sc_fd_trends_add(&t, 101, 303, 3 * SEC, 101, 1000), 0);
	sc_fd_trends_sort(&t);
	assert_int_equal(t.n, 100);
	assert_int_equal(t.sorted, 100);
	assert_non_null(sc_fd_trends_find(&t, 299, 897));
	sc_fd_trends_free(&t);
}

/* Growth for the first 60 s, flat for the last 60. */
static __u64 grew_then_stopped(size_t i) { return i < 60 ? 100 + 10 * i : 690; }

static void test_window_evicts_old_growth(void **state)
{
	struct sc_fd_trends t;
	struct sc_fd_eta e;
	bool has;

	(void)state;
	sc_fd_trends_init(&t, 60);
	feed(&t, SEC, 130, 5000, grew_then_stopped);
	e = eta_of(&t, PID, START, &has);
	assert_false(has);
	assert_int_equal(e.why, SC_FD_ETA_NOT_GROWING);
	assert_true(e.span_s <= 60);
	assert_true(e.span_s >= 59);
	sc_fd_trends_free(&t);
}

static __u64 two_per_s(size_t i) { return 100 + i / 5; }

static void test_fast_sampling_still_spans_the_window(void **state)
{
	struct sc_fd_trends t;
	const struct sc_fd_trend *tr;
	struct sc_fd_eta e;
	bool has;

	(void)state;
	sc_fd_trends_init(&t, 60);
	/* Every 100 ms for 90 s: 900 samples, growing 2 fds a second. */
	feed(&t, SEC / 10, 900, 1000, two_per_s);
	tr = sc_fd_trends_find(&t, PID, START);
	assert_true(tr->n <= SC_FD_TREND_SAMPLES);
	e = eta_of(&t, PID, START, &has);
	assert_true(has);
	assert_true(e.span_s >= 58 && e.span_s <= 60);
	/* The newest sample is always the newest count. */
	assert_int_equal(e.fds, two_per_s(899));
	assert_near(e.rate_per_s, 2, 0.1);
	sc_fd_trends_free(&t);
}

static void test_clock_going_back_starts_anew(void **state)
{
	struct sc_fd_trends t;

	(void)state;
	sc_fd_trends_init(&t, 60);
	feed(&t, SEC, 10, 1000, linear_20);
	assert_int_equal(sc_fd_trends_add(&t, PID, START, SEC, 5, 1000), 0);
	assert_int_equal(sc_fd_trends_find(&t, PID, START)->n, 1);
	sc_fd_trends_free(&t);
}

static void test_text_is_compact(void **state)
{
	static const struct { double s; const char *text; } cases[] = {
		{ 0.4, "<1s" }, { 45.9, "45s" }, { 59.99, "59s" }, { 60, "1m" }, { 725, "12m" },
		{ 3 * 3600 + 1800, "3h" }, { 2 * 86400 + 5, "2d" }, { 7 * 86400, "7d" },
		{ 7 * 86400 + 1, ">7d" }, { 1e12, ">7d" },
	};
	struct sc_fd_eta e = { .why = SC_FD_ETA_OK };
	char buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e.eta_s = cases[i].s;
		assert_string_equal(fmt_fd_eta(&e, buf, sizeof(buf)), cases[i].text);
		assert_true(strlen(buf) <= 5);
	}
}

static void test_sooner(void **state)
{
	struct sc_fd_eta none = { .why = SC_FD_ETA_NOT_GROWING };
	struct sc_fd_eta far = { .why = SC_FD_ETA_OK, .eta_s = 900 };
	struct sc_fd_eta near = { .why = SC_FD_ETA_OK, .eta_s = 30 };
	struct sc_fd_eta full = { .why = SC_FD_ETA_AT_LIMIT };

	(void)state;
	assert_true(sc_fd_eta_sooner(&far, &none));
	assert_false(sc_fd_eta_sooner(&none, &far));
	assert_false(sc_fd_eta_sooner(&none, &none));
	assert_true(sc_fd_eta_sooner(&near, &far));
	assert_false(sc_fd_eta_sooner(&far, &near));
	assert_true(sc_fd_eta_sooner(&full, &near));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linear_growth_exact_eta),
		cmocka_unit_test(test_flat_and_shrinking_give_none),
		cmocka_unit_test(test_noise_and_spike_are_ignored),
		cmocka_unit_test(test_one_jump_and_wandering_give_none),
		cmocka_unit_test(test_needs_samples_and_span),
		cmocka_unit_test(test_at_limit_and_unlimited),
		cmocka_unit_test(test_reused_pid_starts_anew),
		cmocka_unit_test(test_sweep_keeps_the_sampled),
		cmocka_unit_test(test_window_evicts_old_growth),
		cmocka_unit_test(test_fast_sampling_still_spans_the_window),
		cmocka_unit_test(test_clock_going_back_starts_anew),
		cmocka_unit_test(test_text_is_compact),
		cmocka_unit_test(test_sooner),
	};

	return cmocka_run_group_tests_name("fd_trend", tests, NULL, NULL);
}

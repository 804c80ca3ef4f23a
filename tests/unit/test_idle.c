// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/idle.c: sc_idle_classify() picks the idle time of one
 * socket from an observed counting call, the watched window, or the kernel's
 * last-send/last-receive age, and judges it against the idle policy;
 * sc_idle_source_name() names the source.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common.h"
#include "idle.h"

#define MS 1000000ull                   /* ns per ms */
#define NOW_NS (1000000ull * MS)        /* 1000 s of monotonic time */
#define IDLE_AFTER_MS 180000ull         /* the default policy, 180 s */

static const struct sc_idle_policy policy = {
	.idle_after_ms = IDLE_AFTER_MS,
	.heartbeat_bytes = 0,
};

/* An ESTABLISHED socket; callers adjust the fields a case is about. */
static struct sc_idle_input established(__u64 kernel_age_ms)
{
	return (struct sc_idle_input){
		.state = TCP_ESTABLISHED,
		.kernel_age_ms = kernel_age_ms,
	};
}

/* An ESTABLISHED socket with an sk_storage record. */
static struct sc_idle_input recorded(__u64 established_ns, __u64 last_active_ns,
				     __u64 kernel_age_ms)
{
	struct sc_idle_input in = established(kernel_age_ms);

	in.has_state = true;
	in.established_ns = established_ns;
	in.last_active_ns = last_active_ns;
	return in;
}

/* Classifies at NOW_NS, with the hook attached watched_ms ago (if hooked). */
static struct sc_idle_result classify(const struct sc_idle_input *in, bool hooked,
				      __u64 watched_ms)
{
	struct sc_idle_clock clk = {
		.now_ns = NOW_NS,
		.attached_ns = NOW_NS - watched_ms * MS,
		.hooked = hooked,
	};

	return sc_idle_classify(in, &clk, &policy);
}

static void assert_result(struct sc_idle_result r, bool idle, __u64 idle_ms,
			  enum sc_idle_source source)
{
	assert_int_equal(r.idle_ms, idle_ms);
	assert_int_equal(r.source, source);
	assert_int_equal(r.idle, idle);
}

/* A counting call seen by the hook gives the exact age. */
static void test_observed_activity_gives_exact_age(void **state)
{
	struct sc_idle_input in = recorded(0, NOW_NS - 12345 * MS, 10);

	(void)state;
	assert_result(classify(&in, true, 600000), false, 12345, SC_IDLE_OBSERVED);

	in.last_active_ns = NOW_NS - 200000 * MS;
	assert_result(classify(&in, true, 600000), true, 200000, SC_IDLE_OBSERVED);
}

/* The observed age wins even when the kernel age (heartbeats) is smaller. */
static void test_observed_ignores_kernel_age(void **state)
{
	struct sc_idle_input in = recorded(0, NOW_NS - 190000 * MS, 5);

	(void)state;
	assert_result(classify(&in, true, 600000), true, 190000, SC_IDLE_OBSERVED);
}

/* A call stamped after the snapshot time (clock skew) is not negative. */
static void test_observed_in_future_is_zero(void **state)
{
	struct sc_idle_input in = recorded(0, NOW_NS + 5 * MS, 10);

	(void)state;
	assert_result(classify(&in, true, 600000), false, 0, SC_IDLE_OBSERVED);
}

/* No record and no hook: only the kernel age is known. */
static void test_no_record_no_hook_uses_kernel_age(void **state)
{
	struct sc_idle_input in = established(42000);

	(void)state;
	assert_result(classify(&in, false, 0), false, 42000, SC_IDLE_KERNEL);

	in.kernel_age_ms = 250000;
	assert_result(classify(&in, false, 0), true, 250000, SC_IDLE_KERNEL);
}

/* Without a hook, a record's last_active_ns and established_ns are ignored. */
static void test_no_hook_ignores_record(void **state)
{
	struct sc_idle_input in = recorded(NOW_NS - 30000 * MS, NOW_NS - 1000 * MS, 250000);

	(void)state;
	assert_result(classify(&in, false, 600000), true, 250000, SC_IDLE_KERNEL);
}

/*
 * Heartbeat-only socket: the hook saw no counting call, while the kernel
 * age is small because heartbeats are payload. The watched window is the
 * answer: idle once it reaches idle_after, not idle before.
 */
static void test_heartbeat_only_uses_watched_window(void **state)
{
	struct sc_idle_input in = recorded(0, 0, 500);

	(void)state;
	in.saw_calls = true; /* heartbeat calls, none counting */
	assert_result(classify(&in, true, 200000), true, 200000, SC_IDLE_WATCHED);
	assert_result(classify(&in, true, 100000), false, 100000, SC_IDLE_WATCHED);
}

/*
 * Hooked, but the hook saw no call at all while the kernel saw payload 0.5 s
 * ago: traffic the hook cannot see (splice, sendfile). The kernel age wins.
 */
static void test_hooked_without_calls_trusts_fresh_kernel_age(void **state)
{
	struct sc_idle_input in = established(500);

	(void)state;
	assert_result(classify(&in, true, 300000), false, 500, SC_IDLE_KERNEL);
	in = recorded(0, 0, 500);
	assert_result(classify(&in, true, 300000), false, 500, SC_IDLE_KERNEL);
}

/* A kernel age at least as large as the window is the better lower bound. */
static void test_kernel_age_beyond_window_wins(void **state)
{
	struct sc_idle_input in = recorded(0, 0, 150000);

	(void)state;
	assert_result(classify(&in, true, 100000), false, 150000, SC_IDLE_KERNEL);
	/* A tie goes to the kernel age. */
	assert_result(classify(&in, true, 150000), false, 150000, SC_IDLE_KERNEL);
}

/* Established after the hook attached: the watch starts at established_ns. */
static void test_established_after_attach_starts_watch(void **state)
{
	struct sc_idle_input in = recorded(NOW_NS - 30000 * MS, 0, 10);

	(void)state;
	in.saw_calls = true;
	assert_result(classify(&in, true, 600000), false, 30000, SC_IDLE_WATCHED);

	in.established_ns = NOW_NS - 190000 * MS;
	assert_result(classify(&in, true, 600000), true, 190000, SC_IDLE_WATCHED);
}

/* Established before the hook attached: the watch starts at attach. */
static void test_established_before_attach_starts_at_attach(void **state)
{
	struct sc_idle_input in = recorded(NOW_NS - 900000 * MS, 0, 10);

	(void)state;
	in.saw_calls = true;
	assert_result(classify(&in, true, 100000), false, 100000, SC_IDLE_WATCHED);
}

/* established_ns only counts with a record (has_state). */
static void test_established_ignored_without_record(void **state)
{
	struct sc_idle_input in = established(SC_AGE_UNKNOWN);

	(void)state;
	in.established_ns = NOW_NS - 30000 * MS;
	assert_result(classify(&in, true, 600000), true, 600000, SC_IDLE_WATCHED);
}

/* An unknown kernel age with a hook: the watched window stands alone. */
static void test_unknown_kernel_age_hooked(void **state)
{
	struct sc_idle_input in = recorded(0, 0, SC_AGE_UNKNOWN);

	(void)state;
	assert_result(classify(&in, true, 200000), true, 200000, SC_IDLE_WATCHED);
	assert_result(classify(&in, true, 1000), false, 1000, SC_IDLE_WATCHED);
}

/* SC_AGE_UNKNOWN is a marker, never an age of 49 days. */
static void test_unknown_kernel_age_is_not_an_age(void **state)
{
	struct sc_idle_input in = established(SC_AGE_UNKNOWN);
	struct sc_idle_result r = classify(&in, false, 0);

	(void)state;
	assert_false(r.idle);
	assert_int_equal(r.idle_ms, 0);
}

/*
 * Without a hook nothing was watched, so an unknown kernel age must not be
 * reported as SC_IDLE_WATCHED ("no counting call while watched: idle at
 * least that long"): idle_ms 0 is no watched window. Seen on ESTABLISHED
 * sockets when the kernel ages are unknown (no CONFIG_HZ) and no activity
 * hook loaded: every connection shows "idle 0s, source watched".
 */
static void test_unknown_kernel_age_unhooked_is_not_watched(void **state)
{
	struct sc_idle_input in = established(SC_AGE_UNKNOWN);
	struct sc_idle_result r = classify(&in, false, 0);

	(void)state;
	assert_int_equal(r.source, SC_IDLE_KERNEL);
}

/* Only ESTABLISHED sockets can be idle, however old their activity. */
static void test_non_established_never_idle(void **state)
{
	__u8 st;

	(void)state;
	for (st = 2; st <= 12; st++) {
		struct sc_idle_input in = established(900000);
		struct sc_idle_input rec = recorded(0, NOW_NS - 900000 * MS, 900000);

		in.state = st;
		rec.state = st;
		assert_result(classify(&in, false, 0), false, 900000, SC_IDLE_KERNEL);
		assert_result(classify(&in, true, 600000), false, 900000, SC_IDLE_KERNEL);
		assert_result(classify(&rec, true, 600000), false, 900000, SC_IDLE_OBSERVED);
	}
}

/* idle_ms == idle_after_ms is idle, one millisecond less is not. */
static void test_boundary_is_idle(void **state)
{
	struct sc_idle_input kern = established(IDLE_AFTER_MS);
	struct sc_idle_input obs = recorded(0, NOW_NS - IDLE_AFTER_MS * MS, 0);
	struct sc_idle_input watched = recorded(0, 0, 0);

	(void)state;
	watched.saw_calls = true;
	assert_result(classify(&kern, false, 0), true, IDLE_AFTER_MS, SC_IDLE_KERNEL);
	kern.kernel_age_ms = IDLE_AFTER_MS - 1;
	assert_result(classify(&kern, false, 0), false, IDLE_AFTER_MS - 1, SC_IDLE_KERNEL);

	assert_result(classify(&obs, true, 600000), true, IDLE_AFTER_MS, SC_IDLE_OBSERVED);
	obs.last_active_ns += MS;
	assert_result(classify(&obs, true, 600000), false, IDLE_AFTER_MS - 1, SC_IDLE_OBSERVED);

	assert_result(classify(&watched, true, IDLE_AFTER_MS), true, IDLE_AFTER_MS,
		      SC_IDLE_WATCHED);
	assert_result(classify(&watched, true, IDLE_AFTER_MS - 1), false, IDLE_AFTER_MS - 1,
		      SC_IDLE_WATCHED);
}

/* Sub-millisecond remainders are truncated, not rounded. */
static void test_age_truncates_to_ms(void **state)
{
	struct sc_idle_input in = recorded(0, NOW_NS - 1999999, 0);

	(void)state;
	assert_result(classify(&in, true, 600000), false, 1, SC_IDLE_OBSERVED);
}

/* A zero idle_after makes every ESTABLISHED socket idle. */
static void test_zero_idle_after(void **state)
{
	struct sc_idle_policy zero = { .idle_after_ms = 0 };
	struct sc_idle_input in = established(0);
	struct sc_idle_clock clk = { .now_ns = NOW_NS };
	struct sc_idle_result r = sc_idle_classify(&in, &clk, &zero);

	(void)state;
	assert_result(r, true, 0, SC_IDLE_KERNEL);
}

/* The one-shot honesty check: has the heartbeat threshold applied to every connection? */
static void test_heartbeat_watch(void **state)
{
	struct sc_idle_policy p = { .idle_after_ms = 6000, .heartbeat_bytes = 4 };
	struct sc_heartbeat_watch w;

	(void)state;
	/* Watched 0.3 s of 6: not yet, 5.7 s to go. */
	w = sc_heartbeat_watch(&p, true, 10 * (1000 * MS), 10 * (1000 * MS) + 300 * MS);
	assert_false(w.effective);
	assert_false(w.hookless);
	assert_int_equal(w.watched_ms, 300);
	assert_int_equal(w.left_ms, 5700);
	/* Exactly idle_after: a heartbeat-only connection is idle now (the classifier's >=). */
	w = sc_heartbeat_watch(&p, true, 10 * (1000 * MS), 16 * (1000 * MS));
	assert_true(w.effective);
	assert_int_equal(w.watched_ms, 6000);
	assert_int_equal(w.left_ms, 0);
	w = sc_heartbeat_watch(&p, true, 10 * (1000 * MS), 16 * (1000 * MS) - 1000000);
	assert_false(w.effective);
	assert_int_equal(w.left_ms, 1);
	/* No per-call hook: heartbeats are traffic however long it watches. */
	w = sc_heartbeat_watch(&p, false, 10 * (1000 * MS), 1000 * (1000 * MS));
	assert_false(w.effective);
	assert_true(w.hookless);
	assert_int_equal(w.left_ms, 0);
	/* No threshold: nothing to wait for, hook or not. */
	p.heartbeat_bytes = 0;
	w = sc_heartbeat_watch(&p, false, 10 * (1000 * MS), 10 * (1000 * MS));
	assert_true(w.effective);
	assert_false(w.hookless);
	/* Unknown attach time (0): watched nothing. */
	p.heartbeat_bytes = 1;
	w = sc_heartbeat_watch(&p, true, 0, 100 * (1000 * MS));
	assert_false(w.effective);
	assert_int_equal(w.watched_ms, 0);
	assert_int_equal(w.left_ms, 6000);
	/* A clock that went backwards is no watch either. */
	w = sc_heartbeat_watch(&p, true, 100 * (1000 * MS), 99 * (1000 * MS));
	assert_int_equal(w.watched_ms, 0);
}

static void test_source_names(void **state)
{
	(void)state;
	assert_string_equal(sc_idle_source_name(SC_IDLE_OBSERVED), "observed");
	assert_string_equal(sc_idle_source_name(SC_IDLE_WATCHED), "watched");
	assert_string_equal(sc_idle_source_name(SC_IDLE_KERNEL), "kernel");
	assert_string_equal(sc_idle_source_name((enum sc_idle_source)99), "kernel");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_observed_activity_gives_exact_age),
		cmocka_unit_test(test_heartbeat_watch),
		cmocka_unit_test(test_observed_ignores_kernel_age),
		cmocka_unit_test(test_observed_in_future_is_zero),
		cmocka_unit_test(test_no_record_no_hook_uses_kernel_age),
		cmocka_unit_test(test_no_hook_ignores_record),
		cmocka_unit_test(test_heartbeat_only_uses_watched_window),
		cmocka_unit_test(test_hooked_without_calls_trusts_fresh_kernel_age),
		cmocka_unit_test(test_kernel_age_beyond_window_wins),
		cmocka_unit_test(test_established_after_attach_starts_watch),
		cmocka_unit_test(test_established_before_attach_starts_at_attach),
		cmocka_unit_test(test_established_ignored_without_record),
		cmocka_unit_test(test_unknown_kernel_age_hooked),
		cmocka_unit_test(test_unknown_kernel_age_is_not_an_age),
		cmocka_unit_test(test_unknown_kernel_age_unhooked_is_not_watched),
		cmocka_unit_test(test_non_established_never_idle),
		cmocka_unit_test(test_boundary_is_idle),
		cmocka_unit_test(test_age_truncates_to_ms),
		cmocka_unit_test(test_zero_idle_after),
		cmocka_unit_test(test_source_names),
	};

	return cmocka_run_group_tests_name("idle", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/model/change_gap.c: the gap between reports of an
 * active socket, widened and narrowed by what applying changes costs, and
 * shared on the ring head by readers that want different gaps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "change_gap.h"

#define S 1000000000ull
#define HZ 250

static const struct sc_idle_policy idle_180 = { .idle_after_ms = 180000 };
static const struct sc_idle_policy idle_1 = { .idle_after_ms = 1000 };
static const struct sc_idle_policy idle_100ms = { .idle_after_ms = 100 };

static void test_finest_and_widest(void **state)
{
	(void)state;
	/* An eighth of the threshold, at most a second, at least 50 ms. */
	assert_int_equal(sc_change_gap_finest(&idle_180, HZ), HZ);
	assert_int_equal(sc_change_gap_finest(&idle_1, HZ), HZ / 8);
	assert_int_equal(sc_change_gap_finest(&idle_100ms, HZ), HZ / 20);
	assert_int_equal(sc_change_gap_widest(&idle_180, HZ), 180 * HZ / 8);
	/* Never finer than the finest. */
	assert_int_equal(sc_change_gap_widest(&idle_1, HZ), HZ / 8);
	assert_int_equal(sc_change_gap_widest(&idle_100ms, HZ), HZ / 20);
}

/* One window of cpu_ns at the end of which the gap is judged. */
static void window(struct sc_change_gap *g, __u64 *now, __u64 cpu_ns,
		   const struct sc_idle_policy *p)
{
	/* Spent at the gap this reader asked for, in force on the ring. */
	sc_change_gap_account(g, 0, *now, sc_change_gap_jiffies(g, p, HZ), p, HZ);
	*now += SC_CHANGE_GAP_WINDOW_NS;
	sc_change_gap_account(g, cpu_ns, *now, sc_change_gap_jiffies(g, p, HZ), p, HZ);
}

static void test_without_a_budget_the_finest(void **state)
{
	struct sc_change_gap g;
	__u64 now = 100 * S;

	(void)state;
	sc_change_gap_init(&g, 0);
	window(&g, &now, SC_CHANGE_GAP_WINDOW_NS / 2, &idle_180);
	assert_int_equal(g.mult, 1);
	assert_int_equal(sc_change_gap_jiffies(&g, &idle_180, HZ), HZ);
}

static void test_widens_over_budget_up_to_the_widest(void **state)
{
	/* 0.2% of a core against a budget of 0.1%. */
	__u64 over = SC_CHANGE_GAP_WINDOW_NS / 500, now = 100 * S, last = 0;
	struct sc_change_gap g;
	int i;

	(void)state;
	sc_change_gap_init(&g, 1000);
	window(&g, &now, over, &idle_180);
	assert_int_equal(g.mult, 2);
	assert_int_equal(sc_change_gap_jiffies(&g, &idle_180, HZ), 2 * HZ);
	for (i = 0; i < 20; i++) {
		window(&g, &now, over, &idle_180);
		assert_true(sc_change_gap_jiffies(&g, &idle_180, HZ) >= last);
		last = sc_change_gap_jiffies(&g, &idle_180, HZ);
	}
	/* An eighth of the threshold, and no multiplier past what reaches it. */
	assert_int_equal(last, 180 * HZ / 8);
	assert_int_equal(g.mult, 32);
}

static void test_narrows_well_under_budget_and_holds_between(void **state)
{
	__u64 now = 100 * S;
	struct sc_change_gap g;

	(void)state;
	sc_change_gap_init(&g, 1000);
	g.mult = 8;
	/* Half the budget: twice the changes would not fit, so it holds. */
	window(&g, &now, SC_CHANGE_GAP_WINDOW_NS / 2000, &idle_180);
	assert_int_equal(g.mult, 8);
	/* A fifth of it: halved, then halved again, down to the finest. */
	window(&g, &now, SC_CHANGE_GAP_WINDOW_NS / 5000, &idle_180);
	assert_int_equal(g.mult, 4);
	window(&g, &now, 0, &idle_180);
	window(&g, &now, 0, &idle_180);
	window(&g, &now, 0, &idle_180);
	assert_int_equal(g.mult, 1);
}

static void test_judged_at_the_end_of_a_window_within_its_budget(void **state)
{
	__u64 now = 100 * S;
	struct sc_change_gap g;

	(void)state;
	sc_change_gap_init(&g, 1000);
	sc_change_gap_account(&g, 0, now, HZ, &idle_180, HZ);
	/* Over budget so far (0.15% of a core 20 s in), but not past the whole window's. */
	sc_change_gap_account(&g, SC_CHANGE_GAP_WINDOW_NS / 1000 - 1, now + 20 * S, HZ,
			      &idle_180, HZ);
	assert_int_equal(g.mult, 1);
	sc_change_gap_account(&g, SC_CHANGE_GAP_WINDOW_NS / 10000, now + SC_CHANGE_GAP_WINDOW_NS, HZ,
			      &idle_180, HZ);
	assert_int_equal(g.mult, 2);
}

/* Past the whole window's budget the verdict cannot change: taken then, not at its end. */
static void test_judged_early_once_the_windows_budget_is_spent(void **state)
{
	__u64 now = 100 * S, budget = SC_CHANGE_GAP_WINDOW_NS / 1000;
	struct sc_change_gap g;

	(void)state;
	sc_change_gap_init(&g, 1000);
	sc_change_gap_account(&g, 0, now, HZ, &idle_180, HZ);
	/* A burst spends it at once: not judged before the least span... */
	sc_change_gap_account(&g, budget, now + S, HZ, &idle_180, HZ);
	assert_int_equal(g.mult, 1);
	/* ...then by its rate over that span: 3 times the budget, 4 times the gap. */
	sc_change_gap_account(&g, 0, now + SC_CHANGE_GAP_MIN_SPAN_NS, HZ, &idle_180, HZ);
	assert_int_equal(g.mult, 4);
}

/* Five times over budget: one window to a gap eight times wider, not three. */
static void test_widens_by_as_much_as_it_is_over(void **state)
{
	__u64 now = 100 * S;
	struct sc_change_gap g;

	(void)state;
	sc_change_gap_init(&g, 1000);
	window(&g, &now, 5 * SC_CHANGE_GAP_WINDOW_NS / 1000, &idle_180);
	assert_int_equal(g.mult, 8);
	/* An eighth of the cost now: within the budget, above a quarter of it, so it holds. */
	window(&g, &now, 5 * SC_CHANGE_GAP_WINDOW_NS / 8000, &idle_180);
	assert_int_equal(g.mult, 8);
	/* Far over at 8 s: capped at the widest, 22.5 s (a multiplier of 32). */
	window(&g, &now, 100 * SC_CHANGE_GAP_WINDOW_NS / 1000, &idle_180);
	assert_int_equal(g.mult, 32);
	assert_int_equal(sc_change_gap_jiffies(&g, &idle_180, HZ), 180 * HZ / 8);
}

/* While another reader's finer gap is in force, what changes cost says nothing of ours. */
static void test_not_judged_at_another_readers_gap(void **state)
{
	__u64 now = 100 * S, budget = SC_CHANGE_GAP_WINDOW_NS / 1000;
	struct sc_change_gap g;

	(void)state;
	sc_change_gap_init(&g, 1000);
	g.mult = 4;
	sc_change_gap_account(&g, 0, now, HZ, &idle_180, HZ);
	sc_change_gap_account(&g, S, now + 2 * SC_CHANGE_GAP_WINDOW_NS, HZ, &idle_180, HZ);
	assert_int_equal(g.mult, 4);
	/*
	 * Ours in force again: judged a whole window after the last call at
	 * another's, by what it spent since (0.6 of the budget each time).
	 */
	now += 2 * SC_CHANGE_GAP_WINDOW_NS;
	sc_change_gap_account(&g, budget * 3 / 5, now + SC_CHANGE_GAP_WINDOW_NS / 2, 4 * HZ,
			      &idle_180, HZ);
	assert_int_equal(g.mult, 4);
	sc_change_gap_account(&g, budget * 3 / 5, now + SC_CHANGE_GAP_WINDOW_NS, 4 * HZ, &idle_180,
			      HZ);
	assert_int_equal(g.mult, 8);
}

static void test_finest_live_reader_wins_on_the_head(void **state)
{
	struct sc_change_head h = { 0 };

	(void)state;
	/* The daemon alone: its wide gap. */
	sc_change_gap_ask(&h, 1000, 4 * HZ, 10, 0);
	assert_int_equal(h.gap_jiffies, 4 * HZ);
	/* top asks for a second: it stands... */
	sc_change_gap_ask(&h, 500, HZ, 20, 0);
	assert_int_equal(h.gap_jiffies, HZ);
	/* ...while top's lease runs, whatever the daemon renews... */
	sc_change_gap_ask(&h, 1100, 4 * HZ, 30, 1000);
	assert_int_equal(h.gap_jiffies, HZ);
	sc_change_gap_ask(&h, 1200, 4 * HZ, 499, 1100);
	assert_int_equal(h.gap_jiffies, HZ);
	/* ...and top renewing keeps it. */
	sc_change_gap_ask(&h, 800, HZ, 499, 500);
	assert_int_equal(h.gap_jiffies, HZ);
	assert_int_equal(h.gap_until_jiffies, 800);
	/* top gone, its lease over: the daemon's gap again. */
	sc_change_gap_ask(&h, 1300, 4 * HZ, 800, 1200);
	assert_int_equal(h.gap_jiffies, 4 * HZ);
	assert_int_equal(h.gap_until_jiffies, 1300);
	/* An equal gap with a shorter lease does not shorten it. */
	sc_change_gap_ask(&h, 900, 4 * HZ, 810, 0);
	assert_int_equal(h.gap_until_jiffies, 1300);
}

/* A reader widens its own gap at its next renewal, its lease still running. */
static void test_a_reader_widens_its_own_gap_at_once(void **state)
{
	struct sc_change_head h = { 0 };

	(void)state;
	sc_change_gap_ask(&h, 1000, HZ, 10, 0);
	sc_change_gap_ask(&h, 1010, HZ, 20, 1000);
	assert_int_equal(h.gap_until_jiffies, 1010);
	sc_change_gap_ask(&h, 1020, 2 * HZ, 30, 1010);
	assert_int_equal(h.gap_jiffies, 2 * HZ);
	assert_int_equal(h.gap_until_jiffies, 1020);
	/* Another reader's wider ask does not take it, though. */
	sc_change_gap_ask(&h, 2000, 4 * HZ, 40, 0);
	assert_int_equal(h.gap_jiffies, 2 * HZ);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finest_and_widest),
		cmocka_unit_test(test_without_a_budget_the_finest),
		cmocka_unit_test(test_widens_over_budget_up_to_the_widest),
		cmocka_unit_test(test_narrows_well_under_budget_and_holds_between),
		cmocka_unit_test(test_judged_at_the_end_of_a_window_within_its_budget),
		cmocka_unit_test(test_judged_early_once_the_windows_budget_is_spent),
		cmocka_unit_test(test_widens_by_as_much_as_it_is_over),
		cmocka_unit_test(test_not_judged_at_another_readers_gap),
		cmocka_unit_test(test_finest_live_reader_wins_on_the_head),
		cmocka_unit_test(test_a_reader_widens_its_own_gap_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

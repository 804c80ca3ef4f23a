/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CHANGE_GAP_H
#define SC_CHANGE_GAP_H

#include <linux/types.h>

#include "idle.h"
#include "sockcost.h"

/*
 * How often a socket's calls are reported on the change ring: at most once
 * per gap. An age a reader keeps from reports is off by up to a gap while the
 * socket keeps calling, so each active socket costs a reader one change per
 * gap: at a million connections (2M sockets, both ends held here), 1% of
 * them calling at least once a second, a one-second gap is 20,000 changes a
 * second.
 *
 * The finest gap is an eighth of the idle threshold, at least 50 ms and at
 * most a second (the idle-age histogram's first bound). A reader with a CPU
 * budget for changes (the daemon: 1/share of a core) widens it while
 * applying changes costs more than that over a window, by the power of two
 * that brings the cost within it (twice the gap, half the changes), up to an
 * eighth of the idle threshold (so an idle verdict is never off by more than
 * that), and narrows it again, halving, once they cost under a quarter of
 * it. A window whose whole budget is spent is judged then, not at its end:
 * a million connections opening at once cost 5 times the budget, and three
 * windows at 2, 4 and 8 times the gap took 90 s to fit it. Ages then
 * resolve to the gap in force, which the daemon exports.
 */
struct sc_change_gap {
	__u32 share;           /* changes may take 1/share of a core; 0: always the finest */
	__u32 mult;            /* the gap is the finest times this, 1 or a power of 2 */
	__u64 window_ns;       /* judged this often: SC_CHANGE_GAP_WINDOW_NS */
	__u64 win_start_ns;    /* the window the CPU time is summed over, 0: none yet */
	__u64 win_cpu_ns;
};

#define SC_CHANGE_GAP_WINDOW_NS (30ull * 1000000000ull)
/* A window is judged early only this long in: a rate over less is a burst's. */
#define SC_CHANGE_GAP_MIN_SPAN_NS (10ull * 1000000000ull)

/* A gap for readers without a budget (share 0), or with 1/share of a core. */
void sc_change_gap_init(struct sc_change_gap *g, __u32 share);
/* The finest and the widest gap for policy, in jiffies at hz. */
__u64 sc_change_gap_finest(const struct sc_idle_policy *policy, __u32 hz);
__u64 sc_change_gap_widest(const struct sc_idle_policy *policy, __u32 hz);
/* The gap in force: the finest times mult, at most the widest. */
__u64 sc_change_gap_jiffies(const struct sc_change_gap *g, const struct sc_idle_policy *policy,
			    __u32 hz);
/*
 * cpu_ns more spent applying changes, at now_ns (CLOCK_MONOTONIC), while the
 * ring's gap was in_force_jiffies. At the end of each window (or once its
 * whole budget is spent, SC_CHANGE_GAP_MIN_SPAN_NS in) widens or narrows the
 * gap by the share the window took; a window in which the gap in
 * force was not this reader's (another reader's finer one, or its own not yet
 * applied) starts anew instead, so the cost of a gap is judged only by
 * itself.
 */
void sc_change_gap_account(struct sc_change_gap *g, __u64 cpu_ns, __u64 now_ns,
			   __u64 in_force_jiffies, const struct sc_idle_policy *policy, __u32 hz);
/*
 * Sets the ring head's gap to gap_jiffies for a reader whose lease runs to
 * until_jiffies, unless a finer gap stands: the one asked for by another
 * reader whose lease still runs at now_jiffies. So the finest gap any live
 * reader wants is in force (`top`'s beside a daemon's wider one), and a wider
 * one takes over once the finer reader's lease ends. own_until_jiffies is
 * the lease this reader asked with last time (0: none): a gap standing with
 * it is the reader's own, which it may widen at once.
 */
void sc_change_gap_ask(struct sc_change_head *h, __u64 until_jiffies, __u64 gap_jiffies,
		       __u64 now_jiffies, __u64 own_until_jiffies);

#endif /* SC_CHANGE_GAP_H */

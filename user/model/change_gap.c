// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "change_gap.h"

#define GAP_PER_IDLE_AFTER 8
#define GAP_MIN_PER_S 20

void sc_change_gap_init(struct sc_change_gap *g, __u32 share)
{
	memset(g, 0, sizeof(*g));
	g->share = share;
	g->mult = 1;
	g->window_ns = SC_CHANGE_GAP_WINDOW_NS;
}

/* An eighth of the idle threshold, in jiffies, at least one. */
static __u64 eighth(const struct sc_idle_policy *policy, __u32 hz)
{
	__u64 gap = policy->idle_after_ms * hz / (1000 * GAP_PER_IDLE_AFTER);

	return gap ? gap : 1;
}

__u64 sc_change_gap_finest(const struct sc_idle_policy *policy, __u32 hz)
{
	__u64 gap = eighth(policy, hz);

	if (gap < hz / GAP_MIN_PER_S)
		gap = hz / GAP_MIN_PER_S;
	return gap > hz ? hz : gap ? gap : 1;
}

__u64 sc_change_gap_widest(const struct sc_idle_policy *policy, __u32 hz)
{
	__u64 finest = sc_change_gap_finest(policy, hz), gap = eighth(policy, hz);

	return gap > finest ? gap : finest;
}

__u64 sc_change_gap_jiffies(const struct sc_change_gap *g, const struct sc_idle_policy *policy,
			    __u32 hz)
{
	__u64 gap = sc_change_gap_finest(policy, hz) * (g->mult ? g->mult : 1);
	__u64 widest = sc_change_gap_widest(policy, hz);

	return gap < widest ? gap : widest;
}

/* The least power of two at least x, 2 at least. */
static __u32 pow2_at_least(__u64 x)
{
	__u32 p = 2;

	while (p < x && p < (1u << 30))
		p *= 2;
	return p;
}

/* The window's CPU time times the share, saturated (tests force a share of 2^32 - 1). */
static __u64 shared(const struct sc_change_gap *g)
{
	return g->win_cpu_ns > UINT64_MAX / g->share ? UINT64_MAX : g->win_cpu_ns * g->share;
}

void sc_change_gap_account(struct sc_change_gap *g, __u64 cpu_ns, __u64 now_ns,
			   __u64 in_force_jiffies, const struct sc_idle_policy *policy, __u32 hz)
{
	__u64 span, widest = sc_change_gap_widest(policy, hz), cost;
	bool spent;

	if (!g->share)
		return;
	/* Spent at another gap: says nothing of ours, whose window starts now. */
	if (in_force_jiffies != sc_change_gap_jiffies(g, policy, hz)) {
		g->win_start_ns = now_ns;
		g->win_cpu_ns = 0;
		return;
	}
	if (!g->win_start_ns)
		g->win_start_ns = now_ns;
	g->win_cpu_ns += cpu_ns;
	span = now_ns - g->win_start_ns;
	cost = shared(g);
	/* The whole window's budget already spent: over budget whatever comes. */
	spent = cost >= g->window_ns && span >= SC_CHANGE_GAP_MIN_SPAN_NS;
	if (span < g->window_ns && !spent)
		return;
	if (cost > span) {
		/*
		 * Over budget: an active socket costs a change per gap, so a gap
		 * as many times wider (a power of two) fits, unless already at
		 * the widest. Sockets calling less often than the gap cost the
		 * same at any gap: the next windows widen on to the widest.
		 */
		__u32 times = pow2_at_least(cost / span + (cost % span != 0));

		while (times > 1 && sc_change_gap_jiffies(g, policy, hz) < widest) {
			g->mult *= 2;
			times /= 2;
		}
	} else if (g->mult > 1 && cost < span / 4) {
		/* Well under: twice the changes still fit. */
		g->mult /= 2;
	}
	g->win_start_ns = now_ns;
	g->win_cpu_ns = 0;
}

/*
 * Readers renew without a lock, so two renewing at once may leave the wider
 * gap for one renewal: a reader then sees its ages a little coarser until
 * its next renewal, a second later.
 */
void sc_change_gap_ask(struct sc_change_head *h, __u64 until_jiffies, __u64 gap_jiffies,
		       __u64 now_jiffies, __u64 own_until_jiffies)
{
	__u64 gap = __atomic_load_n(&h->gap_jiffies, __ATOMIC_RELAXED);
	__u64 gap_until = __atomic_load_n(&h->gap_until_jiffies, __ATOMIC_RELAXED);
	bool own = own_until_jiffies && gap_until == own_until_jiffies;

	/* A finer gap another live reader asked for stands; the caller's own is its to widen. */
	if (gap_jiffies > gap && gap && now_jiffies < gap_until && !own)
		return;
	if (gap_jiffies == gap && gap_until > until_jiffies)
		return;
	__atomic_store_n(&h->gap_until_jiffies, until_jiffies, __ATOMIC_RELAXED);
	__atomic_store_n(&h->gap_jiffies, gap_jiffies, __ATOMIC_RELEASE);
}

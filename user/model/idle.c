// SPDX-License-Identifier: GPL-2.0
#include "common.h"
#include "idle.h"

#define NS_PER_MS 1000000ull

static __u64 age_ms(__u64 now_ns, __u64 then_ns)
{
	return now_ns > then_ns ? (now_ns - then_ns) / NS_PER_MS : 0;
}

/*
 * Time since the last counting activity.
 * - An observed counting call gives it exactly.
 * - Otherwise the kernel's age of the last payload of any kind is a lower
 *   bound (a counting call is also payload), and so is the time the socket
 *   was watched without a counting call, but only if the hook saw calls on
 *   it: traffic it cannot see (splice, sendfile) leaves no calls, and then
 *   fresh kernel timestamps mean activity, not heartbeats.
 */
struct sc_idle_result sc_idle_classify(const struct sc_idle_input *in,
				       const struct sc_idle_clock *clk,
				       const struct sc_idle_policy *policy)
{
	struct sc_idle_result r = { .source = SC_IDLE_KERNEL };
	bool kernel_known = in->kernel_age_ms != SC_AGE_UNKNOWN;
	__u64 watch_start, watched_ms;

	if (clk->hooked && in->has_state && in->last_active_ns) {
		r.idle_ms = age_ms(clk->now_ns, in->last_active_ns);
		r.source = SC_IDLE_OBSERVED;
	} else if (!clk->hooked) {
		r.idle_ms = kernel_known ? in->kernel_age_ms : 0;
	} else {
		watch_start = clk->attached_ns;
		if (in->has_state && in->established_ns > watch_start)
			watch_start = in->established_ns;
		watched_ms = age_ms(clk->now_ns, watch_start);
		if (kernel_known && (in->kernel_age_ms >= watched_ms || !in->saw_calls)) {
			r.idle_ms = in->kernel_age_ms;
		} else {
			r.idle_ms = watched_ms;
			r.source = SC_IDLE_WATCHED;
		}
	}
	r.idle = in->state == TCP_ESTABLISHED && r.idle_ms >= policy->idle_after_ms;
	return r;
}

struct sc_heartbeat_watch sc_heartbeat_watch(const struct sc_idle_policy *policy, bool hooked,
					     __u64 attached_ns, __u64 now_ns)
{
	struct sc_heartbeat_watch w = { .watched_ms = attached_ns ? age_ms(now_ns, attached_ns) : 0 };

	if (!policy->heartbeat_bytes)
		w.effective = true;
	else if (!hooked)
		w.hookless = true;
	else if (w.watched_ms >= policy->idle_after_ms)
		w.effective = true;
	else
		w.left_ms = policy->idle_after_ms - w.watched_ms;
	return w;
}

const __u32 sc_idle_bucket_s[SC_IDLE_BUCKETS] = { 1, 5, 15, 30, 60, 120, 180, 300, 900, 3600 };

size_t sc_idle_bucket_of(__u64 idle_ms)
{
	size_t b = 0;

	while (b < SC_IDLE_BUCKETS && idle_ms > (__u64)sc_idle_bucket_s[b] * 1000)
		b++;
	return b;
}

void sc_idle_hist_add(struct sc_idle_hist *h, __u64 idle_ms)
{
	h->count[sc_idle_bucket_of(idle_ms)]++;
	h->sum_ms += idle_ms;
	h->total++;
}

const char *sc_idle_source_name(enum sc_idle_source src)
{
	switch (src) {
	case SC_IDLE_OBSERVED:
		return "observed";
	case SC_IDLE_WATCHED:
		return "watched";
	case SC_IDLE_KERNEL:
		break;
	}
	return "kernel";
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_HEALTH_PASS_H
#define SC_HEALTH_PASS_H

#include "health_tally.h"
#include "summary_live.h"

struct sc_tracker;

/*
 * Judges the health of every TCP socket in sockcost's network namespace
 * and in every namespace a process lived in at the reader's last walk
 * (iter/tcp per namespace, streamed: memory by processes and ports, not
 * sockets), each counted for its first holder as the reader's mirror knows
 * it. out is initialized from s (the reader's latest summary). Kernel facts
 * that no program follows (retransmissions, windows, keepalive) are as of
 * the pass, so a reader runs one every so often rather than per refresh.
 * Returns 0, or a negative errno (logged) if sockcost could not return to
 * its own namespace or ran out of memory; a namespace it cannot enter is
 * counted in *missed.
 */
/*
 * When the next pass is due: floor_ns after this one, or share times its CPU
 * time if longer. A pass reads every socket, as a walk does (about 2 µs
 * each), so on a big host its interval stretches rather than its cost
 * growing: the daemon keeps passes to a thousandth of a core, as its walks
 * (at 2M sockets, a 4.5 s pass every 75 minutes); `top`, watched while it
 * runs, to a third of a percent.
 */
#define SC_HEALTH_PASS_SHARE_DAEMON 1000
#define SC_HEALTH_PASS_SHARE_TOP 300

static inline __u64 sc_health_pass_every(__u64 took_ns, __u64 floor_ns, __u64 share)
{
	return took_ns * share > floor_ns ? took_ns * share : floor_ns;
}

int sc_health_pass(const struct sc_summary_live *l, const struct sc_tracker *t,
		   const struct sc_health_policy *policy, const struct sc_summary *s,
		   struct sc_health_tally *out, __u32 *missed);

#endif /* SC_HEALTH_PASS_H */

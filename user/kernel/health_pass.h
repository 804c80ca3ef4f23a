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
 * When the next pass is due: floor_ns after this one, or HEALTH_PASS_SHARE
 * times its CPU time if longer. A pass reads every socket, as a walk does,
 * so on a big host its interval stretches rather than its cost growing past
 * a third of a percent of a core.
 */
#define SC_HEALTH_PASS_SHARE 300

static inline __u64 sc_health_pass_every(__u64 took_ns, __u64 floor_ns)
{
	return took_ns * SC_HEALTH_PASS_SHARE > floor_ns ? took_ns * SC_HEALTH_PASS_SHARE
							 : floor_ns;
}

int sc_health_pass(const struct sc_summary_live *l, const struct sc_tracker *t,
		   const struct sc_health_policy *policy, const struct sc_summary *s,
		   struct sc_health_tally *out, __u32 *missed);

#endif /* SC_HEALTH_PASS_H */

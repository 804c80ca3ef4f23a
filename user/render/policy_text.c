// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "format.h"
#include "policy_text.h"

const char *sc_heartbeat_watch_warning(const struct sc_idle_policy *policy,
				       const struct sc_heartbeat_watch *watch, char *buf,
				       size_t len)
{
	char watched[32], after[32];

	if (watch->effective)
		return NULL;
	if (watch->hookless) {
		snprintf(buf, len, "--heartbeat-bytes %llu cannot apply: no per-call activity hook "
			 "is attached (see --verbose), so heartbeats count as activity",
			 (unsigned long long)policy->heartbeat_bytes);
		return buf;
	}
	snprintf(buf, len, "--heartbeat-bytes %llu has not applied yet: the programs watched %s "
		 "of --idle-after %s, so connections carrying only heartbeats are not counted "
		 "idle; watch with --observe auto, or run sockcostd (its pinned programs keep "
		 "watching)", (unsigned long long)policy->heartbeat_bytes,
		 fmt_duration_ms(watch->watched_ms, watched, sizeof(watched)),
		 fmt_duration_ms(policy->idle_after_ms, after, sizeof(after)));
	return buf;
}

const char *sc_heartbeat_watch_mark(const struct sc_heartbeat_watch *watch, char *buf,
				    size_t len)
{
	char left[32];

	if (watch->effective)
		return NULL;
	if (watch->hookless)
		snprintf(buf, len, "heartbeats count: no per-call hook");
	else
		/* Tenths rounded up: never "0.0s left" while some is. */
		snprintf(buf, len, "warming up: %s left",
			 fmt_duration_ms((watch->left_ms + 99) / 100 * 100, left, sizeof(left)));
	return buf;
}

// SPDX-License-Identifier: GPL-2.0
#include "policy_json.h"

void sc_policy_write_json(struct jw *w, const struct sc_idle_policy *policy,
			  const struct sc_heartbeat_watch *watch,
			  const struct sc_health_policy *health)
{
	JW_KEY(w, "policy");
	jw_object_begin(w);
	JW_KEY(w, "idle_after_s");
	jw_double(w, (double)policy->idle_after_ms / 1000, 3);
	JW_KEY(w, "heartbeat_bytes");
	jw_uint(w, policy->heartbeat_bytes);
	JW_KEY(w, "heartbeat_effective");
	jw_bool(w, watch->effective);
	JW_KEY(w, "watched_s");
	jw_double(w, (double)watch->watched_ms / 1000, 3);
	JW_KEY(w, "heartbeat_effective_in_s");
	if (watch->hookless)
		jw_null(w);
	else
		jw_double(w, (double)watch->left_ms / 1000, 3);
	if (health) {
		JW_KEY(w, "close_wait_after_s");
		jw_double(w, (double)health->close_wait_after_ms / 1000, 3);
		JW_KEY(w, "stall_after_s");
		jw_double(w, (double)health->stall_after_ms / 1000, 3);
		JW_KEY(w, "nat_timeout_s");
		jw_double(w, (double)health->nat_timeout_ms / 1000, 3);
	}
	jw_object_end(w);
}

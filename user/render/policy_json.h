/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_POLICY_JSON_H
#define SC_POLICY_JSON_H

#include "health.h"
#include "idle.h"
#include "json_writer.h"

/*
 * The "policy" object every JSON document with idle counts carries: the idle
 * policy in force and whether its heartbeat threshold has applied yet
 * (idle.h, sc_heartbeat_watch):
 *   {"idle_after_s", "heartbeat_bytes", "heartbeat_effective", "watched_s",
 *    "heartbeat_effective_in_s"}
 * the last 0 once effective, null when it never will be (no per-call hook);
 * with health thresholds (NULL: none), "close_wait_after_s", "stall_after_s"
 * and "nat_timeout_s" follow.
 */
void sc_policy_write_json(struct jw *w, const struct sc_idle_policy *policy,
			  const struct sc_heartbeat_watch *watch,
			  const struct sc_health_policy *health);

#endif /* SC_POLICY_JSON_H */

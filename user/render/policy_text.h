/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_POLICY_TEXT_H
#define SC_POLICY_TEXT_H

#include <stddef.h>

#include "idle.h"

/*
 * The one line a one-shot command prints on stderr when its idle counts do
 * not honour --heartbeat-bytes yet (idle.h, sc_heartbeat_watch), naming what
 * to do about it; NULL when they do.
 */
const char *sc_heartbeat_watch_warning(const struct sc_idle_policy *policy,
				       const struct sc_heartbeat_watch *watch, char *buf,
				       size_t len);

/* top's header mark: "warming up: 5.7s left", "heartbeats count: no per-call hook", or NULL. */
const char *sc_heartbeat_watch_mark(const struct sc_heartbeat_watch *watch, char *buf,
				    size_t len);

#endif /* SC_POLICY_TEXT_H */

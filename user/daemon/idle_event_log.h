/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_IDLE_EVENT_LOG_H
#define SC_IDLE_EVENT_LOG_H

#include <stdio.h>

#include "idle_events.h"

/*
 * The daemon's idle event stream: JSON lines appended to path, or to stdout
 * for "-". *out is the stream, for sc_event_log_close. NULL after logging.
 */
struct sc_events *sc_event_log_open(const char *path, double max_per_s, FILE **out);
void sc_event_log_close(struct sc_events *ev, FILE *out);

struct sc_tracker;
struct sc_walk;
/* Takes a walk (or uses w if not NULL) and feeds it. Returns 0 or a negative errno. */
int sc_events_tick(struct sc_events *ev, const struct sc_tracker *t,
		   const struct sc_idle_policy *policy, const struct sc_walk *w);

#endif /* SC_IDLE_EVENT_LOG_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_IDLE_EVENT_LOG_H
#define SC_IDLE_EVENT_LOG_H

#include <stdio.h>

#include "idle_events.h"
#include "tally.h"
#include "mirror.h"

/*
 * The daemon's idle event stream: JSON lines appended to path, or to stdout
 * for "-". *out is the stream, for sc_event_log_close. NULL after logging.
 */
struct sc_events *sc_event_log_open(const char *path, double max_per_s, FILE **out);
void sc_event_log_close(struct sc_events *ev, FILE *out);

/*
 * Feeds the events from the change mirror's records (its header's clocks
 * now), judged by in: the sockets the tally logged as touched, or all of
 * them when its log was lost. Returns 0 or a negative errno.
 */
int sc_events_tick(struct sc_events *ev, struct sc_tally *t, const struct sc_mirror *m,
		   const struct sc_summary_inputs *in, const struct sc_task_record *tasks,
		   size_t ntasks);

#endif /* SC_IDLE_EVENT_LOG_H */

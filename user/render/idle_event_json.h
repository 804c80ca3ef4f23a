/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_IDLE_EVENT_JSON_H
#define SC_IDLE_EVENT_JSON_H

#include "idle_events.h"

/*
 * Writes e as one JSON line to the FILE * out, e.g.
 * {"time":"2026-11-28T02:39:13.067Z","event":"idle","pid":12529,"comm":"ws-server",
 *  "local_port":40029,"remote_port":54788,"idle_seconds":6.720}
 * An sc_idle_event_sink.
 */
void sc_idle_event_json(const struct sc_idle_event *e, void *out);

#endif /* SC_IDLE_EVENT_JSON_H */

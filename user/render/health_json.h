/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_HEALTH_JSON_H
#define SC_HEALTH_JSON_H

#include <stdbool.h>

#include "health.h"
#include "json_writer.h"

/*
 * "health": {"close_wait", "stalled", "dead_peer_risk", ["time_wait",
 * "orphaned",] "close_wait_oldest_s", "stalled_queued_bytes"}: a process,
 * port, service or host's counts. unheld: the classes no process holds
 * (ports and host).
 */
void sc_health_counts_write_json(struct jw *w, const struct sc_health_counts *c, bool unheld);

#endif /* SC_HEALTH_JSON_H */

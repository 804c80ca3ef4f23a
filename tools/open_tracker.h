/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_OPEN_TRACKER_H
#define SC_OPEN_TRACKER_H

#include <stdbool.h>

#include "snapshot_take.h"
#include "tracker.h"
#include "view.h"

struct sc_idle_policy;
/*
 * The daemon's pinned state when it is there and compatible, else programs
 * of the command's own; then the policy follows the kernel's heartbeat
 * threshold (a daemon's, when its programs are read). NULL after logging.
 */
struct sc_tracker *cmd_open_tracker(struct sc_idle_policy *policy, bool live_counters);

/*
 * What a snapshot for filter f must walk, in *buf: a --service filter needs
 * the whole host, since services are grouped from every process.
 */
const struct sc_take_scope *cmd_take_scope(const struct sc_filter *f, struct sc_take_scope *buf);

/* Watches activity for secs (none if 0); Ctrl-C ends the watch early. */
void cmd_observe(double secs);

#endif /* SC_OPEN_TRACKER_H */

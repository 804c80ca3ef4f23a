/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_DAEMON_HOOKS_H
#define SC_DAEMON_HOOKS_H

#include <linux/types.h>

/*
 * Kernel-side features sockcostd calls but does not own: removing pinned
 * state and the idle-event stream. Until they are built,
 * daemon_hooks_todo.c refuses them with an error.
 */

struct sc_tracker;
struct sc_idle_policy;

/* Removes everything pinned under dir. Returns 0 or a negative errno after logging why. */
int sc_pin_unload(const char *dir);

struct sc_events;
/*
 * Opens the idle-event stream to path ("-": stdout), at most max_per_s
 * events a second. Returns NULL after logging why.
 */
struct sc_events *sc_events_open(const char *path, double max_per_s);
/* Writes events for what turned idle or closed since the last tick. */
void sc_events_tick(struct sc_events *ev, const struct sc_tracker *t,
		    const struct sc_idle_policy *p);
/* Events not written because of the rate limit. */
__u64 sc_events_dropped(const struct sc_events *ev);
void sc_events_close(struct sc_events *ev);

#endif /* SC_DAEMON_HOOKS_H */

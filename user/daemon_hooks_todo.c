// SPDX-License-Identifier: GPL-2.0
/*
 * Placeholders for the pinned-state removal and the idle-event stream,
 * which belong to the kernel side: each refuses with a clear error so
 * sockcostd never pretends to do them. Replaced when they are built.
 */
#include <errno.h>
#include <stddef.h>

#include "daemon_hooks.h"
#include "log.h"

int sc_pin_unload(const char *dir)
{
	sc_err("--unload: removing pinned state (%s) is not available in this build", dir);
	return -ENOSYS;
}

struct sc_events *sc_events_open(const char *path, double max_per_s)
{
	(void)max_per_s;
	sc_err("--events %s: the idle-event stream is not available in this build", path);
	errno = ENOSYS;
	return NULL;
}

void sc_events_tick(struct sc_events *ev, const struct sc_tracker *t,
		    const struct sc_idle_policy *p)
{
	(void)ev;
	(void)t;
	(void)p;
}

__u64 sc_events_dropped(const struct sc_events *ev)
{
	(void)ev;
	return 0;
}

void sc_events_close(struct sc_events *ev)
{
	(void)ev;
}

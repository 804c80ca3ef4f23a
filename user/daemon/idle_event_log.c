// SPDX-License-Identifier: GPL-2.0
/* The idle event stream's ends that touch the system: its file, the clock, the walk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "idle_event_json.h"
#include "idle_event_log.h"
#include "log.h"
#include "walk.h"

struct sc_events *sc_event_log_open(const char *path, double max_per_s, FILE **out)
{
	struct sc_events *ev;
	FILE *f = stdout;

	if (strcmp(path, "-")) {
		f = fopen(path, "ae");
		if (!f) {
			int err = errno;

			sc_err("cannot open event file %s: %s", path, strerror(err));
			return NULL;
		}
	}
	/* Whole lines reach a reader tailing the file. */
	setvbuf(f, NULL, _IOLBF, 0);
	ev = sc_events_new(max_per_s, sc_idle_event_json, f);
	if (!ev) {
		sc_err("out of memory");
		if (f != stdout)
			fclose(f);
		return NULL;
	}
	*out = f;
	return ev;
}

void sc_event_log_close(struct sc_events *ev, FILE *out)
{
	if (!ev)
		return;
	sc_events_free(ev);
	if (out != stdout)
		fclose(out);
	else
		fflush(out);
}

int sc_events_tick(struct sc_events *ev, const struct sc_tracker *t,
		   const struct sc_idle_policy *policy, const struct sc_walk *given)
{
	struct sc_conn_idle *conns;
	struct sc_walk own;
	const struct sc_walk *w = given;
	size_t n;
	int err;

	if (!w) {
		err = sc_walk_take(&own, t, policy);
		if (err)
			return err;
		w = &own;
	}
	err = sc_conn_idle_list(w->conns.data, w->conns.count, &w->in, &conns, &n);
	if (!err) {
		err = sc_events_feed(ev, conns, n, w->tasks.data, w->tasks.count,
				     sc_clock_ns(CLOCK_MONOTONIC), sc_clock_ns(CLOCK_REALTIME));
		free(conns);
	}
	if (err)
		sc_err("cannot compute idle events: %s", strerror(-err));
	if (w == &own)
		sc_walk_free(&own);
	return err;
}

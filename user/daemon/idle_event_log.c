// SPDX-License-Identifier: GPL-2.0
/* The idle event stream's ends that touch the system: its file and the clock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "idle_event_json.h"
#include "idle_event_log.h"
#include "log.h"

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

int sc_events_tick(struct sc_events *ev, struct sc_tally *t, const struct sc_mirror *m,
		   const struct sc_summary_inputs *in, const struct sc_task_record *tasks,
		   size_t ntasks)
{
	__u64 now = sc_clock_ns(CLOCK_MONOTONIC), wall = sc_clock_ns(CLOCK_REALTIME);
	struct sc_conn_idle *conns;
	const __u64 *touched;
	size_t n;
	int err;

	if (sc_tally_take_touched(t, &touched, &n)) {
		err = sc_events_feed_touched(ev, m, in, touched, n, tasks, ntasks, now, wall);
	} else {
		/* After a walk or a fold: every connection compared once. */
		err = sc_mirror_idle_list(m, in, &conns, &n);
		if (!err) {
			err = sc_events_feed(ev, conns, n, tasks, ntasks, now, wall);
			free(conns);
		}
	}
	if (err) {
		sc_err("cannot compute idle events: %s", strerror(-err));
		/* What this feed did not reach is in no log now: compare everything next time. */
		sc_tally_log_touched(t, true);
	}
	return err;
}

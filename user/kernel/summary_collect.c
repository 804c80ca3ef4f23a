// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "proc_fds.h"
#include "summary_collect.h"
#include "tracker.h"
#include "walk.h"

int sc_summary_from_walk(struct sc_summary *s, const struct sc_walk *w,
			 const struct sc_tracker *t)
{
	int err;

	err = sc_summary_build(s, w->conns.data, w->conns.count, w->tasks.data, w->tasks.count,
			       &w->in);
	if (err) {
		sc_err("cannot summarize the walk: %s", strerror(-err));
		return err;
	}
	sc_summary_fill_fds(s);
	s->bpf_missed_events = sc_tracker_missed_events(t);
	s->walked_ns = s->taken_ns;
	return 0;
}

int sc_summary_collect(struct sc_summary *s, const struct sc_tracker *t,
		       const struct sc_idle_policy *policy)
{
	struct sc_walk w;
	__u64 start = sc_mono_ns();
	int err;

	memset(s, 0, sizeof(*s));
	err = sc_walk_take(&w, t, policy);
	if (err)
		return err;
	err = sc_summary_from_walk(s, &w, t);
	sc_walk_free(&w);
	if (!err)
		s->collect_ns = sc_mono_ns() - start;
	return err;
}

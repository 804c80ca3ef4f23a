// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <time.h>

#include "snapshot.h"
#include "summary.h"
#include "view.h"

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* For now through a full snapshot; the in-kernel aggregate walk replaces it. */
int sc_summary_collect(struct sc_summary *s, const struct sc_tracker *t,
		       const struct sc_idle_policy *policy)
{
	struct sc_filter all = { .port = -1 };
	struct sc_snapshot *snap;
	struct sc_view view;
	__u64 start = mono_ns();
	int err;

	snap = sc_snapshot_take(t);
	if (!snap)
		return -EIO;
	err = sc_view_build(&view, snap, policy, &all);
	if (!err) {
		err = sc_summary_from_view(s, &view);
		sc_view_free(&view);
	}
	sc_snapshot_free(snap);
	if (!err)
		s->collect_ns = mono_ns() - start;
	return err;
}

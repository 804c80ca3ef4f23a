// SPDX-License-Identifier: GPL-2.0
/*
 * Prints the summary two ways, as JSON lines: from the aggregate walk
 * (sc_summary_collect) and from a full snapshot (sc_summary_from_view), so
 * a test can hold the fast path to the one every other face is checked by.
 * Usage: summary_check IDLE_AFTER_MS HEARTBEAT_BYTES [SECONDS_TO_WATCH [FAST_ONLY_RUNS]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "print_summary.h"
#include "snapshot.h"
#include "snapshot_take.h"
#include "summary.h"
#include "summary_collect.h"
#include "tracker.h"
#include "view.h"

int main(int argc, char **argv)
{
	struct sc_tracker_opts opts = { .live_counters = true };
	struct sc_idle_policy policy = {};
	struct sc_filter all = { .port = -1 };
	struct sc_summary fast, full;
	struct sc_snapshot *snap;
	struct sc_tracker *t;
	struct sc_view view;
	int ret = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: %s IDLE_AFTER_MS HEARTBEAT_BYTES [SECONDS_TO_WATCH]\n", argv[0]);
		return 2;
	}
	policy.idle_after_ms = strtoull(argv[1], NULL, 10);
	policy.heartbeat_bytes = opts.heartbeat_bytes = strtoull(argv[2], NULL, 10);
	sc_log_init("summary_check", getenv("SC_VERBOSE") != NULL);
	/* SC_PIN=own|read: as sockcostd or as the CLI next to it. */
	if (getenv("SC_PIN"))
		opts.pin_mode = !strcmp(getenv("SC_PIN"), "own") ? SC_PIN_OWN : SC_PIN_READ;
	t = sc_tracker_open(&opts);
	if (!t)
		return 1;
	if (argc > 3)
		sleep((unsigned)atoi(argv[3]));
	/* Twice: the first walk also gives older sockets their records. */
	for (int i = 0; i < (argc > 4 ? atoi(argv[4]) : 2); i++) {
		if (sc_summary_collect(&fast, t, &policy))
			goto out;
		print_summary(i ? "fast" : "fast-first", &fast);
		sc_summary_free(&fast);
	}
	if (argc > 4) {
		ret = 0;
		goto out;
	}
	snap = sc_snapshot_take(t, NULL);
	if (!snap)
		goto out;
	if (!sc_view_build(&view, snap, &policy, &all)) {
		if (!sc_summary_from_view(&full, &view)) {
			print_summary("full", &full);
			sc_summary_free(&full);
			ret = 0;
		}
		sc_view_free(&view);
	}
	sc_snapshot_free(snap);
out:
	sc_tracker_close(t);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Holds the live summary (one walk, then the change ring) to a fresh walk:
 * collects once (printed as "first"), prints "ready", waits for a line on stdin while the test
 * changes sockets, then prints the live summary ("live", with how it was
 * made) and a walk's ("walk") as JSON lines.
 * Usage: live_check IDLE_AFTER_MS HEARTBEAT_BYTES
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "print_summary.h"
#include "summary.h"
#include "summary_collect.h"
#include "summary_live.h"
#include "tracker.h"

int main(int argc, char **argv)
{
	struct sc_tracker_opts opts = { .live_counters = true };
	struct sc_idle_policy policy = {};
	struct sc_summary_live live;
	struct sc_summary s;
	struct sc_tracker *t;
	char line[64];
	int ret = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: %s IDLE_AFTER_MS HEARTBEAT_BYTES\n", argv[0]);
		return 2;
	}
	policy.idle_after_ms = strtoull(argv[1], NULL, 10);
	policy.heartbeat_bytes = opts.heartbeat_bytes = strtoull(argv[2], NULL, 10);
	sc_log_init("live_check", getenv("SC_VERBOSE") != NULL);
	t = sc_tracker_open(&opts);
	if (!t)
		return 1;
	sc_summary_live_init(&live, 60ull * 1000000000ull);
	if (sc_summary_live_collect(&live, &s, t, &policy))
		goto out;
	print_summary("first", &s);
	sc_summary_free(&s);
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		goto out;
	if (sc_summary_live_collect(&live, &s, t, &policy))
		goto out;
	printf("{\"how\":\"made\",\"walked\":%s,\"changes\":%llu}\n",
	       s.walked_ns >= s.taken_ns ? "true" : "false", (unsigned long long)s.changes);
	print_summary("live", &s);
	sc_summary_free(&s);
	if (sc_summary_collect(&s, t, &policy))
		goto out;
	print_summary("walk", &s);
	sc_summary_free(&s);
	ret = 0;
out:
	sc_summary_live_free(&live);
	sc_tracker_close(t);
	return ret;
}

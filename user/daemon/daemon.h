/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_DAEMON_H
#define SC_DAEMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "http_server.h"
#include "health.h"
#include "idle.h"

struct sc_tracker;
struct sc_collector;

/* What sockcostd's HTTP handlers share. */
struct daemon {
	const struct sc_tracker *tracker;
	struct sc_idle_policy policy;
	struct sc_health_policy health;  /* /snapshot.json's thresholds (the collector has its own) */
	unsigned top_processes;
	double start_time_s;            /* Unix time */

	pthread_mutex_t scrape_lock;    /* one /metrics collection at a time; guards below */
	double last_scrape_s;           /* < 0 before the first scrape */
	__u64 scrapes;
	double last_connection_seconds; /* the counter as last exported */

	struct sc_collector *collector; /* keeps the summary current */
	double interval_s;              /* --interval */
	double reconcile_s;             /* --reconcile-interval */

	atomic_bool snapshot_busy;      /* a /snapshot.json is being taken or streamed */
	bool enable_snapshot;           /* --enable-snapshot: else /snapshot.json is 404 */
	bool redact_peers;              /* --redact-peers: no raddr in it */
};

int daemon_init(struct daemon *d);
void daemon_fini(struct daemon *d);

/* /, /healthz, /metrics and /snapshot.json. */
extern const struct http_route daemon_routes[];
extern const size_t daemon_nroutes;

/* Waits up to timeout_s for a streaming /snapshot.json to finish. False if it did not. */
bool daemon_wait_snapshot(struct daemon *d, double timeout_s);

#endif /* SC_DAEMON_H */

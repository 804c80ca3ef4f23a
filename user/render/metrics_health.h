/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_METRICS_HEALTH_H
#define SC_METRICS_HEALTH_H

#include <stddef.h>
#include <stdio.h>

#include "health_tally.h"
#include "services.h"

/* What the daemon's latest health pass found, for a scrape. */
struct sc_metrics_health {
	const struct sc_health_tally *tally;      /* NULL before the first pass */
	const struct sc_health_counts *services;  /* by the scrape's services' index; NULL: none */
	const struct sc_service *service_names;
	size_t nservices;
	double interval_seconds;                  /* passes this far apart */
	__u64 passes;
	__u64 failures;                           /* passes that failed (the previous serves) */
	__u32 netns_missed;                       /* namespaces the latest pass could not enter */
};

/*
 * sockcost_connections_by_health{health} (host), the same per service and
 * per listening port, sockcost_close_wait_oldest_seconds,
 * sockcost_stalled_queued_bytes, and the passes' own exporter_* series.
 */
void sc_metrics_health(FILE *out, const struct sc_metrics_health *h);

#endif /* SC_METRICS_HEALTH_H */

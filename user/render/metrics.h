/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_METRICS_H
#define SC_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "capacity.h"
#include "container_rows.h"
#include "metrics_health.h"
#include "services.h"
#include "summary.h"
#include "tcp_mem.h"

#define SC_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The exporter's own numbers, gathered by the daemon for each scrape. */
struct sc_metrics_self {
	double collect_seconds;        /* how long the latest refresh took */
	double refresh_timestamp_seconds; /* Unix time the gauges describe, 0 if none */
	double walk_timestamp_seconds; /* Unix time of the latest walk of every socket, 0 if none */
	double walk_interval_seconds;  /* --reconcile-interval */
	double refresh_interval_seconds; /* --interval */
	__u64 walks;                   /* walks done since start */
	__u64 folds;                   /* summaries that folded every mirrored socket anew */
	__u64 refreshes;               /* summaries made, from walks or change reports */
	__u64 changes;                 /* change reports applied */
	double change_cpu_seconds;     /* CPU time applying them */
	double change_gap_seconds;     /* an active socket is reported at most this often, 0: unknown */
	double last_scrape_seconds;    /* the previous scrape, whole; < 0 before the second */
	__u64 scrapes;                 /* /metrics requests served, this one included */
	__u64 collect_errors;          /* refreshes that failed */
	bool last_walk_failed;         /* the latest one did: the summary is an older one */
	__u64 events_dropped;          /* idle events over the rate limit (the events stream fills it) */
	__u64 events_whole_feeds;      /* idle event feeds that compared every connection */
	__u64 events_touched_feeds;    /* and those that compared only the changed ones */
	__u64 cgroup_reads;            /* /proc/PID/cgroup reads for the container series */
	__u64 container_name_lookups;  /* lookups of a container's names on the node */
	/* The usual process_* collector numbers of the daemon itself. */
	double cpu_seconds;
	__u64 resident_bytes;
	double start_time_seconds;     /* Unix time */
	__u64 open_fds;
	__u64 max_fds;
};

struct sc_metrics_input {
	const struct sc_summary *summary; /* NULL when collection failed: self metrics only */
	const struct sc_proc_cost *costs; /* of summary->procs[i], i < top; NULL: none */
	size_t top;                       /* per-process series for procs[0 .. top) */
	const struct sc_service *services; /* of summary's processes; NULL: no service series */
	size_t nservices;
	size_t top_outbound;              /* outbound series for the first of summary->outbound */
	const struct sc_metrics_self *self;
	const char *version;
	double connection_seconds;        /* managed.h, never lower than the previous scrape's */
	const struct sc_metrics_health *health; /* NULL: no health series */
	const struct sc_tcp_mem *tcp_mem; /* NULL: unreadable, no tcp_mem series */
	const struct sc_container_row *containers; /* of summary; NULL: no container series */
	size_t ncontainers;
};

/*
 * Writes the Prometheus text exposition (format 0.0.4): HELP and TYPE on
 * every family, base units, label values escaped. Returns 0, or -EIO if
 * out reported a write error.
 */
int sc_metrics_render(FILE *out, const struct sc_metrics_input *in);

/* Writes v as a label value body: \ " and newline escaped, invalid UTF-8 as U+FFFD. */
void sc_metrics_label_value(FILE *out, const char *v, size_t len);

#endif /* SC_METRICS_H */

// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "metrics.h"
#include "metrics_health.h"

/* Classes a process holds, then the two no process holds. */
static const enum sc_health held[] = {
	SC_HEALTH_CLOSE_WAIT, SC_HEALTH_STALLED, SC_HEALTH_DEAD_PEER_RISK,
};
static const enum sc_health every[] = {
	SC_HEALTH_CLOSE_WAIT, SC_HEALTH_STALLED, SC_HEALTH_DEAD_PEER_RISK,
	SC_HEALTH_TIME_WAIT, SC_HEALTH_ORPHANED,
};

#define NCLASSES(a) (sizeof(a) / sizeof((a)[0]))

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void host(FILE *f, const struct sc_health_tally *t)
{
	size_t i;

	family(f, "sockcost_connections_by_health", "gauge",
	       "TCP sockets by health class at the latest health pass, all network namespaces: "
	       "close_wait (the peer closed, the process has not: an fd leak), stalled (data "
	       "queued and no progress for --stall-after: nothing sent, or no ACK while "
	       "retransmitting), dead_peer_risk (silent past "
	       "--nat-timeout without keepalive), time_wait, orphaned (closed, not yet gone).");
	for (i = 0; i < NCLASSES(every); i++)
		fprintf(f, "sockcost_connections_by_health{health=\"%s\"} %llu\n",
			sc_health_name(every[i]), (unsigned long long)t->host.n[every[i]]);
	family(f, "sockcost_close_wait_oldest_seconds", "gauge",
	       "Age of the oldest close_wait connection (0 when none).");
	fprintf(f, "sockcost_close_wait_oldest_seconds %.3f\n",
		(double)t->host.close_wait_oldest_ms / 1000);
	family(f, "sockcost_stalled_queued_bytes", "gauge",
	       "Payload queued on stalled connections: send buffers a slow or gone peer holds.");
	fprintf(f, "sockcost_stalled_queued_bytes %llu\n",
		(unsigned long long)t->host.stalled_queued_bytes);
}

static void services(FILE *f, const struct sc_metrics_health *h)
{
	size_t i, j;

	family(f, "sockcost_service_connections_by_health", "gauge",
	       "A service's connections by health class (close_wait, stalled, dead_peer_risk), "
	       "each counted for its first holder.");
	for (i = 0; i < h->nservices; i++) {
		const char *name = h->service_names[i].name;

		for (j = 0; j < NCLASSES(held); j++) {
			fputs("sockcost_service_connections_by_health{service=\"", f);
			sc_metrics_label_value(f, name, strlen(name));
			fprintf(f, "\",health=\"%s\"} %llu\n", sc_health_name(held[j]),
				(unsigned long long)h->services[i].n[held[j]]);
		}
	}
}

static void ports(FILE *f, const struct sc_health_tally *t)
{
	size_t i, j;

	family(f, "sockcost_port_connections_by_health", "gauge",
	       "TCP sockets on a listening port by health class (time_wait and orphaned "
	       "included: memory and port pairs no process holds).");
	for (i = 0; i < t->nports; i++)
		for (j = 0; j < NCLASSES(every); j++)
			fprintf(f, "sockcost_port_connections_by_health{port=\"%u\",health=\"%s\"} "
				"%llu\n", t->ports[i].port, sc_health_name(every[j]),
				(unsigned long long)t->ports[i].c.n[every[j]]);
}

void sc_metrics_health(FILE *f, const struct sc_metrics_health *h)
{
	if (h->tally && h->tally->wall_ns) {
		host(f, h->tally);
		if (h->services)
			services(f, h);
		ports(f, h->tally);
		family(f, "sockcost_exporter_health_pass_timestamp_seconds", "gauge",
		       "Unix time of the latest health pass: the *_by_health series describe it.");
		fprintf(f, "sockcost_exporter_health_pass_timestamp_seconds %.3f\n",
			(double)h->tally->wall_ns / 1e9);
		family(f, "sockcost_exporter_health_pass_duration_seconds", "gauge",
		       "CPU time the latest health pass took.");
		fprintf(f, "sockcost_exporter_health_pass_duration_seconds %.6f\n",
			(double)h->tally->took_ns / 1e9);
	}
	family(f, "sockcost_exporter_health_interval_seconds", "gauge",
	       "Seconds between health passes (--health-interval, or 1000 times a pass's CPU "
	       "time if longer).");
	fprintf(f, "sockcost_exporter_health_interval_seconds %.3f\n", h->interval_seconds);
	family(f, "sockcost_exporter_health_passes_total", "counter", "Health passes done.");
	fprintf(f, "sockcost_exporter_health_passes_total %llu\n",
		(unsigned long long)h->passes);
	family(f, "sockcost_exporter_health_pass_failures_total", "counter",
	       "Health passes that failed; the *_by_health series stay the previous pass's.");
	fprintf(f, "sockcost_exporter_health_pass_failures_total %llu\n",
		(unsigned long long)h->failures);
	family(f, "sockcost_exporter_health_netns_missed", "gauge",
	       "Network namespaces the latest health pass could not enter.");
	fprintf(f, "sockcost_exporter_health_netns_missed %u\n", h->netns_missed);
}

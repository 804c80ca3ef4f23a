// SPDX-License-Identifier: GPL-2.0
#include "format.h"
#include "health_text.h"

const char *health_counts_text(const struct sc_health_counts *c, char *buf, size_t len)
{
	char oldest[48] = "", queued[48] = "", age[32], bytes[32];

	if (c->close_wait_oldest_ms)
		snprintf(oldest, sizeof(oldest), " (oldest %s)",
			 fmt_duration_ms(c->close_wait_oldest_ms, age, sizeof(age)));
	if (c->stalled_queued_bytes)
		snprintf(queued, sizeof(queued), " (%s queued)",
			 fmt_bytes(c->stalled_queued_bytes, bytes, sizeof(bytes)));
	snprintf(buf, len, "%llu close_wait%s, %llu stalled%s, %llu dead_peer_risk, "
		 "%llu time_wait, %llu orphaned",
		 (unsigned long long)c->n[SC_HEALTH_CLOSE_WAIT], oldest,
		 (unsigned long long)c->n[SC_HEALTH_STALLED], queued,
		 (unsigned long long)c->n[SC_HEALTH_DEAD_PEER_RISK],
		 (unsigned long long)c->n[SC_HEALTH_TIME_WAIT],
		 (unsigned long long)c->n[SC_HEALTH_ORPHANED]);
	return buf;
}

void render_health_line(const struct sc_view *v, FILE *out)
{
	char text[256];

	fprintf(out, "health: %s\n", health_counts_text(&v->totals.health, text, sizeof(text)));
}

static void render_health_processes(const struct sc_view *v, FILE *out)
{
	char comm[SC_COMM_LEN + 1], oldest[32], queued[32];
	bool any = false;
	size_t i;

	for (i = 0; i < v->nprocs; i++) {
		const struct sc_proc_row *pr = &v->procs[i];
		const struct sc_health_counts *c = &pr->health;

		if (!sc_health_unhealthy(c))
			continue;
		if (!any)
			fprintf(out, "\n%-8s %-16s %10s %8s %8s %10s %10s\n", "PID", "COMMAND",
				"CLOSE_WAIT", "OLDEST", "STALLED", "QUEUED", "DEAD_PEER");
		any = true;
		if (c->close_wait_oldest_ms)
			fmt_duration_ms(c->close_wait_oldest_ms, oldest, sizeof(oldest));
		else
			snprintf(oldest, sizeof(oldest), "-");
		fprintf(out, "%-8u %-16s %10llu %8s %8llu %10s %10llu\n", pr->process->pid,
			fmt_printable(pr->process->comm, comm, sizeof(comm)),
			(unsigned long long)c->n[SC_HEALTH_CLOSE_WAIT], oldest,
			(unsigned long long)c->n[SC_HEALTH_STALLED],
			fmt_bytes(c->stalled_queued_bytes, queued, sizeof(queued)),
			(unsigned long long)c->n[SC_HEALTH_DEAD_PEER_RISK]);
	}
}

static void render_health_ports(const struct sc_view *v, FILE *out)
{
	bool any = false;
	size_t i;

	for (i = 0; i < v->nports; i++) {
		const struct sc_health_counts *c = &v->ports[i].health;

		if (!c->n[SC_HEALTH_TIME_WAIT] && !c->n[SC_HEALTH_ORPHANED])
			continue;
		if (!any)
			fprintf(out, "\n%-12s %10s %9s\n", "PORT", "TIME_WAIT", "ORPHANED");
		any = true;
		fprintf(out, "%-12u %10llu %9llu\n", v->ports[i].port,
			(unsigned long long)c->n[SC_HEALTH_TIME_WAIT],
			(unsigned long long)c->n[SC_HEALTH_ORPHANED]);
	}
}

void render_health(const struct sc_view *v, FILE *out)
{
	render_health_processes(v, out);
	render_health_ports(v, out);
}

const char *health_cell(const struct sc_health_result *r, char *buf, size_t len)
{
	char age[32];

	if (r->health == SC_HEALTH_OK)
		snprintf(buf, len, "-");
	else if (r->age_ms == SC_AGE_UNKNOWN)
		snprintf(buf, len, "%s", sc_health_name(r->health));
	else
		snprintf(buf, len, "%s %s", sc_health_name(r->health),
			 fmt_duration_ms(r->age_ms, age, sizeof(age)));
	return buf;
}

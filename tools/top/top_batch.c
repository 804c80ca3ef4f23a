// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "health_json.h"
#include "json_writer.h"
#include "names.h"
#include "policy_json.h"
#include "top_batch.h"
#include "top_cells.h"

static void text_table(const struct top_row *rows, const size_t *order, size_t n,
		       enum top_view view, FILE *out)
{
	const enum top_col *c, *cols = top_view_columns[view];
	char buf[64];
	size_t i;

	for (c = cols; *c != TOP_COL_COUNT; c++) {
		const struct top_column *col = &top_columns[*c];

		fprintf(out, "%s%*s", c == cols ? "" : " ", col->left ? -col->width : col->width,
			col->title);
	}
	fputc('\n', out);
	for (i = 0; i < n; i++) {
		const struct top_row *r = &rows[order ? order[i] : i];

		for (c = cols; *c != TOP_COL_COUNT; c++) {
			const struct top_column *col = &top_columns[*c];

			fprintf(out, "%s%*s", c == cols ? "" : " ",
				col->left ? -col->width : col->width,
				top_cell(r, *c, buf, sizeof(buf)));
		}
		fputc('\n', out);
	}
}

void top_batch_text(const struct top_frame *f, const size_t *order, double delay_s,
		    bool with_conns, FILE *out)
{
	char line[512], stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", localtime_r(&now, &tm));
	fprintf(out, "sockcost top - %s, frame %lu\n", stamp, f->number);
	top_totals_line(f, line, sizeof(line));
	fprintf(out, "%s\n", line);
	top_policy_line(f, delay_s, line, sizeof(line));
	fprintf(out, "%s\n", line);
	top_hist_line(f, line, sizeof(line));
	fprintf(out, "%s\n", line);
	top_health_line(f, line, sizeof(line));
	fprintf(out, "%s\n\n", line);
	/* Services first when some server runs as several processes (pre-fork, workers). */
	if (f->services_grouped) {
		text_table(f->services, NULL, f->nservices, TOP_VIEW_SERVICES, out);
		fputs("\n", out);
	}
	text_table(f->procs, order, f->nprocs, TOP_VIEW_PROCS, out);
	if (!f->nprocs)
		fputs("(no process holds a matching TCP socket)\n", out);
	fputs("\n", out);
	text_table(f->ports, NULL, f->nports, TOP_VIEW_PORTS, out);
	/* The outbound view: what no listening port counts. */
	fputs("\n", out);
	text_table(f->outbound, NULL, f->noutbound, TOP_VIEW_OUTBOUND, out);
	if (with_conns) {
		fprintf(out, "\nconnections to port %d", f->scope.port);
		if (f->churn_known)
			fprintf(out, ": %.1f/s appeared, %.1f/s gone", f->appeared_per_s,
				f->gone_per_s);
		fputs("\n", out);
		text_table(f->conns, NULL, f->nconns, TOP_VIEW_CONNS, out);
	}
	fputs("\n", out);
}

static void json_rate(struct jw *w, const char *key, bool known, double v)
{
	jw_key(w, key);
	if (known)
		jw_double(w, v, 2);
	else
		jw_null(w);
}

/* When the fds reach the limit (0: at it now), their growth, and why there is no time. */
static void json_fd_eta(struct jw *w, const struct top_row *r, bool with_why)
{
	const struct sc_fd_eta *e = &r->fd_eta;
	char why[64];

	json_rate(w, "fd_eta_s", top_fd_eta_s(r) >= 0, top_fd_eta_s(r));
	if (!with_why)
		return;
	/* A rate once there were samples enough to fit one. */
	json_rate(w, "fd_growth_per_s", e->why == SC_FD_ETA_OK || e->why == SC_FD_ETA_NOT_GROWING,
		  e->rate_per_s);
	JW_KEY(w, "fd_eta_why");
	if (e->why == SC_FD_ETA_OK)
		jw_null(w);
	else
		jw_string(w, sc_fd_eta_why_text(e, why, sizeof(why)));
}

/* A process's or service's health counts at the latest pass; null before the first. */
static void json_health(struct jw *w, const struct top_row *r)
{
	if (r->health_known) {
		sc_health_counts_write_json(w, &r->health, false);
		return;
	}
	JW_KEY(w, "health");
	jw_null(w);
}

static void json_process(struct jw *w, const struct top_frame *f, const struct top_row *r)
{
	double avg = top_rss_per_conn(r), fdpct = top_fd_pct(r);
	struct sc_marginal_est est;
	bool from_daemon;
	bool has_marginal = top_frame_marginal(f, r->pid, &est, &from_daemon);
	char why[64];

	jw_object_begin(w);
	JW_KEY(w, "pid");
	jw_uint(w, r->pid);
	JW_KEY(w, "comm");
	jw_string(w, r->comm);
	JW_KEY(w, "service");
	jw_string(w, r->service);
	JW_KEY(w, "container");
	jw_string(w, r->place);
	JW_KEY(w, "connections");
	jw_uint(w, r->conns);
	JW_KEY(w, "idle_connections");
	jw_uint(w, r->idle);
	JW_KEY(w, "tcp_sockets");
	jw_uint(w, r->tcp_sockets);
	JW_KEY(w, "fds");
	jw_uint(w, r->fds);
	JW_KEY(w, "fd_limit");
	jw_uint(w, r->fd_limit);
	json_rate(w, "fd_percent", fdpct >= 0, fdpct);
	JW_KEY(w, "socket_memory_bytes");
	jw_uint(w, r->sock_mem);
	JW_KEY(w, "rss_bytes");
	if (r->rss_known)
		jw_uint(w, r->rss);
	else
		jw_null(w);
	json_rate(w, "rss_per_connection_bytes", avg >= 0, avg);
	JW_KEY(w, "private_bytes");
	if (r->private_known)
		jw_uint(w, r->private_bytes);
	else
		jw_null(w);
	/* What one more connection costs: the slope of private memory (marginal.h). */
	json_rate(w, "memory_marginal_per_connection_bytes", has_marginal, est.bytes);
	JW_KEY(w, "memory_samples");
	jw_uint(w, est.samples);
	JW_KEY(w, "memory_marginal_source");
	if (has_marginal)
		jw_string(w, from_daemon ? "sockcostd" : "top");
	else
		jw_null(w);
	JW_KEY(w, "memory_marginal_why");
	if (has_marginal)
		jw_null(w);
	else
		jw_string(w, sc_marginal_why_text(&est, why, sizeof(why)));
	json_rate(w, "connections_change_per_s", r->rate_known, r->conn_rate);
	json_fd_eta(w, r, true);
	json_health(w, r);
	jw_object_end(w);
}

static void json_port(struct jw *w, const struct top_row *r)
{
	jw_object_begin(w);
	JW_KEY(w, "port");
	jw_uint(w, r->port);
	JW_KEY(w, "connections");
	jw_uint(w, r->conns);
	JW_KEY(w, "idle_connections");
	jw_uint(w, r->idle);
	JW_KEY(w, "listeners");
	jw_uint(w, r->listeners);
	JW_KEY(w, "accept_queue");
	jw_uint(w, r->acceptq);
	JW_KEY(w, "accept_queue_max");
	jw_uint(w, r->acceptq_max);
	jw_object_end(w);
}

static void json_service(struct jw *w, const struct top_row *r)
{
	jw_object_begin(w);
	JW_KEY(w, "service");
	jw_string(w, r->service);
	JW_KEY(w, "main_pid");
	jw_uint(w, r->id);
	JW_KEY(w, "processes");
	jw_uint(w, r->processes);
	JW_KEY(w, "connections");
	jw_uint(w, r->conns);
	JW_KEY(w, "idle_connections");
	jw_uint(w, r->idle);
	JW_KEY(w, "fds");
	jw_uint(w, r->fds);
	JW_KEY(w, "max_fd_pct");
	if (top_max_fd_pct(r) < 0)
		jw_null(w);
	else
		jw_double(w, top_max_fd_pct(r), 1);
	JW_KEY(w, "socket_memory_bytes");
	jw_uint(w, r->sock_mem);
	/* The member's whose fds reach their limit first. */
	json_fd_eta(w, r, false);
	JW_KEY(w, "fd_eta_pid");
	if (top_fd_eta_s(r) >= 0)
		jw_uint(w, r->fd_eta_pid);
	else
		jw_null(w);
	json_health(w, r);
	jw_object_end(w);
}

static void json_outbound(struct jw *w, const struct top_row *r)
{
	jw_object_begin(w);
	JW_KEY(w, "remote_port");
	jw_uint(w, r->port);
	JW_KEY(w, "connections");
	jw_uint(w, r->conns);
	JW_KEY(w, "idle_connections");
	jw_uint(w, r->idle);
	JW_KEY(w, "processes");
	jw_uint(w, r->processes);
	JW_KEY(w, "socket_memory_bytes");
	jw_uint(w, r->sock_mem);
	jw_object_end(w);
}

static void json_conn(struct jw *w, const struct top_row *r)
{
	jw_object_begin(w);
	JW_KEY(w, "pid");
	if (r->pid)
		jw_uint(w, r->pid);
	else
		jw_null(w);
	JW_KEY(w, "fd");
	if (r->pid)
		jw_uint(w, r->fd);
	else
		jw_null(w);
	JW_KEY(w, "comm");
	jw_string(w, r->comm);
	JW_KEY(w, "cookie");
	jw_uint(w, r->id);
	JW_KEY(w, "state");
	jw_string(w, r->state);
	JW_KEY(w, "local");
	jw_string(w, r->local);
	JW_KEY(w, "remote");
	jw_string(w, r->remote);
	JW_KEY(w, "idle");
	jw_bool(w, r->is_idle);
	json_rate(w, "idle_s", r->has_idle, (double)r->idle_ms / 1000);
	JW_KEY(w, "rx_bytes");
	jw_uint(w, r->rx);
	JW_KEY(w, "tx_bytes");
	jw_uint(w, r->tx);
	JW_KEY(w, "recv_q");
	jw_uint(w, r->recvq);
	JW_KEY(w, "send_q");
	jw_uint(w, r->sendq);
	JW_KEY(w, "health");
	jw_string(w, sc_health_name(r->health_of.health));
	JW_KEY(w, "health_age_s");
	if (r->health_of.health && r->health_of.age_ms != SC_AGE_UNKNOWN)
		jw_double(w, (double)r->health_of.age_ms / 1000, 3);
	else
		jw_null(w);
	jw_object_end(w);
}

static void json_totals(struct jw *w, const struct top_frame *f)
{
	const struct sc_summary *s = &f->sum;
	size_t b;

	JW_KEY(w, "totals");
	jw_object_begin(w);
	JW_KEY(w, "connections");
	jw_uint(w, s->connections);
	JW_KEY(w, "idle_connections");
	jw_uint(w, s->idle_connections);
	JW_KEY(w, "socket_memory_bytes");
	jw_uint(w, s->socket_memory_bytes);
	JW_KEY(w, "processes");
	jw_uint(w, s->nprocs);
	JW_KEY(w, "opened_total");
	jw_uint(w, s->counters.opened);
	JW_KEY(w, "closed_total");
	jw_uint(w, s->counters.closed);
	json_rate(w, "opened_per_s", f->rates_known, f->opened_per_s);
	json_rate(w, "closed_per_s", f->rates_known, f->closed_per_s);
	jw_object_end(w);
	/* The host's, at the latest health pass (its own schedule: health_pass_age_s). */
	if (f->health.wall_ns) {
		sc_health_counts_write_json(w, &f->health.host, true);
		JW_KEY(w, "health_pass_age_s");
		jw_double(w, (double)(sc_clock_ns(CLOCK_REALTIME) - f->health.wall_ns) / 1e9, 1);
	} else {
		JW_KEY(w, "health");
		jw_null(w);
	}
	JW_KEY(w, "idle_histogram");
	jw_array_begin(w);
	for (b = 0; b <= SC_IDLE_BUCKETS; b++) {
		jw_object_begin(w);
		JW_KEY(w, "le_s");
		if (b < SC_IDLE_BUCKETS)
			jw_uint(w, sc_idle_bucket_s[b]);
		else
			jw_null(w);
		JW_KEY(w, "count");
		jw_uint(w, s->idle_hist.count[b]);
		jw_object_end(w);
	}
	jw_array_end(w);
}

void top_batch_json(const struct top_frame *f, const size_t *order, double delay_s,
		    bool with_conns, FILE *out)
{
	static struct jw w; /* 64 KiB buffer: not on the stack */
	const struct sc_summary *s = &f->sum;
	struct sc_heartbeat_watch watch;
	size_t i;

	jw_init(&w, out);
	jw_object_begin(&w);
	JW_KEY(&w, "frame");
	jw_uint(&w, f->number);
	JW_KEY(&w, "time");
	jw_uint(&w, (uint64_t)time(NULL));
	JW_KEY(&w, "delay_s");
	jw_double(&w, delay_s, 1);
	JW_KEY(&w, "collect_ms");
	jw_double(&w, (double)s->collect_ns / 1e6, 1);
	/* How the frame was made: a walk, or the last walk plus the changes since. */
	JW_KEY(&w, "walk_age_s");
	jw_double(&w, s->walked_ns >= s->taken_ns ? 0 : (double)(s->taken_ns - s->walked_ns) / 1e9,
		  1);
	JW_KEY(&w, "changes");
	jw_uint(&w, s->changes);
	JW_KEY(&w, "activity_hook");
	jw_string(&w, sc_hook_name(s->hook));
	watch = sc_heartbeat_watch(&s->policy, s->hook != SC_HOOK_NONE, s->attached_ns, s->taken_ns);
	sc_policy_write_json(&w, &s->policy, &watch, NULL);
	/* The FD ETA's growth rate is over this window of frames. */
	JW_KEY(&w, "fd_eta_window_s");
	jw_double(&w, (double)f->fd_trends.window_ns / 1e9, 0);
	json_totals(&w, f);
	JW_KEY(&w, "processes");
	jw_array_begin(&w);
	for (i = 0; i < f->nprocs; i++)
		json_process(&w, f, &f->procs[order[i]]);
	jw_array_end(&w);
	JW_KEY(&w, "ports");
	jw_array_begin(&w);
	for (i = 0; i < f->nports; i++)
		json_port(&w, &f->ports[i]);
	jw_array_end(&w);
	JW_KEY(&w, "services");
	jw_array_begin(&w);
	for (i = 0; i < f->nservices; i++)
		json_service(&w, &f->services[i]);
	jw_array_end(&w);
	JW_KEY(&w, "outbound");
	jw_array_begin(&w);
	for (i = 0; i < f->noutbound; i++)
		json_outbound(&w, &f->outbound[i]);
	jw_array_end(&w);
	if (with_conns) {
		JW_KEY(&w, "connections");
		jw_object_begin(&w);
		JW_KEY(&w, "port");
		jw_uint(&w, (uint64_t)f->scope.port);
		json_rate(&w, "appeared_per_s", f->churn_known, f->appeared_per_s);
		json_rate(&w, "gone_per_s", f->churn_known, f->gone_per_s);
		JW_KEY(&w, "sockets");
		jw_array_begin(&w);
		for (i = 0; i < f->nconns; i++)
			json_conn(&w, &f->conns[i]);
		jw_array_end(&w);
		jw_object_end(&w);
	}
	jw_object_end(&w);
	fputc('\n', out);
}

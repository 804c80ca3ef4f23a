// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "clock.h"
#include "fd_eta_text.h"
#include "format.h"
#include "health_text.h"
#include "names.h"
#include "policy_text.h"
#include "top_cells.h"

static const char *uint_cell(__u64 v, char *buf, size_t len)
{
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

const char *top_cell(const struct top_row *r, enum top_col c, char *buf, size_t len)
{
	double v;

	switch (c) {
	case TOP_COL_PID:
		if (!r->pid)
			return "-";
		return uint_cell(r->pid, buf, len);
	case TOP_COL_COMM: return r->comm[0] ? r->comm : "-";
	case TOP_COL_CONN: return uint_cell(r->conns, buf, len);
	case TOP_COL_IDLE: return uint_cell(r->idle, buf, len);
	case TOP_COL_IDLE_PCT: return fmt_percent(r->idle, r->conns, buf, len);
	case TOP_COL_FDS: return uint_cell(r->fds, buf, len);
	case TOP_COL_FD_LIMIT:
		return r->fd_limit == RLIM_INFINITY ? "unlimited" : uint_cell(r->fd_limit, buf, len);
	case TOP_COL_FD_PCT:
		if (top_fd_pct(r) < 0)
			return "-";
		return fmt_percent(r->fds, r->fd_limit, buf, len);
	case TOP_COL_SOCK_MEM: return fmt_bytes(r->sock_mem, buf, len);
	case TOP_COL_RSS: return r->rss_known ? fmt_bytes(r->rss, buf, len) : "-";
	case TOP_COL_RSS_CONN:
		v = top_rss_per_conn(r);
		return v < 0 ? "-" : fmt_bytes((__u64)(v + 0.5), buf, len);
	case TOP_COL_CONN_RATE:
		if (!r->rate_known)
			return "-";
		snprintf(buf, len, r->conn_rate > -0.05 && r->conn_rate < 0.05 ? "0" : "%+.1f",
			 r->conn_rate);
		return buf;
	case TOP_COL_PORT: return uint_cell(r->port, buf, len);
	case TOP_COL_LISTENERS: return uint_cell(r->listeners, buf, len);
	case TOP_COL_ACCEPTQ:
		snprintf(buf, len, "%u/%u", r->acceptq, r->acceptq_max);
		return buf;
	case TOP_COL_FD: return r->pid ? uint_cell(r->fd, buf, len) : "-";
	case TOP_COL_STATE: return r->state ? r->state : "-";
	case TOP_COL_LOCAL: return r->local;
	case TOP_COL_REMOTE: return r->remote;
	case TOP_COL_IDLE_FOR:
		if (!r->has_idle)
			return "-";
		fmt_duration_ms(r->idle_ms, buf, len);
		if (r->is_idle && strlen(buf) + 1 < len)
			strcat(buf, "*");
		return buf;
	case TOP_COL_RX: return fmt_bytes(r->rx, buf, len);
	case TOP_COL_TX: return fmt_bytes(r->tx, buf, len);
	case TOP_COL_RECVQ: return uint_cell(r->recvq, buf, len);
	case TOP_COL_SENDQ: return uint_cell(r->sendq, buf, len);
	case TOP_COL_SERVICE: return r->service[0] ? r->service : "-";
	case TOP_COL_CONTAINER: return r->place[0] ? r->place : "-";
	case TOP_COL_PROCS: return uint_cell(r->processes, buf, len);
	case TOP_COL_MAX_FD_PCT:
		if (top_max_fd_pct(r) < 0)
			return "-";
		return fmt_percent(r->worst_fds, r->worst_fd_limit, buf, len);
	case TOP_COL_RPORT: return uint_cell(r->port, buf, len);
	case TOP_COL_FD_ETA: return fmt_fd_eta(&r->fd_eta, buf, len);
	case TOP_COL_BROKEN:
		return r->health_known ? uint_cell(sc_health_unhealthy(&r->health), buf, len) : "-";
	case TOP_COL_HEALTH: return health_cell(&r->health_of, buf, len);
	case TOP_COL_COUNT: break;
	}
	return "";
}

void top_totals_line(const struct top_frame *f, char *buf, size_t len)
{
	const struct sc_summary *s = &f->sum;
	char mem[32], opened[32] = "-", closed[32] = "-", idle[8];

	if (f->rates_known) {
		snprintf(opened, sizeof(opened), "%.1f/s", f->opened_per_s);
		snprintf(closed, sizeof(closed), "%.1f/s", f->closed_per_s);
	}
	snprintf(buf, len,
		 "%llu established, %llu idle (%s), opened %s, closed %s, "
		 "socket memory %s, %zu processes",
		 (unsigned long long)s->connections, (unsigned long long)s->idle_connections,
		 fmt_percent(s->idle_connections, s->connections, idle, sizeof(idle)), opened, closed,
		 fmt_bytes(s->socket_memory_bytes, mem, sizeof(mem)), s->nprocs);
}

void top_health_line(const struct top_frame *f, char *buf, size_t len)
{
	const struct sc_health_tally *h = &f->health;
	char text[256];
	double ago;

	if (!h->wall_ns) {
		snprintf(buf, len, "health: the first pass comes with the first frame");
		return;
	}
	ago = (double)(sc_clock_ns(CLOCK_REALTIME) - h->wall_ns) / 1e9;
	snprintf(buf, len, "health: %s (judged %.0fs ago)",
		 health_counts_text(&h->host, text, sizeof(text)), ago < 0 ? 0 : ago);
}

void top_policy_line(const struct top_frame *f, double delay_s, char *buf, size_t len)
{
	const struct sc_summary *s = &f->sum;
	struct sc_heartbeat_watch watch;
	char after[32], walked[48], mark[48], note[52] = "";

	if (s->walked_ns >= s->taken_ns)
		snprintf(walked, sizeof(walked), "walk");
	else
		snprintf(walked, sizeof(walked), "%llu changes since a walk %.0fs ago",
			 (unsigned long long)s->changes, (double)(s->taken_ns - s->walked_ns) / 1e9);
	/* Until the programs have watched idle-after, heartbeat-only connections are not idle:
	 * said beside the threshold, where a narrow terminal still shows it. */
	watch = sc_heartbeat_watch(&s->policy, s->hook != SC_HOOK_NONE, s->attached_ns,
				   s->taken_ns);
	if (sc_heartbeat_watch_mark(&watch, mark, sizeof(mark)))
		snprintf(note, sizeof(note), " (%s)", mark);
	snprintf(buf, len,
		 "idle after %s, heartbeat <= %llu B%s, activity hook %s, refresh %.1fs, "
		 "collected in %.0f ms (%s)",
		 fmt_duration_ms(s->policy.idle_after_ms, after, sizeof(after)),
		 (unsigned long long)s->policy.heartbeat_bytes, note, sc_hook_name(s->hook), delay_s,
		 (double)s->collect_ns / 1e6, walked);
}

static const char *bound(__u32 s, char *buf, size_t len)
{
	if (s >= 3600 && s % 3600 == 0)
		snprintf(buf, len, "%uh", s / 3600);
	else if (s >= 60 && s % 60 == 0)
		snprintf(buf, len, "%um", s / 60);
	else
		snprintf(buf, len, "%us", s);
	return buf;
}

void top_hist_line(const struct top_frame *f, char *buf, size_t len)
{
	const struct sc_idle_hist *h = &f->sum.idle_hist;
	size_t used, b;
	char le[16];

	used = (size_t)snprintf(buf, len, "idle for");
	for (b = 0; b <= SC_IDLE_BUCKETS && used < len; b++) {
		__u32 s = sc_idle_bucket_s[b < SC_IDLE_BUCKETS ? b : SC_IDLE_BUCKETS - 1];

		used += (size_t)snprintf(buf + used, len - used, "  %s%s %llu",
					 b < SC_IDLE_BUCKETS ? "<=" : ">", bound(s, le, sizeof(le)),
					 (unsigned long long)h->count[b]);
	}
}

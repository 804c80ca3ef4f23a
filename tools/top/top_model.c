// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* qsort_r, strcasestr */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common.h"
#include "top_model.h"


const struct top_column top_columns[TOP_COL_COUNT] = {
	[TOP_COL_PID] = { "pid", "PID", 8, false, false },
	[TOP_COL_COMM] = { "command", "COMMAND", 16, true, true },
	[TOP_COL_CONN] = { "conn", "CONN", 8, false, false },
	[TOP_COL_IDLE] = { "idle", "IDLE", 8, false, false },
	[TOP_COL_IDLE_PCT] = { "idle%", "IDLE%", 6, false, false },
	[TOP_COL_FDS] = { "fds", "FDS", 7, false, false },
	[TOP_COL_FD_LIMIT] = { "fdlimit", "FD LIMIT", 9, false, false },
	[TOP_COL_FD_PCT] = { "fd%", "FD%", 5, false, false },
	[TOP_COL_SOCK_MEM] = { "sockmem", "SOCK MEM", 10, false, false },
	[TOP_COL_RSS] = { "rss", "RSS", 10, false, false },
	[TOP_COL_RSS_CONN] = { "rss/conn", "RSS/CONN", 10, false, false },
	[TOP_COL_CONN_RATE] = { "conn/s", "CONN/s", 8, false, false },
	[TOP_COL_PORT] = { "port", "PORT", 6, false, false },
	[TOP_COL_LISTENERS] = { "listeners", "LISTENERS", 9, false, false },
	[TOP_COL_ACCEPTQ] = { "acceptq", "ACCEPT Q", 12, false, false },
	[TOP_COL_FD] = { "fd", "FD", 6, false, false },
	[TOP_COL_STATE] = { "state", "STATE", 10, true, true },
	[TOP_COL_LOCAL] = { "local", "LOCAL", 24, true, true },
	[TOP_COL_REMOTE] = { "remote", "REMOTE", 24, true, true },
	[TOP_COL_IDLE_FOR] = { "idlefor", "IDLE FOR", 9, false, false },
	[TOP_COL_RX] = { "rx", "BYTES IN", 10, false, false },
	[TOP_COL_TX] = { "tx", "BYTES OUT", 10, false, false },
	[TOP_COL_RECVQ] = { "recvq", "RECV-Q", 7, false, false },
	[TOP_COL_SENDQ] = { "sendq", "SEND-Q", 7, false, false },
	[TOP_COL_SERVICE] = { "service", "SERVICE", 28, true, true },
	[TOP_COL_PROCS] = { "procs", "PROCS", 6, false, false },
	[TOP_COL_MAX_FD_PCT] = { "maxfd%", "MAX FD%", 8, false, false },
	[TOP_COL_RPORT] = { "rport", "REMOTE PORT", 11, false, false },
	[TOP_COL_FD_ETA] = { "fdeta", "FD ETA", 6, false, false },
	[TOP_COL_BROKEN] = { "broken", "BROKEN", 7, false, false },
	[TOP_COL_HEALTH] = { "health", "HEALTH", 18, true, true },
	[TOP_COL_CONTAINER] = { "container", "CONTAINER", 32, true, true },
};

static const enum top_col proc_cols[] = {
	TOP_COL_PID, TOP_COL_COMM, TOP_COL_CONN, TOP_COL_IDLE, TOP_COL_IDLE_PCT, TOP_COL_FDS,
	TOP_COL_FD_LIMIT, TOP_COL_FD_PCT, TOP_COL_SOCK_MEM, TOP_COL_RSS, TOP_COL_RSS_CONN,
	TOP_COL_CONN_RATE, TOP_COL_BROKEN, TOP_COL_FD_ETA, TOP_COL_CONTAINER, TOP_COL_COUNT,
};
static const enum top_col port_cols[] = {
	TOP_COL_PORT, TOP_COL_CONN, TOP_COL_IDLE, TOP_COL_IDLE_PCT, TOP_COL_LISTENERS,
	TOP_COL_ACCEPTQ, TOP_COL_COUNT,
};
static const enum top_col outbound_cols[] = {
	TOP_COL_RPORT, TOP_COL_CONN, TOP_COL_IDLE, TOP_COL_IDLE_PCT, TOP_COL_PROCS,
	TOP_COL_SOCK_MEM, TOP_COL_COUNT,
};
static const enum top_col conn_cols[] = {
	TOP_COL_PID, TOP_COL_COMM, TOP_COL_FD, TOP_COL_STATE, TOP_COL_LOCAL, TOP_COL_REMOTE,
	TOP_COL_IDLE_FOR, TOP_COL_RX, TOP_COL_TX, TOP_COL_RECVQ, TOP_COL_SENDQ, TOP_COL_HEALTH,
	TOP_COL_COUNT,
};
static const enum top_col service_cols[] = {
	TOP_COL_SERVICE, TOP_COL_PROCS, TOP_COL_CONN, TOP_COL_IDLE, TOP_COL_IDLE_PCT, TOP_COL_FDS,
	TOP_COL_MAX_FD_PCT, TOP_COL_SOCK_MEM, TOP_COL_BROKEN, TOP_COL_FD_ETA, TOP_COL_COUNT,
};
const enum top_col *const top_view_columns[TOP_VIEW_COUNT] = {
	[TOP_VIEW_SERVICES] = service_cols,
	[TOP_VIEW_PROCS] = proc_cols,
	[TOP_VIEW_PORTS] = port_cols,
	[TOP_VIEW_OUTBOUND] = outbound_cols,
	[TOP_VIEW_CONNS] = conn_cols,
};

int top_col_by_name(const char *name, enum top_col *col)
{
	const enum top_col *c;

	for (c = proc_cols; *c != TOP_COL_COUNT; c++)
		if (!strcasecmp(name, top_columns[*c].name)) {
			*col = *c;
			return 0;
		}
	return -1;
}

void top_model_init(struct top_model *m)
{
	memset(m, 0, sizeof(*m));
	m->sort[TOP_VIEW_PROCS] = TOP_COL_CONN;
	m->sort[TOP_VIEW_PORTS] = TOP_COL_CONN;
	m->sort[TOP_VIEW_OUTBOUND] = TOP_COL_CONN;
	m->sort[TOP_VIEW_CONNS] = TOP_COL_IDLE_FOR;
	m->sort[TOP_VIEW_SERVICES] = TOP_COL_CONN;
}

double top_pct(__u64 part, __u64 whole)
{
	return whole ? (double)part * 100.0 / (double)whole : 0;
}

double top_fd_pct(const struct top_row *r)
{
	if (!r->fd_limit || r->fd_limit == RLIM_INFINITY)
		return -1;
	return top_pct(r->fds, r->fd_limit);
}

double top_max_fd_pct(const struct top_row *r)
{
	if (!r->worst_fd_limit || r->worst_fd_limit == RLIM_INFINITY)
		return -1;
	return top_pct(r->worst_fds, r->worst_fd_limit);
}

double top_fd_eta_s(const struct top_row *r)
{
	if (r->fd_eta.why != SC_FD_ETA_OK && r->fd_eta.why != SC_FD_ETA_AT_LIMIT)
		return -1;
	return r->fd_eta.eta_s;
}

double top_rss_per_conn(const struct top_row *r)
{
	if (!r->rss_known || !r->conns)
		return -1;
	return (double)r->rss / (double)r->conns;
}

/* Numeric sort key; unknown values are -1 so they sort last when descending. */
static double value(const struct top_row *r, enum top_col c)
{
	switch (c) {
	case TOP_COL_PID: return r->pid;
	case TOP_COL_CONN: return (double)r->conns;
	case TOP_COL_IDLE: return (double)r->idle;
	case TOP_COL_IDLE_PCT: return top_pct(r->idle, r->conns);
	case TOP_COL_FDS: return (double)r->fds;
	case TOP_COL_FD_LIMIT: return r->fd_limit == RLIM_INFINITY ? 1e300 : (double)r->fd_limit;
	case TOP_COL_FD_PCT: return top_fd_pct(r);
	case TOP_COL_SOCK_MEM: return (double)r->sock_mem;
	case TOP_COL_RSS: return r->rss_known ? (double)r->rss : -1;
	case TOP_COL_RSS_CONN: return top_rss_per_conn(r);
	case TOP_COL_CONN_RATE: return r->rate_known ? r->conn_rate : -1e300;
	case TOP_COL_PORT: return r->port;
	case TOP_COL_LISTENERS: return r->listeners;
	case TOP_COL_ACCEPTQ: return r->acceptq;
	case TOP_COL_FD: return r->fd;
	case TOP_COL_IDLE_FOR: return r->has_idle ? (double)r->idle_ms : -1;
	case TOP_COL_RX: return (double)r->rx;
	case TOP_COL_TX: return (double)r->tx;
	case TOP_COL_RECVQ: return r->recvq;
	case TOP_COL_SENDQ: return r->sendq;
	case TOP_COL_PROCS: return (double)r->processes;
	case TOP_COL_MAX_FD_PCT: return top_max_fd_pct(r);
	case TOP_COL_RPORT: return r->port;
	/* The soonest first (biggest first is the default order); none last. */
	case TOP_COL_FD_ETA: return top_fd_eta_s(r) < 0 ? -1e300 : -top_fd_eta_s(r);
	case TOP_COL_BROKEN: return r->health_known ? (double)sc_health_unhealthy(&r->health) : -1;
	default: return 0;
	}
}

static const char *text(const struct top_row *r, enum top_col c)
{
	switch (c) {
	case TOP_COL_COMM: return r->comm;
	case TOP_COL_STATE: return r->state ? r->state : "";
	case TOP_COL_LOCAL: return r->local;
	case TOP_COL_REMOTE: return r->remote;
	case TOP_COL_SERVICE: return r->service;
	case TOP_COL_CONTAINER: return r->place;
	case TOP_COL_HEALTH: return sc_health_name(r->health_of.health);
	default: return "";
	}
}

struct sort_ctx {
	const struct top_row *rows;
	enum top_col col;
	bool invert;
};

/* Numbers: biggest first; text: A to Z; invert flips either. */
static int cmp_order(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *ctx = arg;
	const struct top_row *x = &ctx->rows[*(const size_t *)a];
	const struct top_row *y = &ctx->rows[*(const size_t *)b];
	int c;

	if (top_columns[ctx->col].text)
		c = strcmp(text(x, ctx->col), text(y, ctx->col));
	else
		c = CMP(value(y, ctx->col), value(x, ctx->col));
	if (ctx->invert)
		c = -c;
	return c ?: CMP(x->id, y->id) ?: CMP(x->pid, y->pid);
}

size_t top_order(const struct top_row *rows, size_t n, const struct top_model *m,
		 enum top_view view, size_t *order)
{
	struct sort_ctx ctx = { rows, m->sort[view], m->invert[view] };
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		/* Entered from the services view: that service's processes. */
		if (view == TOP_VIEW_PROCS && m->service_id && rows[i].service_id != m->service_id)
			continue;
		if (!m->filter[0] || top_row_matches(&rows[i], m->filter))
			order[k++] = i;
	}
	if (k > 1)
		qsort_r(order, k, sizeof(*order), cmp_order, &ctx);
	return k;
}

bool top_row_matches(const struct top_row *r, const char *t)
{
	char num[16];

	if (!t[0])
		return true;
	if (strcasestr(r->comm, t) || strcasestr(r->local, t) || strcasestr(r->remote, t) ||
	    strcasestr(r->service, t) || strcasestr(r->place, t) ||
	    (r->state && strcasestr(r->state, t)))
		return true;
	if (r->pid) {
		snprintf(num, sizeof(num), "%u", r->pid);
		if (strstr(num, t))
			return true;
	}
	if (r->port) {
		snprintf(num, sizeof(num), "%u", r->port);
		if (strstr(num, t))
			return true;
	}
	return false;
}

long top_search(const struct top_row *rows, const size_t *order, size_t n, size_t from,
		bool inclusive, const char *t)
{
	size_t i;

	if (!n || !t[0])
		return -1;
	for (i = inclusive ? 0 : 1; i <= n; i++) {
		size_t pos = (from + i) % n;

		if (top_row_matches(&rows[order[pos]], t))
			return (long)pos;
	}
	return -1;
}

void top_select(struct top_model *m, enum top_view view, const struct top_row *rows,
		const size_t *order, size_t n, long pos)
{
	if (!n) {
		m->selected[view] = 0;
		return;
	}
	if (pos < 0)
		pos = 0;
	if ((size_t)pos >= n)
		pos = (long)n - 1;
	m->selected[view] = (size_t)pos;
	m->selected_id[view] = rows[order[pos]].id;
	m->selected_pid[view] = rows[order[pos]].pid;
}

void top_follow_selection(struct top_model *m, enum top_view view, const struct top_row *rows,
			  const size_t *order, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct top_row *r = &rows[order[i]];

		if (r->id == m->selected_id[view] && r->pid == m->selected_pid[view]) {
			m->selected[view] = i;
			return;
		}
	}
	top_select(m, view, rows, order, n, (long)m->selected[view]);
}

bool top_tag_toggle(struct top_model *m, __u32 pid)
{
	size_t i;

	for (i = 0; i < m->ntags; i++)
		if (m->tags[i] == pid) {
			m->tags[i] = m->tags[--m->ntags];
			return true;
		}
	if (m->ntags == TOP_MAX_TAGS)
		return false;
	m->tags[m->ntags++] = pid;
	return true;
}

bool top_is_tagged(const struct top_model *m, __u32 pid)
{
	size_t i;

	for (i = 0; i < m->ntags; i++)
		if (m->tags[i] == pid)
			return true;
	return false;
}

enum top_col top_sort_step(enum top_view view, enum top_col col, int dir)
{
	const enum top_col *cols = top_view_columns[view];
	size_t n = 0, i, at = 0;

	while (cols[n] != TOP_COL_COUNT)
		n++;
	for (i = 0; i < n; i++)
		if (cols[i] == col)
			at = i;
	return cols[(at + n + (dir > 0 ? 1 : n - 1)) % n];
}

bool top_counter_rate(__u64 prev, __u64 now, __u64 dt_ns, double *per_s)
{
	if (!dt_ns || now < prev)
		return false;
	*per_s = (double)(now - prev) * 1e9 / (double)dt_ns;
	return true;
}

static const __u64 idle_steps_s[] = {
	1, 2, 3, 5, 10, 15, 30, 60, 120, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 86400,
};
#define NSTEPS (ARRAY_SIZE(idle_steps_s))

__u64 top_idle_after_step(__u64 ms, int dir)
{
	size_t i;

	if (dir > 0) {
		for (i = 0; i < NSTEPS; i++)
			if (idle_steps_s[i] * 1000 > ms)
				return idle_steps_s[i] * 1000;
		return idle_steps_s[NSTEPS - 1] * 1000;
	}
	for (i = NSTEPS; i-- > 0;)
		if (idle_steps_s[i] * 1000 < ms)
			return idle_steps_s[i] * 1000;
	return idle_steps_s[0] * 1000;
}

static struct top_history_entry *find_in(struct top_history_entry *e, size_t n, __u32 pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (e[mid].pid == pid)
			return &e[mid];
		if (e[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int cmp_entry_pid(const void *a, const void *b)
{
	const struct top_history_entry *x = a, *y = b;

	return CMP(x->pid, y->pid);
}

int top_history_update(struct top_history *h, struct top_row *rows, size_t n, __u64 now_ns)
{
	size_t i, k, old = h->n;

	for (i = 0; i < h->n; i++)
		h->e[i].fresh = false;
	for (i = 0; i < n; i++) {
		struct top_row *r = &rows[i];
		/* New entries go past the sorted part, which is all that is searched. */
		struct top_history_entry *e = find_in(h->e, old, r->pid);

		if (e) {
			r->rate_known = e->seen_ns && now_ns > e->seen_ns;
			if (r->rate_known)
				r->conn_rate = ((double)r->conns - (double)e->conns) * 1e9 /
					       (double)(now_ns - e->seen_ns);
		} else {
			if (h->n == h->cap) {
				size_t cap = h->cap ? h->cap * 2 : 64;
				void *p = realloc(h->e, cap * sizeof(*h->e));

				if (!p)
					return -ENOMEM;
				h->e = p;
				h->cap = cap;
			}
			e = &h->e[h->n++];
			memset(e, 0, sizeof(*e));
			e->pid = r->pid;
			r->rate_known = false;
		}
		e->conns = r->conns;
		e->seen_ns = now_ns;
		e->fresh = true;
	}
	/* Drop processes that went away (or left the table): pids get reused. */
	for (i = k = 0; i < h->n; i++)
		if (h->e[i].fresh)
			h->e[k++] = h->e[i];
	h->n = k;
	qsort(h->e, h->n, sizeof(*h->e), cmp_entry_pid);
	return 0;
}

void top_history_add_private(struct top_history *h, __u32 pid, __u64 conns, __u64 bytes)
{
	struct top_history_entry *e = find_in(h->e, h->n, pid);

	if (e)
		sc_marginal_add(&e->marginal, conns, bytes);
}

const struct sc_marginal *top_history_marginal(const struct top_history *h, __u32 pid)
{
	const struct top_history_entry *e = find_in(h->e, h->n, pid);

	return e ? &e->marginal : NULL;
}

void top_history_free(struct top_history *h)
{
	free(h->e);
	memset(h, 0, sizeof(*h));
}

void top_cookie_churn(const __u64 *prev, size_t nprev, const __u64 *now, size_t nnow,
		      __u64 *appeared, __u64 *gone)
{
	size_t i = 0, j = 0;

	*appeared = *gone = 0;
	while (i < nprev || j < nnow) {
		if (j == nnow || (i < nprev && prev[i] < now[j])) {
			(*gone)++;
			i++;
		} else if (i == nprev || now[j] < prev[i]) {
			(*appeared)++;
			j++;
		} else {
			i++;
			j++;
		}
	}
}

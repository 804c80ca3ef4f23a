// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "proc_mem.h"
#include "proc_stat.h"
#include "snapshot.h"
#include "snapshot_take.h"
#include "estimates.h"
#include "top_frame.h"
#include "top_places.h"
#include "tracker.h"
#include "top_rows.h"
#include "view.h"

void top_frame_init(struct top_frame *f, double refresh_s, double fd_window_s)
{
	struct sc_container_dirs dirs;

	memset(f, 0, sizeof(*f));
	f->scope.port = -1;
	f->refresh_ns = (__u64)(refresh_s * 1e9);
	sc_health_policy_default(&f->health_policy);
	sc_fd_trends_init(&f->fd_trends, fd_window_s);
	sc_container_dirs_default(&dirs);
	sc_container_cache_init(&f->places, &dirs);
	/* Three refreshes' worth, so a slow frame does not lose changes. */
	sc_summary_live_init(&f->live, (__u64)((3 * refresh_s + 10) * 1e9));
}

void top_frame_free(struct top_frame *f)
{
	__u64 lease_ns = f->live.lease_ns, window_ns = f->fd_trends.window_ns;
	__u64 refresh_ns = f->refresh_ns;
	struct sc_health_policy health_policy = f->health_policy;
	struct sc_container_dirs dirs = f->places.dirs;

	if (f->have_sum)
		sc_summary_free(&f->sum);
	free(f->procs);
	free(f->ports);
	free(f->outbound);
	free(f->conns);
	free(f->services);
	free(f->cookies);
	top_history_free(&f->hist);
	sc_fd_trends_free(&f->fd_trends);
	sc_health_tally_free(&f->health);
	sc_container_cache_free(&f->places);
	sc_summary_live_free(&f->live);
	memset(f, 0, sizeof(*f));
	f->scope.port = -1;
	sc_summary_live_init(&f->live, lease_ns);
	f->fd_trends.window_ns = window_ns;
	f->refresh_ns = refresh_ns;
	f->health_policy = health_policy;
	sc_container_cache_init(&f->places, &dirs);
}

/* A health pass every refresh while that is cheap (sc_health_pass_every). */
static void health_pass_if_due(struct top_frame *f, const struct sc_tracker *t,
			       const struct sc_summary *sum)
{
	__u64 now = sc_mono_ns(), every = f->refresh_ns;
	struct sc_health_tally fresh;
	__u32 missed;

	if (f->health.wall_ns && now < f->next_health_ns)
		return;
	if (sc_health_pass(&f->live, t, &f->health_policy, sum, &fresh, &missed)) {
		f->next_health_ns = now + every;
		return;
	}
	f->next_health_ns = now + sc_health_pass_every(fresh.took_ns, every, SC_HEALTH_PASS_SHARE_TOP);
	sc_health_tally_free(&f->health);
	f->health = fresh;
	f->health_netns_missed = missed;
}

/* Each process's health from the latest pass; a service's is its members' sum. */
static void apply_health(const struct sc_health_tally *h, struct top_row *procs, size_t nprocs,
			 struct top_row *services, size_t nservices)
{
	size_t i, k;

	if (!h->wall_ns)
		return;
	for (k = 0; k < nservices; k++)
		services[k].health_known = true;
	for (i = 0; i < nprocs; i++) {
		const struct sc_health_counts *c = sc_health_tally_pid(h, procs[i].pid);

		/* A process newer than the pass: not judged yet ("-"). */
		if (!c)
			continue;
		procs[i].health_known = true;
		procs[i].health = *c;
		for (k = 0; k < nservices; k++)
			if (services[k].id == procs[i].service_id) {
				sc_health_counts_add(&services[k].health, c);
				break;
			}
	}
}

/*
 * Each process row's open fds into its trend, keyed by pid and start time
 * (a reused pid starts anew), and its ETA; processes not in this frame are
 * forgotten. A process gone before its start time is read gets no sample.
 */
static int update_fd_eta(struct sc_fd_trends *t, struct top_row *procs, size_t n, __u64 now_ns)
{
	__u64 *start = calloc(n ? n : 1, sizeof(*start));
	size_t i;

	if (!start)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct top_row *r = &procs[i];

		if (r->fds == SC_FDS_UNKNOWN || sc_proc_start_ticks(r->pid, &start[i])) {
			start[i] = (__u64)-1;
			continue;
		}
		if (sc_fd_trends_add(t, r->pid, start[i], now_ns, r->fds, r->fd_limit)) {
			free(start);
			return -ENOMEM;
		}
	}
	sc_fd_trends_sweep(t);
	for (i = 0; i < n; i++)
		sc_fd_trend_eta(start[i] == (__u64)-1 ? NULL
				: sc_fd_trends_find(t, procs[i].pid, start[i]), &procs[i].fd_eta);
	free(start);
	return 0;
}

int top_frame_collect(struct top_frame *f, const struct sc_tracker *t,
		      const struct sc_idle_policy *policy, const __u32 *pids, size_t npids)
{
	struct sc_summary sum;
	struct top_row *procs = NULL, *ports = NULL, *services = NULL, *outbound = NULL;
	size_t nprocs = 0, nports = 0, nservices = 0, noutbound = 0;
	bool grouped = false;
	int err;

	f->t = t;
	err = sc_summary_live_collect(&f->live, &sum, t, policy);
	if (err)
		return err;
	if (top_rows_procs(&sum, pids, npids, &procs, &nprocs) ||
	    top_rows_ports(&sum, &ports, &nports) ||
	    top_rows_services(&sum, procs, nprocs, &services, &nservices, &grouped) ||
	    top_rows_outbound(&sum, &outbound, &noutbound) ||
	    top_history_update(&f->hist, procs, nprocs, sum.taken_ns) ||
	    update_fd_eta(&f->fd_trends, procs, nprocs, sum.taken_ns) ||
	    top_places_fill(&f->places, &sum, procs, nprocs)) {
		free(procs);
		free(ports);
		free(services);
		free(outbound);
		sc_summary_free(&sum);
		return sc_fail(ENOMEM, "out of memory");
	}
	if (f->have_sum) {
		__u64 dt = sum.taken_ns - f->sum.taken_ns;

		f->rates_known =
			top_counter_rate(f->sum.counters.opened, sum.counters.opened, dt,
					 &f->opened_per_s) &&
			top_counter_rate(f->sum.counters.closed, sum.counters.closed, dt,
					 &f->closed_per_s);
		sc_summary_free(&f->sum);
	}
	top_rows_services_fd_eta(services, nservices, procs, nprocs);
	health_pass_if_due(f, t, &sum);
	apply_health(&f->health, procs, nprocs, services, nservices);
	free(f->procs);
	free(f->ports);
	free(f->services);
	f->services = services;
	f->nservices = nservices;
	f->services_grouped = grouped;
	free(f->outbound);
	f->sum = sum;
	f->have_sum = true;
	f->procs = procs;
	f->nprocs = nprocs;
	f->ports = ports;
	f->nports = nports;
	f->outbound = outbound;
	f->noutbound = noutbound;
	f->number++;
	return 0;
}

static bool same_scope(const struct top_scope *a, const struct top_scope *b)
{
	return a->port == b->port && a->npids == b->npids &&
	       !memcmp(a->pids, b->pids, a->npids * sizeof(a->pids[0]));
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return (x > y) - (x < y);
}

/* Per-second appeared/gone sockets of the scope, from the cookie lists of two frames. */
static int update_churn(struct top_frame *f, const struct top_row *rows, size_t n,
			__u64 taken_ns, bool new_scope)
{
	__u64 *cookies = malloc((n ? n : 1) * sizeof(*cookies)), appeared, gone;
	size_t i;

	if (!cookies)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		cookies[i] = rows[i].id;
	qsort(cookies, n, sizeof(*cookies), cmp_u64);
	f->churn_known = !new_scope && f->cookies && taken_ns > f->conns_taken_ns;
	if (f->churn_known) {
		double dt = (double)(taken_ns - f->conns_taken_ns) / 1e9;

		top_cookie_churn(f->cookies, f->ncookies, cookies, n, &appeared, &gone);
		f->appeared_per_s = (double)appeared / dt;
		f->gone_per_s = (double)gone / dt;
	}
	free(f->cookies);
	f->cookies = cookies;
	f->ncookies = n;
	return 0;
}

int top_frame_collect_conns(struct top_frame *f, const struct sc_tracker *t,
			    const struct sc_idle_policy *policy, const struct top_scope *scope)
{
	/* A single pid or a port narrows the view itself; several pids are kept below. */
	struct sc_filter filter = {
		.pid = scope->npids == 1 ? scope->pids[0] : 0,
		.port = scope->port,
		.health = f->health_policy,
	};
	bool new_scope = !same_scope(&f->scope, scope);
	struct sc_snapshot *snap;
	struct top_row *rows = NULL;
	struct sc_view view;
	size_t n = 0;
	__u64 start = sc_mono_ns(), taken;
	int err;

	/* Everything but the storage count, which no frame shows. */
	snap = sc_snapshot_take(t, &(struct sc_take_scope){ .port = -1, .no_storage_count = true });
	if (!snap)
		return -EIO;
	taken = snap->taken_ns;
	err = sc_view_build(&view, snap, policy, &filter);
	if (!err) {
		err = top_rows_conns(&view, scope->pids, scope->npids, &rows, &n);
		sc_view_free(&view);
	}
	/* The rows hold copies, so the snapshot goes now: only this view pays for it. */
	sc_snapshot_free(snap);
	if (!err)
		err = update_churn(f, rows, n, taken, new_scope);
	if (err) {
		free(rows);
		return sc_fail(ENOMEM, "out of memory");
	}
	free(f->conns);
	f->conns = rows;
	f->nconns = n;
	f->scope = *scope;
	f->conns_taken_ns = taken;
	f->conns_collect_ns = sc_mono_ns() - start;
	return 0;
}

bool top_col_needs_rss(enum top_col col)
{
	return col == TOP_COL_RSS || col == TOP_COL_RSS_CONN;
}

void top_frame_read_rss(struct top_frame *f, const size_t *order, size_t from, size_t count)
{
	size_t i;

	for (i = from; i < from + count; i++) {
		struct top_row *r = &f->procs[order[i]];

		if (r->rss_known)
			continue;
		struct sc_proc_mem mem;

		/* Private memory feeds the marginal estimate; RSS is shown as such. */
		if (!sc_proc_mem_read(r->pid, &mem)) {
			r->rss = mem.rss;
			r->private_bytes = mem.private_bytes;
			r->rss_known = r->private_known = true;
			top_history_add_private(&f->hist, r->pid, r->conns, mem.private_bytes);
			continue;
		}
		/* Gone since the summary, or not ours to read: both stay unknown. */
		if (!sc_proc_rss_bytes(r->pid, &r->rss))
			r->rss_known = true;
	}
}

bool top_frame_marginal(const struct top_frame *f, __u32 pid, struct sc_marginal_est *e,
			bool *from_daemon)
{
	const struct sc_marginal *m = top_history_marginal(&f->hist, pid);
	struct sc_marginal_est own;

	*from_daemon = false;
	if (m && sc_marginal_estimate(m, e))
		return true;
	own = m ? *e : (struct sc_marginal_est){ .why = SC_MARGINAL_FEW_SAMPLES };
	if (f->t && sc_estimates_read(f->t, pid, e)) {
		*from_daemon = true;
		return true;
	}
	*e = own;
	return false;
}

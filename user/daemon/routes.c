// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "clock.h"
#include "daemon.h"
#include "collector.h"
#include "idle_events.h"
#include "log.h"
#include "managed.h"
#include "metrics.h"
#include "proc_mem.h"
#include "snapshot.h"
#include "snapshot_json.h"
#include "snapshot_take.h"
#include "socket_fields.h"
#include "summary.h"
#include "tcp_mem_read.h"
#include "version.h"
#include "view.h"

int daemon_init(struct daemon *d)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	d->start_time_s = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
	d->last_scrape_s = -1;
	atomic_init(&d->snapshot_busy, false);
	return pthread_mutex_init(&d->scrape_lock, NULL) ? -1 : 0;
}

void daemon_fini(struct daemon *d)
{
	pthread_mutex_destroy(&d->scrape_lock);
}

bool daemon_wait_snapshot(struct daemon *d, double timeout_s)
{
	double end = ((double)sc_mono_ns() / 1e9) + timeout_s;

	while (atomic_load(&d->snapshot_busy)) {
		if (((double)sc_mono_ns() / 1e9) > end)
			return false;
		usleep(10000);
	}
	return true;
}

static const char landing[] =
	"<!DOCTYPE html>\n<html><head><title>sockcostd</title></head><body>\n"
	"<h1>sockcostd " SOCKCOST_VERSION "</h1>\n"
	"<p>TCP connection cost per host, process and listening port.</p>\n<ul>\n"
	"<li><a href=\"/metrics\">/metrics</a>: Prometheus text format</li>\n"
	"<li><a href=\"/snapshot.json\">/snapshot.json</a>: every connection, as "
	"<code>sockcost snapshot --json</code> (with <code>--enable-snapshot</code>)</li>\n"
	"<li><a href=\"/healthz\">/healthz</a>: liveness</li>\n"
	"</ul></body></html>\n";

static void serve_landing(void *ctx, bool head, struct http_reply *r)
{
	(void)ctx;
	(void)head;
	r->content_type = "text/html; charset=utf-8";
	r->text = landing;
}

static void serve_healthz(void *ctx, bool head, struct http_reply *r)
{
	(void)ctx;
	(void)head;
	r->text = "ok\n";
}

static __u64 count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	__u64 n = 0;

	if (!dir)
		return 0;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n > 0 ? n - 1 : 0; /* the directory's own fd */
}

static void self_stats(struct sc_metrics_self *x, const struct daemon *d)
{
	struct rusage ru;
	struct rlimit rl;

	if (!getrusage(RUSAGE_SELF, &ru))
		x->cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
				 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	sc_proc_rss_bytes((__u32)getpid(), &x->resident_bytes);
	x->start_time_seconds = d->start_time_s;
	x->open_fds = count_fds();
	if (!getrlimit(RLIMIT_NOFILE, &rl))
		x->max_fds = rl.rlim_cur;
}

static void fail(struct http_reply *r, unsigned status, const char *text)
{
	r->status = status;
	r->content_type = "text/plain; charset=utf-8";
	r->text = text;
	r->body = NULL;
	r->stream_fd = -1;
}

/*
 * Each service's health: its processes' counts from the latest pass (a
 * pass counts a socket for its first holder, so members' sums count it
 * once). NULL when out of memory: no per-service series this scrape.
 */
static struct sc_health_counts *services_health(const struct sc_summary *sum,
						const struct sc_health_tally *h,
						const size_t *member_of, size_t nservices)
{
	struct sc_health_counts *out = calloc(nservices ? nservices : 1, sizeof(*out));
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < sum->nprocs; i++) {
		const struct sc_health_counts *c = sc_health_tally_pid(h, sum->procs[i].pid);

		if (c)
			sc_health_counts_add(&out[member_of[i]], c);
	}
	return out;
}

static void serve_metrics(void *ctx, bool head, struct http_reply *r)
{
	struct daemon *d = ctx;
	struct sc_summary sum = {};
	struct sc_metrics_self self = {};
	struct sc_collector_stats walks = {};
	struct sc_metrics_input in = { .self = &self, .version = SOCKCOST_VERSION };
	struct sc_proc_cost *costs = NULL;
	struct sc_container_row *containers = NULL;
	struct sc_service *services = NULL;
	struct sc_health_tally health = {};
	struct sc_health_counts *service_health = NULL;
	struct sc_metrics_health mh = { .tally = &health };
	struct sc_tcp_mem tcp_mem;
	size_t *member_of = NULL;
	size_t ncosts = 0;
	double t0;
	FILE *out;
	int err;

	(void)head; /* HEAD answers the same headers, so it renders too */
	pthread_mutex_lock(&d->scrape_lock);
	t0 = ((double)sc_mono_ns() / 1e9);
	/* The collector keeps it current from changes; a scrape copies or asks a refresh. */
	err = sc_collector_latest(d->collector, &sum, &walks, &costs, &ncosts);
	if (!err) {
		/* A counter: a reading torn by a concurrent update must not show it going back. */
		in.connection_seconds = sc_connection_seconds(&sum.counters, sc_mono_ns());
		if (in.connection_seconds < d->last_connection_seconds)
			in.connection_seconds = d->last_connection_seconds;
		d->last_connection_seconds = in.connection_seconds;
	}
	self.collect_seconds = (double)walks.last_refresh_ns / 1e9;
	self.walk_timestamp_seconds = (double)walks.last_walk_wall_ns / 1e9;
	self.refresh_timestamp_seconds = (double)walks.last_refresh_wall_ns / 1e9;
	self.walk_interval_seconds = (double)walks.walk_every_ns / 1e9;
	self.refresh_interval_seconds = d->interval_s;
	self.walks = walks.walks;
	self.folds = walks.folds;
	self.refreshes = walks.refreshes;
	self.changes = walks.changes;
	self.change_cpu_seconds = (double)walks.change_cpu_ns / 1e9;
	self.change_gap_seconds = walks.change_gap_s;
	self.collect_errors = walks.walk_errors;
	self.last_walk_failed = walks.last_walk_failed;
	if (!err) {
		in.summary = &sum;
		in.top = d->top_processes < sum.nprocs ? d->top_processes : sum.nprocs;
		/* Remote ports are bounded by the same K: no label grows with clients. */
		in.top_outbound = d->top_processes;
		/* The collector read each process's memory; a scrape reads no /proc. */
		in.costs = ncosts >= in.top ? costs : NULL;
		/* Named on the collector thread: a scrape reads no /proc and no runtime state. */
		if (!sc_collector_containers(d->collector, &containers, &in.ncontainers))
			in.containers = containers;
		/* Every service: they are bounded by servers and commands, not processes. */
		member_of = calloc(sum.nprocs ? sum.nprocs : 1, sizeof(*member_of));
		if (member_of &&
		    !sc_services_build(sum.procs, sum.nprocs, &services, &in.nservices, member_of))
			in.services = services;
	}
	if (!sc_collector_health(d->collector, &health)) {
		in.health = &mh;
		if (in.services)
			service_health = services_health(&sum, &health, member_of, in.nservices);
		mh.services = service_health;
		mh.service_names = services;
		mh.nservices = in.nservices;
	}
	mh.interval_seconds = (double)walks.health_every_ns / 1e9;
	mh.passes = walks.health_passes;
	mh.failures = walks.health_failures;
	mh.netns_missed = walks.health_netns_missed;
	self.events_dropped = walks.events_dropped;
	self.events_whole_feeds = walks.events_whole_feeds;
	self.events_touched_feeds = walks.events_touched_feeds;
	self.cgroup_reads = walks.cgroup_reads;
	self.container_name_lookups = walks.container_name_lookups;
	self.last_scrape_seconds = d->last_scrape_s;
	self.scrapes = ++d->scrapes;
	self_stats(&self, d);
	if (!sc_tcp_mem_read(&tcp_mem))
		in.tcp_mem = &tcp_mem;

	out = open_memstream(&r->body, &r->len);
	if (!out || sc_metrics_render(out, &in) | fclose(out)) {
		if (out)
			free(r->body);
		fail(r, 500, "cannot render metrics: out of memory\n");
	} else {
		r->content_type = SC_METRICS_CONTENT_TYPE;
	}
	d->last_scrape_s = ((double)sc_mono_ns() / 1e9) - t0;
	pthread_mutex_unlock(&d->scrape_lock);
	free(costs);
	free(containers);
	free(services);
	free(member_of);
	free(service_health);
	sc_health_tally_free(&health);
	if (!err)
		sc_summary_free(&sum);
}

struct snapshot_job {
	struct daemon *d;
	struct sc_snapshot *snap;
	struct sc_view view;
	FILE *out;
};

/* Streams the document into the pipe the server reads; a client gone early ends it (EPIPE). */
static void *write_snapshot(void *arg)
{
	struct snapshot_job *job = arg;

	sc_view_write_json(&job->view, job->out);
	fclose(job->out);
	sc_view_free(&job->view);
	sc_snapshot_free(job->snap);
	malloc_trim(0);
	atomic_store(&job->d->snapshot_busy, false);
	free(job);
	return NULL;
}

static void serve_snapshot(void *ctx, bool head, struct http_reply *r)
{
	struct daemon *d = ctx;
	struct sc_filter all = { .port = -1, .health = d->health };
	struct snapshot_job *job;
	pthread_attr_t attr;
	pthread_t tid;
	int fds[2];

	if (!d->enable_snapshot)
		return fail(r, 404, "not found: /snapshot.json lists every connection's addresses "
			    "and is off (sockcostd --enable-snapshot)\n");
	r->content_type = "application/json";
	if (head)
		return;
	/* One at a time: a whole snapshot costs memory in proportion to the sockets. */
	if (atomic_exchange(&d->snapshot_busy, true))
		return fail(r, 503, "a snapshot is being taken; retry in a moment\n");
	job = calloc(1, sizeof(*job));
	if (!job)
		goto busy_fail;
	job->d = d;
	job->snap = sc_snapshot_take(d->tracker, NULL);
	if (!job->snap)
		goto free_job;
	if (sc_view_build(&job->view, job->snap, &d->policy, &all))
		goto free_snap;
	if (d->redact_peers)
		job->view.socket_fields = SC_FIELDS_ALL & ~(1ull << SC_F_RADDR);
	if (pipe2(fds, O_CLOEXEC))
		goto free_view;
	job->out = fdopen(fds[1], "w");
	if (!job->out) {
		close(fds[1]);
		goto close_read;
	}
	if (pthread_attr_init(&attr))
		goto close_out;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, write_snapshot, job)) {
		pthread_attr_destroy(&attr);
		goto close_out;
	}
	pthread_attr_destroy(&attr);
	r->stream_fd = fds[0];
	return;

close_out:
	fclose(job->out);
close_read:
	close(fds[0]);
free_view:
	sc_view_free(&job->view);
free_snap:
	sc_snapshot_free(job->snap);
free_job:
	free(job);
busy_fail:
	atomic_store(&d->snapshot_busy, false);
	fail(r, 500, "cannot take a snapshot (see the daemon's log)\n");
}

const struct http_route daemon_routes[] = {
	{ "/", serve_landing },
	{ "/healthz", serve_healthz },
	{ "/metrics", serve_metrics },
	{ "/snapshot.json", serve_snapshot },
};
const size_t daemon_nroutes = ARRAY_SIZE(daemon_routes);

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "common.h"
#include "json_writer.h"
#include "metrics.h"
#include "metrics_container.h"
#include "metrics_outbound.h"
#include "metrics_tcp_mem.h"
#include "names.h"
#include "sockcost.h"

void sc_metrics_label_value(FILE *out, const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t i = 0, n;

	while (i < len) {
		switch (s[i]) {
		case '\\': fputs("\\\\", out); i++; continue;
		case '"': fputs("\\\"", out); i++; continue;
		case '\n': fputs("\\n", out); i++; continue;
		default:
			break;
		}
		n = sc_utf8_seq_len(s + i, len - i);
		if (!n) {
			/* The format wants UTF-8; a process may name itself any bytes. */
			fputs("\xef\xbf\xbd", out);
			i++;
			continue;
		}
		fwrite(s + i, 1, n, out);
		i += n;
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void gauge_u64(FILE *f, const char *name, const char *help, __u64 v)
{
	family(f, name, "gauge", help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static void counter_u64(FILE *f, const char *name, const char *help, __u64 v)
{
	family(f, name, "counter", help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static void gauge_double(FILE *f, const char *name, const char *help, double v)
{
	family(f, name, "gauge", help);
	fprintf(f, "%s %.6f\n", name, v);
}

static void counter_double(FILE *f, const char *name, const char *help, double v)
{
	family(f, name, "counter", help);
	fprintf(f, "%s %.6f\n", name, v);
}

static void label(FILE *f, const char *name, const char *value)
{
	fprintf(f, "%s=\"", name);
	sc_metrics_label_value(f, value, strlen(value));
	fputc('"', f);
}

static void host_metrics(FILE *f, const struct sc_summary *s, double connection_seconds)
{
	const struct sc_idle_hist *h = &s->idle_hist;
	__u64 cum = 0;
	size_t i;

	gauge_u64(f, "sockcost_connections",
		  "Established TCP connections held by processes, all network namespaces "
		  "(one waiting in an accept queue counts from when a change report shows it "
		  "established; a walk sees it only once accepted).",
		  s->connections);
	gauge_u64(f, "sockcost_idle_connections",
		  "Established TCP connections idle under the idle policy.",
		  s->idle_connections);
	counter_u64(f, "sockcost_connections_opened_total",
		    "TCP connections that entered ESTABLISHED since the programs were loaded.",
		    s->counters.opened);
	counter_u64(f, "sockcost_connections_closed_total",
		    "TCP connections that left ESTABLISHED since the programs were loaded.",
		    s->counters.closed);
	family(f, "sockcost_connection_seconds_total", "counter",
	       "Time TCP connections spent established since the programs were loaded, closed "
	       "and live (rate(): average concurrent connections; connections from before "
	       "sockcost count from when it first saw them).");
	fprintf(f, "sockcost_connection_seconds_total %.3f\n", connection_seconds);
	family(f, "sockcost_messages_total", "counter",
	       "Payload send/receive calls larger than the heartbeat size: a call is not always "
	       "one application message (writev, partial reads), and heartbeats are left out.");
	fprintf(f, "sockcost_messages_total{direction=\"received\"} %llu\n",
		(unsigned long long)s->counters.messages[0]);
	fprintf(f, "sockcost_messages_total{direction=\"sent\"} %llu\n",
		(unsigned long long)s->counters.messages[1]);
	gauge_u64(f, "sockcost_socket_memory_bytes",
		  "Kernel memory held by TCP socket queues and forward allocation.",
		  s->socket_memory_bytes);
	gauge_u64(f, "sockcost_processes",
		  "Processes holding TCP sockets (per-process series cover the top ones).",
		  s->nprocs);

	family(f, "sockcost_connection_idle_seconds", "histogram",
	       "Time since the last counting activity of established TCP connections.");
	for (i = 0; i < SC_IDLE_BUCKETS; i++) {
		cum += h->count[i];
		fprintf(f, "sockcost_connection_idle_seconds_bucket{le=\"%u\"} %llu\n",
			sc_idle_bucket_s[i], (unsigned long long)cum);
	}
	cum += h->count[SC_IDLE_BUCKETS];
	fprintf(f, "sockcost_connection_idle_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)cum);
	fprintf(f, "sockcost_connection_idle_seconds_sum %.3f\n", (double)h->sum_ms / 1000.0);
	fprintf(f, "sockcost_connection_idle_seconds_count %llu\n", (unsigned long long)cum);

	gauge_double(f, "sockcost_idle_after_seconds",
		     "Idle policy: a connection is idle after this long without counting activity.",
		     (double)s->policy.idle_after_ms / 1000.0);
	gauge_u64(f, "sockcost_heartbeat_bytes",
		  "Idle policy: send/receive calls of at most this many bytes are not activity.",
		  s->policy.heartbeat_bytes);

	family(f, "sockcost_activity_hook_info", "gauge",
	       "The kernel hook that watches send/receive activity (none: kernel timestamps only).");
	fputs("sockcost_activity_hook_info{", f);
	label(f, "hook", sc_hook_name(s->hook));
	fputs("} 1\n", f);

	counter_u64(f, "sockcost_bpf_storage_failures_total",
		    "Per-socket storage records the BPF programs failed to allocate.",
		    s->counters.storage_failed);
	counter_u64(f, "sockcost_bpf_missed_events_total",
		    "BPF program runs the kernel skipped (recursion on one CPU).",
		    s->bpf_missed_events);
}

/* A per-process value; false when unknown (the process went away, or hides its /proc). */
typedef bool (*proc_field)(const struct sc_summary_proc *p, const struct sc_proc_cost *c,
			   double *v);

static bool p_conns(const struct sc_summary_proc *p, const struct sc_proc_cost *c, double *v)
{
	(void)c;
	*v = (double)p->connections;
	return true;
}

static bool p_idle(const struct sc_summary_proc *p, const struct sc_proc_cost *c, double *v)
{
	(void)c;
	*v = (double)p->idle_connections;
	return true;
}

static bool p_fds(const struct sc_summary_proc *p, const struct sc_proc_cost *c, double *v)
{
	(void)c;
	*v = (double)p->fds;
	return true;
}

static bool p_max_fds(const struct sc_summary_proc *p, const struct sc_proc_cost *c, double *v)
{
	(void)c;
	*v = (double)p->fd_limit;
	return true;
}

static bool p_mem(const struct sc_summary_proc *p, const struct sc_proc_cost *c, double *v)
{
	(void)c;
	*v = (double)p->socket_memory_bytes;
	return true;
}

static bool p_rss(const struct sc_summary_proc *p, const struct sc_proc_cost *c, double *v)
{
	(void)p;
	*v = c && c->has_mem ? (double)c->mem.rss : 0;
	return c && c->has_mem;
}

static bool p_pss(const struct sc_summary_proc *p, const struct sc_proc_cost *c, double *v)
{
	(void)p;
	*v = c && c->has_mem ? (double)c->mem.pss : 0;
	return c && c->has_mem;
}

static bool p_private(const struct sc_summary_proc *p, const struct sc_proc_cost *c, double *v)
{
	(void)p;
	*v = c && c->has_mem ? (double)c->mem.private_bytes : 0;
	return c && c->has_mem;
}

static bool p_samples(const struct sc_summary_proc *p, const struct sc_proc_cost *c, double *v)
{
	(void)p;
	*v = c ? (double)c->marginal.samples : 0;
	return c != NULL;
}

static void proc_labels(FILE *f, const char *name, const struct sc_summary_proc *p)
{
	fprintf(f, "%s{pid=\"%u\",", name, p->pid);
	label(f, "comm", p->comm);
}

static void process_metrics(FILE *f, const struct sc_metrics_input *in)
{
	static const struct {
		const char *name, *help;
		proc_field get;
	} fams[] = {
		{ "sockcost_process_connections",
		  "Established TCP connections a process holds.", p_conns },
		{ "sockcost_process_idle_connections",
		  "Idle established TCP connections a process holds.", p_idle },
		{ "sockcost_process_open_fds", "Open file descriptors of a process.", p_fds },
		{ "sockcost_process_max_fds",
		  "File descriptor limit (RLIMIT_NOFILE soft) of a process.", p_max_fds },
		{ "sockcost_process_socket_memory_bytes",
		  "Kernel memory held by the queues of a process's TCP sockets.", p_mem },
		{ "sockcost_process_resident_memory_bytes",
		  "Resident set size of a process: shared pages counted in full, so never sum it "
		  "across processes.", p_rss },
		{ "sockcost_process_pss_bytes",
		  "Proportional set size of a process: shared pages divided among their users; "
		  "sums across processes.", p_pss },
		{ "sockcost_process_private_memory_bytes",
		  "Memory only this process maps (USS): what its exit would free.", p_private },
		{ "sockcost_process_memory_per_connection_samples",
		  "Samples of private memory against connections behind the marginal estimate.",
		  p_samples },
	};
	const struct sc_summary *s = in->summary;
	size_t top = in->top < s->nprocs ? in->top : s->nprocs;
	size_t i, j;
	double v;

	for (j = 0; j < ARRAY_SIZE(fams); j++) {
		family(f, fams[j].name, "gauge", fams[j].help);
		for (i = 0; i < top; i++) {
			const struct sc_proc_cost *c = in->costs ? &in->costs[i] : NULL;

			if (!fams[j].get(&s->procs[i], c, &v))
				continue;
			proc_labels(f, fams[j].name, &s->procs[i]);
			fprintf(f, "} %.0f\n", v);
		}
	}
	family(f, "sockcost_process_memory_per_connection_bytes", "gauge",
	       "Application memory one connection costs a process, by basis: marginal (slope of "
	       "private memory over growing connections), per-process (one connection per "
	       "process: its private memory), average (private / connections, an upper bound).");
	for (i = 0; in->costs && i < top; i++) {
		const struct sc_proc_cost *c = &in->costs[i];

		if (c->basis == SC_BASIS_NONE)
			continue;
		proc_labels(f, "sockcost_process_memory_per_connection_bytes", &s->procs[i]);
		fputc(',', f);
		label(f, "basis", sc_mem_basis_name(c->basis));
		fprintf(f, "} %.0f\n", c->memory_per_connection);
	}
	family(f, "sockcost_process_connection_limit", "gauge",
	       "Connections a process can hold under the limit it reaches first (label limit: "
	       "fds, memory for cgroup memory.max, application for a declared cap).");
	for (i = 0; in->costs && i < top; i++) {
		const struct sc_proc_cost *c = &in->costs[i];

		if (c->binding < 0)
			continue;
		proc_labels(f, "sockcost_process_connection_limit", &s->procs[i]);
		fputc(',', f);
		label(f, "limit", sc_limit_name(c->binding));
		fprintf(f, "} %llu\n", (unsigned long long)c->limits[c->binding].max_connections);
	}
}

/* Field j of port_metrics' families for one row. */
static __u64 port_value(const struct sc_summary_port *p, size_t j)
{
	return j == 0 ? p->connections : j == 1 ? p->idle_connections :
	       j == 2 ? p->accept_queue : j == 3 ? p->accept_queue_max : p->listen_drops;
}

/*
 * One series a port, as rules and dashboards (deploy/) know them: a port
 * listened on in several network namespaces (containers) is their sum. Rows
 * are few (listening ports), so the earlier ones are looked at again rather
 * than sorting a copy.
 */
static void port_metrics(FILE *f, const struct sc_summary *s)
{
	static const char *const names[] = {
		"sockcost_port_connections", "sockcost_port_idle_connections",
		"sockcost_port_accept_queue", "sockcost_port_accept_queue_max",
		"sockcost_port_listen_drops_total",
	};
	static const char *const helps[] = {
		"Established TCP connections on a local listening port, summed over the network "
		"namespaces listening on it.",
		"Idle established TCP connections on a local listening port.",
		"Connections waiting in the accept queues of a listening port.",
		"Accept queue capacity (backlog) of the listeners on a port.",
		"Handshakes the listeners on a port dropped (accept queue or SYN backlog full), "
		"since each listener was created.",
	};
	size_t i, j, k;

	for (j = 0; j < ARRAY_SIZE(names); j++) {
		family(f, names[j], j == 4 ? "counter" : "gauge", helps[j]);
		for (i = 0; i < s->nports; i++) {
			__u16 port = s->ports[i].port;
			bool seen = false;
			__u64 v = 0;

			for (k = 0; k < i && !seen; k++)
				seen = s->ports[k].port == port;
			if (seen)
				continue;
			for (k = i; k < s->nports; k++)
				if (s->ports[k].port == port)
					v += port_value(&s->ports[k], j);
			fprintf(f, "%s{port=\"%u\"} %llu\n", names[j], port, (unsigned long long)v);
		}
	}
}

static double fd_usage(const struct sc_service *s)
{
	return s->fd_worst_limit && s->fd_worst_limit != (__u64)-1
		       ? (double)s->fd_worst_fds / (double)s->fd_worst_limit
		       : 0;
}

static void service_metrics(FILE *f, const struct sc_metrics_input *in)
{
	static const struct {
		const char *name, *help;
	} fams[] = {
		{ "sockcost_service_processes",
		  "Processes of a service: those sharing a listening port, children serving "
		  "their parent's port, or one command's client processes." },
		{ "sockcost_service_connections", "Established TCP connections a service holds." },
		{ "sockcost_service_idle_connections",
		  "Idle established TCP connections a service holds." },
		{ "sockcost_service_open_fds", "Open file descriptors of a service's processes." },
		{ "sockcost_service_socket_memory_bytes",
		  "Kernel memory held by the queues of a service's TCP sockets." },
		{ "sockcost_service_max_fd_usage_ratio",
		  "Open fds over the fd limit of the service's process nearest its limit "
		  "(0 when unlimited)." },
	};
	size_t i, j;

	for (j = 0; j < ARRAY_SIZE(fams); j++) {
		family(f, fams[j].name, "gauge", fams[j].help);
		for (i = 0; i < in->nservices; i++) {
			const struct sc_service *s = &in->services[i];

			fprintf(f, "%s{", fams[j].name);
			label(f, "service", s->name);
			if (j == 5) {
				fprintf(f, "} %.6g\n", fd_usage(s));
				continue;
			}
			fprintf(f, "} %llu\n",
				(unsigned long long)(j == 0 ? s->processes : j == 1 ? s->connections :
						     j == 2 ? s->idle_connections : j == 3 ? s->fds
						     : s->socket_memory_bytes));
		}
	}
}

static void self_metrics(FILE *f, const struct sc_metrics_input *in)
{
	const struct sc_metrics_self *x = in->self;

	family(f, "sockcost_build_info", "gauge", "Version of sockcostd; always 1.");
	fputs("sockcost_build_info{", f);
	label(f, "version", in->version);
	fprintf(f, ",abi_version=\"%u\"} 1\n", SC_ABI_VERSION);
	gauge_u64(f, "sockcost_exporter_collect_success",
		  "1 if the latest refresh of the gauges succeeded, 0 if it failed.",
		  in->summary && !x->last_walk_failed ? 1 : 0);
	gauge_double(f, "sockcost_exporter_collect_duration_seconds",
		     "Time the latest refresh took (a walk of every socket when it reconciled).",
		     x->collect_seconds);
	gauge_double(f, "sockcost_exporter_last_refresh_timestamp_seconds",
		     "Unix time the gauges above describe; the _total counters are read at "
		     "scrape time.", x->refresh_timestamp_seconds);
	gauge_double(f, "sockcost_exporter_refresh_interval_seconds",
		     "Seconds between refreshes when nobody scrapes (--interval).",
		     x->refresh_interval_seconds);
	counter_u64(f, "sockcost_exporter_refreshes_total",
		    "Refreshes of the gauges, from change reports or walks.", x->refreshes);
	counter_u64(f, "sockcost_exporter_changes_total",
		    "Socket change reports applied between walks.", x->changes);
	counter_double(f, "sockcost_exporter_change_cpu_seconds_total",
		       "CPU time spent applying change reports.", x->change_cpu_seconds);
	if (x->change_gap_seconds > 0)
		gauge_double(f, "sockcost_exporter_change_gap_seconds",
			     "An active connection's calls are reported at most this often, so idle "
			     "ages are exact to this: the finest gap (1 s or less), widened while "
			     "applying changes takes over 0.1% of a core.",
			     x->change_gap_seconds);
	gauge_double(f, "sockcost_exporter_last_walk_timestamp_seconds",
		     "Unix time of the latest walk of every socket (start, reconcile, lost "
		     "changes).", x->walk_timestamp_seconds);
	gauge_double(f, "sockcost_exporter_walk_interval_seconds",
		     "Seconds between reconciling walks of every socket (--reconcile-interval, "
		     "or 1000 times a walk's CPU time if longer).",
		     x->walk_interval_seconds);
	counter_u64(f, "sockcost_exporter_walks_total", "Walks of every socket done.",
		    x->walks);
	counter_u64(f, "sockcost_exporter_folds_total",
		    "Refreshes that folded every mirrored socket anew instead of keeping the totals "
		    "by change (after a walk, a listening port coming or going, a failure).",
		    x->folds);
	if (x->last_scrape_seconds >= 0)
		gauge_double(f, "sockcost_exporter_last_scrape_duration_seconds",
			     "Time the previous scrape took: collection, /proc reads, rendering.",
			     x->last_scrape_seconds);
	counter_u64(f, "sockcost_exporter_scrapes_total", "Scrapes of /metrics served.",
		    x->scrapes);
	counter_u64(f, "sockcost_exporter_collect_errors_total",
		    "Refreshes of the gauges that failed.", x->collect_errors);
	counter_u64(f, "sockcost_exporter_cgroup_reads_total",
		    "Reads of a process's cgroup for the container series: a new pid, a changed "
		    "command, or a minute since the last.", x->cgroup_reads);
	counter_u64(f, "sockcost_exporter_container_name_lookups_total",
		    "Lookups of a container's names on the node: a new container id, or 30 s "
		    "since the node had none for it.", x->container_name_lookups);
	counter_u64(f, "sockcost_events_dropped_total",
		    "Idle events not written because of the --events-rate limit.",
		    x->events_dropped);
	family(f, "sockcost_exporter_event_feeds_total", "counter",
	       "Refreshes that fed idle events, by what they compared: every connection "
	       "(after a walk or a fold), or only those whose idle verdict changed.");
	fprintf(f, "sockcost_exporter_event_feeds_total{compared=\"all\"} %llu\n",
		(unsigned long long)x->events_whole_feeds);
	fprintf(f, "sockcost_exporter_event_feeds_total{compared=\"changed\"} %llu\n",
		(unsigned long long)x->events_touched_feeds);

	family(f, "process_cpu_seconds_total", "counter",
	       "Total user and system CPU time spent in seconds.");
	fprintf(f, "process_cpu_seconds_total %.3f\n", x->cpu_seconds);
	gauge_u64(f, "process_resident_memory_bytes", "Resident memory size in bytes.",
		  x->resident_bytes);
	gauge_double(f, "process_start_time_seconds",
		     "Start time of the process since unix epoch in seconds.",
		     x->start_time_seconds);
	gauge_u64(f, "process_open_fds", "Number of open file descriptors.", x->open_fds);
	gauge_u64(f, "process_max_fds", "Maximum number of open file descriptors.", x->max_fds);
}

int sc_metrics_render(FILE *out, const struct sc_metrics_input *in)
{
	if (in->summary) {
		host_metrics(out, in->summary, in->connection_seconds);
		process_metrics(out, in);
		if (in->services)
			service_metrics(out, in);
		if (in->containers)
			sc_metrics_containers(out, in->containers, in->ncontainers);
		port_metrics(out, in->summary);
		sc_metrics_outbound(out, in->summary, in->top_outbound);
	}
	if (in->health)
		sc_metrics_health(out, in->health);
	if (in->tcp_mem)
		sc_metrics_tcp_mem(out, in->tcp_mem);
	self_metrics(out, in);
	return ferror(out) ? -EIO : 0;
}

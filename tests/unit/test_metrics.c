// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/metrics.c: the Prometheus text exposition of a
 * summary. Structure (HELP and TYPE before every family's samples, _total
 * only on counters), exact values, the cumulative idle histogram, top-K
 * process series, listening-port series, label escaping, and the output
 * when collection failed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define SC_STR_(x) #x
#define SC_STR(x) SC_STR_(x)

static char *OUT;

static void render(const struct sc_metrics_input *in)
{
	size_t len;
	FILE *f;

	free(OUT);
	OUT = NULL;
	f = open_memstream(&OUT, &len);
	assert_non_null(f);
	assert_int_equal(sc_metrics_render(f, in), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(strlen(OUT), len);
}

static void assert_line(const char *line)
{
	const char *p = OUT;
	size_t n = strlen(line);

	while ((p = strstr(p, line))) {
		if ((p == OUT || p[-1] == '\n') && p[n] == '\n')
			return;
		p += n;
	}
	fail_msg("no line '%s' in:\n%s", line, OUT);
}

static void assert_no(const char *text)
{
	if (strstr(OUT, text))
		fail_msg("unexpected '%s' in:\n%s", text, OUT);
}

static size_t count_lines_starting(const char *prefix)
{
	size_t n = 0, len = strlen(prefix);
	const char *p = OUT;

	for (; *p; p = strchr(p, '\n') + 1) {
		if (!strncmp(p, prefix, len))
			n++;
		if (!strchr(p, '\n'))
			break;
	}
	return n;
}

static struct sc_summary_proc PROCS[3];
static struct sc_summary_port PORTS[3];
static struct sc_summary SUM;
static struct sc_metrics_self SELF;
static struct sc_proc_cost COSTS[3];

static struct sc_metrics_input sample(size_t top)
{
	size_t i;

	memset(&SUM, 0, sizeof(SUM));
	memset(PROCS, 0, sizeof(PROCS));
	SUM.policy.idle_after_ms = 30500;
	SUM.policy.heartbeat_bytes = 8;
	SUM.hook = SC_HOOK_TRACEPOINT;
	SUM.counters.opened = 1234;
	SUM.counters.closed = 1000;
	SUM.counters.storage_failed = 3;
	SUM.bpf_missed_events = 4;
	SUM.connections = 234;
	SUM.idle_connections = 200;
	SUM.socket_memory_bytes = 65536;
	/* 10 at <= 1 s, 20 at <= 5 s, nothing until 180 s, 4 above an hour. */
	SUM.idle_hist.count[0] = 10;
	SUM.idle_hist.count[1] = 20;
	SUM.idle_hist.count[6] = 200;
	SUM.idle_hist.count[SC_IDLE_BUCKETS] = 4;
	SUM.idle_hist.total = 234;
	SUM.idle_hist.sum_ms = 123456789;
	for (i = 0; i < 3; i++) {
		PROCS[i].pid = 100 + (unsigned)i;
		snprintf(PROCS[i].comm, sizeof(PROCS[i].comm), "proc%zu", i);
		PROCS[i].connections = 100 - i;
		PROCS[i].idle_connections = 50 - i;
		PROCS[i].fds = 200 + i;
		PROCS[i].fd_limit = 1024;
		PROCS[i].socket_memory_bytes = 4096 * (i + 1);
		COSTS[i] = (struct sc_proc_cost){
			.has_mem = true,
			.mem = { .rss = 1048576 * (i + 1), .pss = 524288 * (i + 1),
				 .private_bytes = 262144 * (i + 1) },
			.marginal = { .samples = 5 + i },
			.basis = i == 0 ? SC_BASIS_MARGINAL : SC_BASIS_AVERAGE,
			.memory_per_connection = 1000.4 * (double)(i + 1),
			.binding = i == 2 ? -1 : i == 0 ? SC_LIMIT_APP : SC_LIMIT_FDS,
			.limits = { [SC_LIMIT_FDS] = { .known = true, .limit = 1024,
						       .max_connections = 924 + i },
				    [SC_LIMIT_APP] = { .known = true, .limit = 512,
						       .max_connections = 512 } },
		};
	}
	SUM.procs = PROCS;
	SUM.nprocs = 3;
	PORTS[0] = (struct sc_summary_port){ .port = 8080, .listeners = 2, .accept_queue = 1,
					     .accept_queue_max = 4096, .connections = 150,
					     .idle_connections = 140, .listen_drops = 17 };
	PORTS[1] = (struct sc_summary_port){ .port = 443, .listeners = 1,
					     .accept_queue_max = 128, .connections = 3 };
	SUM.ports = PORTS;
	SUM.nports = 2;
	SELF = (struct sc_metrics_self){ .collect_seconds = 0.25, .last_scrape_seconds = 0.5,
					 .refresh_timestamp_seconds = 1700000100.5,
					 .walk_timestamp_seconds = 1700000000.5, .walk_interval_seconds = 300,
					 .refresh_interval_seconds = 15, .walks = 2, .folds = 3, .refreshes = 40,
					 .changes = 12345,
					 .scrapes = 7, .collect_errors = 1, .events_dropped = 9,
					 .events_whole_feeds = 2, .events_touched_feeds = 38,
					 .cpu_seconds = 1.5, .resident_bytes = 8388608,
					 .start_time_seconds = 1700000000.25, .open_fds = 12,
					 .max_fds = 1024 };
	return (struct sc_metrics_input){ .summary = &SUM, .costs = COSTS, .top = top,
					  .self = &SELF, .version = "1.2.3" };
}

/* Every sample's family was announced just before with HELP then TYPE. */
static void assert_well_formed(void)
{
	char family[128] = "", type[16] = "", *copy = strdup(OUT), *line, *save = NULL;
	bool help_seen = false;

	assert_non_null(copy);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128];
		size_t n;

		if (!strncmp(line, "# HELP ", 7)) {
			assert_int_equal(sscanf(line + 7, "%127s", family), 1);
			help_seen = true;
			type[0] = '\0';
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			assert_true(help_seen);
			assert_int_equal(sscanf(line + 7, "%127s %15s", name, type), 2);
			assert_string_equal(name, family);
			n = strlen(family);
			/* _total on counters only, and always there. */
			assert_int_equal(!strcmp(type, "counter"),
					 n > 6 && !strcmp(family + n - 6, "_total"));
			help_seen = false;
			continue;
		}
		assert_true(line[0] != '#');
		assert_true(type[0]);
		n = strcspn(line, "{ ");
		assert_true(n < sizeof(name));
		memcpy(name, line, n);
		name[n] = '\0';
		if (!strcmp(type, "histogram")) {
			char b[160], s[160], c[160];

			snprintf(b, sizeof(b), "%s_bucket", family);
			snprintf(s, sizeof(s), "%s_sum", family);
			snprintf(c, sizeof(c), "%s_count", family);
			assert_true(!strcmp(name, b) || !strcmp(name, s) || !strcmp(name, c));
		} else {
			assert_string_equal(name, family);
		}
	}
	free(copy);
}

static void test_host_families(void **state)
{
	struct sc_metrics_input in = sample(20);

	(void)state;
	render(&in);
	assert_well_formed();
	assert_line("# TYPE sockcost_connections gauge");
	assert_line("sockcost_connections 234");
	assert_line("sockcost_idle_connections 200");
	assert_line("# TYPE sockcost_connections_opened_total counter");
	assert_line("sockcost_connections_opened_total 1234");
	assert_line("sockcost_connections_closed_total 1000");
	assert_line("sockcost_socket_memory_bytes 65536");
	assert_line("sockcost_processes 3");
	assert_line("sockcost_idle_after_seconds 30.500000");
	assert_line("sockcost_heartbeat_bytes 8");
	assert_line("sockcost_activity_hook_info{hook=\"tracepoint\"} 1");
	assert_line("sockcost_bpf_storage_failures_total 3");
	assert_line("sockcost_bpf_missed_events_total 4");
}

static void test_idle_histogram_is_cumulative(void **state)
{
	struct sc_metrics_input in = sample(20);

	(void)state;
	render(&in);
	assert_line("# TYPE sockcost_connection_idle_seconds histogram");
	assert_line("sockcost_connection_idle_seconds_bucket{le=\"1\"} 10");
	assert_line("sockcost_connection_idle_seconds_bucket{le=\"5\"} 30");
	assert_line("sockcost_connection_idle_seconds_bucket{le=\"15\"} 30");
	assert_line("sockcost_connection_idle_seconds_bucket{le=\"120\"} 30");
	assert_line("sockcost_connection_idle_seconds_bucket{le=\"180\"} 230");
	assert_line("sockcost_connection_idle_seconds_bucket{le=\"3600\"} 230");
	assert_line("sockcost_connection_idle_seconds_bucket{le=\"+Inf\"} 234");
	assert_line("sockcost_connection_idle_seconds_sum 123456.789");
	assert_line("sockcost_connection_idle_seconds_count 234");
	assert_int_equal(count_lines_starting("sockcost_connection_idle_seconds_bucket"), 11);
}

/* Every service gets its series, whatever the top-K of processes. */
static void test_services(void **state)
{
	struct sc_metrics_input in = sample(0);
	struct sc_service svc[2] = {
		{ .name = "postgres:5432", .processes = 101, .connections = 100, .idle_connections = 90,
		  .fds = 2000, .socket_memory_bytes = 4096, .fd_worst_fds = 256,
		  .fd_worst_limit = 1024 },
		{ .name = "we\"ird", .processes = 1, .fd_worst_limit = (__u64)-1 },
	};

	(void)state;
	render(&in);
	assert_no("sockcost_service_");
	in.services = svc;
	in.nservices = 2;
	render(&in);
	assert_well_formed();
	assert_line("sockcost_service_processes{service=\"postgres:5432\"} 101");
	assert_line("sockcost_service_connections{service=\"postgres:5432\"} 100");
	assert_line("sockcost_service_idle_connections{service=\"postgres:5432\"} 90");
	assert_line("sockcost_service_open_fds{service=\"postgres:5432\"} 2000");
	assert_line("sockcost_service_socket_memory_bytes{service=\"postgres:5432\"} 4096");
	assert_line("sockcost_service_max_fd_usage_ratio{service=\"postgres:5432\"} 0.25");
	assert_line("sockcost_service_max_fd_usage_ratio{service=\"we\\\"ird\"} 0");
	assert_int_equal(count_lines_starting("sockcost_service_connections{"), 2);
	assert_no("pid=");
}

static void test_top_processes(void **state)
{
	struct sc_metrics_input in = sample(2);

	(void)state;
	COSTS[1].has_mem = false; /* exited before the walker read its /proc */
	COSTS[1].basis = SC_BASIS_NONE;
	render(&in);
	assert_well_formed();
	assert_line("sockcost_process_connections{pid=\"100\",comm=\"proc0\"} 100");
	assert_line("sockcost_process_connections{pid=\"101\",comm=\"proc1\"} 99");
	assert_line("sockcost_process_idle_connections{pid=\"101\",comm=\"proc1\"} 49");
	assert_line("sockcost_process_open_fds{pid=\"100\",comm=\"proc0\"} 200");
	assert_line("sockcost_process_max_fds{pid=\"100\",comm=\"proc0\"} 1024");
	assert_line("sockcost_process_socket_memory_bytes{pid=\"101\",comm=\"proc1\"} 8192");
	assert_line("sockcost_process_resident_memory_bytes{pid=\"100\",comm=\"proc0\"} 1048576");
	assert_no("sockcost_process_resident_memory_bytes{pid=\"101\"");
	assert_line("sockcost_process_pss_bytes{pid=\"100\",comm=\"proc0\"} 524288");
	assert_line("sockcost_process_private_memory_bytes{pid=\"100\",comm=\"proc0\"} 262144");
	assert_no("sockcost_process_private_memory_bytes{pid=\"101\"");
	assert_line("sockcost_process_memory_per_connection_bytes{pid=\"100\",comm=\"proc0\","
		    "basis=\"marginal\"} 1000");
	assert_no("sockcost_process_memory_per_connection_bytes{pid=\"101\"");
	assert_line("sockcost_process_memory_per_connection_samples{pid=\"101\",comm=\"proc1\"} 6");
	assert_line("sockcost_process_connection_limit{pid=\"100\",comm=\"proc0\","
		    "limit=\"application\"} 512");
	assert_line("sockcost_process_connection_limit{pid=\"101\",comm=\"proc1\","
		    "limit=\"fds\"} 925");
	assert_no("pid=\"102\"");
	assert_int_equal(count_lines_starting("sockcost_process_connections{"), 2);

	in = sample(0);
	render(&in);
	assert_well_formed();
	assert_line("# TYPE sockcost_process_connections gauge");
	assert_no("sockcost_process_connections{");
	/* K above the number of processes: all of them. */
	in = sample(100);
	render(&in);
	assert_int_equal(count_lines_starting("sockcost_process_open_fds{"), 3);
}

static void test_ports(void **state)
{
	struct sc_metrics_input in = sample(20);

	(void)state;
	render(&in);
	assert_line("sockcost_port_connections{port=\"8080\"} 150");
	assert_line("sockcost_port_connections{port=\"443\"} 3");
	assert_line("sockcost_port_idle_connections{port=\"8080\"} 140");
	assert_line("sockcost_port_accept_queue{port=\"8080\"} 1");
	assert_line("sockcost_port_accept_queue_max{port=\"443\"} 128");
	assert_line("# TYPE sockcost_port_listen_drops_total counter");
	assert_line("sockcost_port_listen_drops_total{port=\"8080\"} 17");
	assert_line("sockcost_port_listen_drops_total{port=\"443\"} 0");
	assert_int_equal(count_lines_starting("sockcost_port_connections{"), 2);
}

/* 8080 listened on in a second namespace (a container): one series, the sum. */
static void test_port_in_two_namespaces_is_summed(void **state)
{
	struct sc_metrics_input in = sample(20);

	(void)state;
	PORTS[0].netns = 7;
	PORTS[1].netns = 7;
	PORTS[2] = (struct sc_summary_port){ .netns = 8, .port = 8080, .listeners = 1,
					     .accept_queue = 2, .accept_queue_max = 128,
					     .connections = 5, .idle_connections = 1,
					     .listen_drops = 3 };
	SUM.nports = 3;
	render(&in);
	assert_line("sockcost_port_connections{port=\"8080\"} 155");
	assert_line("sockcost_port_idle_connections{port=\"8080\"} 141");
	assert_line("sockcost_port_accept_queue{port=\"8080\"} 3");
	assert_line("sockcost_port_accept_queue_max{port=\"8080\"} 4224");
	assert_line("sockcost_port_listen_drops_total{port=\"8080\"} 20");
	assert_line("sockcost_port_connections{port=\"443\"} 3");
	assert_int_equal(count_lines_starting("sockcost_port_connections{"), 2);
	assert_int_equal(count_lines_starting("sockcost_port_listen_drops_total{"), 2);
}

static void test_outbound_top_k(void **state)
{
	static struct sc_summary_outbound out[3] = {
		{ .port = 5432, .processes = 4, .connections = 3050, .idle_connections = 3000,
		  .socket_memory_bytes = 8192 },
		{ .port = 6379, .processes = 4, .connections = 200, .idle_connections = 7 },
		{ .port = 443, .processes = 1, .connections = 2 },
	};
	struct sc_metrics_input in = sample(20);

	(void)state;
	SUM.outbound = out;
	SUM.noutbound = 3;
	in.top_outbound = 2;
	render(&in);
	assert_line("# TYPE sockcost_outbound_connections gauge");
	assert_line("sockcost_outbound_connections{port=\"5432\"} 3050");
	assert_line("sockcost_outbound_connections{port=\"6379\"} 200");
	assert_line("sockcost_outbound_idle_connections{port=\"5432\"} 3000");
	assert_line("sockcost_outbound_processes{port=\"6379\"} 4");
	assert_line("sockcost_outbound_socket_memory_bytes{port=\"5432\"} 8192");
	/* The top 2 remote ports only: labels stay bounded. */
	assert_no("{port=\"443\"} 2\n");
	assert_int_equal(count_lines_starting("sockcost_outbound_connections{"), 2);
	in.top_outbound = 0;
	render(&in);
	assert_line("# HELP sockcost_outbound_connections Established client-side TCP connections "
		    "(their local port has no listener: pools to databases, caches, upstreams) by "
		    "remote port, for the remote ports with the most (--top-processes).");
	assert_int_equal(count_lines_starting("sockcost_outbound_connections{"), 0);
	in.top_outbound = 100;
	render(&in);
	assert_int_equal(count_lines_starting("sockcost_outbound_idle_connections{"), 3);
}

static void test_self_metrics(void **state)
{
	struct sc_metrics_input in = sample(20);

	(void)state;
	render(&in);
	assert_line("sockcost_build_info{version=\"1.2.3\",abi_version=\"" SC_STR(SC_ABI_VERSION) "\"} 1");
	assert_line("sockcost_exporter_collect_success 1");
	assert_line("sockcost_exporter_collect_duration_seconds 0.250000");
	assert_line("sockcost_exporter_last_refresh_timestamp_seconds 1700000100.500000");
	assert_line("sockcost_exporter_last_walk_timestamp_seconds 1700000000.500000");
	assert_line("sockcost_exporter_walk_interval_seconds 300.000000");
	assert_line("sockcost_exporter_refresh_interval_seconds 15.000000");
	assert_line("sockcost_exporter_walks_total 2");
	assert_line("sockcost_exporter_folds_total 3");
	assert_line("sockcost_exporter_refreshes_total 40");
	assert_line("sockcost_exporter_changes_total 12345");
	assert_line("sockcost_exporter_last_scrape_duration_seconds 0.500000");
	assert_line("sockcost_exporter_scrapes_total 7");
	assert_line("sockcost_exporter_collect_errors_total 1");
	assert_line("sockcost_events_dropped_total 9");
	assert_line("sockcost_exporter_event_feeds_total{compared=\"all\"} 2");
	assert_line("sockcost_exporter_event_feeds_total{compared=\"changed\"} 38");
	assert_line("process_cpu_seconds_total 1.500");
	assert_line("process_resident_memory_bytes 8388608");
	assert_line("process_start_time_seconds 1700000000.250000");
	assert_line("process_open_fds 12");
	assert_line("process_max_fds 1024");
	/* Before a previous scrape exists there is no duration to report. */
	SELF.last_scrape_seconds = -1;
	render(&in);
	assert_well_formed();
	assert_no("sockcost_exporter_last_scrape_duration_seconds");
}

static void test_collection_failed(void **state)
{
	struct sc_metrics_input in = sample(20);

	(void)state;
	in.summary = NULL;
	render(&in);
	assert_well_formed();
	assert_line("sockcost_exporter_collect_success 0");
	assert_line("sockcost_build_info{version=\"1.2.3\",abi_version=\"" SC_STR(SC_ABI_VERSION) "\"} 1");
	assert_no("sockcost_connections ");
	assert_no("sockcost_process_");
	assert_no("sockcost_port_");
}

/*
 * tcp_mem's thresholds by label and the memory in use, in bytes (pages times
 * the page size, 16 KiB here so a forgotten multiplication by 4096 shows),
 * only when the daemon read them.
 */
static void test_tcp_mem(void **state)
{
	struct sc_tcp_mem m = { .min_pages = 287898, .pressure_pages = 383865,
				.max_pages = 575796, .used_pages = 120, .page_bytes = 16384 };
	struct sc_metrics_input in = sample(1);

	(void)state;
	render(&in);
	assert_no("sockcost_tcp_mem");
	in.tcp_mem = &m;
	render(&in);
	assert_well_formed();
	assert_line("sockcost_tcp_mem_limit_bytes{threshold=\"min\"} 4716920832");
	assert_line("sockcost_tcp_mem_limit_bytes{threshold=\"pressure\"} 6289244160");
	assert_line("sockcost_tcp_mem_limit_bytes{threshold=\"max\"} 9433841664");
	assert_line("sockcost_tcp_mem_used_bytes 1966080");
	assert_int_equal(count_lines_starting("sockcost_tcp_mem_limit_bytes{"), 3);
	assert_no("sockcost_tcp_mem_pages");
	assert_no("sockcost_tcp_mem_used_pages");
}

static void test_label_escaping(void **state)
{
	struct sc_metrics_input in = sample(1);

	(void)state;
	/* A process may call itself anything: quotes, backslashes, newlines, bad UTF-8. */
	memcpy(PROCS[0].comm, "a\"b\\c\nd\xff\xc3\xa9", 11);
	PROCS[0].comm[11] = '\0';
	render(&in);
	assert_well_formed();
	assert_line("sockcost_process_connections{pid=\"100\",comm=\"a\\\"b\\\\c\\nd\xef\xbf\xbd\xc3\xa9\"} 100");
}

static void test_label_value_function(void **state)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	sc_metrics_label_value(f, "\\\\\"\n\n", 5);
	sc_metrics_label_value(f, "|\xe2\x82", 3);  /* truncated sequence */
	sc_metrics_label_value(f, "|\xed\xa0\x80", 4); /* a surrogate */
	sc_metrics_label_value(f, "|\r\t|", 4);     /* allowed as they are */
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "\\\\\\\\\\\"\\n\\n"
			    "|\xef\xbf\xbd\xef\xbf\xbd"
			    "|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			    "|\r\t|");
	free(buf);
}

static int teardown(void **state)
{
	(void)state;
	free(OUT);
	OUT = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_host_families, teardown),
		cmocka_unit_test_teardown(test_idle_histogram_is_cumulative, teardown),
		cmocka_unit_test_teardown(test_top_processes, teardown),
		cmocka_unit_test_teardown(test_services, teardown),
		cmocka_unit_test_teardown(test_ports, teardown),
		cmocka_unit_test_teardown(test_port_in_two_namespaces_is_summed, teardown),
		cmocka_unit_test_teardown(test_outbound_top_k, teardown),
		cmocka_unit_test_teardown(test_self_metrics, teardown),
		cmocka_unit_test_teardown(test_collection_failed, teardown),
		cmocka_unit_test_teardown(test_tcp_mem, teardown),
		cmocka_unit_test_teardown(test_label_escaping, teardown),
		cmocka_unit_test(test_label_value_function),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}

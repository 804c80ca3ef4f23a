// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/model/view_from_summary.c: the snapshot table of a
 * walk and of that walk's summary (summary_from_view.c, its health per
 * first holder and its outbound rows) are the same text, by every grouping a
 * summary serves, through the one renderer (snapshot_text.c). Also: a
 * summary's view has no rows, and no outbound rows by address; the table by
 * cgroup prints no control byte a name or path holds.
 *
 * The host: pid 100 "server" listens on 8080 (IPv4 and IPv6), holds three
 * connections there (one idle) and one in CLOSE-WAIT; pid 200 and 201
 * "pool" (a service of two processes) each hold a client connection to
 * 5432, at two addresses; pid 300 "cron" holds a client connection to 443;
 * a TIME-WAIT socket on 8080 nobody holds.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common.h"
#include "health_tally.h"
#include "outbound.h"
#include "snapshot_build.h"
#include "snapshot_text.h"
#include "summary.h"
#include "view.h"
#include "view_from_summary.h"

#define NETNS 4026531840u
#define MS 1000000ull
#define T_NS (10000000ull * MS)
#define TEST_HZ 1000
#define NOW_JIFFIES 5000000000ull

#define TCP(c, fam, state_, lp, rp, age, ...) \
	{ .cookie = (c), .netns = NETNS, .family = (fam), .state = (state_), \
	  .lport = (lp), .rport = (rp), .has_times = 1, .now_jiffies = NOW_JIFFIES, \
	  .now_ns = T_NS, .lsndtime = (__u32)(NOW_JIFFIES - (age)), \
	  .lrcvtime = (__u32)(NOW_JIFFIES - (age)), __VA_ARGS__ }

static const struct sc_tcp_record tcp[] = {
	TCP(1, AF_INET, TCP_LISTEN, 8080, 0, 0, .ack_backlog = 1, .max_ack_backlog = 128),
	TCP(2, AF_INET6, TCP_LISTEN, 8080, 0, 0, .max_ack_backlog = 128),
	TCP(10, AF_INET, TCP_ESTABLISHED, 8080, 50001, 300000, .rmem_alloc = 100),
	TCP(11, AF_INET, TCP_ESTABLISHED, 8080, 50002, 100, .wmem_queued = 4096),
	TCP(12, AF_INET, TCP_ESTABLISHED, 8080, 50003, 200),
	TCP(13, AF_INET, TCP_CLOSE_WAIT, 8080, 50004, 900000),
	TCP(20, AF_INET, TCP_ESTABLISHED, 40001, 5432, 100, .raddr = { 10, 0, 0, 1 }),
	TCP(21, AF_INET, TCP_ESTABLISHED, 40002, 5432, 400000, .raddr = { 10, 0, 0, 2 }),
	TCP(30, AF_INET, TCP_ESTABLISHED, 40003, 443, 100, .raddr = { 10, 0, 0, 9 }),
	TCP(40, AF_INET, TCP_TIME_WAIT, 8080, 50009, 0),
};

#define FILE_REC(p, f, c) { .tgid = (p), .fd = (f), .cookie = (c), .netns = NETNS }

static const struct sc_file_record files[] = {
	FILE_REC(100, 3, 1), FILE_REC(100, 4, 2), FILE_REC(100, 5, 10), FILE_REC(100, 6, 11),
	FILE_REC(100, 7, 12), FILE_REC(100, 8, 13), FILE_REC(200, 3, 20), FILE_REC(201, 3, 21),
	FILE_REC(300, 3, 30), FILE_REC(100, 0, 0), FILE_REC(200, 0, 0),
};

#define TASK(p, pp, name) { .tgid = (p), .ppid = (pp), .netns = NETNS, .nofile_cur = 1024, \
			    .nofile_max = 4096, .comm = name }

static const struct sc_task_record tasks[] = {
	TASK(100, 1, "server"), TASK(200, 1, "pool"), TASK(201, 200, "pool"),
	TASK(300, 1, "cron"),
};

struct fixture {
	struct sc_raw raw;
	struct sc_snapshot snap;
	struct sc_view view;
	struct sc_summary sum;
	struct sc_health_tally health;
	struct sc_outbound_row *outbound;
	struct sc_summary_view sv;
};

static void *dup_array(const void *src, size_t size)
{
	void *p = malloc(size);

	assert_non_null(p);
	memcpy(p, src, size);
	return p;
}

/* The health pass as sockcostd keeps it: each socket's verdict by its first holder. */
static void tally_health(struct fixture *fx)
{
	size_t i;

	assert_int_equal(sc_health_tally_init(&fx->health, &fx->sum), 0);
	for (i = 0; i < fx->view.nrows; i++) {
		const struct sc_row *r = &fx->view.rows[i];
		const struct sc_socket *s = r->socket;

		if (r->holder && &fx->snap.holders[s->first_holder] != r->holder)
			continue;
		sc_health_tally_add(&fx->health, r->holder ? r->holder->pid : 0, s->lport,
				    &r->health);
	}
	fx->health.wall_ns = 1;
}

static int setup(void **state)
{
	struct sc_idle_policy policy = { .idle_after_ms = 180000 };
	struct sc_filter all = { .port = -1 };
	struct sc_health_policy hp;
	struct fixture *fx = calloc(1, sizeof(*fx));
	size_t n;

	assert_non_null(fx);
	sc_health_policy_default(&hp);
	fx->raw = (struct sc_raw){
		.tcp = dup_array(tcp, sizeof(tcp)), .ntcp = ARRAY_SIZE(tcp),
		.files = dup_array(files, sizeof(files)), .nfiles = ARRAY_SIZE(files),
		.tasks = dup_array(tasks, sizeof(tasks)), .ntasks = ARRAY_SIZE(tasks),
		.hz = TEST_HZ, .now_ns = T_NS,
	};
	assert_int_equal(sc_snapshot_build(&fx->snap, &fx->raw, 999), 0);
	fx->snap.taken_ns = T_NS;
	fx->snap.config.attached_ns = T_NS - 190000 * MS;
	fx->snap.hook = SC_HOOK_NONE;
	fx->snap.netns_walked = 1;
	assert_int_equal(sc_view_build(&fx->view, &fx->snap, &policy, &all), 0);
	assert_int_equal(sc_summary_from_view(&fx->sum, &fx->view), 0);
	tally_health(fx);
	assert_int_equal(sc_outbound_group(&fx->view, false, &fx->outbound, &n), 0);
	assert_int_equal(n, fx->sum.noutbound);
	assert_int_equal(sc_view_from_summary(&fx->sv, &fx->sum, &fx->health, &hp,
					      fx->snap.config.heartbeat_bytes, fx->outbound), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	sc_summary_view_free(&fx->sv);
	free(fx->outbound);
	sc_health_tally_free(&fx->health);
	sc_summary_free(&fx->sum);
	sc_view_free(&fx->view);
	free(fx->snap.sockets);
	free(fx->snap.holders);
	free(fx->snap.processes);
	free(fx->raw.tcp);
	free(fx->raw.files);
	free(fx->raw.tasks);
	free(fx);
	return 0;
}

static char *table(const struct sc_view *v, enum sc_group_by by)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	render_table_by(v, by, false, f);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void assert_same_table(struct fixture *fx, enum sc_group_by by)
{
	char *walked = table(&fx->view, by), *served = table(&fx->sv.view, by);

	assert_string_equal(served, walked);
	free(walked);
	free(served);
}

static void test_by_process(void **state)
{
	struct fixture *fx = *state;
	char *t = table(&fx->view, SC_BY_PROCESS);

	/* The host is what the header says: the comparison is not of two empty tables. */
	assert_non_null(strstr(t, "6 connections, 2 idle"));
	assert_non_null(strstr(t, "REMOTE PORT"));
	assert_non_null(strstr(t, "CLOSE_WAIT"));
	assert_non_null(strstr(t, "TIME_WAIT"));
	free(t);
	assert_same_table(fx, SC_BY_PROCESS);
}

static void test_by_port(void **state)
{
	assert_same_table(*state, SC_BY_PORT);
}

static void test_by_service(void **state)
{
	struct fixture *fx = *state;
	char *t = table(&fx->view, SC_BY_DEFAULT);

	/* Two "pool" processes: services are the default grouping. */
	assert_non_null(strstr(t, "SERVICE"));
	free(t);
	assert_same_table(fx, SC_BY_SERVICE);
	assert_same_table(fx, SC_BY_DEFAULT);
}

static void test_outbound_addresses_kept(void **state)
{
	struct fixture *fx = *state;
	struct sc_outbound_row *rows;
	size_t n;

	assert_int_equal(sc_outbound_group(&fx->sv.view, false, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].port, 5432);
	assert_int_equal(rows[0].addresses, 2);
	assert_int_equal(rows[0].processes, 2);
	free(rows);
	assert_int_equal(sc_outbound_group(&fx->sv.view, true, &rows, &n), -EOPNOTSUPP);
	assert_null(rows);
}

/* Pod, container and unit names and cgroup paths come from directories anyone can make. */
static void test_by_cgroup_printable(void **state)
{
	struct fixture *fx = *state;
	struct sc_process *p = &fx->snap.processes[0], *q = &fx->snap.processes[1];
	char *t;
	size_t i;

	snprintf(p->cgroup, sizeof(p->cgroup), "/kubepods/x\x1b]0;owned\a/y");
	snprintf(p->container.pod_uid, sizeof(p->container.pod_uid), "u");
	snprintf(p->names.namespace_, sizeof(p->names.namespace_), "ns\x1b[2J");
	snprintf(p->names.pod, sizeof(p->names.pod), "pod\r");
	snprintf(p->names.name, sizeof(p->names.name), "c\x7f");
	snprintf(q->cgroup, sizeof(q->cgroup), "/system.slice/a\tb.service");
	snprintf(q->unit, sizeof(q->unit), "a\tb\x9b.service");
	t = table(&fx->view, SC_BY_CGROUP);
	for (i = 0; t[i]; i++)
		assert_true(t[i] == '\n' || (t[i] >= 0x20 && t[i] < 0x7f));
	assert_non_null(strstr(t, "ns?[2J/pod?/c? "));
	assert_non_null(strstr(t, "/kubepods/x?]0;owned?/y\n"));
	assert_non_null(strstr(t, "a?b?.service "));
	assert_non_null(strstr(t, "/system.slice/a?b.service\n"));
	free(t);
}

static void test_no_rows(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(fx->sv.view.nrows, 0);
	assert_int_equal(fx->sv.snap.nsockets, 0);
	assert_int_equal(fx->sv.view.nprocs, fx->view.nprocs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_by_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_service, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbound_addresses_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_cgroup_printable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_rows, setup, teardown),
	};

	return cmocka_run_group_tests_name("view_from_summary", tests, NULL, NULL);
}

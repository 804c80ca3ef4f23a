// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/model/services.c: the three rules that make processes
 * one service, names, sums, the worst fd headroom and membership.
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

#include "services.h"

static struct sc_summary_proc proc(__u32 pid, __u32 ppid, const char *comm, __u64 conns,
				   __u16 server_port)
{
	struct sc_summary_proc p = {
		.pid = pid, .ppid = ppid, .netns = 1, .connections = conns, .idle_connections = conns / 2,
		.tcp_sockets = conns, .fds = conns + 10, .fd_limit = 1024, .server_port = server_port,
		/* Each socket held by this process alone, unless a test shares one. */
		.first = { .connections = conns, .idle_connections = conns / 2, .tcp_sockets = conns },
	};

	snprintf(p.comm, sizeof(p.comm), "%s", comm);
	return p;
}

static const struct sc_service *by_name(const struct sc_service *s, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s[i].name, name))
			return &s[i];
	fail_msg("no service named %s", name);
	return NULL;
}

/* A postmaster and its backends, nginx's master and workers, two client pools, a loner. */
static void test_rules(void **state)
{
	struct sc_summary_proc p[] = {
		proc(500, 1, "postgres", 0, 0),        /* 0: postmaster, listens on 5432 */
		proc(501, 500, "postgres", 1, 5432),   /* 1-3: backends */
		proc(502, 500, "postgres", 1, 5432),
		proc(503, 500, "postgres", 1, 5432),
		proc(504, 500, "postgres", 0, 0),      /* 4: a background worker, no connection */
		proc(600, 1, "nginx", 0, 0),           /* 5: master, listens on 80 and 443 */
		proc(601, 600, "nginx", 40, 0),        /* 6-7: workers share the listeners */
		proc(602, 600, "nginx", 30, 0),
		proc(700, 2, "celery", 5, 0),          /* 8-9: a pool: master and worker */
		proc(701, 700, "celery", 6, 0),
		proc(800, 3, "psql", 1, 0),            /* 10: alone */
		proc(900, 1, "sshd", 0, 0),            /* 11: listens on 22 */
		proc(901, 1, "postgres", 1, 5432),     /* 12: serves 5432 but not a child */
		proc(950, 42, "worker", 2, 0),         /* 13-14: siblings; their parent holds nothing */
		proc(951, 42, "worker", 2, 0),
		proc(960, 43, "worker", 1, 0),         /* 15: another parent's: another pool */
	};
	size_t member[sizeof(p) / sizeof(p[0])], n, i;
	const struct sc_service *s;
	struct sc_service *svc;

	(void)state;
	sc_port_set_add(&p[0].listen, 5432);
	sc_port_set_add(&p[5].listen, 443);
	sc_port_set_add(&p[5].listen, 80);
	for (i = 6; i <= 7; i++) {
		sc_port_set_add(&p[i].listen, 80);
		sc_port_set_add(&p[i].listen, 443);
	}
	sc_port_set_add(&p[11].listen, 22);
	assert_int_equal(sc_services_build(p, 16, &svc, &n, member), 0);
	assert_int_equal(n, 9);

	/* By connections descending: nginx first. */
	assert_string_equal(svc[0].name, "nginx:80,443");
	assert_int_equal(svc[0].processes, 3);
	assert_int_equal(svc[0].connections, 70);
	assert_int_equal(svc[0].main_pid, 600);
	assert_int_equal(svc[0].ports.n, 2);

	s = by_name(svc, n, "postgres:5432");
	assert_int_equal(s->processes, 4); /* postmaster, 3 backends; not the worker without one */
	assert_int_equal(s->connections, 3);
	assert_int_equal(s->main_pid, 500);
	for (i = 0; i <= 3; i++)
		assert_ptr_equal(&svc[member[i]], s);

	/* The background worker and the stranger serving 5432 share only a command:
	 * two services, the second named by its main pid. */
	s = by_name(svc, n, "postgres");
	assert_int_equal(s->processes, 1);
	assert_ptr_equal(&svc[member[4]], s);
	s = by_name(svc, n, "postgres[901]");
	assert_ptr_equal(&svc[member[12]], s);

	s = by_name(svc, n, "worker");
	assert_int_equal(s->processes, 2);
	assert_int_equal(s->main_pid, 950);
	s = by_name(svc, n, "worker[960]");
	assert_int_equal(s->processes, 1);

	s = by_name(svc, n, "celery");
	assert_int_equal(s->processes, 2);
	assert_int_equal(s->connections, 11);
	assert_int_equal(s->idle_connections, 2 + 3);
	assert_int_equal(s->fds, 15 + 16);
	assert_int_equal(s->main_pid, 700);

	s = by_name(svc, n, "psql");
	assert_int_equal(s->processes, 1);
	s = by_name(svc, n, "sshd:22");
	assert_int_equal(s->connections, 0);
	for (i = 0; i < 16; i++)
		assert_true(member[i] < n);
	assert_true(sc_services_grouped(svc, n));
	free(svc);
}

/* The command holding most connections names the service; the lowest listener leads it. */
static void test_name_and_worst_fd(void **state)
{
	struct sc_summary_proc p[] = {
		proc(100, 1, "inetd", 0, 0),
		proc(120, 100, "sshd", 1, 22),
		proc(110, 100, "sshd", 1, 22),
	};
	struct sc_service *svc;
	size_t n;

	(void)state;
	sc_port_set_add(&p[0].listen, 22);
	p[1].fds = 900;
	p[2].fd_limit = (__u64)-1; /* unlimited: never the worst */
	p[2].fds = 5000;
	assert_int_equal(sc_services_build(p, 3, &svc, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(svc[0].name, "sshd:22");
	assert_string_equal(svc[0].comm, "sshd");
	assert_int_equal(svc[0].main_pid, 100);
	assert_int_equal(svc[0].connections, 2);
	assert_int_equal(svc[0].fd_worst_pid, 120);
	assert_int_equal(svc[0].fd_worst_fds, 900);
	assert_int_equal(svc[0].fd_worst_limit, 1024);
	free(svc);
}

/* Two containers' nginx on port 80 are two services; many ports are cut with "+". */
static void test_namespaces_and_long_names(void **state)
{
	struct sc_summary_proc p[] = {
		proc(10, 1, "nginx", 3, 0), proc(20, 1, "nginx", 2, 0), proc(30, 1, "envoy", 0, 0),
	};
	struct sc_service *svc;
	size_t n, k;

	(void)state;
	p[0].netns = 4026531840u;
	p[1].netns = 4026532999u;
	sc_port_set_add(&p[0].listen, 80);
	sc_port_set_add(&p[1].listen, 80);
	for (k = 0; k < 10; k++)
		sc_port_set_add(&p[2].listen, (__u16)(9000 - k));
	assert_int_equal(sc_services_build(p, 3, &svc, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_string_equal(svc[0].name, "nginx:80");
	assert_string_equal(svc[1].name, "nginx:80@4026532999");
	assert_string_equal(svc[2].name, "envoy:8991,8992,8993,8994+");
	assert_int_equal(svc[2].ports.n, SC_PORT_SET_MAX);
	assert_int_equal(svc[2].ports.port[0], 8991);
	assert_false(sc_services_grouped(svc, n));
	free(svc);
}

/*
 * What only looks alike stays apart: one port number under two commands, one
 * command started by init twice. What is one server joins: OpenSSH's master,
 * monitor and session child, which share the connection (counted once), and
 * init's per-connection children of one port.
 */
static void test_alike_and_one(void **state)
{
	struct sc_summary_proc p[] = {
		proc(10, 1, "dnsmasq", 1, 0),          /* 0: 53 on one address */
		proc(11, 1, "resolved", 1, 0),         /* 1: 53 on another */
		proc(20, 1, "java", 4, 0),             /* 2-3: two apps init started */
		proc(21, 1, "java", 3, 0),
		proc(30, 1, "sshd", 0, 0),             /* 4: master, listens on 22 */
		proc(31, 30, "sshd", 1, 22),           /* 5: monitor, holds the connection */
		proc(32, 31, "sshd", 1, 22),           /* 6: session child, holds it too */
		proc(40, 1, "echo-srv", 1, 7),         /* 7-8: Accept=yes children of init */
		proc(41, 1, "echo-srv", 1, 7),
	};
	struct sc_service *svc;
	size_t member[9], n;

	(void)state;
	sc_port_set_add(&p[0].listen, 53);
	sc_port_set_add(&p[1].listen, 53);
	sc_port_set_add(&p[4].listen, 22);
	p[6].first = (struct sc_first_held){ 0 }; /* the monitor holds it first */
	assert_int_equal(sc_services_build(p, 9, &svc, &n, member), 0);
	assert_int_equal(n, 6);
	assert_true(member[0] != member[1]);
	assert_string_equal(svc[member[0]].name, "dnsmasq:53");
	assert_string_equal(svc[member[1]].name, "resolved:53");
	assert_true(member[2] != member[3]);
	assert_string_equal(svc[member[2]].name, "java");
	assert_string_equal(svc[member[3]].name, "java[21]");
	assert_true(member[4] == member[5] && member[5] == member[6]);
	assert_string_equal(svc[member[4]].name, "sshd:22");
	assert_int_equal(svc[member[4]].processes, 3);
	assert_int_equal(svc[member[4]].connections, 1);
	assert_true(member[7] == member[8]);
	assert_string_equal(svc[member[7]].name, "echo-srv");
	assert_int_equal(svc[member[7]].connections, 2);
	free(svc);
}

/* Commands cut inside a UTF-8 character: whole characters only, names still unique. */
static void test_cut_utf8(void **state)
{
	/* "обработчик" and "обработка" cut at 15 bytes: 7 characters and half of one. */
	struct sc_summary_proc p[] = {
		proc(10, 2, "\xd0\xbe\xd0\xb1\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd1", 1, 0),
		proc(11, 3, "\xd0\xbe\xd0\xb1\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0", 1, 0),
	};
	struct sc_service *svc;
	size_t n;

	(void)state;
	assert_int_equal(sc_services_build(p, 2, &svc, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(svc[0].name, "обработ");
	assert_string_equal(svc[1].name, "обработ[11]");
	free(svc);
}

/*
 * A process names itself (any 15 bytes): as "java[21]" it met the name
 * another java got to tell it apart, and as "a\xffb" or "a\xfeb" it became,
 * once the exposition replaced the invalid byte, the same label: two series
 * with one label set (found by tests/fuzz/fuzz_comm.c). Names stay unique
 * as exported.
 */
static void test_names_a_command_can_fake(void **state)
{
	struct sc_summary_proc p[] = {
		proc(20, 1, "java", 4, 0), proc(21, 1, "java", 3, 0), proc(22, 1, "java[21]", 2, 0),
		proc(50, 1, "a\xff" "b", 1, 0), proc(51, 1, "a\xfe" "b", 1, 0),
	};
	struct sc_service *svc;
	size_t member[5], n, i, j;

	(void)state;
	assert_int_equal(sc_services_build(p, 5, &svc, &n, member), 0);
	assert_int_equal(n, 5);
	assert_string_equal(svc[member[0]].name, "java");
	assert_string_equal(svc[member[1]].name, "java[21]");
	assert_string_equal(svc[member[2]].name, "java[21][22]");
	assert_string_equal(svc[member[3]].name, "a?b");
	assert_string_equal(svc[member[4]].name, "a?b[51]");
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_string_not_equal(svc[i].name, svc[j].name);
	free(svc);
}

static void test_empty(void **state)
{
	struct sc_service *svc = NULL;
	size_t n = 1;

	(void)state;
	assert_int_equal(sc_services_build(NULL, 0, &svc, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_false(sc_services_grouped(svc, n));
	free(svc);
}

static void test_port_set(void **state)
{
	struct sc_port_set s = {};
	__u16 k;

	(void)state;
	for (k = 20; k > 0; k--)
		sc_port_set_add(&s, k);
	sc_port_set_add(&s, 3);
	assert_int_equal(s.n, SC_PORT_SET_MAX);
	for (k = 0; k < SC_PORT_SET_MAX; k++)
		assert_int_equal(s.port[k], k + 1);
	assert_true(sc_port_set_has(&s, 8));
	assert_false(sc_port_set_has(&s, 9));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_name_and_worst_fd),
		cmocka_unit_test(test_namespaces_and_long_names),
		cmocka_unit_test(test_alike_and_one),
		cmocka_unit_test(test_cut_utf8),
		cmocka_unit_test(test_names_a_command_can_fake),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_port_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

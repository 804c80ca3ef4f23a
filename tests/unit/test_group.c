// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/group.c: `snapshot --by` names, and process rows
 * summed by cgroup v2 path, busiest first.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "group.h"

#define POD "/kubepods.slice/kubepods-pod9b2e7c41_3f5a_4d8e_b1c6_2a7f9e0d4c3b.slice/cri-containerd-" \
	"4f1a9c3e2b7d8a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f.scope"

static struct sc_process procs[] = {
	{ .pid = 10, .fds = 100, .cgroup = "/system.slice/nginx.service" },
	{ .pid = 11, .fds = 50, .cgroup = POD },
	{ .pid = 12, .fds = 70, .cgroup = "/system.slice/nginx.service" },
	{ .pid = 13, .fds = 5, .cgroup = "" },
};

static void test_parse(void **state)
{
	enum sc_group_by by = SC_BY_PORT;

	(void)state;
	assert_int_equal(sc_group_by_parse("process", &by), 0);
	assert_int_equal(by, SC_BY_PROCESS);
	assert_int_equal(sc_group_by_parse("cgroup", &by), 0);
	assert_int_equal(by, SC_BY_CGROUP);
	assert_int_equal(sc_group_by_parse("port", &by), 0);
	assert_int_equal(by, SC_BY_PORT);
	assert_int_equal(sc_group_by_parse("service", &by), 0);
	assert_int_equal(by, SC_BY_SERVICE);
	assert_int_equal(sc_group_by_parse("remote", &by), 0);
	assert_int_equal(by, SC_BY_REMOTE);
	assert_int_equal(sc_group_by_parse("remote-addr", &by), 0);
	assert_int_equal(by, SC_BY_REMOTE_ADDR);
	assert_int_equal(sc_group_by_parse("remote-address", &by), -EINVAL);
	assert_int_equal(sc_group_by_parse("pod", &by), -EINVAL);
	assert_int_equal(sc_group_by_parse("", &by), -EINVAL);
}

static void test_by_cgroup(void **state)
{
	struct sc_proc_row rows[] = {
		{ .process = &procs[1], .connections = 500, .idle_connections = 400,
		  .socket_memory_bytes = 1000 },
		{ .process = &procs[0], .connections = 300, .idle_connections = 10,
		  .socket_memory_bytes = 10 },
		{ .process = &procs[2], .connections = 250, .idle_connections = 5,
		  .socket_memory_bytes = 20 },
		{ .process = &procs[3], .connections = 1 },
	};
	struct sc_view v = { .procs = rows, .nprocs = 4 };
	struct sc_cgroup_row *g;
	size_t n;

	(void)state;
	assert_int_equal(sc_group_by_cgroup(&v, &g, &n), 0);
	assert_int_equal(n, 3);
	/* nginx's two workers: 550 connections, above the pod's 500. */
	assert_string_equal(g[0].cgroup, "/system.slice/nginx.service");
	assert_int_equal(g[0].processes, 2);
	assert_int_equal(g[0].connections, 550);
	assert_int_equal(g[0].idle_connections, 15);
	assert_int_equal(g[0].fds, 170);
	assert_int_equal(g[0].socket_memory_bytes, 30);
	assert_string_equal(g[1].cgroup, POD);
	assert_int_equal(g[1].processes, 1);
	assert_ptr_equal(g[1].container, &procs[1].container);
	assert_string_equal(g[2].cgroup, "");
	assert_int_equal(g[2].connections, 1);
	free(g);

	v.nprocs = 0;
	assert_int_equal(sc_group_by_cgroup(&v, &g, &n), 0);
	assert_int_equal(n, 0);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_by_cgroup),
	};

	return cmocka_run_group_tests_name("group", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* Unit tests for user/model/proc_text.c: the /proc and cgroup files' text, as a process may write it. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "proc_text.h"

/* The command holds ") S 1 " and spaces: fields count from the last ')'. */
static void test_stat_start_ticks(void **state)
{
	__u64 t = 0;

	(void)state;
	assert_int_equal(sc_stat_start_ticks("4242 (a) S 1 (b)) S 1 4242 4242 0 -1 4194624 86 0 0 "
					     "0 0 0 0 0 20 0 1 0 123456 10510336 500\n", &t), 0);
	assert_int_equal(t, 123456);
	assert_int_equal(sc_stat_start_ticks("4242 (a S 1 2 3", &t), -EINVAL);
	assert_int_equal(sc_stat_start_ticks("4242 (a) S 1 2 3", &t), -EINVAL);
}

static void test_statm_and_values(void **state)
{
	__u64 v = 0;

	(void)state;
	assert_int_equal(sc_statm_resident_pages("2566 500 400 246 0 290 0\n", &v), 0);
	assert_int_equal(v, 500);
	assert_int_equal(sc_statm_resident_pages("2566\n", &v), -EINVAL);
	assert_int_equal(sc_cgroup_value_parse("max\n", &v), 1);
	assert_int_equal(sc_cgroup_value_parse("1073741824\n", &v), 0);
	assert_int_equal(v, 1073741824);
	assert_int_equal(sc_cgroup_value_parse("\n", &v), -EINVAL);
}

/*
 * The v2 line is the one starting "0::". Read a line at a time into a fixed
 * buffer, a v1 cgroup path longer than the buffer went on in the next read,
 * and a path whose piece there started "0::" was taken as the v2 path: a
 * process in a crafted v1 cgroup named its own container.
 */
static void test_cgroup_v2_path(void **state)
{
	char text[1200], path[512];
	int n;

	(void)state;
	assert_int_equal(sc_cgroup_v2_path("12:pids:/user.slice\n1:name=systemd:/x\n0::/user.slice/"
					   "session-3.scope\n", path, sizeof(path)), 0);
	assert_string_equal(path, "/user.slice/session-3.scope");
	n = snprintf(text, sizeof(text), "12:memory:/%0508d0::/kubepods/pod9b2e7c41-3f5a-4d8e-b1c6-"
		     "2a7f9e0d4c3b/fake\n0::/system.slice/real.service", 0);
	assert_true(n > 519 && (size_t)n < sizeof(text));
	assert_int_equal(sc_cgroup_v2_path(text, path, sizeof(path)), 0);
	assert_string_equal(path, "/system.slice/real.service");
	/* Cut to the buffer, never past it. */
	assert_int_equal(sc_cgroup_v2_path("0::/abcdef", path, 5), 0);
	assert_string_equal(path, "/abc");
	assert_int_equal(sc_cgroup_v2_path("1:name=systemd:/x\n", path, sizeof(path)), -ENOENT);
	assert_int_equal(sc_cgroup_v2_path("", path, sizeof(path)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_start_ticks),
		cmocka_unit_test(test_statm_and_values),
		cmocka_unit_test(test_cgroup_v2_path),
	};

	return cmocka_run_group_tests_name("proc_text", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* Unit tests for user/model/smaps.c: /proc/PID/smaps_rollup into RSS, PSS and private bytes. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "smaps.h"

/* A PostgreSQL backend: most of its RSS is the shared buffers every backend maps. */
static const char backend[] =
	"55d0c0a9e000-7ffd5e1f1000 ---p 00000000 00:00 0                          [rollup]\n"
	"Rss:               14120 kB\n"
	"Pss:                2841 kB\n"
	"Pss_Dirty:          1900 kB\n"
	"Pss_Anon:            820 kB\n"
	"Pss_File:            611 kB\n"
	"Pss_Shmem:          1410 kB\n"
	"Shared_Clean:       6020 kB\n"
	"Shared_Dirty:       6900 kB\n"
	"Private_Clean:        12 kB\n"
	"Private_Dirty:      1188 kB\n"
	"Referenced:        14120 kB\n"
	"Anonymous:           820 kB\n"
	"Swap:                  4 kB\n";

static void test_backend(void **state)
{
	struct sc_proc_mem m;

	(void)state;
	assert_int_equal(sc_smaps_rollup_parse(backend, &m), 0);
	assert_int_equal(m.rss, 14120ull << 10);
	assert_int_equal(m.pss, 2841ull << 10);
	assert_int_equal(m.private_bytes, (12ull + 1188) << 10);
	assert_int_equal(m.anonymous, 820ull << 10);
	assert_int_equal(m.pss_anon, 820ull << 10);
	assert_int_equal(m.pss_file, 611ull << 10);
	assert_int_equal(m.pss_shmem, 1410ull << 10);
	assert_int_equal(m.swap, 4ull << 10);
	/* Pss_Dirty is not Pss: the prefix must match the whole name. */
	assert_true(m.pss != 1900ull << 10);
}

static void test_old_kernel_without_pss_parts(void **state)
{
	struct sc_proc_mem m;

	(void)state;
	assert_int_equal(sc_smaps_rollup_parse("Rss: 100 kB\nPss: 50 kB\nPrivate_Clean: 1 kB\n"
					       "Private_Dirty: 9 kB\n", &m), 0);
	assert_int_equal(m.private_bytes, 10ull << 10);
	assert_int_equal(m.pss_anon, 0);
}

static void test_missing_lines(void **state)
{
	struct sc_proc_mem m;

	(void)state;
	assert_int_equal(sc_smaps_rollup_parse("", &m), -EINVAL);
	assert_int_equal(sc_smaps_rollup_parse("Rss: 100 kB\nPss: 50 kB\n", &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend),
		cmocka_unit_test(test_old_kernel_without_pss_parts),
		cmocka_unit_test(test_missing_lines),
	};

	return cmocka_run_group_tests_name("smaps", tests, NULL, NULL);
}

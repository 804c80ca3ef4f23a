// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for tools/cost_args.c: defaults, the what-if list (defaults
 * merged with --whatif, sorted, unique, bounded), --ram-price, shared
 * filters and idle flags, and the one-line errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cost_args.h"

static struct cost_opts O;
static char err[256];

static enum args_result parse(const char *a1, const char *a2, const char *a3, const char *a4)
{
	char store[5][64];
	char *argv[6] = {};
	const char *in[] = { "cost", a1, a2, a3, a4 };
	int argc = 0, i;

	for (i = 0; i < 5 && in[i]; i++) {
		snprintf(store[i], sizeof(store[i]), "%s", in[i]);
		argv[argc++] = store[i];
	}
	memset(err, 0, sizeof(err));
	return cost_parse_args(argc, argv, &O, err, sizeof(err));
}

static void test_defaults(void **state)
{
	static const __u32 want[] = { 60, 180, 300, 900 };

	(void)state;
	assert_int_equal(parse(NULL, NULL, NULL, NULL), ARGS_OK);
	assert_false(O.json);
	assert_false(O.has_price);
	assert_int_equal(O.filter.pid, 0);
	assert_int_equal(O.filter.port, -1);
	assert_int_equal(O.policy.idle_after_ms, 180000);
	assert_int_equal(O.nwhatif, 4);
	assert_memory_equal(O.whatif_s, want, sizeof(want));
}

static void test_whatif_merged_sorted_unique(void **state)
{
	static const __u32 want[] = { 1, 3, 60, 120, 180, 300, 900 };

	(void)state;
	assert_int_equal(parse("--whatif", "120,3,60", "-w", "1"), ARGS_OK);
	assert_int_equal(O.nwhatif, 7);
	assert_memory_equal(O.whatif_s, want, sizeof(want));
}

static void test_whatif_errors(void **state)
{
	(void)state;
	assert_int_equal(parse("--whatif", "1,,2", NULL, NULL), ARGS_ERROR);
	assert_non_null(strstr(err, "--whatif '1,,2'"));
	assert_int_equal(parse("--whatif", ",5", NULL, NULL), ARGS_ERROR);
	assert_int_equal(parse("--whatif", "5,", NULL, NULL), ARGS_ERROR);
	assert_int_equal(parse("--whatif", "1.5", NULL, NULL), ARGS_ERROR);
	assert_int_equal(parse("--whatif", "-1", NULL, NULL), ARGS_ERROR);
	assert_int_equal(parse("--whatif", "1,2,3,4,5,6,7,8,9,10,11,12,13", NULL, NULL),
			 ARGS_ERROR);
	assert_non_null(strstr(err, "too many"));
	/* Twelve more fit beside the four defaults. */
	assert_int_equal(parse("--whatif", "1,2,3,4,5,6,7,8,9,10,11,12", NULL, NULL), ARGS_OK);
	assert_int_equal(O.nwhatif, 16);
}

static void test_price_scope_and_idle_flags(void **state)
{
	(void)state;
	assert_int_equal(parse("--ram-price", "4.25", "--pid", "42"), ARGS_OK);
	assert_true(O.has_price);
	assert_true(O.ram_price == 4.25);
	assert_int_equal(O.filter.pid, 42);
	assert_int_equal(parse("-P", "8080", "--heartbeat-bytes", "8"), ARGS_OK);
	assert_int_equal(O.filter.port, 8080);
	assert_int_equal(O.policy.heartbeat_bytes, 8);
	assert_null(O.note);
	assert_int_equal(parse("-H", "4", "-a", "6"), ARGS_OK);
	assert_int_equal(O.policy.heartbeat_bytes, 4);
	assert_null(O.note);
	/* The old spelling works for a release, with a note naming -H. */
	assert_int_equal(parse("-b", "5", NULL, NULL), ARGS_OK);
	assert_int_equal(O.policy.heartbeat_bytes, 5);
	assert_non_null(O.note);
	assert_non_null(strstr(O.note, "-H"));
	assert_int_equal(parse("--observe", "auto", "--idle-after", "7.5"), ARGS_OK);
	assert_true(O.observe_auto);
	assert_true(O.observe_s == 7.5);
	assert_int_equal(parse("--observe", "auto", "-a", "86401"), ARGS_ERROR);
	assert_non_null(strstr(err, "--observe auto"));
	assert_int_equal(parse("--observe", "2.5", "-j", NULL), ARGS_OK);
	assert_true(O.observe_s == 2.5);
	assert_false(O.observe_auto);
	assert_true(O.json);
	assert_int_equal(parse("--ram-price", "1e3", NULL, NULL), ARGS_ERROR);
	assert_non_null(strstr(err, "--ram-price"));
	assert_int_equal(parse("--port", "0", NULL, NULL), ARGS_ERROR);
	assert_int_equal(parse("--idle-only", NULL, NULL, NULL), ARGS_ERROR);
	assert_int_equal(parse("extra", NULL, NULL, NULL), ARGS_ERROR);
	assert_int_equal(parse("--help", NULL, NULL, NULL), ARGS_HELP);
}

static void test_app_limits(void **state)
{
	const struct sc_app_limit *l;

	(void)state;
	assert_int_equal(parse("--app-limit", "nginx=512", "-L", "4242=100"), ARGS_OK);
	assert_int_equal(O.napp_limits, 2);
	l = sc_app_limit_find(O.app_limits, O.napp_limits, 7, "nginx");
	assert_non_null(l);
	assert_int_equal(l->connections, 512);
	/* A pid's own limit wins over its command's. */
	l = sc_app_limit_find(O.app_limits, O.napp_limits, 4242, "nginx");
	assert_int_equal(l->connections, 100);
	assert_null(sc_app_limit_find(O.app_limits, O.napp_limits, 8, "redis-server"));
	/* A command name may hold '=': the value follows the last one. */
	assert_int_equal(parse("--app-limit", "a=b=3", NULL, NULL), ARGS_OK);
	assert_string_equal(O.app_limits[0].comm, "a=b");
}

static void test_app_limit_errors(void **state)
{
	static const char *const bad[] = {
		"nginx", "=5", "nginx=", "nginx=-1", "nginx=0", "nginx=5x", "0=5", "99999999=5",
		"a-command-name-too-long=5",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse("--app-limit", bad[i], NULL, NULL), ARGS_ERROR);
		assert_non_null(strstr(err, "invalid --app-limit"));
		assert_non_null(strstr(err, bad[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_whatif_merged_sorted_unique),
		cmocka_unit_test(test_whatif_errors),
		cmocka_unit_test(test_price_scope_and_idle_flags),
		cmocka_unit_test(test_app_limits),
		cmocka_unit_test(test_app_limit_errors),
	};

	return cmocka_run_group_tests_name("cost_args", tests, NULL, NULL);
}

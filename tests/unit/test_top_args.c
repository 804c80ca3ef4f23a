// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for tools/top_args.c: top_parse_args() defaults, every option
 * in long and short form, value errors naming the option, --help.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "top_args.h"

#define MAX_ARGS 24
#define ARG_LEN 1100

static struct {
	char store[MAX_ARGS][ARG_LEN];
	char *argv[MAX_ARGS + 1];
	struct top_opts o;
	char err[256];
} P;

static enum args_result parse(const char *first, ...)
{
	const char *a = first;
	va_list ap;
	int argc = 1;

	memset(&P, 0, sizeof(P));
	strcpy(P.store[0], "top");
	P.argv[0] = P.store[0];
	va_start(ap, first);
	for (; a; a = va_arg(ap, const char *)) {
		assert_true(argc < MAX_ARGS && strlen(a) < ARG_LEN);
		strcpy(P.store[argc], a);
		P.argv[argc] = P.store[argc];
		argc++;
	}
	va_end(ap);
	return top_parse_args(argc, P.argv, &P.o, P.err, sizeof(P.err));
}

#define PARSE(...) parse(__VA_ARGS__, (const char *)NULL)

static void assert_ok(enum args_result r)
{
	if (r != ARGS_OK)
		print_error("unexpected error: %s\n", P.err);
	assert_int_equal(r, ARGS_OK);
}

static void assert_error_mentions(enum args_result r, const char *what)
{
	assert_int_equal(r, ARGS_ERROR);
	if (!strstr(P.err, what))
		print_error("message \"%s\" does not mention \"%s\"\n", P.err, what);
	assert_non_null(strstr(P.err, what));
}

static void test_defaults(void **state)
{
	(void)state;
	assert_ok(parse(NULL));
	assert_true(P.o.delay_s == 2.0);
	assert_int_equal(P.o.iterations, 0);
	assert_false(P.o.batch);
	assert_false(P.o.json);
	assert_false(P.o.no_color);
	assert_int_equal(P.o.npids, 0);
	assert_int_equal(P.o.port, -1);
	assert_int_equal(P.o.sort, TOP_COL_CONN);
	assert_int_equal(P.o.policy.idle_after_ms, 180000);
	assert_int_equal(P.o.policy.heartbeat_bytes, 0);
	assert_true(P.o.fd_window_s == 60.0);
}

static void test_long_options(void **state)
{
	(void)state;
	assert_ok(PARSE("--delay", "0.5", "--iterations", "3", "--batch", "--pid", "7,9",
			"--port", "8080", "--sort", "fd%", "--no-color", "--idle-after", "2.5",
			"--heartbeat-bytes", "8", "--verbose", "--fd-window", "300"));
	assert_true(P.o.fd_window_s == 300.0);
	assert_true(P.o.delay_s == 0.5);
	assert_int_equal(P.o.iterations, 3);
	assert_true(P.o.batch);
	assert_false(P.o.json);
	assert_int_equal(P.o.npids, 2);
	assert_int_equal(P.o.pids[0], 7);
	assert_int_equal(P.o.pids[1], 9);
	assert_int_equal(P.o.port, 8080);
	assert_int_equal(P.o.sort, TOP_COL_FD_PCT);
	assert_true(P.o.no_color);
	assert_true(P.o.verbose);
	assert_int_equal(P.o.policy.idle_after_ms, 2500);
	assert_int_equal(P.o.policy.heartbeat_bytes, 8);
}

static void test_short_options(void **state)
{
	(void)state;
	assert_ok(PARSE("-d", "1", "-n", "2", "-b", "-p", "5", "-p", "6", "-P", "443", "-s", "RSS",
			"-C", "-a", "60", "-v"));
	assert_true(P.o.delay_s == 1.0);
	assert_int_equal(P.o.iterations, 2);
	assert_true(P.o.batch);
	assert_int_equal(P.o.npids, 2);
	assert_int_equal(P.o.pids[1], 6);
	assert_int_equal(P.o.port, 443);
	assert_int_equal(P.o.sort, TOP_COL_RSS);
	assert_true(P.o.no_color);
	assert_int_equal(P.o.policy.idle_after_ms, 60000);
}

/* -b is batch (top(1)'s meaning); -H is --heartbeat-bytes, as in every command. */
static void test_batch_and_heartbeat_letters(void **state)
{
	(void)state;
	assert_ok(PARSE("-b", "-H", "4"));
	assert_true(P.o.batch);
	assert_int_equal(P.o.policy.heartbeat_bytes, 4);
	assert_ok(PARSE("-bH8"));
	assert_true(P.o.batch);
	assert_int_equal(P.o.policy.heartbeat_bytes, 8);
	assert_error_mentions(PARSE("-H", "x"), "--heartbeat-bytes");
	assert_error_mentions(PARSE("-H"), "-H");
}

/* --json is a batch format: it needs no -b. */
static void test_json_implies_batch(void **state)
{
	(void)state;
	assert_ok(PARSE("-j"));
	assert_true(P.o.json && P.o.batch);
	assert_ok(PARSE("-bjn", "4"));
	assert_true(P.o.json && P.o.batch);
	assert_int_equal(P.o.iterations, 4);
}

static void test_bad_values(void **state)
{
	char many[ARG_LEN] = "1";
	int i;

	(void)state;
	assert_error_mentions(PARSE("-d", "0"), "--delay");
	assert_error_mentions(PARSE("-d", "0.05"), "--delay");
	assert_error_mentions(PARSE("-d", "1e3"), "--delay");
	assert_error_mentions(PARSE("-n", "0"), "--iterations");
	assert_error_mentions(PARSE("-n", "-1"), "--iterations");
	assert_error_mentions(PARSE("-p", "x"), "--pid");
	assert_error_mentions(PARSE("-p", "1,,2"), "--pid");
	assert_error_mentions(PARSE("-p", "1,"), "--pid");
	assert_error_mentions(PARSE("-p", "0"), "--pid");
	assert_error_mentions(PARSE("--port", "0"), "--port");
	assert_error_mentions(PARSE("--port", "65536"), "--port");
	assert_error_mentions(PARSE("--sort", "cpu"), "--sort");
	assert_error_mentions(PARSE("--fd-window", "9"), "--fd-window");
	assert_error_mentions(PARSE("--fd-window", "86401"), "--fd-window");
	assert_error_mentions(PARSE("--fd-window", "x"), "--fd-window");
	assert_error_mentions(PARSE("-w", "15"), "-w");
	assert_error_mentions(PARSE("--idle-after", "-3"), "--idle-after");
	assert_error_mentions(PARSE("--heartbeat-bytes", "1k"), "--heartbeat-bytes");
	for (i = 2; i <= TOP_MAX_PIDS + 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), ",%d", i);
	assert_error_mentions(PARSE("-p", many), "--pid");
}

static void test_usage_errors(void **state)
{
	(void)state;
	assert_error_mentions(PARSE("--bogus"), "--bogus");
	assert_error_mentions(PARSE("-x"), "-x");
	assert_error_mentions(PARSE("-d"), "-d");
	assert_error_mentions(PARSE("--heartbeat-bytes"), "--heartbeat-bytes");
	assert_error_mentions(PARSE("extra"), "extra");
	assert_int_equal(PARSE("-h"), ARGS_HELP);
	assert_int_equal(PARSE("-b", "--help"), ARGS_HELP);
	assert_non_null(strstr(top_usage, "Usage: sockcost top"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_long_options),
		cmocka_unit_test(test_short_options),
		cmocka_unit_test(test_batch_and_heartbeat_letters),
		cmocka_unit_test(test_json_implies_batch),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_usage_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

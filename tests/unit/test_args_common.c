// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for tools/args_common.c, the parsing every command shares:
 * the --pid/--port/--observe/--idle-after/--heartbeat-bytes values (range
 * edges, exact messages, output untouched on error), the default idle
 * policy, and the lines for what getopt_long refuses. parse_uint() and
 * parse_seconds() are covered in test_args.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "args_common.h"

static char ERR[256];

static void test_pid(void **state)
{
	__u32 pid = 7;

	(void)state;
	assert_int_equal(parse_pid_option("1", &pid, ERR, sizeof(ERR)), 0);
	assert_int_equal(pid, 1);
	assert_int_equal(parse_pid_option("4194304", &pid, ERR, sizeof(ERR)), 0);
	assert_int_equal(pid, 4194304);
	pid = 7;
	assert_int_equal(parse_pid_option("4194305", &pid, ERR, sizeof(ERR)), -EINVAL);
	assert_string_equal(ERR, "invalid --pid '4194305': expected a process id");
	assert_int_equal(parse_pid_option("0", &pid, ERR, sizeof(ERR)), -EINVAL);
	assert_int_equal(parse_pid_option("12,13", &pid, ERR, sizeof(ERR)), -EINVAL);
	assert_int_equal(pid, 7);
}

static void test_port(void **state)
{
	int port = -1;

	(void)state;
	assert_int_equal(parse_port_option("65535", &port, ERR, sizeof(ERR)), 0);
	assert_int_equal(port, 65535);
	port = -1;
	assert_int_equal(parse_port_option("65536", &port, ERR, sizeof(ERR)), -EINVAL);
	assert_string_equal(ERR, "invalid --port '65536': expected 1-65535");
	assert_int_equal(parse_port_option("0", &port, ERR, sizeof(ERR)), -EINVAL);
	assert_int_equal(parse_port_option("http", &port, ERR, sizeof(ERR)), -EINVAL);
	assert_int_equal(port, -1);
}

static void test_observe(void **state)
{
	struct sc_idle_policy p = { .idle_after_ms = 6000 };
	bool autow = true;
	double secs;

	(void)state;
	assert_int_equal(parse_observe_option("0", &secs, &autow, ERR, sizeof(ERR)), 0);
	assert_true(secs == 0);
	assert_false(autow); /* a number after auto: the last one wins */
	assert_int_equal(parse_observe_option("86400", &secs, &autow, ERR, sizeof(ERR)), 0);
	assert_true(secs == 86400);
	secs = -1;
	assert_int_equal(parse_observe_option("86400.5", &secs, &autow, ERR, sizeof(ERR)), -EINVAL);
	assert_string_equal(ERR, "invalid --observe '86400.5': expected 0-86400 seconds or auto");
	assert_int_equal(parse_observe_option("1e3", &secs, &autow, ERR, sizeof(ERR)), -EINVAL);
	assert_int_equal(parse_observe_option("Auto", &secs, &autow, ERR, sizeof(ERR)), -EINVAL);
	assert_true(secs == -1);
	assert_false(autow);

	assert_int_equal(parse_observe_option("auto", &secs, &autow, ERR, sizeof(ERR)), 0);
	assert_true(autow);
	assert_int_equal(resolve_observe_auto(&p, &secs, ERR, sizeof(ERR)), 0);
	assert_true(secs == 6);
	p.idle_after_ms = 86400001; /* a day and a millisecond: more than --observe takes */
	assert_int_equal(resolve_observe_auto(&p, &secs, ERR, sizeof(ERR)), -EINVAL);
	assert_non_null(strstr(ERR, "--observe auto"));
	assert_non_null(strstr(ERR, "--idle-after"));
	assert_true(secs == 6);
}

static void test_idle_policy(void **state)
{
	struct sc_idle_policy p = { 1, 1 };
	const char *note = NULL;

	(void)state;
	idle_policy_defaults(&p);
	assert_int_equal(p.idle_after_ms, SC_DEFAULT_IDLE_AFTER_S * 1000ull);
	assert_int_equal(p.heartbeat_bytes, SC_DEFAULT_HEARTBEAT_BYTES);

	assert_int_equal(parse_idle_after_option("0.0005", &p, ERR, sizeof(ERR)), 0);
	assert_int_equal(p.idle_after_ms, 1); /* rounded, not truncated */
	assert_int_equal(parse_idle_option('a', "31536000", &p, &note, ERR, sizeof(ERR)), 0);
	assert_int_equal(p.idle_after_ms, 31536000000ull);
	assert_int_equal(parse_idle_option('a', "31536000.1", &p, &note, ERR, sizeof(ERR)),
			 -EINVAL);
	assert_string_equal(ERR, "invalid --idle-after '31536000.1': expected seconds >= 0");
	assert_int_equal(p.idle_after_ms, 31536000000ull);

	assert_int_equal(parse_heartbeat_option("2147483648", &p, ERR, sizeof(ERR)), 0);
	assert_int_equal(p.heartbeat_bytes, 1ull << 31);
	assert_int_equal(parse_idle_option('H', "2147483649", &p, &note, ERR, sizeof(ERR)),
			 -EINVAL);
	assert_string_equal(ERR, "invalid --heartbeat-bytes '2147483649': expected bytes >= 0");
	assert_int_equal(p.heartbeat_bytes, 1ull << 31);
	assert_null(note);
}

/* -H is --heartbeat-bytes everywhere; the old -b still works, saying what replaces it. */
static void test_heartbeat_spellings(void **state)
{
	struct sc_idle_policy p = {};
	const char *note = NULL;

	(void)state;
	assert_int_equal(ARGS_OPT_HEARTBEAT, 'H');
	assert_int_equal(parse_idle_option(ARGS_OPT_HEARTBEAT, "4", &p, &note, ERR, sizeof(ERR)), 0);
	assert_int_equal(p.heartbeat_bytes, 4);
	assert_null(note);
	assert_int_equal(parse_idle_option(ARGS_OPT_HEARTBEAT_OLD, "8", &p, &note, ERR, sizeof(ERR)),
			 0);
	assert_int_equal(p.heartbeat_bytes, 8);
	assert_non_null(note);
	assert_non_null(strstr(note, "-b"));
	assert_non_null(strstr(note, "deprecated"));
	assert_non_null(strstr(note, "-H"));
	assert_null(strchr(note, '\n')); /* one line */
}

#define OPT_LONG_ONLY 256

/*
 * Runs getopt_long the way every command does over "cmd" and up to three
 * words; returns the result of the first refusal, or of args_no_operands.
 */
static enum args_result run_getopt(const char *w1, const char *w2, const char *w3)
{
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "count", required_argument, NULL, 'n' },
		{ "long-only", no_argument, NULL, OPT_LONG_ONLY },
		{},
	};
	char words[4][32] = { "cmd" };
	char *argv[5] = { words[0] };
	const char *given[3] = { w1, w2, w3 };
	int argc = 1, c, i;

	for (i = 0; i < 3 && given[i]; i++) {
		snprintf(words[argc], sizeof(words[argc]), "%s", given[i]);
		argv[argc] = words[argc];
		argc++;
	}
	memset(ERR, 0, sizeof(ERR));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vn:", longopts, NULL)) != -1)
		if (c != 'v' && c != 'n' && c != OPT_LONG_ONLY)
			return args_getopt_error(c, argv, ERR, sizeof(ERR));
	return args_no_operands(argc, argv, ERR, sizeof(ERR));
}

static void test_getopt_refusals(void **state)
{
	(void)state;
	assert_int_equal(run_getopt("-v", "--count=3", "--long-only"), ARGS_OK);
	assert_int_equal(run_getopt("-n", NULL, NULL), ARGS_ERROR);
	assert_string_equal(ERR, "option '-n' needs a value");
	assert_int_equal(run_getopt("-v", "--count", NULL), ARGS_ERROR);
	assert_string_equal(ERR, "option '--count' needs a value");
	assert_int_equal(run_getopt("-x", NULL, NULL), ARGS_ERROR);
	assert_string_equal(ERR, "unknown option '-x' (see --help)");
	/* Inside a cluster optind has not moved on: the letter is named. */
	assert_int_equal(run_getopt("-xv", NULL, NULL), ARGS_ERROR);
	assert_string_equal(ERR, "unknown option '-x' (see --help)");
	assert_int_equal(run_getopt("--bogus", NULL, NULL), ARGS_ERROR);
	assert_string_equal(ERR, "unknown option '--bogus' (see --help)");
	/* A long-only option has no letter to name. */
	assert_int_equal(run_getopt("--long-only=1", NULL, NULL), ARGS_ERROR);
	assert_string_equal(ERR, "unknown option '--long-only=1' (see --help)");
	assert_int_equal(run_getopt("-v", "extra", "more"), ARGS_ERROR);
	assert_string_equal(ERR, "unexpected argument 'extra' (see --help)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pid),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_observe),
		cmocka_unit_test(test_heartbeat_spellings),
		cmocka_unit_test(test_idle_policy),
		cmocka_unit_test(test_getopt_refusals),
	};

	return cmocka_run_group_tests_name("args_common", tests, NULL, NULL);
}

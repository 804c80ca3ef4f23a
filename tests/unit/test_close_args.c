// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/args/close_args.c: close_parse_args() defaults, every
 * option, the refusals (no --pid/--port/--service), value errors and their
 * messages, --help; and the --service option snapshot shares.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "close_args.h"
#include "snapshot_args.h"

#define MAX_ARGS 40
#define ARG_LEN 96

/* The last parse: writable argv (getopt permutes it), options, message. */
struct parse {
	char store[MAX_ARGS][ARG_LEN];
	char *argv[MAX_ARGS + 1];
	int argc;
	struct close_opts o;
	char err[256];
	enum args_result res;
};

static struct parse P;

static void fill(const char *cmd, const char *first, va_list ap)
{
	const char *a = first;

	memset(P.store, 0, sizeof(P.store));
	memset(P.argv, 0, sizeof(P.argv));
	memset(P.err, 0, sizeof(P.err));
	strcpy(P.store[0], cmd);
	P.argv[0] = P.store[0];
	P.argc = 1;
	for (; a; a = va_arg(ap, const char *)) {
		assert_true(P.argc < MAX_ARGS);
		assert_true(strlen(a) < ARG_LEN);
		strcpy(P.store[P.argc], a);
		P.argv[P.argc] = P.store[P.argc];
		P.argc++;
	}
	P.argv[P.argc] = NULL;
}

/* Parses "close" followed by the NULL-terminated arguments. */
static enum args_result parse(const char *first, ...)
{
	va_list ap;

	va_start(ap, first);
	fill("close", first, ap);
	va_end(ap);
	P.res = close_parse_args(P.argc, P.argv, &P.o, P.err, sizeof(P.err));
	return P.res;
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
	assert_null(strchr(P.err, '\n')); /* one line */
}

static void test_defaults(void **state)
{
	(void)state;
	assert_ok(PARSE("--port", "8080"));
	assert_false(P.o.yes);
	assert_false(P.o.json);
	assert_false(P.o.busy_too);
	assert_int_equal(P.o.max, 1000);
	assert_int_equal(P.o.rows, 20);
	assert_int_equal(P.o.method, SC_CLOSE_AUTO);
	assert_string_equal(P.o.log_path, "/var/log/sockcost/close.log");
	assert_true(P.o.wait_s == 1.0);
	assert_int_equal(P.o.filter.pid, 0);
	assert_int_equal(P.o.filter.port, 8080);
	assert_string_equal(P.o.filter.service, "");
	assert_int_equal(P.o.policy.idle_after_ms, 180000);
	assert_true(P.o.observe_s == 0.0);
}

/* Closing is never host-wide: a selection is required, and idle policy alone is none. */
static void test_refuses_without_selection(void **state)
{
	(void)state;
	assert_error_mentions(parse(NULL), "without --pid, --port or --service");
	assert_error_mentions(PARSE("--yes"), "without --pid, --port or --service");
	assert_error_mentions(PARSE("--idle-after", "1", "--yes", "--max", "5"),
			      "never host-wide");
	assert_ok(PARSE("--pid", "42"));
	assert_ok(PARSE("-S", "nginx:8080"));
	assert_ok(PARSE("-P", "5432"));
}

static void test_all_options(void **state)
{
	(void)state;
	assert_ok(PARSE("--pid", "42", "--port", "8080", "--service", "nginx:8080", "--yes",
			"--json", "--include-busy", "--max", "7", "--method", "diag", "--log",
			"/tmp/x.log", "--wait", "0.5", "--rows", "3", "--idle-after", "60",
			"--heartbeat-bytes", "8", "--observe", "2", "--verbose"));
	assert_int_equal(P.o.filter.pid, 42);
	assert_int_equal(P.o.filter.port, 8080);
	assert_string_equal(P.o.filter.service, "nginx:8080");
	assert_true(P.o.yes);
	assert_true(P.o.json);
	assert_true(P.o.busy_too);
	assert_true(P.o.verbose);
	assert_int_equal(P.o.max, 7);
	assert_int_equal(P.o.method, SC_CLOSE_DIAG);
	assert_string_equal(P.o.log_path, "/tmp/x.log");
	assert_true(P.o.wait_s == 0.5);
	assert_int_equal(P.o.rows, 3);
	assert_int_equal(P.o.policy.idle_after_ms, 60000);
	assert_int_equal(P.o.policy.heartbeat_bytes, 8);
	assert_true(P.o.observe_s == 2.0);

	assert_ok(PARSE("-p", "1", "-y", "-j", "-a", "5", "-H", "4", "-o", "auto"));
	assert_true(P.o.yes);
	assert_true(P.o.json);
	assert_true(P.o.observe_s == 5.0); /* auto: --idle-after's */
	assert_ok(PARSE("-p", "1", "--method", "bpf"));
	assert_int_equal(P.o.method, SC_CLOSE_BPF);
	assert_ok(PARSE("-p", "1", "--method", "auto"));
	assert_int_equal(P.o.method, SC_CLOSE_AUTO);
}

static void test_value_errors(void **state)
{
	(void)state;
	assert_error_mentions(PARSE("-p", "1", "--max", "0"), "invalid --max '0'");
	assert_error_mentions(PARSE("-p", "1", "--max", "x"), "invalid --max 'x'");
	assert_error_mentions(PARSE("-p", "1", "--max", "1000001"), "1-1000000");
	assert_error_mentions(PARSE("-p", "1", "--method", "kill"), "expected auto, bpf or diag");
	assert_error_mentions(PARSE("-p", "1", "--wait", "-1"), "invalid --wait");
	assert_error_mentions(PARSE("-p", "1", "--wait", "61"), "invalid --wait");
	assert_error_mentions(PARSE("-p", "1", "--log", ""), "invalid --log");
	assert_error_mentions(PARSE("-p", "1", "--rows", "0"), "invalid --rows");
	assert_error_mentions(PARSE("-p", "0"), "--pid");
	assert_error_mentions(PARSE("-P", "70000"), "--port");
	assert_error_mentions(PARSE("-S", ""), "invalid --service ''");
	assert_error_mentions(PARSE("-S", "a-name-of-more-than-sixty-three-bytes-is-longer-than-"
				    "any-service"), "1-63 bytes");
	assert_error_mentions(PARSE("-p", "1", "--bogus"), "unknown option '--bogus'");
	assert_error_mentions(PARSE("-p", "1", "extra"), "unexpected argument 'extra'");
	assert_error_mentions(PARSE("-p", "1", "--max"), "needs a value");
	/* -b was --heartbeat-bytes elsewhere, deprecated: a new command never had it. */
	assert_error_mentions(PARSE("-p", "1", "-b", "4"), "unknown option '-b'");
}

/* --health: the broken classes close sheds, with the thresholds snapshot has. */
static void test_health(void **state)
{
	(void)state;
	assert_ok(PARSE("-p", "1", "--health", "close_wait,stalled", "--close-wait-after", "300",
			"--stall-after", "5", "--nat-timeout", "600"));
	assert_int_equal(P.o.filter.health_mask,
			 (1u << SC_HEALTH_CLOSE_WAIT) | (1u << SC_HEALTH_STALLED));
	assert_int_equal(P.o.filter.health.close_wait_after_ms, 300000);
	assert_int_equal(P.o.filter.health.stall_after_ms, 5000);
	assert_int_equal(P.o.filter.health.nat_timeout_ms, 600000);
	assert_ok(PARSE("-P", "80", "--health", "dead_peer_risk"));
	assert_int_equal(P.o.filter.health_mask, 1u << SC_HEALTH_DEAD_PEER_RISK);

	/* No holder to abort, or nothing broken: refused, naming the class. */
	assert_error_mentions(PARSE("-p", "1", "--health", "time_wait"), "--health time_wait");
	assert_error_mentions(PARSE("-p", "1", "--health", "close_wait,orphaned"),
			      "--health orphaned");
	assert_error_mentions(PARSE("-p", "1", "--health", "ok"), "--health ok");
	assert_error_mentions(PARSE("-p", "1", "--health", "leaky"), "leaky");
	/* A class is no selection: closing stays scoped. */
	assert_error_mentions(PARSE("--health", "close_wait"), "--pid, --port or --service");
}

/* --help wins over everything, even a missing selection. */
static void test_help(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--help"), ARGS_HELP);
	assert_int_equal(PARSE("-y", "-h"), ARGS_HELP);
	assert_non_null(strstr(close_usage, "Usage: sockcost close"));
	assert_non_null(strstr(close_usage, "CLOSE-WAIT"));
	assert_non_null(strstr(close_usage, "--yes"));
}

/* The parser runs more than once in a process: every field is reset. */
static void test_parse_twice(void **state)
{
	(void)state;
	assert_ok(PARSE("-S", "pg", "-y", "--max", "3"));
	assert_ok(PARSE("-p", "9"));
	assert_false(P.o.yes);
	assert_int_equal(P.o.max, 1000);
	assert_string_equal(P.o.filter.service, "");
}

/* snapshot takes --service too, with the same checks. */
static void test_snapshot_service(void **state)
{
	struct snapshot_opts o;
	char err[256];

	(void)state;
	memset(P.store, 0, sizeof(P.store));
	strcpy(P.store[0], "snapshot");
	strcpy(P.store[1], "--service");
	strcpy(P.store[2], "postgres:5432");
	P.argv[0] = P.store[0];
	P.argv[1] = P.store[1];
	P.argv[2] = P.store[2];
	P.argv[3] = NULL;
	assert_int_equal(snapshot_parse_args(3, P.argv, &o, err, sizeof(err)), ARGS_OK);
	assert_string_equal(o.filter.service, "postgres:5432");
	strcpy(P.store[1], "-S");
	strcpy(P.store[2], "");
	P.argv[1] = P.store[1];
	P.argv[2] = P.store[2];
	assert_int_equal(snapshot_parse_args(3, P.argv, &o, err, sizeof(err)), ARGS_ERROR);
	assert_non_null(strstr(err, "invalid --service"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_refuses_without_selection),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_parse_twice),
		cmocka_unit_test(test_snapshot_service),
	};

	return cmocka_run_group_tests_name("close_args", tests, NULL, NULL);
}

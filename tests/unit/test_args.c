// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for tools/snapshot_args.c: snapshot_parse_args() defaults,
 * every option in long and short form, value errors and their messages,
 * --help; and the strict number parsers parse_uint() and parse_seconds().
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot_args.h"

#define MAX_ARGS 16
#define ARG_LEN 64

/* The last parse: writable argv (getopt permutes it), options, message. */
struct parse {
	char store[MAX_ARGS][ARG_LEN];
	char *argv[MAX_ARGS + 1];
	int argc;
	struct snapshot_opts o;
	char err[256];
	enum args_result res;
};

static struct parse P;

/* Parses "snapshot" followed by the NULL-terminated arguments. */
static enum args_result parse(const char *first, ...)
{
	const char *a = first;
	va_list ap;

	/* P.o keeps the previous parse's values: the parser must reset them. */
	memset(P.store, 0, sizeof(P.store));
	memset(P.argv, 0, sizeof(P.argv));
	memset(P.err, 0, sizeof(P.err));
	strcpy(P.store[0], "snapshot");
	P.argv[0] = P.store[0];
	P.argc = 1;
	va_start(ap, first);
	for (; a; a = va_arg(ap, const char *)) {
		assert_true(P.argc < MAX_ARGS);
		assert_true(strlen(a) < ARG_LEN);
		strcpy(P.store[P.argc], a);
		P.argv[P.argc] = P.store[P.argc];
		P.argc++;
	}
	va_end(ap);
	P.argv[P.argc] = NULL;
	P.res = snapshot_parse_args(P.argc, P.argv, &P.o, P.err, sizeof(P.err));
	return P.res;
}

#define PARSE(...) parse(__VA_ARGS__, (const char *)NULL)

static void assert_ok(enum args_result r)
{
	if (r != ARGS_OK)
		print_error("unexpected error: %s\n", P.err);
	assert_int_equal(r, ARGS_OK);
}

/* An ARGS_ERROR whose message names what the user got wrong. */
static void assert_error_mentions(enum args_result r, const char *what)
{
	assert_int_equal(r, ARGS_ERROR);
	if (!strstr(P.err, what))
		print_error("message \"%s\" does not mention \"%s\"\n", P.err, what);
	assert_non_null(strstr(P.err, what));
}

static void assert_defaults(const struct snapshot_opts *o)
{
	assert_false(o->json);
	assert_false(o->sockets);
	assert_false(o->verbose);
	assert_true(o->observe_s == 0.0);
	assert_int_equal(o->filter.pid, 0);
	assert_int_equal(o->filter.port, -1);
	assert_false(o->filter.idle_only);
	assert_int_equal(o->policy.idle_after_ms, 180000);
	assert_int_equal(o->policy.heartbeat_bytes, 0);
	assert_int_equal(o->by, SC_BY_DEFAULT);
}

static void test_defaults(void **state)
{
	(void)state;
	assert_ok(parse(NULL));
	assert_defaults(&P.o);
}

/* Every field is reset, even when the struct held values before. */
static void test_defaults_overwrite_old_values(void **state)
{
	(void)state;
	assert_ok(PARSE("-j", "-p", "7", "-a", "1"));
	assert_ok(parse(NULL));
	assert_defaults(&P.o);
}

/* The parser runs more than once in a process (optind reset). */
static void test_parse_twice(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--port", "0"), ARGS_ERROR);
	assert_ok(PARSE("--port", "443"));
	assert_int_equal(P.o.filter.port, 443);
	assert_ok(PARSE("-P", "80"));
	assert_int_equal(P.o.filter.port, 80);
}

static void assert_all_set(const struct snapshot_opts *o)
{
	assert_true(o->json);
	assert_true(o->sockets);
	assert_true(o->verbose);
	assert_true(o->filter.idle_only);
	assert_int_equal(o->filter.pid, 42);
	assert_int_equal(o->filter.port, 8080);
	assert_int_equal(o->policy.idle_after_ms, 60000);
	assert_int_equal(o->policy.heartbeat_bytes, 16);
	assert_true(o->observe_s == 2.5);
}

static void test_long_options(void **state)
{
	(void)state;
	assert_ok(PARSE("--json", "--sockets", "--pid", "42", "--port", "8080", "--idle-only",
			"--idle-after", "60", "--heartbeat-bytes", "16", "--observe", "2.5",
			"--verbose"));
	assert_all_set(&P.o);
}

static void test_long_options_with_equals(void **state)
{
	(void)state;
	assert_ok(PARSE("--json", "--sockets", "--pid=42", "--port=8080", "--idle-only",
			"--idle-after=60", "--heartbeat-bytes=16", "--observe=2.5", "--verbose"));
	assert_all_set(&P.o);
}

static void test_short_options(void **state)
{
	(void)state;
	assert_ok(PARSE("-j", "-s", "-p", "42", "-P", "8080", "-i", "-a", "60", "-H", "16",
			"-o", "2.5", "-v"));
	assert_all_set(&P.o);
	assert_null(P.o.note);
}

/* -b, the old short --heartbeat-bytes, still works for a release and says so. */
static void test_old_heartbeat_spelling(void **state)
{
	(void)state;
	assert_ok(PARSE("-j", "-s", "-p", "42", "-P", "8080", "-i", "-a", "60", "-b", "16",
			"-o", "2.5", "-v"));
	assert_all_set(&P.o);
	assert_non_null(P.o.note);
	assert_non_null(strstr(P.o.note, "-H"));
	assert_ok(PARSE("-b16"));
	assert_int_equal(P.o.policy.heartbeat_bytes, 16);
	assert_non_null(P.o.note);
	/* The parser starts over: no note left from the previous parse. */
	assert_ok(PARSE("--heartbeat-bytes", "16"));
	assert_null(P.o.note);
}

/* --observe auto watches for --idle-after, wherever -a stands. */
static void test_observe_auto(void **state)
{
	(void)state;
	assert_ok(PARSE("--observe", "auto", "-a", "6"));
	assert_true(P.o.observe_auto);
	assert_true(P.o.observe_s == 6.0);
	assert_ok(PARSE("-a", "2.5", "-o", "auto"));
	assert_true(P.o.observe_s == 2.5);
	assert_ok(PARSE("--observe=auto"));
	assert_true(P.o.observe_s == 180.0);
	assert_ok(PARSE("-o", "auto", "-o", "3"));
	assert_false(P.o.observe_auto);
	assert_true(P.o.observe_s == 3.0);
	assert_error_mentions(PARSE("-o", "auto", "-a", "86401"), "--observe auto");
}

static void test_short_options_grouped_and_attached(void **state)
{
	(void)state;
	assert_ok(PARSE("-jsiv", "-p42", "-P8080", "-a60", "-H16", "-o2.5"));
	assert_all_set(&P.o);
}

static void test_fractional_idle_after(void **state)
{
	(void)state;
	assert_ok(PARSE("--idle-after", "0.5"));
	assert_int_equal(P.o.policy.idle_after_ms, 500);
	assert_ok(PARSE("-a", ".25"));
	assert_int_equal(P.o.policy.idle_after_ms, 250);
	assert_ok(PARSE("-a", "2.25"));
	assert_int_equal(P.o.policy.idle_after_ms, 2250);
	assert_ok(PARSE("-a", "0"));
	assert_int_equal(P.o.policy.idle_after_ms, 0);
}

static void test_limits_accepted(void **state)
{
	(void)state;
	assert_ok(PARSE("--port", "1"));
	assert_int_equal(P.o.filter.port, 1);
	assert_ok(PARSE("--port", "65535"));
	assert_int_equal(P.o.filter.port, 65535);
	assert_ok(PARSE("--pid", "4194304"));
	assert_int_equal(P.o.filter.pid, 4194304);
	assert_ok(PARSE("--heartbeat-bytes", "0"));
	assert_int_equal(P.o.policy.heartbeat_bytes, 0);
	assert_ok(PARSE("--heartbeat-bytes", "2147483648"));
	assert_int_equal(P.o.policy.heartbeat_bytes, 2147483648ull);
	assert_ok(PARSE("--observe", "86400"));
	assert_true(P.o.observe_s == 86400.0);
	assert_ok(PARSE("--idle-after", "31536000"));
	assert_int_equal(P.o.policy.idle_after_ms, 31536000000ull);
}

static void test_value_errors(void **state)
{
	(void)state;
	assert_error_mentions(PARSE("--port", "0"), "--port");
	assert_error_mentions(PARSE("--port", "70000"), "--port");
	assert_error_mentions(PARSE("-P", "65536"), "--port");
	assert_error_mentions(PARSE("--pid", "abc"), "--pid");
	assert_error_mentions(PARSE("--pid", "0"), "--pid");
	assert_error_mentions(PARSE("--pid", "4194305"), "--pid");
	assert_error_mentions(PARSE("--idle-after", "-1"), "--idle-after");
	assert_error_mentions(PARSE("--idle-after", "31536001"), "--idle-after");
	assert_error_mentions(PARSE("--heartbeat-bytes", "1x"), "--heartbeat-bytes");
	assert_error_mentions(PARSE("--heartbeat-bytes", "2147483649"), "--heartbeat-bytes");
	assert_error_mentions(PARSE("--observe", "86401"), "--observe");
	assert_error_mentions(PARSE("--observe", "-0.5"), "--observe");
	assert_error_mentions(PARSE("--pid="), "--pid");
}

/* The message quotes the rejected value too. */
static void test_value_error_quotes_value(void **state)
{
	(void)state;
	assert_error_mentions(PARSE("--pid", "abc"), "'abc'");
	assert_error_mentions(PARSE("-P", "70000"), "'70000'");
}

static void test_unknown_option(void **state)
{
	(void)state;
	assert_error_mentions(PARSE("--bogus"), "--bogus");
	assert_error_mentions(PARSE("-x"), "-x");
	assert_error_mentions(PARSE("-j", "--bogus=1"), "--bogus");
}

/*
 * An unknown short option that is not the last letter of its group must be
 * named too, not whatever argv element precedes the group.
 */
static void test_unknown_short_option_in_group(void **state)
{
	(void)state;
	assert_error_mentions(PARSE("-xj"), "-x");
	assert_error_mentions(PARSE("-j", "-xv"), "-x");
}

static void test_missing_value(void **state)
{
	(void)state;
	assert_error_mentions(PARSE("--port"), "--port");
	assert_error_mentions(PARSE("-j", "-p"), "-p");
	assert_error_mentions(PARSE("--idle-after"), "--idle-after");
	assert_error_mentions(PARSE("--observe"), "--observe");
	assert_error_mentions(PARSE("-b"), "-b");
	assert_error_mentions(PARSE("-H"), "-H");
}

static void test_stray_positional(void **state)
{
	(void)state;
	assert_error_mentions(PARSE("extra"), "extra");
	/* getopt moves operands after the options; still rejected. */
	assert_error_mentions(PARSE("extra", "-j"), "extra");
	assert_error_mentions(PARSE("-j", "--", "extra"), "extra");
}

static void test_help(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--help"), ARGS_HELP);
	assert_int_equal(PARSE("-h"), ARGS_HELP);
	assert_int_equal(PARSE("-j", "--help"), ARGS_HELP);
	assert_int_equal(PARSE("--close-wait-after", "5", "--help"), ARGS_HELP);
}

/* snapshot --help, through a memory stream: every part, the health options among them. */
static void test_usage_has_health(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	snapshot_print_usage(f);
	fclose(f);
	assert_non_null(strstr(text, "Usage: sockcost snapshot"));
	assert_non_null(strstr(text, "--health CLASS"));
	assert_non_null(strstr(text, "--nat-timeout SECS"));
	assert_non_null(strstr(text, "Examples:"));
	free(text);
}

static void test_health_options(void **state)
{
	struct snapshot_opts o;
	char err[256];

	(void)state;
	assert_int_equal(snapshot_parse_args(1, (char *[]){ "snapshot", NULL }, &o, err,
					     sizeof(err)), ARGS_OK);
	assert_int_equal(o.filter.health.close_wait_after_ms, SC_DEFAULT_CLOSE_WAIT_AFTER_S * 1000);
	assert_int_equal(o.filter.health.stall_after_ms, SC_DEFAULT_STALL_AFTER_S * 1000);
	assert_int_equal(o.filter.health.nat_timeout_ms, SC_DEFAULT_NAT_TIMEOUT_S * 1000);
	assert_int_equal(o.filter.health_mask, 0);

	assert_int_equal(snapshot_parse_args(9, (char *[]){ "snapshot", "--close-wait-after", "1.5",
			 "--stall-after", "0", "--nat-timeout", "2", "--health",
			 "close_wait,dead_peer_risk", NULL }, &o, err, sizeof(err)), ARGS_OK);
	assert_int_equal(o.filter.health.close_wait_after_ms, 1500);
	assert_int_equal(o.filter.health.stall_after_ms, 0);
	assert_int_equal(o.filter.health.nat_timeout_ms, 2000);
	assert_int_equal(o.filter.health_mask,
			 1u << SC_HEALTH_CLOSE_WAIT | 1u << SC_HEALTH_DEAD_PEER_RISK);

	assert_int_equal(snapshot_parse_args(3, (char *[]){ "snapshot", "--nat-timeout", "0", NULL },
					     &o, err, sizeof(err)), ARGS_ERROR);
	assert_non_null(strstr(err, "--nat-timeout '0'"));
	assert_int_equal(snapshot_parse_args(3, (char *[]){ "snapshot", "--health", "leaky", NULL },
					     &o, err, sizeof(err)), ARGS_ERROR);
	assert_non_null(strstr(err, "invalid --health 'leaky'"));
	assert_int_equal(snapshot_parse_args(3, (char *[]){ "snapshot", "--stall-after", "-1", NULL },
					     &o, err, sizeof(err)), ARGS_ERROR);
	assert_int_equal(snapshot_parse_args(2, (char *[]){ "snapshot", "--health", NULL }, &o, err,
					     sizeof(err)), ARGS_ERROR);
	assert_non_null(strstr(err, "needs a value"));
}

/* parse_uint(s, min, max) must accept exactly expected, or reject. */
static void assert_uint(const char *s, unsigned long long min, unsigned long long max,
			int ret, unsigned long long expected)
{
	unsigned long long v = 12345;

	assert_int_equal(parse_uint(s, min, max, &v), ret);
	assert_int_equal(v, ret ? 12345 : expected); /* untouched on error */
}

/* --by groups the tables; a bad group names the choices. */
static void test_group_by(void **state)
{
	(void)state;
	assert_ok(PARSE("--by", "cgroup"));
	assert_int_equal(P.o.by, SC_BY_CGROUP);
	assert_ok(PARSE("-B", "port"));
	assert_int_equal(P.o.by, SC_BY_PORT);
	assert_ok(PARSE("--by=process"));
	assert_int_equal(P.o.by, SC_BY_PROCESS);
	assert_ok(PARSE("--by", "service"));
	assert_int_equal(P.o.by, SC_BY_SERVICE);
	assert_ok(PARSE("--by", "remote"));
	assert_int_equal(P.o.by, SC_BY_REMOTE);
	assert_ok(PARSE("--by=remote-addr"));
	assert_int_equal(P.o.by, SC_BY_REMOTE_ADDR);
	assert_error_mentions(PARSE("--by", "pod"), "service, process, port, cgroup, remote or remote-addr");
	assert_error_mentions(PARSE("--by"), "--by");
}

static void test_parse_uint(void **state)
{
	(void)state;
	assert_uint("0", 0, 10, 0, 0);
	assert_uint("10", 0, 10, 0, 10);
	assert_uint("007", 0, 10, 0, 7);
	assert_uint("18446744073709551615", 0, ULLONG_MAX, 0, ULLONG_MAX);
	assert_uint(NULL, 0, 10, -EINVAL, 0);
	assert_uint("", 0, 10, -EINVAL, 0);
	assert_uint("+1", 0, 10, -EINVAL, 0);
	assert_uint("-1", 0, 10, -EINVAL, 0);
	assert_uint("-0", 0, 10, -EINVAL, 0);
	assert_uint(" 1", 0, 10, -EINVAL, 0);
	assert_uint("1 ", 0, 10, -EINVAL, 0);
	assert_uint("\t1", 0, 10, -EINVAL, 0);
	assert_uint("1x", 0, 10, -EINVAL, 0);
	assert_uint("0x1", 0, 10, -EINVAL, 0);
	assert_uint("1.0", 0, 10, -EINVAL, 0);
	assert_uint("18446744073709551616", 0, ULLONG_MAX, -EINVAL, 0);
	assert_uint("99999999999999999999999", 0, ULLONG_MAX, -EINVAL, 0);
	assert_uint("0", 1, 10, -EINVAL, 0);
	assert_uint("11", 1, 10, -EINVAL, 0);
}

/* parse_seconds(s, max) must accept exactly expected, or reject. */
static void assert_seconds(const char *s, double max, int ret, double expected)
{
	double v = -7.0;

	assert_int_equal(parse_seconds(s, max, &v), ret);
	assert_true(v == (ret ? -7.0 : expected)); /* untouched on error */
}

static void test_parse_seconds(void **state)
{
	(void)state;
	assert_seconds("0", 10, 0, 0.0);
	assert_seconds("1.5", 10, 0, 1.5);
	assert_seconds(".5", 10, 0, 0.5);
	assert_seconds("2.", 10, 0, 2.0);
	assert_seconds("10", 10, 0, 10.0);
	assert_seconds(NULL, 10, -EINVAL, 0);
	assert_seconds("", 10, -EINVAL, 0);
	assert_seconds(".", 10, -EINVAL, 0);
	assert_seconds("+1", 10, -EINVAL, 0);
	assert_seconds("-1", 10, -EINVAL, 0);
	assert_seconds("-0", 10, -EINVAL, 0);
	assert_seconds(" 1", 10, -EINVAL, 0);
	assert_seconds("1 ", 10, -EINVAL, 0);
	assert_seconds("1s", 10, -EINVAL, 0);
	assert_seconds("inf", 1e300, -EINVAL, 0);
	assert_seconds("nan", 1e300, -EINVAL, 0);
	assert_seconds("1e999", 1e300, -EINVAL, 0);
	assert_seconds("10.001", 10, -EINVAL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_defaults_overwrite_old_values),
		cmocka_unit_test(test_parse_twice),
		cmocka_unit_test(test_long_options),
		cmocka_unit_test(test_long_options_with_equals),
		cmocka_unit_test(test_short_options),
		cmocka_unit_test(test_old_heartbeat_spelling),
		cmocka_unit_test(test_observe_auto),
		cmocka_unit_test(test_short_options_grouped_and_attached),
		cmocka_unit_test(test_fractional_idle_after),
		cmocka_unit_test(test_limits_accepted),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_value_error_quotes_value),
		cmocka_unit_test(test_unknown_option),
		cmocka_unit_test(test_unknown_short_option_in_group),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_stray_positional),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_usage_has_health),
		cmocka_unit_test(test_health_options),
		cmocka_unit_test(test_group_by),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_parse_seconds),
	};

	return cmocka_run_group_tests_name("args", tests, NULL, NULL);
}

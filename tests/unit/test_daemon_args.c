// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/daemon_args.c: sockcostd's defaults, every option,
 * --listen forms (IPv4, [IPv6], errors), value errors, --help/--version.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_args.h"

#define MAX_WORDS 32

static struct daemon_opts O;
static char ERR[256];

/* Parses "sockcostd" followed by the space-separated words of line. */
static enum args_result parse_line(const char *line)
{
	static char buf[512];
	char *argv[MAX_WORDS + 2], *tok, *save = NULL;
	int argc = 0;

	assert_true(strlen(line) < sizeof(buf));
	strcpy(buf, line);
	argv[argc++] = "sockcostd";
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		assert_true(argc <= MAX_WORDS);
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	memset(ERR, 0, sizeof(ERR));
	return daemon_parse_args(argc, argv, &O, ERR, sizeof(ERR));
}

static void assert_ipv4(const char *addr, unsigned port)
{
	const struct sockaddr_in *a = (const struct sockaddr_in *)&O.listen;
	char text[INET_ADDRSTRLEN];

	assert_int_equal(O.listen.ss_family, AF_INET);
	assert_int_equal(O.listen_len, sizeof(*a));
	assert_int_equal(ntohs(a->sin_port), port);
	assert_non_null(inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text)));
	assert_string_equal(text, addr);
}

static void assert_ipv6(const char *addr, unsigned port)
{
	const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&O.listen;
	char text[INET6_ADDRSTRLEN];

	assert_int_equal(O.listen.ss_family, AF_INET6);
	assert_int_equal(O.listen_len, sizeof(*a));
	assert_int_equal(ntohs(a->sin6_port), port);
	assert_non_null(inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text)));
	assert_string_equal(text, addr);
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse_line(""), ARGS_OK);
	assert_ipv4("127.0.0.1", SC_DAEMON_DEFAULT_PORT);
	assert_string_equal(O.listen_text, "127.0.0.1:9098");
	assert_int_equal(O.policy.idle_after_ms, 180000);
	assert_int_equal(O.policy.heartbeat_bytes, 0);
	assert_int_equal(O.top_processes, 20);
	assert_null(O.user);
	assert_null(O.events);
	assert_true(O.events_rate == 100);
	assert_true(O.interval_s == 15);
	assert_true(O.reconcile_s == 300);
	assert_true(O.pin);
	assert_string_equal(O.pin_dir, "/sys/fs/bpf/sockcost");
	assert_false(O.unload);
	assert_false(O.own_netns_only);
	assert_false(O.verbose);
	assert_false(O.version);
}

static void test_every_option(void **state)
{
	(void)state;
	assert_int_equal(parse_line("--listen 10.1.2.3:8080 --top-processes 5 --idle-after 30.5 "
				    "--heartbeat-bytes 8 --events - --events-rate 2.5 --no-pin "
				    "--pin-dir /run/sc --user nobody --own-netns-only -v "
				    "--interval 5 --reconcile-interval 600"), ARGS_OK);
	assert_true(O.interval_s == 5);
	assert_true(O.reconcile_s == 600);
	assert_ipv4("10.1.2.3", 8080);
	assert_string_equal(O.listen_text, "10.1.2.3:8080");
	assert_int_equal(O.top_processes, 5);
	assert_int_equal(O.policy.idle_after_ms, 30500);
	assert_int_equal(O.policy.heartbeat_bytes, 8);
	assert_string_equal(O.events, "-");
	assert_true(O.events_rate == 2.5);
	assert_false(O.pin);
	assert_string_equal(O.pin_dir, "/run/sc");
	assert_string_equal(O.user, "nobody");
	assert_true(O.own_netns_only);
	assert_true(O.verbose);
}

static void test_short_options_and_reset(void **state)
{
	(void)state;
	assert_int_equal(parse_line("-l 0.0.0.0:1 -k 0 -a 0 -H 1 -e /tmp/ev -u daemon -r 60 -i 2"),
			 ARGS_OK);
	assert_null(O.note);
	assert_true(O.reconcile_s == 60);
	assert_true(O.interval_s == 2);
	assert_ipv4("0.0.0.0", 1);
	assert_int_equal(O.top_processes, 0);
	assert_int_equal(O.policy.idle_after_ms, 0);
	assert_int_equal(O.policy.heartbeat_bytes, 1);
	assert_string_equal(O.events, "/tmp/ev");
	assert_string_equal(O.user, "daemon");
	/* The old -b still sets the threshold for a release, with a note naming -H. */
	assert_int_equal(parse_line("-b 3"), ARGS_OK);
	assert_int_equal(O.policy.heartbeat_bytes, 3);
	assert_non_null(O.note);
	assert_non_null(strstr(O.note, "-H"));
	/* A second parse starts from the defaults again. */
	assert_int_equal(parse_line("--no-pin --pin"), ARGS_OK);
	assert_null(O.note);
	assert_true(O.pin);
	assert_null(O.user);
	assert_null(O.events);
	assert_int_equal(O.top_processes, 20);
	assert_ipv4("127.0.0.1", 9098);
}

static void test_listen_ipv6(void **state)
{
	(void)state;
	assert_int_equal(parse_line("--listen [::1]:9100"), ARGS_OK);
	assert_ipv6("::1", 9100);
	assert_int_equal(parse_line("--listen=[::]:65535"), ARGS_OK);
	assert_ipv6("::", 65535);
	assert_int_equal(parse_line("-l [fe80::1:2]:80"), ARGS_OK);
	assert_ipv6("fe80::1:2", 80);
	assert_int_equal(parse_line("-l [::ffff:127.0.0.1]:80"), ARGS_OK);
	assert_ipv6("::ffff:127.0.0.1", 80);
}

static void assert_error(const char *line, const char *expect)
{
	assert_int_equal(parse_line(line), ARGS_ERROR);
	if (!strstr(ERR, expect))
		fail_msg("'%s': message '%s' lacks '%s'", line, ERR, expect);
}

static void test_listen_errors(void **state)
{
	(void)state;
	assert_error("--listen 127.0.0.1", "expected ADDR:PORT");
	assert_error("--listen ::1:80", "IPv6 in brackets");
	assert_error("--listen [::1]80", "expected [IPV6]:PORT");
	assert_error("--listen [::1", "expected [IPV6]:PORT");
	assert_error("--listen 127.0.0.1:0", "port must be 1-65535");
	assert_error("--listen 127.0.0.1:65536", "port must be 1-65535");
	assert_error("--listen 127.0.0.1:http", "port must be 1-65535");
	assert_error("--listen 127.0.0.1:-1", "port must be 1-65535");
	assert_error("--listen :9098", "expected a numeric address");
	assert_error("--listen localhost:9098", "'localhost' is not an IPv4 address");
	assert_error("--listen 256.1.1.1:80", "is not an IPv4 address");
	assert_error("--listen [127.0.0.1]:80", "is not an IPv6 address");
	assert_error("--listen []:80", "expected a numeric address");
}

static void test_value_errors(void **state)
{
	(void)state;
	assert_error("--top-processes -1", "invalid --top-processes '-1'");
	assert_error("--top-processes 10001", "expected 0-10000");
	assert_error("--idle-after 1e3", "invalid --idle-after '1e3'");
	assert_error("--heartbeat-bytes x", "invalid --heartbeat-bytes 'x'");
	assert_error("--events-rate 0", "invalid --events-rate '0'");
	assert_error("--interval 0", "invalid --interval '0'");
	assert_error("--reconcile-interval 0", "invalid --reconcile-interval '0'");
	assert_error("-r 86401", "expected seconds, 1-86400");
	assert_error("--pin-dir relative/dir", "expected an absolute path");
	assert_error("--unload --events -", "--unload");
	assert_error("--listen", "needs a value");
	assert_error("-k", "needs a value");
	assert_error("--bogus", "unknown option '--bogus'");
	assert_error("-x", "unknown option '-x'");
	assert_error("--pin=yes", "unknown option '--pin=yes'");
	assert_error("extra", "unexpected argument 'extra'");
}

static void test_help_version_unload(void **state)
{
	(void)state;
	assert_int_equal(parse_line("--help"), ARGS_HELP);
	assert_int_equal(parse_line("-h"), ARGS_HELP);
	assert_int_equal(parse_line("-V"), ARGS_OK);
	assert_true(O.version);
	assert_int_equal(parse_line("--unload --pin-dir /sys/fs/bpf/other"), ARGS_OK);
	assert_true(O.unload);
	assert_string_equal(O.pin_dir, "/sys/fs/bpf/other");
	/* The usage names every option the parser takes. */
	assert_non_null(strstr(daemon_usage, "--listen ADDR:PORT"));
	assert_non_null(strstr(daemon_usage, "--top-processes K"));
	assert_non_null(strstr(daemon_usage, "--own-netns-only"));
	assert_non_null(strstr(daemon_usage, "--unload"));
	assert_non_null(strstr(daemon_usage, "--events-rate"));
}

static void test_socket_from_the_environment(void **state)
{
	(void)state;
	assert_int_equal(setenv("SOCKCOST_SOCKET", "/run/other.sock", 1), 0);
	assert_int_equal(parse_line(""), ARGS_OK);
	assert_string_equal(O.socket_path, "/run/other.sock");
	/* It unlinks what it listens on: never a path relative to where it started. */
	assert_int_equal(setenv("SOCKCOST_SOCKET", "run/other.sock", 1), 0);
	assert_int_equal(parse_line(""), ARGS_ERROR);
	assert_string_equal(ERR, "invalid $SOCKCOST_SOCKET 'run/other.sock': expected an absolute path");
	/* An option overrides it, and so does --no-socket. */
	assert_int_equal(parse_line("--socket /run/mine.sock"), ARGS_OK);
	assert_string_equal(O.socket_path, "/run/mine.sock");
	assert_int_equal(parse_line("--no-socket"), ARGS_OK);
	assert_null(O.socket_path);
	assert_int_equal(unsetenv("SOCKCOST_SOCKET"), 0);
	assert_int_equal(parse_line(""), ARGS_OK);
	assert_string_equal(O.socket_path, "/run/sockcost/sockcostd.sock");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_short_options_and_reset),
		cmocka_unit_test(test_listen_ipv6),
		cmocka_unit_test(test_listen_errors),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_help_version_unload),
		cmocka_unit_test(test_socket_from_the_environment),
	};

	return cmocka_run_group_tests_name("daemon_args", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/args/web_config.c: the exporter-toolkit web config
 * sockcostd reads with --web.config.file. Good configs fill every field;
 * each error names the file and the line it is on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "web_config.h"

#define HASH "$2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG"

static struct sc_web_config C;
static char ERR[512];

static int parse(const char *text)
{
	memset(ERR, 0, sizeof(ERR));
	return sc_web_config_parse(text, strlen(text), "web.yml", &C, ERR, sizeof(ERR));
}

static void test_empty_file_is_plain_http(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_false(C.tls);
	assert_int_equal(C.nusers, 0);
	assert_int_equal(parse("# nothing yet\n---\n"), 0);
	assert_false(C.tls);
	assert_int_equal(parse("tls_server_config:\nbasic_auth_users: ~\n"), 0);
	assert_false(C.tls);
	assert_int_equal(C.nusers, 0);
}

static void test_full_config(void **state)
{
	(void)state;
	assert_int_equal(parse("tls_server_config:\n"
			       "  cert_file: /etc/sockcost/cert.pem\n"
			       "  key_file: \"/etc/sockcost/key.pem\"\n"
			       "  client_auth_type: RequireAndVerifyClientCert\n"
			       "  client_ca_file: ca.pem\n"
			       "  min_version: TLS13\n"
			       "  max_version: TLS13\n"
			       "  prefer_server_cipher_suites: false\n"
			       "  cipher_suites: []\n"
			       "http_server_config:\n"
			       "  http2: false\n"
			       "  headers:\n"
			       "    X-Frame-Options: deny\n"
			       "    Strict-Transport-Security: max-age=31536000\n"
			       "basic_auth_users:\n"
			       "  prometheus: " HASH "\n"
			       "  'ops team': '" HASH "'\n"), 0);
	assert_true(C.tls);
	assert_string_equal(C.cert_file, "/etc/sockcost/cert.pem");
	assert_int_equal(C.cert_file_line, 2);
	assert_string_equal(C.key_file, "/etc/sockcost/key.pem");
	assert_string_equal(C.client_ca_file, "ca.pem");
	assert_int_equal(C.client_ca_file_line, 5);
	assert_null(C.cert);
	assert_int_equal(C.client_auth, SC_CLIENT_AUTH_REQUIRE_VERIFY);
	assert_int_equal(C.min_version, SC_TLS13);
	assert_int_equal(C.max_version, SC_TLS13);
	assert_false(C.prefer_server_ciphers);
	assert_false(C.http2);
	assert_string_equal(C.headers[SC_HDR_FRAME_OPTIONS], "deny");
	assert_string_equal(C.headers[SC_HDR_HSTS], "max-age=31536000");
	assert_null(C.headers[SC_HDR_CSP]);
	assert_int_equal(C.nusers, 2);
	assert_string_equal(C.users[0].name, "prometheus");
	assert_string_equal(C.users[0].hash, HASH);
	assert_string_equal(C.users[1].name, "ops team");
	sc_web_config_free(&C);
	assert_null(C.users);
}

/* Relative files are the config's neighbours, as the exporter-toolkit reads them. */
static void test_relative_files_beside_the_config(void **state)
{
	static const char text[] = "tls_server_config:\n"
				   "  cert_file: certs/cert.pem\n"
				   "  key_file: /abs/key.pem\n"
				   "  client_auth_type: RequireAndVerifyClientCert\n"
				   "  client_ca_file: ca.pem\n";

	(void)state;
	assert_int_equal(sc_web_config_parse(text, strlen(text), "/etc/sockcost/web.yml", &C, ERR,
					     sizeof(ERR)), 0);
	assert_string_equal(C.cert_file, "/etc/sockcost/certs/cert.pem");
	assert_string_equal(C.key_file, "/abs/key.pem");
	assert_string_equal(C.client_ca_file, "/etc/sockcost/ca.pem");
	sc_web_config_free(&C);
	assert_int_equal(sc_web_config_parse(text, strlen(text), "conf/web.yml", &C, ERR,
					     sizeof(ERR)), 0);
	assert_string_equal(C.cert_file, "conf/certs/cert.pem");
	assert_string_equal(C.client_ca_file, "conf/ca.pem");
	sc_web_config_free(&C);
	assert_int_equal(sc_web_config_parse(text, strlen(text), "/web.yml", &C, ERR,
					     sizeof(ERR)), 0);
	assert_string_equal(C.cert_file, "/certs/cert.pem");
	sc_web_config_free(&C);
	/* A config in the working directory: its neighbours are the working directory's. */
	assert_int_equal(parse(text), 0);
	assert_string_equal(C.cert_file, "certs/cert.pem");
	sc_web_config_free(&C);
}

static void test_defaults_and_inline_pem(void **state)
{
	(void)state;
	assert_int_equal(parse("{tls_server_config: {cert: \"-----BEGIN CERTIFICATE-----\\nx\\n\", "
			       "key: k}}"), 0);
	assert_true(C.tls);
	assert_string_equal(C.cert, "-----BEGIN CERTIFICATE-----\nx\n");
	assert_string_equal(C.key, "k");
	assert_int_equal(C.client_auth, SC_CLIENT_AUTH_NONE);
	assert_int_equal(C.min_version, SC_TLS12);
	assert_int_equal(C.max_version, SC_TLS13);
	assert_true(C.prefer_server_ciphers);
	assert_true(C.http2);
	sc_web_config_free(&C);
}

static void test_auth_only(void **state)
{
	(void)state;
	assert_int_equal(parse("basic_auth_users:\n  a: " HASH "\n"), 0);
	assert_false(C.tls);
	assert_int_equal(C.nusers, 1);
	sc_web_config_free(&C);
}

/* Each bad config: refused with "web.yml:LINE: " and a reason containing what. */
static void refused(const char *text, unsigned line, const char *what)
{
	char prefix[32];

	assert_int_equal(parse(text), -EINVAL);
	snprintf(prefix, sizeof(prefix), "web.yml:%u: ", line);
	if (strncmp(ERR, prefix, strlen(prefix)) || !strstr(ERR, what))
		fail_msg("for %s: got '%s', wanted '%s...%s'", text, ERR, prefix, what);
	/* Nothing left behind. */
	assert_null(C.users);
	assert_null(C.cert_file);
}

static void test_errors_with_lines(void **state)
{
	(void)state;
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  bogus: 1\n", 4,
		"unknown key 'bogus' in tls_server_config");
	refused("tls_server_config:\n  cert_file: a\n  cert_file: b\n  key_file: c\n", 3,
		"'cert_file' is given twice");
	refused("basic_auth_users:\n  a: " HASH "\n  b: plaintext\n", 3, "expected a bcrypt hash");
	refused("basic_auth_users:\n  a: " HASH "\n  a: " HASH "\n", 3, "'a' is given twice");
	refused("basic_auth_users:\n  \"a:b\": " HASH "\n", 2, "no colon");
	refused("basic_auth_users:\n  a: $2y$03$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG\n",
		2, "expected a bcrypt hash");
	refused("basic_auth_users: [a, b]\n", 1, "expected a mapping");
	refused("tls_server_config:\n  key_file: b\n", 1, "missing cert_file");
	refused("tls_server_config:\n  cert_file: b\n", 1, "missing key_file");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  cert: c\n", 2,
		"cert or cert_file, not both");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n"
		"  client_auth_type: RequireAndVerifyClientCert\n", 4, "needs client_ca_file");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n", 4,
		"would verify nothing");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n"
		"  client_auth_type: RequireAnyClientCert\n", 4, "not supported");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n"
		"  client_auth_type: Whatever\n", 4, "unknown 'Whatever'");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n"
		"  max_version: TLS12\n", 4, "min_version TLS13 is above max_version TLS12");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: SSL3\n", 4,
		"expected TLS10");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites:\n"
		"    - TLS_AES_128_GCM_SHA256\n", 4, "cipher_suites is not supported");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_allowed_sans: [x]\n",
		4, "client_allowed_sans is not supported");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  curve_preferences: [X25519]\n",
		4, "curve_preferences is not supported");
	refused("tls_server_config:\n  cert_file: [a]\n  key_file: b\n", 2, "expected a string");
	refused("http_server_config:\n  http2: maybe\n", 2, "expected true or false");
	refused("http_server_config:\n  headers:\n    X-Frame-Options: allow\n", 3,
		"expected deny or sameorigin");
	refused("http_server_config:\n  headers:\n    X-Powered-By: me\n", 3,
		"unknown key 'X-Powered-By' in headers");
	refused("http_server_config:\n  headers:\n    X-XSS-Protection: \"1\\r\\nSet-Cookie: a\"\n",
		3, "control characters");
	refused("rate_limit:\n  interval: 1s\n  burst: 10\n", 1, "rate_limit is not supported");
	refused("tls_server_config:\n  cert_file: a\n   key_file: b\n", 3, "not valid YAML");
	refused("a: &x 1\nb: *x\n", 1, "unknown key 'a'");
	refused("basic_auth_users: &u\n  a: " HASH "\ntls_server_config: *u\n", 3,
		"aliases (*u) are not supported");
	refused("- tls_server_config\n", 1, "expected a mapping");
	refused("basic_auth_users: {}\n---\nbasic_auth_users: {}\n", 2, "more than one YAML document");
	refused("basic_auth_users:\n  a: \"" HASH "\\0\"\n", 2, "a NUL byte");
	refused("\n\n\"unterminated\n", 4, "quoted scalar (from line 3)");
}

static void test_nul_and_size(void **state)
{
	static char big[SC_WEB_CONFIG_MAX_BYTES + 2];

	(void)state;
	assert_int_equal(sc_web_config_parse("a\0b", 3, "web.yml", &C, ERR, sizeof(ERR)), -EINVAL);
	assert_non_null(strstr(ERR, "NUL"));
	memset(big, '#', sizeof(big) - 1);
	assert_int_equal(parse(big), -EINVAL);
	assert_non_null(strstr(ERR, "larger than"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_file_is_plain_http),
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_relative_files_beside_the_config),
		cmocka_unit_test(test_defaults_and_inline_pem),
		cmocka_unit_test(test_auth_only),
		cmocka_unit_test(test_errors_with_lines),
		cmocka_unit_test(test_nul_and_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

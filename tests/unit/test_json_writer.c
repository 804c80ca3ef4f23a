// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/json_writer.c: commas and nesting of objects, arrays
 * and keys; string escaping (quote, backslash, \n \r \t, other control bytes
 * as \u00XX); UTF-8 validation (valid sequences pass through, invalid bytes
 * become \ufffd); numbers, booleans and null; output larger than the
 * writer's buffer; the cursor writers (jw_put_*) against snprintf and
 * against jw_uint/jw_int/jw_double. Output goes to an open_memstream buffer
 * and is compared byte for byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

/* A writer on a memory stream. */
struct capture {
	char *buf;
	size_t len;
	FILE *out;
	struct jw w;
};

static int capture_setup(void **state)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	c->out = open_memstream(&c->buf, &c->len);
	if (!c->out) {
		free(c);
		return -1;
	}
	jw_init(&c->w, c->out);
	*state = c;
	return 0;
}

static int capture_teardown(void **state)
{
	struct capture *c = *state;

	fclose(c->out);
	free(c->buf);
	free(c);
	return 0;
}

/* Everything written so far, NUL-terminated. */
static const char *output(struct capture *c)
{
	jw_flush(&c->w);
	assert_int_equal(fflush(c->out), 0);
	return c->buf;
}

/* jw_escape of len bytes of in must give exactly expected. */
static void assert_escape_n(const char *in, size_t len, const char *expected)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);

	assert_non_null(out);
	jw_escape(out, in, len);
	assert_int_equal(fclose(out), 0);
	assert_string_equal(buf, expected);
	assert_int_equal(n, strlen(expected));
	free(buf);
}

static void assert_escape(const char *in, const char *expected)
{
	assert_escape_n(in, strlen(in), expected);
}

static void test_empty_containers(void **state)
{
	struct capture *c = *state;

	jw_array_begin(&c->w);
	jw_object_begin(&c->w);
	jw_object_end(&c->w);
	jw_array_begin(&c->w);
	jw_array_end(&c->w);
	jw_array_end(&c->w);
	assert_string_equal(output(c), "[{},[]]");
}

static void test_nested_objects_and_arrays(void **state)
{
	struct capture *c = *state;

	jw_object_begin(&c->w);
	jw_key(&c->w, "a");
	jw_uint(&c->w, 1);
	jw_key(&c->w, "b");
	jw_array_begin(&c->w);
	jw_uint(&c->w, 1);
	jw_int(&c->w, -2);
	jw_object_begin(&c->w);
	jw_key(&c->w, "c");
	jw_null(&c->w);
	jw_key(&c->w, "d");
	jw_bool(&c->w, true);
	jw_object_end(&c->w);
	jw_array_end(&c->w);
	jw_key(&c->w, "e");
	jw_object_begin(&c->w);
	jw_object_end(&c->w);
	jw_key(&c->w, "f");
	jw_string(&c->w, "x");
	jw_object_end(&c->w);
	assert_string_equal(output(c), "{\"a\":1,\"b\":[1,-2,{\"c\":null,\"d\":true}],\"e\":{},\"f\":\"x\"}");
}

/* After a container closes, its next sibling still gets a comma. */
static void test_siblings_after_nested_close(void **state)
{
	struct capture *c = *state;

	jw_array_begin(&c->w);
	jw_array_begin(&c->w);
	jw_array_begin(&c->w);
	jw_uint(&c->w, 1);
	jw_array_end(&c->w);
	jw_uint(&c->w, 2);
	jw_array_end(&c->w);
	jw_object_begin(&c->w);
	jw_key(&c->w, "k");
	jw_array_begin(&c->w);
	jw_array_end(&c->w);
	jw_key(&c->w, "l");
	jw_uint(&c->w, 3);
	jw_object_end(&c->w);
	jw_uint(&c->w, 4);
	jw_array_end(&c->w);
	assert_string_equal(output(c), "[[[1],2],{\"k\":[],\"l\":3},4]");
}

static void test_scalars(void **state)
{
	struct capture *c = *state;

	jw_array_begin(&c->w);
	jw_bool(&c->w, true);
	jw_bool(&c->w, false);
	jw_null(&c->w);
	jw_uint(&c->w, 0);
	jw_int(&c->w, 0);
	jw_string(&c->w, "");
	jw_string_n(&c->w, "abcdef", 3);
	jw_array_end(&c->w);
	assert_string_equal(output(c), "[true,false,null,0,0,\"\",\"abc\"]");
}

static void test_integer_limits(void **state)
{
	struct capture *c = *state;

	jw_array_begin(&c->w);
	jw_uint(&c->w, UINT64_MAX);
	jw_int(&c->w, INT64_MIN);
	jw_int(&c->w, INT64_MAX);
	jw_array_end(&c->w);
	assert_string_equal(output(c),
			    "[18446744073709551615,-9223372036854775808,9223372036854775807]");
}

/* JSON has no NaN or infinity: they become null. */
static void test_doubles(void **state)
{
	struct capture *c = *state;

	jw_array_begin(&c->w);
	jw_double(&c->w, 1.5, 3);
	jw_double(&c->w, 2.0 / 3.0, 2);
	jw_double(&c->w, 42.0, 0);
	jw_double(&c->w, NAN, 3);
	jw_double(&c->w, INFINITY, 3);
	jw_double(&c->w, -INFINITY, 3);
	jw_array_end(&c->w);
	assert_string_equal(output(c), "[1.500,0.67,42,null,null,null]");
}

static void test_keys_are_escaped(void **state)
{
	struct capture *c = *state;

	jw_object_begin(&c->w);
	jw_key(&c->w, "a\"b\\c\n");
	jw_uint(&c->w, 1);
	jw_object_end(&c->w);
	assert_string_equal(output(c), "{\"a\\\"b\\\\c\\n\":1}");
}

static void test_strings_are_quoted_and_escaped(void **state)
{
	struct capture *c = *state;

	jw_string(&c->w, "say \"hi\"\t\\o/");
	assert_string_equal(output(c), "\"say \\\"hi\\\"\\t\\\\o/\"");
}

static void test_escape_named(void **state)
{
	(void)state;
	assert_escape("plain text 123", "plain text 123");
	assert_escape("\"", "\\\"");
	assert_escape("\\", "\\\\");
	assert_escape("\n", "\\n");
	assert_escape("\r", "\\r");
	assert_escape("\t", "\\t");
	assert_escape("a\"b\\c\nd\re\tf", "a\\\"b\\\\c\\nd\\re\\tf");
	/* '/' needs no escape. */
	assert_escape("/", "/");
}

static void test_escape_control_bytes(void **state)
{
	(void)state;
	assert_escape("\x01", "\\u0001");
	assert_escape("\x08", "\\u0008");
	assert_escape("\x0c", "\\u000c");
	assert_escape("\x1b[0m", "\\u001b[0m");
	assert_escape("\x1f", "\\u001f");
	assert_escape("\x7f", "\\u007f");
	assert_escape(" ~", " ~");
	/* An embedded NUL is data when the length says so. */
	assert_escape_n("a\0b", 3, "a\\u0000b");
}

static void test_valid_utf8_passes_through(void **state)
{
	(void)state;
	assert_escape("caf\xc3\xa9", "caf\xc3\xa9");               /* U+00E9 */
	assert_escape("\xc2\x80", "\xc2\x80");                     /* U+0080 */
	assert_escape("\xdf\xbf", "\xdf\xbf");                     /* U+07FF */
	assert_escape("\xe0\xa0\x80", "\xe0\xa0\x80");             /* U+0800 */
	assert_escape("\xe2\x82\xac", "\xe2\x82\xac");             /* U+20AC */
	assert_escape("\xed\x9f\xbf", "\xed\x9f\xbf");             /* U+D7FF */
	assert_escape("\xee\x80\x80", "\xee\x80\x80");             /* U+E000 */
	assert_escape("\xef\xbf\xbf", "\xef\xbf\xbf");             /* U+FFFF */
	assert_escape("\xf0\x90\x80\x80", "\xf0\x90\x80\x80");     /* U+10000 */
	assert_escape("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");     /* U+1F600 */
	assert_escape("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");     /* U+10FFFF */
}

static void test_invalid_utf8_becomes_replacement(void **state)
{
	(void)state;
	/* Lone bytes that never start a sequence. */
	assert_escape("\xff", "\\ufffd");
	assert_escape("a\xfe" "b", "a\\ufffdb");
	assert_escape("\x80", "\\ufffd");
	assert_escape("\xf5\x80\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd");
	/* Truncated: at the end, and interrupted by ASCII. */
	assert_escape("a\xe2\x82", "a\\ufffd\\ufffd");
	assert_escape("\xe2\x82" "b", "\\ufffd\\ufffdb");
	assert_escape("\xf0\x9f\x98", "\\ufffd\\ufffd\\ufffd");
	assert_escape("\xc3", "\\ufffd");
	/* Overlong forms. */
	assert_escape("\xc0\x80", "\\ufffd\\ufffd");
	assert_escape("\xc1\xbf", "\\ufffd\\ufffd");
	assert_escape("\xe0\x80\x80", "\\ufffd\\ufffd\\ufffd");
	assert_escape("\xf0\x80\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd");
	/* UTF-16 surrogates. */
	assert_escape("\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd");
	assert_escape("\xed\xbf\xbf", "\\ufffd\\ufffd\\ufffd");
	/* Past U+10FFFF. */
	assert_escape("\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd");
	/* Valid text around an invalid byte survives. */
	assert_escape("\xc3\xa9\xff\xc3\xa9", "\xc3\xa9\\ufffd\xc3\xa9");
}

/* A closed top-level value reaches the stream without jw_flush(). */
static void test_top_level_close_flushes(void **state)
{
	struct capture *c = *state;

	jw_object_begin(&c->w);
	jw_key(&c->w, "a");
	jw_uint(&c->w, 1);
	jw_object_end(&c->w);
	assert_int_equal(fflush(c->out), 0);
	assert_string_equal(c->buf, "{\"a\":1}");
}

/* Output far larger than any internal buffer arrives whole and in order. */
static void test_large_output(void **state)
{
	enum { NUMS = 50000, STR = 300000 };
	struct capture *c = *state;
	char *big = malloc(STR + 1);
	const char *out;
	size_t i, pos;

	assert_non_null(big);
	memset(big, 'a', STR);
	big[STR] = '\0';
	big[STR / 2] = '"';
	jw_array_begin(&c->w);
	for (i = 0; i < NUMS; i++)
		jw_uint(&c->w, 1000000 + i);
	jw_string(&c->w, big);
	jw_uint(&c->w, 7);
	jw_array_end(&c->w);
	out = output(c);

	/* "[" + NUMS * "1xxxxxx," + quoted string with one escape + ",7]" */
	assert_int_equal(c->len, 1 + NUMS * 8 + (STR + 1 + 2) + 3);
	assert_memory_equal(out, "[1000000,1000001,", 17);
	pos = 1 + (NUMS - 1) * 8;
	assert_memory_equal(out + pos, "1049999,\"aaa", 12);
	pos += 9 + STR / 2;
	assert_memory_equal(out + pos, "\\\"a", 3);
	assert_string_equal(out + c->len - 7, "aaa\",7]");
	free(big);
}

/* A length cuts a valid sequence: the cut part is invalid. */
static void test_escape_respects_length(void **state)
{
	(void)state;
	assert_escape_n("\xe2\x82\xac", 2, "\\ufffd\\ufffd");
	assert_escape_n("abc", 0, "");
}

/* A plain string is placed as jw_string places one: quoted, commas between siblings. */
static void test_plain_strings(void **state)
{
	struct capture *c = *state;

	jw_object_begin(&c->w);
	JW_KEY(&c->w, "state");
	jw_string_plain(&c->w, "ESTAB", 5);
	JW_KEY(&c->w, "addrs");
	jw_array_begin(&c->w);
	jw_string_plain(&c->w, "127.0.0.1", 9);
	jw_string_plain(&c->w, "::1", 3);
	jw_string_plain(&c->w, "", 0);
	jw_array_end(&c->w);
	jw_object_end(&c->w);
	assert_string_equal(output(c), "{\"state\":\"ESTAB\",\"addrs\":[\"127.0.0.1\",\"::1\",\"\"]}");
}

/* A spread of 64-bit values: every digit count, both sides of each power of 10. */
static uint64_t next_value(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
	return *seed >> (*seed % 64);
}

static void test_put_u64_and_i64(void **state)
{
	uint64_t seed = 1, u, p10 = 1;
	char got[32], want[32];
	int i;

	(void)state;
	for (i = 0; i < 100000 + 40; i++) {
		if (i < 40) { /* 0, 9, 10, 99, 100, ... and the limits */
			u = i % 2 ? p10 - 1 : p10;
			if (i % 2)
				p10 = p10 > UINT64_MAX / 10 ? UINT64_MAX : p10 * 10;
		} else {
			u = next_value(&seed);
		}
		*jw_put_u64(got, u) = '\0';
		snprintf(want, sizeof(want), "%" PRIu64, u);
		assert_string_equal(got, want);
		*jw_put_i64(got, (int64_t)u) = '\0';
		snprintf(want, sizeof(want), "%" PRId64, (int64_t)u);
		assert_string_equal(got, want);
	}
	*jw_put_u64(got, UINT64_MAX) = '\0';
	assert_string_equal(got, "18446744073709551615");
	*jw_put_i64(got, INT64_MIN) = '\0';
	assert_string_equal(got, "-9223372036854775808");
}

/* jw_put_millis(ms) writes what jw_double(ms / 1000.0, 3) writes, fast path or not. */
static void assert_millis(uint64_t ms)
{
	char got[JW_MILLIS_MAX + 1], want[64];
	char *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);
	struct jw *w = malloc(sizeof(*w));
	char *end;

	assert_non_null(out);
	assert_non_null(w);
	jw_init(w, out);
	jw_double(w, (double)ms / 1000.0, 3);
	jw_flush(w);
	assert_int_equal(fclose(out), 0);
	end = jw_put_millis(got, ms);
	assert_true(end - got <= JW_MILLIS_MAX);
	*end = '\0';
	assert_string_equal(got, buf);
	snprintf(want, sizeof(want), "%.3f", (double)ms / 1000.0);
	assert_string_equal(got, want);
	free(buf);
	free(w);
}

static void test_put_millis(void **state)
{
	uint64_t seed = 7, ms;
	int i;

	(void)state;
	for (ms = 0; ms < 2100; ms++)
		assert_millis(ms);
	assert_millis((1ull << 40) - 1);
	assert_millis(1ull << 40);
	assert_millis(999999999999999ull);
	assert_millis(1000000000000000ull);
	assert_millis(UINT64_MAX - 1);
	for (i = 0; i < 20000; i++) {
		ms = next_value(&seed);
		assert_millis(ms);
		assert_millis(ms % (1ull << 40));
	}
}

int main(void)
{
#define CAPTURE_TEST(f) cmocka_unit_test_setup_teardown(f, capture_setup, capture_teardown)
	const struct CMUnitTest tests[] = {
		CAPTURE_TEST(test_empty_containers),
		CAPTURE_TEST(test_plain_strings),
		CAPTURE_TEST(test_nested_objects_and_arrays),
		CAPTURE_TEST(test_siblings_after_nested_close),
		CAPTURE_TEST(test_scalars),
		CAPTURE_TEST(test_integer_limits),
		CAPTURE_TEST(test_doubles),
		CAPTURE_TEST(test_keys_are_escaped),
		CAPTURE_TEST(test_strings_are_quoted_and_escaped),
		CAPTURE_TEST(test_top_level_close_flushes),
		CAPTURE_TEST(test_large_output),
		cmocka_unit_test(test_escape_named),
		cmocka_unit_test(test_escape_control_bytes),
		cmocka_unit_test(test_valid_utf8_passes_through),
		cmocka_unit_test(test_invalid_utf8_becomes_replacement),
		cmocka_unit_test(test_escape_respects_length),
		cmocka_unit_test(test_put_u64_and_i64),
		cmocka_unit_test(test_put_millis),
	};
#undef CAPTURE_TEST

	return cmocka_run_group_tests_name("json_writer", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for tools/format.c: fmt_bytes() (binary units, one decimal),
 * fmt_duration_ms() (tenths of seconds, then two units) and fmt_printable()
 * (control and non-ASCII bytes as '?', truncated to the buffer) and
 * fmt_percent() (half up, never 100% short of all nor 0% above none).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "format.h"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define TiB (1024 * GiB)
#define PiB (1024 * TiB)

#define SEC 1000ull
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

static void assert_bytes(uint64_t bytes, const char *expected)
{
	char buf[32];

	assert_ptr_equal(fmt_bytes(bytes, buf, sizeof(buf)), buf);
	assert_string_equal(buf, expected);
}

static void assert_duration(uint64_t ms, const char *expected)
{
	char buf[32];

	assert_ptr_equal(fmt_duration_ms(ms, buf, sizeof(buf)), buf);
	assert_string_equal(buf, expected);
}

static void assert_percent(uint64_t part, uint64_t whole, const char *expected)
{
	char buf[16];

	assert_ptr_equal(fmt_percent(part, whole, buf, sizeof(buf)), buf);
	assert_string_equal(buf, expected);
}

/* fmt_printable into a buffer of len bytes (len <= 32). */
static void assert_printable(const char *s, size_t len, const char *expected)
{
	char buf[32];

	assert_true(len <= sizeof(buf));
	memset(buf, 'Z', sizeof(buf));
	assert_ptr_equal(fmt_printable(s, buf, len), buf);
	assert_string_equal(buf, expected);
}

static void test_bytes_plain(void **state)
{
	(void)state;
	assert_bytes(0, "0 B");
	assert_bytes(1, "1 B");
	assert_bytes(512, "512 B");
	assert_bytes(1023, "1023 B");
}

static void test_bytes_units(void **state)
{
	(void)state;
	assert_bytes(KiB, "1.0 KiB");
	assert_bytes(1536, "1.5 KiB");
	assert_bytes(3277, "3.2 KiB");
	assert_bytes(MiB, "1.0 MiB");
	assert_bytes(5 * GiB, "5.0 GiB");
	assert_bytes(GiB + GiB / 2, "1.5 GiB");
	assert_bytes(TiB, "1.0 TiB");
	assert_bytes(PiB, "1.0 PiB");
}

/* PiB is the largest unit: larger values grow its count. */
static void test_bytes_beyond_largest_unit(void **state)
{
	(void)state;
	assert_bytes(2048 * PiB, "2048.0 PiB");
	assert_bytes(UINT64_MAX, "16384.0 PiB");
}

/*
 * Just below the next unit, rounding to one decimal must not print a
 * four-digit count of the smaller unit ("1024.0 KiB" for 1048575 B).
 */
static void test_bytes_rounding_carries_into_next_unit(void **state)
{
	(void)state;
	assert_bytes(MiB - 1, "1.0 MiB");
	assert_bytes(GiB - 1, "1.0 GiB");
}

/* The result is cut to the buffer, still NUL-terminated. */
static void test_bytes_small_buffer(void **state)
{
	char buf[4];

	(void)state;
	assert_ptr_equal(fmt_bytes(1536, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "1.5");
	assert_ptr_equal(fmt_bytes(1000, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "100");
}

static void test_duration_seconds(void **state)
{
	(void)state;
	assert_duration(0, "0.0s");
	assert_duration(99, "0.0s");
	assert_duration(999, "0.9s");
	assert_duration(1000, "1.0s");
	assert_duration(45 * SEC, "45.0s");
	assert_duration(59 * SEC, "59.0s");
	assert_duration(59999, "59.9s");
}

static void test_duration_minutes(void **state)
{
	(void)state;
	assert_duration(MIN, "1m00s");
	assert_duration(61 * SEC, "1m01s");
	assert_duration(12 * MIN + 3 * SEC, "12m03s");
	assert_duration(HOUR - 1, "59m59s");
}

static void test_duration_hours(void **state)
{
	(void)state;
	assert_duration(3 * HOUR, "3h00m");
	assert_duration(3 * HOUR + 2 * MIN + 59 * SEC, "3h02m");
	assert_duration(DAY - 1, "23h59m");
}

static void test_duration_days(void **state)
{
	(void)state;
	assert_duration(2 * DAY, "2d00h");
	assert_duration(4 * DAY + 3 * HOUR + 59 * MIN, "4d03h");
	assert_duration(400 * DAY, "400d00h");
}

static void test_printable_keeps_ascii(void **state)
{
	(void)state;
	assert_printable("nginx: worker", 32, "nginx: worker");
	assert_printable(" ~", 32, " ~");
	assert_printable("", 32, "");
}

static void test_printable_replaces_control_and_non_ascii(void **state)
{
	(void)state;
	assert_printable("a\tb\nc", 32, "a?b?c");
	assert_printable("\x1b[31mred", 32, "?[31mred");
	assert_printable("\x01\x1f\x7f", 32, "???");
	assert_printable("caf\xc3\xa9", 32, "caf??");
	assert_printable("\x80\xff", 32, "??");
}

static void test_printable_truncates(void **state)
{
	char buf[4] = "ZZZ";

	(void)state;
	assert_printable("abcdef", 4, "abc");
	assert_printable("abc", 4, "abc");
	assert_printable("ab\x01" "def", 4, "ab?");
	assert_printable("abc", 1, "");
	/* A zero-length buffer is left alone. */
	assert_ptr_equal(fmt_printable("abc", buf, 0), buf);
	assert_string_equal(buf, "ZZZ");
}

static void test_percent_rounds_half_up(void **state)
{
	(void)state;
	/* The FD%: snapshot truncated it to 7%, top rounded it to 8%. */
	assert_percent(1548, 20000, "8%");
	assert_percent(1, 2, "50%");
	assert_percent(1, 3, "33%");
	assert_percent(2, 3, "67%");
	assert_percent(1, 8, "13%");   /* 12.5 goes up */
	assert_percent(3, 200, "2%");  /* 1.5 goes up */
	assert_percent(149, 10000, "1%");
	assert_percent(50, 100, "50%");
}

static void test_percent_all_and_none_only_when_exact(void **state)
{
	(void)state;
	assert_percent(4020, 4020, "100%");
	assert_percent(4000, 4020, "99%");      /* 99.5: rounds to 100, is not all */
	assert_percent(199999, 200000, "99%");
	assert_percent(0, 4020, "0%");
	assert_percent(1, 100000, "<1%");
	assert_percent(49, 10000, "<1%");       /* 0.49 */
	assert_percent(50, 10000, "1%");        /* 0.5 goes up */
	assert_percent(20001, 20000, "101%");   /* over the limit: not "100%" either */
	assert_percent(20100, 20000, "101%");   /* 100.5 goes up */
	assert_percent(30000, 20000, "150%");
}

static void test_percent_of_nothing(void **state)
{
	(void)state;
	assert_percent(0, 0, "0%");
	assert_percent(5, 0, "-");
}

static void test_percent_huge_counts(void **state)
{
	(void)state;
	/* part * 100 overflows 64 bits here: the arithmetic is wider. */
	assert_percent(UINT64_MAX, UINT64_MAX, "100%");
	assert_percent(UINT64_MAX - 1, UINT64_MAX, "99%");
	assert_percent(UINT64_MAX / 2, UINT64_MAX, "50%");
	assert_percent(1, UINT64_MAX, "<1%");
}

static void test_percent_small_buffer(void **state)
{
	char buf[3];

	(void)state;
	fmt_percent(99, 100, buf, sizeof(buf));
	assert_string_equal(buf, "99");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_plain),
		cmocka_unit_test(test_bytes_units),
		cmocka_unit_test(test_bytes_beyond_largest_unit),
		cmocka_unit_test(test_bytes_rounding_carries_into_next_unit),
		cmocka_unit_test(test_bytes_small_buffer),
		cmocka_unit_test(test_duration_seconds),
		cmocka_unit_test(test_duration_minutes),
		cmocka_unit_test(test_duration_hours),
		cmocka_unit_test(test_duration_days),
		cmocka_unit_test(test_printable_keeps_ascii),
		cmocka_unit_test(test_printable_replaces_control_and_non_ascii),
		cmocka_unit_test(test_printable_truncates),
		cmocka_unit_test(test_percent_rounds_half_up),
		cmocka_unit_test(test_percent_all_and_none_only_when_exact),
		cmocka_unit_test(test_percent_of_nothing),
		cmocka_unit_test(test_percent_huge_counts),
		cmocka_unit_test(test_percent_small_buffer),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}

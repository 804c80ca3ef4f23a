// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/render/json_items.c: an array's items written by two
 * threads in blocks come out as the same text as one thread's.
 */
#define _GNU_SOURCE /* open_memstream, CPU_COUNT */
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json_items.h"

/* Items of every length up to a few hundred bytes, nested values too. */
static void item(struct jw *w, size_t i, void *ctx)
{
	char s[400];
	size_t len = (i * 7919) % sizeof(s);

	(void)ctx;
	memset(s, 'a' + (int)(i % 26), len);
	jw_object_begin(w);
	JW_KEY(w, "i");
	jw_uint(w, i);
	JW_KEY(w, "s");
	jw_string_n(w, s, len);
	JW_KEY(w, "v");
	jw_array_begin(w);
	if (i % 3)
		jw_null(w);
	jw_array_end(w);
	jw_object_end(w);
}

/* Blocks the second thread wrote in the last document. */
static size_t taken;

/* {"before":1,"items":[...],"after":2}, the items by sc_jw_write_items or one loop. */
static char *document(size_t n, bool by_items, size_t *len)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, len);
	struct jw *w = malloc(sizeof(*w));
	size_t i;

	assert_non_null(out);
	assert_non_null(w);
	jw_init(w, out);
	jw_object_begin(w);
	JW_KEY(w, "before");
	jw_uint(w, 1);
	JW_KEY(w, "items");
	jw_array_begin(w);
	if (by_items)
		taken = sc_jw_write_items(w, n, item, NULL);
	else
		for (i = 0; i < n; i++)
			item(w, i, NULL);
	jw_array_end(w);
	JW_KEY(w, "after");
	jw_uint(w, 2);
	jw_object_end(w);
	assert_int_equal(fclose(out), 0);
	free(w);
	return text;
}

static bool two_cpus(void)
{
	cpu_set_t set;

	return !sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) >= 2;
}

static void test_same_text_as_one_thread(void **unused)
{
	/* None, one, under and at the threshold, blocks odd and even, a last one short. */
	static const size_t sizes[] = { 0, 1, 2047, 2048, 8191, 8192, 8193, 10240, 12288 + 17,
					100000 };
	size_t k, la, lb;

	(void)unused;
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		char *a = document(sizes[k], true, &la), *b = document(sizes[k], false, &lb);

		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		/* Every other block of 2048 by the second thread, from 8192 items on. */
		if (two_cpus())
			assert_int_equal(taken, sizes[k] >= 8192 ? (sizes[k] + 2047) / 2048 / 2 : 0);
		/* And it is the array asked for: the last item's index is in it. */
		if (sizes[k]) {
			char last[32];

			snprintf(last, sizeof(last), "{\"i\":%zu,", sizes[k] - 1);
			assert_non_null(strstr(a, last));
		} else {
			assert_non_null(strstr(a, "\"items\":[]"));
		}
		free(a);
		free(b);
	}
}

/* The second thread out of memory: the first writes its blocks, the text the same. */
static void test_second_threads_blocks_written_again(void **unused)
{
	size_t la, lb;
	char *a, *b;

	(void)unused;
	setenv("SOCKCOST_TEST_FORCE", "json-sink", 1);
	a = document(20000, true, &la);
	unsetenv("SOCKCOST_TEST_FORCE");
	assert_int_equal(taken, 0);
	b = document(20000, false, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_text_as_one_thread),
		cmocka_unit_test(test_second_threads_blocks_written_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

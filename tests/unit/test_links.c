// SPDX-License-Identifier: GPL-2.0
/* Unit tests for user/model/links.c: a record's next record, by open addressing. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "links.h"

/*
 * Unit tests are built with AddressSanitizer (Makefile): a block over 64 MiB
 * is refused with NULL, as malloc does when memory runs out, whatever this
 * machine's memory.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=64";
}

static void test_none_before_any_link(void **unused)
{
	struct sc_links l = {};

	(void)unused;
	assert_int_equal(sc_links_get(&l, 0), SC_LINK_NONE);
	assert_int_equal(sc_links_get(&l, 12345), SC_LINK_NONE);
	assert_int_equal(sc_links_mem(&l), 0);
	sc_links_clear(&l);
	sc_links_free(&l);
}

/*
 * Links set one at a time with room reserved for each, as the mirror does,
 * survive the table's growth; unset records have none; at most half full.
 */
static void test_links_kept_across_growth(void **unused)
{
	enum { N = 5000 };
	struct sc_links l = {};
	__u32 i;

	(void)unused;
	for (i = 1; i <= N; i++) {
		/* Records in a run, as a walk's come: every third has a next. */
		if (i % 3)
			continue;
		assert_int_equal(sc_links_reserve(&l, 2), 0);
		sc_links_set(&l, i, i + 7);
		assert_true(l.n * 2 <= l.mask + 1);
	}
	assert_int_equal(l.n, N / 3);
	for (i = 0; i <= N + 10; i++)
		assert_int_equal(sc_links_get(&l, i), i && i <= N && !(i % 3) ? i + 7 : SC_LINK_NONE);
	assert_int_equal(sc_links_mem(&l), (l.mask + 1) * sizeof(struct sc_link));
	sc_links_free(&l);
	assert_int_equal(l.n, 0);
	assert_int_equal(sc_links_mem(&l), 0);
}

/* Setting a record again replaces its next, not adds a link. */
static void test_set_again_replaces(void **unused)
{
	struct sc_links l = {};

	(void)unused;
	assert_int_equal(sc_links_reserve(&l, 1), 0);
	sc_links_set(&l, 9, 10);
	sc_links_set(&l, 9, 11);
	assert_int_equal(l.n, 1);
	assert_int_equal(sc_links_get(&l, 9), 11);
	sc_links_free(&l);
}

/* Cleared: no link, and the slots stay for the links a rebuild files again. */
static void test_clear_keeps_the_slots(void **unused)
{
	struct sc_links l = {};
	size_t mem;
	__u32 i;

	(void)unused;
	assert_int_equal(sc_links_reserve(&l, 100), 0);
	for (i = 0; i < 100; i++)
		sc_links_set(&l, i, i + 1);
	mem = sc_links_mem(&l);
	sc_links_clear(&l);
	assert_int_equal(l.n, 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(sc_links_get(&l, i), SC_LINK_NONE);
	assert_int_equal(sc_links_reserve(&l, 100), 0);
	assert_int_equal(sc_links_mem(&l), mem);
	sc_links_free(&l);
}

static void set_links(struct sc_links *l, __u32 from, __u32 count)
{
	__u32 i;

	for (i = from; i < from + count; i++) {
		assert_int_equal(sc_links_reserve(l, 1), 0);
		sc_links_set(l, i, i + 7);
	}
}

/* A growth malloc refuses leaves the links and their room as they were. */
static void test_reserve_refused_keeps_the_links(void **unused)
{
	struct sc_links l = {};
	size_t mem;
	__u32 i;

	(void)unused;
#ifndef __SANITIZE_ADDRESS__
	skip(); /* only ASan's max_allocation_size_mb refuses the block on any machine */
#endif
	set_links(&l, 0, 100);
	mem = sc_links_mem(&l);
	/* 32M slots of 8 bytes: 256 MiB, over the 64 MiB allowed above. */
	assert_int_equal(sc_links_reserve(&l, 8u << 20), -ENOMEM);
	assert_int_equal(sc_links_mem(&l), mem);
	assert_int_equal(l.n, 100);
	for (i = 0; i < 100; i++)
		assert_int_equal(sc_links_get(&l, i), i + 7);
	/* The table still takes links, and grows for them. */
	set_links(&l, 100, 200);
	assert_true(sc_links_mem(&l) > mem);
	for (i = 0; i < 300; i++)
		assert_int_equal(sc_links_get(&l, i), i + 7);
	sc_links_free(&l);
}

/* More links than __u32 record indexes can name: refused before any allocation. */
static void test_reserve_past_record_indexes_refused(void **unused)
{
	struct sc_links l = {};

	(void)unused;
	assert_int_equal(sc_links_reserve(&l, SIZE_MAX), -ENOMEM);
	assert_int_equal(sc_links_reserve(&l, (1ull << 32) + 1), -ENOMEM);
	assert_null(l.v);
	set_links(&l, 0, 3);
	assert_int_equal(sc_links_reserve(&l, (1ull << 32) - 2), -ENOMEM);
	assert_int_equal(sc_links_get(&l, 2), 9);
	sc_links_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none_before_any_link),
		cmocka_unit_test(test_links_kept_across_growth),
		cmocka_unit_test(test_set_again_replaces),
		cmocka_unit_test(test_clear_keeps_the_slots),
		cmocka_unit_test(test_reserve_refused_keeps_the_links),
		cmocka_unit_test(test_reserve_past_record_indexes_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

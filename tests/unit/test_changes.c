// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/changes.c: reading the change ring the way a reader
 * does while writers lap it, on a ring in plain memory.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "changes.h"

#define SLOTS 8

static struct sc_change ring[SLOTS];
static __u64 head;

/* Writes change number seq the way the BPF programs do. */
static void write_change(__u64 cookie)
{
	struct sc_change *c = &ring[head % SLOTS];

	memset(c, 0, sizeof(*c));
	c->cookie = cookie;
	c->seq = head + 1;
	head++;
}

static void reset(void)
{
	memset(ring, 0, sizeof(ring));
	head = 0;
}

static void test_reads_what_was_written_in_order(void **state)
{
	struct sc_change out[SLOTS];
	__u64 pos = 0;

	(void)state;
	reset();
	write_change(7);
	write_change(8);
	assert_int_equal(sc_changes_take(ring, SLOTS, head, &pos, out, SLOTS), 2);
	assert_int_equal(out[0].cookie, 7);
	assert_int_equal(out[1].cookie, 8);
	assert_int_equal(pos, 2);
	assert_int_equal(sc_changes_take(ring, SLOTS, head, &pos, out, SLOTS), 0);
}

static void test_stops_at_a_slot_being_written(void **state)
{
	struct sc_change out[SLOTS];
	__u64 pos = 0;

	(void)state;
	reset();
	write_change(1);
	ring[head % SLOTS].seq = 0;      /* a writer took seq 1 and has not finished */
	head++;
	assert_int_equal(sc_changes_take(ring, SLOTS, head, &pos, out, SLOTS), 1);
	assert_int_equal(pos, 1);
	ring[1].seq = 2;                 /* finished */
	assert_int_equal(sc_changes_take(ring, SLOTS, head, &pos, out, SLOTS), 1);
	assert_int_equal(pos, 2);
}

static void test_falling_behind_is_an_overflow(void **state)
{
	struct sc_change out[SLOTS];
	__u64 pos = 0;
	int i;

	(void)state;
	reset();
	for (i = 0; i < SLOTS + 1; i++)
		write_change((__u64)i);
	assert_int_equal(sc_changes_take(ring, SLOTS, head, &pos, out, SLOTS), -EOVERFLOW);
	assert_int_equal(pos, head);     /* start over from here after a walk */
	write_change(100);
	assert_int_equal(sc_changes_take(ring, SLOTS, head, &pos, out, SLOTS), 1);
	assert_int_equal(out[0].cookie, 100);
}

static void test_a_lapped_slot_is_an_overflow(void **state)
{
	struct sc_change out[SLOTS];
	__u64 pos = 0, seen_head;
	int i;

	(void)state;
	reset();
	write_change(1);
	seen_head = head;                /* the reader saw head 1 ... */
	for (i = 0; i < SLOTS; i++)      /* ... and writers lapped slot 0 before it read */
		write_change(50);
	assert_int_equal(sc_changes_take(ring, SLOTS, seen_head, &pos, out, SLOTS), -EOVERFLOW);
}

static void test_room_for_fewer_leaves_the_rest(void **state)
{
	struct sc_change out[2];
	__u64 pos = 0;
	int i;

	(void)state;
	reset();
	for (i = 0; i < 5; i++)
		write_change((__u64)i);
	assert_int_equal(sc_changes_take(ring, SLOTS, head, &pos, out, 2), 2);
	assert_int_equal(sc_changes_take(ring, SLOTS, head, &pos, out, 2), 2);
	assert_int_equal(out[1].cookie, 3);
	assert_int_equal(sc_changes_take(ring, SLOTS, head, &pos, out, 2), 1);
	assert_int_equal(pos, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_what_was_written_in_order),
		cmocka_unit_test(test_stops_at_a_slot_being_written),
		cmocka_unit_test(test_falling_behind_is_an_overflow),
		cmocka_unit_test(test_a_lapped_slot_is_an_overflow),
		cmocka_unit_test(test_room_for_fewer_leaves_the_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

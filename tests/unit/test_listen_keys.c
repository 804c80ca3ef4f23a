// SPDX-License-Identifier: GPL-2.0
/* Unit tests for user/model/listen_keys.c: (netns, port) keys and their dense slots. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "listen_keys.h"

/* Slots in order of first sight, through many growths; the same port in many namespaces. */
static void test_slots_survive_growth(void **state)
{
	struct sc_listen_keys k;
	__u32 i, slot;
	bool added;

	(void)state;
	sc_listen_keys_init(&k);
	for (i = 0; i < 3000; i++) {
		assert_int_equal(sc_listen_keys_add(&k, 4026531000u + i % 300, (__u16)(8000 + i / 300),
						    &slot, &added), 0);
		assert_true(added);
		assert_int_equal(slot, i);
	}
	for (i = 0; i < 3000; i++) {
		assert_int_equal(sc_listen_keys_find(&k, 4026531000u + i % 300,
						     (__u16)(8000 + i / 300)), i);
		assert_int_equal(sc_listen_keys_add(&k, 4026531000u + i % 300,
						    (__u16)(8000 + i / 300), &slot, &added), 0);
		assert_false(added);
		assert_int_equal(slot, i);
	}
	assert_int_equal(k.n, 3000);
	/* A port some namespace has, in one that has it not; a port nobody has. */
	assert_int_equal(sc_listen_keys_find(&k, 7, 8000), SC_LISTEN_NO_SLOT);
	assert_int_equal(sc_listen_keys_find(&k, 4026531000u, 9000), SC_LISTEN_NO_SLOT);
	assert_int_equal(sc_listen_keys_lookup(&k, 4026531000u, 9000), SC_LISTEN_NO_SLOT);
	sc_listen_keys_free(&k);
	assert_int_equal(sc_listen_keys_find(&k, 4026531000u, 8000), SC_LISTEN_NO_SLOT);
}

/* Empty: nothing found, nothing allocated to look in. */
static void test_empty(void **state)
{
	struct sc_listen_keys k;

	(void)state;
	sc_listen_keys_init(&k);
	assert_int_equal(sc_listen_keys_lookup(&k, 1, 80), SC_LISTEN_NO_SLOT);
	assert_int_equal(sc_listen_keys_find(&k, 1, 80), SC_LISTEN_NO_SLOT);
	sc_listen_keys_free(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots_survive_growth),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* Unit tests for user/model/holders.c: (process, namespace) pairs by id. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "holders.h"

/* Every pair gets one id, the same each time, across the index's growth. */
static void test_a_pair_keeps_its_id(void **unused)
{
	enum { PROCS = 500, NSES = 3 };
	struct sc_holders h = {};
	__u32 ids[PROCS][NSES], id, p, n;

	(void)unused;
	for (p = 0; p < PROCS; p++)
		for (n = 0; n < NSES; n++)
			assert_int_equal(sc_holders_id(&h, 1000 + p, 4026531840u + n, &ids[p][n]), 0);
	assert_int_equal(h.n, PROCS * NSES);
	for (p = 0; p < PROCS; p++)
		for (n = 0; n < NSES; n++) {
			assert_int_equal(sc_holders_id(&h, 1000 + p, 4026531840u + n, &id), 0);
			assert_int_equal(id, ids[p][n]);
			assert_int_equal(sc_holders_get(&h, id).tgid, 1000 + p);
			assert_int_equal(sc_holders_get(&h, id).netns, 4026531840u + n);
		}
	assert_int_equal(h.n, PROCS * NSES);
	/* Process 0 (owner unknown yet) is a pair like any other. */
	assert_int_equal(sc_holders_id(&h, 0, 4026531840u, &id), 0);
	assert_int_equal(sc_holders_get(&h, id).tgid, 0);
	assert_true(sc_holders_mem(&h) >= h.n * sizeof(struct sc_holder_pair));
	sc_holders_free(&h);
	assert_int_equal(h.n, 0);
	assert_int_equal(sc_holders_mem(&h), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_pair_keeps_its_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

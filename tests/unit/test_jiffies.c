// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/model/jiffies.c: CONFIG_HZ from a kernel config text, and
 * HZ derived from a jiffies_64 reading when no config is available.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common.h"
#include "jiffies.h"

#define S 1000000000ull /* ns per second */
#define INITIAL(hz) (4294967296ull - 300ull * (hz))

static void test_config_text(void **state)
{
	(void)state;
	assert_int_equal(sc_hz_from_config_text("CONFIG_HZ_250=y\nCONFIG_HZ=250\n"), 250);
	assert_int_equal(sc_hz_from_config_text("CONFIG_HZ=1000"), 1000);
	assert_int_equal(sc_hz_from_config_text("# CONFIG_HZ=100 is not set\nX=1\n"), 0);
	assert_int_equal(sc_hz_from_config_text("CONFIG_HZ_PERIODIC=y\n"), 0);
	assert_int_equal(sc_hz_from_config_text(""), 0);
}

/* jiffies_64 = INITIAL_JIFFIES + HZ * uptime, before and after the 300 s wrap point. */
static void test_derived_from_jiffies(void **state)
{
	static const unsigned hzs[] = { 100, 250, 300, 1000 };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(hzs); i++) {
		__u64 hz = hzs[i];

		assert_int_equal(sc_hz_from_jiffies(INITIAL(hz) + hz * 3600, 3600 * S), hz);
		assert_int_equal(sc_hz_from_jiffies(INITIAL(hz) + hz * 100, 100 * S), hz);
		/* A few ms between the two readings still rounds to the right value. */
		assert_int_equal(sc_hz_from_jiffies(INITIAL(hz) + hz * 7200, 7200 * S + 5000000), hz);
	}
}

/* Near 300 s of uptime the reading cannot tell; nonsense gives 0. */
static void test_underivable(void **state)
{
	(void)state;
	assert_int_equal(sc_hz_from_jiffies(INITIAL(250) + 250 * 310, 310 * S), 0);
	/* 30 s from the singular point, with jiffies 0.2 s behind the clock: still told apart. */
	assert_int_equal(sc_hz_from_jiffies(INITIAL(250) + (__u64)(250 * 329.8), 330 * S), 250);
	assert_int_equal(sc_hz_from_jiffies(INITIAL(1000) + (__u64)(1000 * 269.8), 270 * S), 1000);
	assert_int_equal(sc_hz_from_jiffies(INITIAL(250) + 777 * 3600, 3600 * S), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_text),
		cmocka_unit_test(test_derived_from_jiffies),
		cmocka_unit_test(test_underivable),
	};

	return cmocka_run_group_tests_name("kernel_hz", tests, NULL, NULL);
}

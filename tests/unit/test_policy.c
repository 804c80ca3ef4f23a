// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/render/policy_json.c and policy_text.c: the "policy"
 * object every JSON document carries, the one-shot warning on stderr and
 * top's header mark, when --heartbeat-bytes has or has not applied yet.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "idle.h"
#include "json_writer.h"
#include "policy_json.h"
#include "policy_text.h"

#define S 1000000000ull /* ns per second */

static const struct sc_idle_policy heartbeat4 = { .idle_after_ms = 6000, .heartbeat_bytes = 4 };

/* The policy object alone, as a JSON document of its own. */
static char *policy_json(const struct sc_idle_policy *p, const struct sc_heartbeat_watch *hw)
{
	static struct jw w;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	jw_init(&w, f);
	jw_object_begin(&w);
	sc_policy_write_json(&w, p, hw, NULL);
	jw_object_end(&w);
	jw_flush(&w);
	fclose(f);
	return text;
}

static void test_json_not_yet(void **state)
{
	struct sc_heartbeat_watch hw = sc_heartbeat_watch(&heartbeat4, true, 10 * S,
							   10 * S + S / 4);
	char *j = policy_json(&heartbeat4, &hw);

	(void)state;
	assert_string_equal(j, "{\"policy\":{\"idle_after_s\":6.000,\"heartbeat_bytes\":4,"
			       "\"heartbeat_effective\":false,\"watched_s\":0.250,"
			       "\"heartbeat_effective_in_s\":5.750}}");
	free(j);
}

static void test_json_watched_long_enough(void **state)
{
	struct sc_heartbeat_watch hw = sc_heartbeat_watch(&heartbeat4, true, 10 * S, 100 * S);
	char *j = policy_json(&heartbeat4, &hw);

	(void)state;
	assert_non_null(strstr(j, "\"heartbeat_effective\":true,\"watched_s\":90.000,"
				  "\"heartbeat_effective_in_s\":0.000}"));
	free(j);
}

static void test_json_hookless_never(void **state)
{
	struct sc_heartbeat_watch hw = sc_heartbeat_watch(&heartbeat4, false, 10 * S, 100 * S);
	char *j = policy_json(&heartbeat4, &hw);

	(void)state;
	assert_non_null(strstr(j, "\"heartbeat_effective\":false,\"watched_s\":90.000,"
				  "\"heartbeat_effective_in_s\":null}"));
	free(j);
}

static void test_warning_names_the_ways_out(void **state)
{
	struct sc_heartbeat_watch hw = sc_heartbeat_watch(&heartbeat4, true, 10 * S,
							   10 * S + S / 4);
	char buf[512];
	const char *w = sc_heartbeat_watch_warning(&heartbeat4, &hw, buf, sizeof(buf));

	(void)state;
	assert_ptr_equal(w, buf);
	assert_non_null(strstr(w, "--heartbeat-bytes 4"));
	assert_non_null(strstr(w, "watched 0.2s of --idle-after 6.0s"));
	assert_non_null(strstr(w, "--observe"));
	assert_non_null(strstr(w, "sockcostd"));
	assert_null(strchr(w, '\n'));
}

static void test_no_warning_when_effective(void **state)
{
	struct sc_idle_policy none = { .idle_after_ms = 6000 };
	struct sc_heartbeat_watch hw;
	char buf[512];

	(void)state;
	hw = sc_heartbeat_watch(&heartbeat4, true, 10 * S, 16 * S);
	assert_null(sc_heartbeat_watch_warning(&heartbeat4, &hw, buf, sizeof(buf)));
	assert_null(sc_heartbeat_watch_mark(&hw, buf, sizeof(buf)));
	/* No threshold: nothing to warn about however briefly it watched. */
	hw = sc_heartbeat_watch(&none, true, 10 * S, 10 * S);
	assert_null(sc_heartbeat_watch_warning(&none, &hw, buf, sizeof(buf)));
	assert_null(sc_heartbeat_watch_mark(&hw, buf, sizeof(buf)));
}

static void test_hookless_warning(void **state)
{
	struct sc_heartbeat_watch hw = sc_heartbeat_watch(&heartbeat4, false, 10 * S, 100 * S);
	char buf[512];

	(void)state;
	assert_non_null(strstr(sc_heartbeat_watch_warning(&heartbeat4, &hw, buf, sizeof(buf)),
			       "cannot apply"));
	assert_string_equal(sc_heartbeat_watch_mark(&hw, buf, sizeof(buf)),
			    "heartbeats count: no per-call hook");
}

static void test_mark_counts_down_rounding_up(void **state)
{
	struct sc_heartbeat_watch hw;
	char buf[64];

	(void)state;
	hw = sc_heartbeat_watch(&heartbeat4, true, 10 * S, 10 * S + S / 4);
	assert_string_equal(sc_heartbeat_watch_mark(&hw, buf, sizeof(buf)),
			    "warming up: 5.8s left");
	/* A millisecond left is not "0.0s left". */
	hw = sc_heartbeat_watch(&heartbeat4, true, 10 * S, 16 * S - 1000000);
	assert_string_equal(sc_heartbeat_watch_mark(&hw, buf, sizeof(buf)),
			    "warming up: 0.1s left");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_not_yet),
		cmocka_unit_test(test_json_watched_long_enough),
		cmocka_unit_test(test_json_hookless_never),
		cmocka_unit_test(test_warning_names_the_ways_out),
		cmocka_unit_test(test_no_warning_when_effective),
		cmocka_unit_test(test_hookless_warning),
		cmocka_unit_test(test_mark_counts_down_rounding_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* Unit tests for user/model/tcp_mem.c: net.ipv4.tcp_mem and /proc/net/sockstat into pages
 * and the page size they count in. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_mem.h"

/* The sysctl separates with tabs; UDP has a mem of its own that must not be taken. */
static const char limits[] = "287898\t383865\t575796\n";
static const char sockstat[] =
	"sockets: used 17\n"
	"UDP: inuse 0 mem 7\n"
	"TCP: inuse 2 orphan 0 tw 3 alloc 200013 mem 120\n"
	"UDPLITE: inuse 0\n"
	"RAW: inuse 0\n"
	"FRAG: inuse 0 memory 0\n";

static void test_host(void **state)
{
	struct sc_tcp_mem m;

	(void)state;
	assert_int_equal(sc_tcp_mem_parse(limits, sockstat, 4096, &m), 0);
	assert_int_equal(m.page_bytes, 4096);
	assert_int_equal(m.min_pages, 287898);
	assert_int_equal(m.pressure_pages, 383865);
	assert_int_equal(m.max_pages, 575796);
	assert_int_equal(m.used_pages, 120);
}

static void test_last_line_without_newline(void **state)
{
	struct sc_tcp_mem m;

	(void)state;
	assert_int_equal(sc_tcp_mem_parse("1 2 3", "TCP: inuse 0 orphan 0 tw 0 alloc 0 mem 0", 65536, &m), 0);
	assert_int_equal(m.max_pages, 3);
	assert_int_equal(m.used_pages, 0);
	assert_int_equal(m.page_bytes, 65536);
}

static void test_missing_numbers(void **state)
{
	struct sc_tcp_mem m;

	(void)state;
	assert_int_equal(sc_tcp_mem_parse("1 2", sockstat, 4096, &m), -EINVAL);
	assert_int_equal(sc_tcp_mem_parse(limits, "", 4096, &m), -EINVAL);
	/* TCP's line without mem: the next line's mem is UDP's, not TCP's. */
	assert_int_equal(sc_tcp_mem_parse(limits, "TCP: inuse 1\nUDP: inuse 0 mem 7\n", 4096,
					   &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_last_line_without_newline),
		cmocka_unit_test(test_missing_numbers),
	};

	return cmocka_run_group_tests_name("tcp_mem", tests, NULL, NULL);
}

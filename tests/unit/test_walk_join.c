// SPDX-License-Identifier: GPL-2.0
/* Unit tests for user/model/walk_join.c: file walks joined with namespace walks on the inode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "walk_join.h"

#define NS_A 4026531840u
#define NS_B 4026532000u

static struct sc_conn_record conn(__u32 tgid, __u32 netns, __u8 state, __u32 inode, __u64 cookie)
{
	return (struct sc_conn_record){ .tgid = tgid, .netns = netns, .kind = SC_CONN_TCP,
					.state = state, .inode = inode, .cookie = cookie,
					.flags = SC_CONN_HAS_TIMES, .lport = 8080 };
}

static struct sc_conn_state_record state(__u32 netns, __u32 inode, __u64 cookie, __u8 flags,
					 __u64 est, __u64 active)
{
	return (struct sc_conn_state_record){ .netns = netns, .inode = inode, .cookie = cookie,
					      .flags = flags, .established_ns = est,
					      .last_active_jiffies = active, .lport = 8080 };
}

/* Each socket takes its own state, whatever the order; two holders of one socket both do. */
static void test_state_joined_on_inode(void **unused)
{
	struct sc_conn_record c[] = {
		{ .kind = SC_CONN_HEADER, .established_ns = 5, .last_active_jiffies = 6 },
		conn(10, NS_A, TCP_ESTABLISHED, 300, 0),
		conn(10, NS_A, TCP_LISTEN, 100, 77),
		conn(11, NS_B, TCP_ESTABLISHED, 200, 0),
		conn(12, NS_B, TCP_ESTABLISHED, 200, 0), /* a second holder */
	};
	struct sc_conn_state_record st[] = {
		state(NS_B, 200, 9002, SC_CONN_HAS_STATE | SC_CONN_SAW_CALLS, 1000, 40),
		state(NS_A, 100, 77, SC_CONN_HAS_STATE, 0, 41),
		state(NS_A, 300, 9003, SC_CONN_HAS_STATE, 3000, 42),
	};

	(void)unused;
	c[2].listen_drops = 8; /* the file walk's, kept */
	assert_int_equal(sc_walk_join_state(c, 5, st, 3), 0);
	assert_int_equal(c[0].established_ns, 5); /* the header is no socket */
	assert_int_equal(c[1].cookie, 9003);
	assert_int_equal(c[1].established_ns, 3000);
	assert_int_equal(c[1].last_active_jiffies, 42);
	assert_int_equal(c[1].flags, SC_CONN_HAS_TIMES | SC_CONN_HAS_STATE);
	assert_int_equal(c[2].cookie, 77);
	assert_int_equal(c[2].listen_drops, 8);
	assert_int_equal(c[2].flags, SC_CONN_HAS_TIMES | SC_CONN_HAS_STATE);
	for (int i = 3; i <= 4; i++) {
		assert_int_equal(c[i].cookie, 9002);
		assert_int_equal(c[i].established_ns, 1000);
		assert_int_equal(c[i].flags,
				 SC_CONN_HAS_TIMES | SC_CONN_HAS_STATE | SC_CONN_SAW_CALLS);
	}
}

/*
 * A socket no namespace walk saw (its namespace not entered, or unhashed):
 * no state; its own cookie if it had one, else its inode key, so two such
 * sockets never share a key. The same inode in another namespace is not it.
 */
static void test_unmatched_keep_apart(void **unused)
{
	struct sc_conn_record c[] = {
		conn(10, NS_A, TCP_CLOSE, 500, 0),
		conn(10, NS_A, TCP_CLOSE, 501, 0),
		conn(10, NS_A, TCP_ESTABLISHED, 502, 66),
		conn(10, NS_B, TCP_ESTABLISHED, 600, 0),
	};
	struct sc_conn_state_record st[] = {
		state(NS_A, 600, 9999, SC_CONN_HAS_STATE, 1, 1),
	};

	(void)unused;
	assert_int_equal(sc_walk_join_state(c, 4, st, 1), 0);
	assert_true(c[0].cookie == (SC_WALK_INODE_KEY | 500));
	assert_true(c[1].cookie == (SC_WALK_INODE_KEY | 501));
	assert_int_equal(c[2].cookie, 66);
	assert_true(c[3].cookie == (SC_WALK_INODE_KEY | 600));
	for (int i = 0; i < 4; i++) {
		assert_int_equal(c[i].flags, SC_CONN_HAS_TIMES);
		assert_int_equal(c[i].established_ns, 0);
	}
	/* No namespace walked at all. */
	c[1].cookie = 0;
	assert_int_equal(sc_walk_join_state(c, 4, NULL, 0), 0);
	assert_true(c[1].cookie == (SC_WALK_INODE_KEY | 501));
	assert_int_equal(c[2].cookie, 66);
}

/*
 * Inode numbers wrap at 32 bits: two live sockets of one namespace may share
 * one. The ports tell them apart; a socket whose ports match neither (it
 * connected between the walks) takes no state rather than another's.
 */
static void test_shared_inode_told_apart_by_ports(void **unused)
{
	struct sc_conn_record c[] = {
		conn(10, NS_A, TCP_ESTABLISHED, 900, 0),
		conn(11, NS_A, TCP_ESTABLISHED, 900, 0),
		conn(12, NS_A, TCP_ESTABLISHED, 900, 0),
	};
	struct sc_conn_state_record st[] = {
		state(NS_A, 900, 7002, SC_CONN_HAS_STATE, 2, 2),
		state(NS_A, 900, 7001, SC_CONN_HAS_STATE, 1, 1),
	};

	(void)unused;
	c[0].rport = 40001;
	c[1].rport = 40002;
	c[2].rport = 40003;
	st[0].rport = 40002;
	st[1].rport = 40001;
	assert_int_equal(sc_walk_join_state(c, 3, st, 2), 0);
	assert_int_equal(c[0].cookie, 7001);
	assert_int_equal(c[0].established_ns, 1);
	assert_int_equal(c[1].cookie, 7002);
	assert_int_equal(c[1].established_ns, 2);
	assert_true(c[2].cookie == (SC_WALK_INODE_KEY | 900));
	assert_int_equal(c[2].flags, SC_CONN_HAS_TIMES);
}

/* Socket files with no cookie take the TCP walk's; others are left alone. */
static void test_file_cookies(void **unused)
{
	struct sc_file_record f[] = {
		{ .tgid = 1, .fd = 3 },                                   /* not a socket */
		{ .tgid = 1, .fd = 4, .inode = 700, .netns = NS_A },       /* no cookie yet */
		{ .tgid = 1, .fd = 5, .inode = 701, .netns = NS_A, .cookie = 55 },
		{ .tgid = 2, .fd = 6, .inode = 702, .netns = NS_B },       /* walked nowhere */
	};
	struct sc_tcp_record r[3] = {
		{ .cookie = 8701, .inode = 701, .netns = NS_A },
		{ .cookie = 8700, .inode = 700, .netns = NS_A },
		{ .cookie = 8000, .inode = 0, .netns = NS_A }, /* time-wait: no file */
	};

	(void)unused;
	assert_int_equal(sc_walk_join_cookies(f, 4, r, 3), 0);
	assert_int_equal(f[0].cookie, 0);
	assert_int_equal(f[1].cookie, 8700);
	assert_int_equal(f[2].cookie, 55);
	assert_true(f[3].cookie == (SC_WALK_INODE_KEY | 702));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_joined_on_inode),
		cmocka_unit_test(test_unmatched_keep_apart),
		cmocka_unit_test(test_shared_inode_told_apart_by_ports),
		cmocka_unit_test(test_file_cookies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

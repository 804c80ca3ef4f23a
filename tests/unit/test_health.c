// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/model/health.c: each class from the kernel facts that
 * make it, the thresholds' edges, the order in which classes win, counts,
 * and the --health words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common.h"
#include "health.h"

static struct sc_health_policy policy(void)
{
	struct sc_health_policy p;

	sc_health_policy_default(&p);
	return p;
}

/* A quiet, healthy ESTABLISHED socket, talked on a second ago. */
static struct sc_socket established(void)
{
	return (struct sc_socket){
		.state = TCP_ESTABLISHED,
		.kernel_send_age_ms = 1000,
		.kernel_recv_age_ms = 1000,
		.last_ack_age_ms = 1000,
		.left_established_age_ms = SC_AGE_UNKNOWN,
		.peer_window = 65535,
	};
}

static void test_quiet_is_ok(void **state)
{
	struct sc_health_policy p = policy();
	struct sc_socket s = established();
	struct sc_health_result r = sc_health_judge(&s, &p);

	(void)state;
	assert_int_equal(r.health, SC_HEALTH_OK);
	assert_int_equal(r.stall, SC_STALL_NONE);
	assert_true(r.age_ms == SC_AGE_UNKNOWN);
}

static void test_close_wait_after_threshold(void **state)
{
	struct sc_health_policy p = policy();
	struct sc_socket s = established();

	(void)state;
	s.state = TCP_CLOSE_WAIT;
	s.kernel_send_age_ms = 3600 * 1000; /* the process sent nothing since */
	s.left_established_age_ms = p.close_wait_after_ms - 1;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_OK);
	s.left_established_age_ms = p.close_wait_after_ms;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_CLOSE_WAIT);
	assert_int_equal(sc_health_judge(&s, &p).age_ms, p.close_wait_after_ms);
}

/* Without the state program's stamp, the FIN's ACK dates it (a lower bound). */
static void test_close_wait_age_from_last_ack(void **state)
{
	struct sc_health_policy p = policy();
	struct sc_socket s = established();

	(void)state;
	s.state = TCP_CLOSE_WAIT;
	s.kernel_send_age_ms = 3600 * 1000;
	s.last_ack_age_ms = 120000;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_CLOSE_WAIT);
	assert_int_equal(sc_health_judge(&s, &p).age_ms, 120000);
	s.last_ack_age_ms = SC_AGE_UNKNOWN;
	s.kernel_send_age_ms = SC_AGE_UNKNOWN;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_CLOSE_WAIT);
	assert_true(sc_health_judge(&s, &p).age_ms == SC_AGE_UNKNOWN);
}

/* A half-closed socket still answering (HTTP/1.0 style) is used, not leaked. */
static void test_close_wait_still_sending_is_ok(void **state)
{
	struct sc_health_policy p = policy();
	struct sc_socket s = established();

	(void)state;
	s.state = TCP_CLOSE_WAIT;
	s.left_established_age_ms = p.close_wait_after_ms * 10;
	s.kernel_send_age_ms = 65;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_OK);
	s.kernel_send_age_ms = p.close_wait_after_ms + 1;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_CLOSE_WAIT);
	assert_int_equal(sc_health_judge(&s, &p).age_ms, p.close_wait_after_ms + 1);
}

static void test_stalled_reasons(void **state)
{
	struct sc_health_policy p = policy();
	struct sc_socket s = established();
	struct sc_health_result r;

	(void)state;
	s.tx_queue = 4096;
	s.kernel_send_age_ms = p.stall_after_ms - 1;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_OK);
	s.kernel_send_age_ms = p.stall_after_ms;
	r = sc_health_judge(&s, &p);
	assert_int_equal(r.health, SC_HEALTH_STALLED);
	assert_int_equal(r.stall, SC_STALL_NO_PROGRESS);
	assert_int_equal(r.queued_bytes, 4096);
	assert_int_equal(r.age_ms, p.stall_after_ms);
	s.retransmits = 3;
	assert_int_equal(sc_health_judge(&s, &p).stall, SC_STALL_RETRANSMITTING);
	/* A retransmission a moment ago restarts the send age; no ACK for long still stalls. */
	s.kernel_send_age_ms = 200;
	s.last_ack_age_ms = p.stall_after_ms + 5000;
	r = sc_health_judge(&s, &p);
	assert_int_equal(r.health, SC_HEALTH_STALLED);
	assert_int_equal(r.age_ms, p.stall_after_ms + 5000);
	s.last_ack_age_ms = p.stall_after_ms - 1;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_OK);
	s.kernel_send_age_ms = p.stall_after_ms;
	s.peer_window = 0;
	assert_int_equal(sc_health_judge(&s, &p).stall, SC_STALL_ZERO_WINDOW);
	/* Nothing queued: a quiet socket, not a stalled one. */
	s.tx_queue = 0;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_OK);
}

static void test_dead_peer_risk_needs_silence_and_no_keepalive(void **state)
{
	struct sc_health_policy p = policy();
	struct sc_socket s = established();
	struct sc_health_result r;

	(void)state;
	s.kernel_send_age_ms = s.kernel_recv_age_ms = s.last_ack_age_ms = p.nat_timeout_ms;
	r = sc_health_judge(&s, &p);
	assert_int_equal(r.health, SC_HEALTH_DEAD_PEER_RISK);
	assert_int_equal(r.age_ms, p.nat_timeout_ms);
	/* One recent ACK (a keepalive answered) is traffic the NAT saw. */
	s.last_ack_age_ms = 5000;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_OK);
	s.last_ack_age_ms = p.nat_timeout_ms;
	/* Keepalive that speaks before the NAT forgets: safe. */
	s.keepalive = true;
	s.keepalive_idle_ms = (__u32)p.nat_timeout_ms - 1;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_OK);
	/* Keepalive at Linux's default two hours: too late. */
	s.keepalive_idle_ms = 7200 * 1000;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_DEAD_PEER_RISK);
	/* Unread data: the sender probes the closed window, which a NAT sees. */
	s.rx_queue = 4096;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_OK);
	s.rx_queue = 0;
	/* Unknown ages decide nothing. */
	s.kernel_send_age_ms = s.kernel_recv_age_ms = s.last_ack_age_ms = SC_AGE_UNKNOWN;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_OK);
}

static void test_unheld_classes_win(void **state)
{
	struct sc_health_policy p = policy();
	struct sc_socket s = established();

	(void)state;
	s.state = TCP_TIME_WAIT;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_TIME_WAIT);
	s = established();
	s.state = TCP_FIN_WAIT1;
	s.orphan = true;
	s.tx_queue = 100;
	s.kernel_send_age_ms = p.stall_after_ms * 10;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_ORPHANED);
	assert_int_equal(sc_health_judge(&s, &p).queued_bytes, 100);
	/* A held FIN-WAIT-1 socket whose data does not leave is stalled. */
	s.orphan = false;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_STALLED);
	s.state = TCP_LISTEN;
	assert_int_equal(sc_health_judge(&s, &p).health, SC_HEALTH_OK);
}

static void test_counts(void **state)
{
	struct sc_health_counts c = {}, d = {};
	struct sc_health_result cw1 = { .health = SC_HEALTH_CLOSE_WAIT, .age_ms = 70000 };
	struct sc_health_result cw2 = { .health = SC_HEALTH_CLOSE_WAIT, .age_ms = SC_AGE_UNKNOWN };
	struct sc_health_result st = { .health = SC_HEALTH_STALLED, .queued_bytes = 500 };
	struct sc_health_result tw = { .health = SC_HEALTH_TIME_WAIT };

	(void)state;
	sc_health_count(&c, &cw1);
	sc_health_count(&c, &cw2);
	sc_health_count(&c, &st);
	sc_health_count(&c, &tw);
	assert_int_equal(c.n[SC_HEALTH_CLOSE_WAIT], 2);
	assert_int_equal(c.close_wait_oldest_ms, 70000);
	assert_int_equal(c.stalled_queued_bytes, 500);
	assert_int_equal(sc_health_unhealthy(&c), 3);
	d.close_wait_oldest_ms = 90000;
	d.n[SC_HEALTH_STALLED] = 1;
	sc_health_counts_add(&d, &c);
	assert_int_equal(d.close_wait_oldest_ms, 90000);
	assert_int_equal(d.n[SC_HEALTH_STALLED], 2);
	assert_int_equal(d.n[SC_HEALTH_TIME_WAIT], 1);
}

static void test_names_and_mask(void **state)
{
	unsigned int mask = 0;
	char bad[32];

	(void)state;
	assert_string_equal(sc_health_name(SC_HEALTH_DEAD_PEER_RISK), "dead_peer_risk");
	assert_string_equal(sc_stall_reason_name(SC_STALL_ZERO_WINDOW), "zero_window");
	assert_null(sc_stall_reason_name(SC_STALL_NONE));
	assert_int_equal(sc_health_parse_mask("ok,orphaned", &mask, bad, sizeof(bad)), 0);
	assert_int_equal(mask, 1u << SC_HEALTH_OK | 1u << SC_HEALTH_ORPHANED);
	assert_int_equal(sc_health_parse_mask("stalled,close", &mask, bad, sizeof(bad)), -EINVAL);
	assert_string_equal(bad, "close");
	assert_int_equal(sc_health_parse_mask("", &mask, bad, sizeof(bad)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_is_ok),
		cmocka_unit_test(test_close_wait_after_threshold),
		cmocka_unit_test(test_close_wait_age_from_last_ack),
		cmocka_unit_test(test_close_wait_still_sending_is_ok),
		cmocka_unit_test(test_stalled_reasons),
		cmocka_unit_test(test_dead_peer_risk_needs_silence_and_no_keepalive),
		cmocka_unit_test(test_unheld_classes_win),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_names_and_mask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

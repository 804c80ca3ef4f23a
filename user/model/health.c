// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/tcp.h>

#include "health.h"

static const char *const health_names[SC_HEALTH_N] = {
	[SC_HEALTH_OK] = "ok",
	[SC_HEALTH_CLOSE_WAIT] = "close_wait",
	[SC_HEALTH_STALLED] = "stalled",
	[SC_HEALTH_DEAD_PEER_RISK] = "dead_peer_risk",
	[SC_HEALTH_TIME_WAIT] = "time_wait",
	[SC_HEALTH_ORPHANED] = "orphaned",
};

static const char *const stall_names[] = {
	[SC_STALL_ZERO_WINDOW] = "zero_window",
	[SC_STALL_RETRANSMITTING] = "retransmitting",
	[SC_STALL_NO_PROGRESS] = "no_progress",
};

void sc_health_policy_default(struct sc_health_policy *p)
{
	p->close_wait_after_ms = SC_DEFAULT_CLOSE_WAIT_AFTER_S * 1000ull;
	p->stall_after_ms = SC_DEFAULT_STALL_AFTER_S * 1000ull;
	p->nat_timeout_ms = SC_DEFAULT_NAT_TIMEOUT_S * 1000ull;
}

static __u64 min_age(__u64 a, __u64 b)
{
	if (a == SC_AGE_UNKNOWN)
		return b;
	if (b == SC_AGE_UNKNOWN)
		return a;
	return a < b ? a : b;
}

/* At least ms, known. */
static bool at_least(__u64 age_ms, __u64 ms)
{
	return age_ms != SC_AGE_UNKNOWN && age_ms >= ms;
}

/*
 * How long in CLOSE-WAIT: since the state program saw it leave ESTABLISHED,
 * else since the last ACK received, which the peer's FIN carried: later ACKs
 * only come for data the process sent after, so this is a lower bound.
 */
static __u64 close_wait_age(const struct sc_socket *s)
{
	if (s->left_established_age_ms != SC_AGE_UNKNOWN)
		return s->left_established_age_ms;
	return s->last_ack_age_ms;
}

/*
 * How long nothing has moved. lsndtime is stamped by every data segment
 * sent (tcp_event_data_sent() from __tcp_transmit_skb()), retransmissions
 * included, so on a dead path it restarts with each one: there, the last
 * ACK received dates the stall, since a retransmission timeout only fires
 * when none came. Zero-window probes carry no data and leave lsndtime; the
 * peer ACKs them, so there the send age is the one that grows.
 */
static __u64 stall_age(const struct sc_socket *s)
{
	if (s->retransmits && s->last_ack_age_ms != SC_AGE_UNKNOWN &&
	    (s->kernel_send_age_ms == SC_AGE_UNKNOWN || s->last_ack_age_ms > s->kernel_send_age_ms))
		return s->last_ack_age_ms;
	return s->kernel_send_age_ms;
}

static enum sc_stall_reason stall_reason(const struct sc_socket *s)
{
	if (!s->peer_window)
		return SC_STALL_ZERO_WINDOW;
	if (s->retransmits)
		return SC_STALL_RETRANSMITTING;
	return SC_STALL_NO_PROGRESS;
}

/* Keepalive would speak before a NAT forgets the flow (its time unknown: given the benefit). */
static bool keepalive_in_time(const struct sc_socket *s, const struct sc_health_policy *p)
{
	return s->keepalive && (!s->keepalive_idle_ms || s->keepalive_idle_ms < p->nat_timeout_ms);
}

struct sc_health_result sc_health_judge(const struct sc_socket *s, const struct sc_health_policy *p)
{
	struct sc_health_result r = { .health = SC_HEALTH_OK, .age_ms = SC_AGE_UNKNOWN };
	__u64 silent;

	if (s->state == TCP_TIME_WAIT) {
		r.health = SC_HEALTH_TIME_WAIT;
		return r;
	}
	if (!sc_tcp_connected(s->state))
		return r;
	if (s->orphan) {
		r.health = SC_HEALTH_ORPHANED;
		r.queued_bytes = s->tx_queue;
		return r;
	}
	if (s->state == TCP_CLOSE_WAIT) {
		/* Still sending (a half-close answered at length) is not a leak. */
		r.age_ms = min_age(close_wait_age(s), s->kernel_send_age_ms);
		/* Unknown age: CLOSE-WAIT is brief for a process that handles it. */
		if (r.age_ms == SC_AGE_UNKNOWN || r.age_ms >= p->close_wait_after_ms) {
			r.health = SC_HEALTH_CLOSE_WAIT;
			return r;
		}
	}
	if (s->tx_queue && at_least(stall_age(s), p->stall_after_ms)) {
		r.health = SC_HEALTH_STALLED;
		r.stall = stall_reason(s);
		r.age_ms = stall_age(s);
		r.queued_bytes = s->tx_queue;
		return r;
	}
	/*
	 * Data queued either way means a sender probing a closed window: those
	 * probes keep a NAT's mapping alive, though no stamp here moves.
	 */
	silent = min_age(min_age(s->kernel_send_age_ms, s->kernel_recv_age_ms), s->last_ack_age_ms);
	if (s->state == TCP_ESTABLISHED && !s->tx_queue && !s->rx_queue &&
	    at_least(silent, p->nat_timeout_ms) && !keepalive_in_time(s, p)) {
		r.health = SC_HEALTH_DEAD_PEER_RISK;
		r.age_ms = silent;
		return r;
	}
	r.age_ms = SC_AGE_UNKNOWN;
	return r;
}

void sc_health_count(struct sc_health_counts *c, const struct sc_health_result *r)
{
	c->n[r->health]++;
	if (r->health == SC_HEALTH_CLOSE_WAIT && r->age_ms != SC_AGE_UNKNOWN &&
	    r->age_ms > c->close_wait_oldest_ms)
		c->close_wait_oldest_ms = r->age_ms;
	if (r->health == SC_HEALTH_STALLED)
		c->stalled_queued_bytes += r->queued_bytes;
}

void sc_health_counts_add(struct sc_health_counts *to, const struct sc_health_counts *from)
{
	size_t i;

	for (i = 0; i < SC_HEALTH_N; i++)
		to->n[i] += from->n[i];
	if (from->close_wait_oldest_ms > to->close_wait_oldest_ms)
		to->close_wait_oldest_ms = from->close_wait_oldest_ms;
	to->stalled_queued_bytes += from->stalled_queued_bytes;
}

__u64 sc_health_unhealthy(const struct sc_health_counts *c)
{
	return c->n[SC_HEALTH_CLOSE_WAIT] + c->n[SC_HEALTH_STALLED] +
	       c->n[SC_HEALTH_DEAD_PEER_RISK];
}

const char *sc_health_name(enum sc_health h)
{
	return h < SC_HEALTH_N ? health_names[h] : "unknown";
}

const char *sc_stall_reason_name(enum sc_stall_reason r)
{
	return r > SC_STALL_NONE && r <= SC_STALL_NO_PROGRESS ? stall_names[r] : NULL;
}

int sc_health_parse_mask(const char *list, unsigned int *mask, char *bad, size_t badlen)
{
	const char *p = list, *end;
	unsigned int m = 0;
	int h;

	do {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		for (h = 0; h < SC_HEALTH_N; h++)
			if (strlen(health_names[h]) == (size_t)(end - p) &&
			    !memcmp(health_names[h], p, (size_t)(end - p)))
				break;
		if (h == SC_HEALTH_N) {
			snprintf(bad, badlen, "%.*s", (int)(end - p), p);
			return -EINVAL;
		}
		m |= 1u << h;
		p = end + 1;
	} while (*end);
	*mask = m;
	return 0;
}

struct sc_health_policy sc_health_policy_or_default(const struct sc_health_policy *p)
{
	struct sc_health_policy h = *p;

	if (!h.close_wait_after_ms && !h.stall_after_ms && !h.nat_timeout_ms)
		sc_health_policy_default(&h);
	return h;
}

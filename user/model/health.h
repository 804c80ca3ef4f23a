/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_HEALTH_H
#define SC_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "snapshot.h"

/*
 * Which connections are broken, not just quiet. Judged from what the kernel
 * keeps per socket (sc_tcp_record says which fields), at the walk's moment:
 *
 * close_wait     the peer closed and the process has not, for close_wait_after:
 *                the classic fd leak (the fd and the socket stay until it does).
 * stalled        data waits to be sent or acknowledged and nothing has moved
 *                for stall_after: no data segment left (lsndtime; zero-window
 *                probes carry none) or, once retransmission timeouts fired,
 *                no ACK came (rcv_tstamp): the peer advertises a zero window
 *                (a consumer not reading), the path loses everything
 *                (retransmissions), or neither, yet nothing moves.
 * dead_peer_risk ESTABLISHED and silent both ways (payload and ACKs) for
 *                nat_timeout, nothing queued either way, and keepalive off or
 *                slower than that timeout: a NAT or load balancer has likely
 *                forgotten it, and the server would not notice a vanished
 *                peer. The peer's own keepalive probes move no stamp here
 *                (they are out of window, dropped before tcp_ack()): the
 *                server end of a connection its client keeps alive that way
 *                still counts; application heartbeats do move them.
 * time_wait      TIME-WAIT: no process, memory and a (local port, peer) pair
 *                held for 60 s; outbound pools run out of ephemeral ports.
 * orphaned       closed by its process (SOCK_DEAD) with the kernel still
 *                finishing it (FIN-WAIT, LAST-ACK, CLOSING): memory no process
 *                holds.
 * The first that applies, in that order of the enum below after ok.
 */
enum sc_health {
	SC_HEALTH_OK = 0,
	SC_HEALTH_CLOSE_WAIT,
	SC_HEALTH_STALLED,
	SC_HEALTH_DEAD_PEER_RISK,
	SC_HEALTH_TIME_WAIT,
	SC_HEALTH_ORPHANED,
	SC_HEALTH_N,
};

enum sc_stall_reason {
	SC_STALL_NONE = 0,
	SC_STALL_ZERO_WINDOW,     /* the peer's window is 0: it does not read */
	SC_STALL_RETRANSMITTING,  /* retransmission timeouts with no ACK progress */
	SC_STALL_NO_PROGRESS,
};

struct sc_health_policy {
	__u64 close_wait_after_ms;
	__u64 stall_after_ms;
	__u64 nat_timeout_ms;
};

#define SC_DEFAULT_CLOSE_WAIT_AFTER_S 60
#define SC_DEFAULT_STALL_AFTER_S 10
/* AWS NAT gateways and load balancers drop idle TCP flows at 350 s. */
#define SC_DEFAULT_NAT_TIMEOUT_S 350

struct sc_health_result {
	enum sc_health health;
	enum sc_stall_reason stall;
	__u64 age_ms;             /* how long in that condition; SC_AGE_UNKNOWN */
	__u64 queued_bytes;       /* stalled: payload waiting (ss Send-Q) */
};

/* Per process, port, service or host. */
struct sc_health_counts {
	__u64 n[SC_HEALTH_N];
	__u64 close_wait_oldest_ms;  /* 0 if none has a known age */
	__u64 stalled_queued_bytes;
};

void sc_health_policy_default(struct sc_health_policy *p);
/* *p, or the defaults where it is all zero (a policy nobody set). */
struct sc_health_policy sc_health_policy_or_default(const struct sc_health_policy *p);

struct sc_health_result sc_health_judge(const struct sc_socket *s, const struct sc_health_policy *p);

void sc_health_count(struct sc_health_counts *c, const struct sc_health_result *r);
void sc_health_counts_add(struct sc_health_counts *to, const struct sc_health_counts *from);
/* Connections not ok (time_wait and orphaned are not connections a process holds). */
__u64 sc_health_unhealthy(const struct sc_health_counts *c);

/* "ok", "close_wait", ...: JSON values, metric labels and --health words. */
const char *sc_health_name(enum sc_health h);
/* NULL for SC_STALL_NONE. */
const char *sc_stall_reason_name(enum sc_stall_reason r);

/* --health close_wait,stalled: a mask of 1 << enum sc_health. -EINVAL names the bad word. */
int sc_health_parse_mask(const char *list, unsigned int *mask, char *bad, size_t badlen);

#endif /* SC_HEALTH_H */

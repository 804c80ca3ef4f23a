/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SOCKCOST_COUNTING_BPF_H
#define SOCKCOST_COUNTING_BPF_H

#include "maps.bpf.h"

/* When a counted connection's established time starts: seen entering ESTABLISHED, else first seen by a walk. */
static __always_inline __u64 sc_conn_start_us(const struct sc_sock_state *st)
{
	return (st->established_ns ? st->established_ns : st->first_seen_ns) / 1000;
}

/*
 * Counts a connection in (delta 1) or out (-1) of the live count, and its
 * established time. Userspace reads the parts without a lock, so they are
 * ordered to make a torn read under-report, never over: the start time goes
 * in before the count, and the count goes out before the start time.
 */
static __always_inline void sc_count_live(struct sc_counters *c, int v6, int delta,
					  const struct sc_sock_state *st)
{
	__u64 start = sc_conn_start_us(st);

	if (delta > 0) {
		__sync_fetch_and_add(&c->conn_start_us, start);
		__sync_fetch_and_add(&c->established[v6], 1);
	} else {
		__sync_fetch_and_add(&c->established[v6], -1);
		__sync_fetch_and_add(&c->conn_closed_us, bpf_ktime_get_ns() / 1000 - start);
		__sync_fetch_and_add(&c->conn_start_us, -start);
	}
}

static __always_inline void sc_count_established(int v6, int delta, const struct sc_sock_state *st)
{
	struct sc_counters *c = sc_counters_this_cpu();

	if (c)
		sc_count_live(c, v6, delta, st);
}

/*
 * Keeps the live established count right from a walk: established sockets
 * that predate sockcost are added once, and a socket still marked counted
 * after it left ESTABLISHED (its state change was missed) is taken out. The
 * COUNTED flag makes both idempotent with the state-change program.
 *
 * The walk reads the state without the socket lock, so it can be stale
 * either way. The tracepoint fires before the kernel stores a new state:
 * a walk may still read ESTABLISHED after the program uncounted the
 * socket, so the program marks LEFT first and a walk that counted rechecks
 * it and undoes its count. A walk reading a state from before ESTABLISHED
 * (SYN_SENT) of a counted socket read it stale, so only states that follow
 * ESTABLISHED uncount.
 */
static __always_inline void sc_reconcile_count(struct sc_sock_state *st, int state, int v6)
{
	struct sc_counters *c;

	if (state == TCP_ESTABLISHED) {
		if (st->flags & (SC_SOCK_COUNTED | SC_SOCK_LEFT))
			return;
		if (__sync_fetch_and_or(&st->flags, SC_SOCK_COUNTED) & SC_SOCK_COUNTED)
			return;
		sc_count_established(v6, 1, st);
		if ((st->flags & SC_SOCK_LEFT) &&
		    (__sync_fetch_and_and(&st->flags, ~SC_SOCK_COUNTED) & SC_SOCK_COUNTED))
			sc_count_established(v6, -1, st);
		return;
	}
	if (!(st->flags & SC_SOCK_COUNTED) || state == TCP_SYN_SENT || state == TCP_SYN_RECV ||
	    state == TCP_LISTEN || state == TCP_NEW_SYN_RECV)
		return;
	if (!(__sync_fetch_and_and(&st->flags, ~SC_SOCK_COUNTED) & SC_SOCK_COUNTED))
		return;
	sc_count_established(v6, -1, st);
	c = sc_counters_this_cpu();
	/* Atomic: this runs in a walk, which a softirq closing a socket on this CPU can interrupt. */
	if (c)
		__sync_fetch_and_add(&c->closed, 1);
}

static __always_inline int sc_live_counters(void)
{
	struct sc_config *cfg;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&sc_config, &zero);
	return cfg && cfg->live_counters;
}

/*
 * A walk's look at a socket's record: created for established sockets when
 * counters are live (so sockets from before sockcost are watched from now
 * on and counted once), reconciled with the live count. Listeners get one
 * too, so the sockets they accept inherit its owner. NULL if none.
 */
static __always_inline struct sc_sock_state *sc_walk_state(struct sock *sk, int state, int v6)
{
	int live = sc_live_counters();
	int create = live && (state == TCP_ESTABLISHED || state == TCP_LISTEN);
	struct sc_sock_state *st;

	st = bpf_sk_storage_get(&sc_sock_states, sk, 0, create ? BPF_SK_STORAGE_GET_F_CREATE : 0);
	if (!st) {
		if (create)
			sc_count_storage_failure();
		return NULL;
	}
	if (!st->first_seen_ns)
		st->first_seen_ns = bpf_ktime_get_ns();
	if (live)
		sc_reconcile_count(st, state, v6);
	return st;
}

#endif /* SOCKCOST_COUNTING_BPF_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SOCKCOST_COUNTING_BPF_H
#define SOCKCOST_COUNTING_BPF_H

#include "maps.bpf.h"

/*
 * Keeps the live established count right from a walk: established sockets
 * that predate sockcost are added once, and a socket still marked counted
 * after leaving ESTABLISHED (its state change was missed) is taken out. The
 * flag makes both idempotent with the state-change program.
 */
static __always_inline void sc_reconcile_count(struct sc_sock_state *st, int established, int v6)
{
	struct sc_counters *c;
	__u64 old;

	if (established) {
		if (st->flags & SC_SOCK_COUNTED)
			return;
		old = __sync_fetch_and_or(&st->flags, SC_SOCK_COUNTED);
		if (old & SC_SOCK_COUNTED)
			return;
		c = sc_counters_this_cpu();
		if (c)
			__sync_fetch_and_add(&c->established[v6], 1);
		return;
	}
	if (!(st->flags & SC_SOCK_COUNTED))
		return;
	old = __sync_fetch_and_and(&st->flags, ~SC_SOCK_COUNTED);
	c = sc_counters_this_cpu();
	if (c && (old & SC_SOCK_COUNTED)) {
		__sync_fetch_and_add(&c->established[v6], -1);
		c->closed++;
	}
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
 * on and counted once), reconciled with the live count. NULL if none.
 */
static __always_inline struct sc_sock_state *sc_walk_state(struct sock *sk, int established,
							   int v6)
{
	int live = sc_live_counters(), create = live && established;
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
		sc_reconcile_count(st, established, v6);
	return st;
}

#endif /* SOCKCOST_COUNTING_BPF_H */

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

#endif /* SOCKCOST_COUNTING_BPF_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing the change ring (sockcost.h, struct sc_change): the state and
 * activity programs report what a reader's copy of the last walk needs to
 * stay true, while some reader holds the lease in sc_config.
 */
#ifndef SOCKCOST_CHANGES_BPF_H
#define SOCKCOST_CHANGES_BPF_H

#include "maps.bpf.h"

static __always_inline struct sc_config *sc_config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sc_config, &zero);
}

static __always_inline int sc_changes_wanted(const struct sc_config *cfg, __u64 now_jiffies)
{
	return cfg && now_jiffies < cfg->changes_until_jiffies;
}

static __always_inline __u32 sc_queue_mem(const struct sock *sk)
{
	return sk->sk_backlog.rmem_alloc.counter + sk->sk_wmem_queued +
	       (sk->sk_forward_alloc > 0 ? sk->sk_forward_alloc : 0);
}

static __always_inline void sc_change_report(struct sock *sk, const struct sc_sock_state *st,
					     __u8 kind, __u8 state, __u64 now_jiffies)
{
	struct sc_change *c;
	__u32 zero = 0, idx;
	__u64 *head, seq;

	head = bpf_map_lookup_elem(&sc_change_head, &zero);
	if (!head)
		return;
	seq = __sync_fetch_and_add(head, 1);
	idx = seq & (SC_CHANGE_SLOTS - 1);
	c = bpf_map_lookup_elem(&sc_changes, &idx);
	if (!c)
		return;
	/* Readers compare seq before and after copying: mark the slot torn first. */
	__sync_lock_test_and_set(&c->seq, 0);
	c->cookie = bpf_get_socket_cookie(sk);
	c->established_ns = st->established_ns;
	c->last_active_jiffies = st->last_active_jiffies;
	c->tgid = st->owner_tgid;
	c->jiffies = (__u32)now_jiffies;
	c->mem = state == TCP_LISTEN ? 0 : sc_queue_mem(sk);
	c->lport = sk->__sk_common.skc_num;
	c->rport = bpf_ntohs(sk->__sk_common.skc_dport);
	c->kind = kind;
	c->state = state;
	c->flags = st->tx_calls || st->rx_calls ? SC_CONN_SAW_CALLS : 0;
	/* An atomic exchange orders the stores above before it on every architecture. */
	__sync_lock_test_and_set(&c->seq, seq + 1);
}

#endif /* SOCKCOST_CHANGES_BPF_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing the change ring (sockcost.h, struct sc_change): the state and
 * activity programs report what a reader's copy of the last walk needs to
 * stay true, while some reader holds the lease (struct sc_change_head).
 */
#ifndef SOCKCOST_CHANGES_BPF_H
#define SOCKCOST_CHANGES_BPF_H

#include "maps.bpf.h"

static __always_inline struct sc_config *sc_config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sc_config, &zero);
}

/* The ring's head while a reader holds the lease, else NULL. */
static __always_inline struct sc_change_head *sc_changes_wanted(__u64 now_jiffies)
{
	struct sc_change_head *h;
	__u32 zero = 0;

	h = bpf_map_lookup_elem(&sc_change_head, &zero);
	return h && now_jiffies < h->until_jiffies ? h : NULL;
}

static __always_inline __u32 sc_queue_mem(const struct sock *sk)
{
	return sk->sk_backlog.rmem_alloc.counter + sk->sk_wmem_queued +
	       (sk->sk_forward_alloc > 0 ? sk->sk_forward_alloc : 0);
}

/*
 * The socket's network namespace inode: ports are per namespace. A CO-RE
 * read, so the tracepoint, fexit and iterator programs all may call it.
 */
static __always_inline __u32 sc_sock_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/*
 * st may be NULL: a socket closing that nothing watched. Records the queue
 * memory it reports in st (sockcost.h, struct sc_change, on what it misses).
 */
static __always_inline void sc_change_report(struct sc_change_head *head, struct sock *sk,
					     struct sc_sock_state *st, __u8 kind, __u8 state,
					     __u64 now_jiffies)
{
	__u32 mem = state == TCP_LISTEN ? 0 : sc_queue_mem(sk);
	struct sc_change *c;
	__u64 seq;
	__u32 idx;

	if (st)
		st->queue_mem = mem;

	seq = __sync_fetch_and_add(&head->next_seq, 1);
	idx = seq & (SC_CHANGE_SLOTS - 1);
	c = bpf_map_lookup_elem(&sc_changes, &idx);
	if (!c)
		return;
	/* Readers compare seq before and after copying: mark the slot torn first. */
	__sync_lock_test_and_set(&c->seq, 0);
	c->cookie = bpf_get_socket_cookie(sk);
	c->established_ns = st ? st->established_ns : 0;
	c->last_active_jiffies = st ? st->last_active_jiffies : 0;
	c->tgid = st ? st->owner_tgid : 0;
	c->jiffies = (__u32)now_jiffies;
	c->mem = mem;
	c->netns = sc_sock_netns(sk);
	c->inode = sc_sock_inode(sk);
	c->lport = sk->__sk_common.skc_num;
	c->rport = bpf_ntohs(sk->__sk_common.skc_dport);
	c->kind = kind;
	c->state = state;
	c->flags = st && (st->tx_calls || st->rx_calls) ? SC_CONN_SAW_CALLS : 0;
	/* An atomic exchange orders the stores above before it on every architecture. */
	__sync_lock_test_and_set(&c->seq, seq + 1);
}

#endif /* SOCKCOST_CHANGES_BPF_H */

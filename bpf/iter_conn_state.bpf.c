// SPDX-License-Identifier: GPL-2.0
/*
 * iter/tcp, the aggregate walk's second half: the watch state of each full
 * TCP socket of one network namespace (sockcost.h, struct
 * sc_conn_state_record), created for sockets from before sockcost as the
 * file walk once did. Here the socket is one the storage and cookie helpers
 * take; the file walk's is not on newer kernels. Time-wait and request
 * sockets have no file, so no holder to join: skipped.
 */
#include "common.bpf.h"
#include "counting.bpf.h"

/* A listener from before sockcost: its first holder (the file walk's) owns it. */
static __always_inline void adopt_listener(struct sc_sock_state *st, __u32 netns, __u32 inode)
{
	struct sc_holder_key key = { .netns = netns, .inode = inode };
	__u32 *holder;

	holder = bpf_map_lookup_elem(&sc_listen_holders, &key);
	if (!holder)
		return;
	if (!st->owner_tgid)
		st->owner_tgid = *holder;
	bpf_map_delete_elem(&sc_listen_holders, &key);
}

SEC("iter/tcp")
int sc_iter_conn_state(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct sc_conn_state_record rec = {};
	struct sc_sock_state *st;
	struct tcp_sock *tp;
	struct sock *sk;
	int state;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	sk = (struct sock *)tp;
	rec.inode = sc_sock_inode(sk);
	if (!rec.inode)
		return 0; /* no file: no holder (an orphan, a child not yet accepted) */
	state = skc->skc_state;
	rec.netns = skc->skc_net.net->ns.inum;
	rec.lport = skc->skc_num;
	rec.rport = bpf_ntohs(skc->skc_dport);
	rec.cookie = bpf_get_socket_cookie(sk);
	st = sc_walk_state(sk, state, skc->skc_family == AF_INET6);
	if (st) {
		rec.flags = SC_CONN_HAS_STATE;
		if (st->tx_calls || st->rx_calls)
			rec.flags |= SC_CONN_SAW_CALLS;
		if (state == TCP_LISTEN)
			adopt_listener(st, rec.netns, rec.inode);
		else
			rec.established_ns = st->established_ns;
		rec.last_active_jiffies = st->last_active_jiffies;
	}
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

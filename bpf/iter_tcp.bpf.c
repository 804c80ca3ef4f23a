// SPDX-License-Identifier: GPL-2.0
/*
 * iter/tcp: one sc_tcp_record per TCP socket (IPv4 and IPv6, every state)
 * of the network namespace the iterator was created in.
 */
#include "common.bpf.h"
#include "counting.bpf.h"
#include "walk_filter.bpf.h"

/* Direct loads through BTF pointers: much cheaper than probe-read helpers. */
static __always_inline void read_full_sock(struct sc_tcp_record *rec, struct tcp_sock *tp)
{
	struct sock *sk = (struct sock *)tp;
	struct sc_sock_state *st;

	rec->rx_data = tp->rcv_nxt - tp->copied_seq;
	rec->tx_data = tp->write_seq - tp->snd_una;
	rec->rmem_alloc = sk->sk_backlog.rmem_alloc.counter;
	rec->wmem_queued = sk->sk_wmem_queued;
	rec->forward_alloc = sk->sk_forward_alloc;
	rec->sndbuf = sk->sk_sndbuf;
	rec->rcvbuf = sk->sk_rcvbuf;
	rec->ack_backlog = sk->sk_ack_backlog;
	rec->max_ack_backlog = sk->sk_max_ack_backlog;
	/* tcp_listendrop() counts a full accept queue or SYN backlog here. */
	rec->drops = sk->sk_drops.counter;
	if (sc_tcp_connected(rec->state)) {
		rec->has_times = 1;
		rec->lsndtime = tp->lsndtime;
		rec->lrcvtime = tp->inet_conn.icsk_ack.lrcvtime;
	}
	rec->bytes_received = tp->bytes_received;
	rec->bytes_sent = tp->bytes_sent - tp->bytes_retrans;

	st = sc_walk_state(sk, rec->state, rec->family == AF_INET6);
	if (!st)
		return;
	rec->st = *st;
	rec->has_state = 1;
}

/*
 * Whether the reader's filter (if any) wants the socket; one it does not
 * is counted, so the host's established counts stay whole.
 */
static __always_inline bool wanted(struct sock_common *skc, __u64 cookie)
{
	struct sc_walk_filter *f = sc_walk_filter_mine();
	struct sc_walk_cookie key = {};

	if (!f)
		return true;
	if (f->flags & SC_WALK_TCP_PORT && skc->skc_num != f->port)
		goto skip;
	/* Listeners too: a process's connections are judged by who listens on their port. */
	if (f->flags & SC_WALK_COOKIES && skc->skc_state != TCP_LISTEN) {
		key.cookie = cookie;
		key.reader_tgid = bpf_get_current_pid_tgid() >> 32;
		if (!bpf_map_lookup_elem(&sc_walk_cookies, &key))
			goto skip;
	}
	return true;
skip:
	/* One reader thread walks at a time: plain adds. */
	if (skc->skc_state == TCP_ESTABLISHED)
		f->skipped_established[skc->skc_family == AF_INET6]++;
	f->skipped_sockets++;
	return false;
}

SEC("iter/tcp")
int sc_iter_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct sc_tcp_record rec = {};
	struct tcp_sock *tp;

	if (!skc)
		return 0;

	rec.cookie = bpf_get_socket_cookie(skc);
	if (!wanted(skc, rec.cookie))
		return 0;
	rec.family = skc->skc_family;
	rec.state = skc->skc_state;
	rec.lport = skc->skc_num;
	rec.rport = bpf_ntohs(skc->skc_dport);
	rec.netns = skc->skc_net.net->ns.inum;
	rec.now_jiffies = bpf_jiffies64();
	rec.now_ns = bpf_ktime_get_ns();
	if (rec.family == AF_INET6) {
		__builtin_memcpy(rec.laddr, skc->skc_v6_rcv_saddr.in6_u.u6_addr8, 16);
		__builtin_memcpy(rec.raddr, skc->skc_v6_daddr.in6_u.u6_addr8, 16);
	} else {
		__builtin_memcpy(rec.laddr, &skc->skc_rcv_saddr, 4);
		__builtin_memcpy(rec.raddr, &skc->skc_daddr, 4);
	}

	/* NULL for time-wait and request sockets: they have no queues. */
	tp = bpf_skc_to_tcp_sock(skc);
	if (tp)
		read_full_sock(&rec, tp);

	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A TCP socket as struct sc_tcp_record: written by iter/tcp for every socket
 * of a namespace, and by iter/task_file for the sockets one process holds.
 */
#ifndef SOCKCOST_TCP_RECORD_BPF_H
#define SOCKCOST_TCP_RECORD_BPF_H

#include "counting.bpf.h"

/* Direct loads through BTF pointers: much cheaper than probe-read helpers. */
static __always_inline void read_full_sock(struct sc_tcp_record *rec, struct tcp_sock *tp)
{
	struct sock *sk = (struct sock *)tp;
	struct sc_sock_state *st;
	unsigned long flags;

	/* The file walk's join key when it read no cookie (iter_task_file.bpf.c). */
	rec->inode = sc_sock_inode(sk);
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
	/*
	 * Health: tcp_retransmit_timer() counts icsk_retransmits up and an ACK
	 * that advances snd_una resets it; the probe and keepalive timers count
	 * probes_out up and every ACK that is not old (tcp_ack()) zeroes it and
	 * stamps rcv_tstamp. keepalive_time_when() is the kernel's own choice.
	 */
	rec->retransmits = tp->inet_conn.icsk_retransmits;
	rec->probes = tp->inet_conn.icsk_probes_out;
	rec->snd_wnd = tp->snd_wnd;
	rec->rcv_tstamp = tp->rcv_tstamp;
	flags = sk->__sk_common.skc_flags;
	rec->sock_flags = (flags & (1ul << SOCK_KEEPOPEN) ? SC_TCP_KEEPALIVE : 0) |
			  (flags & (1ul << SOCK_DEAD) ? SC_TCP_ORPHAN : 0);
	rec->keepalive_time = tp->keepalive_time;
	if (!rec->keepalive_time)
		rec->keepalive_time = sk->__sk_common.skc_net.net->ipv4.sysctl_tcp_keepalive_time;
	rec->bytes_received = tp->bytes_received;
	rec->bytes_sent = tp->bytes_sent - tp->bytes_retrans;

	st = sc_walk_state(sk, rec->state, rec->family == AF_INET6);
	if (!st)
		return;
	rec->st = *st;
	rec->has_state = 1;
}

/* Everything but the cookie, which the caller has already. */
static __always_inline void sc_tcp_record_fill(struct sc_tcp_record *rec, struct sock_common *skc)
{
	struct tcp_sock *tp;

	rec->family = skc->skc_family;
	rec->state = skc->skc_state;
	rec->lport = skc->skc_num;
	rec->rport = bpf_ntohs(skc->skc_dport);
	rec->netns = skc->skc_net.net->ns.inum;
	rec->now_jiffies = bpf_jiffies64();
	rec->now_ns = bpf_ktime_get_ns();
	if (rec->family == AF_INET6) {
		__builtin_memcpy(rec->laddr, skc->skc_v6_rcv_saddr.in6_u.u6_addr8, 16);
		__builtin_memcpy(rec->raddr, skc->skc_v6_daddr.in6_u.u6_addr8, 16);
	} else {
		__builtin_memcpy(rec->laddr, &skc->skc_rcv_saddr, 4);
		__builtin_memcpy(rec->raddr, &skc->skc_daddr, 4);
	}

	/* NULL for time-wait and request sockets: they have no queues. */
	tp = bpf_skc_to_tcp_sock(skc);
	if (tp) {
		read_full_sock(rec, tp);
		return;
	}
	/*
	 * An orphan whose FIN was acknowledged lives on as a time-wait
	 * mini-socket (tcp_time_wait(sk, TCP_FIN_WAIT2, ...)) with its real
	 * state in tw_substate: report that state, as ss does.
	 */
	if (rec->state == TCP_TIME_WAIT) {
		struct tcp_timewait_sock *tw = bpf_skc_to_tcp_timewait_sock(skc);

		if (tw && tw->tw_sk.tw_substate == TCP_FIN_WAIT2) {
			rec->state = TCP_FIN_WAIT2;
			rec->sock_flags = SC_TCP_ORPHAN;
		}
	}
}

#endif /* SOCKCOST_TCP_RECORD_BPF_H */

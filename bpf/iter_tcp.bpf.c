// SPDX-License-Identifier: GPL-2.0
/*
 * iter/tcp: one sc_tcp_record per TCP socket (IPv4 and IPv6, every state)
 * of the network namespace the iterator was created in.
 */
#include "common.bpf.h"
#include "maps.bpf.h"

/* Kernel tick rate, to turn tcp_sock jiffies stamps into ages; 0 if unknown. */
extern unsigned int CONFIG_HZ __kconfig __weak;

static __always_inline __u32 jiffies_age_ms(__u32 now, __u32 stamp)
{
	if (!CONFIG_HZ)
		return SC_AGE_UNKNOWN;
	/* u32 subtraction copes with jiffies wrap-around. */
	return (__u32)((__u64)(__u32)(now - stamp) * 1000 / CONFIG_HZ);
}

/*
 * Established sockets that predate sockcost are added to the live count
 * once; the flag keeps this idempotent with the state-change program.
 */
static __always_inline void count_baseline(struct sc_sock_state *st, int v6)
{
	struct sc_counters *c;

	if (__sync_fetch_and_or(&st->flags, SC_SOCK_COUNTED) & SC_SOCK_COUNTED)
		return;
	c = sc_counters_this_cpu();
	if (c)
		__sync_fetch_and_add(&c->established[v6], 1);
}

static __always_inline void read_full_sock(struct sc_tcp_record *rec, struct tcp_sock *tp)
{
	struct sock *sk = (struct sock *)tp;
	struct sc_sock_state *st;
	__u32 now = (__u32)bpf_jiffies64();

	rec->rx_data = tp->rcv_nxt - tp->copied_seq;
	rec->tx_data = tp->write_seq - tp->snd_una;
	rec->rmem_alloc = sk->sk_backlog.rmem_alloc.counter;
	rec->wmem_queued = sk->sk_wmem_queued;
	rec->forward_alloc = sk->sk_forward_alloc;
	rec->sndbuf = sk->sk_sndbuf;
	rec->rcvbuf = sk->sk_rcvbuf;
	rec->ack_backlog = sk->sk_ack_backlog;
	rec->max_ack_backlog = sk->sk_max_ack_backlog;
	rec->lsnd_age_ms = jiffies_age_ms(now, tp->lsndtime);
	rec->lrcv_age_ms = jiffies_age_ms(now, tp->inet_conn.icsk_ack.lrcvtime);
	rec->bytes_received = tp->bytes_received;
	rec->bytes_sent = tp->bytes_sent - tp->bytes_retrans;
	rec->inode = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);

	st = bpf_sk_storage_get(&sc_sock_states, sk, 0,
				rec->state == TCP_ESTABLISHED ? BPF_SK_STORAGE_GET_F_CREATE : 0);
	if (!st) {
		if (rec->state == TCP_ESTABLISHED)
			sc_count_storage_failure();
		return;
	}
	if (!st->first_seen_ns)
		st->first_seen_ns = bpf_ktime_get_ns();
	if (rec->state == TCP_ESTABLISHED)
		count_baseline(st, rec->family == AF_INET6);
	rec->st = *st;
	rec->has_state = 1;
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
	rec.family = skc->skc_family;
	rec.state = skc->skc_state;
	rec.lport = skc->skc_num;
	rec.rport = bpf_ntohs(skc->skc_dport);
	rec.netns = BPF_CORE_READ(skc, skc_net.net, ns.inum);
	rec.lsnd_age_ms = SC_AGE_UNKNOWN;
	rec.lrcv_age_ms = SC_AGE_UNKNOWN;
	if (rec.family == AF_INET6) {
		BPF_CORE_READ_INTO(&rec.laddr, skc, skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&rec.raddr, skc, skc_v6_daddr.in6_u.u6_addr8);
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

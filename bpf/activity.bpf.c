// SPDX-License-Identifier: GPL-2.0
/*
 * Per-call payload activity of TCP sockets. Two interchangeable hooks;
 * userspace probes which one loads and disables the other:
 *  - tp_btf/sock_send_length and sock_recv_length (kernel 6.3+), preferred;
 *  - fexit on tcp_sendmsg / tcp_recvmsg where function tracing is allowed.
 */
#include "common.bpf.h"
#include "maps.bpf.h"

static __always_inline void record_call(struct sock *sk, long bytes, int is_send)
{
	struct sc_sock_state *st;
	struct sc_config *cfg;
	__u32 zero = 0;
	__u64 now;

	if (bytes <= 0 || !sc_is_tcp(sk))
		return;

	st = bpf_sk_storage_get(&sc_sock_states, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		sc_count_storage_failure();
		return;
	}
	now = bpf_jiffies64();
	if (!st->first_seen_ns)
		st->first_seen_ns = bpf_ktime_get_ns();
	if (is_send) {
		st->last_send_jiffies = now;
		__sync_fetch_and_add(&st->tx_bytes, bytes);
		__sync_fetch_and_add(&st->tx_calls, 1);
	} else {
		st->last_recv_jiffies = now;
		__sync_fetch_and_add(&st->rx_bytes, bytes);
		__sync_fetch_and_add(&st->rx_calls, 1);
	}
	cfg = bpf_map_lookup_elem(&sc_config, &zero);
	if (cfg && (__u64)bytes > cfg->heartbeat_bytes)
		st->last_active_jiffies = now;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(sc_tp_send, struct sock *sk, int ret, int flags)
{
	record_call(sk, ret, 1);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sc_tp_recv, struct sock *sk, int ret, int flags)
{
	/* A peek leaves the data queued; the real read counts it. */
	if (!(flags & MSG_PEEK))
		record_call(sk, ret, 0);
	return 0;
}

SEC("fexit/tcp_sendmsg")
int BPF_PROG(sc_fexit_send, struct sock *sk)
{
	__u64 ret = 0;

	/* bpf_get_func_ret avoids depending on the argument count. */
	bpf_get_func_ret(ctx, &ret);
	record_call(sk, (int)ret, 1);
	return 0;
}

SEC("fexit/tcp_recvmsg")
int BPF_PROG(sc_fexit_recv, struct sock *sk)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	record_call(sk, (int)ret, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

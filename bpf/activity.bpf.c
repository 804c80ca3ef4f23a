// SPDX-License-Identifier: GPL-2.0
/*
 * Per-call payload activity of TCP sockets. Two interchangeable hooks;
 * userspace probes which one loads and disables the other:
 *  - tp_btf/sock_send_length and sock_recv_length (kernel 6.3+), preferred;
 *  - fexit on tcp_sendmsg / tcp_recvmsg where function tracing is allowed.
 */
#include "common.bpf.h"
#include "changes.bpf.h"

#define EAGAIN 11

/*
 * Reports st's socket if a reader holds the lease and its last report is a
 * gap old. Only here does a call read the owner and the queue memory: a
 * reader learns either only from reports (and walks, which read the socket
 * itself), and once per gap they cost nothing per call.
 */
static __always_inline void report_call(struct sock *sk, struct sc_sock_state *st, __u8 kind,
					__u64 now)
{
	struct sc_change_head *head = sc_changes_wanted(now);

	if (!head || (__u32)now - st->change_jiffies < head->gap_jiffies)
		return;
	st->change_jiffies = (__u32)now;
	/* Calls run in the process using the socket: it is the owner now. */
	st->owner_tgid = bpf_get_current_pid_tgid() >> 32;
	sc_change_report(head, sk, st, kind, sk->__sk_common.skc_state, now);
}

/*
 * A send that found the send queue full carries no payload, but a full queue
 * is the queue memory a reader most wants to see: reported (within the gap
 * like calls), not counted.
 */
static __always_inline void record_full_queue(struct sock *sk)
{
	struct sc_sock_state *st;

	if (!sc_is_tcp(sk))
		return;
	st = bpf_sk_storage_get(&sc_sock_states, sk, 0, 0);
	if (st)
		report_call(sk, st, SC_CHANGE_MEM, bpf_jiffies64());
}

/*
 * The hot path: one storage lookup and a few plain stores to the record's
 * first cache line (sockcost.h, struct sc_sock_state); the config and
 * counter lookups are array lookups the verifier inlines, and the per-CPU
 * message counter needs no atomic (send and receive programs count in
 * different slots, and the kernel never runs a program nested in itself on
 * one CPU).
 */
static __always_inline void record_call(struct sock *sk, long bytes, int is_send)
{
	struct sc_sock_state *st;
	struct sc_config *cfg;
	__u64 now;

	if (bytes <= 0) {
		if (is_send && bytes == -EAGAIN)
			record_full_queue(sk);
		return;
	}
	if (!sc_is_tcp(sk))
		return;
	st = bpf_sk_storage_get(&sc_sock_states, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		sc_count_storage_failure();
		return;
	}
	/* No call yet: a record this call may just have created. */
	if (!(st->tx_calls | st->rx_calls) && !st->first_seen_ns)
		st->first_seen_ns = bpf_ktime_get_ns();
	now = bpf_jiffies64();
	if (is_send) {
		st->last_send_jiffies = now;
		st->tx_bytes += bytes;
		st->tx_calls++;
	} else {
		st->last_recv_jiffies = now;
		st->rx_bytes += bytes;
		st->rx_calls++;
	}
	cfg = sc_config_get();
	if (cfg && (__u64)bytes > cfg->heartbeat_bytes) {
		struct sc_counters *c = sc_counters_this_cpu();

		st->last_active_jiffies = now;
		/* A payload call, not always one application message (writev, partial reads). */
		if (c)
			c->messages[is_send]++;
	}
	report_call(sk, st, SC_CHANGE_CALLS, now);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * Live connection counters from TCP state changes. This tracepoint often
 * runs in softirq context, so it looks at the current task only for
 * listen() and connect(), which always run in the process.
 */
#include "common.bpf.h"
#include "changes.bpf.h"
#include "counting.bpf.h"

static __always_inline void report(const struct sock *sk, struct sc_sock_state *st,
				   int newstate)
{
	__u64 now = bpf_jiffies64();
	struct sc_change_head *head = sc_changes_wanted(now);

	if (head)
		sc_change_report(head, (struct sock *)sk, st, SC_CHANGE_STATE, newstate, now);
}

/* listen() and connect(): the calling process owns the socket. */
static __always_inline void claim(const struct sock *sk, int newstate)
{
	struct sc_sock_state *st;

	st = bpf_sk_storage_get(&sc_sock_states, (void *)sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		sc_count_storage_failure();
		return;
	}
	st->owner_tgid = bpf_get_current_pid_tgid() >> 32;
	if (!st->first_seen_ns)
		st->first_seen_ns = bpf_ktime_get_ns();
	/*
	 * Reused after tcp_disconnect, its leaving ESTABLISHED skipped (the
	 * kernel does not nest a program on one CPU): uncounted here, or its
	 * next opening would find it counted and not count.
	 */
	if (st->flags & SC_SOCK_COUNTED) {
		struct sc_counters *c = sc_counters_this_cpu();

		if (c && (__sync_fetch_and_and(&st->flags, ~SC_SOCK_COUNTED) & SC_SOCK_COUNTED)) {
			sc_count_live(c, sk->__sk_common.skc_family == AF_INET6, -1, st);
			__sync_fetch_and_add(&c->closed, 1);
		}
	}
	if (newstate == TCP_LISTEN)
		report(sk, st, newstate);
}

/*
 * A socket being accepted starts with a copy of its listener's record (the
 * map clones): only the owner carries over, as the likely acceptor.
 */
static __always_inline void restart_clone(const struct sock *sk)
{
	struct sc_sock_state *st;
	__u32 owner;

	st = bpf_sk_storage_get(&sc_sock_states, (void *)sk, 0, 0);
	if (!st)
		return;
	owner = st->owner_tgid;
	__builtin_memset(st, 0, sizeof(*st));
	st->owner_tgid = owner;
	st->first_seen_ns = bpf_ktime_get_ns();
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sc_state_change, const struct sock *sk, const int oldstate, const int newstate)
{
	struct sc_counters *c;
	struct sc_sock_state *st;
	bool left_now = false;
	int v6;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_LISTEN || newstate == TCP_SYN_SENT) {
		claim(sk, newstate);
		return 0;
	}
	if (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV) {
		restart_clone(sk);
		return 0;
	}
	c = sc_counters_this_cpu();
	if (!c)
		return 0;
	v6 = sk->__sk_common.skc_family == AF_INET6;

	if (newstate == TCP_ESTABLISHED) {
		st = bpf_sk_storage_get(&sc_sock_states, (void *)sk, 0,
					BPF_SK_STORAGE_GET_F_CREATE);
		if (!st) {
			c->opened++;
			c->storage_failed++;
			return 0;
		}
		/*
		 * The flag makes counting idempotent with the iter/tcp baseline,
		 * and the opening counted once while an upgrade has the old and
		 * the new build's programs both attached (each runs on the event,
		 * in the order attached). A socket reused after tcp_disconnect
		 * has not left this time yet.
		 */
		if (!(__sync_fetch_and_or(&st->flags, SC_SOCK_COUNTED) & SC_SOCK_COUNTED)) {
			st->established_ns = bpf_ktime_get_ns();
			if (!st->first_seen_ns)
				st->first_seen_ns = st->established_ns;
			if (st->flags & SC_SOCK_LEFT)
				__sync_fetch_and_and(&st->flags, ~SC_SOCK_LEFT);
			c->opened++;
			sc_count_live(c, v6, 1, st);
		}
		report(sk, st, newstate);
		return 0;
	}

	/*
	 * Any later transition uncounts a counted socket, not only the one out
	 * of ESTABLISHED: a closing socket passes several states, so an event
	 * the kernel skipped (it does not nest a program on one CPU) is made up
	 * by the next one.
	 */
	st = bpf_sk_storage_get(&sc_sock_states, (void *)sk, 0, 0);
	/* Marked before uncounting: a concurrent walk rechecks it (counting.bpf.h). */
	if (st && oldstate == TCP_ESTABLISHED && !(st->flags & SC_SOCK_LEFT)) {
		st->left_jiffies = bpf_jiffies64(); /* before the flag that says it is set */
		left_now = !(__sync_fetch_and_or(&st->flags, SC_SOCK_LEFT) & SC_SOCK_LEFT);
	}
	if (st && (st->flags & SC_SOCK_COUNTED) &&
	    (__sync_fetch_and_and(&st->flags, ~SC_SOCK_COUNTED) & SC_SOCK_COUNTED)) {
		sc_count_live(c, v6, -1, st);
		__sync_fetch_and_add(&c->closed, 1);
	} else if (oldstate == TCP_ESTABLISHED && (!st || left_now)) {
		/*
		 * Established before sockcost and never walked. Only the program
		 * that marked it LEFT counts it: during an upgrade the other
		 * build's program runs on the same event and finds it marked.
		 * Without storage nothing tells them apart: both count it.
		 */
		__sync_fetch_and_add(&c->closed, 1);
	}
	/* A close is reported even unwatched: a walk may have seen it held in any state. */
	if ((st && oldstate == TCP_ESTABLISHED) || newstate == TCP_CLOSE)
		report(sk, st, newstate);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * iter/task_file, the aggregate walk: a compact sc_conn_record per TCP socket
 * every process holds, in every network namespace. The daemon reads it on
 * every refresh and `top` to start and to resync, so it carries only what
 * idle classification and the per-process, per-port and host sums need.
 * The watch state of each socket comes from a second walk, per namespace.
 */
#include "common.bpf.h"
#include "changes.bpf.h"

/*
 * Plain loads and CO-RE reads only: newer kernels (6.18.44 here) mark the socket a
 * file leads to untrusted, which no helper takes. The cookie is read as the
 * kernel keeps it (0 if nothing asked for one yet) and the watch state comes
 * from the state walk (iter_conn_state.bpf.c), joined on (netns, inode).
 */
static __always_inline void read_tcp(struct sc_conn_record *rec, struct sock *sk, __u32 tgid,
				     __u32 inode)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	struct sc_holder_key key;
	__u32 snd, rcv;

	rec->kind = SC_CONN_TCP;
	rec->inode = inode;
	rec->state = sk->__sk_common.skc_state;
	rec->lport = sk->__sk_common.skc_num;
	rec->rport = bpf_ntohs(sk->__sk_common.skc_dport);
	rec->cookie = sk->__sk_common.skc_cookie.counter;
	if (rec->state == TCP_LISTEN) {
		rec->mem = sk->sk_ack_backlog;
		rec->kernel_last = sk->sk_max_ack_backlog;
		/* tcp_listendrop() counts a full accept queue or SYN backlog here. */
		rec->listen_drops = sk->sk_drops.counter;
		/* The first holder found, for a listener from before sockcost. */
		key = (struct sc_holder_key){ .netns = rec->netns, .inode = inode };
		bpf_map_update_elem(&sc_listen_holders, &key, &tgid, BPF_NOEXIST);
	} else {
		rec->mem = sc_queue_mem(sk);
	}
	if (sc_tcp_connected(rec->state)) {
		snd = BPF_CORE_READ(tp, lsndtime);
		rcv = BPF_CORE_READ(tp, inet_conn.icsk_ack.lrcvtime);
		/* The newer of two wrapping 32-bit stamps. */
		rec->kernel_last = (__s32)(snd - rcv) > 0 ? snd : rcv;
		rec->flags |= SC_CONN_HAS_TIMES;
	}
}

SEC("iter/task_file")
int sc_iter_conn(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct sc_conn_record rec = {};
	struct socket *sock;
	struct sock *sk;

	if (ctx->meta->seq_num == 0) {
		rec.kind = SC_CONN_HEADER;
		rec.established_ns = bpf_ktime_get_ns();
		rec.last_active_jiffies = bpf_jiffies64();
		bpf_seq_write(seq, &rec, sizeof(rec));
		__builtin_memset(&rec, 0, sizeof(rec));
	}
	if (!task || !file)
		return 0;

	/* Processes' fd counts come from iter/task: only TCP sockets are written. */
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = sock->sk;
	if (!sk || !sc_is_tcp(sk))
		return 0;
	rec.tgid = task->tgid;
	rec.fd = ctx->fd;
	rec.netns = sc_sock_netns(sk);
	read_tcp(&rec, sk, task->tgid, (__u32)file->f_inode->i_ino);
	if (rec.kind == SC_CONN_TCP)
		bpf_seq_write(seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * iter/task_file for `snapshot --pid`: an sc_tcp_record per TCP socket the
 * named process holds, as iter/tcp writes it, so that one process's sockets
 * cost no walk of every socket on the host. A socket iter/tcp would not
 * find (closed, or never bound or connected: in no hash table) is left out
 * as there. Writes nothing for a reader that names no process.
 */
#include "common.bpf.h"
#include "tcp_record.bpf.h"
#include "walk_filter.bpf.h"

SEC("iter/task_file")
int sc_iter_task_tcp(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct sc_tcp_record rec = {};
	struct sc_walk_filter *f;
	struct socket *sock;
	struct sock *sk;

	if (!task || !file)
		return 0;
	f = sc_walk_filter_mine();
	/* Kernels before 6.1 iterate every process whatever the link asked. */
	if (!f || !(f->flags & SC_WALK_PID) || task->tgid != f->pid)
		return 0;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	/* Direct loads keep sk a BTF pointer, as the helpers need. */
	sk = sock->sk;
	if (!sk || !sc_is_tcp(sk) || sk->__sk_common.skc_state == TCP_CLOSE)
		return 0;
	rec.cookie = bpf_get_socket_cookie(sk);
	sc_tcp_record_fill(&rec, &sk->__sk_common);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * iter/task_file: one sc_file_record per open file of every process.
 * Userspace counts fds from these and maps TCP sockets (by cookie) to the
 * processes and fds that hold them, in every network namespace.
 */
#include "common.bpf.h"

SEC("iter/task_file")
int sc_iter_task_file(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct sc_file_record rec = {};
	struct socket *sock;
	struct sock *sk;

	if (!task || !file)
		return 0;

	rec.tgid = task->tgid;
	rec.tid = task->pid;
	rec.fd = ctx->fd;
	sock = bpf_sock_from_file(file);
	if (sock) {
		/* Direct loads keep sk a BTF pointer, as the cookie helper needs. */
		sk = sock->sk;
		if (sk && sc_is_tcp(sk)) {
			rec.cookie = bpf_get_socket_cookie(sk);
			rec.inode = file->f_inode->i_ino;
			rec.netns = sk->__sk_common.skc_net.net->ns.inum;
		}
	}
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * iter/task_file: one sc_file_record per open file of every process.
 * Userspace counts fds from these and maps TCP sockets (by cookie, or by
 * inode when it had none yet) to the processes and fds that hold them, in
 * every network namespace.
 */
#include "common.bpf.h"
#include "walk_filter.bpf.h"

SEC("iter/task_file")
int sc_iter_task_file(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct sc_file_record rec = {};
	struct sc_walk_filter *f;
	struct socket *sock;
	struct sock *sk;
	__u32 lport = 0;

	if (!task || !file)
		return 0;

	f = sc_walk_filter_mine();
	/* Kernels before 6.1 iterate every process whatever the link asked. */
	if (f && f->flags & SC_WALK_PID && task->tgid != f->pid)
		return 0;
	rec.tgid = task->tgid;
	rec.tid = task->pid;
	rec.fd = ctx->fd;
	sock = bpf_sock_from_file(file);
	if (sock) {
		/*
		 * Plain loads: newer kernels (6.18.44 here) mark this sk untrusted and
		 * the cookie helper refuses it. The cookie as the kernel keeps
		 * it, 0 if nothing asked for one yet: userspace then takes it
		 * from the TCP walk's record of the same (netns, inode).
		 */
		sk = sock->sk;
		if (sk && sc_is_tcp(sk)) {
			rec.cookie = sk->__sk_common.skc_cookie.counter;
			rec.inode = file->f_inode->i_ino;
			rec.netns = sk->__sk_common.skc_net.net->ns.inum;
			lport = sk->__sk_common.skc_num;
		}
	}
	if (f && f->flags & SC_WALK_FILE_PORT) {
		/* Process fds come from iter/task then: only sockets matter here. */
		if (!rec.inode ||
		    (lport != f->port && f->last_tgid == rec.tgid &&
		     f->last_netns == rec.netns)) {
			f->skipped_files++;
			return 0;
		}
		f->last_tgid = rec.tgid;
		f->last_netns = rec.netns;
	}
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

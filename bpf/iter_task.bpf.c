// SPDX-License-Identifier: GPL-2.0
/* iter/task: one sc_task_record per process (thread group leaders only). */
#include "common.bpf.h"

#define RLIMIT_NOFILE 7

SEC("iter/task")
int sc_iter_task(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct sc_task_record rec = {};
	struct nsproxy *ns;

	if (!task || task->pid != task->tgid)
		return 0;

	rec.tgid = task->tgid;
	ns = task->nsproxy; /* NULL once the task is exiting */
	if (ns)
		rec.netns = ns->net_ns->ns.inum;
	rec.nofile_cur = task->signal->rlim[RLIMIT_NOFILE].rlim_cur;
	rec.nofile_max = task->signal->rlim[RLIMIT_NOFILE].rlim_max;
	__builtin_memcpy(rec.comm, task->comm, sizeof(rec.comm));
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

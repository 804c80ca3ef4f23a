// SPDX-License-Identifier: GPL-2.0
/* iter/task: one sc_task_record per process (thread group leaders only). */
#include "common.bpf.h"
#include "walk_filter.bpf.h"

#define RLIMIT_NOFILE 7
/* Threads looked at for an fd table when the leader has exited. */
#define MAX_THREADS_TRIED 16

struct fd_count {
	unsigned long *open_fds;
	__u64 count;
};

static long count_word(__u32 i, void *data)
{
	struct fd_count *c = data;
	unsigned long word;

	if (bpf_probe_read_kernel(&word, sizeof(word), c->open_fds + i))
		return 1;
	c->count += __builtin_popcountll(word);
	return 0;
}

/*
 * Set bits of the table's open-fd bitmap, one word per bpf_loop step (a
 * bounded loop over a million fds is more than the verifier takes).
 */
static __u64 count_open_fds(struct files_struct *files)
{
	struct fdtable *fdt = BPF_CORE_READ(files, fdt);
	struct fd_count c = { .open_fds = BPF_CORE_READ(fdt, open_fds) };
	__u32 words = (BPF_CORE_READ(fdt, max_fds) + 63) / 64;

	if (!c.open_fds || bpf_loop(words, count_word, &c, 0) != (long)words)
		return SC_FDS_UNKNOWN;
	return c.count;
}

/* The leader's fd table, or the first thread's that has one (the leader exited). */
static struct files_struct *fd_table(struct task_struct *leader)
{
	struct files_struct *files = BPF_CORE_READ(leader, files);
	struct list_head *head, *pos;
	struct task_struct *t;
	int i;

	if (files)
		return files;
	head = &leader->signal->thread_head;
	pos = BPF_CORE_READ(head, next);
	for (i = 0; i < MAX_THREADS_TRIED && pos && pos != head; i++) {
		t = (void *)pos - bpf_core_field_offset(struct task_struct, thread_node);
		files = BPF_CORE_READ(t, files);
		if (files)
			return files;
		pos = BPF_CORE_READ(pos, next);
	}
	return NULL;
}

static __always_inline int write_task(struct bpf_iter__task *ctx, bool count_fds)
{
	struct task_struct *task = ctx->task;
	struct sc_task_record rec = {};
	struct files_struct *files;
	struct sc_walk_filter *f;
	struct nsproxy *ns;

	if (!task || task->pid != task->tgid)
		return 0;
	f = sc_walk_filter_mine();
	/* Kernels before 6.1 iterate every process whatever the link asked. */
	if (f && f->flags & SC_WALK_PID && task->tgid != f->pid)
		return 0;

	rec.tgid = task->tgid;
	rec.ppid = BPF_CORE_READ(task, real_parent, tgid);
	ns = task->nsproxy; /* NULL once the task is exiting */
	if (ns)
		rec.netns = ns->net_ns->ns.inum;
	rec.nofile_cur = task->signal->rlim[RLIMIT_NOFILE].rlim_cur;
	rec.nofile_max = task->signal->rlim[RLIMIT_NOFILE].rlim_max;
	rec.open_fds = SC_FDS_UNKNOWN;
	if (count_fds) {
		files = fd_table(task);
		if (files)
			rec.open_fds = count_open_fds(files);
	}
	__builtin_memcpy(rec.comm, task->comm, sizeof(rec.comm));
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

SEC("iter/task")
int sc_iter_task(struct bpf_iter__task *ctx)
{
	return write_task(ctx, true);
}

/* For kernels without bpf_loop (before 5.17): userspace counts fds in /proc. */
SEC("iter/task")
int sc_iter_task_compat(struct bpf_iter__task *ctx)
{
	return write_task(ctx, false);
}

char LICENSE[] SEC("license") = "GPL";

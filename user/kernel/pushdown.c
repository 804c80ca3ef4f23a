// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "force.h"
#include "log.h"
#include "proc_stat.h"
#include "pushdown.h"

static int write_filter(struct sc_pushdown *p)
{
	if (bpf_map_update_elem(p->filters_fd, &p->tgid, &p->f, BPF_ANY))
		return -errno;
	p->written = true;
	return 0;
}

static void close_links(struct sc_pushdown *p)
{
	if (p->task_link >= 0)
		close(p->task_link);
	if (p->file_link >= 0)
		close(p->file_link);
	p->task_link = p->file_link = -1;
}

/* The pid option of task iterators came in 6.1: older kernels refuse the longer link info. */
static void link_for_pid(struct sc_pushdown *p, const struct sc_tracker *t)
{
	int err = -EOPNOTSUPP;

	if (!sc_forced("no-iter-pid"))
		err = p->task_link = sc_tracker_iter_link_for_pid(t, SC_ITER_TASK, p->f.pid);
	if (err >= 0)
		err = p->file_link = sc_tracker_iter_link_for_pid(t, SC_ITER_TASK_FILE, p->f.pid);
	if (err >= 0) {
		sc_debug("--pid: the task iterators walk only process %u", p->f.pid);
		return;
	}
	sc_debug("--pid: no iterator pid option (%s): the programs skip other processes",
		 strerror(-err));
	close_links(p);
}

/* A reader's filter is alive while a process with its pid and start time runs. */
static bool reader_alive(__u32 tgid, __u64 start_ticks)
{
	__u64 now;

	return !sc_proc_start_ticks(tgid, &now) && now == start_ticks;
}

/*
 * Entries a reader killed mid-walk (Ctrl-C, a timeout) left behind: they
 * misapply to nobody (the start time), but would fill the pinned maps, after
 * which no one's walk could be filtered. Small maps: a sweep per filtered run.
 */
#define SWEEP_MAX 4096 /* entries deleted per sweep: the next run takes the rest */

static void sweep_dead_readers(int filters_fd, int cookies_fd)
{
	struct sc_walk_cookie ck, at_ck, *dead_ck;
	struct sc_walk_filter f;
	__u32 key, at, dead[64];
	size_t n = 0, i;
	bool started = false;

	/* Collected first, deleted after: deleting under the walk would restart it. */
	while (n < sizeof(dead) / sizeof(dead[0]) &&
	       !bpf_map_get_next_key(filters_fd, started ? &at : NULL, &key)) {
		at = key;
		started = true;
		if (!bpf_map_lookup_elem(filters_fd, &key, &f) &&
		    !reader_alive(key, f.reader_start_ticks))
			dead[n++] = key;
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(filters_fd, &dead[i]);
	/* Cookies whose reader has no filter left. */
	dead_ck = cookies_fd < 0 ? NULL : malloc(SWEEP_MAX * sizeof(*dead_ck));
	if (!dead_ck)
		return;
	for (started = false, n = 0; n < SWEEP_MAX &&
	     !bpf_map_get_next_key(cookies_fd, started ? &at_ck : NULL, &ck);) {
		at_ck = ck;
		started = true;
		if (bpf_map_lookup_elem(filters_fd, &ck.reader_tgid, &f))
			dead_ck[n++] = ck;
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(cookies_fd, &dead_ck[i]);
	free(dead_ck);
}

void sc_pushdown_begin(struct sc_pushdown *p, const struct sc_tracker *t, __u32 pid, int port)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->task_link = p->file_link = -1;
	sc_tracker_walk_filter_fds(t, &p->filters_fd, &p->cookies_fd);
	if ((!pid && port < 0) || p->filters_fd < 0 || sc_forced("no-pushdown"))
		return;
	sweep_dead_readers(p->filters_fd, p->cookies_fd);
	p->tgid = (__u32)getpid();
	err = sc_proc_start_ticks(p->tgid, &p->f.reader_start_ticks);
	if (err) {
		sc_debug("cannot read our start time (%s): the walks are not filtered",
			 strerror(-err));
		return;
	}
	if (pid) {
		p->f.flags |= SC_WALK_PID;
		p->f.pid = pid;
		link_for_pid(p, t);
	}
	if (port >= 0) {
		p->f.flags |= SC_WALK_TCP_PORT;
		p->f.port = (__u32)port;
	}
	err = write_filter(p);
	if (err) {
		/* The programs would not know it: walk as if unfiltered. */
		sc_debug("cannot push the filter into the walks: %s", strerror(-err));
		close_links(p);
		p->f.flags = 0;
	}
}

int sc_pushdown_link(const struct sc_pushdown *p, const struct sc_tracker *t,
		     enum sc_iter_kind kind)
{
	if (kind == SC_ITER_TASK && p->task_link >= 0)
		return p->task_link;
	if (kind == SC_ITER_TASK_FILE && p->file_link >= 0)
		return p->file_link;
	return sc_tracker_iter_link_fd(t, kind);
}

bool sc_pushdown_files_by_port(struct sc_pushdown *p, const struct sc_records *tasks)
{
	const struct sc_task_record *task = tasks->data;
	size_t i;

	/* With a pid the file walk is that process's alone: it stays whole. */
	if (!p->written || !(p->f.flags & SC_WALK_TCP_PORT) || p->f.flags & SC_WALK_PID)
		return false;
	/*
	 * The compat program (no bpf_loop) counts none; the other counts every
	 * process but those it finds no fd table for, which hold no socket
	 * (zombies, exiting) or are counted in /proc (snapshot_take.c).
	 */
	for (i = 0; i < tasks->count && task[i].open_fds == SC_FDS_UNKNOWN; i++)
		;
	if (i == tasks->count)
		return false;
	p->f.flags |= SC_WALK_FILE_PORT;
	if (write_filter(p)) {
		p->f.flags &= ~SC_WALK_FILE_PORT;
		return false;
	}
	return true;
}

static void delete_cookies(struct sc_pushdown *p)
{
	struct sc_walk_cookie key = { .reader_tgid = p->tgid };
	size_t i;

	for (i = 0; i < p->ncookies; i++) {
		key.cookie = p->cookies[i];
		bpf_map_delete_elem(p->cookies_fd, &key);
	}
	free(p->cookies);
	p->cookies = NULL;
	p->ncookies = 0;
}

bool sc_pushdown_tcp_by_holder(struct sc_pushdown *p, const struct sc_records *files)
{
	const struct sc_file_record *f = files->data;
	struct sc_walk_cookie key = { .reader_tgid = p->tgid };
	__u8 one = 1;
	size_t i;

	if (!p->written || !(p->f.flags & SC_WALK_PID) || p->cookies_fd < 0)
		return false;
	p->cookies = malloc((files->count ? files->count : 1) * sizeof(*p->cookies));
	if (!p->cookies)
		return false;
	for (i = 0; i < files->count; i++) {
		/* The file walk is the pid's alone only where the link or the program saw to it. */
		if (!f[i].inode || f[i].tgid != p->f.pid)
			continue;
		/* A socket nothing asked a cookie for yet is asked for by inode (iter_tcp.bpf.c). */
		key.cookie = f[i].cookie ? f[i].cookie : SC_WALK_INODE_KEY | (__u32)f[i].inode;
		if (bpf_map_update_elem(p->cookies_fd, &key, &one, BPF_ANY)) {
			sc_debug("cannot list the process's sockets for the TCP walks: %s",
				 strerror(errno));
			delete_cookies(p);
			return false;
		}
		p->cookies[p->ncookies++] = key.cookie;
	}
	p->f.flags |= SC_WALK_COOKIES;
	if (write_filter(p)) {
		p->f.flags &= ~SC_WALK_COOKIES;
		delete_cookies(p);
		return false;
	}
	return true;
}

void sc_pushdown_end(struct sc_pushdown *p, __u64 skipped_established[2])
{
	struct sc_walk_filter now;

	skipped_established[0] = skipped_established[1] = 0;
	if (p->written && !bpf_map_lookup_elem(p->filters_fd, &p->tgid, &now)) {
		skipped_established[0] = now.skipped_established[0];
		skipped_established[1] = now.skipped_established[1];
		sc_debug("filter in the kernel (flags 0x%x): skipped %llu sockets and %llu files",
			 now.flags, (unsigned long long)now.skipped_sockets,
			 (unsigned long long)now.skipped_files);
	}
	if (p->written)
		bpf_map_delete_elem(p->filters_fd, &p->tgid);
	p->written = false;
	delete_cookies(p);
	close_links(p);
}

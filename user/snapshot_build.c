// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot_build.h"

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int cmp_tcp_cookie(const void *a, const void *b)
{
	const struct sc_tcp_record *x = a, *y = b;

	return CMP(x->cookie, y->cookie);
}

/* TCP sockets first, by cookie, then holder; other files after them. */
static int cmp_file(const void *a, const void *b)
{
	const struct sc_file_record *x = a, *y = b;

	if (!x->cookie != !y->cookie)
		return x->cookie ? -1 : 1;
	return CMP(x->cookie, y->cookie) ?: CMP(x->tgid, y->tgid) ?: CMP(x->fd, y->fd);
}

static int cmp_task(const void *a, const void *b)
{
	const struct sc_task_record *x = a, *y = b;

	return CMP(x->tgid, y->tgid);
}

/* qsort's base must not be NULL, even for no elements. */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n)
		qsort(base, n, size, cmp);
}

static int cmp_u64(const void *a, const void *b)
{
	return CMP(*(const __u64 *)a, *(const __u64 *)b);
}

/* tcp_sock keeps 32-bit jiffies; unsigned subtraction copes with wrap-around. */
static __u64 jiffies_age_ms(const struct sc_tcp_record *r, __u32 stamp, __u32 hz)
{
	if (!r->has_times || !hz)
		return SC_AGE_UNKNOWN;
	return (__u64)(__u32)((__u32)r->now_jiffies - stamp) * 1000 / hz;
}

static void socket_from_record(struct sc_socket *s, const struct sc_tcp_record *r, __u32 hz)
{
	memset(s, 0, sizeof(*s));
	s->cookie = r->cookie;
	s->inode = r->inode;
	s->netns = r->netns;
	s->family = r->family;
	s->state = r->state;
	memcpy(s->laddr, r->laddr, sizeof(s->laddr));
	memcpy(s->raddr, r->raddr, sizeof(s->raddr));
	s->lport = r->lport;
	s->rport = r->rport;
	s->rx_queue = r->rx_data;
	s->tx_queue = r->tx_data;
	s->rmem_alloc = r->rmem_alloc;
	s->wmem_queued = r->wmem_queued;
	s->forward_alloc = r->forward_alloc;
	s->sndbuf = r->sndbuf;
	s->rcvbuf = r->rcvbuf;
	s->accept_queue = r->ack_backlog;
	s->accept_queue_max = r->max_ack_backlog;
	s->rx_bytes = r->bytes_received;
	s->tx_bytes = r->bytes_sent;
	s->kernel_send_age_ms = jiffies_age_ms(r, r->lsndtime, hz);
	s->kernel_recv_age_ms = jiffies_age_ms(r, r->lrcvtime, hz);
	s->has_state = r->has_state;
	if (r->has_state)
		s->st = r->st;
}

/*
 * A thread whose fd table differs from its leader's (or a zombie leader's
 * threads) makes iter/task_file report one process's fds more than once.
 * Files arrive sorted, so repeats are adjacent.
 */
static void dedupe_files(struct sc_raw *raw)
{
	size_t i, n = 0;

	for (i = 0; i < raw->nfiles; i++) {
		const struct sc_file_record *f = &raw->files[i];

		if (n && raw->files[n - 1].tgid == f->tgid && raw->files[n - 1].fd == f->fd &&
		    raw->files[n - 1].cookie == f->cookie)
			continue;
		raw->files[n++] = *f;
	}
	raw->nfiles = n;
}

/*
 * Cookies of sockets held only by exclude_pid (sockcost itself), sorted. A
 * socket sockcost merely shares (inherited) stays, without sockcost's fd.
 */
static __u64 *excluded_cookies(const struct sc_raw *raw, __u32 exclude_pid, size_t *n)
{
	size_t i, j;
	__u64 *out;

	*n = 0;
	out = malloc((raw->nfiles ? raw->nfiles : 1) * sizeof(*out));
	if (!out)
		return NULL;
	/* Files are sorted by cookie: look at each socket's holders together. */
	for (i = 0; i < raw->nfiles && raw->files[i].cookie; i = j) {
		bool self = false, others = false;

		for (j = i; j < raw->nfiles && raw->files[j].cookie == raw->files[i].cookie; j++) {
			if (raw->files[j].tgid == exclude_pid)
				self = true;
			else
				others = true;
		}
		if (self && !others)
			out[(*n)++] = raw->files[i].cookie;
	}
	return out;
}

static bool is_excluded(const __u64 *ex, size_t nex, __u64 cookie)
{
	return nex && bsearch(&cookie, ex, nex, sizeof(*ex), cmp_u64);
}

static int build_sockets(struct sc_snapshot *snap, struct sc_raw *raw,
			 const __u64 *ex, size_t nex)
{
	size_t i;

	sort(raw->tcp, raw->ntcp, sizeof(*raw->tcp), cmp_tcp_cookie);
	snap->sockets = calloc(raw->ntcp ? raw->ntcp : 1, sizeof(*snap->sockets));
	if (!snap->sockets)
		return -ENOMEM;
	for (i = 0; i < raw->ntcp; i++) {
		const struct sc_tcp_record *r = &raw->tcp[i];

		/* One socket can appear twice if it moved between hash buckets mid-walk. */
		if (snap->nsockets && snap->sockets[snap->nsockets - 1].cookie == r->cookie)
			continue;
		if (is_excluded(ex, nex, r->cookie))
			continue;
		socket_from_record(&snap->sockets[snap->nsockets++], r, raw->hz);
	}
	return 0;
}

static struct sc_socket *find_socket(struct sc_snapshot *snap, __u64 cookie)
{
	size_t lo = 0, hi = snap->nsockets;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (snap->sockets[mid].cookie < cookie)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < snap->nsockets && snap->sockets[lo].cookie == cookie ? &snap->sockets[lo] : NULL;
}

/* Files arrive sorted by cookie, so each socket's holders are contiguous. */
static int build_holders(struct sc_snapshot *snap, struct sc_raw *raw, __u32 exclude_pid)
{
	size_t i;

	snap->holders = calloc(raw->nfiles ? raw->nfiles : 1, sizeof(*snap->holders));
	if (!snap->holders)
		return -ENOMEM;
	for (i = 0; i < raw->nfiles && raw->files[i].cookie; i++) {
		const struct sc_file_record *f = &raw->files[i];
		struct sc_socket *s;

		if (f->tgid == exclude_pid)
			continue;
		s = find_socket(snap, f->cookie);
		if (!s)
			continue; /* its namespace was not walked, or it closed meanwhile */
		if (!s->nholders)
			s->first_holder = snap->nholders;
		s->nholders++;
		snap->holders[snap->nholders++] = (struct sc_holder){
			.pid = f->tgid,
			.fd = f->fd,
			.socket = (size_t)(s - snap->sockets),
		};
	}
	return 0;
}

static struct sc_task_record *find_task(struct sc_raw *raw, __u32 tgid)
{
	struct sc_task_record key = { .tgid = tgid };

	return bsearch(&key, raw->tasks, raw->ntasks, sizeof(key), cmp_task);
}

/* Processes that hold at least one TCP socket, with their fd counts. */
static int build_processes(struct sc_snapshot *snap, struct sc_raw *raw, __u32 exclude_pid)
{
	__u64 *fds = NULL, *tcp_fds = NULL;
	size_t i, n = 0;
	int err = -ENOMEM;

	sort(raw->tasks, raw->ntasks, sizeof(*raw->tasks), cmp_task);
	fds = calloc(raw->ntasks ? raw->ntasks : 1, sizeof(*fds));
	tcp_fds = calloc(raw->ntasks ? raw->ntasks : 1, sizeof(*tcp_fds));
	snap->processes = calloc(raw->ntasks ? raw->ntasks : 1, sizeof(*snap->processes));
	if (!fds || !tcp_fds || !snap->processes)
		goto out;
	for (i = 0; i < raw->nfiles; i++) {
		struct sc_task_record *t = find_task(raw, raw->files[i].tgid);

		if (!t)
			continue; /* exited between the two walks */
		fds[t - raw->tasks]++;
		if (raw->files[i].cookie)
			tcp_fds[t - raw->tasks]++;
	}
	for (i = 0; i < raw->ntasks; i++) {
		const struct sc_task_record *t = &raw->tasks[i];
		struct sc_process *p;

		if (!tcp_fds[i] || t->tgid == exclude_pid)
			continue;
		p = &snap->processes[n++];
		p->pid = t->tgid;
		p->netns = t->netns;
		memcpy(p->comm, t->comm, SC_COMM_LEN);
		p->comm[SC_COMM_LEN] = '\0';
		p->fds = fds[i];
		p->tcp_fds = tcp_fds[i];
		p->fd_limit = t->nofile_cur;
	}
	snap->nprocesses = n;
	err = 0;
out:
	free(fds);
	free(tcp_fds);
	return err;
}

int sc_snapshot_build(struct sc_snapshot *snap, struct sc_raw *raw, __u32 exclude_pid)
{
	__u64 *ex;
	size_t nex;
	int err;

	sort(raw->files, raw->nfiles, sizeof(*raw->files), cmp_file);
	dedupe_files(raw);
	ex = excluded_cookies(raw, exclude_pid, &nex);
	if (!ex)
		return -ENOMEM;
	err = build_sockets(snap, raw, ex, nex);
	if (!err)
		err = build_holders(snap, raw, exclude_pid);
	if (!err)
		err = build_processes(snap, raw, exclude_pid);
	free(ex);
	return err;
}

void sc_snapshot_free(struct sc_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->sockets);
	free(snap->holders);
	free(snap->processes);
	free(snap);
}

const struct sc_process *sc_snapshot_find_process(const struct sc_snapshot *snap, __u32 pid)
{
	size_t lo = 0, hi = snap->nprocesses;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (snap->processes[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < snap->nprocesses && snap->processes[lo].pid == pid ? &snap->processes[lo] : NULL;
}

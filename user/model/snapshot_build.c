// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "big_alloc.h"
#include "common.h"
#include "radix.h"
#include "jiffies.h"
#include "snapshot_build.h"


static int cmp_task(const void *a, const void *b)
{
	const struct sc_task_record *x = a, *y = b;

	return CMP(x->tgid, y->tgid);
}

/*
 * Age in ms, as of now_ns (the snapshot), of a tcp_sock 32-bit jiffies
 * stamp read at the record's time; unsigned subtraction copes with wrap.
 */
static __u64 stamp_age_ms(const struct sc_tcp_record *r, __u32 stamp, __u32 hz, __u64 now_ns)
{
	__u64 since_record = now_ns > r->now_ns ? now_ns - r->now_ns : 0;
	__u32 d = (__u32)r->now_jiffies - stamp;

	if (!hz)
		return SC_AGE_UNKNOWN;
	/*
	 * A stamp another CPU moved after the record's clock was read is a
	 * moment ahead: now. Far ahead is a 32-bit stamp older than 2^31
	 * jiffies (24.8 days at HZ=1000) that wrapped: its age is not known.
	 */
	if ((__s32)d < 0)
		return (__u32)-d < hz ? since_record / 1000000 : SC_AGE_UNKNOWN;
	return (sc_jiffies_to_ns(d, hz) + since_record) / 1000000;
}

/* The same for tcp_sock's traffic stamps, which mean nothing outside connected states. */
static __u64 jiffies_age_ms(const struct sc_tcp_record *r, __u32 stamp, __u32 hz, __u64 now_ns)
{
	return r->has_times ? stamp_age_ms(r, stamp, hz, now_ns) : SC_AGE_UNKNOWN;
}

static void health_from_record(struct sc_socket *s, const struct sc_tcp_record *r, __u32 hz,
			       __u64 now_ns)
{
	__u64 keepalive_ns = hz ? sc_jiffies_to_ns(r->keepalive_time, hz) : 0;

	s->retransmits = r->retransmits;
	s->probes = r->probes;
	s->peer_window = r->snd_wnd;
	s->orphan = r->sock_flags & SC_TCP_ORPHAN;
	s->keepalive = r->sock_flags & SC_TCP_KEEPALIVE;
	if (s->keepalive)
		s->keepalive_idle_ms = keepalive_ns / 1000000 > UINT32_MAX ? UINT32_MAX
									     : keepalive_ns / 1000000;
	s->last_ack_age_ms = jiffies_age_ms(r, r->rcv_tstamp, hz, now_ns);
	s->left_established_age_ms = SC_AGE_UNKNOWN;
	if (r->has_state && (r->st.flags & SC_SOCK_LEFT) && hz)
		s->left_established_age_ms =
			(sc_jiffies_to_ns(r->now_jiffies > r->st.left_jiffies
						  ? r->now_jiffies - r->st.left_jiffies : 0, hz) +
			 (now_ns > r->now_ns ? now_ns - r->now_ns : 0)) / 1000000;
}

/*
 * A jiffies_64 stamp as CLOCK_MONOTONIC ns, through the record's own
 * (jiffies, ns) reading. 0 stays 0 (never). Without HZ a stamp cannot be
 * dated: it is placed at the record's time, so a socket with calls is never
 * taken for idle.
 */
static __u64 jiffies_to_ns(__u64 stamp, const struct sc_tcp_record *r, __u32 hz)
{
	__u64 ago;

	if (!stamp)
		return 0;
	if (!hz || stamp >= r->now_jiffies)
		return r->now_ns;
	ago = sc_jiffies_to_ns(r->now_jiffies - stamp, hz);
	return ago < r->now_ns ? r->now_ns - ago : 1;
}

static void activity_from_state(struct sc_activity *a, const struct sc_tcp_record *r, __u32 hz)
{
	const struct sc_sock_state *st = &r->st;

	a->first_seen_ns = st->first_seen_ns;
	a->established_ns = st->established_ns;
	a->last_send_ns = jiffies_to_ns(st->last_send_jiffies, r, hz);
	a->last_recv_ns = jiffies_to_ns(st->last_recv_jiffies, r, hz);
	a->last_active_ns = jiffies_to_ns(st->last_active_jiffies, r, hz);
	a->tx_bytes = st->tx_bytes;
	a->rx_bytes = st->rx_bytes;
	a->tx_calls = st->tx_calls;
	a->rx_calls = st->rx_calls;
}

void sc_socket_from_tcp_record(struct sc_socket *s, const struct sc_tcp_record *r, __u32 hz,
			       __u64 now_ns)
{
	memset(s, 0, sizeof(*s));
	s->cookie = r->cookie;
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
	s->drops = r->drops;
	s->rx_bytes = r->bytes_received;
	s->tx_bytes = r->bytes_sent;
	s->kernel_send_age_ms = jiffies_age_ms(r, r->lsndtime, hz, now_ns);
	s->kernel_recv_age_ms = jiffies_age_ms(r, r->lrcvtime, hz, now_ns);
	health_from_record(s, r, hz, now_ns);
	s->has_state = r->has_state;
	if (r->has_state)
		activity_from_state(&s->act, r, hz);
}

/* Fills keys with (tgid, fd) of every file and sorts them. */
static int sort_by_holder(struct sc_key *keys, const struct sc_raw *raw)
{
	size_t i;

	for (i = 0; i < raw->nfiles; i++)
		keys[i] = (struct sc_key){
			.key = (__u64)raw->files[i].tgid << 32 | raw->files[i].fd,
			.val = i,
		};
	return sc_radix_sort(keys, raw->nfiles);
}

/* Join state: sorted views of the raw records. */
struct join {
	struct sc_file_record *files;  /* by (tgid, fd), duplicates dropped */
	size_t nfiles;
	struct sc_key *sock_files;     /* socket files: key cookie, val index into files */
	size_t nsock_files;
	struct sc_key *sockets;        /* kept sockets: key cookie, val index into snap->sockets */
	size_t nsockets;
};

static void join_free(struct join *j)
{
	free(j->files);
	free(j->sock_files);
	free(j->sockets);
}

/*
 * Files sorted by holder. iter/task_file reports a process's fds once per
 * distinct fd table (a thread with its own table, each thread of an exited
 * leader): identical records are dropped.
 */
static int sort_files(struct join *j, const struct sc_raw *raw)
{
	struct sc_key *keys;
	size_t i, n = 0;

	keys = sc_big_malloc((raw->nfiles ? raw->nfiles : 1) * sizeof(*keys));
	j->files = sc_big_malloc((raw->nfiles ? raw->nfiles : 1) * sizeof(*j->files));
	if (!keys || !j->files || sort_by_holder(keys, raw)) {
		free(keys);
		return -ENOMEM;
	}
	for (i = 0; i < raw->nfiles; i++) {
		const struct sc_file_record *f = &raw->files[keys[i].val];
		size_t k;
		bool seen = false;

		/* Compare with this (pid, fd) run so far: fd tables may interleave. */
		for (k = n; k > 0 && j->files[k - 1].tgid == f->tgid && j->files[k - 1].fd == f->fd;
		     k--) {
			if (j->files[k - 1].cookie == f->cookie) {
				seen = true;
				break;
			}
		}
		if (!seen)
			j->files[n++] = *f;
	}
	j->nfiles = n;
	free(keys);
	return 0;
}

/* Socket files by cookie; stable, so each socket's holders stay by (pid, fd). */
static int sort_socket_files(struct join *j)
{
	size_t i, n = 0;

	j->sock_files = sc_big_malloc((j->nfiles ? j->nfiles : 1) * sizeof(*j->sock_files));
	if (!j->sock_files)
		return -ENOMEM;
	for (i = 0; i < j->nfiles; i++)
		if (j->files[i].cookie)
			j->sock_files[n++] = (struct sc_key){ .key = j->files[i].cookie, .val = i };
	j->nsock_files = n;
	return sc_radix_sort(j->sock_files, n);
}

/* Is the socket at sock_files[k...] held by exclude_pid alone (sockcost itself)? */
static bool held_by_self_only(const struct join *j, size_t k, __u32 exclude_pid)
{
	__u64 cookie = j->sock_files[k].key;
	bool self = false;

	for (; k < j->nsock_files && j->sock_files[k].key == cookie; k++) {
		if (j->files[j->sock_files[k].val].tgid != exclude_pid)
			return false;
		self = true;
	}
	return self;
}

/*
 * Where the sockets go: over the records themselves when a socket fits in
 * a record (socket n is written where records up to n were, after record n
 * was read: a 200K-socket snapshot touches 50 MB less), else a new array.
 */
/* One more field in sc_socket must not double a snapshot's memory unnoticed. */
_Static_assert(sizeof(struct sc_socket) <= sizeof(struct sc_tcp_record),
	       "sc_socket outgrew sc_tcp_record: sockets are no longer written over the records");

static struct sc_socket *socket_array(struct sc_raw *raw)
{
	if (raw->tcp && sizeof(struct sc_socket) <= sizeof(struct sc_tcp_record))
		return (struct sc_socket *)raw->tcp;
	return sc_big_malloc((raw->ntcp ? raw->ntcp : 1) * sizeof(struct sc_socket));
}

/* Takes the socket array over from raw, shrunk to its n sockets. */
static void keep_socket_array(struct sc_snapshot *snap, struct sc_raw *raw, size_t n)
{
	struct sc_socket *shrunk;

	if ((void *)snap->sockets != (void *)raw->tcp)
		return;
	raw->tcp = NULL;
	raw->ntcp = 0;
	shrunk = realloc(snap->sockets, (n ? n : 1) * sizeof(*snap->sockets));
	if (shrunk)
		snap->sockets = shrunk;
}

/*
 * Marks the records to drop: repeats (a socket moved between hash buckets
 * mid-walk; the first walked is kept) and sockets only sockcost holds.
 * Returns the lowest walk index dropped, or ntcp if none.
 */
static size_t mark_dropped(const struct join *j, const struct sc_key *keys, size_t ntcp,
			   bool *drop, __u32 exclude_pid)
{
	size_t i, k = 0, first = ntcp;

	for (i = 0; i < ntcp; i++) {
		if (!(i && keys[i].key == keys[i - 1].key)) {
			while (k < j->nsock_files && j->sock_files[k].key < keys[i].key)
				k++;
			if (!(k < j->nsock_files && j->sock_files[k].key == keys[i].key &&
			      held_by_self_only(j, k, exclude_pid)))
				continue;
		}
		drop[keys[i].val] = true;
		if (keys[i].val < first)
			first = keys[i].val;
	}
	return first;
}

/*
 * Copies the walked sockets in walk order, reading each record once
 * (sequential copying: gathering 200-byte records in cookie order missed
 * the cache at scale, and so did a second pass over them), then closes the
 * gaps of dropped ones (mark_dropped; there are seldom any). j->sockets
 * indexes them by cookie.
 */
static int build_sockets(struct sc_snapshot *snap, struct join *j, struct sc_raw *raw,
			 __u32 exclude_pid)
{
	size_t i, n, first, *new_index = NULL;
	struct sc_key *keys;
	bool *drop = NULL;
	int err = -ENOMEM;

	keys = sc_big_malloc((raw->ntcp ? raw->ntcp : 1) * sizeof(*keys));
	drop = sc_big_calloc(raw->ntcp ? raw->ntcp : 1, sizeof(*drop));
	new_index = sc_big_malloc((raw->ntcp ? raw->ntcp : 1) * sizeof(*new_index));
	snap->sockets = keys && drop && new_index ? socket_array(raw) : NULL;
	if (!snap->sockets)
		goto out;
	for (i = 0; i < raw->ntcp; i++) {
		struct sc_tcp_record r = raw->tcp[i]; /* socket i covers it */

		keys[i] = (struct sc_key){ .key = r.cookie, .val = i };
		sc_socket_from_tcp_record(&snap->sockets[i], &r, raw->hz, raw->now_ns);
		if (r.state == TCP_ESTABLISHED)
			snap->established[r.family == AF_INET6]++;
	}
	if (sc_radix_sort(keys, raw->ntcp))
		goto out;
	first = mark_dropped(j, keys, raw->ntcp, drop, exclude_pid);
	for (i = 0; i < first; i++)
		new_index[i] = i;
	for (i = n = first; i < raw->ntcp; i++) {
		const struct sc_socket *s = &snap->sockets[i];

		if (drop[i]) {
			if (s->state == TCP_ESTABLISHED)
				snap->established[s->family == AF_INET6]--;
			continue;
		}
		if (n != i)
			snap->sockets[n] = *s;
		new_index[i] = n++;
	}
	snap->nsockets = n;
	/* Keep the cookie index for the holder join, pointing at the copies. */
	for (i = 0, n = 0; i < raw->ntcp; i++)
		if (!drop[keys[i].val])
			keys[n++] = (struct sc_key){ .key = keys[i].key, .val = new_index[keys[i].val] };
	j->sockets = keys;
	j->nsockets = n;
	keys = NULL;
	keep_socket_array(snap, raw, snap->nsockets);
	err = 0;
out:
	if (err && (void *)snap->sockets == (void *)raw->tcp)
		snap->sockets = NULL; /* still raw's, whoever frees it */
	free(keys);
	free(drop);
	free(new_index);
	return err;
}

/* Both sides sorted by cookie: a merge join. */
static int build_holders(struct sc_snapshot *snap, const struct join *j, __u32 exclude_pid)
{
	size_t i, k = 0;

	snap->holders = sc_big_calloc(j->nsock_files ? j->nsock_files : 1, sizeof(*snap->holders));
	if (!snap->holders)
		return -ENOMEM;
	for (i = 0; i < j->nsock_files; i++) {
		const struct sc_file_record *f = &j->files[j->sock_files[i].val];
		struct sc_socket *s;

		while (k < j->nsockets && j->sockets[k].key < f->cookie)
			k++;
		if (k == j->nsockets)
			break;
		/* Not walked (its namespace was missed) or closed meanwhile; or sockcost's own. */
		if (j->sockets[k].key != f->cookie || f->tgid == exclude_pid)
			continue;
		s = &snap->sockets[j->sockets[k].val];
		if (!s->nholders)
			s->first_holder = snap->nholders;
		s->inode = f->inode; /* the file's inode, as ss -e and lsof show it */
		s->nholders++;
		snap->holders[snap->nholders++] = (struct sc_holder){
			.pid = f->tgid,
			.fd = f->fd,
			.socket = j->sockets[k].val,
		};
	}
	return 0;
}

static struct sc_task_record *find_task(struct sc_raw *raw, __u32 tgid)
{
	struct sc_task_record key = { .tgid = tgid };

	return bsearch(&key, raw->tasks, raw->ntasks, sizeof(key), cmp_task);
}

/* Processes that hold at least one TCP socket; files are sorted by pid. */
static int build_processes(struct sc_snapshot *snap, const struct join *j, struct sc_raw *raw,
			   __u32 exclude_pid)
{
	size_t i, end;

	if (raw->ntasks)
		qsort(raw->tasks, raw->ntasks, sizeof(*raw->tasks), cmp_task);
	snap->processes = sc_big_calloc(raw->ntasks ? raw->ntasks : 1, sizeof(*snap->processes));
	if (!snap->processes)
		return -ENOMEM;
	for (i = 0; i < j->nfiles; i = end) {
		__u32 tgid = j->files[i].tgid;
		const struct sc_task_record *t;
		struct sc_process *p;
		__u64 tcp_fds = 0;

		for (end = i; end < j->nfiles && j->files[end].tgid == tgid; end++)
			tcp_fds += j->files[end].cookie != 0;
		t = find_task(raw, tgid);
		if (!t || !tcp_fds || tgid == exclude_pid)
			continue; /* exited between the walks, no TCP socket, or sockcost */
		p = &snap->processes[snap->nprocesses++];
		p->pid = tgid;
		p->ppid = t->ppid;
		p->netns = t->netns;
		memcpy(p->comm, t->comm, SC_COMM_LEN);
		p->comm[SC_COMM_LEN] = '\0';
		p->fds = raw->fds_from_tasks ? t->open_fds : end - i;
		p->tcp_fds = tcp_fds;
		p->fd_limit = t->nofile_cur;
	}
	return 0;
}

int sc_snapshot_build(struct sc_snapshot *snap, struct sc_raw *raw, __u32 exclude_pid)
{
	struct join j = {};
	int err;

	err = sort_files(&j, raw);
	if (!err)
		err = sort_socket_files(&j);
	if (!err)
		err = build_sockets(snap, &j, raw, exclude_pid);
	if (!err)
		err = build_holders(snap, &j, exclude_pid);
	if (!err)
		err = build_processes(snap, &j, raw, exclude_pid);
	join_free(&j);
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

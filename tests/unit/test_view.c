// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/snapshot_build.c and user/view.c. A synthetic host is
 * joined by sc_snapshot_build() from raw iterator records, then judged by
 * sc_view_build(): per-process and per-port aggregation, totals that count
 * a shared socket once, row order, filters, idle policies and idle sources;
 * also sc_socket_memory() and sc_socket_has_idle(); and the plans of
 * `sockcost close` (user/model/close_plan.c) judged from such views.
 *
 * The host (network namespace NETNS, snapshot taken at T_NS):
 *   pid 100 "server": fds 0-2 plain files; fd 3, 4: IPv4 and IPv6 listeners
 *     on 8080; fd 5: ESTABLISHED on 8080, idle by kernel age (200 s);
 *     fd 6, 7: ESTABLISHED on 8080, active; fd 8: ESTABLISHED client
 *     40000 -> 5432, idle (600 s), shared with pid 200 after a fork;
 *     fd 9: a TCP socket in a namespace that was not walked.
 *   pid 200 "worker": fds 0-1 plain files; fd 3: the shared socket.
 *   pid 300 "cat": plain files only, so not a process of the snapshot.
 *   pid 999 "sockcost" (excluded): fd 10: ESTABLISHED on 9090.
 *   A TIME-WAIT socket on 8080 that nobody holds.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "close_plan.h"
#include "common.h"
#include "snapshot_build.h"
#include "view.h"


#define NETNS 4026531840u
#define MS 1000000ull
#define T_NS (10000000ull * MS)         /* snapshot time: 10000 s */
#define DEFAULT_IDLE_AFTER_MS 180000ull

#define PID_SERVER 100
#define PID_WORKER 200
#define PID_FILES 300
#define PID_SELF 999

enum {
	C_LISTEN4 = 10,
	C_LISTEN6 = 11,
	C_IDLE = 20,
	C_ACTIVE1 = 21,
	C_ACTIVE2 = 22,
	C_SHARED = 30,
	C_TIMEWAIT = 40,
	C_SELF = 50,
	C_UNWALKED = 77,
};

/* Kernel ages are given in ms; the records carry jiffies, at HZ 1000 here. */
#define TEST_HZ 1000
#define NOW_JIFFIES 5000000000ull
#define TCP(c, fam, state_, lp, rp, send_age, recv_age, ...) \
	{ .cookie = (c), .netns = NETNS, .family = (fam), .state = (state_), \
	  .lport = (lp), .rport = (rp), .has_times = (send_age) != SC_AGE_UNKNOWN, \
	  .now_jiffies = NOW_JIFFIES, .now_ns = T_NS, .lsndtime = (__u32)(NOW_JIFFIES - (send_age)), \
	  .lrcvtime = (__u32)(NOW_JIFFIES - (recv_age)), __VA_ARGS__ }

/* In no particular order: the build sorts them. */
static const struct sc_tcp_record host_tcp[] = {
	TCP(C_SHARED, AF_INET, TCP_ESTABLISHED, 40000, 5432, 600000, 700000,
	    .rmem_alloc = 100, .wmem_queued = 200, .forward_alloc = 300),
	TCP(C_ACTIVE1, AF_INET, TCP_ESTABLISHED, 8080, 50002, 1000, 500,
	    .wmem_queued = 4096, .has_state = 1,
	    .st = { .established_ns = T_NS - 300000 * MS, .last_active_jiffies = NOW_JIFFIES - 2000 /* 2 s at HZ 1000 */ }),
	TCP(C_LISTEN6, AF_INET6, TCP_LISTEN, 8080, 0, 5000, 5000,
	    .ack_backlog = 1, .max_ack_backlog = 128),
	TCP(C_TIMEWAIT, AF_INET, TCP_TIME_WAIT, 8080, 50009, SC_AGE_UNKNOWN, SC_AGE_UNKNOWN),
	TCP(C_IDLE, AF_INET, TCP_ESTABLISHED, 8080, 50001, 300000, 200000,
	    .rmem_alloc = 10, .forward_alloc = -50),
	TCP(C_SELF, AF_INET, TCP_ESTABLISHED, 9090, 50100, 10, 10, .rmem_alloc = 1000000),
	TCP(C_LISTEN4, AF_INET, TCP_LISTEN, 8080, 0, 5000, 5000,
	    .ack_backlog = 2, .max_ack_backlog = 128),
	/* heartbeat-only: small kernel age, never a counting call */
	TCP(C_ACTIVE2, AF_INET, TCP_ESTABLISHED, 8080, 50003, 50, 60,
	    .has_state = 1, .st = { .established_ns = T_NS - 300000 * MS, .rx_calls = 9 }),
	/* seen twice: it moved between hash buckets during the walk */
	TCP(C_ACTIVE1, AF_INET, TCP_ESTABLISHED, 8080, 50002, 1000, 500,
	    .wmem_queued = 4096, .has_state = 1,
	    .st = { .established_ns = T_NS - 300000 * MS, .last_active_jiffies = NOW_JIFFIES - 2000 /* 2 s at HZ 1000 */ }),
};

#define FILE_REC(p, f, c) { .tgid = (p), .fd = (f), .cookie = (c), .netns = (c) ? NETNS : 0 }

static const struct sc_file_record host_files[] = {
	FILE_REC(PID_WORKER, 3, C_SHARED),
	FILE_REC(PID_SERVER, 7, C_ACTIVE2),
	FILE_REC(PID_SERVER, 0, 0),
	FILE_REC(PID_SELF, 10, C_SELF),
	FILE_REC(PID_SERVER, 5, C_IDLE),
	FILE_REC(PID_FILES, 0, 0),
	FILE_REC(PID_SERVER, 4, C_LISTEN6),
	FILE_REC(PID_WORKER, 0, 0),
	FILE_REC(PID_SERVER, 9, C_UNWALKED),
	FILE_REC(PID_SERVER, 8, C_SHARED),
	FILE_REC(PID_FILES, 1, 0),
	FILE_REC(PID_SERVER, 1, 0),
	FILE_REC(PID_SELF, 0, 0),
	FILE_REC(PID_SERVER, 3, C_LISTEN4),
	FILE_REC(PID_WORKER, 1, 0),
	FILE_REC(PID_SERVER, 6, C_ACTIVE1),
	FILE_REC(PID_FILES, 2, 0),
	FILE_REC(PID_SERVER, 2, 0),
};

#define TASK(p, name, cur) { .tgid = (p), .netns = NETNS, .nofile_cur = (cur), \
			       .nofile_max = 524288, .comm = name }

static const struct sc_task_record host_tasks[] = {
	TASK(PID_SELF, "sockcost", 65536),
	TASK(PID_WORKER, "worker", 4096),
	TASK(PID_FILES, "cat", 1024),
	TASK(PID_SERVER, "server", 1024),
};


/* A built snapshot and the raw arrays it came from. */
struct fixture {
	struct sc_raw raw;
	struct sc_snapshot snap;
	struct sc_view view;
};

static void *dup_array(const void *src, size_t size)
{
	void *p = malloc(size ? size : 1);

	assert_non_null(p);
	if (size)
		memcpy(p, src, size);
	return p;
}

/* Joins copies of the records (the build sorts in place), without a hook. */
static struct fixture *build_fixture(const struct sc_tcp_record *tcp, size_t ntcp,
				     const struct sc_file_record *files, size_t nfiles,
				     const struct sc_task_record *tasks, size_t ntasks)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->raw = (struct sc_raw){
		.tcp = dup_array(tcp, ntcp * sizeof(*tcp)), .ntcp = ntcp,
		.files = dup_array(files, nfiles * sizeof(*files)), .nfiles = nfiles,
		.tasks = dup_array(tasks, ntasks * sizeof(*tasks)), .ntasks = ntasks,
		.hz = TEST_HZ,
		.now_ns = T_NS,
	};
	assert_int_equal(sc_snapshot_build(&fx->snap, &fx->raw, PID_SELF), 0);
	fx->snap.taken_ns = T_NS;
	fx->snap.config.attached_ns = T_NS - 190000 * MS;
	fx->snap.hook = SC_HOOK_NONE;
	return fx;
}

static int host_setup(void **state)
{
	*state = build_fixture(host_tcp, ARRAY_SIZE(host_tcp), host_files, ARRAY_SIZE(host_files),
			       host_tasks, ARRAY_SIZE(host_tasks));
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	if (!fx)
		return 0;
	sc_view_free(&fx->view);
	free(fx->snap.sockets);
	free(fx->snap.holders);
	free(fx->snap.processes);
	free(fx->raw.tcp);
	free(fx->raw.files);
	free(fx->raw.tasks);
	free(fx);
	return 0;
}

/* Builds fx->view; port -1 and pid 0 keep everything. */
static const struct sc_view *view(struct fixture *fx, __u64 idle_after_ms, __u32 pid,
				  int port, bool idle_only)
{
	struct sc_idle_policy policy = { .idle_after_ms = idle_after_ms };
	struct sc_filter filter = { .pid = pid, .port = port, .idle_only = idle_only };

	sc_view_free(&fx->view);
	assert_int_equal(sc_view_build(&fx->view, &fx->snap, &policy, &filter), 0);
	return &fx->view;
}

static const struct sc_view *default_view(struct fixture *fx)
{
	return view(fx, DEFAULT_IDLE_AFTER_MS, 0, -1, false);
}

static const struct sc_socket *find_socket(const struct sc_snapshot *snap, __u64 cookie)
{
	size_t i;

	for (i = 0; i < snap->nsockets; i++)
		if (snap->sockets[i].cookie == cookie)
			return &snap->sockets[i];
	return NULL;
}

static const struct sc_proc_row *find_proc(const struct sc_view *v, __u32 pid)
{
	size_t i;

	for (i = 0; i < v->nprocs; i++)
		if (v->procs[i].process->pid == pid)
			return &v->procs[i];
	return NULL;
}

static const struct sc_row *find_row(const struct sc_view *v, __u64 cookie, __u32 pid)
{
	size_t i;

	for (i = 0; i < v->nrows; i++)
		if (v->rows[i].socket->cookie == cookie &&
		    (v->rows[i].holder ? v->rows[i].holder->pid : SC_NO_PID) == pid)
			return &v->rows[i];
	return NULL;
}

/* Row i is cookie as held by pid on fd; pid SC_NO_PID: unheld. */
static void assert_row(const struct sc_view *v, size_t i, __u32 pid, __u32 fd, __u64 cookie)
{
	const struct sc_row *r;

	assert_true(i < v->nrows);
	r = &v->rows[i];
	assert_int_equal(r->socket->cookie, cookie);
	if (pid == SC_NO_PID) {
		assert_null(r->holder);
		return;
	}
	assert_non_null(r->holder);
	assert_int_equal(r->holder->pid, pid);
	assert_int_equal(r->holder->fd, fd);
	assert_ptr_equal(&v->snap->sockets[r->holder->socket], r->socket);
}

static void assert_proc(const struct sc_proc_row *pr, __u32 pid, __u64 sockets,
			__u64 connections, __u64 idle, __u64 memory)
{
	assert_non_null(pr);
	assert_int_equal(pr->process->pid, pid);
	assert_int_equal(pr->sockets, sockets);
	assert_int_equal(pr->connections, connections);
	assert_int_equal(pr->idle_connections, idle);
	assert_int_equal(pr->socket_memory_bytes, memory);
}

static void assert_port(const struct sc_view *v, size_t i, __u16 port, __u32 listeners,
			__u64 connections, __u64 idle)
{
	const struct sc_port_row *p;

	assert_true(i < v->nports);
	p = &v->ports[i];
	assert_int_equal(p->netns, NETNS);
	assert_int_equal(p->port, port);
	assert_int_equal(p->listeners, listeners);
	assert_int_equal(p->connections, connections);
	assert_int_equal(p->idle_connections, idle);
}

static void assert_totals(const struct sc_view *v, __u64 sockets, __u64 connections,
			  __u64 idle, __u64 memory)
{
	assert_int_equal(v->totals.sockets, sockets);
	assert_int_equal(v->totals.connections, connections);
	assert_int_equal(v->totals.idle_connections, idle);
	assert_int_equal(v->totals.socket_memory_bytes, memory);
}

static void assert_idle(const struct sc_view *v, __u64 cookie, __u32 pid, bool idle,
			__u64 idle_ms, enum sc_idle_source source)
{
	const struct sc_row *r = find_row(v, cookie, pid);

	assert_non_null(r);
	assert_int_equal(r->idle.idle, idle);
	assert_int_equal(r->idle.idle_ms, idle_ms);
	assert_int_equal(r->idle.source, source);
}

/* The join: each walked socket once (in walk order), sockcost's own left out. */
static void test_snapshot_sockets(void **state)
{
	static const __u64 cookies[] = { C_LISTEN4, C_LISTEN6, C_IDLE, C_ACTIVE1,
					 C_ACTIVE2, C_SHARED, C_TIMEWAIT };
	struct fixture *fx = *state;
	const struct sc_socket *s;
	size_t i, k, seen;

	assert_int_equal(fx->snap.nsockets, ARRAY_SIZE(cookies));
	for (i = 0; i < ARRAY_SIZE(cookies); i++) {
		for (k = 0, seen = 0; k < fx->snap.nsockets; k++)
			seen += fx->snap.sockets[k].cookie == cookies[i];
		assert_int_equal(seen, 1);
	}
	/* Walk order: the first record of the repeated C_ACTIVE1 comes after C_SHARED. */
	assert_int_equal(fx->snap.sockets[0].cookie, C_SHARED);
	assert_int_equal(fx->snap.sockets[1].cookie, C_ACTIVE1);
	assert_null(find_socket(&fx->snap, C_SELF));
	assert_null(find_socket(&fx->snap, C_UNWALKED));

	s = find_socket(&fx->snap, C_SHARED);
	assert_int_equal(s->lport, 40000);
	assert_int_equal(s->rport, 5432);
	assert_int_equal(s->family, AF_INET);
	assert_int_equal(s->kernel_send_age_ms, 600000);
	assert_int_equal(s->kernel_recv_age_ms, 700000);
	assert_int_equal(sc_socket_memory(s), 600);
	/* Negative forward allocation adds nothing. */
	assert_int_equal(sc_socket_memory(find_socket(&fx->snap, C_IDLE)), 10);
	assert_false(find_socket(&fx->snap, C_IDLE)->has_state);
	assert_true(find_socket(&fx->snap, C_ACTIVE1)->has_state);
}

/* Holders are grouped by socket; the shared socket has both. */
static void test_snapshot_holders(void **state)
{
	struct fixture *fx = *state;
	const struct sc_socket *s;
	const struct sc_holder *h;
	size_t i;

	assert_int_equal(fx->snap.nholders, 7);
	for (i = 0; i < fx->snap.nholders; i++)
		assert_int_not_equal(fx->snap.holders[i].pid, PID_SELF);

	s = find_socket(&fx->snap, C_SHARED);
	assert_int_equal(s->nholders, 2);
	h = &fx->snap.holders[s->first_holder];
	assert_int_equal(h[0].pid, PID_SERVER);
	assert_int_equal(h[0].fd, 8);
	assert_int_equal(h[1].pid, PID_WORKER);
	assert_int_equal(h[1].fd, 3);
	assert_ptr_equal(&fx->snap.sockets[h[0].socket], s);
	assert_ptr_equal(&fx->snap.sockets[h[1].socket], s);

	assert_int_equal(find_socket(&fx->snap, C_TIMEWAIT)->nholders, 0);
	s = find_socket(&fx->snap, C_IDLE);
	assert_int_equal(s->nholders, 1);
	assert_int_equal(fx->snap.holders[s->first_holder].fd, 5);
}

/* Processes holding TCP sockets, by pid, with every fd counted. */
static void test_snapshot_processes(void **state)
{
	struct fixture *fx = *state;
	const struct sc_process *p;

	assert_int_equal(fx->snap.nprocesses, 2);
	p = &fx->snap.processes[0];
	assert_int_equal(p->pid, PID_SERVER);
	assert_string_equal(p->comm, "server");
	assert_int_equal(p->netns, NETNS);
	assert_int_equal(p->fds, 10);
	assert_int_equal(p->tcp_fds, 7);
	assert_int_equal(p->fd_limit, 1024);
	p = &fx->snap.processes[1];
	assert_int_equal(p->pid, PID_WORKER);
	assert_string_equal(p->comm, "worker");
	assert_int_equal(p->fds, 3);
	assert_int_equal(p->tcp_fds, 1);
	assert_int_equal(p->fd_limit, 4096);
	assert_null(sc_snapshot_find_process(&fx->snap, PID_FILES));
	assert_null(sc_snapshot_find_process(&fx->snap, PID_SELF));
}

/* Rows by pid, then fd; the unheld socket last. */
static void test_row_order(void **state)
{
	const struct sc_view *v = default_view(*state);

	assert_int_equal(v->nrows, 8);
	assert_row(v, 0, PID_SERVER, 3, C_LISTEN4);
	assert_row(v, 1, PID_SERVER, 4, C_LISTEN6);
	assert_row(v, 2, PID_SERVER, 5, C_IDLE);
	assert_row(v, 3, PID_SERVER, 6, C_ACTIVE1);
	assert_row(v, 4, PID_SERVER, 7, C_ACTIVE2);
	assert_row(v, 5, PID_SERVER, 8, C_SHARED);
	assert_row(v, 6, PID_WORKER, 3, C_SHARED);
	assert_row(v, 7, SC_NO_PID, 0, C_TIMEWAIT);
}

/* Without a hook, every idle time is the kernel's. */
static void test_idle_by_kernel_age(void **state)
{
	const struct sc_view *v = default_view(*state);

	assert_idle(v, C_IDLE, PID_SERVER, true, 200000, SC_IDLE_KERNEL);
	assert_idle(v, C_ACTIVE1, PID_SERVER, false, 500, SC_IDLE_KERNEL);
	assert_idle(v, C_ACTIVE2, PID_SERVER, false, 50, SC_IDLE_KERNEL);
	assert_idle(v, C_SHARED, PID_SERVER, true, 600000, SC_IDLE_KERNEL);
	assert_idle(v, C_SHARED, PID_WORKER, true, 600000, SC_IDLE_KERNEL);
	assert_idle(v, C_LISTEN4, PID_SERVER, false, 5000, SC_IDLE_KERNEL);
	assert_false(find_row(v, C_TIMEWAIT, SC_NO_PID)->idle.idle);
}

/* Per process: the shared socket counts for both holders. */
static void test_processes(void **state)
{
	const struct sc_view *v = default_view(*state);

	assert_int_equal(v->nprocs, 2);
	assert_ptr_equal(&v->procs[0], find_proc(v, PID_SERVER));
	assert_proc(&v->procs[0], PID_SERVER, 6, 4, 2, 10 + 4096 + 600);
	assert_int_equal(v->procs[0].process->fds, 10);
	assert_int_equal(v->procs[0].process->fd_limit, 1024);
	assert_proc(&v->procs[1], PID_WORKER, 1, 1, 1, 600);
	assert_int_equal(v->procs[1].process->fds, 3);
	assert_int_equal(v->procs[1].process->fd_limit, 4096);
}

/* IPv4 and IPv6 listeners of 8080 are one port; the client port is none. */
static void test_ports(void **state)
{
	const struct sc_view *v = default_view(*state);

	assert_int_equal(v->nports, 1);
	assert_port(v, 0, 8080, 2, 3, 1);
	assert_int_equal(v->ports[0].accept_queue, 3);
	assert_int_equal(v->ports[0].accept_queue_max, 256);
}

/* Totals count the shared socket once, and include the unheld one. */
static void test_totals(void **state)
{
	const struct sc_view *v = default_view(*state);

	assert_totals(v, 7, 4, 2, 10 + 4096 + 600);
}

static void test_filter_pid(void **state)
{
	struct fixture *fx = *state;
	const struct sc_view *v = view(fx, DEFAULT_IDLE_AFTER_MS, PID_WORKER, -1, false);

	assert_int_equal(v->nrows, 1);
	assert_row(v, 0, PID_WORKER, 3, C_SHARED);
	assert_int_equal(v->nprocs, 1);
	assert_proc(&v->procs[0], PID_WORKER, 1, 1, 1, 600);
	assert_int_equal(v->nports, 0); /* pid 200 holds no listener */
	assert_totals(v, 1, 1, 1, 600);

	v = view(fx, DEFAULT_IDLE_AFTER_MS, PID_SERVER, -1, false);
	assert_int_equal(v->nrows, 6);
	assert_row(v, 5, PID_SERVER, 8, C_SHARED);
	assert_int_equal(v->nprocs, 1);
	assert_proc(&v->procs[0], PID_SERVER, 6, 4, 2, 10 + 4096 + 600);
	assert_int_equal(v->nports, 1);
	assert_port(v, 0, 8080, 2, 3, 1);
	assert_totals(v, 6, 4, 2, 10 + 4096 + 600);

	/* A process with no TCP socket, or sockcost itself: nothing. */
	v = view(fx, DEFAULT_IDLE_AFTER_MS, PID_FILES, -1, false);
	assert_int_equal(v->nrows, 0);
	assert_int_equal(v->nprocs, 0);
	assert_int_equal(v->nports, 0);
	assert_totals(v, 0, 0, 0, 0);
	v = view(fx, DEFAULT_IDLE_AFTER_MS, PID_SELF, -1, false);
	assert_int_equal(v->nrows, 0);
	assert_totals(v, 0, 0, 0, 0);
}

static const struct sc_view *service_view(struct fixture *fx, const char *name, int port)
{
	struct sc_idle_policy policy = { .idle_after_ms = DEFAULT_IDLE_AFTER_MS };
	struct sc_filter filter = { .port = port };

	strcpy(filter.service, name);
	sc_view_free(&fx->view);
	assert_int_equal(sc_view_build(&fx->view, &fx->snap, &policy, &filter), 0);
	return &fx->view;
}

static void test_filter_service(void **state)
{
	struct fixture *fx = *state;
	const struct sc_view *v = service_view(fx, "server:8080", -1);
	__u32 *pids;
	size_t n;

	assert_false(v->service_unknown);
	assert_int_equal(v->nrows, 6);
	assert_row(v, 0, PID_SERVER, 3, C_LISTEN4);
	assert_row(v, 5, PID_SERVER, 8, C_SHARED);
	assert_int_equal(v->nprocs, 1);
	assert_int_equal(v->nports, 1);
	assert_port(v, 0, 8080, 2, 3, 1);

	/* With a port: the service's sockets on it, the shared client socket gone. */
	v = service_view(fx, "server:8080", 8080);
	assert_int_equal(v->nrows, 5);
	assert_totals(v, 5, 3, 1, 10 + 4096);

	v = service_view(fx, "worker", -1);
	assert_int_equal(v->nrows, 1);
	assert_row(v, 0, PID_WORKER, 3, C_SHARED);
	assert_int_equal(v->nports, 0);

	/* A name no service has keeps nothing, and says so. */
	v = service_view(fx, "server", -1);
	assert_true(v->service_unknown);
	assert_int_equal(v->nrows, 0);
	assert_int_equal(v->nprocs, 0);
	assert_int_equal(v->nports, 0);

	assert_int_equal(sc_view_service_pids(&fx->snap, &fx->view.policy, "server:8080", &pids,
					      &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], PID_SERVER);
	free(pids);
	assert_int_equal(sc_view_service_pids(&fx->snap, &fx->view.policy, "nginx", &pids, &n),
			 -ENOENT);
	assert_null(pids);
}

/* The close plan of the whole host: idle connections held by a process, never a listener. */
static void test_close_plan(void **state)
{
	struct fixture *fx = *state;
	const struct sc_view *v = view(fx, DEFAULT_IDLE_AFTER_MS, 0, -1, false);
	struct sc_close_plan p;

	assert_int_equal(sc_close_plan_build(&p, v, 1000, false), 0);
	assert_int_equal(p.ntargets, 2);
	assert_int_equal(p.matched, 2);
	assert_int_equal(p.left, 0);
	assert_int_equal(p.listeners, 2);
	assert_int_equal(p.busy, 2);       /* ACTIVE1, and ACTIVE2's heartbeats */
	assert_int_equal(p.unclosable, 1); /* the unheld TIME-WAIT socket */
	assert_int_equal(p.targets[0].row->socket->cookie, C_IDLE);
	assert_int_equal(p.targets[0].fds, 1);
	assert_int_equal(p.targets[0].result, SC_CLOSE_PENDING);
	/* The forked socket: one target, both fds, its memory once. */
	assert_int_equal(p.targets[1].row->socket->cookie, C_SHARED);
	assert_int_equal(p.targets[1].row->holder->pid, PID_SERVER);
	assert_int_equal(p.targets[1].fds, 2);
	assert_int_equal(p.fds, 3);
	assert_int_equal(p.memory_bytes, 10 + 600);
	assert_int_equal(p.send_queue_bytes, 200); /* C_SHARED's wmem_queued */
	assert_int_equal(p.nprocs, 2);
	assert_int_equal(p.procs[0].process->pid, PID_SERVER);
	assert_int_equal(p.procs[0].sockets, 2);
	assert_int_equal(p.procs[0].fds, 2);
	assert_int_equal(p.procs[0].memory_bytes, 610);
	assert_int_equal(p.procs[1].process->pid, PID_WORKER);
	assert_int_equal(p.procs[1].sockets, 0);
	assert_int_equal(p.procs[1].fds, 1);

	/* Kernel objects: per target, its family's TCP object, inode, file and dentry. */
	{
		struct sc_slab_sizes slab = { 0 };

		slab.obj[SC_OBJ_TCP].bytes = 2000;
		slab.obj[SC_OBJ_TCPV6].bytes = 2200;
		slab.obj[SC_OBJ_SOCK_INODE].bytes = 800;
		slab.obj[SC_OBJ_FILE].bytes = 256;
		slab.obj[SC_OBJ_DENTRY].bytes = 192;
		sc_close_plan_objects(&p, &slab);
		assert_int_equal(p.object_bytes, 2 * (2000 + 800 + 256 + 192));
	}

	/* Results: the process sums follow the first holders. */
	p.targets[0].result = 0;
	p.targets[1].result = -ENOENT;
	assert_int_equal(sc_close_plan_aborted(&p), 1);
	assert_int_equal(p.procs[0].aborted, 1);
	assert_int_equal(p.procs[1].aborted, 0);
	sc_close_plan_free(&p);

	/* --max 1: the first by pid and fd; the other is left, with its second holder. */
	assert_int_equal(sc_close_plan_build(&p, v, 1, false), 0);
	assert_int_equal(p.ntargets, 1);
	assert_int_equal(p.matched, 2);
	assert_int_equal(p.left, 1);
	assert_int_equal(p.fds, 1);
	assert_int_equal(p.nprocs, 1);
	sc_close_plan_free(&p);

	/* --include-busy: the active ones too, still no listener. */
	assert_int_equal(sc_close_plan_build(&p, v, 1000, true), 0);
	assert_int_equal(p.ntargets, 4);
	assert_int_equal(p.busy, 0);
	assert_int_equal(p.listeners, 2);
	sc_close_plan_free(&p);
}

/* A selection of only listeners gives no target, and counts them. */
static void test_close_plan_listeners_only(void **state)
{
	struct fixture *fx = *state;
	struct sc_idle_policy policy = { .idle_after_ms = 1 };
	struct sc_filter filter = { .pid = PID_SERVER, .port = 8080 };
	struct sc_close_plan p;
	size_t i;

	sc_view_free(&fx->view);
	assert_int_equal(sc_view_build(&fx->view, &fx->snap, &policy, &filter), 0);
	assert_int_equal(sc_close_plan_build(&p, &fx->view, 1000, true), 0);
	assert_int_equal(p.listeners, 2);
	for (i = 0; i < p.ntargets; i++)
		assert_int_not_equal(p.targets[i].row->socket->state, TCP_LISTEN);
	sc_close_plan_free(&p);
	assert_false(sc_close_state_closable(TCP_LISTEN));
	assert_false(sc_close_state_closable(TCP_TIME_WAIT));
	assert_false(sc_close_state_closable(TCP_CLOSE));
	assert_true(sc_close_state_closable(TCP_CLOSE_WAIT));
	assert_true(sc_close_state_closable(TCP_ESTABLISHED));
}

static void test_filter_port(void **state)
{
	struct fixture *fx = *state;
	const struct sc_view *v = view(fx, DEFAULT_IDLE_AFTER_MS, 0, 8080, false);

	assert_int_equal(v->nrows, 6);
	assert_row(v, 0, PID_SERVER, 3, C_LISTEN4);
	assert_row(v, 4, PID_SERVER, 7, C_ACTIVE2);
	assert_row(v, 5, SC_NO_PID, 0, C_TIMEWAIT);
	assert_int_equal(v->nprocs, 1);
	assert_proc(&v->procs[0], PID_SERVER, 5, 3, 1, 10 + 4096);
	assert_int_equal(v->nports, 1);
	assert_port(v, 0, 8080, 2, 3, 1);
	assert_totals(v, 6, 3, 1, 10 + 4096);

	/* The client socket's local port, not a listener's. */
	v = view(fx, DEFAULT_IDLE_AFTER_MS, 0, 40000, false);
	assert_int_equal(v->nrows, 2);
	assert_row(v, 0, PID_SERVER, 8, C_SHARED);
	assert_row(v, 1, PID_WORKER, 3, C_SHARED);
	assert_int_equal(v->nprocs, 2);
	assert_int_equal(v->nports, 0);
	assert_totals(v, 1, 1, 1, 600);

	/* A remote port matches nothing. */
	v = view(fx, DEFAULT_IDLE_AFTER_MS, 0, 5432, false);
	assert_int_equal(v->nrows, 0);
	assert_int_equal(v->nprocs, 0);
	assert_totals(v, 0, 0, 0, 0);
}

static void test_filter_idle_only(void **state)
{
	struct fixture *fx = *state;
	const struct sc_view *v = view(fx, DEFAULT_IDLE_AFTER_MS, 0, -1, true);

	assert_int_equal(v->nrows, 3);
	assert_row(v, 0, PID_SERVER, 5, C_IDLE);
	assert_row(v, 1, PID_SERVER, 8, C_SHARED);
	assert_row(v, 2, PID_WORKER, 3, C_SHARED);
	assert_int_equal(v->nprocs, 2);
	assert_proc(&v->procs[0], PID_SERVER, 2, 2, 2, 10 + 600);
	assert_proc(&v->procs[1], PID_WORKER, 1, 1, 1, 600);
	/* Listeners stay; only the kept connection counts toward the port. */
	assert_int_equal(v->nports, 1);
	assert_port(v, 0, 8080, 2, 1, 1);
	assert_totals(v, 2, 2, 2, 10 + 600);
}

static void test_filters_combined(void **state)
{
	struct fixture *fx = *state;
	const struct sc_view *v = view(fx, DEFAULT_IDLE_AFTER_MS, PID_SERVER, 8080, true);

	assert_int_equal(v->nrows, 1);
	assert_row(v, 0, PID_SERVER, 5, C_IDLE);
	assert_int_equal(v->nprocs, 1);
	assert_proc(&v->procs[0], PID_SERVER, 1, 1, 1, 10);
	assert_port(v, 0, 8080, 2, 1, 1);
	assert_totals(v, 1, 1, 1, 10);

	v = view(fx, DEFAULT_IDLE_AFTER_MS, PID_WORKER, 8080, false);
	assert_int_equal(v->nrows, 0);
	assert_int_equal(v->nports, 0);
	assert_totals(v, 0, 0, 0, 0);
}

/* One snapshot judged under different policies. */
static void test_policies(void **state)
{
	struct fixture *fx = *state;
	const struct sc_view *v = view(fx, 500, 0, -1, false);

	/* 500 ms: C_ACTIVE1 (500 ms, the boundary) is idle now, C_ACTIVE2 (50) not. */
	assert_totals(v, 7, 4, 3, 10 + 4096 + 600);
	assert_proc(find_proc(v, PID_SERVER), PID_SERVER, 6, 4, 3, 10 + 4096 + 600);
	assert_port(v, 0, 8080, 2, 3, 2);
	assert_int_equal(v->policy.idle_after_ms, 500);

	v = view(fx, 3600000, 0, -1, false);
	assert_totals(v, 7, 4, 0, 10 + 4096 + 600);
	assert_port(v, 0, 8080, 2, 3, 0);

	v = view(fx, 3600000, 0, -1, true);
	assert_int_equal(v->nrows, 0);
	assert_int_equal(v->nprocs, 0);
}

/*
 * With the activity hook attached 190 s ago: an observed call gives the
 * exact age, a heartbeat-only socket is idle for the watched window, and a
 * kernel age beyond the window wins.
 */
static void test_hooked_sources(void **state)
{
	struct fixture *fx = *state;
	const struct sc_view *v;

	fx->snap.hook = SC_HOOK_TRACEPOINT;
	v = default_view(fx);
	assert_idle(v, C_ACTIVE1, PID_SERVER, false, 2000, SC_IDLE_OBSERVED);
	assert_idle(v, C_ACTIVE2, PID_SERVER, true, 190000, SC_IDLE_WATCHED);
	assert_idle(v, C_IDLE, PID_SERVER, true, 200000, SC_IDLE_KERNEL);
	assert_idle(v, C_SHARED, PID_WORKER, true, 600000, SC_IDLE_KERNEL);
	assert_totals(v, 7, 4, 3, 10 + 4096 + 600);
	assert_port(v, 0, 8080, 2, 3, 2);

	/* Attached only 100 s ago: the heartbeat-only socket is not idle yet. */
	fx->snap.config.attached_ns = T_NS - 100000 * MS;
	v = default_view(fx);
	assert_idle(v, C_ACTIVE2, PID_SERVER, false, 100000, SC_IDLE_WATCHED);
	assert_totals(v, 7, 4, 2, 10 + 4096 + 600);
}

/* Ports are ordered by connections, descending. */
static void test_port_order(void **state)
{
	static const struct sc_tcp_record tcp[] = {
		TCP(1, AF_INET, TCP_LISTEN, 22, 0, 0, 0),
		TCP(2, AF_INET, TCP_LISTEN, 443, 0, 0, 0),
		TCP(3, AF_INET, TCP_ESTABLISHED, 443, 1000, 0, 0),
		TCP(4, AF_INET, TCP_ESTABLISHED, 443, 1001, 0, 0),
		TCP(5, AF_INET, TCP_ESTABLISHED, 22, 1002, 0, 0),
		TCP(6, AF_INET, TCP_LISTEN, 80, 0, 0, 0),
	};
	static const struct sc_file_record files[] = {
		FILE_REC(1, 3, 1), FILE_REC(1, 4, 2), FILE_REC(1, 5, 3),
		FILE_REC(1, 6, 4), FILE_REC(1, 7, 5), FILE_REC(1, 8, 6),
	};
	static const struct sc_task_record tasks[] = { TASK(1, "init", 1024) };
	struct fixture *fx = build_fixture(tcp, ARRAY_SIZE(tcp), files, ARRAY_SIZE(files), tasks, ARRAY_SIZE(tasks));
	const struct sc_view *v;

	*state = fx;
	v = default_view(fx);
	assert_int_equal(v->nports, 3);
	assert_port(v, 0, 443, 1, 2, 0);
	assert_port(v, 1, 22, 1, 1, 0);
	assert_port(v, 2, 80, 1, 0, 0);
}

/*
 * One connection held by one process on several fds (inetd-style: the
 * socket on stdin, stdout and stderr) is one TCP socket and one
 * connection of that process, as sc_proc_row documents ("TCP sockets
 * held"; fds are sc_process.tcp_fds). Each fd is still its own row.
 */
static void test_dup_fds_count_one_connection(void **state)
{
	static const struct sc_tcp_record tcp[] = {
		TCP(1, AF_INET, TCP_ESTABLISHED, 22, 40000, 600000, 600000, .rmem_alloc = 100),
	};
	static const struct sc_file_record files[] = {
		FILE_REC(500, 0, 1), FILE_REC(500, 1, 1), FILE_REC(500, 2, 1),
	};
	static const struct sc_task_record tasks[] = { TASK(500, "sshd", 1024) };
	struct fixture *fx = build_fixture(tcp, ARRAY_SIZE(tcp), files, ARRAY_SIZE(files), tasks, ARRAY_SIZE(tasks));
	const struct sc_view *v;

	*state = fx;
	assert_int_equal(fx->snap.processes[0].tcp_fds, 3);
	v = default_view(fx);
	assert_int_equal(v->nrows, 3);
	assert_totals(v, 1, 1, 1, 100);
	assert_proc(find_proc(v, 500), 500, 1, 1, 1, 100);
}

/* Idle time means something only for sockets that carry a connection. */
static void test_socket_has_idle(void **state)
{
	struct fixture *fx = *state;
	struct sc_socket s = { .state = SC_TCP_NEW_SYN_RECV };
	__u8 st;

	assert_true(sc_socket_has_idle(find_socket(&fx->snap, C_IDLE)));
	assert_false(sc_socket_has_idle(find_socket(&fx->snap, C_LISTEN4)));
	assert_false(sc_socket_has_idle(find_socket(&fx->snap, C_TIMEWAIT)));
	assert_false(sc_socket_has_idle(&s));
	for (st = 2; st <= 11; st++) {
		s.state = st;
		if (st != TCP_TIME_WAIT && st != TCP_LISTEN)
			assert_true(sc_socket_has_idle(&s));
	}
}

/* An empty host builds an empty view. */
static void test_empty(void **state)
{
	struct fixture *fx = build_fixture(NULL, 0, NULL, 0, NULL, 0);
	const struct sc_view *v;

	*state = fx;
	assert_int_equal(fx->snap.nsockets, 0);
	assert_int_equal(fx->snap.nprocesses, 0);
	v = default_view(fx);
	assert_int_equal(v->nrows, 0);
	assert_int_equal(v->nprocs, 0);
	assert_int_equal(v->nports, 0);
	assert_totals(v, 0, 0, 0, 0);
}

/*
 * iter/task_file reports a process's fds once per distinct fd table: a
 * thread with its own table, or each thread of an exited leader. The join
 * keeps one record per (pid, fd, socket).
 */
static void test_duplicate_file_records_count_once(void **state)
{
	static const struct sc_tcp_record tcp[] = {
		TCP(1, AF_INET, TCP_ESTABLISHED, 22, 40000, 0, 0),
	};
	static const struct sc_file_record files[] = {
		FILE_REC(600, 3, 1), FILE_REC(600, 0, 0), FILE_REC(600, 3, 1),
		FILE_REC(600, 0, 0), FILE_REC(600, 3, 1), FILE_REC(600, 1, 0),
	};
	static const struct sc_task_record tasks[] = { TASK(600, "threads", 1024) };
	struct fixture *fx = build_fixture(tcp, ARRAY_SIZE(tcp), files, ARRAY_SIZE(files), tasks, ARRAY_SIZE(tasks));
	const struct sc_view *v;

	*state = fx;
	assert_int_equal(fx->snap.nholders, 1);
	assert_int_equal(fx->snap.processes[0].fds, 3);
	assert_int_equal(fx->snap.processes[0].tcp_fds, 1);
	v = default_view(fx);
	assert_int_equal(v->nrows, 1);
}

/*
 * A socket sockcost shares with another process (inherited) stays, without
 * sockcost's own fd; one only sockcost holds disappears.
 */
static void test_socket_shared_with_self_stays(void **state)
{
	static const struct sc_tcp_record tcp[] = {
		TCP(1, AF_INET, TCP_ESTABLISHED, 22, 40000, 0, 0),
		TCP(2, AF_INET, TCP_ESTABLISHED, 23, 40001, 0, 0),
	};
	static const struct sc_file_record files[] = {
		FILE_REC(PID_SELF, 5, 1), FILE_REC(700, 4, 1), FILE_REC(PID_SELF, 6, 2),
	};
	static const struct sc_task_record tasks[] = {
		TASK(700, "parent", 1024), TASK(PID_SELF, "sockcost", 1024),
	};
	struct fixture *fx = build_fixture(tcp, ARRAY_SIZE(tcp), files, ARRAY_SIZE(files), tasks, ARRAY_SIZE(tasks));

	*state = fx;
	assert_int_equal(fx->snap.nsockets, 1);
	assert_int_equal(fx->snap.sockets[0].cookie, 1);
	assert_int_equal(fx->snap.nholders, 1);
	assert_int_equal(fx->snap.holders[0].pid, 700);
	assert_int_equal(fx->snap.nprocesses, 1);
}

/* Kernel jiffies stamps become ages through the kernel's HZ; none without it. */
static void test_kernel_ages_from_jiffies(void **state)
{
	static const struct sc_tcp_record tcp[] = {
		TCP(1, AF_INET, TCP_ESTABLISHED, 22, 40000, 1500, 2500),
	};
	struct fixture *fx = build_fixture(tcp, ARRAY_SIZE(tcp), NULL, 0, NULL, 0);

	*state = fx;
	assert_int_equal(fx->snap.sockets[0].kernel_send_age_ms, 1500);
	assert_int_equal(fx->snap.sockets[0].kernel_recv_age_ms, 2500);
	fixture_teardown(state);

	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	fx->raw = (struct sc_raw){ .tcp = dup_array(tcp, sizeof(tcp)), .ntcp = 1, .hz = 0 };
	assert_int_equal(sc_snapshot_build(&fx->snap, &fx->raw, PID_SELF), 0);
	*state = fx;
	assert_true(fx->snap.sockets[0].kernel_send_age_ms == SC_AGE_UNKNOWN);
}

/*
 * Threads with their own fd tables can report one fd as different sockets,
 * interleaved: A:fd3->X, B:fd3->Y, C:fd3->X. X keeps one holder.
 */
static void test_interleaved_fd_tables(void **state)
{
	static const struct sc_tcp_record tcp[] = {
		TCP(1, AF_INET, TCP_ESTABLISHED, 22, 40000, 0, 0),
		TCP(2, AF_INET, TCP_ESTABLISHED, 23, 40001, 0, 0),
	};
	static const struct sc_file_record files[] = {
		FILE_REC(800, 3, 1), FILE_REC(800, 3, 2), FILE_REC(800, 3, 1),
	};
	static const struct sc_task_record tasks[] = { TASK(800, "unshared", 1024) };
	struct fixture *fx = build_fixture(tcp, ARRAY_SIZE(tcp), files, ARRAY_SIZE(files), tasks, ARRAY_SIZE(tasks));

	*state = fx;
	assert_int_equal(fx->snap.nholders, 2);
	assert_int_equal(find_socket(&fx->snap, 1)->nholders, 1);
	assert_int_equal(fx->snap.processes[0].fds, 2);
}

/*
 * Activity stamps are jiffies, dated through the record's own (jiffies, ns)
 * reading; without HZ they cannot be dated and count as recent, so a socket
 * with calls is never taken for idle.
 */
static void test_activity_stamps_without_hz(void **state)
{
	static const struct sc_tcp_record tcp[] = {
		TCP(1, AF_INET, TCP_ESTABLISHED, 22, 40000, SC_AGE_UNKNOWN, SC_AGE_UNKNOWN,
		    .has_state = 1,
		    .st = { .last_active_jiffies = NOW_JIFFIES - 500000, .rx_calls = 3 }),
	};
	struct fixture *fx = build_fixture(tcp, ARRAY_SIZE(tcp), NULL, 0, NULL, 0);

	*state = fx;
	/* HZ 1000: 500000 jiffies ago is 500 s before the record. */
	assert_int_equal(fx->snap.sockets[0].act.last_active_ns, T_NS - 500000 * MS);
	fixture_teardown(state);

	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	fx->raw = (struct sc_raw){ .tcp = dup_array(tcp, sizeof(tcp)), .ntcp = 1, .now_ns = T_NS };
	assert_int_equal(sc_snapshot_build(&fx->snap, &fx->raw, PID_SELF), 0);
	*state = fx;
	assert_int_equal(fx->snap.sockets[0].act.last_active_ns, T_NS);
}

static int cmp_row_order(const void *a, const void *b)
{
	const struct sc_row *x = a, *y = b;

	return (x->order > y->order) - (x->order < y->order);
}

/* Rows in any order: the same rows, and every sum the same as with sorted rows. */
static void test_rows_any_order(void **state)
{
	static const struct sc_filter filters[] = {
		{ .port = -1 }, { .pid = PID_WORKER, .port = -1 }, { .port = 8080 },
		{ .port = -1, .idle_only = true },
	};
	struct fixture *fx = *state;
	struct sc_idle_policy policy = { .idle_after_ms = DEFAULT_IDLE_AFTER_MS };
	struct sc_view any;
	size_t f, i;

	for (f = 0; f < sizeof(filters) / sizeof(filters[0]); f++) {
		const struct sc_view *sorted = view(fx, DEFAULT_IDLE_AFTER_MS, filters[f].pid,
						    filters[f].port, filters[f].idle_only);

		assert_int_equal(sc_view_build_rows(&any, &fx->snap, &policy, &filters[f],
						    SC_ROWS_ANY_ORDER), 0);
		assert_true(sorted->nrows > 0);
		assert_int_equal(any.nrows, sorted->nrows);
		qsort(any.rows, any.nrows, sizeof(*any.rows), cmp_row_order);
		for (i = 0; i < any.nrows; i++) {
			assert_ptr_equal(any.rows[i].socket, sorted->rows[i].socket);
			assert_ptr_equal(any.rows[i].holder, sorted->rows[i].holder);
			assert_int_equal(any.rows[i].order, sorted->rows[i].order);
			assert_int_equal(any.rows[i].idle.idle, sorted->rows[i].idle.idle);
			assert_int_equal(any.rows[i].health.health, sorted->rows[i].health.health);
		}
		assert_int_equal(any.nprocs, sorted->nprocs);
		assert_memory_equal(any.procs, sorted->procs, any.nprocs * sizeof(*any.procs));
		assert_int_equal(any.nports, sorted->nports);
		assert_memory_equal(any.ports, sorted->ports, any.nports * sizeof(*any.ports));
		assert_int_equal(any.nservices, sorted->nservices);
		assert_memory_equal(&any.totals, &sorted->totals, sizeof(any.totals));
		sc_view_free(&any);
	}
}

int main(void)
{
#define HOST_TEST(f) cmocka_unit_test_setup_teardown(f, host_setup, fixture_teardown)
#define OWN_TEST(f) cmocka_unit_test_teardown(f, fixture_teardown)
	const struct CMUnitTest tests[] = {
		HOST_TEST(test_snapshot_sockets),
		HOST_TEST(test_snapshot_holders),
		HOST_TEST(test_snapshot_processes),
		HOST_TEST(test_row_order),
		HOST_TEST(test_idle_by_kernel_age),
		HOST_TEST(test_processes),
		HOST_TEST(test_ports),
		HOST_TEST(test_totals),
		HOST_TEST(test_filter_pid),
		HOST_TEST(test_filter_port),
		HOST_TEST(test_filter_service),
		HOST_TEST(test_close_plan),
		HOST_TEST(test_close_plan_listeners_only),
		HOST_TEST(test_filter_idle_only),
		HOST_TEST(test_filters_combined),
		HOST_TEST(test_policies),
		HOST_TEST(test_hooked_sources),
		HOST_TEST(test_socket_has_idle),
		HOST_TEST(test_rows_any_order),
		OWN_TEST(test_port_order),
		OWN_TEST(test_dup_fds_count_one_connection),
		OWN_TEST(test_empty),
		OWN_TEST(test_duplicate_file_records_count_once),
		OWN_TEST(test_socket_shared_with_self_stays),
		OWN_TEST(test_kernel_ages_from_jiffies),
		OWN_TEST(test_interleaved_fd_tables),
		OWN_TEST(test_activity_stamps_without_hz),
	};
#undef HOST_TEST
#undef OWN_TEST

	return cmocka_run_group_tests_name("view", tests, NULL, NULL);
}

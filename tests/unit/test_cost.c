// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/model/cost.c and epoll_watch.c: kernel bytes per
 * connection from slab sizes and buffers, charged to the host once and to
 * each holding process; memory per connection by basis (marginal,
 * per-process, average); PSS and private sums; fd, memory and application
 * limits and the binding one; listeners' drops; idle-timeout what-if;
 * epoll fdinfo parsing.
 *
 * The host (slab sizes from real slabinfo: TCP 2368, TCPv6 2496, socket
 * inode 832, file 192, dentry 192, epoll item 128):
 *   S1 IPv4 ESTABLISHED, pid 100 fd 5, idle 400 s, epoll, buffers 600
 *   S2 IPv6 ESTABLISHED, pid 100 fd 6, idle 100 s, epoll
 *   S3 IPv4 ESTABLISHED, pid 100 fd 7 and fd 9 (dup), pid 200 fd 3 (fork),
 *      idle 1 s, send queue 1000
 *   S4 IPv4 LISTEN, pid 100 fd 4
 *   S5 IPv4 ESTABLISHED not yet accepted (no file), idle 1000 s
 *   S6 TIME-WAIT, nobody's
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "common.h"
#include "cost.h"
#include "epoll_watch.h"
#include "cost_text.h"

/* cmocka 1.1.5 has no double comparison. */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

#define MS 1000000ull
#define T_NS (10000000ull * MS)

#define SOCK(fam, st, ino, idle_ms, first, n, ...) \
	{ .family = (fam), .state = (st), .inode = (ino), .kernel_send_age_ms = (idle_ms), \
	  .kernel_recv_age_ms = (idle_ms), .first_holder = (first), .nholders = (n), __VA_ARGS__ }

static struct sc_socket sockets[] = {
	SOCK(AF_INET, 1, 1001, 400000, 0, 1, .lport = 8080, .rmem_alloc = 100,
	     .wmem_queued = 200, .forward_alloc = 300),
	SOCK(AF_INET6, 1, 1002, 100000, 1, 1, .lport = 8080),
	SOCK(AF_INET, 1, 1003, 1000, 2, 3, .lport = 40000, .wmem_queued = 1000),
	SOCK(AF_INET, 10, 1004, 0, 5, 1, .lport = 8080),
	SOCK(AF_INET, 1, 0, 1000000, 6, 0, .lport = 8080),
	SOCK(AF_INET, 6, 0, SC_AGE_UNKNOWN, 6, 0, .lport = 8080),
};

static struct sc_holder holders[] = {
	{ .pid = 100, .fd = 5, .socket = 0 },
	{ .pid = 100, .fd = 6, .socket = 1 },
	{ .pid = 100, .fd = 7, .socket = 2 },
	{ .pid = 100, .fd = 9, .socket = 2 },
	{ .pid = 200, .fd = 3, .socket = 2 },
	{ .pid = 100, .fd = 4, .socket = 3 },
};

static struct sc_process processes[] = {
	{ .pid = 100, .comm = "server", .fds = 50, .fd_limit = 1024, .tcp_fds = 5 },
	{ .pid = 200, .comm = "worker", .fds = 10, .fd_limit = RLIM_INFINITY, .tcp_fds = 1 },
};

static struct sc_snapshot snap = {
	.sockets = sockets, .nsockets = 6,
	.holders = holders, .nholders = 6,
	.processes = processes, .nprocesses = 2,
	.taken_ns = T_NS,
};

static const char slabinfo[] =
	"slabinfo - version: 2.1\n"
	"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n"
	"TCPv6                 26     26   2496   13    8 : tunables    0    0    0 : slabdata      2      2      0\n"
	"TCP                   53    104   2368   13    8 : tunables    0    0    0 : slabdata      8      8      0\n"
	"eventpoll_epi        352    352    128   32    1 : tunables    0    0    0 : slabdata     11     11      0\n"
	"sock_inode_cache     204    304    832   19    4 : tunables    0    0    0 : slabdata     16     16      0\n"
	"filp                 609    609    192   21    1 : tunables    0    0    0 : slabdata     29     29      0\n"
	"dentry             49017  49119    192   21    1 : tunables    0    0    0 : slabdata   2339   2339      0\n";

static const struct sc_cost_proc_input proc_inputs[] = {
	{ .pid = 100, .has_mem = true,
	  .mem = { .rss = 50000000, .pss = 35000000, .private_bytes = 30000000 },
	  .has_marginal = true,
	  .marginal = { .why = SC_MARGINAL_OK, .bytes = 20000, .spread = 1000, .samples = 12 },
	  .has_memory_limit = true, .memory_max_bytes = 100000000,
	  .memory_current_bytes = 40000000, .has_app_limit = true, .app_limit = 5 },
	{ .pid = 200, .has_mem = true,
	  .mem = { .rss = 9000000, .pss = 5000000, .private_bytes = 4000000 } },
};

static const __u32 whatif[] = { 0, 60, 180, 300, 900 };

#define FIXED4 (2368 + 832 + 192 + 192)
#define FIXED6 (2496 + 832 + 192 + 192)
#define EPI 128

struct fixture {
	struct sc_slab_sizes slab;
	struct sc_inode_set epoll;
	struct sc_view view;
	struct sc_cost_report r;
};

static void build_with(struct fixture *f, __u32 pid, const struct sc_cost_proc_input *procs)
{
	struct sc_idle_policy policy = { .idle_after_ms = 180000 };
	struct sc_filter filter = { .pid = pid, .port = -1 };
	struct sc_cost_inputs in = { .slab = &f->slab, .epoll = &f->epoll, .procs = procs,
				     .nprocs = 2, .whatif_s = whatif, .nwhatif = 5 };

	memset(f, 0, sizeof(*f));
	assert_true(sc_slab_sizes_from_slabinfo(&f->slab, slabinfo) > 0);
	assert_int_equal(sc_epoll_fdinfo_targets(
				 "pos:\t0\nflags:\t02000002\nmnt_id:\t17\nino:\t1038\n"
				 "tfd:        5 events:       19 data:                5  pos:0 ino:3e9 sdev:9\n"
				 "tfd:        6 events:       19 data:                6  pos:0 ino:3ea sdev:9\n",
				 &f->epoll), 2);
	sc_inode_set_seal(&f->epoll);
	assert_int_equal(sc_view_build(&f->view, &snap, &policy, &filter), 0);
	assert_int_equal(sc_cost_build(&f->r, &f->view, &in), 0);
}

static void build(struct fixture *f, __u32 pid)
{
	build_with(f, pid, proc_inputs);
}

static void teardown(struct fixture *f)
{
	sc_cost_free(&f->r);
	sc_view_free(&f->view);
	sc_inode_set_free(&f->epoll);
}

static const struct sc_cost_proc *proc(const struct sc_cost_report *r, __u32 pid)
{
	size_t i;

	for (i = 0; i < r->nprocs; i++)
		if (r->procs[i].process->pid == pid)
			return &r->procs[i];
	fail_msg("pid %u not in the report", pid);
	return NULL;
}

static void test_host_kernel_bytes(void **state)
{
	struct fixture f;

	(void)state;
	build(&f, 0);
	/* Each connection once; not the listener, not time-wait. */
	assert_int_equal(f.r.connections, 4);
	assert_int_equal(f.r.epoll_watched, 2);
	assert_int_equal(f.r.kernel_fixed_bytes,
			 (FIXED4 + EPI) + (FIXED6 + EPI) + FIXED4 + 2368 /* no file yet */);
	assert_int_equal(f.r.kernel_buffer_bytes, 600 + 1000);
	assert_near(sc_cost_fixed_per_connection(&f.r), f.r.kernel_fixed_bytes / 4.0,
			    1e-9);
	assert_near(sc_cost_buffers_per_connection(&f.r), 400, 1e-9);
	assert_near(sc_cost_kernel_per_connection(&f.r),
			    (f.r.kernel_fixed_bytes + 1600) / 4.0, 1e-9);
	teardown(&f);
}

static void test_processes(void **state)
{
	const struct sc_cost_proc *server, *worker;
	struct fixture f;
	double cost;

	(void)state;
	build(&f, 0);
	assert_int_equal(f.r.nprocs, 2);
	server = proc(&f.r, 100);
	worker = proc(&f.r, 200);
	/* The dup'd fd is one connection; the forked holder is charged too. */
	assert_int_equal(server->connections, 3);
	assert_int_equal(server->kernel_fixed_bytes, (FIXED4 + EPI) + (FIXED6 + EPI) + FIXED4);
	assert_int_equal(server->kernel_buffer_bytes, 1600);
	assert_int_equal(worker->connections, 1);
	assert_int_equal(worker->kernel_fixed_bytes, FIXED4);
	assert_int_equal(worker->kernel_buffer_bytes, 1000);

	assert_near(server->private_per_connection, 10000000, 1e-6);
	assert_true(server->has_marginal);
	assert_int_equal(server->marginal.samples, 12);
	assert_int_equal(server->basis, SC_BASIS_MARGINAL);
	assert_near(server->memory_per_connection, 20000, 1e-9);
	cost = (server->kernel_fixed_bytes + 1600) / 3.0 + 20000;
	assert_near(server->cost_per_connection, cost, 1e-6);
	assert_near(server->fd_headroom_pct, 100.0 * 974 / 1024, 1e-9);
	assert_true(server->limits[SC_LIMIT_FDS].known);
	assert_int_equal(server->limits[SC_LIMIT_FDS].max_connections, 3 + (1024 - 50));
	assert_true(server->has_memory_limit);
	assert_int_equal(server->limits[SC_LIMIT_MEMORY].max_connections,
			 3 + (__u64)(60000000 / cost));
	/* Its own cap of 5 binds long before 977 fds or memory. */
	assert_int_equal(server->limits[SC_LIMIT_APP].max_connections, 5);
	assert_int_equal(server->binding, SC_LIMIT_APP);

	assert_false(worker->has_marginal);
	assert_int_equal(worker->basis, SC_BASIS_AVERAGE);
	assert_near(worker->memory_per_connection, 4000000, 1e-6);
	assert_near(worker->cost_per_connection, FIXED4 + 1000 + 4000000.0, 1e-6);
	assert_true(worker->fd_unlimited);
	assert_false(worker->limits[SC_LIMIT_FDS].known);
	assert_false(worker->has_memory_limit);
	assert_int_equal(worker->binding, -1);

	/* Sums: PSS and private, never RSS; memory per connection weighted by connections. */
	assert_true(f.r.has_mem);
	assert_int_equal(f.r.pss_bytes, 35000000 + 5000000);
	assert_int_equal(f.r.private_bytes, 34000000);
	assert_near(sc_cost_private_average_per_connection(&f.r), 34000000 / 4.0, 1e-6);
	assert_int_equal(f.r.basis_connections[SC_BASIS_MARGINAL], 3);
	assert_int_equal(f.r.basis_connections[SC_BASIS_AVERAGE], 1);
	assert_string_equal(sc_cost_basis_summary(&f.r), "mixed");
	assert_near(f.r.memory_per_connection, (3 * 20000 + 4000000) / 4.0, 1e-6);
	teardown(&f);
}

static void test_whatif(void **state)
{
	const struct sc_cost_whatif *w;
	struct fixture f;

	(void)state;
	build(&f, 0);
	assert_int_equal(f.r.nwhatif, 5);
	w = f.r.whatif;
	/* 0 s: everything; S3's three fds; RSS of both of S3's processes. */
	assert_int_equal(w[0].connections, 4);
	assert_int_equal(w[0].fds, 1 + 1 + 3);
	assert_int_equal(w[0].kernel_bytes, f.r.kernel_fixed_bytes + f.r.kernel_buffer_bytes);
	assert_near(w[0].memory_bytes, 20000 * 3 + 4000000.0, 1e-6);
	/* 60 s: S1, S2, S5 */
	assert_int_equal(w[1].idle_after_s, 60);
	assert_int_equal(w[1].connections, 3);
	assert_int_equal(w[1].fds, 2);
	assert_int_equal(w[1].kernel_bytes, (FIXED4 + EPI + 600) + (FIXED6 + EPI) + 2368);
	assert_near(w[1].memory_bytes, 40000, 1e-6);
	/* 180 s and 300 s: S1, S5 */
	assert_int_equal(w[2].connections, 2);
	assert_int_equal(w[2].fds, 1);
	assert_int_equal(w[2].kernel_bytes, (FIXED4 + EPI + 600) + 2368);
	assert_int_equal(w[3].connections, 2);
	/* 900 s: S5 alone, which no process holds */
	assert_int_equal(w[4].connections, 1);
	assert_int_equal(w[4].fds, 0);
	assert_int_equal(w[4].kernel_bytes, 2368);
	assert_near(w[4].memory_bytes, 0, 1e-9);
	teardown(&f);
}

/* --pid keeps one process's fds only; the shared socket counts for it alone. */
static void test_pid_filter(void **state)
{
	struct fixture f;

	(void)state;
	build(&f, 100);
	assert_int_equal(f.r.connections, 3);
	assert_int_equal(f.r.nprocs, 1);
	assert_int_equal(f.r.whatif[0].fds, 1 + 1 + 2);
	assert_near(f.r.whatif[0].memory_bytes, 60000, 1e-6);
	assert_int_equal(f.r.whatif[4].connections, 0);
	teardown(&f);
}

static void test_no_limit_no_connections(void **state)
{
	struct sc_snapshot empty = { .taken_ns = T_NS };
	struct sc_idle_policy policy = { .idle_after_ms = 1000 };
	struct sc_filter filter = { .port = -1 };
	struct sc_slab_sizes slab = {};
	struct sc_cost_inputs in = { .slab = &slab, .whatif_s = whatif, .nwhatif = 5 };
	struct sc_view v;
	struct sc_cost_report r;

	(void)state;
	assert_int_equal(sc_view_build(&v, &empty, &policy, &filter), 0);
	assert_int_equal(sc_cost_build(&r, &v, &in), 0);
	assert_int_equal(r.connections, 0);
	assert_false(r.has_mem);
	assert_null(sc_cost_basis_summary(&r));
	assert_near(sc_cost_kernel_per_connection(&r), 0, 0);
	assert_near(r.memory_per_connection, 0, 0);
	assert_int_equal(r.whatif[1].connections, 0);
	sc_cost_free(&r);
	sc_view_free(&v);
}

/*
 * A pre-fork database: the postmaster (pid 10) listens on 5432; four
 * backends (11-14) hold one connection each, private memory 1-4 MB. A fifth
 * process with one connection to another port is not part of it.
 */
static struct sc_socket pg_sockets[] = {
	SOCK(AF_INET, 10, 2000, 0, 0, 1, .lport = 5432),
	SOCK(AF_INET, 1, 2001, 500000, 1, 1, .lport = 5432),
	SOCK(AF_INET, 1, 2002, 500000, 2, 1, .lport = 5432),
	SOCK(AF_INET, 1, 2003, 500000, 3, 1, .lport = 5432),
	SOCK(AF_INET, 1, 2004, 1000, 4, 1, .lport = 5432),
	SOCK(AF_INET, 10, 2005, 0, 5, 1, .lport = 6379, .drops = 7),
	SOCK(AF_INET, 1, 2006, 1000, 6, 1, .lport = 6379),
};

static struct sc_holder pg_holders[] = {
	{ .pid = 10, .fd = 3, .socket = 0 }, { .pid = 11, .fd = 9, .socket = 1 },
	{ .pid = 12, .fd = 9, .socket = 2 }, { .pid = 13, .fd = 9, .socket = 3 },
	{ .pid = 14, .fd = 9, .socket = 4 }, { .pid = 20, .fd = 6, .socket = 5 },
	{ .pid = 20, .fd = 7, .socket = 6 },
};

static struct sc_process pg_processes[] = {
	{ .pid = 10, .comm = "postgres", .fds = 10, .fd_limit = 1024 },
	{ .pid = 11, .comm = "postgres", .fds = 10, .fd_limit = 1024 },
	{ .pid = 12, .comm = "postgres", .fds = 10, .fd_limit = 1024 },
	{ .pid = 13, .comm = "postgres", .fds = 10, .fd_limit = 1024 },
	{ .pid = 14, .comm = "postgres", .fds = 10, .fd_limit = 1024 },
	{ .pid = 20, .comm = "redis-server", .fds = 10, .fd_limit = 1024 },
};

#define MB 1000000ull
#define PG_IN(p, priv) { .pid = (p), .has_mem = true, .has_app_limit = true, .app_limit = 6, \
			 .mem = { .rss = 140 * MB, .pss = (priv) + 10 * MB, .private_bytes = (priv) } }

static const struct sc_cost_proc_input pg_inputs[] = {
	PG_IN(10, 5 * MB), PG_IN(11, 1 * MB), PG_IN(12, 2 * MB), PG_IN(13, 3 * MB),
	PG_IN(14, 4 * MB),
	{ .pid = 20, .has_mem = true, .mem = { .rss = 9 * MB, .pss = 8 * MB, .private_bytes = 7 * MB } },
};

static void test_one_connection_per_process(void **state)
{
	struct sc_snapshot pg = {
		.sockets = pg_sockets, .nsockets = ARRAY_SIZE(pg_sockets),
		.holders = pg_holders, .nholders = ARRAY_SIZE(pg_holders),
		.processes = pg_processes, .nprocesses = ARRAY_SIZE(pg_processes), .taken_ns = T_NS,
	};
	struct sc_idle_policy policy = { .idle_after_ms = 180000 };
	struct sc_filter filter = { .port = -1 };
	struct sc_slab_sizes slab = {};
	struct sc_cost_inputs in = { .slab = &slab, .procs = pg_inputs, .nprocs = ARRAY_SIZE(pg_inputs),
				     .whatif_s = whatif, .nwhatif = 5 };
	const struct sc_cost_proc *b;
	struct sc_view v;
	struct sc_cost_report r;
	__u32 pid;

	(void)state;
	assert_int_equal(sc_view_build(&v, &pg, &policy, &filter), 0);
	assert_int_equal(sc_cost_build(&r, &v, &in), 0);
	for (pid = 11; pid <= 14; pid++) {
		b = proc(&r, pid);
		assert_int_equal(b->basis, SC_BASIS_PER_PROCESS);
		assert_int_equal(b->service_port, 5432);
		/* The mean private memory of a backend: (1 + 2 + 3 + 4) / 4 MB. */
		assert_near(b->memory_per_connection, 2.5 * MB, 1e-6);
		/* max_connections 6 for the service, 4 held: each backend's room is 2 more. */
		assert_int_equal(b->limits[SC_LIMIT_APP].max_connections, 1 + 2);
		assert_int_equal(b->binding, SC_LIMIT_APP);
	}
	/* The listener alone holds no connection: not a backend. */
	assert_int_equal(proc(&r, 20)->basis, SC_BASIS_AVERAGE);
	assert_int_equal(r.basis_connections[SC_BASIS_PER_PROCESS], 4);
	/* What-if at 60 s: the three backends idle 500 s, at 2.5 MB each; not redis's. */
	assert_int_equal(r.whatif[1].connections, 3);
	assert_near(r.whatif[1].memory_bytes, 3 * 2.5 * MB, 1e-6);
	/* PSS sums each process once, whatever its RSS counts. */
	assert_int_equal(r.pss_bytes, (1 + 2 + 3 + 4) * MB + 4 * 10 * MB + 8 * MB);
	/* Listeners by port, drops as the kernel counted them. */
	assert_int_equal(r.nlisteners, 2);
	assert_int_equal(r.listeners[0].port, 5432);
	assert_int_equal(r.listeners[1].port, 6379);
	assert_int_equal(r.listeners[1].drops, 7);
	sc_cost_free(&r);
	sc_view_free(&v);
}

/* A declared limit below what is held is reported as it is: no room, never refused. */
static void test_app_limit_below_held(void **state)
{
	static const struct sc_cost_proc_input tight[] = {
		{ .pid = 100, .has_app_limit = true, .app_limit = 1 },
	};
	struct sc_idle_policy policy = { .idle_after_ms = 180000 };
	struct sc_filter filter = { .pid = 100, .port = -1 };
	struct sc_slab_sizes slab = {};
	struct sc_cost_inputs in = { .slab = &slab, .procs = tight, .nprocs = 1,
				     .whatif_s = whatif, .nwhatif = 5 };
	struct sc_view v;
	struct sc_cost_report r;

	(void)state;
	assert_int_equal(sc_view_build(&v, &snap, &policy, &filter), 0);
	assert_int_equal(sc_cost_build(&r, &v, &in), 0);
	assert_int_equal(r.procs[0].connections, 3);
	assert_int_equal(r.procs[0].limits[SC_LIMIT_APP].max_connections, 3);
	assert_int_equal(r.procs[0].binding, SC_LIMIT_APP);
	/* No memory read: no basis, no figure, and nothing pretends otherwise. */
	assert_int_equal(r.procs[0].basis, SC_BASIS_NONE);
	sc_cost_free(&r);
	sc_view_free(&v);
}

static void test_host_limits(void **state)
{
	struct sc_cost_host_input host = { .has_file_max = true, .file_max = 1000, .files_open = 900,
					   .has_tcp_mem = true, .tcp_mem_pressure_bytes = 4096,
					   .tcp_mem_bytes = 8192 };
	struct sc_snapshot empty = { .taken_ns = T_NS };
	struct sc_idle_policy policy = { .idle_after_ms = 1000 };
	struct sc_filter filter = { .port = -1 };
	struct sc_slab_sizes slab = {};
	struct sc_cost_inputs in = { .slab = &slab, .host = &host, .whatif_s = whatif, .nwhatif = 1 };
	struct sc_view v;
	struct sc_cost_report r;

	(void)state;
	assert_int_equal(sc_view_build(&v, &empty, &policy, &filter), 0);
	assert_int_equal(sc_cost_build(&r, &v, &in), 0);
	assert_true(r.has_fd_headroom);
	assert_int_equal(r.host_fd_headroom, 100);
	/* Over the pressure threshold already: negative headroom, said as it is. */
	assert_true(r.has_tcp_mem_headroom);
	assert_int_equal(r.tcp_mem_headroom_bytes, -4096);
	sc_cost_free(&r);
	sc_view_free(&v);
}

static void test_monthly(void **state)
{
	(void)state;
	assert_near(sc_cost_monthly(1024.0 * 1024 * 1024, 3.5), 3.5, 1e-12);
	assert_near(sc_cost_monthly(512.0 * 1024 * 1024, 4), 2, 1e-12);
}

static void test_epoll_fdinfo(void **state)
{
	struct sc_inode_set s = {};

	(void)state;
	/* Not an epoll fd: no tfd lines. */
	assert_int_equal(sc_epoll_fdinfo_targets("pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t1057\n",
						 &s), 0);
	assert_int_equal(sc_epoll_fdinfo_targets(
				 "tfd:        9 events:       1f data:                9  pos:0 ino:b5e548 sdev:9\n"
				 "tfd:        4 events:       1f data:                4  pos:0 ino:b5e548 sdev:9\n"
				 "tfd:        3 events:       19 data:  7f00000003  pos:0 ino:10 sdev:9\n"
				 "tfd:       12 events:       19 data:               12\n",
				 &s), 3);
	sc_inode_set_seal(&s);
	assert_int_equal(s.n, 2);
	assert_true(sc_inode_set_has(&s, 0xb5e548));
	assert_true(sc_inode_set_has(&s, 0x10));
	assert_false(sc_inode_set_has(&s, 12));
	sc_inode_set_free(&s);
	assert_false(sc_inode_set_has(&s, 0x10));
}

/* The text report's note on the average basis: the marginal's real reason, never a stock hint. */
static char *average_note(enum sc_marginal_why why, __u64 range, size_t samples)
{
	struct sc_cost_proc_input in[2];
	struct sc_cost_doc doc;
	struct fixture f;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	memcpy(in, proc_inputs, sizeof(in));
	in[1].marginal = (struct sc_marginal_est){ .why = why, .range = range, .samples = samples };
	build_with(&f, 0, in);
	doc = (struct sc_cost_doc){ .report = &f.r, .slab = &f.slab, .port = -1, .observed_s = 5 };
	out = open_memstream(&text, &len);
	assert_non_null(out);
	render_cost(&doc, out);
	fclose(out);
	teardown(&f);
	return text;
}

static void test_text_says_why_marginal_not_measured(void **state)
{
	char *text;

	(void)state;
	text = average_note(SC_MARGINAL_NARROW, 3, 5);
	assert_non_null(strstr(text, "(average: private memory / connections, an upper bound; "
				     "marginal not measured: connections varied by 3, need 10)"));
	assert_null(strstr(text, "measure the marginal"));
	free(text);
	text = average_note(SC_MARGINAL_FEW_SAMPLES, 0, 2);
	assert_non_null(strstr(text, "marginal not measured: 2 samples, need 3)"));
	free(text);
	text = average_note(SC_MARGINAL_NOT_WATCHED, 0, 0);
	assert_non_null(strstr(text, "marginal not measured: not watched over time: "
				     "--observe SECS, or run sockcostd)"));
	free(text);
}

/* The text report with the second process's FD ETA. */
static char *text_with_fd_eta(struct sc_fd_eta eta, double observed_s)
{
	struct sc_cost_proc_input in[2];
	struct sc_cost_doc doc;
	struct fixture f;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	memcpy(in, proc_inputs, sizeof(in));
	in[1].fd_eta = eta;
	build_with(&f, 0, in);
	doc = (struct sc_cost_doc){ .report = &f.r, .slab = &f.slab, .port = -1,
				    .observed_s = observed_s };
	out = open_memstream(&text, &len);
	assert_non_null(out);
	render_cost(&doc, out);
	fclose(out);
	teardown(&f);
	return text;
}

/* FD ETA: a column with the observed window said; without a watch, what it needs. */
static void test_text_fd_eta(void **state)
{
	char *text;

	(void)state;
	text = text_with_fd_eta((struct sc_fd_eta){ .why = SC_FD_ETA_OK, .eta_s = 725 }, 30);
	assert_non_null(strstr(text, " FD ETA "));
	assert_non_null(strstr(text, "    12m "));
	assert_non_null(strstr(text, "growth over the 30s observed"));
	assert_null(strstr(text, "needs --observe"));
	free(text);
	text = text_with_fd_eta((struct sc_fd_eta){ .why = SC_FD_ETA_NOT_WATCHED }, 0);
	assert_non_null(strstr(text, "(FD ETA needs --observe SECS, 10 or more"));
	assert_null(strstr(text, "    12m "));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_kernel_bytes),
		cmocka_unit_test(test_text_fd_eta),
		cmocka_unit_test(test_processes),
		cmocka_unit_test(test_whatif),
		cmocka_unit_test(test_pid_filter),
		cmocka_unit_test(test_no_limit_no_connections),
		cmocka_unit_test(test_one_connection_per_process),
		cmocka_unit_test(test_app_limit_below_held),
		cmocka_unit_test(test_host_limits),
		cmocka_unit_test(test_monthly),
		cmocka_unit_test(test_epoll_fdinfo),
		cmocka_unit_test(test_text_says_why_marginal_not_measured),
	};

	return cmocka_run_group_tests_name("cost", tests, NULL, NULL);
}

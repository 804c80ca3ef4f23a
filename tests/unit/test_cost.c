// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/cost.c and user/epoll_watch.c: kernel bytes per
 * connection from slab sizes and buffers, charged to the host once and to
 * each holding process; RSS average and marginal; fd and memory capacity;
 * idle-timeout what-if; epoll fdinfo parsing.
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
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "cost.h"
#include "epoll_watch.h"

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
	{ .pid = 100, .has_rss = true, .rss_bytes = 30000000, .has_marginal = true,
	  .marginal_bytes = 20000, .marginal_samples = 12, .has_memory_limit = true,
	  .memory_max_bytes = 100000000, .memory_current_bytes = 40000000 },
	{ .pid = 200, .has_rss = true, .rss_bytes = 4000000 },
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

static void build(struct fixture *f, __u32 pid)
{
	struct sc_idle_policy policy = { .idle_after_ms = 180000 };
	struct sc_filter filter = { .pid = pid, .port = -1 };
	struct sc_cost_inputs in = { .slab = &f->slab, .epoll = &f->epoll, .procs = proc_inputs,
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

	assert_near(server->rss_per_connection, 10000000, 1e-6);
	assert_true(server->has_marginal);
	assert_int_equal(server->marginal_samples, 12);
	cost = (server->kernel_fixed_bytes + 1600) / 3.0 + 20000;
	assert_near(server->cost_per_connection, cost, 1e-6);
	assert_int_equal(server->max_connections_by_fds, 3 + (1024 - 50));
	assert_near(server->fd_headroom_pct, 100.0 * 974 / 1024, 1e-9);
	assert_true(server->has_memory_limit);
	assert_int_equal(server->max_connections_by_memory, 3 + (__u64)(60000000 / cost));

	assert_false(worker->has_marginal);
	assert_near(worker->rss_per_connection, 4000000, 1e-6);
	assert_near(worker->cost_per_connection, FIXED4 + 1000 + 4000000.0, 1e-6);
	assert_true(worker->fd_unlimited);
	assert_false(worker->has_memory_limit);

	/* Host RSS: summed over processes; marginal where measured. */
	assert_true(f.r.has_rss);
	assert_near(sc_cost_rss_average_per_connection(&f.r), 34000000 / 4.0, 1e-6);
	assert_true(f.r.has_marginal);
	assert_near(sc_cost_rss_per_connection(&f.r), 20000, 1e-9);
	assert_int_equal(f.r.marginal_samples, 12);
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
	assert_near(w[0].rss_bytes, 20000 * 3 + 4000000.0, 1e-6);
	/* 60 s: S1, S2, S5 */
	assert_int_equal(w[1].idle_after_s, 60);
	assert_int_equal(w[1].connections, 3);
	assert_int_equal(w[1].fds, 2);
	assert_int_equal(w[1].kernel_bytes, (FIXED4 + EPI + 600) + (FIXED6 + EPI) + 2368);
	assert_near(w[1].rss_bytes, 40000, 1e-6);
	/* 180 s and 300 s: S1, S5 */
	assert_int_equal(w[2].connections, 2);
	assert_int_equal(w[2].fds, 1);
	assert_int_equal(w[2].kernel_bytes, (FIXED4 + EPI + 600) + 2368);
	assert_int_equal(w[3].connections, 2);
	/* 900 s: S5 alone, which no process holds */
	assert_int_equal(w[4].connections, 1);
	assert_int_equal(w[4].fds, 0);
	assert_int_equal(w[4].kernel_bytes, 2368);
	assert_near(w[4].rss_bytes, 0, 1e-9);
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
	assert_near(f.r.whatif[0].rss_bytes, 60000, 1e-6);
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
	assert_false(r.has_rss);
	assert_near(sc_cost_kernel_per_connection(&r), 0, 0);
	assert_near(sc_cost_rss_per_connection(&r), 0, 0);
	assert_int_equal(r.whatif[1].connections, 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_kernel_bytes),
		cmocka_unit_test(test_processes),
		cmocka_unit_test(test_whatif),
		cmocka_unit_test(test_pid_filter),
		cmocka_unit_test(test_no_limit_no_connections),
		cmocka_unit_test(test_monthly),
		cmocka_unit_test(test_epoll_fdinfo),
	};

	return cmocka_run_group_tests_name("cost", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/summary_build.c: the aggregate walk's records folded
 * into per-process, per-port and host sums (each socket once for the host,
 * once per process), and the per-connection idle list the events use.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common.h"
#include "summary_build.h"

#define HZ 250
#define NOW_JIFFIES 1000000ull
#define NOW_NS 4000000000000ull    /* 4000 s */
#define SEC_J(s) ((s) * HZ)

static struct sc_conn_record recs[64];
static size_t nrecs;

static void header(void)
{
	nrecs = 0;
	recs[nrecs++] = (struct sc_conn_record){ .kind = SC_CONN_HEADER,
						 .established_ns = NOW_NS,
						 .last_active_jiffies = NOW_JIFFIES };
}

/* An established socket last active `idle_s` ago (observed by the hook). */
static void conn(__u32 tgid, __u64 cookie, __u16 lport, __u32 idle_s, __u32 mem)
{
	recs[nrecs++] = (struct sc_conn_record){
		.kind = SC_CONN_TCP, .tgid = tgid, .netns = 1, .state = TCP_ESTABLISHED,
		.flags = SC_CONN_HAS_STATE | SC_CONN_SAW_CALLS | SC_CONN_HAS_TIMES,
		.lport = lport, .rport = 40000, .cookie = cookie, .mem = mem,
		.kernel_last = (__u32)(NOW_JIFFIES - SEC_J(idle_s)),
		.last_active_jiffies = NOW_JIFFIES - SEC_J(idle_s),
	};
}

static void listen_on(__u32 tgid, __u64 cookie, __u16 port, __u32 queue, __u32 max)
{
	recs[nrecs++] = (struct sc_conn_record){
		.kind = SC_CONN_TCP, .tgid = tgid, .netns = 1, .state = TCP_LISTEN,
		.lport = port, .cookie = cookie, .mem = queue, .kernel_last = max,
	};
}

static const struct sc_task_record tasks[] = {
	{ .tgid = 100, .nofile_cur = 1024, .open_fds = 4, .comm = "server" },
	{ .tgid = 200, .nofile_cur = 4096, .open_fds = 7, .comm = "client" },
	{ .tgid = 300, .nofile_cur = 1024, .open_fds = SC_FDS_UNKNOWN, .comm = "worker" },
};

static const struct sc_summary_inputs inputs = {
	.policy = { .idle_after_ms = 60000 },
	.hook = SC_HOOK_TRACEPOINT,
	.attached_ns = 1000000000ull,
	.kernel_hz = HZ,
};

static const struct sc_summary_proc *proc(const struct sc_summary *s, __u32 pid)
{
	size_t i;

	for (i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

static void test_sums_per_process_port_and_host(void **state)
{
	struct sc_summary s;
	const struct sc_summary_proc *srv, *cli;

	(void)state;
	header();
	listen_on(100, 1, 8080, 2, 128);
	conn(100, 10, 8080, 5, 100);     /* active */
	conn(100, 11, 8080, 120, 0);     /* idle */
	conn(200, 20, 50000, 5, 300);    /* the peers, client side */
	conn(200, 21, 50001, 120, 0);
	/* 300 holds no TCP sockets: not listed */
	assert_int_equal(sc_summary_build(&s, recs, nrecs, tasks, 3, &inputs), 0);

	assert_int_equal(s.connections, 4);
	assert_int_equal(s.idle_connections, 2);
	assert_int_equal(s.socket_memory_bytes, 400);
	assert_int_equal(s.idle_hist.total, 4);
	assert_int_equal(s.idle_hist.count[1], 2);          /* 5 s: (1, 5] */
	assert_int_equal(s.idle_hist.count[5], 2);          /* 120 s: (60, 120] */
	assert_int_equal(s.idle_hist.sum_ms, 250000);
	assert_int_equal(s.nprocs, 2);
	srv = proc(&s, 100);
	cli = proc(&s, 200);
	assert_non_null(srv);
	assert_non_null(cli);
	assert_string_equal(srv->comm, "server");
	assert_int_equal(srv->fds, 4);
	assert_int_equal(srv->tcp_sockets, 3);
	assert_int_equal(srv->connections, 2);
	assert_int_equal(srv->idle_connections, 1);
	assert_int_equal(srv->fd_limit, 1024);
	assert_int_equal(srv->socket_memory_bytes, 100);
	assert_int_equal(cli->fds, 7);
	assert_int_equal(cli->fd_limit, 4096);
	assert_int_equal(s.nports, 1);
	assert_int_equal(s.ports[0].port, 8080);
	assert_int_equal(s.ports[0].connections, 2);
	assert_int_equal(s.ports[0].idle_connections, 1);
	assert_int_equal(s.ports[0].accept_queue, 2);
	assert_int_equal(s.ports[0].accept_queue_max, 128);
	/* The client side: nobody listens on 50000 or 50001; both to remote port 40000. */
	assert_int_equal(s.noutbound, 1);
	assert_int_equal(s.outbound[0].port, 40000);
	assert_int_equal(s.outbound[0].connections, 2);
	assert_int_equal(s.outbound[0].idle_connections, 1);
	assert_int_equal(s.outbound[0].processes, 1);
	assert_int_equal(s.outbound[0].socket_memory_bytes, 300);
	sc_summary_free(&s);
}

/* Pools to two remote ports, one socket shared by a forked child, one on two fds. */
static void test_outbound_by_remote_port(void **state)
{
	struct sc_summary s;

	(void)state;
	header();
	listen_on(100, 1, 8080, 0, 128);
	conn(100, 10, 8080, 5, 0);                /* a server's: not outbound */
	conn(200, 20, 41000, 5, 10);
	recs[nrecs - 1].rport = 5432;
	conn(200, 21, 41001, 120, 20);
	recs[nrecs - 1].rport = 5432;
	conn(300, 21, 41001, 120, 20);            /* the child shares it */
	recs[nrecs - 1].rport = 5432;
	conn(200, 22, 41002, 120, 40);
	recs[nrecs - 1].rport = 6379;
	conn(200, 22, 41002, 120, 40);            /* a dup'ed fd */
	recs[nrecs - 1].rport = 6379;
	assert_int_equal(sc_summary_build(&s, recs, nrecs, tasks, 3, &inputs), 0);
	assert_int_equal(s.noutbound, 2);
	assert_int_equal(s.outbound[0].port, 5432);
	assert_int_equal(s.outbound[0].connections, 2);
	assert_int_equal(s.outbound[0].idle_connections, 1);
	assert_int_equal(s.outbound[0].processes, 2);
	assert_int_equal(s.outbound[0].socket_memory_bytes, 30);
	assert_int_equal(s.outbound[1].port, 6379);
	assert_int_equal(s.outbound[1].connections, 1);
	assert_int_equal(s.outbound[1].idle_connections, 1);
	assert_int_equal(s.outbound[1].processes, 1);
	assert_int_equal(s.connections, 4);
	sc_summary_free(&s);
}

static void test_shared_socket_counts_once_per_process_and_host(void **state)
{
	struct sc_summary s;

	(void)state;
	header();
	listen_on(100, 1, 8080, 0, 128);
	conn(100, 10, 8080, 120, 50);
	conn(100, 10, 8080, 120, 50);    /* dup'ed fd: same socket */
	listen_on(300, 1, 8080, 0, 128); /* forked worker shares both */
	conn(300, 10, 8080, 120, 50);
	assert_int_equal(sc_summary_build(&s, recs, nrecs, tasks, 3, &inputs), 0);
	assert_int_equal(s.connections, 1);
	assert_int_equal(s.idle_connections, 1);
	assert_int_equal(s.socket_memory_bytes, 50);
	assert_int_equal(proc(&s, 100)->connections, 1);
	assert_int_equal(proc(&s, 100)->fds, 4);
	assert_int_equal(proc(&s, 300)->connections, 1);
	assert_int_equal(proc(&s, 300)->fds, 0); /* its table was not found */
	assert_int_equal(s.ports[0].listeners, 1);
	assert_int_equal(s.ports[0].connections, 1);
	sc_summary_free(&s);
}

static void test_thread_with_own_table_is_not_counted_twice(void **state)
{
	struct sc_summary s;

	(void)state;
	header();
	conn(100, 10, 8080, 1, 0);
	recs[nrecs] = recs[nrecs - 1];   /* a thread reaching the same files */
	nrecs++;
	assert_int_equal(sc_summary_build(&s, recs, nrecs, tasks, 3, &inputs), 0);
	assert_int_equal(proc(&s, 100)->fds, 4);
	assert_int_equal(proc(&s, 100)->connections, 1);
	sc_summary_free(&s);
}

static void test_socket_in_a_threads_own_table_counts(void **state)
{
	struct sc_summary s;

	(void)state;
	header();
	conn(100, 10, 8080, 1, 0);
	assert_int_equal(sc_summary_build(&s, recs, nrecs, tasks, 3, &inputs), 0);
	assert_int_equal(s.connections, 1);
	assert_int_equal(proc(&s, 100)->connections, 1);
	assert_int_equal(proc(&s, 100)->fds, 4);   /* fds come from the task record */
	sc_summary_free(&s);
}

static void test_removed_and_unowned_records_are_skipped(void **state)
{
	struct sc_summary s;

	(void)state;
	header();
	conn(100, 10, 8080, 1, 0);
	conn(100, 11, 8080, 1, 0);
	recs[nrecs - 1].kind = 0;        /* closed since the walk */
	conn(0, 12, 8080, 1, 0);         /* accepted, owner not known yet */
	assert_int_equal(sc_summary_build(&s, recs, nrecs, tasks, 3, &inputs), 0);
	assert_int_equal(s.connections, 1);
	assert_int_equal(s.nprocs, 1);
	assert_int_equal(proc(&s, 100)->connections, 1);
	sc_summary_free(&s);
}

static void test_traffic_during_the_walk_is_not_ancient(void **state)
{
	struct sc_summary s;

	(void)state;
	header();
	conn(100, 10, 8080, 0, 0);
	/* No observed stamp, kernel stamp 3 jiffies after the header was taken. */
	recs[nrecs - 1].flags = SC_CONN_HAS_TIMES;
	recs[nrecs - 1].kernel_last = (__u32)(NOW_JIFFIES + 3);
	assert_int_equal(sc_summary_build(&s, recs, nrecs, tasks, 3, &inputs), 0);
	assert_int_equal(s.idle_connections, 0);
	assert_int_equal(s.idle_hist.sum_ms, 0);
	sc_summary_free(&s);
}

static void test_state_change_during_the_walk(void **state)
{
	struct sc_summary s;

	(void)state;
	header();
	conn(100, 10, 8080, 120, 0);
	recs[nrecs - 1].state = 2;       /* SYN_SENT when the first holder was walked */
	conn(300, 10, 8080, 120, 0);     /* established when the second was */
	assert_int_equal(sc_summary_build(&s, recs, nrecs, tasks, 3, &inputs), 0);
	assert_int_equal(s.connections, 1);
	assert_int_equal(s.idle_connections, 1);
	assert_int_equal(proc(&s, 100)->connections, 0);
	assert_int_equal(proc(&s, 300)->connections, 1);
	assert_int_equal(proc(&s, 300)->idle_connections, 1);
	sc_summary_free(&s);
}

static void test_many_processes_grow_the_table(void **state)
{
	static struct sc_conn_record many[1 + 3000];
	struct sc_summary s;
	size_t i;

	(void)state;
	many[0] = (struct sc_conn_record){ .kind = SC_CONN_HEADER, .established_ns = NOW_NS,
					   .last_active_jiffies = NOW_JIFFIES };
	for (i = 1; i <= 3000; i++)
		many[i] = (struct sc_conn_record){ .kind = SC_CONN_TCP, .tgid = (__u32)i,
						   .netns = 1, .state = TCP_CLOSE_WAIT,
						   .cookie = i };
	assert_int_equal(sc_summary_build(&s, many, 3001, tasks, 0, &inputs), 0);
	assert_int_equal(s.nprocs, 3000);
	assert_int_equal(s.connections, 0);
	assert_int_equal(s.procs[0].tcp_sockets, 1);
	sc_summary_free(&s);
}

static void test_missing_header_is_rejected(void **state)
{
	struct sc_summary s;
	struct sc_conn_idle *list;
	size_t n;

	(void)state;
	nrecs = 0;
	conn(100, 10, 8080, 1, 0);
	assert_int_equal(sc_summary_build(&s, recs, nrecs, tasks, 3, &inputs), -EPROTO);
	assert_int_equal(sc_conn_idle_list(recs, nrecs, &inputs, &list, &n), -EPROTO);
	assert_int_equal(sc_summary_build(&s, recs, 0, tasks, 3, &inputs), -EPROTO);
}

static void test_idle_list_once_per_connection_by_cookie(void **state)
{
	struct sc_conn_idle *list;
	size_t n;

	(void)state;
	header();
	conn(200, 30, 50000, 120, 0);
	listen_on(100, 1, 8080, 0, 128);
	conn(100, 20, 8080, 5, 0);
	conn(300, 30, 50000, 120, 0);   /* shared with 200, which is named */
	assert_int_equal(sc_conn_idle_list(recs, nrecs, &inputs, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].cookie, 20);
	assert_false(list[0].idle);
	assert_int_equal(list[0].idle_ms, 5000);
	assert_int_equal(list[1].cookie, 30);
	assert_int_equal(list[1].pid, 200);
	assert_true(list[1].idle);
	assert_int_equal(list[1].lport, 50000);
	assert_int_equal(list[1].rport, 40000);
	free(list);
}

/*
 * 8080 listened on in namespaces 1 and 2 (a row each); 9090 in 1 only, so a
 * connection with local port 9090 in namespace 2 is a client's.
 */
static void test_ports_per_namespace(void **state)
{
	struct sc_summary s;
	size_t i, rows8080 = 0;

	(void)state;
	header();
	listen_on(100, 1, 8080, 0, 128);
	listen_on(100, 2, 9090, 0, 128);
	conn(100, 3, 8080, 1, 0);
	listen_on(200, 4, 8080, 2, 64);
	recs[nrecs - 1].netns = 2;
	conn(200, 5, 8080, 1, 0);
	conn(200, 6, 8080, 1, 0);
	conn(200, 7, 9090, 1, 0);
	for (i = nrecs - 3; i < nrecs; i++)
		recs[i].netns = 2;
	assert_int_equal(sc_summary_build(&s, recs, nrecs, tasks, 3, &inputs), 0);
	assert_int_equal(s.nports, 3);
	for (i = 0; i < s.nports; i++) {
		const struct sc_summary_port *p = &s.ports[i];

		if (p->port == 8080) {
			rows8080++;
			assert_int_equal(p->connections, p->netns == 1 ? 1 : 2);
			assert_int_equal(p->accept_queue, p->netns == 1 ? 0 : 2);
		} else {
			assert_int_equal(p->netns, 1);
			assert_int_equal(p->connections, 0);
		}
	}
	assert_int_equal(rows8080, 2);
	/* Busiest first: namespace 2's 8080. */
	assert_int_equal(s.ports[0].netns, 2);
	assert_int_equal(s.noutbound, 1);
	assert_int_equal(s.outbound[0].connections, 1);
	assert_int_equal(proc(&s, 200)->server_port, 0);
	assert_int_equal(proc(&s, 100)->server_port, 8080);
	assert_int_equal(s.nnetns, 2);
	assert_int_equal(s.netns[0], 1);
	assert_int_equal(s.netns[1], 2);
	sc_summary_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sums_per_process_port_and_host),
		cmocka_unit_test(test_ports_per_namespace),
		cmocka_unit_test(test_outbound_by_remote_port),
		cmocka_unit_test(test_shared_socket_counts_once_per_process_and_host),
		cmocka_unit_test(test_thread_with_own_table_is_not_counted_twice),
		cmocka_unit_test(test_socket_in_a_threads_own_table_counts),
		cmocka_unit_test(test_removed_and_unowned_records_are_skipped),
		cmocka_unit_test(test_traffic_during_the_walk_is_not_ancient),
		cmocka_unit_test(test_state_change_during_the_walk),
		cmocka_unit_test(test_many_processes_grow_the_table),
		cmocka_unit_test(test_missing_header_is_rejected),
		cmocka_unit_test(test_idle_list_once_per_connection_by_cookie),
	};

	return cmocka_run_group_tests_name("summary_build", tests, NULL, NULL);
}

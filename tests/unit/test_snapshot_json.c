// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/snapshot_json.c: the document's shape, and that every
 * socket row comes out whole and in row order, also at scale.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common.h"
#include "snapshot_build.h"
#include "snapshot_json.h"
#include "socket_fields.h"
#include "view.h"


struct doc {
	struct sc_snapshot snap;
	struct sc_view view;
	char *text;
	size_t len;
};

/* n established sockets, each held by one of a few processes; JSON keys per socket as fields. */
static struct doc *make_doc_fields(size_t n, __u64 fields)
{
	struct sc_task_record tasks[3] = {
		{ .tgid = 10, .nofile_cur = 1024, .comm = "a" },
		{ .tgid = 20, .nofile_cur = 1024, .comm = "b\"q" },
		{ .tgid = 30, .nofile_cur = 1024, .comm = "c" },
	};
	struct sc_idle_policy policy = { .idle_after_ms = 1000 };
	struct sc_filter filter = { .port = -1 };
	struct doc *d = calloc(1, sizeof(*d));
	struct sc_raw raw = { .ntcp = n, .nfiles = n, .ntasks = 3, .tasks = tasks };
	FILE *f;
	size_t i;

	assert_non_null(d);
	raw.tcp = calloc(n, sizeof(*raw.tcp));
	raw.files = calloc(n, sizeof(*raw.files));
	assert_non_null(raw.tcp);
	assert_non_null(raw.files);
	for (i = 0; i < n; i++) {
		raw.tcp[i] = (struct sc_tcp_record){
			.cookie = 1000 + i, .family = AF_INET, .state = TCP_ESTABLISHED,
			.lport = 8080, .rport = (__u16)(i % 60000 + 1),
		};
		raw.files[i] = (struct sc_file_record){
			.tgid = 10 * (__u32)(i % 3 + 1), .fd = (__u32)(i + 3), .cookie = 1000 + i,
		};
	}
	assert_int_equal(sc_snapshot_build(&d->snap, &raw, 0), 0);
	assert_int_equal(sc_view_build(&d->view, &d->snap, &policy, &filter), 0);
	d->view.socket_fields = fields;
	f = open_memstream(&d->text, &d->len);
	assert_non_null(f);
	sc_view_write_json(&d->view, f);
	fclose(f);
	free(raw.tcp);
	free(raw.files);
	return d;
}

static struct doc *make_doc(size_t n)
{
	return make_doc_fields(n, 0);
}

static void free_doc(struct doc *d)
{
	sc_view_free(&d->view);
	free(d->snap.sockets);
	free(d->snap.holders);
	free(d->snap.processes);
	free(d->text);
	free(d);
}

/*
 * Looks for needle within the next 4 KiB after p (one socket object is far
 * smaller). Bounded on purpose: strstr over the whole document per row is
 * quadratic under ASan, which measures the haystack on every call.
 */
static const char *find_near(const char *p, const char *end, const char *needle)
{
	size_t left = (size_t)(end - p);

	return memmem(p, left < 4096 ? left : 4096, needle, strlen(needle));
}

/* Every row's cookie appears once, in row order, each object followed by , or ]. */
static void assert_rows_in_order(const struct doc *d)
{
	const char *end = d->text + d->len;
	const char *p = strstr(d->text, "\"sockets\":[");
	size_t i;

	assert_non_null(p);
	for (i = 0; i < d->view.nrows; i++) {
		char want[64];
		const char *obj_end;

		snprintf(want, sizeof(want), "\"cookie\":%llu,",
			 (unsigned long long)d->view.rows[i].socket->cookie);
		p = find_near(p, end, want);
		assert_non_null(p);
		/* No activity was recorded, no keepalive: each object ends so. */
		obj_end = find_near(p, end, "\"observed\":null,\"health\":\"ok\",\"health_age_s\":null,"
				    "\"stall_reason\":null,\"retransmits\":0,\"probes\":0,"
				    "\"peer_window_bytes\":0,\"keepalive\":false,"
				    "\"keepalive_idle_s\":null}");
		assert_non_null(obj_end);
		p = strchr(obj_end, '}') + 1;
		assert_true(*p == ',' || *p == ']');
	}
	assert_null(find_near(p, end, "\"cookie\":"));
	assert_string_equal(end - 3, "]}\n");
}

static void test_small_document(void **state)
{
	struct doc *d = make_doc(5);

	(void)state;
	assert_rows_in_order(d);
	assert_non_null(strstr(d->text, "\"comm\":\"b\\\"q\""));
	assert_non_null(strstr(d->text, "\"processes\":[{"));
	/* Nobody listens on 8080 here: five client-side connections, a remote port each,
	 * between the ports and the sockets. */
	assert_non_null(strstr(d->text, "\"ports\":[],\"outbound\":[{\"remote_port\":1,"
				  "\"connections\":1,\"idle_connections\":0,\"processes\":1,"
				  "\"remote_addresses\":1,\"socket_memory_bytes\":0},"));
	assert_non_null(strstr(d->text, "\"remote_port\":5,\"connections\":1,\"idle_connections\":0,"
				  "\"processes\":1,\"remote_addresses\":1,\"socket_memory_bytes\":0}],"
				  "\"sockets\":["));
	free_doc(d);
}

/* Larger than the writer's 64 KiB buffer many times over. */
static void test_large_document(void **state)
{
	struct doc *d = make_doc(20001);

	(void)state;
	assert_int_equal(d->view.nrows, 20001);
	assert_rows_in_order(d);
	free_doc(d);
}

/* --fields: only the keys asked for, in document order, whatever order they were asked in. */
static void test_fields_keep_only_those_keys(void **state)
{
	__u64 mask;
	char bad[32];
	struct doc *d;
	const char *p;

	(void)state;
	assert_int_equal(sc_socket_fields_parse("idle_s,pid,lport", &mask, bad, sizeof(bad)), 0);
	d = make_doc_fields(3, mask);
	p = strstr(d->text, "\"sockets\":[");
	assert_non_null(p);
	assert_string_equal(p, "\"sockets\":[{\"pid\":10,\"lport\":8080,\"idle_s\":0.000},"
			       "{\"pid\":20,\"lport\":8080,\"idle_s\":0.000},"
			       "{\"pid\":30,\"lport\":8080,\"idle_s\":0.000}]}\n");
	free_doc(d);
	/* Every key of the whole record has a name that parses back to it. */
	for (int f = 0; f < SC_NFIELDS; f++) {
		assert_int_equal(sc_socket_fields_parse(sc_socket_field_names[f], &mask, bad,
							sizeof(bad)), 0);
		assert_true(mask == 1ull << f);
	}
	assert_int_equal(sc_socket_fields_parse("pid,,lport", &mask, bad, sizeof(bad)), -EINVAL);
	assert_string_equal(bad, "");
	assert_int_equal(sc_socket_fields_parse("pid,PID", &mask, bad, sizeof(bad)), -EINVAL);
	assert_string_equal(bad, "PID");
	assert_int_equal(sc_socket_fields_parse("", &mask, bad, sizeof(bad)), -EINVAL);
}

/*
 * A socket is written at a cursor the escaping writer takes over for comm:
 * the first key has no comma whichever it is, and keys after comm follow it.
 */
static void test_fields_around_comm(void **state)
{
	__u64 mask;
	char bad[32];
	struct doc *d;
	const char *p;

	(void)state;
	assert_int_equal(sc_socket_fields_parse("keepalive_idle_s,state,comm", &mask, bad,
						sizeof(bad)), 0);
	d = make_doc_fields(2, mask);
	p = strstr(d->text, "\"sockets\":[");
	assert_non_null(p);
	assert_string_equal(p, "\"sockets\":[{\"comm\":\"a\",\"state\":\"ESTAB\","
			       "\"keepalive_idle_s\":null},"
			       "{\"comm\":\"b\\\"q\",\"state\":\"ESTAB\",\"keepalive_idle_s\":null}]}\n");
	free_doc(d);
	assert_int_equal(sc_socket_fields_parse("probes", &mask, bad, sizeof(bad)), 0);
	d = make_doc_fields(2, mask);
	p = strstr(d->text, "\"sockets\":[");
	assert_non_null(p);
	assert_string_equal(p, "\"sockets\":[{\"probes\":0},{\"probes\":0}]}\n");
	free_doc(d);
}

/* The whole record of one socket, byte for byte (as before it was written at a cursor). */
static void test_whole_socket_record(void **state)
{
	struct doc *d = make_doc(1);
	const char *p;

	(void)state;
	p = strstr(d->text, "\"sockets\":[");
	assert_non_null(p);
	assert_string_equal(p, "\"sockets\":[{\"pid\":10,\"comm\":\"a\",\"fd\":3,"
			       "\"state\":\"ESTAB\",\"family\":\"ipv4\",\"laddr\":\"0.0.0.0\","
			       "\"lport\":8080,\"raddr\":\"0.0.0.0\",\"rport\":1,\"netns\":0,"
			       "\"cookie\":1000,\"inode\":0,\"idle\":false,\"idle_s\":0.000,"
			       "\"idle_source\":\"kernel\",\"rx_bytes\":0,\"tx_bytes\":0,"
			       "\"rx_queue_bytes\":0,\"tx_queue_bytes\":0,"
			       "\"rx_queue_memory_bytes\":0,\"tx_queue_memory_bytes\":0,"
			       "\"forward_alloc_bytes\":0,\"sndbuf_bytes\":0,\"rcvbuf_bytes\":0,"
			       "\"kernel_last_send_age_s\":null,\"kernel_last_recv_age_s\":null,"
			       "\"observed\":null,\"health\":\"ok\",\"health_age_s\":null,"
			       "\"stall_reason\":null,\"retransmits\":0,\"probes\":0,"
			       "\"peer_window_bytes\":0,\"keepalive\":false,\"keepalive_idle_s\":null}]}\n");
	free_doc(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_document),
		cmocka_unit_test(test_large_document),
		cmocka_unit_test(test_fields_keep_only_those_keys),
		cmocka_unit_test(test_fields_around_comm),
		cmocka_unit_test(test_whole_socket_record),
	};

	return cmocka_run_group_tests_name("snapshot_json", tests, NULL, NULL);
}

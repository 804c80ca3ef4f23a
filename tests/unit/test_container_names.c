// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/model/container_names.c, json_scan.c and
 * container_rows.c: names from the kubelet's log layout and from Docker's
 * and Podman's state files, and the per-container sums.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "container_names.h"
#include "container_rows.h"
#include "json_scan.h"
#include "place_label.h"

#define ID "4f1a9c3e2b7d8a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f"
#define ID2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "9b2e7c41-3f5a-4d8e-b1c6-2a7f9e0d4c3b"
#define UID_ "9b2e7c41_3f5a_4d8e_b1c6_2a7f9e0d4c3b"
#define HASH_UID "3a8f0c1d5e7b9a2c4d6e8f0a1b3c5d7e"

static void test_pod_log_dir(void **state)
{
	char ns[64], pod[254], uid[40];

	(void)state;
	/* Dashes and dots in names: only '_' separates, and names never hold one. */
	assert_true(sc_pod_log_dir_parse("kube-system_coredns-5d78c9869d-x7k2p_" UID, ns,
					 sizeof(ns), pod, sizeof(pod), uid, sizeof(uid)));
	assert_string_equal(ns, "kube-system");
	assert_string_equal(pod, "coredns-5d78c9869d-x7k2p");
	assert_string_equal(uid, UID);
	assert_true(sc_pod_log_dir_parse("a_web.v2-0_" UID, ns, sizeof(ns), pod, sizeof(pod), uid,
					 sizeof(uid)));
	assert_string_equal(ns, "a");
	assert_string_equal(pod, "web.v2-0");
	/* A static pod: its UID is a 32-hex-digit hash. */
	assert_true(sc_pod_log_dir_parse("kube-system_etcd-node1_" HASH_UID, ns, sizeof(ns), pod,
					 sizeof(pod), uid, sizeof(uid)));
	assert_string_equal(pod, "etcd-node1");
	assert_string_equal(uid, HASH_UID);
	assert_false(sc_pod_log_dir_parse("kube-system_etcd-node1_" HASH_UID "0", ns, sizeof(ns),
					  pod, sizeof(pod), uid, sizeof(uid)));
	assert_false(sc_pod_log_dir_parse("kube-system_etcd-node1_3a8f0c1d-5e7b9a2c4d6e8f0a1b3c5d7",
					  ns, sizeof(ns), pod, sizeof(pod), uid, sizeof(uid)));
	/* Not pod directories: a missing part, an extra '_', a uid of the wrong shape. */
	assert_false(sc_pod_log_dir_parse("default_" UID, ns, sizeof(ns), pod, sizeof(pod), uid,
					  sizeof(uid)));
	assert_false(sc_pod_log_dir_parse("default_web_x_" UID, ns, sizeof(ns), pod, sizeof(pod),
					  uid, sizeof(uid)));
	assert_false(sc_pod_log_dir_parse("default_web_" UID_, ns, sizeof(ns), pod, sizeof(pod),
					  uid, sizeof(uid)));
	assert_false(sc_pod_log_dir_parse("default_web_" UID "0", ns, sizeof(ns), pod,
					  sizeof(pod), uid, sizeof(uid)));
	assert_false(sc_pod_log_dir_parse("_web_" UID, ns, sizeof(ns), pod, sizeof(pod), uid,
					  sizeof(uid)));
	assert_false(sc_pod_log_dir_parse(".", ns, sizeof(ns), pod, sizeof(pod), uid,
					  sizeof(uid)));
	/* A name longer than its buffer is refused, not cut. */
	assert_false(sc_pod_log_dir_parse("default_web_" UID, ns, 4, pod, sizeof(pod), uid,
					  sizeof(uid)));
	/* Not the kubelet's: Kubernetes names are lower-case DNS names (found by fuzzing). */
	assert_false(sc_pod_log_dir_parse("t\xff\x04a_web_" UID, ns, sizeof(ns), pod, sizeof(pod),
					  uid, sizeof(uid)));
	assert_false(sc_pod_log_dir_parse("default_we\x1b[2Jb_" UID, ns, sizeof(ns), pod,
					  sizeof(pod), uid, sizeof(uid)));
	assert_false(sc_pod_log_dir_parse("Default_web_" UID, ns, sizeof(ns), pod, sizeof(pod),
					  uid, sizeof(uid)));
}

static void test_container_log_link(void **state)
{
	struct sc_container_names n;
	char id[65];

	(void)state;
	memset(&n, 0, sizeof(n));
	/* A container name with dashes: the id is the last 64 hex digits. */
	assert_true(sc_container_log_link_parse("coredns-5d78c9869d-x7k2p_kube-system_"
						"core-dns-sidecar-" ID ".log", &n, id, sizeof(id)));
	assert_string_equal(n.pod, "coredns-5d78c9869d-x7k2p");
	assert_string_equal(n.namespace_, "kube-system");
	assert_string_equal(n.name, "core-dns-sidecar");
	assert_string_equal(id, ID);
	assert_false(sc_container_log_link_parse("web_default_app-" ID ".txt", &n, id,
						 sizeof(id)));
	assert_false(sc_container_log_link_parse("web_default_app" ID ".log", &n, id, sizeof(id)));
	assert_false(sc_container_log_link_parse("web_default_-" ID ".log", &n, id, sizeof(id)));
	assert_false(sc_container_log_link_parse("web_default-" ID ".log", &n, id, sizeof(id)));
	assert_false(sc_container_log_link_parse("web_default_app-" ID "0.log", &n, id,
						 sizeof(id)));
	assert_false(sc_container_log_link_parse("web_default_a\tpp-" ID ".log", &n, id,
						 sizeof(id)));
}

static void test_docker_config(void **state)
{
	/* Shaped as Docker writes it: "Name" nested in MountPoints and a restart policy too. */
	static const char doc[] =
		"{\"StreamConfig\":{},\"State\":{\"Running\":true,\"Pid\":42,\"Error\":\"\"},"
		"\"ID\":\"" ID "\",\"Config\":{\"Hostname\":\"4f1a\",\"Env\":[\"A=\\\"b\\\"\"],"
		"\"Labels\":{\"Name\":\"label\"}},\"MountPoints\":{\"/data\":{\"Name\":\"vol\","
		"\"Driver\":\"local\"}},\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"no\"}},"
		"\"Name\":\"/web-1_a\",\"Driver\":\"overlay2\"}";
	char name[64];

	(void)state;
	assert_int_equal(sc_docker_config_name(doc, strlen(doc), name, sizeof(name)), 0);
	assert_string_equal(name, "web-1_a");
	assert_int_equal(sc_docker_config_name("{\"ID\":\"x\"}", 10, name, sizeof(name)), -ENOENT);
	/* Cut short: no guess. */
	assert_int_equal(sc_docker_config_name(doc, 60, name, sizeof(name)), -ENOENT);
	assert_int_equal(sc_docker_config_name("[]", 2, name, sizeof(name)), -ENOENT);
	/* A terminal escape in a name does not survive; a raw control byte is no JSON. */
	assert_int_equal(sc_docker_config_name("{\"Name\":\"/a\\u001b[2Jb\\u00e9\"}", 29, name,
					       sizeof(name)), 0);
	assert_string_equal(name, "a?[2Jb?");
	/* Nor the short escapes of control characters (found by fuzzing). */
	assert_int_equal(sc_docker_config_name("{\"Name\":\"/a\\b\\n\\t\\\"c\"}", 22, name,
					       sizeof(name)), 0);
	assert_string_equal(name, "a???\"c");
	assert_int_equal(sc_docker_config_name("{\"Name\":\"/a\x7f\"}", 14, name, sizeof(name)), 0);
	assert_string_equal(name, "a?");
	assert_int_equal(sc_docker_config_name("{\"Name\":\"/a\nb\"}", 15, name, sizeof(name)),
			 -ENOENT);
	assert_int_equal(sc_docker_config_name("{\"Name\":\"/\"}", 11, name, sizeof(name)),
			 -ENOENT);
}

static void test_podman_containers(void **state)
{
	/* containers/storage's record: metadata is a JSON document inside a string. */
	static const char doc[] =
		"[{\"id\":\"" ID2 "\",\"names\":[\"db\"],\"image\":\"abc\",\"layer\":\"l1\","
		"\"metadata\":\"{\\\"image-name\\\":\\\"x\\\",\\\"name\\\":\\\"db\\\"}\","
		"\"created\":\"2026-11-30T10:00:00Z\",\"flags\":{\"MountLabel\":\"\"}},\n"
		" {\"id\":\"" ID "\",\"names\":[\"web\\u002d1\",\"alias\"],\"image\":\"abc\"}]";
	char name[64];

	(void)state;
	assert_int_equal(sc_podman_containers_name(doc, strlen(doc), ID, name, sizeof(name)), 0);
	assert_string_equal(name, "web-1");
	assert_int_equal(sc_podman_containers_name(doc, strlen(doc), ID2, name, sizeof(name)), 0);
	assert_string_equal(name, "db");
	assert_int_equal(sc_podman_containers_name(doc, strlen(doc), "ffff", name, sizeof(name)),
			 -ENOENT);
	assert_int_equal(sc_podman_containers_name("[]", 2, ID, name, sizeof(name)), -ENOENT);
	assert_int_equal(sc_podman_containers_name("[{\"id\":\"" ID "\",\"names\":[]}]",
						   strlen("[{\"id\":\"" ID "\",\"names\":[]}]"), ID,
						   name, sizeof(name)),
			 -ENOENT);
}

static void test_json_malformed(void **state)
{
	static const char *const bad[] = { "{", "{\"a\":", "{\"a\":[1,2}", "\"abc", "]", "" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(sc_json_skip(bad[i], bad[i] + strlen(bad[i])));
	assert_non_null(sc_json_skip("{\"a\":[1,{\"b\":\"}\"}]}", "{\"a\":[1,{\"b\":\"}\"}]}" + 20));
}

static struct sc_summary_proc proc(__u32 pid, __u64 conns, __u64 idle, __u64 fds, __u64 mem)
{
	return (struct sc_summary_proc){
		.pid = pid, .connections = conns, .idle_connections = idle, .fds = fds,
		.socket_memory_bytes = mem,
		.first = { .connections = conns, .idle_connections = idle,
			   .socket_memory_bytes = mem },
	};
}

static void test_rows(void **state)
{
	struct sc_summary_proc procs[5] = {
		proc(10, 6, 2, 20, 600), proc(11, 4, 4, 10, 400), proc(12, 3, 0, 9, 30),
		proc(13, 2, 1, 5, 20), proc(14, 1, 0, 4, 10),
	};
	struct sc_summary s = { .procs = procs, .nprocs = 5 };
	struct sc_place places[5];
	struct sc_proc_cost costs[5];
	struct sc_container_row *rows;
	size_t n;

	(void)state;
	/* Process 11 shares 1 of its sockets with 10 (10 held it first). */
	procs[1].first.connections = 3;
	procs[1].first.idle_connections = 3;
	sc_place_of("/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope",
		    &places[0]);
	sc_place_of("/kubepods/pod" UID "/" ID, &places[1]);
	sc_place_of("/system.slice/nginx.service", &places[2]);
	sc_place_of("/system.slice/nginx.service", &places[3]);
	sc_place_of("/sockcost-test-1/leaf", &places[4]);
	assert_true(sc_place_same(&places[0], &places[1]));
	assert_string_equal(places[2].unit, "nginx.service");
	assert_string_equal(places[4].unit, SC_PLACE_HOST);
	assert_string_equal(places[0].unit, "");

	memset(costs, 0, sizeof(costs));
	costs[0].basis = SC_BASIS_MARGINAL;
	costs[0].memory_per_connection = 1000;
	costs[1].basis = SC_BASIS_AVERAGE;
	costs[1].memory_per_connection = 2000;
	costs[2].basis = SC_BASIS_MARGINAL;
	costs[2].memory_per_connection = 500;
	/* Only procs 0..2 are costed: nginx's second process is not. */
	assert_int_equal(sc_container_rows_build(&s, places, costs, 3, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].place.container.id, ID);
	assert_int_equal(rows[0].processes, 2);
	assert_int_equal(rows[0].connections, 9);
	assert_int_equal(rows[0].idle_connections, 5);
	assert_int_equal(rows[0].open_fds, 30);
	assert_int_equal(rows[0].socket_memory_bytes, 1000);
	assert_true(rows[0].has_memory_per_connection);
	/* (6 x 1000 + 4 x 2000) / 10 connections held. */
	assert_float_equal(rows[0].memory_per_connection, 1400, 1e-9);
	assert_string_equal(rows[1].place.unit, "nginx.service");
	assert_int_equal(rows[1].connections, 5);
	assert_false(rows[1].has_memory_per_connection);
	assert_string_equal(rows[2].place.unit, SC_PLACE_HOST);
	assert_int_equal(rows[2].connections, 1);
	free(rows);
}

/* Each kind of place, as snapshot --by cgroup and top's CONTAINER print it. */
static void test_place_label(void **state)
{
	struct sc_container c = { .id = "abc", .pod_uid = "" };
	struct sc_container none = { 0 };
	struct sc_container_names pod = { .namespace_ = "ns", .pod = "web", .name = "app" };
	struct sc_container_names pod_only = { .namespace_ = "ns", .pod = "web" };
	struct sc_container_names runtime = { .name = "redis_1" };
	struct sc_container_names unnamed = { 0 };
	char buf[600], small[8];

	(void)state;
	assert_string_equal(sc_place_label(&c, "", &pod, buf, sizeof(buf)), "ns/web/app");
	assert_string_equal(sc_place_label(&c, "", &pod_only, buf, sizeof(buf)), "ns/web/-");
	assert_string_equal(sc_place_label(&c, "", &runtime, buf, sizeof(buf)), "redis_1");
	assert_string_equal(sc_place_label(&c, "", &unnamed, buf, sizeof(buf)), "-");
	assert_string_equal(sc_place_label(&none, "cron.service", &unnamed, buf, sizeof(buf)),
			    "cron.service");
	assert_string_equal(sc_place_label(&none, "host", &unnamed, buf, sizeof(buf)), "host");
	/* Cut to the buffer, still a string. */
	assert_string_equal(sc_place_label(&c, "", &pod, small, sizeof(small)), "ns/web/");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_log_dir),
		cmocka_unit_test(test_container_log_link),
		cmocka_unit_test(test_docker_config),
		cmocka_unit_test(test_podman_containers),
		cmocka_unit_test(test_json_malformed),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_place_label),
	};

	return cmocka_run_group_tests_name("container_names", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/cgroup.c: container and pod identity from cgroup v2
 * paths as docker, containerd, CRI-O, podman and the kubelet write them,
 * under the systemd and the cgroupfs drivers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cgroup.h"

#define ID "4f1a9c3e2b7d8a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f"
#define UID "9b2e7c41-3f5a-4d8e-b1c6-2a7f9e0d4c3b"
#define UID_ "9b2e7c41_3f5a_4d8e_b1c6_2a7f9e0d4c3b"
/* A static (mirror) pod's UID: the md5 of its manifest, no dashes. */
#define HASH_UID "3a8f0c1d5e7b9a2c4d6e8f0a1b3c5d7e"

static void expect(const char *path, const char *runtime, const char *id, const char *pod)
{
	struct sc_container c;

	sc_cgroup_identify(path, &c);
	assert_string_equal(c.runtime, runtime);
	assert_string_equal(c.id, id);
	assert_string_equal(c.pod_uid, pod);
}

static void test_docker(void **state)
{
	(void)state;
	expect("/system.slice/docker-" ID ".scope", "docker", ID, "");
	expect("/docker/" ID, "docker", ID, "");
}

static void test_kubernetes_systemd_driver(void **state)
{
	(void)state;
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	       ".slice/cri-containerd-" ID ".scope", "containerd", ID, UID);
	expect("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	       ".slice/crio-" ID ".scope", "cri-o", ID, UID);
	/* Guaranteed QoS has no QoS level in the path. */
	expect("/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" ID ".scope", "docker", ID,
	       UID);
	/* The pod's own slice: a pod, no container yet. */
	expect("/kubepods.slice/kubepods-pod" UID_ ".slice", "", "", UID);
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" HASH_UID
	       ".slice/cri-containerd-" ID ".scope", "containerd", ID, HASH_UID);
}

static void test_kubernetes_cgroupfs_driver(void **state)
{
	(void)state;
	expect("/kubepods/burstable/pod" UID "/" ID, "", ID, UID);
	expect("/kubepods/pod" UID "/" ID, "", ID, UID);
	/* CRI-O under the cgroupfs driver keeps its prefix, without ".scope". */
	expect("/kubepods/besteffort/pod" UID "/crio-" ID, "cri-o", ID, UID);
	expect("/kubepods/burstable/pod" HASH_UID "/" ID, "", ID, HASH_UID);
}

static void test_podman_and_monitors(void **state)
{
	(void)state;
	expect("/machine.slice/libpod-" ID ".scope", "podman", ID, "");
	expect("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope",
	       "podman", ID, "");
	/* conmon watches a container; it is not one. */
	expect("/machine.slice/libpod-conmon-" ID ".scope", "", "", "");
	expect("/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" ID ".scope", "", "",
	       UID);
}

static void test_not_containers(void **state)
{
	(void)state;
	expect("/", "", "", "");
	expect("", "", "", "");
	expect("/system.slice/nginx.service", "", "", "");
	expect("/user.slice/user-0.slice/session-3.scope", "", "", "");
	/* Almost ids: wrong length, upper case, not hex. */
	expect("/docker/" "4f1a9c3e", "", "", "");
	expect("/system.slice/docker-4F1A9C3E2B7D8A6F5E4D3C2B1A0F9E8D7C6B5A4F3E2D1C0B9A8F7E6D5C4B3A2F"
	       ".scope", "", "", "");
	expect("/kubepods/podnot-a-uid/x", "", "", "");
	/* 31 or 33 hex digits, or upper case, are no pod UID. */
	expect("/kubepods/pod3a8f0c1d5e7b9a2c4d6e8f0a1b3c5d7/x", "", "", "");
	expect("/kubepods/pod3a8f0c1d5e7b9a2c4d6e8f0a1b3c5d7e0/x", "", "", "");
	expect("/kubepods/pod3A8F0C1D5E7B9A2C4D6E8F0A1B3C5D7E/x", "", "", "");
}

static void expect_unit(const char *path, const char *unit)
{
	char buf[SC_UNIT_LEN];

	assert_int_equal(sc_cgroup_unit(path, buf, sizeof(buf)), unit[0] != '\0');
	assert_string_equal(buf, unit);
}

static void test_systemd_units(void **state)
{
	(void)state;
	expect_unit("/system.slice/nginx.service", "nginx.service");
	/* A login session is its user's slice: one series per user, not per login. */
	expect_unit("/user.slice/user-0.slice/session-3.scope", "user-0.slice");
	expect_unit("/user.slice/user-1000.slice/session-c12.scope", "user-1000.slice");
	/* The outermost unit: a user's service manager owns all it runs. */
	expect_unit("/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service",
		    "user@1000.service");
	expect_unit("/user.slice/user-1000.slice/user@1000.service/app.slice/"
		    "app-firefox-4242.scope", "user@1000.service");
	expect_unit("/user.slice/user-1000.slice/user@1000.service/session.slice/"
		    "session-9.scope", "user@1000.service");
	expect_unit("/system.slice/dbus.service", "dbus.service");
	/* A service that made cgroups below itself (delegation) still owns them ... */
	expect_unit("/system.slice/containerd.service/worker", "containerd.service");
	/* ... whatever it named them. */
	expect_unit("/system.slice/ci.service/nginx.service", "ci.service");
	/* A session scope elsewhere is a scope like any. */
	expect_unit("/system.slice/session-5.scope", "session-5.scope");
	expect_unit("/system.slice/run-u42.scope", "run-u42.scope");
	/* systemd escapes '-' in instance names as \x2d: kept as written. */
	expect_unit("/system.slice/system-getty.slice/getty@tty\\x2d1.service",
		    "getty@tty\\x2d1.service");
	/* Slices alone, the root, non-systemd directories, bare suffixes: no unit. */
	expect_unit("/system.slice", "");
	expect_unit("/", "");
	expect_unit("", "");
	expect_unit("/sockcost-test-12/leaf", "");
	expect_unit("/.service", "");
	expect_unit("/x/.scope/y", "");
}

static void test_unit_cut_to_buffer(void **state)
{
	char small[6];

	(void)state;
	assert_true(sc_cgroup_unit("/system.slice/nginx.service", small, sizeof(small)));
	assert_string_equal(small, "nginx");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_kubernetes_systemd_driver),
		cmocka_unit_test(test_kubernetes_cgroupfs_driver),
		cmocka_unit_test(test_podman_and_monitors),
		cmocka_unit_test(test_not_containers),
		cmocka_unit_test(test_systemd_units),
		cmocka_unit_test(test_unit_cut_to_buffer),
	};

	return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}

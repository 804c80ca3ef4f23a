/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CGROUP_H
#define SC_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define SC_CGROUP_PATH_LEN 512

/* What a cgroup v2 path says about the container a process runs in. */
struct sc_container {
	char runtime[16];      /* "docker", "containerd", "cri-o", "podman"; "" if unknown */
	char id[65];           /* container id (64 hex digits); "" if none */
	char pod_uid[37];      /* Kubernetes pod UID (a static pod's: 32 hex); "" if none */
};

/*
 * Recognizes docker, containerd, CRI-O and podman containers and Kubernetes
 * pods, under the systemd and the cgroupfs cgroup drivers. Pure.
 */
void sc_cgroup_identify(const char *path, struct sc_container *c);

/* Longest systemd unit name kept (systemd allows 255; longer ones are cut). */
#define SC_UNIT_LEN 128

/*
 * The systemd unit a process outside containers runs under: the outermost
 * ".service" or ".scope" component of its cgroup v2 path
 * ("/system.slice/nginx.service/worker" -> "nginx.service"; everything a
 * user's service manager runs -> "user@1000.service"), except that a login
 * session-N.scope directly under user-UID.slice is named by that slice
 * ("user-1000.slice"), so logins do not each make a series. Writes "" and
 * returns false when the path names none. Pure.
 */
bool sc_cgroup_unit(const char *path, char *unit, size_t len);

/* Where a process runs, for grouping: its container, else its systemd unit, else the host. */
struct sc_place {
	struct sc_container container;
	char unit[SC_UNIT_LEN];      /* "" in a container or pod; else a unit, or "host" */
};

#define SC_PLACE_HOST "host"

/* The place a cgroup v2 path names ("" or unreadable: the host). Pure. */
void sc_place_of(const char *cgroup_path, struct sc_place *p);

/* Orders places: by container id, pod uid, unit. */
int sc_place_cmp(const struct sc_place *a, const struct sc_place *b);

/* Same container (or pod), or same unit. */
bool sc_place_same(const struct sc_place *a, const struct sc_place *b);

#endif /* SC_CGROUP_H */

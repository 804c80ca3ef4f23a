/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CONTAINER_NAMES_READ_H
#define SC_CONTAINER_NAMES_READ_H

#include <limits.h>

#include "cgroup.h"
#include "container_names.h"

/* Where the node keeps container names (a DaemonSet mounts them from the host). */
struct sc_container_dirs {
	char pod_logs[PATH_MAX];       /* the kubelet's NAMESPACE_POD_UID/CONTAINER/ dirs */
	/* Its POD_NAMESPACE_CONTAINER-ID.log links: pod_logs' sibling "containers". */
	char container_logs[PATH_MAX];
	char docker[PATH_MAX];         /* Docker's root: containers/ID/config.v2.json */
	char podman[PATH_MAX];         /* containers/storage's root: overlay-containers/containers.json */
};

#define SC_POD_LOG_DIR "/var/log/pods"
#define SC_DOCKER_DIR "/var/lib/docker"
#define SC_PODMAN_DIR "/var/lib/containers/storage"

/*
 * The defaults, each overridden by its environment variable when set:
 * SOCKCOST_POD_LOG_DIR, SOCKCOST_DOCKER_DIR, SOCKCOST_PODMAN_DIR.
 */
void sc_container_dirs_default(struct sc_container_dirs *d);

/* Sets pod_logs (and container_logs, its sibling "containers"). -ENAMETOOLONG if too long. */
int sc_container_dirs_set_pod_logs(struct sc_container_dirs *d, const char *pod_logs);

/*
 * The names the node keeps for c: a pod's namespace and name from its log
 * directory, a container's name from the kubelet's link, or else from
 * Docker's or Podman's state (by c->runtime; both when unknown). A few
 * directory scans and file reads: cache the answer. Returns 0 when some name
 * was found, -ENOENT when none.
 */
int sc_container_names_read(const struct sc_container_dirs *d, const struct sc_container *c,
			    struct sc_container_names *out);

#endif /* SC_CONTAINER_NAMES_READ_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CONTAINER_NAMES_H
#define SC_CONTAINER_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The names a node keeps for its containers without asking an API server:
 * the kubelet's log directories and links, Docker's and Podman's state
 * files. Parsers only (pure); sys/container_names_read.c reads the files.
 */

/* Kubernetes bounds: namespace and container names are DNS labels, pod names DNS subdomains. */
struct sc_container_names {
	char namespace_[64];   /* "" when unknown (always, outside Kubernetes) */
	char pod[254];
	char name[254];        /* the container's name: Kubernetes', Docker's or Podman's */
};

/*
 * A kubelet pod log directory name, NAMESPACE_POD_UID (neither name holds
 * '_'). Returns false if name is not one.
 */
bool sc_pod_log_dir_parse(const char *name, char *namespace_, size_t nslen, char *pod,
			  size_t podlen, char *uid, size_t uidlen);

/*
 * A kubelet container log link name, POD_NAMESPACE_CONTAINER-ID.log, as
 * /var/log/containers holds one per container. Returns false if it is not one.
 */
bool sc_container_log_link_parse(const char *name, struct sc_container_names *n, char *id,
				 size_t idlen);

/* Docker's config.v2.json: its top-level "Name" ("/web" -> "web"). 0 or -ENOENT. */
int sc_docker_config_name(const char *json, size_t len, char *name, size_t namelen);

/*
 * containers/storage's containers.json (Podman's, under
 * overlay-containers/): the first of "names" of the container whose "id"
 * is id. 0, or -ENOENT when absent or malformed.
 */
int sc_podman_containers_name(const char *json, size_t len, const char *id, char *name,
			      size_t namelen);

#endif /* SC_CONTAINER_NAMES_H */

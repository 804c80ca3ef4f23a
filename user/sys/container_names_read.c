// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container_names_read.h"

/* containers.json holds every container of the node; Docker's config is kilobytes. */
#define STATE_FILE_MAX (16u << 20)

static void dir_from_env(char *out, size_t len, const char *env, const char *dflt)
{
	const char *v = getenv(env);

	snprintf(out, len, "%s", v && v[0] ? v : dflt);
}

int sc_container_dirs_set_pod_logs(struct sc_container_dirs *d, const char *pod_logs)
{
	size_t n = strlen(pod_logs);
	const char *slash;

	while (n > 1 && pod_logs[n - 1] == '/')
		n--;
	if (n >= sizeof(d->pod_logs))
		return -ENAMETOOLONG;
	memcpy(d->pod_logs, pod_logs, n);
	d->pod_logs[n] = '\0';
	/* The kubelet writes both under one log root: /var/log/{pods,containers}. */
	slash = strrchr(d->pod_logs, '/');
	if ((size_t)snprintf(d->container_logs, sizeof(d->container_logs), "%.*scontainers",
			     slash ? (int)(slash - d->pod_logs + 1) : 0, d->pod_logs) >=
	    sizeof(d->container_logs))
		return -ENAMETOOLONG;
	return 0;
}

void sc_container_dirs_default(struct sc_container_dirs *d)
{
	char pods[PATH_MAX];

	dir_from_env(pods, sizeof(pods), "SOCKCOST_POD_LOG_DIR", SC_POD_LOG_DIR);
	if (sc_container_dirs_set_pod_logs(d, pods))
		sc_container_dirs_set_pod_logs(d, SC_POD_LOG_DIR);
	dir_from_env(d->docker, sizeof(d->docker), "SOCKCOST_DOCKER_DIR", SC_DOCKER_DIR);
	dir_from_env(d->podman, sizeof(d->podman), "SOCKCOST_PODMAN_DIR", SC_PODMAN_DIR);
}

/* The whole of a small file, NUL-terminated (free() it). 0 or a negative errno. */
static int read_file(const char *path, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = NULL, *nb;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (!b || n + 1 >= cap) {
			if (b)
				cap *= 2;
			if (cap > STATE_FILE_MAX) {
				err = -EFBIG;
				break;
			}
			nb = realloc(b, cap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? -errno : 0;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	if (err) {
		free(b);
		return err;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* The pod's namespace and name from its log directory, NAMESPACE_POD_UID. */
static int pod_names(const struct sc_container_dirs *d, const char *uid,
		     struct sc_container_names *out)
{
	char ns[sizeof(out->namespace_)], pod[sizeof(out->pod)], u[40];
	DIR *dir = opendir(d->pod_logs);
	struct dirent *e;
	int err = -ENOENT;

	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (!sc_pod_log_dir_parse(e->d_name, ns, sizeof(ns), pod, sizeof(pod), u, sizeof(u)) ||
		    strcmp(u, uid))
			continue;
		memcpy(out->namespace_, ns, sizeof(ns));
		memcpy(out->pod, pod, sizeof(pod));
		err = 0;
		break;
	}
	closedir(dir);
	return err;
}

/* A Kubernetes container's names from the kubelet's link to its log. */
static int kubelet_names(const struct sc_container_dirs *d, const char *id,
			 struct sc_container_names *out)
{
	struct sc_container_names n;
	DIR *dir = opendir(d->container_logs);
	struct dirent *e;
	char lid[65];
	int err = -ENOENT;

	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (!sc_container_log_link_parse(e->d_name, &n, lid, sizeof(lid)) || strcmp(lid, id))
			continue;
		*out = n;
		err = 0;
		break;
	}
	closedir(dir);
	return err;
}

/* A name from a runtime's state file, by its parser. */
static int state_file_name(const char *path, const char *id, char *name, size_t len,
			   int (*parse)(const char *json, size_t n, const char *id, char *name,
					size_t len))
{
	char *buf = NULL;
	size_t n = 0;
	int err = read_file(path, &buf, &n);

	if (err)
		return err;
	err = parse(buf, n, id, name, len);
	free(buf);
	return err;
}

/* Docker's file is the container's own: the id is in its path. */
static int docker_parse(const char *json, size_t n, const char *id, char *name, size_t len)
{
	(void)id;
	return sc_docker_config_name(json, n, name, len);
}

static int docker_name(const struct sc_container_dirs *d, const char *id, char *name, size_t len)
{
	char path[PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", d->docker, id);
	return state_file_name(path, id, name, len, docker_parse);
}

static int podman_name(const struct sc_container_dirs *d, const char *id, char *name, size_t len)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/overlay-containers/containers.json", d->podman);
	return state_file_name(path, id, name, len, sc_podman_containers_name);
}

int sc_container_names_read(const struct sc_container_dirs *d, const struct sc_container *c,
			    struct sc_container_names *out)
{
	bool any_runtime = !c->runtime[0];

	memset(out, 0, sizeof(*out));
	if (c->pod_uid[0]) {
		/* The link names the container; the directory names a pod with no link (yet). */
		if (c->id[0] && !kubelet_names(d, c->id, out))
			return 0;
		return pod_names(d, c->pod_uid, out) ? -ENOENT : 0;
	}
	if (!c->id[0])
		return -ENOENT;
	if ((any_runtime || !strcmp(c->runtime, "docker")) &&
	    !docker_name(d, c->id, out->name, sizeof(out->name)))
		return 0;
	if ((any_runtime || !strcmp(c->runtime, "podman")) &&
	    !podman_name(d, c->id, out->name, sizeof(out->name)))
		return 0;
	/* A kubelet's container whose pod UID the path did not give: its link still names it. */
	if (!kubelet_names(d, c->id, out))
		return 0;
	/* A parser that failed midway may have left part of a name. */
	memset(out, 0, sizeof(*out));
	return -ENOENT;
}

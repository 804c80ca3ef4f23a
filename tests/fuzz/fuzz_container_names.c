// SPDX-License-Identifier: GPL-2.0
/*
 * The names a node keeps for its containers (user/model/container_names.c):
 * directory and link names under /var/log/{pods,containers} that any pod's
 * name shapes, and Docker's and Podman's JSON state, which holds what users
 * named their containers. The first byte picks the parser; the rest is its
 * input. What comes out must fit its buffer, be a printable part of the
 * input, or be nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container_names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated string within its buffer, with no control byte. */
static void check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

static void dir_names(const char *in)
{
	char ns[64], pod[254], uid[64], back[512];

	if (!sc_pod_log_dir_parse(in, ns, sizeof(ns), pod, sizeof(pod), uid, sizeof(uid)))
		return;
	check_text(ns, sizeof(ns));
	check_text(pod, sizeof(pod));
	check_text(uid, sizeof(uid));
	/* NAMESPACE_POD_UID: the parts are the name, in order, nothing made up. */
	if (!ns[0] || !pod[0] || !uid[0] || strchr(ns, '_') || strchr(pod, '_'))
		abort();
	snprintf(back, sizeof(back), "%s_%s_%s", ns, pod, uid);
	if (strcmp(back, in))
		abort();
}

static void link_names(const char *in)
{
	struct sc_container_names n;
	char id[80];

	memset(&n, 0, sizeof(n));
	if (!sc_container_log_link_parse(in, &n, id, sizeof(id)))
		return;
	check_text(n.namespace_, sizeof(n.namespace_));
	check_text(n.pod, sizeof(n.pod));
	check_text(n.name, sizeof(n.name));
	if (strlen(id) != 64 || !strstr(in, id) || !strstr(in, n.pod) || !strstr(in, n.name))
		abort();
}

static void json_names(const char *in, size_t len, int podman)
{
	/* Podman's: the id asked for is the first line, the file the rest. */
	const char *nl = podman ? memchr(in, '\n', len) : NULL;
	char id[65] = "", name[254];
	int err;

	if (podman) {
		if (!nl || (size_t)(nl - in) >= sizeof(id))
			return;
		memcpy(id, in, (size_t)(nl - in));
		id[nl - in] = '\0';
		len -= (size_t)(nl + 1 - in);
		in = nl + 1;
	}
	memset(name, 'x', sizeof(name));
	err = podman ? sc_podman_containers_name(in, len, id, name, sizeof(name))
		     : sc_docker_config_name(in, len, name, sizeof(name));
	if (err && err != -2 /* -ENOENT */)
		abort();
	if (!err)
		check_text(name, sizeof(name));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in;

	if (!size)
		return 0;
	/* NUL-terminated for the name parsers; the JSON parsers get the length. */
	in = malloc(size);
	if (!in)
		return 0;
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		dir_names(in);
		break;
	case 1:
		link_names(in);
		break;
	default:
		json_names(in, size - 1, data[0] % 4 == 3);
		break;
	}
	free(in);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A cgroup v2 path into container identity (user/model/cgroup.c). Whoever
 * may make cgroups (a container runtime, a delegated user, systemd units a
 * user names) writes the path; any byte but NUL may be in it. What comes
 * out must be what the header promises, or nothing.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const runtimes[] = { "", "docker", "containerd", "cri-o", "podman" };

/* Exactly n characters, each one of set or a lower-case hex digit. */
static int shaped(const char *s, size_t n, const char *set)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!(isdigit((unsigned char)s[i]) || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F' && set) || (set && strchr(set, s[i]))))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_container c;
	char *path = malloc(size + 1);
	size_t i;
	int known = 0;

	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	sc_cgroup_identify(path, &c);
	for (i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
		known |= !strcmp(c.runtime, runtimes[i]);
	if (!known || (c.id[0] && !shaped(c.id, 64, NULL)) ||
	    (c.pod_uid[0] && !shaped(c.pod_uid, 36, "-") && !shaped(c.pod_uid, 32, NULL)) || (c.runtime[0] && !c.id[0]))
		abort();
	/* What was found is in the path: ids are read, never made up. */
	if ((c.id[0] && !strstr(path, c.id)))
		abort();
	free(path);
	return 0;
}

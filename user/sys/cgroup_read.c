// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cgroup_read.h"
#include "proc_text.h"
#include "whole_file.h"

/* Every hierarchy's line: a v1 line before the v2 one may be a few KB. */
#define CGROUP_FILE_MAX (1 << 20)

int sc_cgroup_of_pid(__u32 pid, char *buf, size_t len)
{
	char path[64], *text;
	int err;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	text = sc_read_whole(path, CGROUP_FILE_MAX);
	if (!text)
		return -errno;
	err = sc_cgroup_v2_path(text, buf, len);
	free(text);
	return err;
}

// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <stdio.h>

#include "proc_fds.h"

__u64 sc_proc_fd_count(__u32 pid)
{
	struct dirent *d;
	char path[40];
	__u64 n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

void sc_summary_fill_fds(struct sc_summary *s)
{
	size_t i;

	for (i = 0; i < s->nprocs; i++)
		if (!s->procs[i].fds)
			s->procs[i].fds = sc_proc_fd_count(s->procs[i].pid);
}

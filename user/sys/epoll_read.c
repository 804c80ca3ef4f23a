// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "epoll_read.h"

static int read_fdinfo(__u32 pid, const char *fd, char *buf, size_t len)
{
	char path[32 + 256];
	ssize_t n, total = 0;
	int f;

	snprintf(path, sizeof(path), "/proc/%u/fdinfo/%s", pid, fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	while ((size_t)total < len - 1 &&
	       (n = read(f, buf + total, len - 1 - (size_t)total)) > 0)
		total += n;
	buf[total] = '\0';
	close(f);
	return 0;
}

#define FDINFO_MAX (8 << 20)

int sc_epoll_watched_by_pid(__u32 pid, struct sc_inode_set *s)
{
	char dir[64], link[64 + 256], target[32];
	struct dirent *d;
	char *buf = NULL;
	int err = 0;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%u/fd", pid);
	fds = opendir(dir);
	if (!fds)
		return -errno;
	while ((d = readdir(fds))) {
		ssize_t n;

		if (d->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "anon_inode:[eventpoll]"))
			continue;
		/* One line per watched fd: big enough for a few hundred thousand. */
		if (!buf && !(buf = malloc(FDINFO_MAX))) {
			err = -ENOMEM;
			break;
		}
		if (read_fdinfo(pid, d->d_name, buf, FDINFO_MAX))
			continue;
		if (sc_epoll_fdinfo_targets(buf, s) < 0) {
			err = -ENOMEM;
			break;
		}
	}
	closedir(fds);
	free(buf);
	return err;
}

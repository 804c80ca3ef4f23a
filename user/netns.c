// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns.h"

__u32 sc_netns_self(void)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		return 0;
	return (__u32)st.st_ino;
}

int sc_netns_enter(__u32 pid, __u32 expected, int *restore_fd)
{
	char path[64];
	struct stat st;
	int fd, self, err;

	snprintf(path, sizeof(path), "/proc/%u/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || (__u32)st.st_ino != expected) {
		close(fd);
		return -ESRCH;
	}
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = -errno;
		close(fd);
		close(self);
		return err;
	}
	close(fd);
	*restore_fd = self;
	return 0;
}

int sc_netns_leave(int restore_fd)
{
	int err = setns(restore_fd, CLONE_NEWNET) ? -errno : 0;

	close(restore_fd);
	return err;
}

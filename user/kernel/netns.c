// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "netns.h"

__u32 sc_netns_self(void)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st))
		return 0;
	return (__u32)st.st_ino;
}

/* The namespace the socket itself lives in (Linux 5.6+ for pidfd_getfd). */
static int socket_netns_fd(__u32 tgid, __u32 fd)
{
	int pidfd, sfd, nsfd, err;

	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)tgid, 0);
	if (pidfd < 0)
		return -errno;
	sfd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0);
	err = sfd < 0 ? -errno : 0;
	close(pidfd);
	if (err)
		return err;
	nsfd = ioctl(sfd, SIOCGSKNS);
	err = nsfd < 0 ? -errno : 0;
	close(sfd);
	return err ? err : nsfd;
}

static int thread_netns_fd(__u32 tgid, __u32 tid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/ns/net", tgid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int sc_netns_enter(__u32 tgid, __u32 tid, __u32 fd, __u32 expected, int *restore_fd)
{
	struct stat st;
	int nsfd, self, err;

	nsfd = socket_netns_fd(tgid, fd);
	if (nsfd < 0)
		nsfd = thread_netns_fd(tgid, tid);
	if (nsfd < 0)
		return nsfd;
	if (fstat(nsfd, &st) || (__u32)st.st_ino != expected) {
		close(nsfd);
		return -ESRCH;
	}
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		err = -errno;
		close(nsfd);
		return err;
	}
	if (setns(nsfd, CLONE_NEWNET)) {
		err = -errno;
		close(nsfd);
		close(self);
		return err;
	}
	close(nsfd);
	*restore_fd = self;
	return 0;
}

int sc_netns_leave(int restore_fd)
{
	int err = setns(restore_fd, CLONE_NEWNET) ? -errno : 0;

	close(restore_fd);
	return err;
}

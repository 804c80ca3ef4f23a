/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_NETNS_H
#define SC_NETNS_H

#include <linux/types.h>

/* Inode number of the caller's network namespace, or 0 on error. */
__u32 sc_netns_self(void);

/*
 * Moves the calling thread into the network namespace `expected`, found
 * through a socket that process tgid holds as fd: the socket's own
 * namespace (pidfd_getfd + SIOCGSKNS), which can differ from the process's;
 * failing that, the namespace of thread tid. The inode must match, since
 * pids get reused. *restore_fd receives an fd for sc_netns_leave().
 * Returns 0 or a negative errno.
 */
int sc_netns_enter(__u32 tgid, __u32 tid, __u32 fd, __u32 expected, int *restore_fd);
int sc_netns_leave(int restore_fd);

#endif /* SC_NETNS_H */

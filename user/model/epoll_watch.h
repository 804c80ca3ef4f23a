/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_EPOLL_WATCH_H
#define SC_EPOLL_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * Which socket inodes some epoll set watches: each such watch is one
 * eventpoll_epi slab object. Read from /proc/PID/fdinfo of epoll fds, whose
 * "tfd:" lines name each watched file's inode.
 */
struct sc_inode_set {
	__u64 *ino;      /* sorted and unique after sc_inode_set_seal() */
	size_t n, cap;
};

int sc_inode_set_add(struct sc_inode_set *s, __u64 ino); /* 0 or -ENOMEM */
void sc_inode_set_seal(struct sc_inode_set *s);
bool sc_inode_set_has(const struct sc_inode_set *s, __u64 ino);
void sc_inode_set_free(struct sc_inode_set *s);

/* Adds the inode of every "tfd:" line of one epoll fd's fdinfo text. Returns
 * how many, or -ENOMEM. Pure. */
int sc_epoll_fdinfo_targets(const char *text, struct sc_inode_set *s);

#endif /* SC_EPOLL_WATCH_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_EPOLL_READ_H
#define SC_EPOLL_READ_H

#include "epoll_watch.h"

/* Adds the targets of every epoll fd pid holds. Returns 0 or a negative errno. */
int sc_epoll_watched_by_pid(__u32 pid, struct sc_inode_set *s);

#endif /* SC_EPOLL_READ_H */

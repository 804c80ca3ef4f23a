// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen_diag.h"
#include "netns.h"
#include "served_netns.h"

/* A sock_diag socket made in netns through process tgid, or a negative errno. */
static int open_in(__u32 netns, __u32 tgid, bool *stranded)
{
	int fd, restore, err;

	/* No fd to go by: the namespace of the process's leader. */
	err = sc_netns_enter(tgid, tgid, (__u32)-1, netns, &restore);
	if (err)
		return err;
	fd = sc_listen_diag_open();
	err = sc_netns_leave(restore);
	if (err) {
		*stranded = true;
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

/*
 * The same through any process living in netns (the summary is up to an
 * interval old: its first may have exited). -ESRCH if none lives there.
 */
static int open_through_any(const struct sc_summary *s, __u32 netns, bool *stranded)
{
	int fd = -ESRCH;
	size_t i;

	for (i = 0; i < s->nprocs && !*stranded; i++) {
		if (s->procs[i].netns != netns)
			continue;
		fd = open_in(netns, s->procs[i].pid, stranded);
		if (fd >= 0 || fd == -EPERM || fd == -EACCES)
			break;
	}
	return fd;
}

static int add(struct served_netns *ns, __u32 netns, int fd)
{
	struct sc_served_ns *grown = realloc(ns->v, (ns->n + 1) * sizeof(*grown));

	if (!grown) {
		close(fd);
		return -ENOMEM;
	}
	ns->v = grown;
	ns->v[ns->n++] = (struct sc_served_ns){ .netns = netns, .fd = fd };
	return 0;
}

int served_netns_open(struct served_netns *ns, const struct sc_summary *s, __u32 own,
		      bool *stranded, char *why, size_t len)
{
	size_t i;
	int fd, err;

	memset(ns, 0, sizeof(*ns));
	*stranded = false;
	fd = sc_listen_diag_open();
	err = fd < 0 ? fd : add(ns, own, fd);
	for (i = 0; !err && i < s->nnetns; i++) {
		if (s->netns[i] == own)
			continue;
		fd = open_through_any(s, s->netns[i], stranded);
		if (fd == -ESRCH && !*stranded) {
			snprintf(why, len, "sockets in network namespace %u, where no process lives "
				 "to enter it by", s->netns[i]);
			err = fd;
			break;
		}
		if (fd < 0) {
			bool perm = fd == -EPERM || fd == -EACCES;

			snprintf(why, len, "sockcostd cannot enter network namespace %u (%s)%s",
				 s->netns[i], strerror(-fd),
				 perm ? ": entering needs CAP_SYS_ADMIN, which --own-netns-only drops" : "");
			err = fd;
			break;
		}
		err = add(ns, s->netns[i], fd);
	}
	if (err)
		served_netns_close(ns);
	return err;
}

void served_netns_close(struct served_netns *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		close(ns->v[i].fd);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

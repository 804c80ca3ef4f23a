// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen_diag.h"
#include "listen_refresh.h"
#include "log.h"
#include "netns.h"
#include "sockcost.h"
#include "common.h"

void sc_listen_refresh_reset(struct sc_listen_refresh *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->ns[i].fd >= 0)
			close(r->ns[i].fd);
	free(r->ns);
	r->ns = NULL;
	r->n = 0;
}

/* A sock_diag socket in netns, made in it through process tgid; a negative errno if not. */
static int open_in(__u32 netns, __u32 tgid)
{
	int fd, restore, err;

	if (netns == sc_netns_self())
		return sc_listen_diag_open();
	/* No fd to go by: the namespace of the process's leader. */
	err = sc_netns_enter(tgid, tgid, (__u32)-1, netns, &restore);
	if (err)
		return err;
	fd = sc_listen_diag_open();
	err = sc_netns_leave(restore);
	if (err) {
		/* This thread is stuck in the other namespace: nothing it walks next is right. */
		sc_err("cannot return to the daemon's network namespace: %s", strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

/* The socket for netns, made the first time it is asked for. */
static int diag_fd(struct sc_listen_refresh *r, __u32 netns, __u32 tgid)
{
	struct sc_listen_ns *grown;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->ns[i].netns == netns)
			return r->ns[i].fd;
	grown = realloc(r->ns, (r->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	r->ns = grown;
	r->ns[r->n] = (struct sc_listen_ns){ .netns = netns, .fd = open_in(netns, tgid) };
	if (r->ns[r->n].fd < 0)
		sc_debug("listeners in network namespace %u keep their walk's figures: %s", netns,
			 strerror(-r->ns[r->n].fd));
	return r->ns[r->n++].fd;
}

static void refresh_ns(struct sc_mirror *m, int fd, __u32 netns)
{
	struct sc_listen_stat *st;
	size_t i, n;
	int err;

	err = sc_listen_diag_dump(fd, &st, &n);
	if (err) {
		sc_debug("cannot list listeners in network namespace %u: %s", netns, strerror(-err));
		return;
	}
	for (i = 0; i < n; i++)
		sc_mirror_set_listener(m, st[i].cookie, st[i].backlog, st[i].max_backlog,
				       st[i].drops);
	free(st);
}

void sc_listen_refresh_run(struct sc_listen_refresh *r, struct sc_mirror *m,
			   const struct sc_task_record *tasks, size_t ntasks)
{
	__u32 seen[64];
	size_t i, j, nseen = 0;
	int fd;

	/*
	 * Every namespace some process is in, not only the listeners': finding
	 * those would mean a pass over every mirrored socket, and a dump costs
	 * the host's listeners whatever the namespace.
	 */
	for (i = 0; i < ntasks; i++) {
		if (!tasks[i].netns)
			continue;
		for (j = 0; j < nseen && seen[j] != tasks[i].netns; j++)
			;
		if (j < nseen)
			continue;
		/* Past this many namespaces a refresh asks the first ones; a walk covers the rest. */
		if (nseen == ARRAY_SIZE(seen))
			break;
		seen[nseen++] = tasks[i].netns;
		fd = diag_fd(r, tasks[i].netns, tasks[i].tgid);
		if (fd >= 0)
			refresh_ns(m, fd, tasks[i].netns);
	}
}

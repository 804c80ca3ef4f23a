// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "listen_diag.h"
#include "listen_refresh.h"
#include "log.h"
#include "netns.h"
#include "sockcost.h"
#include "tally.h"

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
static int open_in(struct sc_listen_refresh *r, __u32 netns, __u32 tgid)
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
		/* This thread would now walk and serve from another namespace. */
		sc_err("cannot return to sockcost's network namespace (%s): listeners keep "
		       "their walk's figures from now on", strerror(-err));
		r->broken = true;
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

/* The entry of netns, NULL if none and no memory for one. */
static struct sc_listen_ns *entry(struct sc_listen_refresh *r, __u32 netns)
{
	struct sc_listen_ns *grown;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->ns[i].netns == netns)
			return &r->ns[i];
	grown = realloc(r->ns, (r->n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	r->ns = grown;
	r->ns[r->n] = (struct sc_listen_ns){ .netns = netns, .fd = -EAGAIN };
	return &r->ns[r->n++];
}

static void refresh_ns(struct sc_listen_refresh *r, struct sc_listen_ns *e, __u32 tgid,
		       struct sc_mirror *m, struct sc_tally *tally, const struct sc_clock_ref *c)
{
	struct sc_listen_stat *st;
	size_t i, n;
	int err;

	if (e->fd == -EAGAIN) {
		e->fd = open_in(r, e->netns, tgid);
		/* The process left or exited meanwhile: another may lead in. */
		if (e->fd == -ESRCH || e->fd == -ENOENT) {
			e->fd = -EAGAIN;
			return;
		}
		if (e->fd < 0 && !r->broken && !r->warned)
			sc_warn("listeners in network namespace %u (and any other that cannot be "
				"entered) keep their walk's figures between walks: %s", e->netns,
				strerror(-e->fd));
		else if (e->fd < 0)
			sc_debug("listeners in network namespace %u keep their walk's figures: %s",
				 e->netns, strerror(-e->fd));
		r->warned |= e->fd < 0;
	}
	if (e->fd < 0)
		return;
	err = sc_listen_diag_dump(e->fd, &st, &n);
	if (err) {
		sc_debug("cannot list listeners in network namespace %u: %s", e->netns,
			 strerror(-err));
		/* Part of a reply may be left: a new socket next time. */
		close(e->fd);
		e->fd = -EAGAIN;
		return;
	}
	for (i = 0; i < n; i++)
		sc_tally_set_listener(tally, m, st[i].cookie, st[i].backlog, st[i].max_backlog,
				      st[i].drops, c);
	free(st);
}

void sc_listen_refresh_run(struct sc_listen_refresh *r, struct sc_mirror *m,
			   struct sc_tally *tally, const struct sc_clock_ref *c,
			   const struct sc_task_record *tasks, size_t ntasks)
{
	struct sc_listen_ns *e;
	size_t i, kept;

	if (r->broken)
		return;
	r->gen++;
	/*
	 * Every namespace some process is in, not only the listeners': finding
	 * those would mean a pass over every mirrored socket, and a dump costs
	 * the host's listeners whatever the namespace.
	 */
	for (i = 0; i < ntasks && !r->broken; i++) {
		if (!tasks[i].netns)
			continue;
		e = entry(r, tasks[i].netns);
		if (!e || e->gen == r->gen)
			continue;
		e->gen = r->gen;
		refresh_ns(r, e, tasks[i].tgid, m, tally, c);
	}
	/* Namespaces no process is in any more: their sockets would keep them alive. */
	for (i = 0, kept = 0; i < r->n; i++) {
		if (r->ns[i].gen == r->gen) {
			r->ns[kept++] = r->ns[i];
		} else if (r->ns[i].fd >= 0) {
			close(r->ns[i].fd);
		}
	}
	r->n = kept;
}

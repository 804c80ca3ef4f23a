// SPDX-License-Identifier: GPL-2.0
/* Walking the TCP sockets of network namespaces other than sockcost's. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netns.h"
#include "netns_walk.h"

/* A socket file in a namespace other than sockcost's: a way into that namespace. */
struct netns_door {
	__u32 netns;
	__u32 tgid;
	__u32 tid;
	__u32 fd;
};

static int cmp_door(const void *a, const void *b)
{
	const struct netns_door *x = a, *y = b;

	return (x->netns > y->netns) - (x->netns < y->netns) ?: (x->tgid > y->tgid) - (x->tgid < y->tgid);
}

/* A process's files come together: one door per process and namespace is enough. */
static void add_door(struct netns_door *doors, size_t *n, struct netns_door d)
{
	if (!(*n && doors[*n - 1].netns == d.netns && doors[*n - 1].tgid == d.tgid))
		doors[(*n)++] = d;
}

/* Enters doors[i].netns through any holder still alive in it. */
static int enter_netns(const struct netns_door *d, size_t i, size_t n, int *restore)
{
	int err = -ESRCH;
	size_t j;

	for (j = i; j < n && d[j].netns == d[i].netns && err; j++) {
		if (j > i && d[j].tgid == d[j - 1].tgid)
			continue; /* one try per process */
		err = sc_netns_enter(d[j].tgid, d[j].tid, d[j].fd, d[j].netns, restore);
	}
	return err;
}

/*
 * Reads iterator kind in doors[i]'s namespace; *stranded if sockcost could
 * not come back (then give up).
 */
static int walk_one_with(const struct sc_tracker *t, enum sc_iter_kind kind,
			 const struct netns_door *doors, size_t i, size_t n, struct sc_records *out,
			 void (*between)(void *ctx), void *ctx, bool *stranded)
{
	int restore, err;

	err = enter_netns(doors, i, n, &restore);
	if (err)
		return err;
	err = sc_iter_read_with(sc_tracker_iter_link_fd(t, kind), out, between, ctx);
	if (sc_netns_leave(restore)) {
		*stranded = true;
		return sc_fail(errno, "cannot return to own network namespace: %s", strerror(errno));
	}
	return err;
}

static int walk_one(const struct sc_tracker *t, const struct netns_door *doors, size_t i,
		    size_t n, struct sc_records *tcp, bool *stranded)
{
	return walk_one_with(t, SC_ITER_TCP, doors, i, n, tcp, NULL, NULL, stranded);
}

/*
 * Walks, while the file walk runs, every other namespace a process lives in
 * (iter/task's netns; entered through the process, as no socket is known
 * yet). A namespace that cannot be entered now is tried again from its
 * sockets after the file walk. Fails only if sockcost cannot return home.
 */
int sc_netns_walk_lived(const struct sc_tracker *t, const struct sc_records *tasks,
			struct sc_records *tcp, __u32 self_ns, struct sc_netns_early *early)
{
	const struct sc_task_record *task = tasks->data;
	struct netns_door *doors;
	bool stranded = false;
	size_t i, n = 0;
	int err = 0;

	doors = malloc((tasks->count ? tasks->count : 1) * sizeof(*doors));
	early->v = malloc((tasks->count ? tasks->count : 1) * sizeof(*early->v));
	if (!doors || !early->v) {
		free(doors);
		return sc_fail(ENOMEM, "out of memory");
	}
	/* No fd: pidfd_getfd fails and the thread's namespace is entered. */
	for (i = 0; i < tasks->count; i++)
		if (task[i].netns && task[i].netns != self_ns)
			doors[n++] = (struct netns_door){ task[i].netns, task[i].tgid, task[i].tgid,
							  UINT32_MAX };
	if (n)
		qsort(doors, n, sizeof(*doors), cmp_door);
	for (i = 0; i < n && !stranded; i++) {
		size_t from = tcp->count;

		if (i && doors[i].netns == doors[i - 1].netns)
			continue;
		err = walk_one(t, doors, i, n, tcp, &stranded);
		if (stranded)
			break;
		if (err) {
			tcp->count = from; /* a partial walk is walked again */
			err = 0;
			continue;
		}
		early->v[early->n++] = (struct sc_netns_early_walk){
			.netns = doors[i].netns, .from = from, .to = tcp->count,
		};
	}
	free(doors);
	return err;
}

static const struct sc_netns_early_walk *find_early(const struct sc_netns_early *early,
						    __u32 netns)
{
	size_t i;

	for (i = 0; i < early->n; i++)
		if (early->v[i].netns == netns)
			return &early->v[i];
	return NULL;
}

/*
 * Drops the records of early walks of namespaces in which no process holds
 * a TCP socket: a snapshot walks those that hold one, as ever. Early walks
 * are in order in the buffer, so the rest moves down over each gap.
 */
static void drop_unused_early(struct sc_records *tcp, struct sc_netns_early *early,
			      const bool *used)
{
	size_t i, removed = 0, end = tcp->count;

	for (i = early->n; i-- > 0;) {
		struct sc_netns_early_walk *e = &early->v[i];
		size_t n = e->to - e->from;

		if (used[i] || !n)
			continue;
		memmove((char *)tcp->data + e->from * tcp->rec_size,
			(char *)tcp->data + e->to * tcp->rec_size, (end - e->to) * tcp->rec_size);
		end -= n;
		removed += n;
	}
	tcp->count -= removed;
}

/*
 * iter/tcp only walks the namespace it is created in, so enter every other
 * namespace in which some process holds a TCP socket and walk it there
 * (unless walk_task_netns did). A namespace that cannot be entered or read
 * is counted as missed.
 */
int sc_netns_walk_held(const struct sc_tracker *t, const struct sc_records *files,
		       struct sc_records *tcp, __u32 self_ns, struct sc_netns_early *early,
		       __u32 *walked, __u32 *missed)
{
	const struct sc_file_record *f = files->data;
	struct netns_door *doors;
	const struct sc_netns_early_walk *e;
	bool *used, stranded = false;
	size_t i, n = 0;
	int err = 0;

	doors = malloc((files->count ? files->count : 1) * sizeof(*doors));
	used = calloc(early->n ? early->n : 1, sizeof(*used));
	if (!doors || !used) {
		free(doors);
		free(used);
		return sc_fail(ENOMEM, "out of memory");
	}
	for (i = 0; i < files->count; i++)
		if (f[i].netns && f[i].netns != self_ns)
			add_door(doors, &n, (struct netns_door){ f[i].netns, f[i].tgid, f[i].tid,
								 f[i].fd });
	if (n)
		qsort(doors, n, sizeof(*doors), cmp_door);
	for (i = 0; i < n; i++) {
		if (i && doors[i].netns == doors[i - 1].netns)
			continue;
		e = find_early(early, doors[i].netns);
		if (e) {
			used[e - early->v] = true;
			(*walked)++;
			continue;
		}
		err = walk_one(t, doors, i, n, tcp, &stranded);
		if (stranded)
			break;
		if (err) {
			sc_debug("network namespace %u not walked: %s", doors[i].netns,
				 strerror(-err));
			(*missed)++;
			err = 0;
			continue;
		}
		(*walked)++;
	}
	if (!stranded)
		drop_unused_early(tcp, early, used);
	free(doors);
	free(used);
	return err;
}

void sc_netns_early_free(struct sc_netns_early *early)
{
	free(early->v);
	early->v = NULL;
	early->n = 0;
}

int sc_netns_walk_conn_state(const struct sc_tracker *t, const struct sc_records *conns,
			     struct sc_records *states, __u32 self_ns, __u32 *missed,
			     void (*between)(void *ctx), void *ctx)
{
	const struct sc_conn_record *c = conns->data;
	struct netns_door *doors;
	bool stranded = false, self = false, denied = false;
	size_t i, n = 0;
	int err = 0;

	*missed = 0;
	doors = malloc((conns->count ? conns->count : 1) * sizeof(*doors));
	if (!doors)
		return sc_fail(ENOMEM, "out of memory");
	for (i = 0; i < conns->count; i++) {
		if (c[i].kind != SC_CONN_TCP)
			continue;
		if (c[i].netns == self_ns || !c[i].netns)
			self = true;
		else
			add_door(doors, &n, (struct netns_door){ c[i].netns, c[i].tgid, c[i].tgid,
								 c[i].fd });
	}
	if (self)
		err = sc_iter_read_with(sc_tracker_iter_link_fd(t, SC_ITER_CONN_STATE), states,
					between, ctx);
	if (n && !err)
		qsort(doors, n, sizeof(*doors), cmp_door);
	for (i = 0; i < n && !err && !denied; i++) {
		size_t from = states->count;

		if (i && doors[i].netns == doors[i - 1].netns)
			continue;
		err = walk_one_with(t, SC_ITER_CONN_STATE, doors, i, n, states, between, ctx,
				    &stranded);
		if (stranded)
			break;
		if (err) {
			sc_debug("network namespace %u: no watch state read: %s", doors[i].netns,
				 strerror(-err));
			states->count = from;
			(*missed)++;
			/* Without CAP_SYS_ADMIN (--own-netns-only) no other one opens either. */
			denied = err == -EPERM;
			err = 0;
		}
	}
	for (; denied && i < n; i++)
		*missed += doors[i].netns != doors[i - 1].netns;
	free(doors);
	return err;
}

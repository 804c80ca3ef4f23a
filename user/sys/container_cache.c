// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup_read.h"
#include "clock.h"
#include "common.h"
#include "container_cache.h"

/* A process is seen moved to another cgroup within this. */
#define PID_RECHECK_NS (60ull * 1000000000ull)
/*
 * A container the node has no names for yet (its log link comes later, or
 * the links directory is not mounted): asked again after this.
 */
#define NAMES_RETRY_NS (30ull * 1000000000ull)
/* Named ones too, more seldom: Docker renames containers. */
#define NAMES_RECHECK_NS (300ull * 1000000000ull)

struct cached_pid {
	__u32 pid;
	char comm[SC_COMM_LEN + 1];
	__u64 read_ns;
	struct sc_place place;
};

struct cached_names {
	struct sc_place place;       /* container id and pod uid: the key */
	bool found;
	__u64 read_ns;
	struct sc_container_names names;
};

void sc_container_cache_init(struct sc_container_cache *cc, const struct sc_container_dirs *dirs)
{
	memset(cc, 0, sizeof(*cc));
	cc->dirs = *dirs;
}

void sc_container_cache_free(struct sc_container_cache *cc)
{
	free(cc->pids);
	free(cc->names);
	cc->pids = NULL;
	cc->names = NULL;
	cc->npids = cc->nnames = 0;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct cached_pid *x = a, *y = b;

	return CMP(x->pid, y->pid);
}

static int cmp_names(const void *a, const void *b)
{
	const struct cached_names *x = a, *y = b;

	return strcmp(x->place.container.id, y->place.container.id) ?:
	       strcmp(x->place.container.pod_uid, y->place.container.pod_uid);
}

/* The place of each of s's processes, into places[] and a new pid cache. */
static int places_of(struct sc_container_cache *cc, const struct sc_summary *s, __u64 now,
		     struct sc_place *places)
{
	struct cached_pid *fresh = calloc(s->nprocs ? s->nprocs : 1, sizeof(*fresh)), *old;
	char path[SC_CGROUP_PATH_LEN];
	size_t i;

	if (!fresh)
		return -ENOMEM;
	for (i = 0; i < s->nprocs; i++) {
		const struct sc_summary_proc *p = &s->procs[i];
		struct cached_pid key = { .pid = p->pid };

		old = cc->npids ? bsearch(&key, cc->pids, cc->npids, sizeof(key), cmp_pid) : NULL;
		if (old && !strcmp(old->comm, p->comm) && now - old->read_ns < PID_RECHECK_NS) {
			fresh[i] = *old;
		} else {
			fresh[i].pid = p->pid;
			memcpy(fresh[i].comm, p->comm, sizeof(fresh[i].comm));
			fresh[i].read_ns = now;
			cc->cgroup_reads++;
			/* Gone or no cgroup v2: counted with the host. */
			if (sc_cgroup_of_pid(p->pid, path, sizeof(path)))
				path[0] = '\0';
			sc_place_of(path, &fresh[i].place);
		}
		places[i] = fresh[i].place;
	}
	qsort(fresh, s->nprocs, sizeof(*fresh), cmp_pid);
	free(cc->pids);
	cc->pids = fresh;
	cc->npids = s->nprocs;
	return 0;
}

/* All the node can say: a container its name, a pod (no container id) its namespace and name. */
static bool names_complete(const struct cached_names *c)
{
	return c->found && (!c->place.container.id[0] || c->names.name[0]);
}

/* Names each container or pod row, from the cache or the node. */
static int name_rows(struct sc_container_cache *cc, struct sc_container_row *rows, size_t n,
		     __u64 now)
{
	struct cached_names *fresh = calloc(n ? n : 1, sizeof(*fresh)), *old;
	size_t i, k = 0;

	if (!fresh)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct cached_names key = { .place = rows[i].place };

		if (rows[i].place.unit[0])
			continue;
		old = cc->nnames ? bsearch(&key, cc->names, cc->nnames, sizeof(key), cmp_names)
				 : NULL;
		if (old && now - old->read_ns < (names_complete(old) ? NAMES_RECHECK_NS
								     : NAMES_RETRY_NS)) {
			fresh[k] = *old;
		} else {
			fresh[k] = key;
			fresh[k].read_ns = now;
			cc->name_lookups++;
			fresh[k].found = !sc_container_names_read(&cc->dirs, &key.place.container,
								  &fresh[k].names);
			/* A re-check the node cannot answer now keeps what it said before. */
			if (!fresh[k].found && old && old->found) {
				fresh[k].found = true;
				fresh[k].names = old->names;
			}
		}
		rows[i].names = fresh[k++].names;
	}
	qsort(fresh, k, sizeof(*fresh), cmp_names);
	free(cc->names);
	cc->names = fresh;
	cc->nnames = k;
	return 0;
}

int sc_container_cache_rows(struct sc_container_cache *cc, const struct sc_summary *s,
			    const struct sc_proc_cost *costs, size_t ncosts,
			    struct sc_container_row **rows, size_t *n)
{
	struct sc_place *places = calloc(s->nprocs ? s->nprocs : 1, sizeof(*places));
	__u64 now = sc_clock_ns(CLOCK_MONOTONIC);
	int err = -ENOMEM;

	*rows = NULL;
	*n = 0;
	if (!places)
		return -ENOMEM;
	err = places_of(cc, s, now, places);
	if (!err)
		err = sc_container_rows_build(s, places, costs, ncosts, rows, n);
	if (!err) {
		err = name_rows(cc, *rows, *n, now);
		if (err) {
			free(*rows);
			*rows = NULL;
			*n = 0;
		}
	}
	free(places);
	return err;
}

bool sc_container_cache_place(const struct sc_container_cache *cc, __u32 pid,
			      struct sc_place *place, struct sc_container_names *names)
{
	struct cached_pid pkey = { .pid = pid };
	const struct cached_pid *p;
	const struct cached_names *nm = NULL;

	p = cc->npids ? bsearch(&pkey, cc->pids, cc->npids, sizeof(pkey), cmp_pid) : NULL;
	if (!p)
		return false;
	*place = p->place;
	if (!place->unit[0] && cc->nnames) {
		struct cached_names nkey = { .place = p->place };

		nm = bsearch(&nkey, cc->names, cc->nnames, sizeof(nkey), cmp_names);
	}
	if (nm)
		*names = nm->names;
	else
		memset(names, 0, sizeof(*names));
	return true;
}

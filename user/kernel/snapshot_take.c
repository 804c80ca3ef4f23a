// SPDX-License-Identifier: GPL-2.0
/* Reads the kernel (iterators and maps) into a snapshot. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_read.h"
#include "clock.h"
#include "common.h"
#include "container_names_read.h"
#include "iter_read.h"
#include "kernel_hz.h"
#include "log.h"
#include "netns.h"
#include "netns_walk.h"
#include "walk_join.h"
#include "proc_fds.h"
#include "pushdown.h"
#include "snapshot_take.h"
#include "snapshot_build.h"
#include "tracker.h"

static int read_iter(int link_fd, struct sc_records *recs, const char *what)
{
	int err = sc_iter_read(link_fd, recs);

	if (err == -EPROTO)
		return sc_fail(EPROTO, "%s iterator returned a partial record: mismatched BPF object", what);
	if (err)
		return sc_fail(-err, "cannot read %s iterator: %s", what, strerror(-err));
	return 0;
}

/* fds the kernel could not count for a listed process (fds_from_tasks): /proc's. */
static void count_unknown_fds(struct sc_snapshot *snap)
{
	size_t i;

	for (i = 0; i < snap->nprocesses; i++)
		if (snap->processes[i].fds == SC_FDS_UNKNOWN)
			snap->processes[i].fds = sc_proc_fd_count(snap->processes[i].pid);
}

/* The names of p's container, looked up once per container (seen: those named so far). */
static void name_process(const struct sc_container_dirs *dirs, struct sc_process *p,
			 const struct sc_process **seen, size_t *nseen)
{
	size_t i;

	if (!p->container.id[0] && !p->container.pod_uid[0])
		return;
	for (i = 0; i < *nseen; i++) {
		if (!strcmp(seen[i]->container.id, p->container.id) &&
		    !strcmp(seen[i]->container.pod_uid, p->container.pod_uid)) {
			p->names = seen[i]->names;
			return;
		}
	}
	sc_container_names_read(dirs, &p->container, &p->names);
	seen[(*nseen)++] = p;
}

/*
 * Each listed process's cgroup, container (or unit) and the container's
 * names: one small /proc read each, and a few reads per container.
 */
static void identify_processes(struct sc_snapshot *snap)
{
	const struct sc_process **seen = calloc(snap->nprocesses ? snap->nprocesses : 1,
						sizeof(*seen));
	struct sc_container_dirs dirs;
	struct sc_place place;
	size_t i, nseen = 0;

	sc_container_dirs_default(&dirs);
	for (i = 0; i < snap->nprocesses; i++) {
		struct sc_process *p = &snap->processes[i];

		if (sc_cgroup_of_pid(p->pid, p->cgroup, sizeof(p->cgroup)))
			p->cgroup[0] = '\0'; /* exited, or no cgroup v2 */
		sc_place_of(p->cgroup, &place);
		p->container = place.container;
		memcpy(p->unit, place.unit, sizeof(p->unit));
		memset(&p->names, 0, sizeof(p->names));
		/* Out of memory: ids and pod uids stay, names are left out. */
		if (seen)
			name_process(&dirs, p, seen, &nseen);
	}
	free(seen);
}

/* The kernel's HZ from the first socket this namespace's walk yields, 0 if none. */
static __u32 first_record_hz(const struct sc_tracker *t)
{
	struct sc_tcp_record r;

	if (sc_iter_read_first(sc_tracker_iter_link_fd(t, SC_ITER_TCP), &r, sizeof(r)))
		return 0;
	return sc_kernel_hz(r.now_jiffies, r.now_ns);
}

struct file_walk {
	int link_fd;
	struct sc_records *files;
	int err;
};

static void *walk_files(void *arg)
{
	struct file_walk *w = arg;

	w->err = read_iter(w->link_fd, w->files, "task_file");
	return NULL;
}

/* What the walks read. */
struct walked {
	struct sc_records tcp, files, tasks;
	__u32 netns_walked, netns_missed;
	__u64 own_ns_ns;          /* how long this namespace's socket walk took */
};

static void walked_free(struct walked *w)
{
	sc_records_free(&w->tcp);
	sc_records_free(&w->files);
	sc_records_free(&w->tasks);
}

/* The host's TCP walks: this namespace's sockets, then those of namespaces processes live in. */
static int walk_host_sockets(const struct sc_tracker *t, struct walked *w, __u32 self_ns,
			     struct sc_netns_early *early)
{
	__u64 t0 = sc_mono_ns();
	int err = read_iter(sc_tracker_iter_link_fd(t, SC_ITER_TCP), &w->tcp, "TCP");

	w->own_ns_ns = sc_mono_ns() - t0;
	return err ? err : sc_netns_walk_lived(t, &w->tasks, &w->tcp, self_ns, early);
}

/*
 * One process (--pid): its files, then the host's TCP walks write the
 * sockets it holds (by cookie) and every listener: whether a connection is
 * a server's or a client's depends on listeners other processes hold (a
 * PostgreSQL backend's postmaster), and cost sums a port's drops over all
 * its listeners.
 */
static int walk_process(const struct sc_tracker *t, struct sc_pushdown *push, struct walked *w,
			__u32 self_ns)
{
	struct file_walk files = { .link_fd = sc_pushdown_link(push, t, SC_ITER_TASK_FILE),
				   .files = &w->files };
	struct sc_netns_early early = { 0 };
	int err;

	walk_files(&files);
	if (files.err)
		return files.err;
	sc_pushdown_tcp_by_holder(push, &w->files);
	err = walk_host_sockets(t, w, self_ns, &early);
	w->netns_walked = 1;
	if (!err)
		err = sc_netns_walk_held(t, &w->files, &w->tcp, self_ns, &early, &w->netns_walked,
					 &w->netns_missed);
	sc_netns_early_free(&early);
	return err;
}

/*
 * Every process's files and the host's sockets. The file walk and the
 * socket walks are independent: run them on two CPUs. After the file walk,
 * namespaces only a socket leads to.
 */
static int walk_host(const struct sc_tracker *t, const struct sc_pushdown *push,
		     struct walked *w, __u32 self_ns)
{
	struct file_walk files = { .link_fd = sc_pushdown_link(push, t, SC_ITER_TASK_FILE),
				   .files = &w->files };
	struct sc_netns_early early = { 0 };
	pthread_t thread;
	bool threaded;
	int err;

	threaded = !pthread_create(&thread, NULL, walk_files, &files);
	if (!threaded)
		walk_files(&files);
	err = walk_host_sockets(t, w, self_ns, &early);
	if (threaded)
		pthread_join(thread, NULL);
	if (!err)
		err = files.err;
	w->netns_walked = 1;
	if (!err)
		err = sc_netns_walk_held(t, &w->files, &w->tcp, self_ns, &early, &w->netns_walked,
					 &w->netns_missed);
	sc_netns_early_free(&early);
	return err;
}

/*
 * How many records the per-socket storage map holds: a pass over every one
 * (40-100 ms at 200K), so it runs on a thread of its own beside the
 * snapshot's build.
 */
struct storage_count {
	int link_fd;
	struct sc_records recs;
	pthread_t thread;
	bool started, threaded;
	int err;
};

static void *count_storage(void *arg)
{
	struct storage_count *c = arg;

	c->err = read_iter(c->link_fd, &c->recs, "storage");
	return NULL;
}

static void storage_count_start(struct storage_count *c)
{
	c->started = true;
	c->threaded = !pthread_create(&c->thread, NULL, count_storage, c);
	if (!c->threaded)
		count_storage(c);
}

/* The count into snap. Returns 0 or the pass's error (logged). */
static int storage_count_end(struct storage_count *c, struct sc_snapshot *snap)
{
	int err;

	if (c->threaded)
		pthread_join(c->thread, NULL);
	c->started = c->threaded = false;
	err = c->err;
	/* One record: the count (iter_storage.bpf.c). */
	snap->has_storage_records = !err && c->recs.count == 1;
	snap->storage_records = snap->has_storage_records ? *(__u64 *)c->recs.data : 0;
	sc_records_free(&c->recs);
	return err;
}

struct sc_snapshot *sc_snapshot_take(const struct sc_tracker *t, const struct sc_take_scope *scope)
{
	struct walked w = {
		.tcp = { .rec_size = sizeof(struct sc_tcp_record) },
		.files = { .rec_size = sizeof(struct sc_file_record) },
		.tasks = { .rec_size = sizeof(struct sc_task_record) },
	};
	struct storage_count storage = { .recs = { .rec_size = sizeof(__u64) } };
	bool cost_inputs = scope && scope->cost_inputs;
	struct sc_snapshot *snap;
	struct sc_raw raw;
	struct sc_pushdown push;
	__u64 t0, t2, skipped[2];
	bool fds_from_tasks;
	__u32 self_ns;
	int err;

	snap = calloc(1, sizeof(*snap));
	if (!snap) {
		sc_err("out of memory");
		return NULL;
	}
	sc_pushdown_begin(&push, t, scope ? scope->pid : 0, scope ? scope->port : -1);
	self_ns = sc_netns_self();
	t0 = sc_mono_ns();
	/* Processes first (a record each): where they live says which namespaces to walk. */
	if (read_iter(sc_pushdown_link(&push, t, SC_ITER_TASK), &w.tasks, "task"))
		goto fail;
	fds_from_tasks = !cost_inputs && sc_pushdown_files_by_port(&push, &w.tasks);
	if (push.f.flags & SC_WALK_PID)
		err = walk_process(t, &push, &w, self_ns);
	else
		err = walk_host(t, &push, &w, self_ns);
	if (!err && sc_walk_join_cookies(w.files.data, w.files.count, w.tcp.data, w.tcp.count))
		err = sc_fail(ENOMEM, "out of memory");
	if (err)
		goto fail;
	snap->netns_walked = w.netns_walked;
	snap->netns_missed = w.netns_missed;
	sc_pushdown_end(&push, skipped);
	t2 = sc_mono_ns();
	/* Counted after the walks, which may add records for established sockets. */
	storage.link_fd = sc_tracker_iter_link_fd(t, SC_ITER_STORAGE);
	if (storage.link_fd >= 0 && !(scope && scope->no_storage_count))
		storage_count_start(&storage);
	if (sc_tracker_read_counters(t, &snap->counters) ||
	    sc_tracker_read_config(t, &snap->config))
		goto fail;
	snap->hook = sc_tracker_hook(t);
	snap->taken_ns = sc_mono_ns();
	snap->bpf_missed_events = sc_tracker_missed_events(t);
	if (w.tcp.count)
		snap->kernel_hz = sc_kernel_hz(((struct sc_tcp_record *)w.tcp.data)[0].now_jiffies,
					       ((struct sc_tcp_record *)w.tcp.data)[0].now_ns);
	else if (push.f.flags)
		snap->kernel_hz = first_record_hz(t); /* the filter kept none: read one unfiltered */

	raw = (struct sc_raw){
		.tcp = w.tcp.data, .ntcp = w.tcp.count,
		.files = w.files.data, .nfiles = w.files.count,
		.tasks = w.tasks.data, .ntasks = w.tasks.count,
		.hz = snap->kernel_hz,
		.now_ns = snap->taken_ns,
		.fds_from_tasks = fds_from_tasks,
	};
	err = sc_snapshot_build(snap, &raw, (__u32)getpid());
	w.tcp.data = raw.tcp; /* NULL once the snapshot took it over */
	if (err) {
		sc_err("cannot build snapshot: %s", strerror(-err));
		goto fail;
	}
	/*
	 * Host-wide counts stay whole: the TCP walks counted what they skipped
	 * by filter. With --pid there is no host walk: the process's own.
	 */
	snap->established[0] += skipped[0];
	snap->established[1] += skipped[1];
	sc_debug("snapshot: walks %.1f ms (own namespace's sockets %.1f ms), %zu files, "
		 "%zu sockets in %u namespaces, join %.1f ms", (t2 - t0) / 1e6, w.own_ns_ns / 1e6,
		 w.files.count, w.tcp.count, snap->netns_walked, (sc_mono_ns() - t2) / 1e6);
	walked_free(&w);
	if (fds_from_tasks)
		count_unknown_fds(snap);
	identify_processes(snap);
	if (storage.started && storage_count_end(&storage, snap))
		goto fail;
	return snap;

fail:
	sc_pushdown_end(&push, skipped);
	if (storage.started)
		storage_count_end(&storage, snap);
	walked_free(&w);
	sc_snapshot_free(snap);
	return NULL;
}

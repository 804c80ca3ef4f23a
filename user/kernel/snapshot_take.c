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
#include "iter_read.h"
#include "kernel_hz.h"
#include "log.h"
#include "netns.h"
#include "snapshot_take.h"
#include "snapshot_build.h"
#include "tracker.h"

static int read_iter(const struct sc_tracker *t, enum sc_iter_kind kind,
		     struct sc_records *recs, const char *what)
{
	int err = sc_iter_read(sc_tracker_iter_link_fd(t, kind), recs);

	if (err == -EPROTO)
		return sc_fail(EPROTO, "%s iterator returned a partial record: mismatched BPF object", what);
	if (err)
		return sc_fail(-err, "cannot read %s iterator: %s", what, strerror(-err));
	return 0;
}

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
 * iter/tcp only walks the namespace it is created in, so enter every other
 * namespace in which some process holds a TCP socket and walk it there. A
 * namespace that cannot be entered or read is counted as missed.
 */
static int walk_other_netns(const struct sc_tracker *t, const struct sc_records *files,
			    struct sc_records *tcp, __u32 self_ns, struct sc_snapshot *snap)
{
	const struct sc_file_record *f = files->data;
	struct netns_door *doors;
	size_t i, n = 0;
	int restore, err = 0;

	doors = malloc((files->count ? files->count : 1) * sizeof(*doors));
	if (!doors)
		return sc_fail(ENOMEM, "out of memory");
	for (i = 0; i < files->count; i++)
		if (f[i].netns && f[i].netns != self_ns)
			doors[n++] = (struct netns_door){ f[i].netns, f[i].tgid, f[i].tid, f[i].fd };
	if (n)
		qsort(doors, n, sizeof(*doors), cmp_door);
	for (i = 0; i < n; i++) {
		if (i && doors[i].netns == doors[i - 1].netns)
			continue;
		err = enter_netns(doors, i, n, &restore);
		if (!err) {
			err = sc_iter_read(sc_tracker_iter_link_fd(t, SC_ITER_TCP), tcp);
			if (sc_netns_leave(restore)) {
				err = sc_fail(errno, "cannot return to own network namespace: %s",
					     strerror(errno));
				break;
			}
		}
		if (err) {
			sc_debug("network namespace %u not walked: %s", doors[i].netns,
				 strerror(-err));
			snap->netns_missed++;
			err = 0;
			continue;
		}
		snap->netns_walked++;
	}
	free(doors);
	return err;
}

/* Each listed process's cgroup and container: one small /proc read each. */
static void identify_processes(struct sc_snapshot *snap)
{
	size_t i;

	for (i = 0; i < snap->nprocesses; i++) {
		struct sc_process *p = &snap->processes[i];

		if (sc_cgroup_of_pid(p->pid, p->cgroup, sizeof(p->cgroup)))
			p->cgroup[0] = '\0'; /* exited, or no cgroup v2 */
		sc_cgroup_identify(p->cgroup, &p->container);
	}
}

struct process_walk {
	const struct sc_tracker *t;
	struct sc_records *tasks;
	struct sc_records *files;
	int err;
};

static void *walk_processes(void *arg)
{
	struct process_walk *w = arg;

	w->err = read_iter(w->t, SC_ITER_TASK, w->tasks, "task") ||
		 read_iter(w->t, SC_ITER_TASK_FILE, w->files, "task_file");
	return NULL;
}

struct sc_snapshot *sc_snapshot_take(const struct sc_tracker *t)
{
	struct sc_records tcp = { .rec_size = sizeof(struct sc_tcp_record) };
	struct sc_records files = { .rec_size = sizeof(struct sc_file_record) };
	struct sc_records tasks = { .rec_size = sizeof(struct sc_task_record) };
	struct sc_records storage = { .rec_size = sizeof(__u64) };
	struct sc_snapshot *snap;
	struct sc_raw raw;
	struct process_walk walk;
	__u64 t0, t1, t2;
	pthread_t thread;
	bool threaded;
	__u32 self_ns;
	int err;

	snap = calloc(1, sizeof(*snap));
	if (!snap) {
		sc_err("out of memory");
		return NULL;
	}
	self_ns = sc_netns_self();
	t0 = sc_mono_ns();
	/*
	 * The process walk and this namespace's socket walk are independent:
	 * run them on two CPUs. Other namespaces need the process walk first.
	 */
	walk = (struct process_walk){ .t = t, .tasks = &tasks, .files = &files };
	threaded = !pthread_create(&thread, NULL, walk_processes, &walk);
	if (!threaded)
		walk_processes(&walk);
	err = read_iter(t, SC_ITER_TCP, &tcp, "TCP");
	t1 = sc_mono_ns();
	if (threaded)
		pthread_join(thread, NULL);
	if (err || walk.err)
		goto fail;
	snap->netns_walked = 1;
	if (walk_other_netns(t, &files, &tcp, self_ns, snap))
		goto fail;
	t2 = sc_mono_ns();
	if (sc_tracker_read_counters(t, &snap->counters) ||
	    sc_tracker_read_config(t, &snap->config))
		goto fail;
	snap->hook = sc_tracker_hook(t);
	snap->taken_ns = sc_mono_ns();
	snap->bpf_missed_events = sc_tracker_missed_events(t);
	/* Counted after the walks, which may add records for established sockets. */
	if (sc_tracker_iter_link_fd(t, SC_ITER_STORAGE) >= 0) {
		if (read_iter(t, SC_ITER_STORAGE, &storage, "storage"))
			goto fail;
		/* One record: the count (iter_storage.bpf.c). */
		snap->has_storage_records = storage.count == 1;
		snap->storage_records = storage.count == 1 ? *(__u64 *)storage.data : 0;
		sc_records_free(&storage);
	}
	if (tcp.count)
		snap->kernel_hz = sc_kernel_hz(((struct sc_tcp_record *)tcp.data)[0].now_jiffies,
					       ((struct sc_tcp_record *)tcp.data)[0].now_ns);

	raw = (struct sc_raw){
		.tcp = tcp.data, .ntcp = tcp.count,
		.files = files.data, .nfiles = files.count,
		.tasks = tasks.data, .ntasks = tasks.count,
		.hz = snap->kernel_hz,
		.now_ns = snap->taken_ns,
	};
	err = sc_snapshot_build(snap, &raw, (__u32)getpid());
	tcp.data = raw.tcp; /* NULL once the snapshot took it over */
	if (err) {
		sc_err("cannot build snapshot: %s", strerror(-err));
		goto fail;
	}
	sc_debug("snapshot: walks %.1f ms (own namespace's sockets %.1f ms), %zu files, "
		 "%zu sockets in %u namespaces, join %.1f ms", (t2 - t0) / 1e6, (t1 - t0) / 1e6,
		 files.count, tcp.count, snap->netns_walked, (sc_mono_ns() - t2) / 1e6);
	sc_records_free(&tcp);
	sc_records_free(&files);
	sc_records_free(&tasks);
	identify_processes(snap);
	return snap;

fail:
	sc_records_free(&storage);
	sc_records_free(&tcp);
	sc_records_free(&files);
	sc_records_free(&tasks);
	sc_snapshot_free(snap);
	return NULL;
}

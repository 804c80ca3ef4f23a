// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <time.h>

#include "iter_read.h"
#include "kernel_hz.h"
#include "log.h"
#include "summary_build.h"
#include "tracker.h"

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* HZ does not change while we run; deriving it once from the first walk is enough. */
static __u32 kernel_hz(const struct sc_conn_record *header)
{
	static __u32 hz;

	if (!hz)
		hz = sc_kernel_hz(header->last_active_jiffies, header->established_ns);
	return hz;
}

/*
 * Two walks, both in the kernel: one compact record per open file of every
 * process (about 48 bytes a socket), and one per process for names and
 * limits. No per-socket join in userspace beyond a sort by cookie.
 */
int sc_summary_collect(struct sc_summary *s, const struct sc_tracker *t,
		       const struct sc_idle_policy *policy)
{
	struct sc_records conns = { .rec_size = sizeof(struct sc_conn_record) };
	struct sc_records tasks = { .rec_size = sizeof(struct sc_task_record) };
	struct sc_summary_inputs in = { .policy = *policy, .hook = sc_tracker_hook(t) };
	struct sc_config cfg;
	__u64 start = mono_ns();
	int err;

	memset(s, 0, sizeof(*s));
	err = sc_tracker_read_config(t, &cfg);
	if (!err)
		err = sc_tracker_read_counters(t, &in.counters);
	if (err)
		return err;
	in.attached_ns = cfg.attached_ns;
	err = sc_iter_read(sc_tracker_iter_link_fd(t, SC_ITER_TASK), &tasks);
	if (!err)
		err = sc_iter_read(sc_tracker_iter_link_fd(t, SC_ITER_CONN), &conns);
	if (err) {
		sc_err("cannot walk processes and their sockets: %s", strerror(-err));
		goto out;
	}
	if (conns.count)
		in.kernel_hz = kernel_hz(conns.data);
	err = sc_summary_build(s, conns.data, conns.count, tasks.data, tasks.count, &in);
	if (err) {
		sc_err("cannot summarize the walk: %s", strerror(-err));
		goto out;
	}
	s->bpf_missed_events = sc_tracker_missed_events(t);
	s->collect_ns = mono_ns() - start;
out:
	sc_records_free(&conns);
	sc_records_free(&tasks);
	return err;
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "kernel_hz.h"
#include "log.h"
#include "netns.h"
#include "netns_walk.h"
#include "tracker.h"
#include "walk.h"
#include "walk_join.h"

/*
 * The file walk's sockets take their cookie and watch state from a walk of
 * each namespace they live in (walk_join.h says why).
 */
static int join_state(struct sc_walk *w, const struct sc_tracker *t,
		      void (*between)(void *ctx), void *ctx)
{
	struct sc_records states = { .rec_size = sizeof(struct sc_conn_state_record) };
	__u32 missed = 0;
	int err;

	err = sc_netns_walk_conn_state(t, &w->conns, &states, sc_netns_self(), &missed, between,
				       ctx);
	if (!err)
		err = sc_walk_join_state(w->conns.data, w->conns.count, states.data, states.count);
	if (missed)
		sc_debug("%u network namespaces not entered: their sockets have no watch state",
			 missed);
	sc_records_free(&states);
	return err;
}

/*
 * Three walks, all in the kernel: one compact record per open file of every
 * process (56 bytes a socket), the watch state of their sockets, namespace
 * by namespace (40 bytes a socket, while joining), and one record per
 * process for names and limits.
 */
int sc_walk_take(struct sc_walk *w, const struct sc_tracker *t,
		 const struct sc_idle_policy *policy)
{
	return sc_walk_take_with(w, t, policy, NULL, NULL);
}

int sc_walk_take_with(struct sc_walk *w, const struct sc_tracker *t,
		      const struct sc_idle_policy *policy, void (*between)(void *ctx), void *ctx)
{
	struct sc_config cfg;
	__u64 start = sc_mono_ns();
	int err;

	memset(w, 0, sizeof(*w));
	w->conns.rec_size = sizeof(struct sc_conn_record);
	w->tasks.rec_size = sizeof(struct sc_task_record);
	w->in.policy = *policy;
	w->in.hook = sc_tracker_hook(t);
	if (sc_tracker_read_config(t, &cfg) || sc_tracker_read_counters(t, &w->in.counters))
		return -EIO;
	w->in.attached_ns = cfg.attached_ns;
	err = sc_iter_read(sc_tracker_iter_link_fd(t, SC_ITER_TASK), &w->tasks);
	if (!err)
		err = sc_iter_read_with(sc_tracker_iter_link_fd(t, SC_ITER_CONN), &w->conns,
					between, ctx);
	if (!err)
		err = join_state(w, t, between, ctx);
	if (err) {
		sc_err("cannot walk processes and their sockets: %s", strerror(-err));
		sc_walk_free(w);
		return err;
	}
	if (w->conns.count) {
		const struct sc_conn_record *header = w->conns.data;

		w->in.kernel_hz = sc_kernel_hz(header->last_active_jiffies, header->established_ns);
	}
	w->took_ns = sc_mono_ns() - start;
	return 0;
}

void sc_walk_free(struct sc_walk *w)
{
	sc_records_free(&w->conns);
	sc_records_free(&w->tasks);
}

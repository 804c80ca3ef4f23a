// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "common.h"
#include "health_pass.h"
#include "log.h"
#include "netns.h"
#include "snapshot_build.h"
#include "tracker.h"

struct pass {
	const struct sc_mirror *mirror;
	const struct sc_health_policy *policy;
	__u32 hz;
	struct sc_health_tally *out;
};

/* The socket's first holder as the mirror has it; 0 if none (time-wait, orphans). */
static __u32 first_holder(const struct sc_mirror *m, __u64 cookie)
{
	struct sc_mirror_pos pos = sc_mirror_find(m, cookie);

	return pos.first == SC_MIRROR_END ? 0 : sc_mirror_tgid(m, &m->recs[pos.first]);
}

static void judge_one(void *ctx, const void *rec)
{
	const struct sc_tcp_record *r = rec;
	struct pass *p = ctx;
	struct sc_health_result h;
	struct sc_socket s;

	sc_socket_from_tcp_record(&s, r, p->hz, r->now_ns);
	h = sc_health_judge(&s, p->policy);
	sc_health_tally_add(p->out, h.health ? first_holder(p->mirror, r->cookie) : 0, r->lport,
			    &h);
}

static int cmp_task_netns(const void *a, const void *b)
{
	const struct sc_task_record *x = a, *y = b;

	return CMP(x->netns, y->netns);
}

/* Enters tasks[i]'s namespace through any process of it still alive; *next: the following one. */
static int enter(const struct sc_task_record *tasks, size_t i, size_t n, size_t *next,
		 int *restore)
{
	int err = -ESRCH;
	size_t j;

	for (j = i; j < n && tasks[j].netns == tasks[i].netns; j++)
		if (err)
			err = sc_netns_enter(tasks[j].tgid, tasks[j].tgid, UINT32_MAX, tasks[i].netns,
					     restore);
	*next = j;
	return err;
}

static int walk_others(const struct sc_summary_live *l, int link, struct pass *p, __u32 self,
		       __u32 *missed)
{
	size_t n = l->tasks.count, i, next;
	struct sc_task_record *tasks;
	int restore, err = 0;

	tasks = malloc((n ? n : 1) * sizeof(*tasks));
	if (!tasks)
		return sc_fail(ENOMEM, "out of memory");
	memcpy(tasks, l->tasks.data, n * sizeof(*tasks));
	qsort(tasks, n, sizeof(*tasks), cmp_task_netns);
	for (i = 0; i < n; i = next) {
		next = i + 1;
		if (!tasks[i].netns || tasks[i].netns == self) {
			while (next < n && tasks[next].netns == tasks[i].netns)
				next++;
			continue;
		}
		if (enter(tasks, i, n, &next, &restore)) {
			(*missed)++;
			continue;
		}
		if (sc_iter_stream(link, sizeof(struct sc_tcp_record), judge_one, p))
			(*missed)++;
		if (sc_netns_leave(restore)) {
			err = sc_fail(errno, "cannot return to own network namespace: %s",
				      strerror(errno));
			break;
		}
	}
	free(tasks);
	return err;
}

int sc_health_pass(const struct sc_summary_live *l, const struct sc_tracker *t,
		   const struct sc_health_policy *policy, const struct sc_summary *s,
		   struct sc_health_tally *out, __u32 *missed)
{
	__u64 cpu = sc_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	int link = sc_tracker_iter_link_fd(t, SC_ITER_TCP);
	struct pass p = { .mirror = &l->mirror, .policy = policy, .hz = l->in.kernel_hz, .out = out };
	int err;

	*missed = 0;
	if (sc_health_tally_init(out, s))
		return sc_fail(ENOMEM, "out of memory");
	err = sc_iter_stream(link, sizeof(struct sc_tcp_record), judge_one, &p);
	if (err) {
		sc_warn("health pass: cannot walk TCP sockets: %s", strerror(-err));
		sc_health_tally_free(out);
		return err;
	}
	err = walk_others(l, link, &p, sc_netns_self(), missed);
	if (err) {
		sc_health_tally_free(out);
		return err;
	}
	out->took_ns = sc_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu;
	out->wall_ns = sc_clock_ns(CLOCK_REALTIME);
	return 0;
}

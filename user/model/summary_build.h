/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SUMMARY_BUILD_H
#define SC_SUMMARY_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "listen_keys.h"
#include "summary.h"

/* What the aggregate walk's records are judged with. */
struct sc_summary_inputs {
	struct sc_idle_policy policy;
	enum sc_hook hook;
	__u64 attached_ns;          /* when the activity hook attached */
	__u32 kernel_hz;            /* 0 if unknown */
	struct sc_counters counters;
};

/*
 * Folds the aggregate walk (recs: a header record, then one per TCP socket
 * and process holding it; kind 0 and tgid 0 are skipped) and the process
 * records (tasks, by tgid: names, limits and fd counts) into s. Pure. Returns 0,
 * -EPROTO if recs does not start with a header, or -ENOMEM.
 */
int sc_summary_build(struct sc_summary *s, const struct sc_conn_record *recs, size_t nrecs,
		     const struct sc_task_record *tasks, size_t ntasks,
		     const struct sc_summary_inputs *in);

/*
 * s->netns from the namespaces keyed in held (port 0), those whose count
 * (by slot; NULL: all) is not 0. Returns 0 or -ENOMEM.
 */
int sc_summary_set_netns(struct sc_summary *s, const struct sc_listen_keys *held,
			 const __u64 *count);

/* Processes by connections, then sockets, then pid; ports by connections, then port. */
void sc_summary_sort(struct sc_summary *s);

/* The task record of tgid in tasks (sorted by tgid), NULL if none. */
const struct sc_task_record *sc_task_find(const struct sc_task_record *tasks, size_t ntasks,
					  __u32 tgid);

/* What records are judged against: a walk's header clocks, or the mirror's now. */
struct sc_clock_ref {
	__u64 now_ns;          /* CLOCK_MONOTONIC */
	__u64 now_jiffies;     /* jiffies_64 at the same instant */
	__u32 hz;              /* 0 if unknown */
};

/* The clocks a header record carries (sockcost.h, sc_conn_record). */
struct sc_clock_ref sc_clock_ref_of(const struct sc_conn_record *header,
				    const struct sc_summary_inputs *in);

/* A TCP socket's record judged idle or not at c (one record: its first holder's). */
struct sc_idle_result sc_record_idle(const struct sc_conn_record *r, const struct sc_clock_ref *c,
				     const struct sc_summary_inputs *in);

/* An established connection as the aggregate walk judged it. */
struct sc_conn_idle {
	__u64 cookie;
	__u32 pid;             /* the first process holding it */
	__u16 lport;
	__u16 rport;
	bool idle;
	__u64 idle_ms;
};

/*
 * Every established connection some process holds, once each, by cookie.
 * Pure. Sets *out (free() it) and *n. Returns 0, -EPROTO or -ENOMEM.
 */
int sc_conn_idle_list(const struct sc_conn_record *recs, size_t nrecs,
		      const struct sc_summary_inputs *in, struct sc_conn_idle **out, size_t *n);

/* The same of a mirror's records (header first, its clocks now), expanded one at a time. */
struct sc_mirror;
int sc_mirror_idle_list(const struct sc_mirror *m, const struct sc_summary_inputs *in,
			struct sc_conn_idle **out, size_t *n);

/*
 * One socket of sc_mirror_idle_list: false if it is no established
 * connection a process holds, else *out as the list would have it.
 */
bool sc_mirror_conn_idle(const struct sc_mirror *m, __u64 cookie,
			 const struct sc_summary_inputs *in, struct sc_conn_idle *out);

#endif /* SC_SUMMARY_BUILD_H */

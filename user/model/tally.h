/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TALLY_H
#define SC_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "common.h"
#include "listen_keys.h"
#include "mirror.h"
#include "summary.h"
#include "summary_build.h"

/*
 * Running totals of a mirror: the numbers sc_summary_build folds from every
 * record (host, listening ports, processes, the idle-age histogram), kept by
 * change so a summary costs the changes and the idle transitions since the
 * last one, not the sockets. Pure: no kernel access, unit-tested against
 * sc_summary_build on the same records.
 *
 * Each socket's contribution is taken out before a change to it and put back
 * after, judged at that moment. Idle ages grow with time alone, so a judged
 * socket is due again when its age would cross the idle threshold or a
 * histogram bound: a wheel of one-second slots holds it until then (a
 * second early: the clocks are jiffies and milliseconds), and the summary
 * re-judges what came due. Between those instants nothing a summary shows
 * can change, so a summary equals a fold of all records at the same clock;
 * only the histogram's sum of ages may differ, by the rounding of each age to
 * a millisecond.
 *
 * One difference is kept on purpose: a socket judged idle for over an hour
 * (the last bucket) is not judged again until it changes, so if its kernel
 * stamp grows older than 2^31 jiffies (24.8 days at HZ 1000), where a fold
 * reads the wrapped 32-bit age as 0, the tally keeps it idle.
 *
 * The state of a socket sits in the mirror's aux bytes of its first record.
 * A listening port appearing or going, a changed policy, or a failed
 * allocation marks the tally for a full reset (one fold of every record).
 */

#define SC_TALLY_WHEEL_S 4096    /* one slot a second; later dues wait a lap */

struct sc_tally_slot {
	struct sc_tally_due *v;
	__u32 n, cap;
};

struct sc_tally_port;
struct sc_tally_proc;

struct sc_tally {
	bool ready;                  /* reset since the mirror was last replaced */
	bool dirty;                  /* totals unreliable: reset before summarizing */
	struct sc_summary_inputs in; /* what sockets were judged with */
	__u64 gen;                   /* the mirror's record generation the wheel indexes */
	/* host */
	__u64 connections, idle_connections, socket_memory_bytes;
	__u64 hist[SC_IDLE_BUCKETS + 1];
	__u64 growing;               /* judged connections whose age grows with time */
	__s64 ref_sum_ms;            /* sum of their (now - age), and fixed ages of the rest */
	__s64 fixed_sum_ms;
	/*
	 * Listening ports by (netns, port): a connection is a server's when its
	 * own namespace listens on its local port. ports by the keys' slots.
	 */
	struct sc_listen_keys listen;
	struct sc_tally_port *ports;
	size_t ports_cap;
	/* Network namespaces of held sockets (keyed with port 0), sockets by slot. */
	struct sc_listen_keys held_ns;
	__u64 *ns_sockets;
	size_t ns_cap;
	__u32 ns_last, ns_last_slot;     /* the last namespace counted: most changes repeat it */
	/* client-side connections by remote port (outbound_summary.h), SC_NPORTS */
	struct sc_summary_outbound *outbound;
	/* processes, by tgid: open addressing into procs */
	struct sc_tally_proc *procs;
	__u32 *proc_index;
	size_t nprocs, proc_cap, proc_mask;
	/* due re-judgements */
	struct sc_tally_slot wheel[SC_TALLY_WHEEL_S];
	struct sc_tally_slot spare;  /* a slot's buffer while its entries are re-judged */
	__u64 cursor_s;              /* the wheel is done up to this second (CLOCK_MONOTONIC) */
	/* between sc_tally_before and sc_tally_after */
	int was_listening;           /* the socket's port had a listener: 1, had not: 0, no socket: -1 */
	__u32 was_netns;
	__u16 was_lport;
	bool was_idle;               /* the socket was judged idle */
	__u32 was_holder;            /* and whose it was (the process its events name) */
	__u64 was_cookie;
	/*
	 * Sockets whose idle verdict changed, or whose holder changed while idle,
	 * since the last sc_tally_take_touched: idle events then cost these,
	 * not every socket. Kept only while logging; lost (a reset, a change
	 * applied while not ready, too many) means compare everything once.
	 */
	bool logging, touched_lost;
	__u64 *touched;
	size_t ntouched, touched_cap;
};

/* Zeroes t (nothing allocated). */
void sc_tally_init(struct sc_tally *t);
void sc_tally_free(struct sc_tally *t);

/*
 * Folds every record of m judged at c with in, giving m aux bytes for its
 * sockets. Returns 0 or -ENOMEM (the tally is then not ready).
 */
int sc_tally_reset(struct sc_tally *t, struct sc_mirror *m, const struct sc_summary_inputs *in,
		   const struct sc_clock_ref *c);

/* Whether the totals of m can be summarized as they are, judged with in. */
bool sc_tally_current(struct sc_tally *t, const struct sc_mirror *m,
		      const struct sc_summary_inputs *in);

/*
 * Around each sc_mirror_apply or sc_mirror_set_listener: before takes the
 * socket's contribution out, after puts it back as the records now say,
 * judged at c. after returns 0 or -ENOMEM (the tally is then dirty).
 */
void sc_tally_before(struct sc_tally *t, const struct sc_mirror *m, __u64 cookie);
int sc_tally_after(struct sc_tally *t, struct sc_mirror *m, __u64 cookie,
		   const struct sc_clock_ref *c);

/*
 * sc_mirror_apply with the socket's share taken out before and put back
 * after, finding the socket once. Returns 0 or -ENOMEM (from the mirror;
 * the tally's own failures leave it dirty).
 */
int sc_tally_apply(struct sc_tally *t, struct sc_mirror *m, const struct sc_change *ch,
		   const struct sc_clock_ref *c);

/* sc_tally_apply of n changes in order, the next ones' memory asked for early. */
int sc_tally_apply_batch(struct sc_tally *t, struct sc_mirror *m, const struct sc_change *ch,
			 size_t n, const struct sc_clock_ref *c);

/* sc_mirror_set_listener between the two (a failure leaves the tally dirty). */
size_t sc_tally_set_listener(struct sc_tally *t, struct sc_mirror *m, __u64 cookie,
			     __u32 backlog, __u32 max_backlog, __u64 drops,
			     const struct sc_clock_ref *c);

/* Re-judges the sockets due by c. Returns 0 or -ENOMEM (the tally is then dirty). */
int sc_tally_advance(struct sc_tally *t, struct sc_mirror *m, const struct sc_clock_ref *c);

/*
 * The totals as sc_summary_build would fold them at c (call sc_tally_advance
 * first), processes named from tasks (by tgid). Fills the aggregates of s
 * only: policy, hook, counters and times are the caller's. Returns 0 or -ENOMEM.
 */
int sc_tally_summary(const struct sc_tally *t, struct sc_summary *s,
		     const struct sc_task_record *tasks, size_t ntasks,
		     const struct sc_clock_ref *c);

/* Starts (or stops) logging touched sockets; the log starts lost. */
void sc_tally_log_touched(struct sc_tally *t, bool on);

/*
 * The cookies touched since the last call (a cookie may repeat), valid
 * until the tally is next changed, and starts a new log. false: the log
 * was lost, every socket must be compared.
 */
bool sc_tally_take_touched(struct sc_tally *t, const __u64 **cookies, size_t *n);

/* Bytes the tally has allocated, by structure (what a benchmark reports). */
struct sc_tally_mem {
	size_t wheel;                /* the slots' buffers, spare included */
	size_t wheel_entries;        /* entries in them */
	size_t ports, outbound, listening, procs;
};

struct sc_tally_mem sc_tally_mem(const struct sc_tally *t);

#endif /* SC_TALLY_H */

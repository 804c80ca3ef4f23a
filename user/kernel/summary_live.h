/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SUMMARY_LIVE_H
#define SC_SUMMARY_LIVE_H

#include <stdbool.h>
#include <linux/types.h>

#include "change_gap.h"
#include "change_ring.h"
#include "changes.h"
#include "iter_read.h"
#include "listen_refresh.h"
#include "mirror.h"
#include "summary.h"
#include "summary_build.h"
#include "tally.h"

struct sc_tracker;

/*
 * Summaries for a reader that refreshes often (`top`): one walk, then each
 * refresh brings its records up to date from the change ring, its listeners'
 * accept queues from sock_diag, and counts fds per process; the totals are
 * kept by change and by idle transitions due (model/tally.c): that costs the
 * changes, the transitions and the listeners, not the sockets. It walks again
 * every resync_ns (or SC_LIVE_WALK_SHARE times the last walk's CPU time, if
 * longer), when changes were lost (the ring overflowed, the kernel
 * skipped program runs, or the lease on changes lapsed or was reset by a
 * daemon reloading), and on every refresh where changes cannot be had
 * (no per-call activity hook, or the ring cannot be mapped).
 */
struct sc_summary_live {
	__u64 resync_ns;             /* walk at least this often (see sc_summary_live_walk_every) */
	__u64 lease_ns;              /* how long the programs report changes unasked */
	/* state */
	struct sc_mirror mirror;
	struct sc_change_ring ring;
	bool ring_mapped, ring_failed;
	__u64 pos;                   /* next change to read */
	struct sc_change *buf;
	struct sc_records tasks;
	struct sc_summary_inputs in; /* of the last walk: hook, attach time, HZ */
	__u64 ref_ns, ref_jiffies;   /* the last walk's clocks */
	__u64 walked_ns;             /* 0: no walk yet */
	bool stale;                  /* changes were lost: walk on the next refresh */
	__u64 missed;                /* skipped program runs as of the last walk */
	__u64 lease_until;           /* jiffies_64 our change lease runs to, 0: none yet */
	__u64 drained;               /* changes applied by sc_summary_live_drain since the last summary */
	__u64 walks;                 /* walks taken, for the daemon's metrics */
	__u64 folds;                 /* summaries that folded every record anew */
	__u64 walk_cpu_ns;           /* CPU time the last walk took, this thread's */
	__u64 change_cpu_ns;         /* CPU time applying changes, in all */
	struct sc_change_gap gap;    /* how often the programs report an active socket */
	struct sc_listen_refresh listen; /* listeners' queues between walks */
	struct sc_tally tally;       /* the mirror's totals, kept by change */
};

#define SC_LIVE_RESYNC_NS (30ull * 1000000000ull)
/*
 * Walks to resync are spaced at least this many times the CPU time the last
 * one took: at most a thousandth of a core. A walk reads every socket (about
 * a microsecond each, mostly cache misses in the kernel), so at a million
 * sockets it costs seconds and resyncing every 30 s or 5 min would cost more
 * than everything else the reader does.
 */
#define SC_LIVE_WALK_SHARE 1000

/*
 * A reader that sets l->gap's share to this (the daemon) spends at most a
 * thousandth of a core applying changes, as on walks: past it, active
 * sockets are reported less often and ages resolve to the wider gap.
 */
#define SC_LIVE_CHANGE_SHARE 1000

/* Zeroes l and sets the defaults above (the finest gap, whatever changes cost). */
void sc_summary_live_init(struct sc_summary_live *l, __u64 lease_ns);
/* Collects a summary judged by policy. Returns 0 or a negative errno (logged). */
int sc_summary_live_collect(struct sc_summary_live *l, struct sc_summary *s,
			    const struct sc_tracker *t, const struct sc_idle_policy *policy);
/*
 * Between summaries: renews the lease and applies the changes waiting in the
 * ring, so a reader that summarizes seldom (the daemon) neither lets the
 * programs stop reporting nor lets the ring overwrite what it has not read.
 * Costs the changes, never the sockets: when changes were lost it only marks
 * the mirror stale, and the next collect walks. Returns the changes applied
 * or -ENOMEM.
 */
long sc_summary_live_drain(struct sc_summary_live *l, const struct sc_idle_policy *policy);
void sc_summary_live_free(struct sc_summary_live *l);
/* How often it walks to resync: resync_ns, or longer where walks are large. */
__u64 sc_summary_live_walk_every(const struct sc_summary_live *l);

#endif /* SC_SUMMARY_LIVE_H */

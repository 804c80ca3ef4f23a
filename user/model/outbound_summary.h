/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_OUTBOUND_SUMMARY_H
#define SC_OUTBOUND_SUMMARY_H

#include <stddef.h>
#include <linux/types.h>

#include <stdbool.h>

#include "summary.h"

/*
 * The summary's outbound rows (client-side connections by remote port),
 * shared by the two ways a summary is made: sc_summary_build folds a walk
 * through an accumulator (rows for the remote ports it meets); the tally
 * keeps an array by port by change (sc_outbound_rows). Both sort the same
 * way, so the rows are the same.
 */

/* Sums by remote port while folding a walk. */
struct sc_outbound_acc {
	__u32 *slot;                         /* SC_NPORTS: remote port -> rows index */
	struct sc_summary_outbound *rows;    /* the remote ports seen, in order of sight */
	size_t nrows, cap;
	/* (remote port, process slot) pairs seen, open addressing: as many as
	 * distinct pairs (processes times their remote ports), not holders. */
	__u64 *seen;
	size_t seen_mask, nseen;
	bool failed;                         /* out of memory on the way */
};

/* Returns 0 or -ENOMEM. */
int sc_outbound_acc_init(struct sc_outbound_acc *a);
void sc_outbound_acc_free(struct sc_outbound_acc *a);

/* A client-side socket, once, by its first established record. */
void sc_outbound_acc_conn(struct sc_outbound_acc *a, __u16 rport, bool idle, __u64 mem);
/* One process holding a client-side connection to rport (repeats are counted once). */
void sc_outbound_acc_holder(struct sc_outbound_acc *a, __u16 rport, __u32 slot);

/* s->outbound from the sums. Returns 0 or -ENOMEM (also for a failure on the way). */
int sc_outbound_acc_finish(struct sc_outbound_acc *a, struct sc_summary *s);

/*
 * s->outbound from an array of SC_NPORTS sums by remote port: a row for each
 * port with connections or processes, by connections descending, then port.
 * Returns 0 or -ENOMEM.
 */
int sc_outbound_rows(const struct sc_summary_outbound *by_port, struct sc_summary *s);

#endif /* SC_OUTBOUND_SUMMARY_H */

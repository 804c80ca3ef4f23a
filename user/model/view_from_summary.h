/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_VIEW_FROM_SUMMARY_H
#define SC_VIEW_FROM_SUMMARY_H

#include <stddef.h>

#include "health_tally.h"
#include "outbound.h"
#include "summary.h"
#include "view.h"

/*
 * The inverse of summary_from_view.c, for a reader that keeps a summary
 * (sockcostd): a view with processes, ports, services, totals and health but
 * no socket rows, so the snapshot table's one renderer (snapshot_text.h)
 * shows a summary as it shows a walk. What a summary cannot say is for the
 * caller to rule out first: outbound rows by address. Ports come by
 * (netns, port) as the summary has them; the header's namespace count is the
 * caller's (snap.netns_walked, 1 here). The client-side rows come grouped by remote port
 * from the caller, with their distinct addresses counted (the summary has
 * no addresses).
 */
struct sc_summary_view {
	struct sc_snapshot snap;   /* processes and header facts only: no sockets */
	struct sc_view view;
	struct sc_outbound_row *outbound;
};

/*
 * Builds sv from s, the health pass h (its counts per process and port) and
 * outbound (s->noutbound rows, by s->outbound's order; NULL: s has none).
 * heartbeat_bytes is the programs' own (sc_config). Returns 0 or -ENOMEM.
 */
int sc_view_from_summary(struct sc_summary_view *sv, const struct sc_summary *s,
			 const struct sc_health_tally *h, const struct sc_health_policy *hp,
			 __u64 heartbeat_bytes, const struct sc_outbound_row *outbound);
void sc_summary_view_free(struct sc_summary_view *sv);

#endif /* SC_VIEW_FROM_SUMMARY_H */

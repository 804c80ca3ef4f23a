/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TOP_ROWS_H
#define SC_TOP_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "summary.h"
#include "top_model.h"
#include "view.h"

/*
 * Rows of top's views from the data model. pids (npids > 0) keeps only
 * those processes. Each returns 0 with *rows allocated (free() it; never
 * NULL on success), or -ENOMEM.
 */
int top_rows_procs(const struct sc_summary *s, const __u32 *pids, size_t npids,
		   struct top_row **rows, size_t *n);
int top_rows_ports(const struct sc_summary *s, struct top_row **rows, size_t *n);
/* One row per service of the summary's processes; names each process row's
 * service (procs: top_rows_procs of the same summary); *grouped: some
 * service has several processes. */
int top_rows_services(const struct sc_summary *s, struct top_row *procs, size_t nprocs,
		      struct top_row **rows, size_t *n, bool *grouped);
/* Each service row's FD ETA: its member's that comes first (procs carry service_id). */
void top_rows_services_fd_eta(struct top_row *services, size_t nservices,
			      const struct top_row *procs, size_t nprocs);
/* Client-side connections by remote port (port is the remote port; id too). */
int top_rows_outbound(const struct sc_summary *s, struct top_row **rows, size_t *n);
/* One row per socket a kept process holds (unheld sockets only when npids is 0). */
int top_rows_conns(const struct sc_view *v, const __u32 *pids, size_t npids,
		   struct top_row **rows, size_t *n);

#endif /* SC_TOP_ROWS_H */

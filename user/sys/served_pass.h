/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SERVED_PASS_H
#define SC_SERVED_PASS_H

#include <stddef.h>
#include <linux/types.h>

#include "outbound.h"
#include "summary.h"

/*
 * The one pass a summary needs to show its tables as a walk does, from
 * sock_diag dumps of the caller's network namespace (what `ss -ltn` and
 * `ss -tn` ask):
 *
 * - the distinct remote addresses per remote port of the client-side
 *   connections (the ADDRS column), which no change report carries: each
 *   ESTABLISHED socket counted when its local port is not listening and its
 *   remote port is one of rows';
 * - the listeners no process holds (a walk shows their ports, a summary
 *   counts held sockets only), with their accept queues, and how many
 *   ESTABLISHED sockets are on their ports.
 */
struct sc_served_pass {
	/* Listening ports not among the summary's, by port; connections: the
	 * ESTABLISHED sockets with that local port. */
	struct sc_summary_port *unheld;
	size_t nunheld;
};

/*
 * Sets rows[i].addresses (n rows) and fills pass (free with
 * sc_served_pass_free). ports are the summary's listening ports. Returns 0
 * or a negative errno.
 */
int sc_served_pass_run(struct sc_outbound_row *rows, size_t n,
		       const struct sc_summary_port *ports, size_t nports,
		       struct sc_served_pass *pass);
void sc_served_pass_free(struct sc_served_pass *pass);

#endif /* SC_SERVED_PASS_H */

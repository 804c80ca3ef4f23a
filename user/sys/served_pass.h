/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SERVED_PASS_H
#define SC_SERVED_PASS_H

#include <stddef.h>
#include <linux/types.h>

#include "outbound.h"
#include "summary.h"

/*
 * The one pass a summary needs to show its tables as a walk does, from
 * sock_diag dumps of each network namespace a walk enters (what `ss -ltn`
 * and `ss -tn` ask there), through a sock_diag socket made in each:
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
	/* Listening ports not among the summary's, by (netns, port); connections:
	 * the ESTABLISHED sockets with that local port in that namespace. */
	struct sc_summary_port *unheld;
	size_t nunheld;
};

/* A namespace to look in: a sock_diag socket (sc_listen_diag_open) made there. */
struct sc_served_ns {
	__u32 netns;
	int fd;
};

/*
 * Sets rows[i].addresses (n rows: distinct addresses over every namespace,
 * as a walk counts them) and fills pass (free with sc_served_pass_free).
 * ports are the summary's listening ports; ns the namespaces (nns of them,
 * each once). Returns 0 or a negative errno.
 */
int sc_served_pass_run(struct sc_outbound_row *rows, size_t n,
		       const struct sc_summary_port *ports, size_t nports,
		       const struct sc_served_ns *ns, size_t nns, struct sc_served_pass *pass);
void sc_served_pass_free(struct sc_served_pass *pass);

#endif /* SC_SERVED_PASS_H */

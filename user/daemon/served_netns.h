/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SERVED_NETNS_H
#define SC_SERVED_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "served_pass.h"
#include "summary.h"

/*
 * The namespaces a walk would enter, for the served pass: sockcostd's own
 * and each one in which a process holds a TCP socket (s->netns), with a
 * sock_diag socket made in each (a netlink socket answers for the
 * namespace it was made in, so the pass itself enters none). Entering one
 * needs CAP_SYS_ADMIN (sockcostd keeps it unless --own-netns-only) and a
 * process living there to enter by.
 */
struct served_netns {
	struct sc_served_ns *v;
	size_t n;
};

/*
 * Opens them into ns (close with served_netns_close). Returns 0, or a
 * negative errno with why filled (a namespace it could not enter: the table
 * is refused, not shown short). *stranded if the thread could not come back
 * to own: it must serve nothing from then on.
 */
int served_netns_open(struct served_netns *ns, const struct sc_summary *s, __u32 own,
		      bool *stranded, char *why, size_t len);
void served_netns_close(struct served_netns *ns);

#endif /* SC_SERVED_NETNS_H */

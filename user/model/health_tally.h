/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_HEALTH_TALLY_H
#define SC_HEALTH_TALLY_H

#include <stddef.h>
#include <linux/types.h>

#include "health.h"
#include "summary.h"

/*
 * A health pass's counts, for readers that keep a summary rather than a
 * snapshot (sockcostd, top): host-wide, per process holding the socket (its
 * first holder) and per listening port. Sized by processes and ports, never
 * by sockets: a pass streams sockets through it.
 */
struct sc_health_pid {
	__u32 pid;
	struct sc_health_counts c;
};

struct sc_health_port {
	__u16 port;
	struct sc_health_counts c;
};

struct sc_health_tally {
	struct sc_health_counts host;
	struct sc_health_pid *pids;    /* the summary's processes, by pid */
	size_t npids;
	struct sc_health_port *ports;  /* the summary's listening ports, by port */
	size_t nports;
	__u64 sockets;                 /* judged */
	__u64 wall_ns;                 /* CLOCK_REALTIME when the pass ended; 0: none yet */
	__u64 took_ns;                 /* its CPU time */
};

/* Empty counts for s's processes and ports. Returns 0 or -ENOMEM. */
int sc_health_tally_init(struct sc_health_tally *t, const struct sc_summary *s);

/* One socket's verdict: pid 0 if no process holds it; a port not listening counts host-wide only. */
void sc_health_tally_add(struct sc_health_tally *t, __u32 pid, __u16 lport,
			 const struct sc_health_result *r);

/* NULL if the pass did not know pid (or it held nothing broken: then all zero). */
const struct sc_health_counts *sc_health_tally_pid(const struct sc_health_tally *t, __u32 pid);

/* A deep copy. Returns 0 or -ENOMEM (dst is then empty). */
int sc_health_tally_copy(struct sc_health_tally *dst, const struct sc_health_tally *src);
void sc_health_tally_free(struct sc_health_tally *t);

#endif /* SC_HEALTH_TALLY_H */

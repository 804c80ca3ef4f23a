/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_NETNS_WALK_H
#define SC_NETNS_WALK_H

#include <stddef.h>
#include <linux/types.h>

#include "iter_read.h"
#include "tracker.h"

/* A namespace walked early, from a process living there: its records in the TCP buffer. */
struct sc_netns_early_walk {
	__u32 netns;
	size_t from, to;  /* record indexes */
};

struct sc_netns_early {
	struct sc_netns_early_walk *v;
	size_t n;
};

/*
 * iter/tcp walks only the namespace it is created in: these enter others
 * and append their sockets to tcp (struct sc_tcp_record). A snapshot walks
 * the namespaces in which some process holds a TCP socket.
 *
 * sc_netns_walk_lived, from the task walk's records while the file walk
 * runs: every namespace a process lives in, entered through the process.
 * Those it cannot enter are tried again by sc_netns_walk_held.
 *
 * sc_netns_walk_held, from the file walk's records: counts the early walks
 * of namespaces that hold a TCP socket, walks those still unwalked (entered
 * through a socket held there) and drops the records of early walks of
 * namespaces that hold none. One that cannot be entered or read is missed.
 *
 * Both return 0, or a negative errno if sockcost could not come back to
 * its own namespace or ran out of memory. Free early with sc_netns_early_free.
 */
int sc_netns_walk_lived(const struct sc_tracker *t, const struct sc_records *tasks,
			struct sc_records *tcp, __u32 self_ns, struct sc_netns_early *early);
int sc_netns_walk_held(const struct sc_tracker *t, const struct sc_records *files,
		       struct sc_records *tcp, __u32 self_ns, struct sc_netns_early *early,
		       __u32 *walked, __u32 *missed);
void sc_netns_early_free(struct sc_netns_early *early);

/*
 * The aggregate walk's second half: appends to states (struct
 * sc_conn_state_record) the watch state of every TCP socket of each
 * namespace in which conns (the file walk's struct sc_conn_record) hold
 * one: sockcost's own read here, each other entered through a socket held
 * there. *missed counts namespaces that could not be entered or read (their
 * sockets go without state). Returns 0, or a negative errno if sockcost
 * could not come back to its own namespace, ran out of memory or could not
 * read its own namespace.
 */
int sc_netns_walk_conn_state(const struct sc_tracker *t, const struct sc_records *conns,
			     struct sc_records *states, __u32 self_ns, __u32 *missed,
			     void (*between)(void *ctx), void *ctx);

#endif /* SC_NETNS_WALK_H */

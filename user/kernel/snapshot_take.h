/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SNAPSHOT_TAKE_H
#define SC_SNAPSHOT_TAKE_H

#include "snapshot.h"

struct sc_tracker;

/* What a one-shot command will look at: its snapshot may leave out the rest. */
struct sc_take_scope {
	__u32 pid;      /* sockets this process holds, 0: any */
	int port;       /* sockets on this local port, -1: any */
	/*
	 * cost's: the kept processes' TCP fd counts, and with a pid every
	 * listener of the namespaces walked (a port's drops are summed over
	 * all its listeners, SO_REUSEPORT ones of other processes too).
	 */
	bool cost_inputs;
	/*
	 * No storage_records wanted (what only the JSON document shows): the
	 * pass over every socket's storage record that counts them is skipped.
	 */
	bool no_storage_count;
};

/*
 * Reads every iterator and map once. With a scope (NULL: everything), its
 * pid and port are pushed into the walks (pushdown.h): the snapshot holds
 * fewer records, and a view filtered by the same pid and port shows what it
 * would have shown of a whole snapshot. Returns NULL after logging an error.
 */
struct sc_snapshot *sc_snapshot_take(const struct sc_tracker *t, const struct sc_take_scope *scope);

#endif /* SC_SNAPSHOT_TAKE_H */

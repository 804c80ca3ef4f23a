/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SNAPSHOT_TAKE_H
#define SC_SNAPSHOT_TAKE_H

#include "snapshot.h"

struct sc_tracker;

/* Reads every iterator and map once. Returns NULL after logging an error. */
struct sc_snapshot *sc_snapshot_take(const struct sc_tracker *t);

#endif /* SC_SNAPSHOT_TAKE_H */

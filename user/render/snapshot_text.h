/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SNAPSHOT_TEXT_H
#define SC_SNAPSHOT_TEXT_H

#include <stdbool.h>
#include <stdio.h>

#include "group.h"
#include "view.h"

/* The human-readable `sockcost snapshot` output. */
void render_table(const struct sc_view *view, bool sockets, FILE *out);
/* The same, with the main table by process, listening port or cgroup. */
void render_table_by(const struct sc_view *view, enum sc_group_by by, bool sockets, FILE *out);

#endif /* SC_SNAPSHOT_TEXT_H */

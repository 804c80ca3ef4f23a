/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_RENDER_TABLE_H
#define SC_RENDER_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "view.h"

/* The human-readable `sockcost snapshot` output. */
void render_table(const struct sc_view *view, bool sockets, FILE *out);

#endif /* SC_RENDER_TABLE_H */

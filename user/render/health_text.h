/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_HEALTH_TEXT_H
#define SC_HEALTH_TEXT_H

#include <stdio.h>

#include "view.h"

/* "5 close_wait (oldest 2m 3s), 1 stalled (64.0 KiB queued), ... 0 orphaned". */
const char *health_counts_text(const struct sc_health_counts *c, char *buf, size_t len);

/* "health: " and the above for the view's kept sockets, a header line. */
void render_health_line(const struct sc_view *v, FILE *out);

/*
 * The processes holding broken connections, and the ports with time-wait
 * or orphaned sockets; nothing when there are none.
 */
void render_health(const struct sc_view *v, FILE *out);

/* A socket's health cell: "-" when ok, else "close_wait 2m", "stalled 12s". */
const char *health_cell(const struct sc_health_result *r, char *buf, size_t len);

#endif /* SC_HEALTH_TEXT_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_OUTBOUND_TEXT_H
#define SC_OUTBOUND_TEXT_H

#include <stdbool.h>
#include <stdio.h>

#include "view.h"

/*
 * The table of client-side connections (outbound.h): a row per remote port,
 * or per remote address and port with by_addr. always: the main table, shown
 * even when empty; otherwise it follows another table, after a blank line,
 * and only when there are some.
 */
void render_outbound(const struct sc_view *v, bool by_addr, bool always, FILE *out);

#endif /* SC_OUTBOUND_TEXT_H */

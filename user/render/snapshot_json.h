/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SNAPSHOT_JSON_H
#define SC_SNAPSHOT_JSON_H

#include <stdio.h>

#include "view.h"

/* The `sockcost snapshot --json` document, also served by the daemon. */
void sc_view_write_json(const struct sc_view *view, FILE *out);

#endif /* SC_SNAPSHOT_JSON_H */

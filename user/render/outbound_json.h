/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_OUTBOUND_JSON_H
#define SC_OUTBOUND_JSON_H

#include "json_writer.h"
#include "view.h"

/*
 * The "outbound" key of `snapshot --json`: client-side connections by remote
 * port (outbound.h), an array like "processes" and "ports", always present.
 */
void sc_outbound_write_json(struct jw *w, const struct sc_view *v);

#endif /* SC_OUTBOUND_JSON_H */

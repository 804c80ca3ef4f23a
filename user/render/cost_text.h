/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_COST_TEXT_H
#define SC_COST_TEXT_H

#include <stdio.h>

#include "cost_json.h"

/* The human-readable `sockcost cost` output (same inputs as the JSON). */
void render_cost(const struct sc_cost_doc *doc, FILE *out);

#endif /* SC_COST_TEXT_H */

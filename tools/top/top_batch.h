/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TOP_BATCH_H
#define SC_TOP_BATCH_H

#include <stdbool.h>
#include <stdio.h>

#include "top_frame.h"

/*
 * Batch mode output of one frame: plain text like `top -b`, or one JSON
 * object on one line. Process rows must already be in print order (order),
 * with RSS read. with_conns adds the connections of f->scope.
 */
void top_batch_text(const struct top_frame *f, const size_t *order, double delay_s,
		    bool with_conns, FILE *out);
void top_batch_json(const struct top_frame *f, const size_t *order, double delay_s,
		    bool with_conns, FILE *out);

#endif /* SC_TOP_BATCH_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_METRICS_OUTBOUND_H
#define SC_METRICS_OUTBOUND_H

#include <stddef.h>
#include <stdio.h>

#include "summary.h"

/*
 * The sockcost_outbound_* families: client-side connections by remote port,
 * for the top remote ports by connections (s->outbound is in that order).
 * Labels carry the port only, never a remote address.
 */
void sc_metrics_outbound(FILE *out, const struct sc_summary *s, size_t top);

#endif /* SC_METRICS_OUTBOUND_H */

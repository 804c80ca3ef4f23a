/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_COST_JSON_H
#define SC_COST_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include "cost.h"

/* What the document says besides the report: scope, price, how it was measured. */
struct sc_cost_doc {
	const struct sc_cost_report *report;
	const struct sc_slab_sizes *slab;
	__u32 pid;             /* 0: any */
	int port;              /* -1: any */
	double observed_s;     /* how long activity and RSS were watched */
	bool has_price;
	double ram_price;      /* per GiB-month */
};

/* The `sockcost cost --json` document. */
void sc_cost_write_json(const struct sc_cost_doc *doc, FILE *out);

#endif /* SC_COST_JSON_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_COST_JSON_H
#define SC_COST_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include "cost.h"
#include "idle.h"
#include "managed.h"

/* What the document says besides the report: scope, price, how it was measured. */
struct sc_cost_doc {
	const struct sc_cost_report *report;
	const struct sc_slab_sizes *slab;
	__u32 pid;             /* 0: any */
	int port;              /* -1: any */
	double observed_s;     /* how long activity and RSS were watched */
	struct sc_idle_policy policy;     /* the idle policy in force */
	struct sc_heartbeat_watch watch;  /* whether its heartbeat threshold applied yet */
	bool has_price;
	double ram_price;      /* per GiB-month */
	const struct sc_managed_price *managed; /* NULL: not asked */
	bool has_rates;        /* traffic rates measured (else the bill is unknown) */
	struct sc_traffic_rates rates;
	const char *rates_source; /* "observed" or "sockcostd" */
	const char *rates_why;    /* !has_rates: why not, for a person */
};

/* The `sockcost cost --json` document. */
void sc_cost_write_json(const struct sc_cost_doc *doc, FILE *out);

#endif /* SC_COST_JSON_H */

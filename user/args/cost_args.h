/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_COST_ARGS_H
#define SC_COST_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "cost.h"
#include "idle.h"
#include "app_limit.h"
#include "managed.h"
#include "args_common.h"
#include "view.h"

#define COST_MAX_APP_LIMITS 64

struct cost_opts {
	bool json;
	bool verbose;
	double observe_s;                 /* --observe auto: --idle-after's */
	bool observe_auto;
	struct sc_filter filter;          /* pid and port only */
	struct sc_idle_policy policy;
	const char *note;                 /* one line for stderr (a deprecated spelling), or NULL */
	__u32 whatif_s[SC_COST_MAX_WHATIF]; /* ascending, unique: defaults and --whatif */
	size_t nwhatif;
	bool has_price;
	double ram_price;                 /* per GiB-month */
	struct sc_managed_price managed;  /* --managed-price; neither part: not asked */
	struct sc_app_limit app_limits[COST_MAX_APP_LIMITS]; /* --app-limit, in order given */
	size_t napp_limits;
};

/* Parses `cost` arguments (argv[0] is "cost"). Prints nothing. */
enum args_result cost_parse_args(int argc, char **argv, struct cost_opts *o, char *err,
				 size_t errlen);

extern const char cost_usage[];

#endif /* SC_COST_ARGS_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_HEALTH_ARGS_H
#define SC_HEALTH_ARGS_H

#include <getopt.h>
#include <stddef.h>

#include "health.h"

/*
 * The health options, the same in every command that judges health:
 * --close-wait-after, --stall-after, --nat-timeout (thresholds) and
 * --health CLASS[,CLASS] (a filter). Long-only; their codes sit above the
 * commands' own long-only codes (which start at 256).
 */
enum {
	ARGS_OPT_CLOSE_WAIT_AFTER = 0x300,
	ARGS_OPT_STALL_AFTER,
	ARGS_OPT_NAT_TIMEOUT,
	ARGS_OPT_HEALTH,
};

#define HEALTH_THRESHOLD_LONGOPTS                                                            \
	{ "close-wait-after", required_argument, NULL, ARGS_OPT_CLOSE_WAIT_AFTER },          \
	{ "stall-after", required_argument, NULL, ARGS_OPT_STALL_AFTER },                    \
	{ "nat-timeout", required_argument, NULL, ARGS_OPT_NAT_TIMEOUT }
#define HEALTH_FILTER_LONGOPT { "health", required_argument, NULL, ARGS_OPT_HEALTH }

/* Whether getopt's code is one of the above. */
#define is_health_option(c) ((c) >= ARGS_OPT_CLOSE_WAIT_AFTER && (c) <= ARGS_OPT_HEALTH)

/*
 * One of the options above into the policy (thresholds) or mask (--health).
 * Returns 0, or -EINVAL with a one-line reason in err.
 */
int parse_health_option(int opt, const char *arg, struct sc_health_policy *policy,
			unsigned int *mask, char *err, size_t errlen);

/* Help lines for the thresholds, and for --health. */
extern const char health_threshold_usage[];
extern const char health_filter_usage[];

#endif /* SC_HEALTH_ARGS_H */

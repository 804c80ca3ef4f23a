/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_MANAGED_H
#define SC_MANAGED_H

#include <stdbool.h>
#include <linux/types.h>

#include "sockcost.h"

/*
 * Self-hosted against managed: what a managed real-time service (priced per
 * message and per connection-minute, as the big ones are) would bill for
 * the traffic observed, at the user's prices; none are built in.
 */
struct sc_managed_price {
	bool has_messages, has_connection_minutes;
	double per_million_messages;
	double per_million_connection_minutes;
};

/* "per_million_messages=X,per_million_connection_minutes=Y" (either or both). Returns 0 or -EINVAL. */
int sc_managed_price_parse(const char *text, struct sc_managed_price *p);

/* Rates over a window: from the kernel counters at its two ends. */
struct sc_traffic_rates {
	double seconds;                  /* the window */
	double messages_per_s;           /* payload calls above the heartbeat size, both ways */
	double connections;              /* average concurrent: connection-seconds / seconds */
};

#define SC_SECONDS_PER_MONTH (30.0 * 86400)

/* Why there is no bill, for a person. */
#define SC_MANAGED_NO_RATES "no traffic watched: --observe SECS, or run sockcostd"

struct sc_managed_bill {
	double messages, connection_minutes;   /* per month, at the rates */
	double messages_cost, connection_minutes_cost, total;
};

void sc_managed_bill(const struct sc_managed_price *p, const struct sc_traffic_rates *r,
		     struct sc_managed_bill *b);

/*
 * Connection-seconds of the counted connections, closed and live, at
 * CLOCK_MONOTONIC now_ns (sockcost.h: conn_closed_us, conn_start_us). A
 * reading torn by a concurrent update is low for a moment, never high: a
 * counter exported from it must not go backwards (sockcostd keeps the last).
 */
double sc_connection_seconds(const struct sc_counters *c, __u64 now_ns);

/* Rates between two counter readings taken at a_ns and b_ns (b later). */
void sc_traffic_rates(const struct sc_counters *a, __u64 a_ns, const struct sc_counters *b,
		      __u64 b_ns, struct sc_traffic_rates *r);

#endif /* SC_MANAGED_H */

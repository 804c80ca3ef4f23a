// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "managed.h"

static int parse_price(const char *s, size_t len, double *out)
{
	char buf[64], *end;

	/* Plain decimals: strtod would take hex and exponents too. */
	if (!len || len >= sizeof(buf) || strspn(s, "0123456789.") < len)
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	return errno || *end || *out > 1e9 ? -EINVAL : 0;
}

int sc_managed_price_parse(const char *text, struct sc_managed_price *p)
{
	static const char msgs[] = "per_million_messages=", mins[] = "per_million_connection_minutes=";
	const char *item = text;

	memset(p, 0, sizeof(*p));
	while (*item) {
		size_t len = strcspn(item, ",");

		if (!strncmp(item, msgs, sizeof(msgs) - 1) && !p->has_messages) {
			if (parse_price(item + sizeof(msgs) - 1, len - (sizeof(msgs) - 1),
					&p->per_million_messages))
				return -EINVAL;
			p->has_messages = true;
		} else if (!strncmp(item, mins, sizeof(mins) - 1) && !p->has_connection_minutes) {
			if (parse_price(item + sizeof(mins) - 1, len - (sizeof(mins) - 1),
					&p->per_million_connection_minutes))
				return -EINVAL;
			p->has_connection_minutes = true;
		} else {
			return -EINVAL;
		}
		item += len;
		if (*item == ',' && !*++item)
			return -EINVAL; /* a trailing comma */
	}
	return p->has_messages || p->has_connection_minutes ? 0 : -EINVAL;
}

void sc_managed_bill(const struct sc_managed_price *p, const struct sc_traffic_rates *r,
		     struct sc_managed_bill *b)
{
	memset(b, 0, sizeof(*b));
	b->messages = r->messages_per_s * SC_SECONDS_PER_MONTH;
	b->connection_minutes = r->connections * SC_SECONDS_PER_MONTH / 60.0;
	if (p->has_messages)
		b->messages_cost = b->messages / 1e6 * p->per_million_messages;
	if (p->has_connection_minutes)
		b->connection_minutes_cost = b->connection_minutes / 1e6 *
					     p->per_million_connection_minutes;
	b->total = b->messages_cost + b->connection_minutes_cost;
}

double sc_connection_seconds(const struct sc_counters *c, __u64 now_ns)
{
	__s64 live = c->established[0] + c->established[1];
	/* Unsigned on purpose: the sum of start times wraps, live * now - sum does not. */
	__s64 live_us = (__s64)((__u64)live * (now_ns / 1000) - c->conn_start_us);

	/* A read torn mid-update under-reports (counting.bpf.h); never below zero. */
	return (double)(c->conn_closed_us + (live > 0 && live_us > 0 ? (__u64)live_us : 0)) / 1e6;
}

void sc_traffic_rates(const struct sc_counters *a, __u64 a_ns, const struct sc_counters *b,
		      __u64 b_ns, struct sc_traffic_rates *r)
{
	double secs = b_ns > a_ns ? (double)(b_ns - a_ns) / 1e9 : 0;
	__u64 msgs = (b->messages[0] + b->messages[1]) - (a->messages[0] + a->messages[1]);

	memset(r, 0, sizeof(*r));
	r->seconds = secs;
	if (secs <= 0)
		return;
	r->messages_per_s = (double)msgs / secs;
	r->connections = (sc_connection_seconds(b, b_ns) - sc_connection_seconds(a, a_ns)) / secs;
}

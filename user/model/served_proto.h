/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SERVED_PROTO_H
#define SC_SERVED_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "group.h"
#include "health.h"
#include "idle.h"

/*
 * `sockcost snapshot`'s table from sockcostd, over its local socket. One
 * request line, then the daemon answers with one status line and, when it
 * serves, the table as the snapshot renderer writes it, to end of stream:
 *
 *   table 1 by=process idle_after_ms=180000 heartbeat_bytes=0 close_wait_after_ms=60000 stall_after_ms=10000 nat_timeout_ms=350000
 *   ok 2 pid=812 age_ms=412 health_age_ms=2210 bytes=5120
 *   (the table: bytes of it)
 * or
 *   walk 2 the idle policy differs: idle after 180000 ms, heartbeat <= 0 B
 *
 * "walk" is a refusal the client answers by walking itself, as it answers a
 * table shorter than its bytes (a daemon stopped or stuck mid-way). The
 * version (2) changes with any incompatible change; a daemon refuses another.
 */
#define SC_SERVED_VERSION 2
#define SC_SERVED_LINE_MAX 512
#define SC_SERVED_DEFAULT_SOCKET "/run/sockcost/sockcostd.sock"

struct sc_served_request {
	enum sc_group_by by;
	struct sc_idle_policy policy;
	struct sc_health_policy health;
};

struct sc_served_status {
	bool ok;                      /* false: walk */
	__u32 pid;                    /* the daemon's */
	__u64 age_ms;                 /* of the summary served */
	__u64 health_age_ms;          /* of the health pass, SC_AGE_UNKNOWN before one */
	__u64 bytes;                  /* of the table after the status line */
	char reason[SC_SERVED_LINE_MAX]; /* why not, for a walk */
};

/* The request line, '\n' included, into buf. Returns its length, or -ENOSPC. */
int sc_served_request_format(const struct sc_served_request *r, char *buf, size_t len);
/* One request line (with or without its '\n'). Returns 0, -EPROTO, or -EPROTONOSUPPORT. */
int sc_served_request_parse(const char *line, struct sc_served_request *r);

int sc_served_status_format(const struct sc_served_status *s, char *buf, size_t len);
int sc_served_status_parse(const char *line, struct sc_served_status *s);

/* The groupings a summary can show: not cgroups, not remote addresses. */
bool sc_served_by_supported(enum sc_group_by by);

#endif /* SC_SERVED_PROTO_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_IDLE_H
#define SC_IDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "sockcost.h"

/* Where a socket's idle time came from. */
enum sc_idle_source {
	SC_IDLE_OBSERVED,   /* last counting send/recv call, seen by the activity hook */
	SC_IDLE_WATCHED,    /* no counting call while watched: idle at least that long */
	SC_IDLE_KERNEL,     /* the kernel's last-send/last-receive timestamps */
};

/* The idle policy shared by every face of sockcost. */
struct sc_idle_policy {
	__u64 idle_after_ms;   /* idle once no counting activity for this long */
	__u64 heartbeat_bytes; /* calls of <= this many bytes are not activity */
};

#define SC_DEFAULT_IDLE_AFTER_S 180
#define SC_DEFAULT_HEARTBEAT_BYTES 0

/* What the classifier needs to know about one socket. */
struct sc_idle_input {
	__u8 state;            /* TCP state */
	bool has_state;        /* an sk_storage record exists */
	__u64 established_ns;  /* from the record, 0 if not seen */
	__u64 last_active_ns;  /* from the record, 0 if no counting call seen */
	__u64 kernel_age_ms;   /* min(last send, last receive) age; SC_AGE_UNKNOWN */
	bool saw_calls;        /* the activity hook saw a send/receive call of any size */
};

/* When and how the socket was watched. */
struct sc_idle_clock {
	__u64 now_ns;          /* CLOCK_MONOTONIC */
	__u64 attached_ns;     /* when the activity hook attached */
	bool hooked;           /* a per-call activity hook is attached */
};

struct sc_idle_result {
	bool idle;
	__u64 idle_ms;
	enum sc_idle_source source;
};

/* Upper bounds, in seconds, of the idle-age histogram; a +Inf bucket follows.
 * They sit on common idle timeouts (Slack's 3 minutes, nginx's 60 s, ...). */
#define SC_IDLE_BUCKETS 10
extern const __u32 sc_idle_bucket_s[SC_IDLE_BUCKETS];

struct sc_idle_hist {
	__u64 count[SC_IDLE_BUCKETS + 1]; /* not cumulative; the last is above every bound */
	__u64 sum_ms;
	__u64 total;
};

/* The histogram bucket of an idle age: the first bound it does not exceed. */
size_t sc_idle_bucket_of(__u64 idle_ms);
void sc_idle_hist_add(struct sc_idle_hist *h, __u64 idle_ms);

/*
 * Whether the heartbeat threshold has had its say on every connection yet.
 * Calls are only judged while the per-call hook is attached: a connection
 * that only carries heartbeats is idle once it has been watched for
 * idle_after, and until then the kernel's timestamps (which count heartbeats
 * as traffic) keep it active. So a one-shot run that watched less than
 * idle_after undercounts idle connections, silently unless it says so.
 */
struct sc_heartbeat_watch {
	bool effective;        /* no threshold, or a hook that has watched idle_after */
	bool hookless;         /* a threshold, but no per-call hook: never effective */
	__u64 watched_ms;      /* since the programs attached */
	__u64 left_ms;         /* watching still needed; 0 when effective or hookless */
};

struct sc_heartbeat_watch sc_heartbeat_watch(const struct sc_idle_policy *policy, bool hooked,
					     __u64 attached_ns, __u64 now_ns);

struct sc_idle_result sc_idle_classify(const struct sc_idle_input *in,
				       const struct sc_idle_clock *clk,
				       const struct sc_idle_policy *policy);
const char *sc_idle_source_name(enum sc_idle_source src);

#endif /* SC_IDLE_H */

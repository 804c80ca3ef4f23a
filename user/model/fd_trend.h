/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_FD_TREND_H
#define SC_FD_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * When does a process run out of file descriptors? From timestamped samples
 * of its open fds over a sliding window, the growth rate, and the time left
 * at that rate until its RLIMIT_NOFILE soft limit.
 *
 * The rate is the Theil-Sen slope: the median of the slopes between every
 * pair of samples in the window. One sample far off (a burst of short-lived
 * fds, a count read mid-way) moves only the n-1 slopes it is part of, so
 * the median stays with the rest; least squares would follow it. A jump
 * that stays (a pool opening its connections once) is not growth either,
 * yet pairs across it are most pairs when it falls mid-window, so the
 * window's older and newer halves must each grow on their own: a one-off
 * jump lies in one half, the other is flat. And a count that only wanders
 * (connections come and go) rises between about as many pairs as it falls:
 * the Mann-Kendall test asks that the rising pairs outnumber the falling
 * ones beyond chance (one-sided, 1%) before any ETA is given.
 *
 * Processes are keyed by pid and start time, so a reused pid starts anew.
 */
#define SC_FD_TREND_SAMPLES 64        /* kept per process: 2016 pairs at most */
#define SC_FD_TREND_WINDOW_S 60       /* default window */
#define SC_FD_TREND_MIN_WINDOW_S 10
#define SC_FD_TREND_MAX_WINDOW_S 86400
#define SC_FD_TREND_MIN_SPAN_S 10     /* the samples must cover this long */
#define SC_FD_TREND_MIN_SAMPLES 6     /* fewer cannot pass Mann-Kendall at 1% */

struct sc_fd_sample {
	__u64 t_ns;                   /* CLOCK_MONOTONIC */
	__u64 fds;
};

struct sc_fd_trend {
	__u32 pid;
	__u64 start_ticks;            /* /proc/PID/stat field 22: a reused pid differs */
	__u64 fd_limit;               /* of the newest sample */
	bool fresh;                   /* sampled since the last sweep */
	struct sc_fd_sample *s;       /* oldest first, SC_FD_TREND_SAMPLES of room */
	size_t n;
};

struct sc_fd_trends {
	struct sc_fd_trend *e;        /* e[0..sorted) by (pid, start_ticks); newer ones after */
	size_t n, sorted, cap;
	__u64 window_ns;
};

void sc_fd_trends_init(struct sc_fd_trends *t, double window_s);
void sc_fd_trends_free(struct sc_fd_trends *t);

/*
 * A sample of one process at t_ns. Samples older than the window go; while
 * the newest is closer than window/(SC_FD_TREND_SAMPLES-1) to the one before,
 * a new sample replaces it, so fast sampling still spans the window. A sample
 * older than the newest (a clock gone back) starts the process anew.
 * Returns 0 or -ENOMEM.
 */
int sc_fd_trends_add(struct sc_fd_trends *t, __u32 pid, __u64 start_ticks, __u64 t_ns,
		     __u64 fds, __u64 fd_limit);
/* Forgets processes with no sample since the last sweep: gone, or out of the table. */
void sc_fd_trends_sweep(struct sc_fd_trends *t);
/* Sorts for fast finds and forgets nobody: a bounded watch keeps every process it saw. */
void sc_fd_trends_sort(struct sc_fd_trends *t);
const struct sc_fd_trend *sc_fd_trends_find(const struct sc_fd_trends *t, __u32 pid,
					    __u64 start_ticks);

enum sc_fd_eta_why {
	SC_FD_ETA_NOT_WATCHED,    /* no samples (0: a zeroed sc_fd_eta claims no ETA) */
	SC_FD_ETA_OK,
	SC_FD_ETA_AT_LIMIT,       /* open fds are at (or above) the soft limit now: eta 0 */
	SC_FD_ETA_UNLIMITED,      /* no soft limit (or it is unknown) */
	SC_FD_ETA_FEW_SAMPLES,    /* fewer than SC_FD_TREND_MIN_SAMPLES in the window */
	SC_FD_ETA_SHORT_SPAN,     /* the samples cover less than SC_FD_TREND_MIN_SPAN_S */
	SC_FD_ETA_NOT_GROWING,    /* flat, shrinking, wandering, or one jump */
};

struct sc_fd_eta {
	enum sc_fd_eta_why why;
	double eta_s;             /* OK: seconds from the newest sample; AT_LIMIT: 0 */
	double rate_per_s;        /* the window's Theil-Sen slope (0 before there is one) */
	__u64 fds, fd_limit;      /* of the newest sample */
	size_t samples;
	double span_s;
};

/* Fills e; true when e->eta_s holds a time (OK or AT_LIMIT). tr may be NULL. */
bool sc_fd_trend_eta(const struct sc_fd_trend *tr, struct sc_fd_eta *e);

/* Why there is no ETA, for a person: "watched 4s, needs 10s". */
const char *sc_fd_eta_why_text(const struct sc_fd_eta *e, char *buf, size_t len);

/* The soonest of two ETAs (a service's nearest member): a time beats none. */
bool sc_fd_eta_sooner(const struct sc_fd_eta *a, const struct sc_fd_eta *b);

#endif /* SC_FD_TREND_H */

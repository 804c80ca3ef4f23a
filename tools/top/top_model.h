/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TOP_MODEL_H
#define SC_TOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "fd_trend.h"
#include "health.h"
#include "marginal.h"
#include "services.h"
#include "sockcost.h"

/*
 * What `sockcost top` shows, as plain data: rows of the three views and the
 * state the keys change (sort, invert, search, filter, tags, idle-after).
 * Nothing here draws or reads the kernel, so all of it is unit-tested.
 */

enum top_view {
	TOP_VIEW_PROCS, TOP_VIEW_PORTS, TOP_VIEW_CONNS, TOP_VIEW_SERVICES, TOP_VIEW_OUTBOUND,
	TOP_VIEW_COUNT
};

enum top_col {
	TOP_COL_PID, TOP_COL_COMM, TOP_COL_CONN, TOP_COL_IDLE, TOP_COL_IDLE_PCT,
	TOP_COL_FDS, TOP_COL_FD_LIMIT, TOP_COL_FD_PCT, TOP_COL_SOCK_MEM, TOP_COL_RSS,
	TOP_COL_RSS_CONN, TOP_COL_CONN_RATE,
	TOP_COL_PORT, TOP_COL_LISTENERS, TOP_COL_ACCEPTQ,
	TOP_COL_FD, TOP_COL_STATE, TOP_COL_LOCAL, TOP_COL_REMOTE, TOP_COL_IDLE_FOR,
	TOP_COL_RX, TOP_COL_TX, TOP_COL_RECVQ, TOP_COL_SENDQ,
	TOP_COL_SERVICE, TOP_COL_PROCS, TOP_COL_MAX_FD_PCT, TOP_COL_RPORT,
	TOP_COL_FD_ETA, TOP_COL_BROKEN, TOP_COL_HEALTH, TOP_COL_CONTAINER,
	TOP_COL_COUNT,
};

struct top_column {
	const char *name;   /* for --sort and the help screen */
	const char *title;  /* column header */
	int width;
	bool left;          /* left-aligned text */
	bool text;          /* sorts as text, ascending first */
};

extern const struct top_column top_columns[TOP_COL_COUNT];
/* Columns of each view, in screen order, ending with TOP_COL_COUNT. */
extern const enum top_col *const top_view_columns[TOP_VIEW_COUNT];

/* Returns 0 and sets *col if name is a process-view column name. */
int top_col_by_name(const char *name, enum top_col *col);

/* Room for a CONTAINER cell: NAMESPACE/POD/CONTAINER names can be long. */
#define TOP_PLACE_LEN 160

/* One line of any view; unused fields stay 0. */
struct top_row {
	__u64 id;                  /* identity across frames: pid, port, socket cookie */
	__u32 pid;                 /* holder; 0 for ports and unheld sockets */
	__u32 fd;
	char comm[SC_COMM_LEN + 1];
	/* processes: where sockcostd counts it (top_places.h); "" until known */
	char place[TOP_PLACE_LEN];
	__u64 conns, idle, tcp_sockets, fds, fd_limit, sock_mem;
	__u64 rss;
	bool rss_known;
	__u64 private_bytes;       /* smaps_rollup Private_Clean + Private_Dirty */
	bool private_known;
	bool rate_known;
	double conn_rate;          /* change of CONN per second since the last frame */
	__u16 port;                /* local; in the outbound view the remote port */
	__u32 listeners, acceptq, acceptq_max;
	/* connections view */
	const char *state;
	char local[56], remote[56];
	bool has_idle, is_idle;
	__u64 idle_ms, rx, tx;
	__u32 recvq, sendq;
	/* services view (service is also set on process rows) */
	char service[SC_SERVICE_NAME_LEN];
	__u32 service_id;          /* its service's main pid (the services row's id) */
	__u64 processes;           /* also the outbound view: processes holding them */
	__u64 worst_fds, worst_fd_limit; /* the member nearest its fd limit */
	/* When its fds reach the soft limit at their growth over top's frames
	 * (fd_trend.h); a service's: its member's that comes first (fd_eta_pid). */
	struct sc_fd_eta fd_eta;
	__u32 fd_eta_pid;
	/* Processes and services: their sockets' health at the latest health pass
	 * (health_known once there is one); connections: the socket's own. */
	struct sc_health_counts health;
	bool health_known;
	struct sc_health_result health_of;
};

#define TOP_TEXT_LEN 64
#define TOP_MAX_TAGS 256

/* What the user chose; survives across frames. */
struct top_model {
	enum top_view view;
	enum top_col sort[TOP_VIEW_COUNT];
	bool invert[TOP_VIEW_COUNT];
	__u64 selected_id[TOP_VIEW_COUNT];
	__u32 selected_pid[TOP_VIEW_COUNT]; /* with id: a socket held by two processes */
	size_t selected[TOP_VIEW_COUNT];    /* index into the visible order */
	size_t scroll[TOP_VIEW_COUNT];
	char filter[TOP_TEXT_LEN];
	char search[TOP_TEXT_LEN];
	char service[SC_SERVICE_NAME_LEN]; /* the process view shows this service only ("" all), */
	__u32 service_id;                  /* by its main pid: names can change between frames */
	__u32 tags[TOP_MAX_TAGS];           /* tagged pids, unordered */
	size_t ntags;
	bool paused;
};

void top_model_init(struct top_model *m);

/* Percent of part in whole, 0 when whole is 0: for sorting, colour and JSON
 * numbers; text goes through fmt_percent so every command prints one way. */
double top_pct(__u64 part, __u64 whole);
/* FD% against the limit; -1 when the limit is unlimited or unknown. */
double top_fd_pct(const struct top_row *r);
/* MAX FD% of a service row; -1 when its worst member is unlimited or unknown. */
double top_max_fd_pct(const struct top_row *r);
/* Seconds until the fd limit (0: at it); -1 when there is no ETA. */
double top_fd_eta_s(const struct top_row *r);
/* Average RSS per connection; -1 when RSS is unknown or there are none. */
double top_rss_per_conn(const struct top_row *r);

/*
 * The rows of view that pass the filter, sorted by its column (inverted if
 * asked), ties broken by id then pid so the order is stable. Writes indices
 * into order (room for n) and returns how many.
 */
size_t top_order(const struct top_row *rows, size_t n, const struct top_model *m,
		 enum top_view view, size_t *order);

/* Case-insensitive: comm, pid, port, addresses or state contain text. */
bool top_row_matches(const struct top_row *r, const char *text);
/* The first visible position after from (wrapping, from itself if inclusive)
 * whose row matches text; -1 if none. */
long top_search(const struct top_row *rows, const size_t *order, size_t n, size_t from,
		bool inclusive, const char *text);

/* Keeps the selection on the same row across a new frame; clamps it otherwise. */
void top_follow_selection(struct top_model *m, enum top_view view, const struct top_row *rows,
			  const size_t *order, size_t n);
void top_select(struct top_model *m, enum top_view view, const struct top_row *rows,
		const size_t *order, size_t n, long pos);

bool top_tag_toggle(struct top_model *m, __u32 pid); /* false when full */
bool top_is_tagged(const struct top_model *m, __u32 pid);

/* The next (dir > 0) or previous sort column of a view. */
enum top_col top_sort_step(enum top_view view, enum top_col col, int dir);

/* A rate between two counter readings; false if it cannot be known. */
bool top_counter_rate(__u64 prev, __u64 now, __u64 dt_ns, double *per_s);

/* The idle-after value one step up (dir > 0) or down from ms, on a ladder of
 * common timeouts; values off the ladder go to the nearest step that way. */
__u64 top_idle_after_step(__u64 ms, int dir);

/*
 * Per-process memory across frames: CONN of the last frame (for the rate)
 * and private memory samples for the marginal-cost estimate. Processes not seen in a
 * frame are dropped, so it never outgrows the process table.
 */
struct top_history_entry {
	__u32 pid;
	__u64 conns;
	__u64 seen_ns;
	bool fresh;                 /* seen in the current frame */
	struct sc_marginal marginal;
};

struct top_history {
	struct top_history_entry *e; /* sorted by pid */
	size_t n, cap;
};

/* Sets conn_rate of each process row from the last frame; returns 0 or -ENOMEM. */
int top_history_update(struct top_history *h, struct top_row *rows, size_t n, __u64 now_ns);
/* Adds an RSS sample for pid (a row of the current frame). */
void top_history_add_private(struct top_history *h, __u32 pid, __u64 conns, __u64 bytes);
const struct sc_marginal *top_history_marginal(const struct top_history *h, __u32 pid);
void top_history_free(struct top_history *h);

/* Sockets that appeared and went between two sorted cookie lists. */
void top_cookie_churn(const __u64 *prev, size_t nprev, const __u64 *now, size_t nnow,
		      __u64 *appeared, __u64 *gone);

#endif /* SC_TOP_MODEL_H */

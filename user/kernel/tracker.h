/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TRACKER_H
#define SC_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "sockcost.h"

/*
 * The kernel side of sockcost: loaded and attached BPF programs and their
 * maps. Everything after loading goes through the fds below, so a tracker
 * can later be backed by pinned objects instead of its own skeleton.
 */
struct sc_tracker;

/* What to do with the pinned state a daemon keeps (pin.h). */
enum sc_pin_mode {
	SC_PIN_NONE,           /* load our own programs, leave nothing behind */
	SC_PIN_READ,           /* read the daemon's pinned state if it is compatible, else load */
	SC_PIN_OWN,            /* the daemon: adopt, upgrade or create the pinned state */
};

struct sc_tracker_opts {
	__u64 heartbeat_bytes; /* send/recv calls of <= this many bytes are not activity */
	bool live_counters;    /* keep sc_counters.established exact (a record per socket) */
	enum sc_pin_mode pin_mode;
	const char *pin_dir;   /* NULL: sc_pin_dir(NULL) */
};

enum sc_iter_kind {
	SC_ITER_TCP,
	SC_ITER_TASK_FILE,
	SC_ITER_TASK,
	SC_ITER_STORAGE,       /* the per-socket storage map's records */
	SC_ITER_CONN,          /* compact per-file records for aggregates */
	SC_ITER_CONN_STATE,    /* their sockets' watch state, one namespace */
	SC_ITER_COUNT,
};

/* Checks privileges and kernel support, then open -> configure -> load -> attach.
 * On failure prints one line naming the fix and returns NULL. */
struct sc_tracker *sc_tracker_open(const struct sc_tracker_opts *opts);
void sc_tracker_close(struct sc_tracker *t);

enum sc_hook sc_tracker_hook(const struct sc_tracker *t);
/* True when the programs and maps are sockcostd's pinned ones (their counters span its life). */
bool sc_tracker_uses_pinned(const struct sc_tracker *t);
/* sockcostd's memory estimates, by pid (estimates.h reads and writes them). */
int sc_tracker_estimates_fd(const struct sc_tracker *t);
int sc_tracker_iter_link_fd(const struct sc_tracker *t, enum sc_iter_kind kind);
int sc_tracker_read_config(const struct sc_tracker *t, struct sc_config *cfg);
/*
 * A new link of a task or task_file iterator that walks only process pid
 * (the iterator's pid option, 6.1+). Returns its fd (the caller closes it),
 * or a negative errno where the kernel has no such option.
 */
int sc_tracker_iter_link_for_pid(const struct sc_tracker *t, enum sc_iter_kind kind, __u32 pid);
/* The one-shot readers' filter maps (sockcost.h, struct sc_walk_filter). */
void sc_tracker_walk_filter_fds(const struct sc_tracker *t, int *filters_fd, int *cookies_fd);
/* The change ring's maps (sockcost.h, struct sc_change); the tracker keeps them. */
void sc_tracker_change_fds(const struct sc_tracker *t, int *ring_fd, int *head_fd);
int sc_tracker_read_counters(const struct sc_tracker *t, struct sc_counters *sum);
/* Program runs the kernel skipped because one was already running on that CPU. */
__u64 sc_tracker_missed_events(const struct sc_tracker *t);

#endif /* SC_TRACKER_H */

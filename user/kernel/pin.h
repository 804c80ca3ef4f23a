/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_PIN_H
#define SC_PIN_H

#include "defaults.h"

/*
 * Pinned state: sockcostd keeps one set of programs, links and maps per
 * host under a bpffs directory, so it can restart without losing per-socket
 * history or counters, and so the CLI can read what the daemon has watched.
 */

/* dir if given, else $SOCKCOST_PIN_DIR if set (tests, several daemons), else SC_PIN_DIR. */
const char *sc_pin_dir(const char *dir);

/* File names inside the pin directory. */
#define SC_PIN_MAP_STATES "map_sock_states"
#define SC_PIN_MAP_CONFIG "map_config"
#define SC_PIN_MAP_COUNTERS "map_counters"
#define SC_PIN_MAP_CHANGES "map_changes"
#define SC_PIN_MAP_CHANGE_HEAD "map_change_head"
#define SC_PIN_MAP_ESTIMATES "map_estimates"
#define SC_PIN_MAP_WALK_FILTERS "map_walk_filters"
#define SC_PIN_MAP_WALK_COOKIES "map_walk_cookies"

/*
 * Creates dir (0700) on bpffs, mounting bpffs on /sys/fs/bpf if dir is
 * below it and nothing is mounted there; any other parent must be bpffs.
 */
int sc_pin_prepare(const char *dir);

/* Whether dir holds any pinned object. */
int sc_pin_exists(const char *dir);

/* Writes "dir/name" into buf. Returns 0, or -ENAMETOOLONG. */
int sc_pin_path(char *buf, unsigned long len, const char *dir, const char *name);

/*
 * Removes every pinned object in dir and dir itself: programs no process
 * holds detach. Refuses a dir that is not on bpffs. Returns 0 (also when
 * there was nothing), or -1 after logging.
 */
int sc_pin_unload(const char *dir);

#endif /* SC_PIN_H */

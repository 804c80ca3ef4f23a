/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_PROC_TEXT_H
#define SC_PROC_TEXT_H

#include <stddef.h>
#include <linux/types.h>

/*
 * Parsers of the small /proc and cgroup files the readers in sys/ hand
 * over as NUL-terminated text. Pure: what a process controls in that text
 * (its command in stat, its cgroup names) is fuzzed here without a /proc.
 * Each returns 0 or -EINVAL for text it does not recognize.
 */

/* starttime, field 22 of /proc/PID/stat, in clock ticks since boot. */
int sc_stat_start_ticks(const char *text, __u64 *ticks);

/* resident, the second number of /proc/PID/statm, in pages. */
int sc_statm_resident_pages(const char *text, __u64 *pages);

/* A cgroup v2 interface file holding one number or "max": 0 and *v, or 1 for "max". */
int sc_cgroup_value_parse(const char *text, __u64 *v);

/*
 * The cgroup v2 path of /proc/PID/cgroup text (its "0::" line) into buf,
 * cut to len - 1 bytes. Only a line's start counts: a v1 line's long path
 * that holds "0::" further on is not the v2 line.
 */
int sc_cgroup_v2_path(const char *text, char *buf, size_t len);

#endif /* SC_PROC_TEXT_H */

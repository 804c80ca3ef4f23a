/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_PROC_MEM_H
#define SC_PROC_MEM_H

#include <stddef.h>
#include <linux/types.h>

#include "smaps.h"

/* Resident set size of pid in bytes (/proc/PID/statm). Returns 0 or a negative errno. */
int sc_proc_rss_bytes(__u32 pid, __u64 *rss);

/*
 * RSS, PSS and private memory of pid from /proc/PID/smaps_rollup (4.14+).
 * The kernel walks the process's page tables for it: about a millisecond
 * per 100 MB mapped, so read it for rows shown or exported, not for every
 * process. Returns 0, or a negative errno (the process is gone: -ENOENT;
 * not readable: -EACCES).
 */
int sc_proc_mem_read(__u32 pid, struct sc_proc_mem *m);

/*
 * memory.max of a cgroup v2 path (as /proc/PID/cgroup names it), looked up
 * under the cgroup2 mount. Returns 0 and sets *limit, 1 if there is no limit
 * ("max"), or a negative errno if it cannot be read.
 */
int sc_cgroup_memory_max(const char *cgroup_path, __u64 *limit);

/* memory.current of a cgroup v2 path, in bytes. Returns 0 or a negative errno. */
int sc_cgroup_memory_current(const char *cgroup_path, __u64 *bytes);

/* Where cgroup2 is mounted ("/sys/fs/cgroup" or, on hybrid hosts, ".../unified"). */
const char *sc_cgroup2_mount(void);

#endif /* SC_PROC_MEM_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_PROC_STAT_H
#define SC_PROC_STAT_H

#include <linux/types.h>

/*
 * When pid started, in clock ticks since boot (/proc/PID/stat, field 22):
 * with the pid, it names one process for good. Returns 0 or a negative errno.
 */
int sc_proc_start_ticks(__u32 pid, __u64 *ticks);

#endif /* SC_PROC_STAT_H */

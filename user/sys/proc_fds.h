/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_PROC_FDS_H
#define SC_PROC_FDS_H

#include "summary.h"

/*
 * Processes whose fds the kernel could not count (no bpf_loop before 5.17,
 * or no fd table found) have 0 in a summary, which a process holding a
 * socket cannot have: counts their /proc/PID/fd entries instead.
 */
void sc_summary_fill_fds(struct sc_summary *s);

/* Entries of /proc/PID/fd; 0 if it cannot be read (gone, or not ours). */
__u64 sc_proc_fd_count(__u32 pid);

#endif /* SC_PROC_FDS_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CGROUP_READ_H
#define SC_CGROUP_READ_H

#include <stddef.h>
#include <linux/types.h>

/*
 * Reads the cgroup v2 path of pid (the "0::" line of /proc/PID/cgroup) into
 * buf. Returns 0, or a negative errno (the process is gone, or no v2 line).
 */
int sc_cgroup_of_pid(__u32 pid, char *buf, size_t len);

#endif /* SC_CGROUP_READ_H */

// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "proc_stat.h"
#include "proc_text.h"
#include "small_file.h"

int sc_proc_start_ticks(__u32 pid, __u64 *ticks)
{
	char path[40], buf[1024];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	n = sc_read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return sc_stat_start_ticks(buf, ticks);
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SOCKCOST_WALK_FILTER_BPF_H
#define SOCKCOST_WALK_FILTER_BPF_H

#include "maps.bpf.h"

/* /proc/PID/stat counts start times in USER_HZ ticks: 100 a second. */
#define SC_NS_PER_USER_TICK 10000000ull

/*
 * The filter of the process reading this iterator (the programs run in its
 * context), or NULL: it set none, or the filter is a dead reader's whose
 * pid came back (sockcost.h, struct sc_walk_filter).
 */
static __always_inline struct sc_walk_filter *sc_walk_filter_mine(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct sc_walk_filter *f = bpf_map_lookup_elem(&sc_walk_filters, &tgid);
	struct task_struct *task;

	if (!f)
		return NULL;
	task = (struct task_struct *)bpf_get_current_task();
	if (BPF_CORE_READ(task, group_leader, start_boottime) / SC_NS_PER_USER_TICK !=
	    f->reader_start_ticks)
		return NULL;
	return f;
}

#endif /* SOCKCOST_WALK_FILTER_BPF_H */

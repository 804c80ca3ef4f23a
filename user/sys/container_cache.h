/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CONTAINER_CACHE_H
#define SC_CONTAINER_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "container_names_read.h"
#include "container_rows.h"
#include "summary.h"

/*
 * sockcostd's per-container rows, refreshed with each summary on the
 * collector thread. What it reads is cached so the cost follows changes,
 * not refreshes: a process's cgroup is read when its pid is new (or its
 * comm changed, or a minute has passed: processes rarely move), a
 * container's names when its id is new (retried every 30 s while the node
 * has none, or a pod's but not its container's; re-checked every 5 minutes
 * once it has, as Docker renames). Pids and ids no process has any more
 * are forgotten.
 */
struct sc_container_cache {
	struct sc_container_dirs dirs;
	struct cached_pid *pids;     /* by pid */
	size_t npids;
	struct cached_names *names;  /* by place */
	size_t nnames;
	__u64 cgroup_reads;          /* /proc/PID/cgroup reads, in all */
	__u64 name_lookups;          /* sc_container_names_read calls, in all */
};

void sc_container_cache_init(struct sc_container_cache *cc, const struct sc_container_dirs *dirs);
void sc_container_cache_free(struct sc_container_cache *cc);

/*
 * The rows of s's processes (costs cover procs[0 .. ncosts)), named. Sets
 * *rows (free()) and *n. 0 or -ENOMEM (the cache is then as before).
 */
int sc_container_cache_rows(struct sc_container_cache *cc, const struct sc_summary *s,
			    const struct sc_proc_cost *costs, size_t ncosts,
			    struct sc_container_row **rows, size_t *n);

/*
 * The place of pid and its names ("" where the node does not say), as the
 * latest sc_container_cache_rows saw them: no read. False if pid was not in
 * that summary.
 */
bool sc_container_cache_place(const struct sc_container_cache *cc, __u32 pid,
			      struct sc_place *place, struct sc_container_names *names);

#endif /* SC_CONTAINER_CACHE_H */

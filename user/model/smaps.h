/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SMAPS_H
#define SC_SMAPS_H

#include <stdbool.h>
#include <linux/types.h>

/*
 * A process's memory as /proc/PID/smaps_rollup accounts it, in bytes:
 *   rss      resident pages, shared ones counted in full (what top shows;
 *            summing it over processes counts shared memory once per process)
 *   pss      each page divided by the number of processes mapping it: sums
 *            over processes to what they really hold together
 *   private  pages mapped by this process alone (USS): what its exit frees
 * with the anonymous (heap, stacks) and file-backed parts of PSS. Shared
 * memory (a database's buffers) is pss_shmem.
 */
struct sc_proc_mem {
	__u64 rss, pss, private_bytes;
	__u64 anonymous;        /* anonymous pages, shared or not */
	__u64 pss_anon, pss_file, pss_shmem;
	__u64 swap;
};

/* Parses smaps_rollup text. Returns 0, or -EINVAL when Rss, Pss or the private lines are missing. */
int sc_smaps_rollup_parse(const char *text, struct sc_proc_mem *m);

#endif /* SC_SMAPS_H */

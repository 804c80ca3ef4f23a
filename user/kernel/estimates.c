// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <bpf/bpf.h>

#include "clock.h"
#include "common.h"
#include "estimates.h"
#include "proc_stat.h"
#include "tracker.h"

static int cmp_pid(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return CMP(x, y);
}

int sc_estimates_write(const struct sc_tracker *t, const __u32 *pids,
		       const struct sc_estimate *e, size_t n, __u64 valid_ns)
{
	int fd = sc_tracker_estimates_fd(t);
	__u32 key, next, stale[256];
	__u64 until = sc_mono_ns() + valid_ns;
	size_t i, nstale;
	int err;

	/* Forget pids no longer estimated (pids are reused), a batch at a time. */
	do {
		nstale = 0;
		for (err = bpf_map_get_next_key(fd, NULL, &next);
		     !err && nstale < ARRAY_SIZE(stale); err = bpf_map_get_next_key(fd, &key, &next)) {
			key = next;
			if (!n || !bsearch(&key, pids, n, sizeof(*pids), cmp_pid))
				stale[nstale++] = key;
		}
		for (i = 0; i < nstale; i++)
			bpf_map_delete_elem(fd, &stale[i]);
	} while (nstale == ARRAY_SIZE(stale));
	for (i = 0; i < n && i < SC_ESTIMATES_MAX; i++) {
		struct sc_estimate v = e[i];

		v.valid_until_ns = until;
		if (sc_proc_start_ticks(pids[i], &v.start_ticks))
			continue; /* gone meanwhile */
		if (bpf_map_update_elem(fd, &pids[i], &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

bool sc_estimates_read(const struct sc_tracker *t, __u32 pid, struct sc_marginal_est *est)
{
	struct sc_estimate e;
	__u64 ticks;

	if (!sc_tracker_uses_pinned(t) ||
	    bpf_map_lookup_elem(sc_tracker_estimates_fd(t), &pid, &e) ||
	    sc_mono_ns() > e.valid_until_ns || sc_proc_start_ticks(pid, &ticks) ||
	    ticks != e.start_ticks)
		return false;
	*est = (struct sc_marginal_est){
		.why = SC_MARGINAL_OK, .bytes = (double)e.marginal_bytes,
		.spread = (double)e.spread_bytes, .samples = e.samples,
	};
	return true;
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CLOCK_H
#define SC_CLOCK_H

#include <time.h>
#include <linux/types.h>

/* A clock in ns; CLOCK_MONOTONIC is the one BPF's bpf_ktime_get_ns() reads. */
static inline __u64 sc_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static inline __u64 sc_mono_ns(void)
{
	return sc_clock_ns(CLOCK_MONOTONIC);
}

#endif /* SC_CLOCK_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_JIFFIES_H
#define SC_JIFFIES_H

#include <linux/types.h>

/*
 * The kernel's tick rate, to turn tcp_sock's jiffies stamps into ages: the
 * pure half (parsing and arithmetic). Finding HZ on this host is sys/kernel_hz.
 */

/*
 * jiffies_64 starts at 2^32 - 300 * HZ (INITIAL_JIFFIES, so wrap bugs show
 * early) and advances HZ per second, so HZ = (jiffies64 - 2^32) / (t - 300)
 * for t seconds of uptime. Returns the nearest common HZ, or 0 when the
 * reading cannot tell (uptime within 20 s of 300 s, or no common value is close).
 */
__u32 sc_hz_from_jiffies(__u64 jiffies64, __u64 mono_ns);

/* CONFIG_HZ from a kernel config text, 0 if absent. */
__u32 sc_hz_from_config_text(const char *text);

/* d jiffies in ns, and ns in jiffies, without overflowing for any realistic value. */
static inline __u64 sc_jiffies_to_ns(__u64 d, __u32 hz)
{
	return d / hz * 1000000000ull + d % hz * 1000000000ull / hz;
}

static inline __u64 sc_ns_to_jiffies(__u64 ns, __u32 hz)
{
	return ns / 1000000000ull * hz + ns % 1000000000ull * hz / 1000000000ull;
}

#endif /* SC_JIFFIES_H */

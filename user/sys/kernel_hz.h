/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_KERNEL_HZ_H
#define SC_KERNEL_HZ_H

#include <linux/types.h>

#include "jiffies.h"

/*
 * This host's tick rate: from the kernel config when one is found
 * (/proc/config.gz, /boot/config-RELEASE), otherwise derived from a
 * jiffies_64 reading taken at CLOCK_MONOTONIC mono_ns. 0 if neither works.
 * Found once and kept; safe to call from any thread.
 */
__u32 sc_kernel_hz(__u64 jiffies64, __u64 mono_ns);

#endif /* SC_KERNEL_HZ_H */

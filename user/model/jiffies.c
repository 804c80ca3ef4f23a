// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "jiffies.h"

__u32 sc_hz_from_config_text(const char *text)
{
	const char *p = text;

	while ((p = strstr(p, "CONFIG_HZ=")) != NULL) {
		/* Only at the start of a line: not CONFIG_HZ_1000=y and the like. */
		if (p == text || p[-1] == '\n')
			return (__u32)strtoul(p + strlen("CONFIG_HZ="), NULL, 10);
		p++;
	}
	return 0;
}

__u32 sc_hz_from_jiffies(__u64 jiffies64, __u64 mono_ns)
{
	static const __u32 common[] = { 100, 250, 300, 1000, 24, 32, 48, 64, 128, 256, 512, 1024, 1200 };
	double t = (double)mono_ns / 1e9 - 300.0, hz, best_err = 1.0;
	__u32 best = 0;
	size_t i;

	/*
	 * jiffies start counting a fraction of a second after the monotonic
	 * clock (0.2 s on the machine this was written on): within 20 s of
	 * 300 s that offset is over 1%, too much to tell 250 from 256.
	 */
	if (fabs(t) < 20)
		return 0;
	hz = ((double)jiffies64 - 4294967296.0) / t;
	for (i = 0; i < ARRAY_SIZE(common); i++) {
		double err = fabs(hz - common[i]) / common[i];

		if (err < best_err) {
			best_err = err;
			best = common[i];
		}
	}
	return best_err < 0.01 ? best : 0;
}

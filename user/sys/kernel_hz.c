// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <zlib.h>

#include "force.h"
#include "kernel_hz.h"

/* Reads a kernel config (plain or gzip: gzread handles both). */
static __u32 hz_from_config_file(const char *path)
{
	size_t cap = 1 << 20, len = 0;
	char *buf;
	gzFile f;
	int n;
	__u32 hz;

	f = gzopen(path, "rb");
	if (!f)
		return 0;
	buf = malloc(cap + 1);
	if (!buf) {
		gzclose(f);
		return 0;
	}
	while (len < cap && (n = gzread(f, buf + len, (unsigned)(cap - len))) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	gzclose(f);
	hz = sc_hz_from_config_text(buf);
	free(buf);
	return hz;
}

__u32 sc_kernel_hz(__u64 jiffies64, __u64 mono_ns)
{
	/* The daemon's walker and a snapshot may ask at once; any finder's answer is the same. */
	static __u32 cached;
	struct utsname u;
	char path[300];
	__u32 hz = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (hz)
		return hz;
	if (!sc_forced("hz-jiffies"))
		hz = hz_from_config_file("/proc/config.gz");
	if (!hz && !sc_forced("hz-jiffies") && !uname(&u)) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		hz = hz_from_config_file(path);
	}
	if (!hz)
		hz = sc_hz_from_jiffies(jiffies64, mono_ns);
	__atomic_store_n(&cached, hz, __ATOMIC_RELAXED);
	return hz;
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc_mem.h"
#include "proc_text.h"
#include "small_file.h"

int sc_proc_mem_read(__u32 pid, struct sc_proc_mem *m)
{
	char path[64], buf[2048];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/smaps_rollup", pid);
	n = sc_read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* An empty rollup: a kernel thread or a zombie, which hold no user memory. */
	if (n == 0)
		return -ENOENT;
	return sc_smaps_rollup_parse(buf, m);
}

int sc_proc_rss_bytes(__u32 pid, __u64 *rss)
{
	char path[64], buf[256];
	__u64 pages;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/statm", pid);
	n = sc_read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (sc_statm_resident_pages(buf, &pages))
		return -EINVAL;
	*rss = pages * (__u64)sysconf(_SC_PAGESIZE);
	return 0;
}

const char *sc_cgroup2_mount(void)
{
	static char mount[256];
	struct mntent *m;
	FILE *f;

	if (mount[0])
		return mount;
	snprintf(mount, sizeof(mount), "/sys/fs/cgroup");
	f = setmntent("/proc/self/mounts", "r");
	if (!f)
		return mount;
	while ((m = getmntent(f)))
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(mount, sizeof(mount), "%s", m->mnt_dir);
			break;
		}
	endmntent(f);
	return mount;
}

/* Reads a cgroup v2 interface file: 0 and *v, 1 for "max", or a negative errno. */
static int read_cgroup_value(const char *cgroup_path, const char *file, __u64 *v)
{
	char path[1024], buf[64];
	ssize_t n;

	if (!cgroup_path || !cgroup_path[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "%s%s/%s", sc_cgroup2_mount(), cgroup_path, file);
	n = sc_read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return sc_cgroup_value_parse(buf, v);
}

int sc_cgroup_memory_max(const char *cgroup_path, __u64 *limit)
{
	return read_cgroup_value(cgroup_path, "memory.max", limit);
}

int sc_cgroup_memory_current(const char *cgroup_path, __u64 *bytes)
{
	int err = read_cgroup_value(cgroup_path, "memory.current", bytes);

	return err == 1 ? -EINVAL : err;
}

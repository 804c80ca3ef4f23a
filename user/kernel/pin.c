// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "log.h"
#include "pin.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

const char *sc_pin_dir(const char *dir)
{
	const char *env = getenv("SOCKCOST_PIN_DIR");

	if (dir && dir[0])
		return dir;
	return env && env[0] ? env : SC_PIN_DIR;
}

int sc_pin_path(char *buf, unsigned long len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (unsigned long)n >= len ? -ENAMETOOLONG : 0;
}

static int is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

int sc_pin_prepare(const char *dir)
{
	char parent[PATH_MAX];
	char *slash;

	if (snprintf(parent, sizeof(parent), "%s", dir) >= (int)sizeof(parent))
		return sc_fail(ENAMETOOLONG, "pin directory path too long: %s", dir);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return sc_fail(EINVAL, "pin directory must be below a bpffs mount: %s", dir);
	*slash = '\0';
	if (!is_bpffs(parent)) {
		/*
		 * systemd mounts it on most hosts; minimal containers and VMs may
		 * not. Only ever on its usual place: mounting over any other
		 * directory would hide what is there.
		 */
		if (strcmp(parent, SC_BPFFS))
			return sc_fail(ENOTDIR, "%s is not on a bpffs mount; mount one first "
				      "(mount -t bpf bpf %s)", dir, parent);
		if (mount("bpf", parent, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700"))
			return sc_fail(errno, "cannot mount bpffs on %s: %s", parent, strerror(errno));
		sc_info("mounted bpffs on %s", parent);
	}
	if (mkdir(dir, 0700) && errno != EEXIST)
		return sc_fail(errno, "cannot create %s: %s", dir, strerror(errno));
	return 0;
}

int sc_pin_exists(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d)))
		found = e->d_name[0] != '.';
	closedir(d);
	return found;
}

int sc_pin_unload(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	int err = 0, removed = 0;
	DIR *d = opendir(dir);

	if (!d) {
		if (errno == ENOENT)
			return 0;
		return sc_fail(errno, "cannot open %s: %s", dir, strerror(errno));
	}
	/* Only pins are ever removed: never the files of some other directory. */
	if (!is_bpffs(dir)) {
		closedir(d);
		return sc_fail(EINVAL, "%s is not on bpffs: not removing anything there", dir);
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (sc_pin_path(path, sizeof(path), dir, e->d_name) || unlink(path)) {
			err = sc_fail(errno, "cannot remove %s/%s: %s", dir, e->d_name, strerror(errno));
			continue;
		}
		removed++;
	}
	closedir(d);
	if (!err && rmdir(dir))
		err = sc_fail(errno, "cannot remove %s: %s", dir, strerror(errno));
	if (!err)
		sc_debug("removed %d pinned objects and %s", removed, dir);
	return err;
}

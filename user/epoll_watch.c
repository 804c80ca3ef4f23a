// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "epoll_watch.h"

int sc_inode_set_add(struct sc_inode_set *s, __u64 ino)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		__u64 *bigger = realloc(s->ino, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		s->ino = bigger;
		s->cap = cap;
	}
	s->ino[s->n++] = ino;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return (x > y) - (x < y);
}

void sc_inode_set_seal(struct sc_inode_set *s)
{
	size_t i, m = 0;

	if (!s->n)
		return;
	qsort(s->ino, s->n, sizeof(*s->ino), cmp_u64);
	for (i = 0; i < s->n; i++)
		if (!m || s->ino[m - 1] != s->ino[i])
			s->ino[m++] = s->ino[i];
	s->n = m;
}

bool sc_inode_set_has(const struct sc_inode_set *s, __u64 ino)
{
	return s->n && bsearch(&ino, s->ino, s->n, sizeof(ino), cmp_u64);
}

void sc_inode_set_free(struct sc_inode_set *s)
{
	free(s->ino);
	memset(s, 0, sizeof(*s));
}

int sc_epoll_fdinfo_targets(const char *text, struct sc_inode_set *s)
{
	const char *p = text;
	int found = 0;

	/* tfd:        4 events:       1f data:                4  pos:0 ino:b5e548 sdev:9 */
	while ((p = strstr(p, "tfd:"))) {
		const char *eol = strchr(p, '\n');
		const char *ino = strstr(p, " ino:");
		unsigned long long v;
		char *end;

		if (ino && (!eol || ino < eol)) {
			v = strtoull(ino + 5, &end, 16);
			if (end != ino + 5) {
				if (sc_inode_set_add(s, v))
					return -ENOMEM;
				found++;
			}
		}
		p += 4;
	}
	return found;
}

static int read_fdinfo(__u32 pid, const char *fd, char *buf, size_t len)
{
	char path[32 + 256];
	ssize_t n, total = 0;
	int f;

	snprintf(path, sizeof(path), "/proc/%u/fdinfo/%s", pid, fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	while ((size_t)total < len - 1 &&
	       (n = read(f, buf + total, len - 1 - (size_t)total)) > 0)
		total += n;
	buf[total] = '\0';
	close(f);
	return 0;
}

#define FDINFO_MAX (8 << 20)

int sc_epoll_watched_by_pid(__u32 pid, struct sc_inode_set *s)
{
	char dir[64], link[64 + 256], target[32];
	struct dirent *d;
	char *buf = NULL;
	int err = 0;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%u/fd", pid);
	fds = opendir(dir);
	if (!fds)
		return -errno;
	while ((d = readdir(fds))) {
		ssize_t n;

		if (d->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "anon_inode:[eventpoll]"))
			continue;
		/* One line per watched fd: big enough for a few hundred thousand. */
		if (!buf && !(buf = malloc(FDINFO_MAX))) {
			err = -ENOMEM;
			break;
		}
		if (read_fdinfo(pid, d->d_name, buf, FDINFO_MAX))
			continue;
		if (sc_epoll_fdinfo_targets(buf, s) < 0) {
			err = -ENOMEM;
			break;
		}
	}
	closedir(fds);
	free(buf);
	return err;
}

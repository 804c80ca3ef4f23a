// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

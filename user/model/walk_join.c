// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>

#include "common.h"
#include "walk_join.h"

struct inode_cookie {
	__u32 inode;
	__u32 netns;
	__u64 cookie;
};

/* Both joins order by (inode, netns), the two walks' common key. */
#define CMP_INODE_NETNS(x, y) (CMP((x)->inode, (y)->inode) ?: CMP((x)->netns, (y)->netns))

static int cmp_state(const void *a, const void *b)
{
	const struct sc_conn_state_record *x = a, *y = b;

	return CMP_INODE_NETNS(x, y);
}

static int cmp_inode_cookie(const void *a, const void *b)
{
	const struct inode_cookie *x = a, *y = b;

	return CMP_INODE_NETNS(x, y);
}

/*
 * The state record of c among states (sorted): same inode and namespace,
 * and the same ports, since inode numbers wrap at 32 bits and two live
 * sockets may share one. NULL if none.
 */
static const struct sc_conn_state_record *
state_of(const struct sc_conn_record *c, const struct sc_conn_state_record *states, size_t n)
{
	struct sc_conn_state_record key = { .inode = c->inode, .netns = c->netns };
	const struct sc_conn_state_record *hit, *p, *end = states + n;

	hit = n && c->inode ? bsearch(&key, states, n, sizeof(*states), cmp_state) : NULL;
	if (!hit)
		return NULL;
	for (p = hit; p > states && !cmp_state(p - 1, &key); p--)
		;
	for (; p < end && !cmp_state(p, &key); p++)
		if (p->lport == c->lport && p->rport == c->rport)
			return p;
	return NULL;
}

static __u64 cookie_or_inode_key(__u64 cookie, __u32 inode)
{
	return cookie ? cookie : SC_WALK_INODE_KEY | inode;
}

int sc_walk_join_state(struct sc_conn_record *c, size_t nconns,
		       struct sc_conn_state_record *states, size_t nstates)
{
	const struct sc_conn_state_record *st;
	size_t i;

	if (nstates)
		qsort(states, nstates, sizeof(*st), cmp_state);
	for (i = 0; i < nconns; i++) {
		if (c[i].kind != SC_CONN_TCP)
			continue;
		st = state_of(&c[i], states, nstates);
		if (!st) {
			c[i].cookie = cookie_or_inode_key(c[i].cookie, c[i].inode);
			continue;
		}
		/* The helper's cookie: the plain load may have read 0 (none yet). */
		c[i].cookie = st->cookie;
		c[i].flags |= st->flags;
		if (c[i].state != TCP_LISTEN && (st->flags & SC_CONN_HAS_STATE))
			c[i].established_ns = st->established_ns;
		c[i].last_active_jiffies = st->last_active_jiffies;
	}
	return 0;
}

int sc_walk_join_cookies(struct sc_file_record *f, size_t nfiles,
			 const struct sc_tcp_record *r, size_t ntcp)
{
	struct inode_cookie *v, key = {}, *hit;
	size_t i, n = 0, missing = 0;

	for (i = 0; i < nfiles; i++)
		missing += f[i].inode && !f[i].cookie;
	if (!missing)
		return 0;
	v = malloc((ntcp ? ntcp : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < ntcp; i++)
		if (r[i].inode)
			v[n++] = (struct inode_cookie){ r[i].inode, r[i].netns, r[i].cookie };
	if (n)
		qsort(v, n, sizeof(*v), cmp_inode_cookie);
	for (i = 0; i < nfiles; i++) {
		if (!f[i].inode || f[i].cookie)
			continue;
		key.inode = (__u32)f[i].inode;
		key.netns = f[i].netns;
		hit = n ? bsearch(&key, v, n, sizeof(*v), cmp_inode_cookie) : NULL;
		f[i].cookie = cookie_or_inode_key(hit ? hit->cookie : 0, (__u32)f[i].inode);
	}
	free(v);
	return 0;
}

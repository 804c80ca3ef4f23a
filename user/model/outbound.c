// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "big_alloc.h"
#include "common.h"
#include "outbound.h"

#define NO_ROW ((__u32)-1)

/* A group (remote port, and address when by address), or a holder in one (pid). */
struct gkey {
	__u16 port;
	__u16 family;
	__u32 pid;
	__u8 addr[16];
};

/*
 * gkey -> row index, open addressing; one pass, no sort of the holders.
 * Grown as keys come: sized for every client socket up front, the three
 * maps were 22 MB of fresh pages at 100K connections for a handful of
 * groups, which cost more than the grouping.
 */
struct gmap {
	struct gkey *keys;
	__u32 *val;                 /* NO_ROW: empty */
	size_t mask, n;
};

static int gmap_alloc(struct gmap *m, size_t cap)
{
	m->keys = malloc(cap * sizeof(*m->keys));
	m->val = malloc(cap * sizeof(*m->val));
	m->mask = cap - 1;
	m->n = 0;
	if (!m->keys || !m->val)
		return -ENOMEM;
	memset(m->val, 0xff, cap * sizeof(*m->val));
	return 0;
}

static int gmap_init(struct gmap *m)
{
	return gmap_alloc(m, 64);
}

static void gmap_free(struct gmap *m)
{
	free(m->keys);
	free(m->val);
}

static size_t gmap_bucket(const struct gmap *m, const struct gkey *k)
{
	__u64 w[3], h;
	size_t b;

	memcpy(w, k, sizeof(w));
	h = (w[0] * 0x9e3779b97f4a7c15ull) ^ (w[1] * 0xc2b2ae3d27d4eb4full) ^
	    (w[2] * 0x165667b19e3779f9ull);
	for (b = (size_t)(h ^ h >> 29) & m->mask;
	     m->val[b] != NO_ROW && memcmp(&m->keys[b], k, sizeof(*k));
	     b = (b + 1) & m->mask)
		;
	return b;
}

/* Twice the buckets, every key placed again. On failure m is as it was. */
static int gmap_grow(struct gmap *m)
{
	struct gmap old = *m;
	size_t i, b;

	if (gmap_alloc(m, (old.mask + 1) * 2)) {
		gmap_free(m);
		*m = old;
		return -ENOMEM;
	}
	for (i = 0; i <= old.mask; i++) {
		if (old.val[i] == NO_ROW)
			continue;
		b = gmap_bucket(m, &old.keys[i]);
		m->keys[b] = old.keys[i];
		m->val[b] = old.val[i];
		m->n++;
	}
	gmap_free(&old);
	return 0;
}

/*
 * The value of k into *val, or val stored under it when new (*added).
 * Returns 0 or -ENOMEM (growing).
 */
static int gmap_get(struct gmap *m, const struct gkey *k, __u32 *val, bool *added)
{
	size_t b;

	/* At most half full, so probes stay short. */
	if ((m->n + 1) * 2 > m->mask + 1 && gmap_grow(m))
		return -ENOMEM;
	b = gmap_bucket(m, k);
	*added = m->val[b] == NO_ROW;
	if (*added) {
		m->keys[b] = *k;
		m->val[b] = *val;
		m->n++;
	}
	*val = m->val[b];
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	return CMP(*(const __u64 *)a, *(const __u64 *)b);
}

static __u64 listen_key(__u32 netns, __u16 port)
{
	return (__u64)netns << 16 | port;
}

/* (netns, port) of every listener, sorted: kept or not, a listener makes its port a server's. */
static __u64 *listen_keys(const struct sc_snapshot *snap, size_t *n)
{
	size_t i, listeners = 0;
	__u64 *keys;

	/* Sized for the listeners, not every socket: fresh pages are dear. */
	for (i = 0; i < snap->nsockets; i++)
		listeners += snap->sockets[i].state == TCP_LISTEN;
	keys = malloc((listeners ? listeners : 1) * sizeof(*keys));
	*n = 0;
	if (!keys)
		return NULL;
	for (i = 0; i < snap->nsockets; i++)
		if (snap->sockets[i].state == TCP_LISTEN)
			keys[(*n)++] = listen_key(snap->sockets[i].netns, snap->sockets[i].lport);
	qsort(keys, *n, sizeof(*keys), cmp_u64);
	return keys;
}

static bool client_side(const struct sc_socket *s, const __u64 *listen, size_t nlisten)
{
	__u64 key = listen_key(s->netns, s->lport);

	return s->state == TCP_ESTABLISHED &&
	       !bsearch(&key, listen, nlisten, sizeof(key), cmp_u64);
}

static int cmp_rows(const void *a, const void *b)
{
	const struct sc_outbound_row *x = a, *y = b;

	return CMP(y->connections, x->connections) ?: CMP(x->port, y->port)
		?: CMP(x->family, y->family) ?: memcmp(x->addr, y->addr, 16);
}

/* What the rows are folded with: groups, their holders, their addresses, sockets seen. */
struct fold {
	struct gmap groups, holders, addresses;
	__u8 *side;                 /* by socket: SIDE_* */
};

enum { SIDE_SERVER, SIDE_CLIENT, SIDE_COUNTED };

static int fold_row(struct fold *f, const struct sc_snapshot *snap, const struct sc_row *r,
		    bool by_addr, struct sc_outbound_row *rows, size_t *n)
{
	const struct sc_socket *s = r->socket;
	struct gkey k = { .port = s->rport };
	struct sc_outbound_row *row;
	bool added;
	__u32 g = (__u32)*n, none = 0;

	if (by_addr) {
		k.family = s->family;
		memcpy(k.addr, s->raddr, sizeof(k.addr));
	}
	if (gmap_get(&f->groups, &k, &g, &added))
		return -ENOMEM;
	row = &rows[g];
	if (added) {
		*row = (struct sc_outbound_row){ .port = k.port, .family = k.family };
		memcpy(row->addr, k.addr, sizeof(row->addr));
		(*n)++;
	}
	/* Each socket once, however many processes hold it. */
	if (f->side[s - snap->sockets] == SIDE_CLIENT) {
		f->side[s - snap->sockets] = SIDE_COUNTED;
		row->connections++;
		row->idle_connections += r->idle.idle;
		row->socket_memory_bytes += sc_socket_memory(s);
		k.family = s->family;
		memcpy(k.addr, s->raddr, sizeof(k.addr));
		if (gmap_get(&f->addresses, &k, &none, &added))
			return -ENOMEM;
		row->addresses += added;
		if (!by_addr) {
			k.family = 0;
			memset(k.addr, 0, sizeof(k.addr));
		}
	}
	if (r->holder) {
		k.pid = r->holder->pid;
		if (gmap_get(&f->holders, &k, &none, &added))
			return -ENOMEM;
		row->processes += added;
	}
	return 0;
}

/* A view from a summary: its rows by remote port, as given (it knows no addresses). */
static int given_rows(const struct sc_view *v, bool by_addr, struct sc_outbound_row **rows,
		      size_t *n)
{
	if (by_addr)
		return -EOPNOTSUPP;
	*rows = calloc(v->noutbound ? v->noutbound : 1, sizeof(**rows));
	if (!*rows)
		return -ENOMEM;
	if (v->noutbound)
		memcpy(*rows, v->outbound, v->noutbound * sizeof(**rows));
	*n = v->noutbound;
	return 0;
}

int sc_outbound_group(const struct sc_view *v, bool by_addr, struct sc_outbound_row **rows,
		      size_t *n)
{
	const struct sc_snapshot *snap = v->snap;
	struct sc_outbound_row *out = NULL;
	struct fold f = {};
	size_t i, nlisten, count = 0;
	__u64 *listen;
	int err = -ENOMEM;

	*rows = NULL;
	*n = 0;
	if (v->outbound_given)
		return given_rows(v, by_addr, rows, n);
	listen = listen_keys(snap, &nlisten);
	if (!listen)
		return -ENOMEM;
	/* Room for every holder of a client-side socket, kept or not: a pass in
	 * walk order, cheaper than one over the rows (in pid order), which
	 * also notes each socket's side for the rows. */
	f.side = sc_big_malloc(snap->nsockets ? snap->nsockets : 1);
	if (!f.side)
		goto fail;
	for (i = 0; i < snap->nsockets; i++) {
		f.side[i] = client_side(&snap->sockets[i], listen, nlisten) ? SIDE_CLIENT
									     : SIDE_SERVER;
		if (f.side[i] == SIDE_CLIENT)
			count += snap->sockets[i].nholders ? snap->sockets[i].nholders : 1;
	}
	out = calloc(count ? count : 1, sizeof(*out));
	if (!out || gmap_init(&f.groups) || gmap_init(&f.holders) || gmap_init(&f.addresses))
		goto fail;
	for (i = 0; i < v->nrows; i++)
		if (f.side[v->rows[i].socket - snap->sockets] != SIDE_SERVER &&
		    fold_row(&f, snap, &v->rows[i], by_addr, out, n))
			goto fail;
	qsort(out, *n, sizeof(*out), cmp_rows);
	*rows = out;
	out = NULL;
	err = 0;
fail:
	if (err)
		*n = 0;
	free(out);
	free(listen);
	free(f.side);
	gmap_free(&f.groups);
	gmap_free(&f.holders);
	gmap_free(&f.addresses);
	return err;
}

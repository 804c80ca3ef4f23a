// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "mirror.h"


#define EMPTY 0xffffffffu
#define GONE 0xfffffffeu
#define END SC_MIRROR_END
#define NEXT(m, i) sc_mirror_next(m, i)

/* sc_mirror_adopt compacts a walk's records in place; the size is the point. */
_Static_assert(sizeof(struct sc_mirror_rec) == 32, "a mirrored record is 32 bytes");
_Static_assert(SC_MIRROR_END == SC_LINK_NONE, "a chain ends where the links have no next");
_Static_assert(sizeof(struct sc_mirror_rec) <= sizeof(struct sc_conn_record),
	       "compacting in place needs records no larger than a walk's");

#define NS_PER_MS 1000000ll

/*
 * A time stamp as an offset from its base (mirror.h): exact within
 * +-(2^31 - 1) units, else coarse, in SC_MIRROR_COARSE units rounded down
 * (clamped, past centuries).
 */
static void set_offset(struct sc_mirror_rec *r, __s64 d)
{
	if (d > -INT32_MAX && d < INT32_MAX) {
		r->stamp = (__u32)(__s32)d;
		r->coarse = 0;
		return;
	}
	/* Rounded toward the past: -1 unit is -1 coarse unit, not 0. */
	d = d >= 0 ? d / SC_MIRROR_COARSE : -((-(d + 1)) / SC_MIRROR_COARSE) - 1;
	if (d > INT32_MAX)
		d = INT32_MAX;
	else if (d < -INT32_MAX)
		d = -INT32_MAX;
	r->stamp = (__u32)(__s32)d;
	r->coarse = 1;
}

/* Milliseconds from base_ns, rounded down (toward the past). */
static __s64 ns_offset(const struct sc_mirror *m, __u64 ns)
{
	__s64 d = (__s64)(ns - m->base_ns), q = d / NS_PER_MS;

	return d % NS_PER_MS < 0 ? q - 1 : q;
}

static __s64 jiffies_offset(const struct sc_mirror *m, __u64 jiffies)
{
	return (__s64)(jiffies - m->base_jiffies);
}

static __u32 drops_stamp(__u64 drops)
{
	return drops > UINT32_MAX ? UINT32_MAX : (__u32)drops;
}

/* A walk's record as the mirror keeps it (mirror.h, sc_mirror_rec). Returns 0 or -ENOMEM. */
static int compact(struct sc_mirror *m, const struct sc_conn_record *r, struct sc_mirror_rec *out)
{
	struct sc_mirror_rec c = {
		.cookie = r->cookie, .mem = r->mem, .kernel_last = r->kernel_last,
		.lport = r->lport, .rport = r->rport, .kind = r->kind, .state = r->state,
		.flags = r->flags,
	};
	__u32 holder;

	if (sc_holders_id(&m->holders, r->tgid, r->netns, &holder))
		return -ENOMEM;
	c.holder = holder;
	if (r->state == TCP_LISTEN) {
		c.stamp = drops_stamp(r->listen_drops);  /* never coarse */
		c.stamp_is = SC_MIRROR_STAMP_DROPS;
	} else if (r->last_active_jiffies) {
		set_offset(&c, jiffies_offset(m, r->last_active_jiffies));
		c.stamp_is = SC_MIRROR_STAMP_ACTIVE;
	} else if (r->established_ns) {
		set_offset(&c, ns_offset(m, r->established_ns));
		c.stamp_is = SC_MIRROR_STAMP_ESTABLISHED;
	} else {
		c.stamp_is = SC_MIRROR_STAMP_UNSEEN;
	}
	*out = c;
	return 0;
}

/* Stamps of the records to come are offsets from the clocks of this walk's header. */
static void set_base(struct sc_mirror *m, const struct sc_conn_record *header)
{
	m->header = *header;
	m->base_ns = header->established_ns;
	m->base_jiffies = header->last_active_jiffies;
}

int sc_mirror_export(const struct sc_mirror *m, struct sc_conn_record **out)
{
	size_t i;

	*out = malloc((m->n ? m->n : 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < m->n; i++)
		(*out)[i] = sc_mirror_record(m, (__u32)i);
	return 0;
}

/*
 * Index slots need not be a power of two (the load stays between 0.7 and
 * 0.85, where rounding up to one would leave it as low as a quarter): a
 * cookie's home slot maps its hash's top 32 bits onto them by multiplying.
 */
static size_t home(const struct sc_mirror *m, __u64 cookie)
{
	return (size_t)((((cookie * 0x9e3779b97f4a7c15ull) >> 32) * (__u64)(m->mask + 1)) >> 32);
}

static size_t next_slot(const struct sc_mirror *m, size_t b)
{
	return b == m->mask ? 0 : b + 1;
}

/* The first record of cookie, END if none; *slot gets its index slot. */
static __u32 find(const struct sc_mirror *m, __u64 cookie, size_t *slot)
{
	size_t b;

	if (!m->index)
		return END;
	for (b = home(m, cookie); m->index[b] != EMPTY; b = next_slot(m, b)) {
		if (m->index[b] != GONE && m->recs[m->index[b]].cookie == cookie) {
			if (slot)
				*slot = b;
			return m->index[b];
		}
	}
	return END;
}

/* Record next follows record rec (room reserved). */
static void link_set(struct sc_mirror *m, __u32 rec, __u32 next)
{
	sc_links_set(&m->links, rec, next);
	m->recs[rec].linked = 1;
}

/*
 * Files record ri under its cookie: first of a new socket, or after the
 * first. Returns 0 or -ENOMEM (a link's room; nothing is filed then).
 */
static int index_put(struct sc_mirror *m, __u32 ri)
{
	__u32 first = find(m, m->recs[ri].cookie, NULL), after;
	size_t b;

	m->recs[ri].linked = 0;
	if (first != END) {
		if (sc_links_reserve(&m->links, 2))
			return -ENOMEM;
		after = NEXT(m, first);
		if (after != END)
			link_set(m, ri, after);
		link_set(m, first, ri);
		return 0;
	}
	for (b = home(m, m->recs[ri].cookie); m->index[b] != EMPTY && m->index[b] != GONE;
	     b = next_slot(m, b))
		;
	if (m->index[b] == EMPTY)
		m->used++;
	m->index[b] = ri;
	return 0;
}

/*
 * Holders of closed sockets stay in the table until a walk starts it anew:
 * on a host whose short-lived processes each open a connection it would grow
 * for as long as the reconcile interval. Once it has doubled since it was
 * last made, a compaction makes it again from the live records' pairs.
 * Returns 0 or -ENOMEM (the records' ids are then a mix: drop them).
 */
static int refile_holders(struct sc_mirror *m)
{
	struct sc_holders fresh = {};
	struct sc_holder_pair p;
	__u32 id;
	size_t i;

	if (m->holders.n <= 2 * m->holders_kept + 64)
		return 0;
	for (i = 0; i < m->n; i++) {
		p = sc_mirror_holder(m, &m->recs[i]);
		if (sc_holders_id(&fresh, p.tgid, p.netns, &id)) {
			sc_holders_free(&fresh);
			return -ENOMEM;
		}
		m->recs[i].holder = id;
	}
	sc_holders_free(&m->holders);
	m->holders = fresh;
	m->holders_kept = fresh.n;
	return 0;
}

/* Drops removed records and rebuilds the index with room to grow. */
static int rebuild(struct sc_mirror *m)
{
	size_t i, live = 1, slots;
	__u32 *index;

	for (i = 1; i < m->n; i++)
		live += m->recs[i].kind == SC_CONN_TCP;
	/*
	 * 70% full once rebuilt, rebuilt again past 85%: linear probes stay a
	 * few slots of one or two cache lines, and at a million sockets the
	 * index is under 6 bytes a socket (it was 8 at half full).
	 */
	slots = live * 10 / 7 + 64;
	/*
	 * Allocated first: on its failure the mirror is left as it was (a
	 * link's failure, below, empties it).
	 */
	index = malloc(slots * sizeof(*index));
	if (!index)
		return -ENOMEM;
	memset(index, 0xff, slots * sizeof(*index));
	for (i = 1, live = 1; i < m->n; i++) {
		if (m->recs[i].kind != SC_CONN_TCP)
			continue;
		if (m->aux && live != i)
			memcpy(m->aux + live * m->aux_size, m->aux + i * m->aux_size, m->aux_size);
		m->recs[live++] = m->recs[i];
	}
	m->n = live;
	m->gen++;
	m->removed = 0;
	free(m->index);
	m->index = index;
	m->mask = slots - 1;
	m->used = 0;
	sc_links_clear(&m->links);
	if (refile_holders(m)) {
		sc_mirror_drop(m);
		return -ENOMEM;
	}
	for (i = 1; i < m->n; i++) {
		if (index_put(m, (__u32)i)) {
			/* Half filed is no use: the reader walks again. */
			sc_mirror_drop(m);
			return -ENOMEM;
		}
	}
	return 0;
}

static int reserve(struct sc_mirror *m, size_t cap)
{
	struct sc_mirror_rec *recs;

	if (cap <= m->cap)
		return 0;
	recs = realloc(m->recs, cap * sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	m->recs = recs;
	if (m->aux) {
		unsigned char *aux = realloc(m->aux, cap * m->aux_size);

		if (!aux)
			return -ENOMEM;
		m->aux = aux;
	}
	m->cap = cap;
	return 0;
}

int sc_mirror_set_aux(struct sc_mirror *m, size_t aux_size)
{
	unsigned char *aux = calloc(m->cap ? m->cap : 1, aux_size);

	if (!aux)
		return -ENOMEM;
	free(m->aux);
	m->aux = aux;
	m->aux_size = aux_size;
	m->gen++;
	return 0;
}

void sc_mirror_free(struct sc_mirror *m)
{
	__u64 gen = m->gen;

	free(m->recs);
	free(m->index);
	free(m->aux);
	sc_links_free(&m->links);
	sc_holders_free(&m->holders);
	memset(m, 0, sizeof(*m));
	/* Still counting: a reader holding aux state of the old records must see they went. */
	m->gen = gen + 1;
}

int sc_mirror_load(struct sc_mirror *m, const struct sc_conn_record *recs, size_t n)
{
	size_t i;
	int err;

	if (!n || recs[0].kind != SC_CONN_HEADER)
		return -EPROTO;
	m->n = 0;
	err = reserve(m, n + n / 16 + 64);
	if (!err) {
		set_base(m, &recs[0]);
		sc_holders_free(&m->holders);
		for (i = 0; i < n && !err; i++)
			err = compact(m, &recs[i], &m->recs[i]);
	}
	if (!err) {
		m->holders_kept = m->holders.n;
		/* New records: a reader's bytes for the old ones go. */
		free(m->aux);
		m->aux = NULL;
		m->aux_size = 0;
		m->n = n;
		err = rebuild(m);
	}
	if (err)
		sc_mirror_free(m);
	return err;
}

void sc_mirror_drop(struct sc_mirror *m)
{
	/* Not sc_mirror_free: the closed sockets stay remembered across walks. */
	free(m->recs);
	free(m->index);
	free(m->aux);
	sc_links_free(&m->links);
	sc_holders_free(&m->holders);
	m->holders_kept = 0;
	m->recs = NULL;
	m->index = NULL;
	m->aux = NULL;
	m->aux_size = 0;
	m->n = m->cap = m->mask = m->used = m->removed = 0;
	m->gen++;
}

int sc_mirror_adopt(struct sc_mirror *m, struct sc_conn_record *recs, size_t n)
{
	/* Compacted in place: record k (32 bytes) never reaches record i > k (56) unread. */
	struct sc_mirror_rec *kept = (struct sc_mirror_rec *)recs;
	size_t cap, i, k;
	int err;

	if (!n || recs[0].kind != SC_CONN_HEADER) {
		free(recs);
		return -EPROTO;
	}
	sc_mirror_drop(m);
	set_base(m, &recs[0]);
	for (i = 0, k = 0; i < n; i++) {
		struct sc_conn_record r = recs[i];

		/* Only sockets are kept (and the header's place). */
		if ((!i || r.kind == SC_CONN_TCP) && compact(m, &r, &kept[k++])) {
			m->recs = kept;
			sc_mirror_free(m);
			return -ENOMEM;
		}
	}
	m->recs = kept;
	m->n = k;
	m->cap = n * sizeof(*recs) / sizeof(*kept);
	m->holders_kept = m->holders.n;
	err = rebuild(m);
	if (err) {
		sc_mirror_free(m);
		return err;
	}
	/*
	 * Only sockets are kept: give back what the other files took, keeping
	 * a little room to grow. Little: the walk wrote that room, so it is
	 * resident, and growing later is cheap (a mapping of its own grows by
	 * mremap, without a copy).
	 */
	cap = m->n + m->n / 64 + 64;
	if (cap < m->cap) {
		struct sc_mirror_rec *r = realloc(m->recs, cap * sizeof(*r));

		/* A shrink that failed leaves the larger array: it holds cap either way. */
		if (r)
			m->recs = r;
		m->cap = cap;
	}
	return 0;
}

static __u8 flags_of(const struct sc_change *c)
{
	return SC_CONN_HAS_STATE | (c->flags & SC_CONN_SAW_CALLS) |
	       (sc_tcp_connected(c->state) ? SC_CONN_HAS_TIMES : 0);
}

static void update_stamp(const struct sc_mirror *m, struct sc_mirror_rec *r,
			 const struct sc_change *c);

static int add(struct sc_mirror *m, const struct sc_change *c)
{
	struct sc_mirror_rec *r;
	__u32 holder;
	int err;

	/* A call that read ESTABLISHED just before the close was reported. */
	if (m->closed[c->cookie % SC_MIRROR_CLOSED] == c->cookie)
		return 0;
	/*
	 * Full: the closed sockets' records go first if they are a sixteenth,
	 * else a sixteenth more room, not double: at a million sockets a record
	 * and its reader's bytes are 42 bytes, and the slack is resident once
	 * used. Under steady churn that is one growth, then a compaction (a few
	 * milliseconds a million records) every n/16 closes.
	 */
	if (m->n == m->cap && m->removed * 16 >= m->n && (err = rebuild(m)))
		return err;
	if (m->n == m->cap && (err = reserve(m, m->cap + m->cap / 16 + 64)))
		return err;
	if ((m->used + 1) * 20 > (m->mask + 1) * 17 && (err = rebuild(m)))
		return err;
	r = &m->recs[m->n];
	if (m->aux)
		memset(m->aux + m->n * m->aux_size, 0, m->aux_size);
	if ((err = sc_holders_id(&m->holders, c->tgid, c->netns, &holder)))
		return err;
	*r = (struct sc_mirror_rec){
		.holder = holder,
		.kind = SC_CONN_TCP,
		.state = c->state,
		.flags = flags_of(c),
		.lport = c->lport,
		.rport = c->rport,
		.mem = c->state == TCP_LISTEN ? 0 : c->mem,
		.kernel_last = sc_tcp_connected(c->state) ? c->jiffies : 0,
		.cookie = c->cookie,
		/* A listener's holds its drops (a walk's), not a time. */
		.stamp_is = c->state == TCP_LISTEN ? SC_MIRROR_STAMP_DROPS : SC_MIRROR_STAMP_UNSEEN,
	};
	update_stamp(m, r, c);
	err = index_put(m, (__u32)m->n);
	if (err)
		return err;
	m->n++;
	return 0;
}

/* The stamp as a change moves it: a listener's drops stay, activity only grows. */
static void update_stamp(const struct sc_mirror *m, struct sc_mirror_rec *r,
			 const struct sc_change *c)
{
	__s64 active;

	if (c->state == TCP_LISTEN) {
		/* A walk's count of drops stays; a socket just listening has none. */
		if (r->state != TCP_LISTEN || r->stamp_is != SC_MIRROR_STAMP_DROPS) {
			r->stamp = 0;
			r->coarse = 0;
			r->stamp_is = SC_MIRROR_STAMP_DROPS;
		}
		return;
	}
	if (r->stamp_is == SC_MIRROR_STAMP_DROPS) {
		r->stamp = 0;
		r->stamp_is = SC_MIRROR_STAMP_UNSEEN;
	}
	if (r->stamp_is != SC_MIRROR_STAMP_ACTIVE && c->established_ns) {
		set_offset(r, ns_offset(m, c->established_ns));
		r->stamp_is = SC_MIRROR_STAMP_ESTABLISHED;
	}
	if (!c->last_active_jiffies)
		return;
	active = jiffies_offset(m, c->last_active_jiffies);
	if (r->stamp_is != SC_MIRROR_STAMP_ACTIVE || active > sc_mirror_stamp_offset(r)) {
		set_offset(r, active);
		r->stamp_is = SC_MIRROR_STAMP_ACTIVE;
	}
}

static void update(const struct sc_mirror *m, struct sc_mirror_rec *r, const struct sc_change *c)
{
	bool traffic = c->kind == SC_CHANGE_CALLS ||
		       (c->state == TCP_ESTABLISHED && r->state != TCP_ESTABLISHED);

	r->flags = (__u8)(flags_of(c) | (r->flags & SC_CONN_SAW_CALLS));
	update_stamp(m, r, c);
	r->state = c->state;
	/* Every report but a listener's carries the queue memory as it left the socket. */
	if (c->state != TCP_LISTEN)
		r->mem = c->mem;
	if (traffic)
		r->kernel_last = c->jiffies;
}

/*
 * A call runs in the process using the socket, so a socket with one holder
 * moves to the caller; an owner otherwise only fills a gap. Returns 0 or
 * -ENOMEM (a new holder's room; nothing moved).
 */
static int update_owner(struct sc_mirror *m, __u32 first, const struct sc_change *c)
{
	struct sc_mirror_rec *r = &m->recs[first];
	struct sc_holder_pair h = sc_mirror_holder(m, r);
	__u32 id;
	int err;

	if (NEXT(m, first) != END || !c->tgid || h.tgid == c->tgid ||
	    (c->kind != SC_CHANGE_CALLS && h.tgid))
		return 0;
	err = sc_holders_id(&m->holders, c->tgid, h.netns, &id);
	if (!err)
		r->holder = id;
	return err;
}

/* A full send queue's report: the queue memory, nothing about traffic, state or owner. */
static void update_mem(struct sc_mirror_rec *r, const struct sc_change *c)
{
	if (r->state != TCP_LISTEN)
		r->mem = c->mem;
}

void sc_mirror_prefetch_slot(const struct sc_mirror *m, __u64 cookie)
{
	if (m->index)
		__builtin_prefetch(&m->index[home(m, cookie)]);
}

__u32 sc_mirror_guess(const struct sc_mirror *m, __u64 cookie)
{
	__u32 i;

	if (!m->index)
		return END;
	i = m->index[home(m, cookie)];
	return i < m->n ? i : END;
}

struct sc_mirror_pos sc_mirror_find(const struct sc_mirror *m, __u64 cookie)
{
	struct sc_mirror_pos pos = { .first = END };

	pos.first = find(m, cookie, &pos.slot);
	return pos;
}

int sc_mirror_apply(struct sc_mirror *m, const struct sc_change *c)
{
	int err = sc_mirror_rekey(m, c);

	return err ? err : sc_mirror_apply_at(m, c, sc_mirror_find(m, c->cookie));
}

int sc_mirror_rekey(struct sc_mirror *m, const struct sc_change *c)
{
	__u64 key = SC_WALK_INODE_KEY | c->inode;
	__u32 first, i;
	size_t b, slot;
	int err;

	if (!c->inode || !m->index || find(m, c->cookie, NULL) != END ||
	    (first = find(m, key, &slot)) == END)
		return 0;
	/* Room for the new key's slot, as add() keeps it. */
	if ((m->used + 1) * 20 > (m->mask + 1) * 17) {
		err = rebuild(m);
		if (err)
			return err;
		first = find(m, key, &slot);
	}
	m->index[slot] = GONE;
	for (i = first; i != END; i = NEXT(m, i))
		m->recs[i].cookie = c->cookie;
	for (b = home(m, c->cookie); m->index[b] != EMPTY && m->index[b] != GONE;
	     b = next_slot(m, b))
		;
	if (m->index[b] == EMPTY)
		m->used++;
	m->index[b] = first;
	return 0;
}

int sc_mirror_apply_at(struct sc_mirror *m, const struct sc_change *c, struct sc_mirror_pos pos)
{
	__u32 first = pos.first, i;
	size_t slot = pos.slot;
	int err;

	if (!m->recs)
		return 0;
	if (c->kind == SC_CHANGE_MEM) {
		for (i = first; i != END; i = NEXT(m, i))
			update_mem(&m->recs[i], c);
		return 0;
	}
	if (c->kind == SC_CHANGE_STATE && c->state == TCP_CLOSE) {
		m->closed[c->cookie % SC_MIRROR_CLOSED] = c->cookie;
		if (first == END)
			return 0;
		for (i = first; i != END; i = NEXT(m, i)) {
			m->recs[i].kind = 0;
			m->removed++;
		}
		m->index[slot] = GONE;
		return m->removed * 2 > m->n ? rebuild(m) : 0;
	}
	if (first == END)
		return c->state == TCP_ESTABLISHED || c->state == TCP_LISTEN ? add(m, c) : 0;
	err = update_owner(m, first, c);
	if (err)
		return err;
	for (i = first; i != END; i = NEXT(m, i))
		update(m, &m->recs[i], c);
	return 0;
}

size_t sc_mirror_set_listener(struct sc_mirror *m, __u64 cookie, __u32 backlog,
			      __u32 max_backlog, __u64 drops)
{
	size_t n = 0;
	__u32 i;

	for (i = find(m, cookie, NULL); i != END; i = NEXT(m, i)) {
		struct sc_mirror_rec *r = &m->recs[i];

		if (r->state != TCP_LISTEN)
			continue;
		/* Where a walk puts them for a listener (sockcost.h, sc_conn_record). */
		r->mem = backlog;
		r->kernel_last = max_backlog;
		r->stamp = drops_stamp(drops);
		r->coarse = 0;
		r->stamp_is = SC_MIRROR_STAMP_DROPS;
		n++;
	}
	return n;
}

__u32 sc_mirror_first(const struct sc_mirror *m, __u64 cookie)
{
	return find(m, cookie, NULL);
}

size_t sc_mirror_count(const struct sc_mirror *m, __u64 cookie)
{
	size_t n = 0;
	__u32 i;

	for (i = find(m, cookie, NULL); i != END; i = NEXT(m, i))
		n++;
	return n;
}

struct sc_mirror_mem sc_mirror_mem(const struct sc_mirror *m)
{
	return (struct sc_mirror_mem){
		.records = m->cap * sizeof(*m->recs),
		.aux = m->aux ? (m->cap ? m->cap : 1) * m->aux_size : 0,
		.index = m->index ? (m->mask + 1) * sizeof(*m->index) : 0,
		.links = sc_links_mem(&m->links),
		.holders = sc_holders_mem(&m->holders),
	};
}

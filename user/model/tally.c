// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "outbound_summary.h"
#include "tally.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull
#define NO_PROC 0xffffffffu
/* How far ahead a batch asks for index slots, and for records and their aux bytes. */
#define SLOT_AHEAD 16
#define RECORD_AHEAD 8
/* Entries a processed slot's buffer may hold to be kept for the next slot. */
#define SPARE_KEPT 4096u
/* A socket with more holders than this is folded in pieces (pre-fork listeners). */
#define CHAIN_BATCH 64
/* Touched sockets logged between two takes: past this, comparing all is as cheap. */
#define TOUCHED_MAX (1u << 16)

/*
 * A socket's first record, due in its slot's second of some lap: which lap
 * is the socket's aux due (due_get) (an entry whose socket is due elsewhere, or no
 * longer, is stale). 4 bytes: at a million sockets nearly every one waits.
 */
struct sc_tally_due {
	__u32 rec;
};

struct sc_tally_port {
	__u32 listeners, accept_queue, accept_queue_max;
	__u32 connections, idle_connections;
	__u64 listen_drops;
};

/* A count by port: a process's connections to a listening port, or its listeners there. */
struct port_count {
	__u16 port;
	__u32 n;
};

struct port_counts {
	struct port_count *v;
	__u32 n, cap;
};

struct sc_tally_proc {
	__u32 tgid;
	__u32 other_conns;           /* connections to ports nobody listens on (a client's) */
	struct port_counts serves;   /* connections to listening ports */
	struct port_counts listens;  /* listeners it holds (a service's ports) */
	struct port_counts rports;   /* the other_conns by remote port */
	__u64 tcp_sockets, connections, idle_connections, socket_memory_bytes;
	struct sc_first_held first;  /* of the sockets it is the first holder of */
};

/*
 * Per socket, in the mirror's aux bytes of its first record: 10 bytes, the
 * reference in 48 bits (ref_get, ref_set; thousands of years of ms) and the
 * due second in 16 (due_get: never more than 65535 s past the wheel's
 * cursor), in 16-bit halves so a million sockets carry no padding.
 */
struct sock_aux {
	__u16 due;                   /* in the wheel for this second (AUX_DUE), mod 2^16 */
	/* growing: now_ms - idle_ms when judged; else the age */
	__u16 ref_lo, ref_mid;
	__s16 ref_hi;
	__u8 flags;
	__u8 bucket;                 /* idle-age histogram bucket when judged */
};

_Static_assert(sizeof(struct sock_aux) == 10, "a socket's tally state is 10 bytes");

#define AUX_HEAD 0x1                 /* the socket's first record */
#define AUX_MEMBER 0x2               /* another holder's record (during a reset) */
#define AUX_JUDGED 0x4               /* counted as a connection */
#define AUX_IDLE 0x8
#define AUX_GROWING 0x10
#define AUX_DUE 0x20                 /* in the wheel: due says for which second */

static struct sock_aux *aux_of(const struct sc_mirror *m, __u32 i)
{
	return (struct sock_aux *)(m->aux + (size_t)i * sizeof(struct sock_aux));
}

static bool judged_idle(const struct sock_aux *a)
{
	return (a->flags & (AUX_JUDGED | AUX_IDLE)) == (AUX_JUDGED | AUX_IDLE);
}

/* The process an idle event names: the lowest-index established record a process holds. */
static __u32 event_holder(const struct sc_mirror *m, __u32 head)
{
	__u32 i, best = SC_MIRROR_END;

	for (i = head; i != SC_MIRROR_END; i = sc_mirror_next(m, i))
		if (m->recs[i].kind == SC_CONN_TCP && m->recs[i].state == TCP_ESTABLISHED &&
		    sc_mirror_tgid(m, &m->recs[i]) && i < best)
			best = i;
	return best == SC_MIRROR_END ? 0 : sc_mirror_tgid(m, &m->recs[best]);
}

static __s64 ref_get(const struct sock_aux *a)
{
	return (__s64)(((__u64)(__s64)a->ref_hi << 32) | ((__u64)a->ref_mid << 16) | a->ref_lo);
}

static void ref_set(struct sock_aux *a, __s64 ref_ms)
{
	a->ref_lo = (__u16)ref_ms;
	a->ref_mid = (__u16)(ref_ms >> 16);
	a->ref_hi = (__s16)(ref_ms >> 32);
}

/*
 * The second a socket is due: a pending due is never before the cursor
 * (advance re-judges every due up to the second it reaches) nor 2^16 s past
 * it (schedule clamps: an early re-judgement changes nothing), so 16 bits
 * name it.
 */
/* advance_slot finds a socket's slot from the 16 bits alone. */
_Static_assert(65536 % SC_TALLY_WHEEL_S == 0, "the wheel's slots divide the due's range");

static __u64 due_get(const struct sc_tally *t, const struct sock_aux *a)
{
	return t->cursor_s + (__u16)(a->due - (__u16)t->cursor_s);
}

static __u64 ms_of(const struct sc_clock_ref *c)
{
	return c->now_ns / NS_PER_MS;
}

void sc_tally_init(struct sc_tally *t)
{
	memset(t, 0, sizeof(*t));
}

static void clear_wheel(struct sc_tally *t)
{
	size_t i;

	for (i = 0; i < SC_TALLY_WHEEL_S; i++)
		t->wheel[i].n = 0;
}

static void proc_free_counts(struct sc_tally_proc *p)
{
	free(p->serves.v);
	free(p->listens.v);
	free(p->rports.v);
	*p = (struct sc_tally_proc){ .tgid = p->tgid };
}

static void free_procs(struct sc_tally *t)
{
	size_t i;

	for (i = 0; i < t->nprocs; i++)
		proc_free_counts(&t->procs[i]);
	free(t->procs);
	free(t->proc_index);
	t->procs = NULL;
	t->proc_index = NULL;
	t->nprocs = t->proc_cap = t->proc_mask = 0;
}

void sc_tally_free(struct sc_tally *t)
{
	size_t i;

	free_procs(t);
	free(t->ports);
	sc_listen_keys_free(&t->listen);
	free(t->ns_sockets);
	sc_listen_keys_free(&t->held_ns);
	free(t->outbound);
	for (i = 0; i < SC_TALLY_WHEEL_S; i++)
		free(t->wheel[i].v);
	free(t->spare.v);
	free(t->touched);
	sc_tally_init(t);
}

/* --- touched sockets (idle events) --- */

void sc_tally_log_touched(struct sc_tally *t, bool on)
{
	t->logging = on;
	t->touched_lost = true;
	t->ntouched = 0;
}

static void touch(struct sc_tally *t, __u64 cookie)
{
	__u64 *bigger;
	size_t cap;

	if (!t->logging || t->touched_lost)
		return;
	if (t->ntouched == t->touched_cap) {
		cap = t->touched_cap ? t->touched_cap * 2 : 256;
		bigger = cap <= TOUCHED_MAX ? realloc(t->touched, cap * sizeof(*bigger)) : NULL;
		if (!bigger) {
			t->touched_lost = true;
			return;
		}
		t->touched = bigger;
		t->touched_cap = cap;
	}
	t->touched[t->ntouched++] = cookie;
}

bool sc_tally_take_touched(struct sc_tally *t, const __u64 **cookies, size_t *n)
{
	bool whole = !t->touched_lost;

	*cookies = t->touched;
	*n = whole ? t->ntouched : 0;
	t->ntouched = 0;
	t->touched_lost = false;
	return whole;
}

/* --- processes --- */

static size_t proc_bucket(const struct sc_tally *t, __u32 tgid)
{
	size_t b = (tgid * 2654435761u) & t->proc_mask;

	while (t->proc_index[b] != NO_PROC && t->procs[t->proc_index[b]].tgid != tgid)
		b = (b + 1) & t->proc_mask;
	return b;
}

static int procs_grow(struct sc_tally *t)
{
	size_t cap = t->proc_cap ? t->proc_cap * 2 : 256, buckets = cap * 2, i;
	struct sc_tally_proc *procs = realloc(t->procs, cap * sizeof(*procs));
	__u32 *index;

	if (!procs)
		return -ENOMEM;
	t->procs = procs;
	index = malloc(buckets * sizeof(*index));
	if (!index)
		return -ENOMEM;
	memset(index, 0xff, buckets * sizeof(*index));
	free(t->proc_index);
	t->proc_index = index;
	t->proc_cap = cap;
	t->proc_mask = buckets - 1;
	for (i = 0; i < t->nprocs; i++)
		t->proc_index[proc_bucket(t, t->procs[i].tgid)] = (__u32)i;
	return 0;
}

/* A process's totals, added on first sight; NULL without memory. */
static struct sc_tally_proc *proc_get(struct sc_tally *t, __u32 tgid)
{
	size_t b;

	if (t->nprocs == t->proc_cap && procs_grow(t))
		return NULL;
	b = proc_bucket(t, tgid);
	if (t->proc_index[b] == NO_PROC) {
		t->proc_index[b] = (__u32)t->nprocs;
		t->procs[t->nprocs] = (struct sc_tally_proc){ .tgid = tgid };
		return &t->procs[t->nprocs++];
	}
	return &t->procs[t->proc_index[b]];
}

/*
 * Drops processes holding no socket when they are most of the table: where
 * short-lived clients come and go, pids would pile up between walks.
 */
static void compact_procs(struct sc_tally *t)
{
	size_t i, live = 0, buckets = t->proc_mask + 1;

	for (i = 0; i < t->nprocs; i++)
		live += t->procs[i].tcp_sockets > 0;
	if (t->nprocs < 256 || live * 2 > t->nprocs)
		return;
	for (i = 0, live = 0; i < t->nprocs; i++)
		if (t->procs[i].tcp_sockets)
			t->procs[live++] = t->procs[i];
	t->nprocs = live;
	memset(t->proc_index, 0xff, buckets * sizeof(*t->proc_index));
	for (i = 0; i < t->nprocs; i++)
		t->proc_index[proc_bucket(t, t->procs[i].tgid)] = (__u32)i;
}

/*
 * Adds sign to port's count, dropping counts that reach 0. Returns 1 when the
 * port entered the counts, -1 when it left, 0 otherwise, or -ENOMEM.
 */
static int port_count_add(struct port_counts *c, __u16 port, int sign)
{
	struct port_count *grown;
	__u32 i;

	for (i = 0; i < c->n && c->v[i].port != port; i++)
		;
	if (i == c->n) {
		if (sign < 0)
			return 0;
		if (c->n == c->cap) {
			grown = realloc(c->v, (c->cap + 2) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			c->v = grown;
			c->cap += 2;
		}
		c->v[c->n++] = (struct port_count){ .port = port };
	}
	c->v[i].n += (__u32)sign;
	if (c->v[i].n == 1 && sign > 0)
		return 1;
	if (!c->v[i].n) {
		c->v[i] = c->v[--c->n];
		return -1;
	}
	return 0;
}

/* port_count_add for callers that need only 0 or -ENOMEM. */
static int count_add(struct port_counts *c, __u16 port, int sign)
{
	int r = port_count_add(c, port, sign);

	return r < -1 ? r : 0;
}

/* Counts a client-side connection of p to a remote port, and p among its processes. */
static int proc_rport_add(struct sc_tally *t, struct sc_tally_proc *p, __u16 rport, int sign)
{
	int r = port_count_add(&p->rports, rport, sign);

	if (r < -1)
		return r;
	t->outbound[rport].processes += (__u32)r;
	return 0;
}

/* A process gone from view: it no longer counts among the holders of its remote ports. */
static void proc_clear(struct sc_tally *t, struct sc_tally_proc *p)
{
	__u32 i;

	for (i = 0; i < p->rports.n; i++)
		t->outbound[p->rports.v[i].port].processes--;
	proc_free_counts(p);
}

/*
 * The slot of (netns, port) while a process listens there, else
 * SC_LISTEN_NO_SLOT: a client's ephemeral port stops at the keys' bitmap.
 */
static __u32 listen_slot(const struct sc_tally *t, __u32 netns, __u16 port)
{
	__u32 slot = sc_listen_keys_find(&t->listen, netns, port);

	/* A key whose sums could not be allocated left the tally dirty: not listening. */
	return slot < t->ports_cap && t->ports[slot].listeners ? slot : SC_LISTEN_NO_SLOT;
}

static bool listening(const struct sc_tally *t, __u32 netns, __u16 port)
{
	return listen_slot(t, netns, port) != SC_LISTEN_NO_SLOT;
}

/* --- the wheel --- */

static int wheel_push(struct sc_tally *t, __u32 rec, __u64 due_s)
{
	struct sc_tally_slot *slot = &t->wheel[due_s % SC_TALLY_WHEEL_S];
	struct sc_tally_due *grown;
	__u32 cap;

	if (slot->n == slot->cap) {
		cap = slot->cap ? slot->cap * 2 : 64;
		grown = realloc(slot->v, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		slot->v = grown;
		slot->cap = cap;
	}
	slot->v[slot->n++] = (struct sc_tally_due){ .rec = rec };
	return 0;
}

/*
 * When a judged socket's age may next cross the idle threshold or a
 * histogram bound, a second early; 0 if never (the last bucket, or an age
 * that does not grow).
 */
static __u32 due_second(const struct sc_tally *t, const struct sock_aux *a, __u64 idle_ms,
			const struct sc_clock_ref *c)
{
	__u64 next = ~0ull, due_s;

	if (!(a->flags & AUX_GROWING))
		return 0;
	if (a->bucket < SC_IDLE_BUCKETS)
		next = (__u64)sc_idle_bucket_s[a->bucket] * 1000 + 1;
	if (!(a->flags & AUX_IDLE) && t->in.policy.idle_after_ms < next)
		next = t->in.policy.idle_after_ms;
	if (next == ~0ull)
		return 0;
	due_s = (c->now_ns + (next > idle_ms ? next - idle_ms : 0) * NS_PER_MS) / NS_PER_S;
	/* Never before this second, which the wheel may already have passed. */
	due_s = due_s > c->now_ns / NS_PER_S + 1 ? due_s - 1 : c->now_ns / NS_PER_S;
	return due_s ? (__u32)due_s : 1;
}

/* Puts socket head in the wheel unless an entry already comes first. */
static int schedule(struct sc_tally *t, __u32 head, struct sock_aux *a, __u64 due_s)
{
	if (!due_s)
		return 0;
	/* The range due_get reads (a clock behind the cursor: due at the cursor). */
	if (due_s < t->cursor_s)
		due_s = t->cursor_s;
	if (due_s > t->cursor_s + 0xffff)
		due_s = t->cursor_s + 0xffff;
	if ((a->flags & AUX_DUE) && due_get(t, a) <= due_s)
		return 0;
	a->due = (__u16)due_s;
	a->flags |= AUX_DUE;
	return wheel_push(t, head, due_s);
}

/* After the mirror moved its records: the wheel again from the heads' aux. */
/* Slots a refill left empty give their buffers back (advance_slot says why). */
static void drop_empty_slots(struct sc_tally *t)
{
	size_t i;

	for (i = 0; i < SC_TALLY_WHEEL_S; i++)
		if (!t->wheel[i].n && t->wheel[i].v) {
			free(t->wheel[i].v);
			t->wheel[i] = (struct sc_tally_slot){};
		}
}

static int rewheel(struct sc_tally *t, const struct sc_mirror *m)
{
	size_t i;

	clear_wheel(t);
	t->gen = m->gen;
	for (i = 1; i < m->n; i++) {
		struct sock_aux *a = aux_of(m, (__u32)i);

		if ((a->flags & (AUX_HEAD | AUX_DUE)) == (AUX_HEAD | AUX_DUE) &&
		    wheel_push(t, (__u32)i, due_get(t, a)))
			return -ENOMEM;
	}
	drop_empty_slots(t);
	return 0;
}

/* --- one socket's contribution --- */

static void add32(__u32 *v, int sign, __u32 by)
{
	*v += sign > 0 ? by : -by;
}

static void add64(__u64 *v, int sign, __u64 by)
{
	*v += sign > 0 ? by : -by;
}

/* Judges the socket by its first established record and keeps the verdict in a. */
static void judge(struct sc_tally *t, const struct sc_conn_record *r, struct sock_aux *a,
		  const struct sc_clock_ref *c, __u64 *idle_ms)
{
	struct sc_idle_result res = sc_record_idle(r, c, &t->in);
	bool growing = t->in.hook != SC_HOOK_NONE || ((r->flags & SC_CONN_HAS_TIMES) && c->hz);

	a->flags = (__u8)((a->flags & ~(AUX_IDLE | AUX_GROWING)) | AUX_JUDGED |
			  (res.idle ? AUX_IDLE : 0) | (growing ? AUX_GROWING : 0));
	a->bucket = (__u8)sc_idle_bucket_of(res.idle_ms);
	ref_set(a, growing ? (__s64)ms_of(c) - (__s64)res.idle_ms : (__s64)res.idle_ms);
	*idle_ms = res.idle_ms;
}

/* The host's and the port's share of the socket's verdict. */
static void count_verdict(struct sc_tally *t, const struct sc_mirror *m,
			  const struct sc_mirror_rec *e, const struct sock_aux *a, int sign)
{
	__u32 slot = listen_slot(t, sc_mirror_netns(m, e), e->lport);
	bool idle = a->flags & AUX_IDLE;

	add64(&t->connections, sign, 1);
	add64(&t->idle_connections, sign, idle);
	add64(&t->hist[a->bucket], sign, 1);
	if (a->flags & AUX_GROWING) {
		add64(&t->growing, sign, 1);
		t->ref_sum_ms += sign > 0 ? ref_get(a) : -ref_get(a);
	} else {
		t->fixed_sum_ms += sign > 0 ? ref_get(a) : -ref_get(a);
	}
	/* Only listening ports are shown: a new listener folds everything anew. */
	if (slot == SC_LISTEN_NO_SLOT) {
		struct sc_summary_outbound *out = &t->outbound[e->rport];

		/* A client's connection: by its remote port. */
		add64(&out->connections, sign, 1);
		add64(&out->idle_connections, sign, idle);
		add64(&out->socket_memory_bytes, sign, e->mem);
		return;
	}
	add32(&t->ports[slot].connections, sign, 1);
	add32(&t->ports[slot].idle_connections, sign, idle);
}

/* The sums of (netns, port), added zeroed on first sight. Returns NULL without memory. */
static struct sc_tally_port *port_get(struct sc_tally *t, __u32 netns, __u16 port)
{
	struct sc_tally_port *grown;
	size_t cap;
	__u32 slot;
	bool added;

	if (sc_listen_keys_add(&t->listen, netns, port, &slot, &added))
		return NULL;
	if (slot >= t->ports_cap) {
		cap = t->ports_cap ? t->ports_cap * 2 : 64;
		grown = realloc(t->ports, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		memset(grown + t->ports_cap, 0, (cap - t->ports_cap) * sizeof(*grown));
		t->ports = grown;
		t->ports_cap = cap;
	}
	return &t->ports[slot];
}

/* A held socket in netns: the namespaces a walk enters. */
static int count_netns(struct sc_tally *t, __u32 netns, int sign)
{
	__u64 *grown;
	size_t cap;
	__u32 slot;
	bool added;

	if (t->ns_sockets && netns == t->ns_last) {
		add64(&t->ns_sockets[t->ns_last_slot], sign, 1);
		return 0;
	}
	if (sc_listen_keys_add(&t->held_ns, netns, 0, &slot, &added))
		return -ENOMEM;
	if (slot >= t->ns_cap) {
		cap = t->ns_cap ? t->ns_cap * 2 : 16;
		grown = realloc(t->ns_sockets, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		memset(grown + t->ns_cap, 0, (cap - t->ns_cap) * sizeof(*grown));
		t->ns_sockets = grown;
		t->ns_cap = cap;
	}
	add64(&t->ns_sockets[slot], sign, 1);
	t->ns_last = netns;
	t->ns_last_slot = slot;
	return 0;
}

static int count_listener(struct sc_tally *t, const struct sc_mirror *m,
			  const struct sc_mirror_rec *r, int sign)
{
	struct sc_tally_port *p = port_get(t, sc_mirror_netns(m, r), r->lport);

	if (!p)
		return -ENOMEM;
	add32(&p->listeners, sign, 1);
	add32(&p->accept_queue, sign, r->mem);
	add32(&p->accept_queue_max, sign, r->kernel_last);
	/* A listener's stamp is its drops (mirror.h). */
	add64(&p->listen_drops, sign, r->stamp);
	return 0;
}

/* One holder's share: its process's sockets, memory and connections. */
static int count_holder(struct sc_tally *t, const struct sc_mirror *m,
			const struct sc_mirror_rec *r, bool idle, int sign, bool first)
{
	struct sc_holder_pair h = sc_mirror_holder(m, r);
	struct sc_tally_proc *p = proc_get(t, h.tgid);

	if (!p)
		return -ENOMEM;
	if (first) {
		/* What sc_first_held_add reads of a record. */
		struct sc_conn_record held = { .state = r->state, .mem = r->mem };

		sc_first_held_add(&p->first, &held, idle, r->state == TCP_ESTABLISHED, sign);
	}
	add64(&p->tcp_sockets, sign, 1);
	add64(&p->socket_memory_bytes, sign, r->state == TCP_LISTEN ? 0 : r->mem);
	if (!p->tcp_sockets) {
		/* Gone from view: its port counts go (the entry waits for compact_procs). */
		proc_clear(t, p);
		return 0;
	}
	if (r->state == TCP_LISTEN)
		return count_add(&p->listens, r->lport, sign);
	if (r->state != TCP_ESTABLISHED)
		return 0;
	add64(&p->connections, sign, 1);
	add64(&p->idle_connections, sign, idle);
	if (!listening(t, h.netns, r->lport)) {
		add32(&p->other_conns, sign, 1);
		return proc_rport_add(t, p, r->rport, sign);
	}
	return count_add(&p->serves, r->lport, sign);
}

/* The socket's records some process holds, in index order (a walk's order). */
static size_t holders(const struct sc_mirror *m, __u32 head, __u32 *out, size_t max)
{
	size_t n = 0, k;
	__u32 i, v;

	for (i = head; i != SC_MIRROR_END && n < max; i = sc_mirror_next(m, i)) {
		if (m->recs[i].kind != SC_CONN_TCP || !sc_mirror_tgid(m, &m->recs[i]))
			continue;
		for (k = n++, v = i; k && out[k - 1] > v; k--)
			out[k] = out[k - 1];
		out[k] = i;
	}
	return n;
}

/*
 * Adds (sign 1) or takes out (sign -1) the socket whose first record is
 * head, as sc_summary_build folds it: memory and listener once, by the first
 * holder's record; the verdict once, by the first established one; each
 * process once however many of its fds hold it. Adding judges at c.
 */
static int fold(struct sc_tally *t, struct sc_mirror *m, __u32 head, int sign,
		const struct sc_clock_ref *c)
{
	__u32 batch[CHAIN_BATCH], *held = batch;
	const struct sc_mirror_rec *first, *est = NULL;
	struct sock_aux *a = aux_of(m, head);
	size_t n, i, j, count = 0;
	__u64 idle_ms = 0;
	int err = 0;

	for (i = head; i != SC_MIRROR_END; i = sc_mirror_next(m, i))
		count++;
	if (count > CHAIN_BATCH && !(held = malloc(count * sizeof(*held))))
		return -ENOMEM;
	n = holders(m, head, held, count > CHAIN_BATCH ? count : CHAIN_BATCH);
	if (!n)
		goto out;
	first = &m->recs[held[0]];
	add64(&t->socket_memory_bytes, sign, first->state == TCP_LISTEN ? 0 : first->mem);
	if ((err = count_netns(t, sc_mirror_netns(m, first), sign)))
		goto out;
	if (first->state == TCP_LISTEN && (err = count_listener(t, m, first, sign)))
		goto out;
	for (i = 0; i < n && !est; i++)
		if (m->recs[held[i]].state == TCP_ESTABLISHED)
			est = &m->recs[held[i]];
	if (sign > 0) {
		a->flags &= ~(AUX_JUDGED | AUX_IDLE);
		if (est) {
			/* Judged as the walk's record it stands for. */
			struct sc_conn_record r = sc_mirror_record(m, (__u32)(est - m->recs));

			judge(t, &r, a, c, &idle_ms);
		}
	}
	if (est && (a->flags & AUX_JUDGED))
		count_verdict(t, m, est, a, sign);
	for (i = 0; i < n && !err; i++) {
		bool repeat = false;

		/* One socket on several fds of a process counts once for it. */
		for (j = 0; j < i && !repeat; j++)
			repeat = sc_mirror_tgid(m, &m->recs[held[j]]) == sc_mirror_tgid(m, &m->recs[held[i]]);
		if (!repeat)
			err = count_holder(t, m, &m->recs[held[i]], a->flags & AUX_IDLE, sign, !i);
	}
	if (!err && sign > 0 && est)
		err = schedule(t, head, a, due_second(t, a, idle_ms, c));
out:
	if (held != batch)
		free(held);
	return err;
}

/* --- by change --- */

/* Ready, not dirty, and its mirror not replaced since (a walk frees the aux bytes). */
static bool usable(struct sc_tally *t, const struct sc_mirror *m)
{
	if (t->ready && m->aux_size != sizeof(struct sock_aux))
		t->ready = false;
	return t->ready && !t->dirty;
}

/* Takes out the share of the socket whose first record is head (SC_MIRROR_END: none). */
static void before_at(struct sc_tally *t, struct sc_mirror *m, __u32 head)
{
	t->was_listening = -1;
	t->was_idle = false;
	if (head == SC_MIRROR_END)
		return;
	t->was_idle = judged_idle(aux_of(m, head));
	t->was_holder = t->was_idle ? event_holder(m, head) : 0;
	t->was_cookie = m->recs[head].cookie;
	t->was_lport = m->recs[head].lport;
	t->was_netns = sc_mirror_netns(m, &m->recs[head]);
	t->was_listening = listening(t, t->was_netns, t->was_lport);
	if (fold(t, m, head, -1, NULL))
		t->dirty = true;
}

/* Puts back the share of the socket at head as its records now say. */
static int after_at(struct sc_tally *t, struct sc_mirror *m, __u32 head,
		    const struct sc_clock_ref *c)
{
	int was = t->was_listening;

	if (m->gen != t->gen && rewheel(t, m))
		goto fail;
	if (head == SC_MIRROR_END) {
		if (t->was_idle)
			touch(t, t->was_cookie);
		/* Closed: was it its port's last listener? */
		if (was > 0 && !listening(t, t->was_netns, t->was_lport))
			t->dirty = true;
		return 0;
	}
	if (was < 0) {
		/* A new socket: its aux is zeroed by the mirror. */
		was = listening(t, sc_mirror_netns(m, &m->recs[head]), m->recs[head].lport);
		aux_of(m, head)->flags = AUX_HEAD;
	}
	if (fold(t, m, head, 1, c))
		goto fail;
	/*
	 * A verdict that changed, or an idle socket's holder: not every change to
	 * an idle socket (heartbeats under a heartbeat policy would fill the log).
	 */
	if (t->was_idle != judged_idle(aux_of(m, head)) ||
	    (t->was_idle && t->was_holder != event_holder(m, head)))
		touch(t, m->recs[head].cookie);
	/* Connections to a port count as a server's while it has a listener: refold them all. */
	if (listening(t, sc_mirror_netns(m, &m->recs[head]), m->recs[head].lport) != was)
		t->dirty = true;
	return 0;
fail:
	t->dirty = true;
	return -ENOMEM;
}

void sc_tally_before(struct sc_tally *t, const struct sc_mirror *m, __u64 cookie)
{
	t->was_listening = -1;
	t->was_idle = false;
	if (usable(t, m))
		before_at(t, (struct sc_mirror *)m, sc_mirror_first(m, cookie));
}

int sc_tally_after(struct sc_tally *t, struct sc_mirror *m, __u64 cookie,
		   const struct sc_clock_ref *c)
{
	if (!usable(t, m)) {
		t->touched_lost = true;
		return 0;
	}
	return after_at(t, m, sc_mirror_first(m, cookie), c);
}

int sc_tally_apply(struct sc_tally *t, struct sc_mirror *m, const struct sc_change *ch,
		   const struct sc_clock_ref *c)
{
	struct sc_mirror_pos pos;
	bool track = usable(t, m);
	__u64 gen;
	__u32 head;
	int err;

	/* Moves records only: the tally's shares go with them (aux is by record). */
	err = sc_mirror_rekey(m, ch);
	if (err) {
		t->dirty = true;
		return err;
	}
	pos = sc_mirror_find(m, ch->cookie);
	gen = m->gen;
	if (track)
		before_at(t, m, pos.first);
	err = sc_mirror_apply_at(m, ch, pos);
	if (err) {
		t->dirty = true;
		return err;
	}
	if (!track) {
		t->touched_lost = true;
		return 0;
	}
	/* One lookup a change: an update leaves the socket where it was. */
	if (m->gen == gen && pos.first != SC_MIRROR_END && m->recs[pos.first].kind == SC_CONN_TCP)
		head = pos.first;
	else
		head = sc_mirror_first(m, ch->cookie);
	/* A failure of the tally's own leaves it dirty: the mirror is right, a reset will do. */
	(void)after_at(t, m, head, c);
	return 0;
}

size_t sc_tally_set_listener(struct sc_tally *t, struct sc_mirror *m, __u64 cookie,
			     __u32 backlog, __u32 max_backlog, __u64 drops,
			     const struct sc_clock_ref *c)
{
	size_t n;

	sc_tally_before(t, m, cookie);
	n = sc_mirror_set_listener(m, cookie, backlog, max_backlog, drops);
	sc_tally_after(t, m, cookie, c);
	return n;
}

int sc_tally_apply_batch(struct sc_tally *t, struct sc_mirror *m, const struct sc_change *ch,
			 size_t n, const struct sc_clock_ref *c)
{
	size_t i;
	__u32 g;
	int err;

	for (i = 0; i < n; i++) {
		if (i + SLOT_AHEAD < n)
			sc_mirror_prefetch_slot(m, ch[i + SLOT_AHEAD].cookie);
		if (i + RECORD_AHEAD < n &&
		    (g = sc_mirror_guess(m, ch[i + RECORD_AHEAD].cookie)) != SC_MIRROR_END) {
			__builtin_prefetch(&m->recs[g]);
			if (m->aux)
				__builtin_prefetch(m->aux + (size_t)g * m->aux_size);
		}
		err = sc_tally_apply(t, m, &ch[i], c);
		if (err)
			return err;
	}
	return 0;
}

/* Re-judges the sockets in one slot that are due by now_s; later laps stay. */
static int advance_slot(struct sc_tally *t, struct sc_mirror *m, size_t s, __u64 now_s,
			const struct sc_clock_ref *c)
{
	struct sc_tally_slot *slot = &t->wheel[s], taken = *slot;
	struct sc_tally_due *v = taken.v;
	__u32 n = taken.n, i, kept = 0;
	bool was_idle;
	int err = 0;

	/* Taken out whole (re-judging may put sockets back in this very slot),
	 * the slot getting the spare buffer: no allocation in the steady state. */
	*slot = t->spare;
	slot->n = 0;
	t->spare = (struct sc_tally_slot){};
	for (i = 0; i < n && !err; i++) {
		struct sock_aux *a = aux_of(m, v[i].rec);

		if (i + RECORD_AHEAD < n) {
			__builtin_prefetch(&m->recs[v[i + RECORD_AHEAD].rec]);
			__builtin_prefetch(aux_of(m, v[i + RECORD_AHEAD].rec));
		}
		/* Stale: the socket closed, was judged since, or is due in another slot. */
		if (m->recs[v[i].rec].kind != SC_CONN_TCP || !(a->flags & AUX_DUE) ||
		    a->due % SC_TALLY_WHEEL_S != s)
			continue;
		if (due_get(t, a) > now_s) {
			v[kept++] = v[i];
			continue;
		}
		a->flags &= (__u8)~AUX_DUE;
		was_idle = judged_idle(a);
		err = fold(t, m, v[i].rec, -1, NULL);
		if (!err)
			err = fold(t, m, v[i].rec, 1, c);
		/* Time alone changes only the verdict: a crossed histogram bound is no event. */
		if (!err && was_idle != judged_idle(a))
			touch(t, m->recs[v[i].rec].cookie);
	}
	for (i = 0; i < kept && !err; i++)
		err = wheel_push(t, v[i].rec, due_get(t, aux_of(m, v[i].rec)));
	/*
	 * Nothing due here next lap: no buffer either. Kept, every slot churn
	 * ever reached would hold one (up to 4096 slots of 16 KB, an hour's
	 * steady RSS growth), not only the slots with sockets due.
	 */
	if (!slot->n) {
		free(slot->v);
		*slot = (struct sc_tally_slot){};
	}
	/* A wave of sockets the same age passes through a slot once: its buffer goes back. */
	if (taken.cap <= SPARE_KEPT)
		t->spare = (struct sc_tally_slot){ .v = taken.v, .cap = taken.cap };
	else
		free(taken.v);
	return err;
}

int sc_tally_advance(struct sc_tally *t, struct sc_mirror *m, const struct sc_clock_ref *c)
{
	__u64 now_s = c->now_ns / NS_PER_S, s, from;

	if (!usable(t, m) || now_s < t->cursor_s)
		return 0;
	/*
	 * Dues are kept in 16 bits past the cursor: after half of that without an
	 * advance (a stopped daemon), those set meanwhile cannot be read back.
	 */
	if (now_s - t->cursor_s >= 0x8000)
		return sc_tally_reset(t, m, &t->in, c);
	if (m->gen != t->gen && rewheel(t, m))
		goto fail;
	from = now_s - t->cursor_s >= SC_TALLY_WHEEL_S ? now_s - SC_TALLY_WHEEL_S + 1 : t->cursor_s;
	for (s = from; s <= now_s; s++)
		if (advance_slot(t, m, s % SC_TALLY_WHEEL_S, now_s, c))
			goto fail;
	t->cursor_s = now_s;
	compact_procs(t);
	return 0;
fail:
	t->dirty = true;
	return -ENOMEM;
}

/* --- all at once --- */

/* The socket's first record a process holds (a listener's owner may not be known). */
static const struct sc_mirror_rec *first_holder(const struct sc_mirror *m, __u32 head)
{
	const struct sc_mirror_rec *first = NULL;
	__u32 i;

	for (i = head; i != SC_MIRROR_END; i = sc_mirror_next(m, i))
		if (m->recs[i].kind == SC_CONN_TCP && sc_mirror_tgid(m, &m->recs[i]) &&
		    (!first || &m->recs[i] < first))
			first = &m->recs[i];
	return first;
}

int sc_tally_reset(struct sc_tally *t, struct sc_mirror *m, const struct sc_summary_inputs *in,
		   const struct sc_clock_ref *c)
{
	const struct sc_mirror_rec *first;
	size_t i;
	__u32 j;
	int err;

	/* Keeps the wheel's buffers; the rest is folded anew. */
	free_procs(t);
	clear_wheel(t);
	t->ready = t->dirty = false;
	t->touched_lost = true;
	t->connections = t->idle_connections = t->socket_memory_bytes = t->growing = 0;
	t->ref_sum_ms = t->fixed_sum_ms = 0;
	memset(t->hist, 0, sizeof(t->hist));
	t->in = *in;
	t->cursor_s = c->now_ns / NS_PER_S;
	/*
	 * The table by remote port taken anew zeroed, not cleared: a fresh
	 * mapping's pages take memory only for the ports in use, where clearing
	 * would touch all 4 MB. Likewise only the records in use have aux bytes
	 * cleared (the mirror zeroes a new record's). Listening ports start
	 * empty: the listeners are counted again.
	 */
	free(t->ports);
	t->ports = NULL;
	t->ports_cap = 0;
	sc_listen_keys_free(&t->listen);
	free(t->ns_sockets);
	t->ns_sockets = NULL;
	t->ns_cap = t->ns_last = t->ns_last_slot = 0;
	sc_listen_keys_free(&t->held_ns);
	free(t->outbound);
	t->outbound = calloc(SC_NPORTS, sizeof(*t->outbound));
	if (!t->outbound || (m->aux_size != sizeof(struct sock_aux) &&
			     sc_mirror_set_aux(m, sizeof(struct sock_aux))))
		return -ENOMEM;
	memset(m->aux, 0, m->n * m->aux_size);
	t->gen = m->gen;
	/*
	 * Heads first, and the listeners they lead: a connection is a server's
	 * by whether its port has one. A socket's first record has the lowest
	 * index, so its other holders are met later.
	 */
	for (i = 1; i < m->n; i++) {
		struct sock_aux *a = aux_of(m, (__u32)i);

		if (m->recs[i].kind != SC_CONN_TCP || (a->flags & AUX_MEMBER))
			continue;
		for (j = sc_mirror_next(m, (__u32)i); j != SC_MIRROR_END; j = sc_mirror_next(m, j))
			aux_of(m, j)->flags |= AUX_MEMBER;
		a->flags = AUX_HEAD;
		first = first_holder(m, (__u32)i);
		if (first && first->state == TCP_LISTEN && count_listener(t, m, first, 1))
			return -ENOMEM;
	}
	for (i = 1; i < m->n; i++) {
		if (!(aux_of(m, (__u32)i)->flags & AUX_HEAD))
			continue;
		/* The fold counts its listener again. */
		first = first_holder(m, (__u32)i);
		if (first && first->state == TCP_LISTEN)
			(void)count_listener(t, m, first, -1); /* counted above: no allocation */
		err = fold(t, m, (__u32)i, 1, c);
		if (err)
			return err;
	}
	drop_empty_slots(t);
	t->ready = true;
	return 0;
}

bool sc_tally_current(struct sc_tally *t, const struct sc_mirror *m,
		       const struct sc_summary_inputs *in)
{
	return usable(t, m) && t->in.hook == in->hook &&
	       t->in.attached_ns == in->attached_ns && t->in.kernel_hz == in->kernel_hz &&
	       t->in.policy.idle_after_ms == in->policy.idle_after_ms &&
	       t->in.policy.heartbeat_bytes == in->policy.heartbeat_bytes;
}

/* --- the summary --- */

static void summarize_proc(struct sc_summary_proc *out, const struct sc_tally_proc *p,
			   const struct sc_task_record *tasks, size_t ntasks)
{
	const struct sc_task_record *task = sc_task_find(tasks, ntasks, p->tgid);
	__u32 i;

	*out = (struct sc_summary_proc){
		.pid = p->tgid,
		.connections = p->connections,
		.idle_connections = p->idle_connections,
		.tcp_sockets = p->tcp_sockets,
		.socket_memory_bytes = p->socket_memory_bytes,
		/* A server's worker: every connection to one listening port. */
		.server_port = !p->other_conns && p->serves.n == 1 ? p->serves.v[0].port : 0,
		.first = p->first,
	};
	for (i = 0; i < p->listens.n; i++)
		sc_port_set_add(&out->listen, p->listens.v[i].port);
	if (task) {
		out->ppid = task->ppid;
		out->netns = task->netns;
		memcpy(out->comm, task->comm, SC_COMM_LEN);
		out->comm[SC_COMM_LEN] = '\0';
		out->fd_limit = task->nofile_cur;
		out->fds = task->open_fds == SC_FDS_UNKNOWN ? 0 : task->open_fds;
	}
}

int sc_tally_summary(const struct sc_tally *t, struct sc_summary *s,
		     const struct sc_task_record *tasks, size_t ntasks,
		     const struct sc_clock_ref *c)
{
	size_t i;

	s->connections = t->connections;
	s->idle_connections = t->idle_connections;
	s->socket_memory_bytes = t->socket_memory_bytes;
	memcpy(s->idle_hist.count, t->hist, sizeof(t->hist));
	s->idle_hist.total = t->connections;
	s->idle_hist.sum_ms = (__u64)((__s64)(t->growing * ms_of(c)) - t->ref_sum_ms +
				      t->fixed_sum_ms);
	s->procs = calloc(t->nprocs ? t->nprocs : 1, sizeof(*s->procs));
	s->ports = calloc(t->listen.n ? t->listen.n : 1, sizeof(*s->ports));
	if (!s->procs || !s->ports || sc_outbound_rows(t->outbound, s) ||
	    sc_summary_set_netns(s, &t->held_ns, t->ns_sockets)) {
		sc_summary_free(s);
		return -ENOMEM;
	}
	for (i = 0; i < t->nprocs; i++)
		if (t->procs[i].tcp_sockets)
			summarize_proc(&s->procs[s->nprocs++], &t->procs[i], tasks, ntasks);
	/* Keys whose listeners all went made the tally dirty: a reset drops them. */
	for (i = 0; i < t->listen.n; i++) {
		const struct sc_tally_port *p = &t->ports[i];

		if (!p->listeners)
			continue;
		s->ports[s->nports++] = (struct sc_summary_port){
			.netns = t->listen.keys[i].netns,
			.port = t->listen.keys[i].port,
			.listeners = p->listeners,
			.accept_queue = p->accept_queue,
			.accept_queue_max = p->accept_queue_max,
			.listen_drops = p->listen_drops,
			.connections = p->connections,
			.idle_connections = p->idle_connections,
		};
	}
	sc_summary_sort(s);
	return 0;
}

struct sc_tally_mem sc_tally_mem(const struct sc_tally *t)
{
	struct sc_tally_mem mem = {
		.wheel = t->spare.cap * sizeof(struct sc_tally_due),
		.ports = t->ports_cap * sizeof(*t->ports),
		.outbound = t->outbound ? SC_NPORTS * sizeof(*t->outbound) : 0,
		.listening = sizeof(t->listen.any) +
			     t->listen.cap * (sizeof(*t->listen.keys) + 2 * sizeof(*t->listen.index)),
		.procs = t->proc_cap * sizeof(*t->procs) +
			 (t->proc_index ? (t->proc_mask + 1) * sizeof(*t->proc_index) : 0),
	};
	size_t i;

	for (i = 0; i < SC_TALLY_WHEEL_S; i++) {
		mem.wheel += t->wheel[i].cap * sizeof(struct sc_tally_due);
		mem.wheel_entries += t->wheel[i].n;
	}
	for (i = 0; i < t->nprocs; i++)
		mem.procs += (t->procs[i].serves.cap + t->procs[i].listens.cap +
			      t->procs[i].rports.cap) * sizeof(struct port_count);
	return mem;
}

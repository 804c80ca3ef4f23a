// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "radix.h"
#include "jiffies.h"
#include "listen_keys.h"
#include "mirror.h"
#include "outbound_summary.h"
#include "summary_build.h"

#define NO_SLOT ((__u32)-1)

/* Per-process sums while folding. */
struct proc_acc {
	__u32 tgid;
	bool several_ports;    /* connections to more than one port, or a client's */
	struct sc_summary_proc out;
};

/* tgid -> slot, open addressing; a process count is small next to sockets. */
struct proc_table {
	struct proc_acc *slots;
	__u32 *index;          /* hash bucket -> slot, NO_SLOT if empty */
	size_t mask, n, cap;
};

static int table_init(struct proc_table *t, size_t cap)
{
	size_t buckets = 64;

	while (buckets < cap * 2)
		buckets <<= 1;
	t->slots = calloc(cap, sizeof(*t->slots));
	t->index = malloc(buckets * sizeof(*t->index));
	if (!t->slots || !t->index)
		return -ENOMEM;
	memset(t->index, 0xff, buckets * sizeof(*t->index));
	t->mask = buckets - 1;
	t->cap = cap;
	return 0;
}

static size_t bucket_of(const struct proc_table *t, __u32 tgid)
{
	size_t b = (tgid * 2654435761u) & t->mask;

	while (t->index[b] != NO_SLOT && t->slots[t->index[b]].tgid != tgid)
		b = (b + 1) & t->mask;
	return b;
}

/* Doubles the table; slots keep their numbers. */
static int table_grow(struct proc_table *t)
{
	struct proc_table bigger;
	size_t i;

	if (table_init(&bigger, t->cap * 2)) {
		free(bigger.slots);
		free(bigger.index);
		return -ENOMEM;
	}
	memcpy(bigger.slots, t->slots, t->n * sizeof(*t->slots));
	bigger.n = t->n;
	for (i = 0; i < t->n; i++)
		bigger.index[bucket_of(&bigger, bigger.slots[i].tgid)] = (__u32)i;
	free(t->slots);
	free(t->index);
	*t = bigger;
	return 0;
}

static void table_free(struct proc_table *t)
{
	free(t->slots);
	free(t->index);
}

/* The slot of tgid, added on first sight. */
static struct proc_acc *table_get(struct proc_table *t, __u32 tgid)
{
	size_t b = bucket_of(t, tgid);

	if (t->index[b] != NO_SLOT)
		return &t->slots[t->index[b]];
	if (t->n == t->cap) {
		if (table_grow(t))
			return NULL;
		b = bucket_of(t, tgid);
	}
	t->index[b] = (__u32)t->n;
	t->slots[t->n] = (struct proc_acc){ .tgid = tgid };
	return &t->slots[t->n++];
}

struct sc_clock_ref sc_clock_ref_of(const struct sc_conn_record *header,
				    const struct sc_summary_inputs *in)
{
	return (struct sc_clock_ref){ .now_ns = header->established_ns,
				      .now_jiffies = header->last_active_jiffies,
				      .hz = in->kernel_hz };
}

/* A jiffies_64 stamp as CLOCK_MONOTONIC ns; 0 stays 0, unknown HZ dates it now. */
static __u64 stamp_ns(const struct sc_clock_ref *c, __u64 stamp)
{
	__u64 ago;

	if (!stamp)
		return 0;
	if (!c->hz || stamp >= c->now_jiffies)
		return c->now_ns;
	ago = sc_jiffies_to_ns(c->now_jiffies - stamp, c->hz);
	return ago < c->now_ns ? c->now_ns - ago : 1;
}

struct sc_idle_result sc_record_idle(const struct sc_conn_record *r, const struct sc_clock_ref *c,
				     const struct sc_summary_inputs *in)
{
	bool has_state = r->flags & SC_CONN_HAS_STATE;
	struct sc_idle_input idle_in = {
		.state = r->state,
		.has_state = has_state,
		.established_ns = has_state ? r->established_ns : 0,
		.last_active_ns = has_state ? stamp_ns(c, r->last_active_jiffies) : 0,
		.kernel_age_ms = SC_AGE_UNKNOWN,
		.saw_calls = r->flags & SC_CONN_SAW_CALLS,
	};
	struct sc_idle_clock clk = {
		.now_ns = c->now_ns,
		.attached_ns = in->attached_ns,
		.hooked = in->hook != SC_HOOK_NONE,
	};

	if ((r->flags & SC_CONN_HAS_TIMES) && c->hz) {
		/* Traffic during the walk is newer than the header's clock: age 0, not a wrap. */
		__u32 d = (__u32)c->now_jiffies - r->kernel_last;

		idle_in.kernel_age_ms = (__s32)d < 0 ? 0 : sc_jiffies_to_ns(d, c->hz) / 1000000;
	}
	return sc_idle_classify(&idle_in, &clk, &in->policy);
}

static int cmp_proc(const void *a, const void *b)
{
	const struct sc_summary_proc *x = a, *y = b;

	return CMP(y->connections, x->connections) ?: CMP(y->tcp_sockets, x->tcp_sockets)
		?: CMP(x->pid, y->pid);
}

static int cmp_port(const void *a, const void *b)
{
	const struct sc_summary_port *x = a, *y = b;

	return CMP(y->connections, x->connections) ?: CMP(x->netns, y->netns)
		?: CMP(x->port, y->port);
}

static int cmp_u32(const void *a, const void *b)
{
	return CMP(*(const __u32 *)a, *(const __u32 *)b);
}

int sc_summary_set_netns(struct sc_summary *s, const struct sc_listen_keys *held,
			 const __u64 *count)
{
	size_t i;

	s->nnetns = 0;
	s->netns = malloc((held->n ? held->n : 1) * sizeof(*s->netns));
	if (!s->netns)
		return -ENOMEM;
	for (i = 0; i < held->n; i++)
		if (!count || count[i])
			s->netns[s->nnetns++] = held->keys[i].netns;
	qsort(s->netns, s->nnetns, sizeof(*s->netns), cmp_u32);
	return 0;
}

static int cmp_task(const void *key, const void *elem)
{
	const __u32 *tgid = key;
	const struct sc_task_record *t = elem;

	return CMP(*tgid, t->tgid);
}

const struct sc_task_record *sc_task_find(const struct sc_task_record *tasks, size_t ntasks,
					  __u32 tgid)
{
	return bsearch(&tgid, tasks, ntasks, sizeof(*tasks), cmp_task);
}

void sc_port_set_add(struct sc_port_set *s, __u16 port)
{
	__u8 k, at;

	for (at = 0; at < s->n && s->port[at] < port; at++)
		;
	if ((at < s->n && s->port[at] == port) || at == SC_PORT_SET_MAX)
		return;
	if (s->n < SC_PORT_SET_MAX)
		s->n++;
	for (k = s->n - 1; k > at; k--)
		s->port[k] = s->port[k - 1];
	s->port[at] = port;
}

void sc_first_held_add(struct sc_first_held *f, const struct sc_conn_record *r, bool idle,
		       bool established, int sign)
{
	__u64 d = (__u64)(__s64)sign, mem = r->state == TCP_LISTEN ? 0 : r->mem;

	f->tcp_sockets += d;
	f->socket_memory_bytes += d * mem;
	if (established) {
		f->connections += d;
		f->idle_connections += idle ? d : 0;
	}
}

bool sc_port_set_has(const struct sc_port_set *s, __u16 port)
{
	__u8 k;

	for (k = 0; k < s->n; k++)
		if (s->port[k] == port)
			return true;
	return false;
}

void sc_summary_sort(struct sc_summary *s)
{
	if (s->nprocs)
		qsort(s->procs, s->nprocs, sizeof(*s->procs), cmp_proc);
	if (s->nports)
		qsort(s->ports, s->nports, sizeof(*s->ports), cmp_port);
}

/* Pass 1, walk order: the TCP sockets some process holds, to fold by cookie. */
static int collect_sockets(struct proc_table *procs, const struct sc_conn_record *recs, size_t n,
			   struct sc_key *keys, size_t *nkeys, __u32 *slot_of)
{
	size_t i;

	for (i = 1; i < n; i++) {
		const struct sc_conn_record *r = &recs[i];
		struct proc_acc *p;

		/* tgid 0: a socket a change added before its owner was known. */
		if (r->kind != SC_CONN_TCP || !r->tgid)
			continue;
		p = table_get(procs, r->tgid);
		if (!p)
			return -ENOMEM;
		slot_of[i] = (__u32)(p - procs->slots);
		keys[(*nkeys)++] = (struct sc_key){ .key = r->cookie, .val = i };
	}
	return 0;
}

/*
 * Listening ports by (netns, port), each listener counted once however many
 * processes hold it; a port's slot in listen is its row in s->ports.
 */
static int collect_ports(struct sc_summary *s, const struct sc_conn_record *recs,
			 const struct sc_key *keys, size_t nkeys, struct sc_listen_keys *listen)
{
	size_t i;
	__u32 slot;
	bool added;

	s->ports = calloc(1, sizeof(*s->ports));
	if (!s->ports)
		return -ENOMEM;
	for (i = 0; i < nkeys; i++) {
		const struct sc_conn_record *r = &recs[keys[i].val];
		struct sc_summary_port *p, *grown;

		if (r->state != TCP_LISTEN || (i && keys[i - 1].key == keys[i].key))
			continue;
		if (sc_listen_keys_add(listen, r->netns, r->lport, &slot, &added))
			return -ENOMEM;
		if (added) {
			grown = realloc(s->ports, (s->nports + 1) * sizeof(*s->ports));
			if (!grown)
				return -ENOMEM;
			s->ports = grown;
			s->ports[s->nports++] = (struct sc_summary_port){ .netns = r->netns,
									  .port = r->lport };
		}
		p = &s->ports[slot];
		p->listeners++;
		p->accept_queue += r->mem;
		p->accept_queue_max += r->kernel_last;
		p->listen_drops += r->listen_drops;
	}
	return 0;
}

/* The host and port sums for one established socket, judged once. */
static void count_connection(struct sc_summary *s, const struct sc_conn_record *r,
			     const struct sc_idle_result *idle, __u32 port_slot,
			     struct sc_outbound_acc *out)
{
	s->connections++;
	s->idle_connections += idle->idle;
	sc_idle_hist_add(&s->idle_hist, idle->idle_ms);
	if (port_slot != SC_LISTEN_NO_SLOT) {
		s->ports[port_slot].connections++;
		s->ports[port_slot].idle_connections += idle->idle;
	} else {
		/* No listener on its local port: a client's connection. */
		sc_outbound_acc_conn(out, r->rport, idle->idle, r->mem);
	}
}

/* A server's connections are all to one of its listening ports. */
static void note_server_port(struct proc_acc *acc, __u16 lport, __u32 port_slot)
{
	if (acc->several_ports)
		return;
	if (port_slot == SC_LISTEN_NO_SLOT || (acc->out.server_port && acc->out.server_port != lport)) {
		acc->several_ports = true;
		acc->out.server_port = 0;
		return;
	}
	acc->out.server_port = lport;
}

/*
 * Pass 2, cookie order: each socket once for the host and ports, once per
 * process. A socket's holders may see different states when it changes
 * during the walk: it is judged by the first record that saw it established.
 */
static int fold_sockets(struct sc_summary *s, struct proc_table *procs,
			 const struct sc_conn_record *recs, const struct sc_key *keys, size_t nkeys,
			 const __u32 *slot_of, const struct sc_listen_keys *listen,
			 const struct sc_clock_ref *c,
			 const struct sc_summary_inputs *in, struct sc_outbound_acc *out,
			 struct sc_listen_keys *held)
{
	struct sc_idle_result idle = {};
	bool judged = false, added;
	size_t i, j, first = 0;
	__u32 slot;

	for (i = 0; i < nkeys; i++) {
		const struct sc_conn_record *r = &recs[keys[i].val];
		bool established = r->state == TCP_ESTABLISHED, repeat = false;
		struct proc_acc *acc = &procs->slots[slot_of[keys[i].val]];
		struct sc_summary_proc *p = &acc->out;
		/* A connection is a server's when its own namespace listens on its port. */
		__u32 port_slot = established ? sc_listen_keys_find(listen, r->netns, r->lport)
					      : SC_LISTEN_NO_SLOT;

		if (!i || keys[i - 1].key != keys[i].key) {
			first = i;
			judged = false;
			s->socket_memory_bytes += r->state == TCP_LISTEN ? 0 : r->mem;
			if (sc_listen_keys_add(held, r->netns, 0, &slot, &added))
				return -ENOMEM;
		}
		if (established && !judged) {
			idle = sc_record_idle(r, c, in);
			judged = true;
			count_connection(s, r, &idle, port_slot, out);
		}
		/* One socket on several fds of a process (dup) counts once for it. */
		for (j = first; j < i && !repeat; j++)
			repeat = slot_of[keys[j].val] == slot_of[keys[i].val];
		if (repeat)
			continue;
		p->tcp_sockets++;
		p->socket_memory_bytes += r->state == TCP_LISTEN ? 0 : r->mem;
		if (r->state == TCP_LISTEN)
			sc_port_set_add(&p->listen, r->lport);
		if (established) {
			p->connections++;
			p->idle_connections += idle.idle;
			note_server_port(acc, r->lport, port_slot);
			if (port_slot == SC_LISTEN_NO_SLOT)
				sc_outbound_acc_holder(out, r->rport, slot_of[keys[i].val]);
		}
		/* The first holder in walk order (the radix sort keeps it first). */
		if (i == first)
			sc_first_held_add(&p->first, r, established && idle.idle, established, 1);
	}
	return 0;
}

/* Processes holding TCP sockets, named and their fds counted from their task records. */
static int collect_procs(struct sc_summary *s, const struct proc_table *procs,
			 const struct sc_task_record *tasks, size_t ntasks)
{
	size_t i;

	s->procs = calloc(procs->n ? procs->n : 1, sizeof(*s->procs));
	if (!s->procs)
		return -ENOMEM;
	for (i = 0; i < procs->n; i++) {
		struct sc_summary_proc *p = &s->procs[s->nprocs];
		const struct sc_task_record *t;

		if (!procs->slots[i].out.tcp_sockets)
			continue;
		*p = procs->slots[i].out;
		p->pid = procs->slots[i].tgid;
		t = sc_task_find(tasks, ntasks, p->pid);
		if (t) {
			p->ppid = t->ppid;
			p->netns = t->netns;
			memcpy(p->comm, t->comm, SC_COMM_LEN);
			p->comm[SC_COMM_LEN] = '\0';
			p->fd_limit = t->nofile_cur;
			p->fds = t->open_fds == SC_FDS_UNKNOWN ? 0 : t->open_fds;
		}
		s->nprocs++;
	}
	sc_summary_sort(s);
	return 0;
}

int sc_summary_build(struct sc_summary *s, const struct sc_conn_record *recs, size_t nrecs,
		     const struct sc_task_record *tasks, size_t ntasks,
		     const struct sc_summary_inputs *in)
{
	struct proc_table procs = {};
	struct sc_outbound_acc out = {};
	struct sc_clock_ref clock;
	struct sc_listen_keys listen, held;
	struct sc_key *keys = NULL;
	__u32 *slot_of = NULL;
	size_t nkeys = 0;
	int err = -ENOMEM;

	memset(s, 0, sizeof(*s));
	sc_listen_keys_init(&listen);
	sc_listen_keys_init(&held);
	if (!nrecs || recs[0].kind != SC_CONN_HEADER)
		return -EPROTO;
	clock = sc_clock_ref_of(recs, in);
	s->policy = in->policy;
	s->hook = in->hook;
	s->attached_ns = in->attached_ns;
	s->counters = in->counters;
	s->taken_ns = clock.now_ns;

	keys = malloc(nrecs * sizeof(*keys));
	slot_of = malloc(nrecs * sizeof(*slot_of));
	if (!keys || !slot_of || table_init(&procs, ntasks + 64) ||
	    sc_outbound_acc_init(&out))
		goto out;
	err = collect_sockets(&procs, recs, nrecs, keys, &nkeys, slot_of);
	if (!err)
		err = sc_radix_sort(keys, nkeys);
	if (!err)
		err = collect_ports(s, recs, keys, nkeys, &listen);
	if (err)
		goto out;
	err = fold_sockets(s, &procs, recs, keys, nkeys, slot_of, &listen, &clock, in, &out,
			   &held);
	if (!err)
		err = sc_summary_set_netns(s, &held, NULL);
	if (!err)
		err = collect_procs(s, &procs, tasks, ntasks);
	if (!err)
		err = sc_outbound_acc_finish(&out, s);
out:
	sc_outbound_acc_free(&out);
	free(keys);
	free(slot_of);
	sc_listen_keys_free(&listen);
	sc_listen_keys_free(&held);
	table_free(&procs);
	if (err)
		sc_summary_free(s);
	return err;
}

/* Record i of a walk's array or of a mirror. */
typedef struct sc_conn_record (*record_at_fn)(const void *src, __u32 i);

static struct sc_conn_record walk_record_at(const void *src, __u32 i)
{
	return ((const struct sc_conn_record *)src)[i];
}

static struct sc_conn_record mirror_record_at(const void *src, __u32 i)
{
	return sc_mirror_record(src, i);
}

static int idle_list(const void *src, record_at_fn at, size_t nrecs,
		     const struct sc_summary_inputs *in, struct sc_conn_idle **out, size_t *n)
{
	struct sc_conn_record header, r;
	struct sc_clock_ref clock;
	struct sc_conn_idle *list;
	struct sc_key *keys;
	size_t i, nkeys = 0;

	*out = NULL;
	*n = 0;
	if (!nrecs || (header = at(src, 0)).kind != SC_CONN_HEADER)
		return -EPROTO;
	clock = sc_clock_ref_of(&header, in);
	keys = malloc(nrecs * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (i = 1; i < nrecs; i++) {
		r = at(src, (__u32)i);
		/* Held by some process: an unaccepted peer the ring reported is no one's. */
		if (r.kind == SC_CONN_TCP && r.state == TCP_ESTABLISHED && r.tgid)
			keys[nkeys++] = (struct sc_key){ .key = r.cookie, .val = i };
	}
	list = malloc((nkeys ? nkeys : 1) * sizeof(*list));
	if (!list || sc_radix_sort(keys, nkeys)) {
		free(keys);
		free(list);
		return -ENOMEM;
	}
	for (i = 0; i < nkeys; i++) {
		struct sc_idle_result idle;

		if (i && keys[i - 1].key == keys[i].key)
			continue;
		r = at(src, (__u32)keys[i].val);
		idle = sc_record_idle(&r, &clock, in);
		list[(*n)++] = (struct sc_conn_idle){
			.cookie = r.cookie, .pid = r.tgid, .lport = r.lport, .rport = r.rport,
			.idle = idle.idle, .idle_ms = idle.idle_ms,
		};
	}
	free(keys);
	*out = list;
	return 0;
}

int sc_conn_idle_list(const struct sc_conn_record *recs, size_t nrecs,
		      const struct sc_summary_inputs *in, struct sc_conn_idle **out, size_t *n)
{
	return idle_list(recs, walk_record_at, nrecs, in, out, n);
}

int sc_mirror_idle_list(const struct sc_mirror *m, const struct sc_summary_inputs *in,
			struct sc_conn_idle **out, size_t *n)
{
	return idle_list(m, mirror_record_at, m->recs ? m->n : 0, in, out, n);
}

bool sc_mirror_conn_idle(const struct sc_mirror *m, __u64 cookie,
			 const struct sc_summary_inputs *in, struct sc_conn_idle *out)
{
	__u32 i, est = SC_MIRROR_END;
	struct sc_conn_record r;
	struct sc_clock_ref clock;
	struct sc_idle_result idle;

	/* As idle_list: the lowest-index established record a process holds. */
	for (i = sc_mirror_first(m, cookie); i != SC_MIRROR_END; i = sc_mirror_next(m, i))
		if (m->recs[i].kind == SC_CONN_TCP && m->recs[i].state == TCP_ESTABLISHED &&
		    sc_mirror_tgid(m, &m->recs[i]) && i < est)
			est = i;
	if (est == SC_MIRROR_END)
		return false;
	clock = sc_clock_ref_of(&m->header, in);
	r = sc_mirror_record(m, est);
	idle = sc_record_idle(&r, &clock, in);
	*out = (struct sc_conn_idle){
		.cookie = cookie, .pid = r.tgid, .lport = r.lport, .rport = r.rport,
		.idle = idle.idle, .idle_ms = idle.idle_ms,
	};
	return true;
}

void sc_summary_free(struct sc_summary *s)
{
	free(s->procs);
	free(s->ports);
	free(s->outbound);
	free(s->netns);
	s->procs = NULL;
	s->ports = NULL;
	s->outbound = NULL;
	s->netns = NULL;
	s->nprocs = s->nports = s->noutbound = s->nnetns = 0;
}

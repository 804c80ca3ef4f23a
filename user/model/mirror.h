/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_MIRROR_H
#define SC_MIRROR_H

#include <stddef.h>
#include <linux/types.h>

#include "holders.h"
#include "links.h"
#include "sockcost.h"

/*
 * A copy of the aggregate walk's records (a header, then one per TCP socket
 * and process holding it) kept true between walks by the change ring, so
 * `top` can summarize every refresh without walking every fd of every
 * process. Pure: no kernel access, unit-tested.
 *
 * What changes do not tell waits for the next walk: an fd passed to another
 * process or dropped by one of a socket's holders, listeners' accept queues,
 * kernel traffic stamps of sockets nobody sends or receives on. A connection
 * counts from ESTABLISHED, also while it waits in an accept queue.
 *
 * Queue memory is as of the socket's last report: every state change, a
 * call at most once per gap (as the call left the queue) and a send that
 * found its queue full (SC_CHANGE_MEM). What moves it with no call is not
 * reported (sockcost.h, struct sc_change): an ACK draining a send queue, data
 * arriving unread. So a socket that keeps calling is at most a gap stale; one
 * that stopped keeps what its last report said until it calls again, changes
 * state or the next walk (for the daemon, its walk interval).
 */
/* Recently closed sockets remembered, so a late report cannot bring one back. */
#define SC_MIRROR_CLOSED 4096

/*
 * A mirrored record (a million of them are the daemon's memory): one
 * 32-bit stamp stands for the three 64-bit ones a sc_conn_record has room
 * for, as readers use them (sc_record_idle, the summaries): a listener's
 * drops (saturating at 2^32 - 1); for other sockets the newest activity
 * once one is stamped, else when it was established, which nothing reads
 * once activity is stamped. Times are kept as offsets from the clocks of the
 * walk the mirror was loaded from (base_ns, base_jiffies): activity in
 * jiffies, establishment in milliseconds (rounded down: an age reads at
 * most a millisecond older). An offset past +-2^31 units (24.8 days in ms,
 * or in jiffies at HZ 1000) is kept coarse, in units of 4096 rounded down
 * (an age of weeks reads up to 4096 units older), which reaches centuries.
 * The holding process and the socket's network namespace are one id into
 * the mirror's holders (holders.h), a few hundred pairs for a million
 * records. sc_mirror_record expands one into a sc_conn_record. 32 bytes; a
 * socket held by several processes (a pre-fork server's listener) has a
 * record each, chained through a side table (links) rather than a field
 * every record would pay for.
 */
struct sc_mirror_rec {
	__u64 cookie;
	__u32 stamp;                 /* SC_MIRROR_STAMP_* says which */
	__u32 holder;                /* tgid and netns, as sc_conn_record: sc_mirror_holder */
	__u32 mem;                   /* as sc_conn_record */
	__u32 kernel_last;           /* as sc_conn_record */
	__u16 lport, rport;
	__u8 kind, state, flags;     /* as sc_conn_record */
	__u8 stamp_is : 2;
	__u8 coarse : 1;             /* the stamp's offset is in units of SC_MIRROR_COARSE */
	__u8 linked : 1;             /* another holder's record follows: sc_mirror_next */
};

#define SC_MIRROR_COARSE 4096

/* The stamp's offset from its base clock, in the base's units (ms or jiffies). */
static inline __s64 sc_mirror_stamp_offset(const struct sc_mirror_rec *r)
{
	return (__s64)(__s32)r->stamp * (r->coarse ? SC_MIRROR_COARSE : 1);
}

#define SC_MIRROR_STAMP_ESTABLISHED 0  /* established_ns: ms from base_ns */
#define SC_MIRROR_STAMP_ACTIVE 1       /* last_active_jiffies: jiffies from base_jiffies */
#define SC_MIRROR_STAMP_DROPS 2        /* a listener's listen_drops */
#define SC_MIRROR_STAMP_UNSEEN 3       /* established_ns 0: not seen entering ESTABLISHED */

struct sc_mirror {
	/*
	 * recs[0] stands for the header (kind SC_CONN_HEADER, its clocks in
	 * header); kind 0 marks a removed record.
	 */
	struct sc_mirror_rec *recs;
	struct sc_conn_record header;
	/* The loading walk's clocks (its header's, which readers then move): stamps are offsets from them. */
	__u64 base_ns, base_jiffies;
	struct sc_holders holders;   /* what records' holder ids name */
	size_t holders_kept;         /* pairs when the table was last made anew */
	size_t n, cap;
	__u32 *index;                /* open addressing by cookie: a socket's first record */
	struct sc_links links;       /* the next record of each linked one; rebuilt with the index */
	size_t mask;                 /* index slots - 1 (any number of slots, not a power of two) */
	size_t used;                 /* index slots ever filled since the last rebuild */
	size_t removed;              /* records of kind 0 */
	__u64 closed[SC_MIRROR_CLOSED]; /* cookies closed, by cookie % SC_MIRROR_CLOSED */
	/*
	 * A reader's own bytes per record (the tally's), moved with the record
	 * when records are compacted and zeroed for a new one; NULL until
	 * sc_mirror_set_aux, and again once a walk's records replace them.
	 */
	unsigned char *aux;
	size_t aux_size;
	__u64 gen;                   /* bumped whenever records move (walk, compaction) */
};

/* No record: the end of a socket's chain. */
#define SC_MIRROR_END 0xffffffffu

/* The socket's record after i (another holder), SC_MIRROR_END if none. */
static inline __u32 sc_mirror_next(const struct sc_mirror *m, __u32 i)
{
	return m->recs[i].linked ? sc_links_get(&m->links, i) : SC_MIRROR_END;
}

/* A record's holding process (0: unknown yet) and the socket's network namespace. */
static inline struct sc_holder_pair sc_mirror_holder(const struct sc_mirror *m,
						const struct sc_mirror_rec *r)
{
	return sc_holders_get(&m->holders, r->holder);
}

static inline __u32 sc_mirror_tgid(const struct sc_mirror *m, const struct sc_mirror_rec *r)
{
	return sc_mirror_holder(m, r).tgid;
}

static inline __u32 sc_mirror_netns(const struct sc_mirror *m, const struct sc_mirror_rec *r)
{
	return sc_mirror_holder(m, r).netns;
}

/* Record i as a walk's record (0: the header); tid is 0. Inline: a fold expands a few a change. */
static inline struct sc_conn_record sc_mirror_record(const struct sc_mirror *m, __u32 i)
{
	const struct sc_mirror_rec *c = &m->recs[i];
	struct sc_conn_record r;
	struct sc_holder_pair h;

	if (!i)
		return m->header;
	h = sc_mirror_holder(m, c);
	r = (struct sc_conn_record){
		.tgid = h.tgid, .kind = c->kind, .state = c->state, .flags = c->flags,
		.lport = c->lport, .rport = c->rport, .mem = c->mem, .kernel_last = c->kernel_last,
		.cookie = c->cookie, .netns = h.netns,
	};
	if (c->stamp_is == SC_MIRROR_STAMP_DROPS)
		r.listen_drops = c->stamp;
	else if (c->stamp_is == SC_MIRROR_STAMP_ACTIVE)
		r.last_active_jiffies = m->base_jiffies + (__u64)sc_mirror_stamp_offset(c);
	else if (c->stamp_is == SC_MIRROR_STAMP_ESTABLISHED)
		r.established_ns = m->base_ns + (__u64)(sc_mirror_stamp_offset(c) * 1000000);
	return r;
}

/*
 * Every record expanded (sc_mirror_record), header first, removed ones as
 * kind 0: m->n of them in *out (malloc'd), as a walk gives them to
 * sc_summary_build: the tests fold them so to check the tally. Returns 0 or
 * -ENOMEM.
 */
int sc_mirror_export(const struct sc_mirror *m, struct sc_conn_record **out);

/* Replaces the contents with a walk's records (header first). Returns 0,
 * -EPROTO without a header, or -ENOMEM (the mirror is then empty). */
int sc_mirror_load(struct sc_mirror *m, const struct sc_conn_record *recs, size_t n);

/*
 * The same, taking recs (malloc'd, n records) instead of copying them: a walk
 * of a million sockets is not held twice. recs is the mirror's (or freed) from
 * here on, whatever the result.
 */
int sc_mirror_adopt(struct sc_mirror *m, struct sc_conn_record *recs, size_t n);

/*
 * Applies one change: a socket entering ESTABLISHED or LISTEN is added (to
 * its owner, if known) unless present; CLOSE removes it; anything else
 * updates every record of the socket (SC_CHANGE_MEM only its queue memory).
 * Calls move a socket held by a single process to the caller's process.
 * Returns 0 or -ENOMEM; a compaction that ran out of memory half way leaves
 * the mirror empty (sc_mirror_drop): the reader walks again.
 */
int sc_mirror_apply(struct sc_mirror *m, const struct sc_change *c);

/* Where a socket is: its first record (SC_MIRROR_END if none) and index slot. */
struct sc_mirror_pos {
	__u32 first;
	size_t slot;
};

struct sc_mirror_pos sc_mirror_find(const struct sc_mirror *m, __u64 cookie);

/*
 * For a reader applying changes in batches: at a million sockets each lookup
 * is a chain of cache misses (index slot, record), so it asks for the slot
 * early, then for the record the slot most likely names (the socket's first
 * record, unless a collision; SC_MIRROR_END if the slot is empty).
 */
void sc_mirror_prefetch_slot(const struct sc_mirror *m, __u64 cookie);
__u32 sc_mirror_guess(const struct sc_mirror *m, __u64 cookie);

/*
 * A walk files a socket that had no cookie then under SC_WALK_INODE_KEY |
 * inode (walk_join.h). A change to it (reports carry the inode until the
 * socket is orphaned) moves its records under the change's cookie, once:
 * call before finding the change's socket. A no-op for any other change.
 * Returns 0 or -ENOMEM (a rebuild for room, which may leave the mirror
 * empty, as sc_mirror_apply says).
 */
int sc_mirror_rekey(struct sc_mirror *m, const struct sc_change *c);

/*
 * sc_mirror_apply of a change to the socket found at pos, nothing applied
 * since (sc_mirror_rekey before the find).
 */
int sc_mirror_apply_at(struct sc_mirror *m, const struct sc_change *c, struct sc_mirror_pos pos);

/*
 * A listener's accept queue, its limit and its drops as read now (sock_diag):
 * changes do not report them. Returns the records updated (0: not mirrored).
 */
size_t sc_mirror_set_listener(struct sc_mirror *m, __u64 cookie, __u32 backlog,
			      __u32 max_backlog, __u64 drops);

/*
 * The socket's first record (its lowest index, the one a walk saw first),
 * SC_MIRROR_END if none; its other holders follow through sc_mirror_next.
 */
__u32 sc_mirror_first(const struct sc_mirror *m, __u64 cookie);

/* Gives every record aux_size zeroed bytes of the caller's. Returns 0 or -ENOMEM. */
int sc_mirror_set_aux(struct sc_mirror *m, size_t aux_size);

/*
 * Lets every record go but remembers the closed sockets: a reader about to
 * walk need not hold a million records twice. sc_mirror_adopt fills it again.
 */
void sc_mirror_drop(struct sc_mirror *m);

/* Records of the socket with this cookie (any holder). */
size_t sc_mirror_count(const struct sc_mirror *m, __u64 cookie);

void sc_mirror_free(struct sc_mirror *m);

/* Bytes the mirror has allocated, by structure (what a benchmark reports). */
struct sc_mirror_mem {
	size_t records, aux, index, links, holders;
};

struct sc_mirror_mem sc_mirror_mem(const struct sc_mirror *m);

#endif /* SC_MIRROR_H */

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "utf8.h"
#include "services.h"

struct key {
	__u64 key;
	const char *comm;           /* rule 3's second key */
	size_t i;
};

static int cmp_key(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	return CMP(x->key, y->key) ?: (x->comm && y->comm ? strcmp(x->comm, y->comm) : 0)
		?: CMP(x->i, y->i);
}

static int cmp_key_only(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	return CMP(x->key, y->key);
}

static size_t root(size_t *up, size_t i)
{
	while (up[i] != i) {
		up[i] = up[up[i]]; /* halve the path */
		i = up[i];
	}
	return i;
}

static void join(size_t *up, size_t a, size_t b)
{
	a = root(up, a);
	b = root(up, b);
	/* The lower index leads: the result does not depend on the order of joins. */
	if (a < b)
		up[b] = a;
	else if (b < a)
		up[a] = b;
}

/* Joins the keys' processes that are equal in key (and comm, when set). */
static void join_equal(size_t *up, struct key *keys, size_t n)
{
	size_t i;

	qsort(keys, n, sizeof(*keys), cmp_key);
	for (i = 1; i < n; i++)
		if (keys[i].key == keys[i - 1].key &&
		    (!keys[i].comm || !strcmp(keys[i].comm, keys[i - 1].comm)))
			join(up, keys[i].i, keys[i - 1].i);
}

/*
 * Rule 1: one command's listeners on one port in a namespace (a master's
 * socket its workers share, or SO_REUSEPORT sockets of their own). The
 * command keeps apart what only shares a port number: an init system holding
 * every socket-activated port, daemons bound to different addresses.
 */
static int join_listeners(const struct sc_summary_proc *procs, size_t n, size_t *up)
{
	struct key *keys;
	size_t i, m = 0;
	__u8 k;

	for (i = 0; i < n; i++)
		m += procs[i].listen.n;
	keys = malloc((m ? m : 1) * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	m = 0;
	for (i = 0; i < n; i++)
		for (k = 0; k < procs[i].listen.n; k++)
			keys[m++] = (struct key){
				.key = (__u64)procs[i].netns << 16 | procs[i].listen.port[k],
				.comm = procs[i].comm, .i = i,
			};
	join_equal(up, keys, m);
	free(keys);
	return 0;
}

/* Processes by pid, to find a parent. */
static struct key *pid_index(const struct sc_summary_proc *procs, size_t n)
{
	struct key *by_pid = malloc((n ? n : 1) * sizeof(*by_pid));
	size_t i;

	if (!by_pid)
		return NULL;
	for (i = 0; i < n; i++)
		by_pid[i] = (struct key){ .key = procs[i].pid, .i = i };
	qsort(by_pid, n, sizeof(*by_pid), cmp_key);
	return by_pid;
}

static const struct sc_summary_proc *parent_of(const struct sc_summary_proc *procs, size_t n,
					       const struct key *by_pid, __u32 ppid, size_t *at)
{
	struct key want = { .key = ppid };
	const struct key *hit = ppid ? bsearch(&want, by_pid, n, sizeof(*by_pid), cmp_key_only)
				     : NULL;

	if (!hit)
		return NULL;
	*at = hit->i;
	return &procs[hit->i];
}

/* Ancestors looked at for the listener a process serves (sshd: master, monitor, session). */
#define SERVICE_ANCESTORS 4

/*
 * Rule 2: a process serving its parent's (or a nearer ancestor's) listening
 * port. Not pid 1's: an init system holding socket-activated ports is no
 * server's master; its per-connection children pool by port (rule 3).
 */
static void join_children(const struct sc_summary_proc *procs, size_t n, size_t *up,
			  const struct key *by_pid)
{
	const struct sc_summary_proc *a;
	size_t i, at, depth;

	for (i = 0; i < n; i++) {
		const struct sc_summary_proc *p = &procs[i];

		if (p->listen.n || !p->server_port)
			continue;
		for (a = p, depth = 0; depth < SERVICE_ANCESTORS && a->ppid > 1; depth++) {
			a = parent_of(procs, n, by_pid, a->ppid, &at);
			if (!a || a->netns != p->netns)
				break;
			if (sc_port_set_has(&a->listen, p->server_port)) {
				join(up, i, at);
				break;
			}
		}
	}
}

/*
 * Rule 3, for processes in no listening service: a pool forked by one
 * parent running one command (siblings, and the parent when it runs it).
 */
static int join_pools(const struct sc_summary_proc *procs, size_t n, size_t *up,
		      const bool *listening, const struct key *by_pid)
{
	struct key *keys = malloc((n ? n : 1) * sizeof(*keys));
	const struct sc_summary_proc *parent;
	size_t i, m = 0, at;

	if (!keys)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct sc_summary_proc *p = &procs[i];

		if (listening[root(up, i)])
			continue;
		/* Everything a service manager starts is its child: no pool there, but
		 * its per-connection children (Accept=yes) pool by the port they serve. */
		if (p->ppid > 1)
			keys[m++] = (struct key){ .key = (__u64)p->netns << 32 | p->ppid,
						  .comm = p->comm, .i = i };
		else if (p->server_port)
			keys[m++] = (struct key){ .key = (__u64)p->netns << 32 | 1u << 31 |
							 p->server_port,
						  .comm = p->comm, .i = i };
		parent = parent_of(procs, n, by_pid, p->ppid, &at);
		if (parent && p->ppid > 1 && !listening[root(up, at)] && parent->netns == p->netns &&
		    !strcmp(parent->comm, p->comm))
			join(up, i, at);
	}
	join_equal(up, keys, m);
	free(keys);
	return 0;
}

static double fd_share(__u64 fds, __u64 limit)
{
	return limit && limit != (__u64)-1 ? (double)fds / (double)limit : -1;
}

/* Adds process p to service s; lead is the member whose command names it so far. */
static void add_member(struct sc_service *s, const struct sc_summary_proc *p,
		       const struct sc_summary_proc **lead)
{
	__u8 k;

	/* The lowest pid holding a listener, else the lowest: the master, the postmaster. */
	if (!s->processes || (p->listen.n && !s->ports.n) ||
	    (p->pid < s->main_pid && (p->listen.n || !s->ports.n)))
		s->main_pid = p->pid;
	if (!*lead || p->connections > (*lead)->connections ||
	    (p->connections == (*lead)->connections && p->pid < (*lead)->pid))
		*lead = p;
	s->netns = p->netns;
	s->processes++;
	/* A socket shared by a master and its workers, or inherited, counts once. */
	s->connections += p->first.connections;
	s->idle_connections += p->first.idle_connections;
	s->tcp_sockets += p->first.tcp_sockets;
	s->fds += p->fds;
	s->socket_memory_bytes += p->first.socket_memory_bytes;
	if (!s->fd_worst_pid ||
	    fd_share(p->fds, p->fd_limit) > fd_share(s->fd_worst_fds, s->fd_worst_limit)) {
		s->fd_worst_pid = p->pid;
		s->fd_worst_fds = p->fds;
		s->fd_worst_limit = p->fd_limit;
	}
	for (k = 0; k < p->listen.n; k++)
		sc_port_set_add(&s->ports, p->listen.port[k]);
}

/*
 * The kernel cuts a command at 15 bytes, maybe inside a UTF-8 character:
 * drop the piece, or two names differing there would be one label once the
 * exposition replaces invalid UTF-8 (and so would not be told apart).
 */
static void trim_partial_utf8(char *s)
{
	size_t len = strlen(s), i = len, need;

	while (i > 0 && len - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0 || ((unsigned char)s[i - 1] & 0x80) == 0)
		return;
	need = ((unsigned char)s[i - 1] & 0xe0) == 0xc0 ? 2
	       : ((unsigned char)s[i - 1] & 0xf0) == 0xe0 ? 3 : 4;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

/*
 * The command as a name: invalid UTF-8 bytes (a process may name itself any
 * bytes) become '?', as the exposition would make them all one U+FFFD and
 * so two names one label. Returns the name's length.
 */
static size_t name_from_comm(char *name, size_t size, const char *comm)
{
	size_t len = (size_t)snprintf(name, size, "%s", comm), i = 0, n;

	while (i < len) {
		n = sc_utf8_seq_len((const unsigned char *)name + i, len - i);
		if (!n)
			name[i++] = '?';
		i += n;
	}
	return len;
}

static void name_service(struct sc_service *s, const struct sc_summary_proc *lead)
{
	size_t len;
	__u8 k;

	snprintf(s->comm, sizeof(s->comm), "%s", lead->comm);
	trim_partial_utf8(s->comm);
	len = name_from_comm(s->name, sizeof(s->name), s->comm);
	for (k = 0; k < s->ports.n && k < SC_SERVICE_NAME_PORTS && len < sizeof(s->name); k++)
		len += (size_t)snprintf(s->name + len, sizeof(s->name) - len, "%c%u",
					k ? ',' : ':', s->ports.port[k]);
	if (s->ports.n > SC_SERVICE_NAME_PORTS && len < sizeof(s->name))
		snprintf(s->name + len, sizeof(s->name) - len, "+");
}

static int cmp_name(const void *a, const void *b)
{
	const struct sc_service *x = a, *y = b;

	return strcmp(x->name, y->name) ?: CMP(x->netns, y->netns) ?: CMP(x->main_pid, y->main_pid);
}

static int cmp_connections(const void *a, const void *b)
{
	const struct sc_service *x = a, *y = b;

	return CMP(y->connections, x->connections) ?: cmp_name(a, b);
}

/* Appends suffix to a name, over its end if the name is full, so the name always changes. */
static void add_suffix(char *name, size_t size, const char *suffix)
{
	size_t len = strlen(name), n = strlen(suffix);

	if (len + n >= size)
		len = size - 1 - n;
	/* Never inside a UTF-8 character: back up to a character's first byte. */
	while (len > 0 && ((unsigned char)name[len] & 0xc0) == 0x80)
		len--;
	snprintf(name + len, size - len, "%s", suffix);
}

/*
 * Names must be unique (they are metric labels): the same name in another
 * namespace (two containers' nginx:80) gets "@<netns inode>"; two pools of
 * one command under different parents get "[<main pid>]". A command may
 * itself read "x[42]", so a suffixed name can meet another: repeat until
 * no two are equal. Each service has its own (netns, main pid), so a
 * round's suffixes tell the equal ones apart; the bound is for safety.
 */
static void disambiguate(struct sc_service *s, size_t n)
{
	char suffix[24];
	bool again = true;
	size_t i, round;

	for (round = 0; again && round < 8; round++) {
		again = false;
		qsort(s, n, sizeof(*s), cmp_name);
		for (i = n; i-- > 1;) {
			if (strcmp(s[i].name, s[i - 1].name))
				continue;
			if (s[i].netns != s[i - 1].netns)
				snprintf(suffix, sizeof(suffix), "@%u", s[i].netns);
			else
				snprintf(suffix, sizeof(suffix), "[%u]", s[i].main_pid);
			add_suffix(s[i].name, sizeof(s[i].name), suffix);
			again = true;
		}
	}
}

int sc_services_build(const struct sc_summary_proc *procs, size_t n, struct sc_service **out,
		      size_t *nout, size_t *member_of)
{
	size_t *up = malloc((n ? n : 1) * sizeof(*up)), *slot = malloc((n ? n : 1) * sizeof(*slot));
	const struct sc_summary_proc **lead = calloc(n ? n : 1, sizeof(*lead));
	bool *listening = calloc(n ? n : 1, sizeof(*listening));
	struct sc_service *s = calloc(n ? n : 1, sizeof(*s));
	struct key *by_pid = pid_index(procs, n);
	size_t i, m = 0, r;
	int err = -ENOMEM;

	*out = NULL;
	*nout = 0;
	if (!up || !slot || !lead || !listening || !s || !by_pid)
		goto out;
	for (i = 0; i < n; i++)
		up[i] = i;
	err = join_listeners(procs, n, up);
	if (err)
		goto out;
	join_children(procs, n, up, by_pid);
	for (i = 0; i < n; i++)
		listening[root(up, i)] |= procs[i].listen.n > 0;
	err = join_pools(procs, n, up, listening, by_pid);
	if (err)
		goto out;
	/* Roots are the lowest index of their set: met before their members. */
	for (i = 0; i < n; i++) {
		r = root(up, i);
		if (r == i) {
			slot[i] = m;
			s[m++].first = i;
		}
		add_member(&s[slot[r]], &procs[i], &lead[slot[r]]);
	}
	for (i = 0; i < m; i++)
		name_service(&s[i], lead[i]);
	disambiguate(s, m);
	qsort(s, m, sizeof(*s), cmp_connections);
	if (member_of) {
		/* Sorting moved the services: slot now maps a set's root to its place. */
		for (i = 0; i < m; i++)
			slot[s[i].first] = i;
		for (i = 0; i < n; i++)
			member_of[i] = slot[root(up, i)];
	}
	*out = s;
	*nout = m;
	s = NULL;
out:
	free(up);
	free(slot);
	free(lead);
	free(listening);
	free(s);
	free(by_pid);
	return err;
}

bool sc_services_grouped(const struct sc_service *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i].processes > 1)
			return true;
	return false;
}

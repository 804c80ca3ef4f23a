// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "common.h"
#include "diag_dump.h"
#include "served_pass.h"

struct addr_key {
	__u16 port;
	__u16 family;
	__u8 addr[16];
};

/* Keys seen, compacted to distinct ones whenever COMPACT_AT more arrived. */
#define COMPACT_AT 65536

/* One namespace at a time: the bitmaps are that namespace's. */
struct pass {
	__u64 listening[65536 / 64];   /* the summary's listening ports and unheld ones */
	__u64 held[65536 / 64];        /* the summary's */
	__u32 netns;                   /* the namespace being dumped */
	size_t unheld_from;            /* its unheld ports: out->unheld[unheld_from..] */
	struct sc_served_pass *out;
	struct sc_diag_bc *bc;         /* what the kernel reports of ESTABLISHED sockets */
	bool skip;                     /* no ESTABLISHED socket matters */
	__u64 wanted[65536 / 64];      /* remote ports of the rows */
	struct addr_key *keys;
	size_t n, distinct, cap;
};

static bool bit(const __u64 *set, __u16 port)
{
	return set[port / 64] >> (port % 64) & 1;
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct addr_key));
}

static void compact(struct pass *p)
{
	size_t i, m = 0;

	qsort(p->keys, p->n, sizeof(*p->keys), cmp_key);
	for (i = 0; i < p->n; i++)
		if (!m || cmp_key(&p->keys[m - 1], &p->keys[i]))
			p->keys[m++] = p->keys[i];
	p->n = p->distinct = m;
}

static int cmp_unheld(const void *a, const void *b)
{
	const struct sc_summary_port *x = a, *y = b;

	return CMP(x->netns, y->netns) ?: CMP(x->port, y->port);
}

/* A port known to be among the namespace's unheld ones. */
static struct sc_summary_port *unheld_of(struct pass *p, __u16 port)
{
	struct sc_summary_port key = { .netns = p->netns, .port = port };

	return bsearch(&key, p->out->unheld + p->unheld_from, p->out->nunheld - p->unheld_from,
		       sizeof(key), cmp_unheld);
}

/* A listener the summary has no port for: a walk shows its port all the same. */
static int each_listener(const struct inet_diag_msg *m, int len, void *ctx)
{
	struct pass *p = ctx;
	struct sc_served_pass *out = p->out;
	__u16 port = ntohs(m->id.idiag_sport);
	struct sc_summary_port *u = NULL, *grown;
	size_t i;

	(void)len;
	if (bit(p->held, port))
		return 0;
	for (i = p->unheld_from; i < out->nunheld && !u; i++)
		if (out->unheld[i].port == port)
			u = &out->unheld[i];
	if (!u) {
		grown = realloc(out->unheld, (out->nunheld + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		out->unheld = grown;
		u = &out->unheld[out->nunheld++];
		*u = (struct sc_summary_port){ .netns = p->netns, .port = port };
	}
	/* Merged as a walk merges a port's IPv4, IPv6 and SO_REUSEPORT listeners. */
	u->listeners++;
	u->accept_queue += m->idiag_rqueue;
	u->accept_queue_max += m->idiag_wqueue;
	p->listening[port / 64] |= 1ull << (port % 64);
	return 0;
}

static int each(const struct inet_diag_msg *m, int len, void *ctx)
{
	struct pass *p = ctx;
	__u16 lport = ntohs(m->id.idiag_sport), rport = ntohs(m->id.idiag_dport);
	struct addr_key k = { .port = rport, .family = m->idiag_family };

	(void)len;
	if (bit(p->listening, lport) && !bit(p->held, lport))
		unheld_of(p, lport)->connections++;
	if (bit(p->listening, lport) || !bit(p->wanted, rport))
		return 0;
	memcpy(k.addr, m->id.idiag_dst, m->idiag_family == AF_INET ? 4 : 16);
	if (p->n == p->cap) {
		size_t grow = p->cap ? p->cap * 2 : 1024;
		struct addr_key *keys;

		if (p->n - p->distinct >= COMPACT_AT) {
			compact(p);
			if (p->n < p->cap)
				goto add;
		}
		keys = realloc(p->keys, grow * sizeof(*keys));
		if (!keys)
			return -ENOMEM;
		p->keys = keys;
		p->cap = grow;
	}
add:
	p->keys[p->n++] = k;
	return 0;
}

/*
 * Only the sockets the pass looks at: to the rows' remote ports, or on an
 * unheld listener's port. On a server most connections are to its own
 * listeners, and the kernel then reports almost nothing.
 */
static int established_filter(struct pass *p, const struct sc_outbound_row *rows, size_t n,
			      const struct sc_served_pass *out)
{
	__u16 dports[SC_DIAG_BC_MAX_PORTS], sports[SC_DIAG_BC_MAX_PORTS];
	size_t i, nunheld = out->nunheld - p->unheld_from;

	free(p->bc);
	p->bc = NULL;
	p->skip = false;
	if (n + nunheld > SC_DIAG_BC_MAX_PORTS)
		return 0;
	p->bc = calloc(1, sizeof(*p->bc));
	if (!p->bc)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		dports[i] = rows[i].port;
	for (i = 0; i < nunheld; i++)
		sports[i] = out->unheld[p->unheld_from + i].port;
	sc_diag_bc_ports(p->bc, dports, n, sports, nunheld);
	/* Nothing to look at: no socket need be reported. */
	if (!n && !nunheld)
		p->skip = true;
	return 0;
}

/* The distinct keys of a port: adjacent, since keys sort by port first. */
static __u64 addresses_of(const struct pass *p, __u16 port)
{
	struct addr_key lo = { .port = port };
	size_t at = 0, hi = p->n, k;

	while (at < hi) {
		size_t mid = at + (hi - at) / 2;

		if (cmp_key(&p->keys[mid], &lo) < 0)
			at = mid + 1;
		else
			hi = mid;
	}
	for (k = at; k < p->n && p->keys[k].port == port; k++)
		;
	return k - at;
}

/* The pass over one namespace: its listeners, then its ESTABLISHED sockets. */
static int pass_ns(struct pass *p, const struct sc_outbound_row *rows, size_t n,
		   const struct sc_summary_port *ports, size_t nports, const struct sc_served_ns *ns)
{
	static const __u8 families[] = { AF_INET, AF_INET6 };
	struct sc_served_pass *out = p->out;
	size_t i;
	int err = 0;

	p->netns = ns->netns;
	p->unheld_from = out->nunheld;
	memset(p->held, 0, sizeof(p->held));
	for (i = 0; i < nports; i++)
		if (ports[i].netns == ns->netns)
			p->held[ports[i].port / 64] |= 1ull << (ports[i].port % 64);
	memcpy(p->listening, p->held, sizeof(p->held));
	/* Listeners first (the kernel walks the listening hash alone), so the
	 * connections on their ports are known as the second dump goes. */
	for (i = 0; !err && i < sizeof(families); i++)
		err = sc_diag_dump(ns->fd, families[i], 1u << TCP_LISTEN, 0, NULL, each_listener, p);
	if (!err && out->nunheld > p->unheld_from)
		qsort(out->unheld + p->unheld_from, out->nunheld - p->unheld_from,
		      sizeof(*out->unheld), cmp_unheld);
	if (!err)
		err = established_filter(p, rows, n, out);
	for (i = 0; !err && !p->skip && i < sizeof(families); i++)
		err = sc_diag_dump(ns->fd, families[i], 1u << TCP_ESTABLISHED, 0, p->bc, each, p);
	return err;
}

int sc_served_pass_run(struct sc_outbound_row *rows, size_t n,
		       const struct sc_summary_port *ports, size_t nports,
		       const struct sc_served_ns *ns, size_t nns, struct sc_served_pass *out)
{
	struct pass *p = calloc(1, sizeof(*p));
	size_t i;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!p)
		return -ENOMEM;
	p->out = out;
	for (i = 0; i < n; i++) {
		p->wanted[rows[i].port / 64] |= 1ull << (rows[i].port % 64);
		rows[i].addresses = 0;
	}
	for (i = 0; !err && i < nns; i++)
		err = pass_ns(p, rows, n, ports, nports, &ns[i]);
	if (!err) {
		compact(p);
		for (i = 0; i < n; i++)
			rows[i].addresses = addresses_of(p, rows[i].port);
	}
	free(p->keys);
	free(p->bc);
	free(p);
	if (err)
		sc_served_pass_free(out);
	return err;
}

void sc_served_pass_free(struct sc_served_pass *pass)
{
	free(pass->unheld);
	pass->unheld = NULL;
	pass->nunheld = 0;
}

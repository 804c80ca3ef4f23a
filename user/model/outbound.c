// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "big_alloc.h"
#include "common.h"
#include "outbound.h"

/* One kept holder (or unheld socket) of a client-side connection. */
struct entry {
	__u16 port;
	__u16 family;
	__u8 addr[16];
	size_t socket;              /* index into the snapshot's sockets */
	__u32 pid;                  /* 0: unheld */
	bool idle;
};

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
	__u64 *keys = sc_big_malloc((snap->nsockets ? snap->nsockets : 1) * sizeof(*keys));
	size_t i;

	*n = 0;
	if (!keys)
		return NULL;
	for (i = 0; i < snap->nsockets; i++)
		if (snap->sockets[i].state == TCP_LISTEN)
			keys[(*n)++] = listen_key(snap->sockets[i].netns, snap->sockets[i].lport);
	qsort(keys, *n, sizeof(*keys), cmp_u64);
	return keys;
}

static int cmp_group(const struct entry *x, const struct entry *y, bool by_addr)
{
	return CMP(x->port, y->port) ?:
	       (by_addr ? CMP(x->family, y->family) ?: memcmp(x->addr, y->addr, 16) : 0);
}

static int cmp_address(const struct entry *x, const struct entry *y)
{
	return CMP(x->family, y->family) ?: memcmp(x->addr, y->addr, 16);
}

static int cmp_by_socket(const void *a, const void *b, void *by_addr)
{
	const struct entry *x = a, *y = b;

	return cmp_group(x, y, *(bool *)by_addr) ?: CMP(x->socket, y->socket) ?: CMP(x->pid, y->pid);
}

static int cmp_by_pid(const void *a, const void *b, void *by_addr)
{
	const struct entry *x = a, *y = b;

	return cmp_group(x, y, *(bool *)by_addr) ?: CMP(x->pid, y->pid);
}

static int cmp_by_address(const void *a, const void *b, void *by_addr)
{
	const struct entry *x = a, *y = b;

	return cmp_group(x, y, *(bool *)by_addr) ?: cmp_address(x, y);
}

static int cmp_rows(const void *a, const void *b)
{
	const struct sc_outbound_row *x = a, *y = b;

	return CMP(y->connections, x->connections) ?: CMP(x->port, y->port)
		?: CMP(x->family, y->family) ?: memcmp(x->addr, y->addr, 16);
}

/* The kept holders of client-side connections. */
static struct entry *collect(const struct sc_view *v, size_t *n)
{
	const struct sc_snapshot *snap = v->snap;
	size_t i, nlisten;
	__u64 *listen = listen_keys(snap, &nlisten);
	struct entry *e = sc_big_malloc((v->nrows ? v->nrows : 1) * sizeof(*e));

	*n = 0;
	if (!listen || !e) {
		free(listen);
		free(e);
		return NULL;
	}
	for (i = 0; i < v->nrows; i++) {
		const struct sc_row *r = &v->rows[i];
		const struct sc_socket *s = r->socket;
		__u64 key = listen_key(s->netns, s->lport);

		if (s->state != TCP_ESTABLISHED ||
		    bsearch(&key, listen, nlisten, sizeof(key), cmp_u64))
			continue;
		e[*n] = (struct entry){
			.port = s->rport, .family = s->family, .socket = (size_t)(s - snap->sockets),
			.pid = r->holder ? r->holder->pid : 0, .idle = r->idle.idle,
		};
		memcpy(e[*n].addr, s->raddr, sizeof(e[*n].addr));
		(*n)++;
	}
	free(listen);
	return e;
}

int sc_outbound_group(const struct sc_view *v, bool by_addr, struct sc_outbound_row **rows,
		      size_t *n)
{
	struct sc_outbound_row *out;
	struct entry *e;
	size_t i, ne, m = 0, k;

	*rows = NULL;
	*n = 0;
	e = collect(v, &ne);
	out = e ? calloc(ne ? ne : 1, sizeof(*out)) : NULL;
	if (!out) {
		free(e);
		return -ENOMEM;
	}
	/* Connections: each socket once per group (a socket is in one group). */
	qsort_r(e, ne, sizeof(*e), cmp_by_socket, &by_addr);
	for (i = 0; i < ne; i++) {
		if (!i || cmp_group(&e[i - 1], &e[i], by_addr)) {
			out[m] = (struct sc_outbound_row){ .port = e[i].port };
			if (by_addr) {
				out[m].family = e[i].family;
				memcpy(out[m].addr, e[i].addr, sizeof(out[m].addr));
			}
			m++;
		}
		if (i && !cmp_group(&e[i - 1], &e[i], by_addr) && e[i - 1].socket == e[i].socket)
			continue;
		out[m - 1].connections++;
		out[m - 1].idle_connections += e[i].idle;
		out[m - 1].socket_memory_bytes += sc_socket_memory(&v->snap->sockets[e[i].socket]);
	}
	/* Processes: distinct holders per group; groups keep their order. */
	qsort_r(e, ne, sizeof(*e), cmp_by_pid, &by_addr);
	for (i = 0, k = 0; i < ne; i++) {
		if (i && cmp_group(&e[i - 1], &e[i], by_addr))
			k++;
		if (e[i].pid && (!i || cmp_by_pid(&e[i - 1], &e[i], &by_addr)))
			out[k].processes++;
	}
	/* Remote addresses per group. */
	qsort_r(e, ne, sizeof(*e), cmp_by_address, &by_addr);
	for (i = 0, k = 0; i < ne; i++) {
		if (i && cmp_group(&e[i - 1], &e[i], by_addr))
			k++;
		if (!i || cmp_by_address(&e[i - 1], &e[i], &by_addr))
			out[k].addresses++;
	}
	free(e);
	qsort(out, m, sizeof(*out), cmp_rows);
	*rows = out;
	*n = m;
	return 0;
}

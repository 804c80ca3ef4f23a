// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common.h"
#include "slab.h"


static const struct {
	const char *name;
	const char *cache;
	const char *btf_type;
} objs[SC_OBJ_COUNT] = {
	[SC_OBJ_TCP] = { "tcp_sock", "TCP", "tcp_sock" },
	[SC_OBJ_TCPV6] = { "tcp6_sock", "TCPv6", "tcp6_sock" },
	[SC_OBJ_TW] = { "timewait_sock", "tw_sock_TCP", "tcp_timewait_sock" },
	[SC_OBJ_TWV6] = { "timewait6_sock", "tw_sock_TCPv6", "tcp_timewait_sock" },
	/* IPv6 request sockets have no type of their own since 4.x. */
	[SC_OBJ_REQ] = { "request_sock", "request_sock_TCP", "tcp_request_sock" },
	[SC_OBJ_REQV6] = { "request6_sock", "request_sock_TCPv6", "tcp_request_sock" },
	[SC_OBJ_SOCK_INODE] = { "socket_inode", "sock_inode_cache", "socket_alloc" },
	[SC_OBJ_FILE] = { "file", "filp", "file" },
	[SC_OBJ_DENTRY] = { "dentry", "dentry", "dentry" },
	[SC_OBJ_EPITEM] = { "epoll_item", "eventpoll_epi", "epitem" },
};

const char *sc_slab_cache_name(enum sc_slab_obj o)
{
	return o < SC_OBJ_COUNT ? objs[o].cache : "?";
}

const char *sc_slab_btf_type(enum sc_slab_obj o)
{
	return o < SC_OBJ_COUNT ? objs[o].btf_type : "?";
}

const char *sc_slab_obj_name(enum sc_slab_obj o)
{
	return o < SC_OBJ_COUNT ? objs[o].name : "?";
}

const char *sc_size_source_name(enum sc_size_source s)
{
	switch (s) {
	case SC_SIZE_SLABINFO:
		return "slabinfo";
	case SC_SIZE_BTF:
		return "btf";
	default:
		return "unknown";
	}
}

int sc_slabinfo_parse_line(const char *line, struct sc_slabinfo_row *row)
{
	unsigned long long active, num;
	unsigned objsize, perslab, pages;
	int name_end = 0;

	if (!line[0] || line[0] == '#' || !strncmp(line, "slabinfo -", 10))
		return -EINVAL;
	/* name active_objs num_objs objsize objperslab pagesperslab : tunables ... */
	if (sscanf(line, "%*63s%n %llu %llu %u %u %u", &name_end, &active, &num, &objsize,
		   &perslab, &pages) != 5 || name_end <= 0 || name_end >= (int)sizeof(row->name))
		return -EINVAL;
	memcpy(row->name, line, (size_t)name_end);
	row->name[name_end] = '\0';
	row->active_objs = active;
	row->num_objs = num;
	row->objsize = objsize;
	row->objperslab = perslab;
	row->pagesperslab = pages;
	return 0;
}

/* Calls fn for each data line of slabinfo text; -1 if the text is not version 2.x. */
static int for_each_row(const char *text, void (*fn)(const struct sc_slabinfo_row *, void *),
			void *arg)
{
	const char *p = text;
	char line[512];

	if (strncmp(text, "slabinfo - version: 2.", 22))
		return -EINVAL;
	while (*p) {
		size_t n = strcspn(p, "\n");
		struct sc_slabinfo_row row;

		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (!sc_slabinfo_parse_line(line, &row))
				fn(&row, arg);
		}
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

struct size_walk {
	struct sc_slab_sizes *s;
	int found;
};

static void take_size(const struct sc_slabinfo_row *row, void *arg)
{
	struct size_walk *w = arg;
	int o;

	for (o = 0; o < SC_OBJ_COUNT; o++) {
		if (strcmp(row->name, objs[o].cache))
			continue;
		w->s->obj[o].bytes = row->objsize;
		w->s->obj[o].source = SC_SIZE_SLABINFO;
		w->found++;
	}
}

int sc_slab_sizes_from_slabinfo(struct sc_slab_sizes *s, const char *text)
{
	struct size_walk w = { .s = s };

	if (for_each_row(text, take_size, &w))
		return -EINVAL;
	return w.found;
}

struct bytes_walk {
	const char *const *caches;
	size_t ncaches;
	__u64 bytes;
};

static void add_bytes(const struct sc_slabinfo_row *row, void *arg)
{
	struct bytes_walk *w = arg;
	size_t i;

	for (i = 0; i < w->ncaches; i++)
		if (!strcmp(row->name, w->caches[i]))
			w->bytes += row->active_objs * row->objsize;
}

__u64 sc_slabinfo_active_bytes(const char *text, const char *const *caches, size_t ncaches)
{
	struct bytes_walk w = { .caches = caches, .ncaches = ncaches };

	for_each_row(text, add_bytes, &w);
	return w.bytes;
}

__u64 sc_slab_socket_fixed(const struct sc_slab_sizes *s, const struct sc_socket_shape *shape)
{
	bool v6 = shape->family == AF_INET6;
	enum sc_slab_obj sock;
	__u64 bytes;

	if (shape->state == TCP_TIME_WAIT)
		sock = v6 ? SC_OBJ_TWV6 : SC_OBJ_TW;
	else if (shape->state == SC_TCP_NEW_SYN_RECV)
		sock = v6 ? SC_OBJ_REQV6 : SC_OBJ_REQ;
	else
		sock = v6 ? SC_OBJ_TCPV6 : SC_OBJ_TCP;
	bytes = s->obj[sock].bytes;
	/* Time-wait and request sockets never have a file. */
	if (shape->has_file && sock != SC_OBJ_TW && sock != SC_OBJ_TWV6 &&
	    sock != SC_OBJ_REQ && sock != SC_OBJ_REQV6)
		bytes += s->obj[SC_OBJ_SOCK_INODE].bytes + s->obj[SC_OBJ_FILE].bytes +
			 s->obj[SC_OBJ_DENTRY].bytes;
	if (shape->has_file && shape->epoll)
		bytes += s->obj[SC_OBJ_EPITEM].bytes;
	return bytes;
}

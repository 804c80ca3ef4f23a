// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include "common.h"
#include "diag_dump.h"

#include "listen_diag.h"

int sc_listen_diag_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	return fd < 0 ? -errno : fd;
}

struct listen_out {
	struct sc_listen_stat *v;
	size_t n, cap;
};

static int push(const struct inet_diag_msg *m, int len, void *ctx)
{
	struct listen_out *o = ctx;
	const struct rtattr *a;
	struct sc_listen_stat s = {
		.cookie = (__u64)m->id.idiag_cookie[0] | (__u64)m->id.idiag_cookie[1] << 32,
		.backlog = m->idiag_rqueue, .max_backlog = m->idiag_wqueue,
	};

	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == INET_DIAG_SKMEMINFO &&
		    RTA_PAYLOAD(a) >= (int)((SK_MEMINFO_DROPS + 1) * sizeof(__u32)))
			s.drops = ((const __u32 *)RTA_DATA(a))[SK_MEMINFO_DROPS];
	if (o->n == o->cap) {
		size_t grow = o->cap ? o->cap * 2 : 64;
		struct sc_listen_stat *p = realloc(o->v, grow * sizeof(*p));

		if (!p)
			return -ENOMEM;
		o->v = p;
		o->cap = grow;
	}
	o->v[o->n++] = s;
	return 0;
}

int sc_listen_diag_dump(int fd, struct sc_listen_stat **out, size_t *n)
{
	static const __u8 families[] = { AF_INET, AF_INET6 };
	struct listen_out o = { 0 };
	size_t i;
	int err = 0;

	for (i = 0; !err && i < sizeof(families); i++)
		err = sc_diag_dump(fd, families[i], 1u << TCP_LISTEN,
				   1u << (INET_DIAG_SKMEMINFO - 1), NULL, push, &o);
	if (err) {
		free(o.v);
		o.v = NULL;
		o.n = 0;
	}
	*out = o.v;
	*n = o.n;
	return err;
}

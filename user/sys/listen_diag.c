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

#include "listen_diag.h"

int sc_listen_diag_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	return fd < 0 ? -errno : fd;
}

static int request(int fd, __u8 family, __u32 seq)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 r;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = seq },
		.r = { .sdiag_family = family, .sdiag_protocol = IPPROTO_TCP,
		       .idiag_states = 1u << TCP_LISTEN,
		       .idiag_ext = 1u << (INET_DIAG_SKMEMINFO - 1) },
	};
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };

	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0)
		return -errno;
	return 0;
}

static int push(struct sc_listen_stat **out, size_t *n, size_t *cap, const struct nlmsghdr *h)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*m));
	const struct rtattr *a;
	struct sc_listen_stat s;

	if (len < 0)
		return -EPROTO;
	s = (struct sc_listen_stat){
		.cookie = (__u64)m->id.idiag_cookie[0] | (__u64)m->id.idiag_cookie[1] << 32,
		.backlog = m->idiag_rqueue, .max_backlog = m->idiag_wqueue,
	};
	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == INET_DIAG_SKMEMINFO &&
		    RTA_PAYLOAD(a) >= (int)((SK_MEMINFO_DROPS + 1) * sizeof(__u32)))
			s.drops = ((const __u32 *)RTA_DATA(a))[SK_MEMINFO_DROPS];
	if (*n == *cap) {
		size_t grow = *cap ? *cap * 2 : 64;
		struct sc_listen_stat *p = realloc(*out, grow * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*out = p;
		*cap = grow;
	}
	(*out)[(*n)++] = s;
	return 0;
}

/*
 * Reads one dump to its NLMSG_DONE. Messages of another sequence number are
 * an earlier dump's that was cut short: skipped.
 */
static int receive(int fd, __u32 seq, struct sc_listen_stat **out, size_t *n, size_t *cap)
{
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	const struct nlmsghdr *h;
	ssize_t got;
	int len, err;

	for (;;) {
		got = recvmsg(fd, &msg, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!got)
			return -EPROTO;
		if (msg.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		len = (int)got;
		for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				/* A dump that failed part-way says so here. */
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) &&
				    *(const int *)NLMSG_DATA(h) < 0)
					return *(const int *)NLMSG_DATA(h);
				return 0;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO;
				return e->error ? e->error : -EPROTO;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
				continue;
			err = push(out, n, cap, h);
			if (err)
				return err;
		}
	}
}

int sc_listen_diag_dump(int fd, struct sc_listen_stat **out, size_t *n)
{
	static const __u8 families[] = { AF_INET, AF_INET6 };
	static _Atomic __u32 next_seq = 1;
	size_t i, cap = 0;
	__u32 seq;
	int err = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; !err && i < sizeof(families); i++) {
		seq = next_seq++;
		err = request(fd, families[i], seq);
		if (!err)
			err = receive(fd, seq, out, n, &cap);
	}
	if (err) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return err;
}

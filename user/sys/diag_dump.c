// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include "diag_dump.h"

static int request(int fd, __u8 family, __u32 states, __u8 ext, __u32 seq)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 r;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = seq },
		.r = { .sdiag_family = family, .sdiag_protocol = IPPROTO_TCP,
		       .idiag_states = states, .idiag_ext = ext },
	};
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };

	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0)
		return -errno;
	return 0;
}

/* Reads one dump to its NLMSG_DONE. */
static int receive(int fd, __u32 seq, sc_diag_each each, void *ctx)
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
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				return -EPROTO;
			err = each(NLMSG_DATA(h),
				   (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(struct inet_diag_msg)),
				   ctx);
			if (err)
				return err;
		}
	}
}

int sc_diag_dump(int fd, __u8 family, __u32 states, __u8 ext, sc_diag_each each, void *ctx)
{
	static _Atomic __u32 next_seq = 1;
	__u32 seq = next_seq++;
	int err = request(fd, family, states, ext, seq);

	return err ? err : receive(fd, seq, each, ctx);
}

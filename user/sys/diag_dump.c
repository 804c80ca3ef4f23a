// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include "diag_dump.h"

static int request(int fd, __u8 family, __u32 states, __u8 ext,
		   const struct sc_diag_bc *bc, __u32 seq)
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
	struct rtattr attr = { .rta_type = INET_DIAG_REQ_BYTECODE };
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	struct iovec iov[3] = { { .iov_base = &req, .iov_len = sizeof(req) } };
	struct msghdr msg = { .msg_name = &nl, .msg_namelen = sizeof(nl), .msg_iov = iov,
			      .msg_iovlen = 1 };

	if (bc && bc->len) {
		attr.rta_len = (unsigned short)RTA_LENGTH(bc->len);
		req.nh.nlmsg_len += RTA_SPACE(bc->len);
		iov[1] = (struct iovec){ .iov_base = &attr, .iov_len = sizeof(attr) };
		iov[2] = (struct iovec){ .iov_base = (void *)bc->ops, .iov_len = bc->len };
		msg.msg_iovlen = 3;
	}
	if (sendmsg(fd, &msg, 0) < 0)
		return -errno;
	return 0;
}

/*
 * One condition of an "any of" chain: the condition (two ops), then a jump.
 * The kernel's audit follows every op's yes in a line and wants each no to
 * land on one of them (or on the end, or 4 past it: drop), so a condition
 * that holds goes on to its jump, which always takes its no, to the end:
 * keep; one that fails skips its jump to the next condition, the last one
 * past the end.
 */
static void bc_cond(struct sc_diag_bc *bc, __u8 code, __u16 port, size_t i, size_t n)
{
	struct inet_diag_bc_op *op = &bc->ops[3 * i];
	size_t left = 12 * (n - i);          /* bytes from this condition to the end */

	op[0] = (struct inet_diag_bc_op){ .code = code, .yes = 8,
					  .no = (__u16)(i + 1 < n ? 12 : 16) };
	op[1] = (struct inet_diag_bc_op){ .no = port };
	op[2] = (struct inet_diag_bc_op){ .code = INET_DIAG_BC_JMP, .yes = 4,
					  .no = (__u16)(left - 8) };
}

void sc_diag_bc_ports(struct sc_diag_bc *bc, const __u16 *dports, size_t nd,
		      const __u16 *sports, size_t ns)
{
	size_t i, n = nd + ns;

	bc->len = 0;
	if (!n || n > SC_DIAG_BC_MAX_PORTS)
		return;
	for (i = 0; i < nd; i++)
		bc_cond(bc, INET_DIAG_BC_D_EQ, dports[i], i, n);
	for (i = 0; i < ns; i++)
		bc_cond(bc, INET_DIAG_BC_S_EQ, sports[i], nd + i, n);
	bc->len = 12 * n;
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

int sc_diag_dump(int fd, __u8 family, __u32 states, __u8 ext, const struct sc_diag_bc *bc,
		 sc_diag_each each, void *ctx)
{
	static _Atomic __u32 next_seq = 1;
	__u32 seq = next_seq++;
	int err = request(fd, family, states, ext, bc, seq);

	return err ? err : receive(fd, seq, each, ctx);
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "common.h"
#include "diag_destroy.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

/* The kernel's answer to one request sent with NLM_F_ACK: its error field. */
static int ack(int fd, __u32 seq)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	const struct nlmsghdr *h;
	ssize_t got;
	int len;

	for (;;) {
		got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		len = (int)got;
		for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			/* Another request's late reply (one cut short before): skipped. */
			if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EPROTO;
			return e->error;
		}
	}
}

static int destroy(int fd, __u16 family, const __u8 laddr[16], __u16 lport,
		   const __u8 raddr[16], __u16 rport, __u64 cookie)
{
	static __u32 next_seq = 1;
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 r;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DESTROY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK, .nlmsg_seq = next_seq++ },
		.r = { .sdiag_family = (__u8)family, .sdiag_protocol = IPPROTO_TCP,
		       .idiag_states = ~0u,
		       .id = { .idiag_sport = htons(lport), .idiag_dport = htons(rport),
			       .idiag_cookie = { (__u32)cookie, (__u32)(cookie >> 32) } } },
	};
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	size_t alen = family == AF_INET6 ? 16 : 4;

	memcpy(req.r.id.idiag_src, laddr, alen);
	memcpy(req.r.id.idiag_dst, raddr, alen);
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0)
		return -errno;
	return ack(fd, req.nh.nlmsg_seq);
}

int sc_diag_destroy(int fd, const struct sc_socket *s)
{
	return destroy(fd, s->family, s->laddr, s->lport, s->raddr, s->rport, s->cookie);
}

int sc_diag_destroy_probe(int fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a), clen = sizeof(__u64);
	__u8 addr[16] = { 0 }, none[16] = { 0 };
	__u64 cookie = 0;
	int l, err;

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -errno;
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &alen) ||
	    getsockopt(l, SOL_SOCKET, SO_COOKIE, &cookie, &clen)) {
		err = -errno;
		close(l);
		return err;
	}
	memcpy(addr, &a.sin_addr, 4);
	err = destroy(fd, AF_INET, addr, ntohs(a.sin_port), none, 0, cookie);
	close(l);
	return err;
}

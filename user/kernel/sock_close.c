// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "diag_destroy.h"
#include "force.h"
#include "listen_diag.h"
#include "log.h"
#include "netns.h"
#include "sock_close.h"
#include "sock_destroy.h"
#include "sock_destroy.skel.h"
#include "vmlinux_btf.h"

struct sc_closer {
	enum sc_close_method method;
	struct sc_sock_destroy *skel;   /* bpf */
	struct bpf_link *link;
};

static int bpf_available(char *why, size_t len)
{
	int id;

	if (sc_forced("no-sock-destroy")) {
		snprintf(why, len, "bpf_sock_destroy is switched off (SOCKCOST_TEST_FORCE)");
		return -EOPNOTSUPP;
	}
	id = sc_vmlinux_func_id("bpf_sock_destroy");
	if (id > 0)
		return 0;
	snprintf(why, len, "the kernel has no bpf_sock_destroy kfunc in its BTF (Linux 6.5+)");
	return -EOPNOTSUPP;
}

static int diag_available(char *why, size_t len)
{
	int fd, err;

	if (sc_forced("no-diag-destroy")) {
		snprintf(why, len, "sock_diag SOCK_DESTROY is switched off (SOCKCOST_TEST_FORCE)");
		return -EOPNOTSUPP;
	}
	fd = sc_listen_diag_open();
	if (fd < 0) {
		snprintf(why, len, "no sock_diag netlink socket: %s", strerror(-fd));
		return -EOPNOTSUPP;
	}
	err = sc_diag_destroy_probe(fd);
	close(fd);
	if (!err)
		return 0;
	if (err == -EOPNOTSUPP)
		snprintf(why, len, "sock_diag cannot destroy sockets (the kernel lacks "
			 "CONFIG_INET_DIAG_DESTROY)");
	else if (err == -ENOENT)
		snprintf(why, len, "the kernel has no TCP sock_diag (CONFIG_INET_DIAG, tcp_diag)");
	else
		snprintf(why, len, "sock_diag SOCK_DESTROY failed: %s", strerror(-err));
	return -EOPNOTSUPP;
}

int sc_close_choose(enum sc_close_method want, enum sc_close_method *got, char *why,
		    size_t len)
{
	char bpf_why[160] = "", diag_why[160] = "";

	if (want != SC_CLOSE_DIAG && !bpf_available(bpf_why, sizeof(bpf_why))) {
		*got = SC_CLOSE_BPF;
		return 0;
	}
	if (want == SC_CLOSE_BPF) {
		snprintf(why, len, "--method bpf: %s", bpf_why);
		return -EOPNOTSUPP;
	}
	if (!diag_available(diag_why, sizeof(diag_why))) {
		*got = SC_CLOSE_DIAG;
		sc_debug("closing by sock_diag SOCK_DESTROY%s%s", *bpf_why ? ": " : "", bpf_why);
		return 0;
	}
	if (want == SC_CLOSE_DIAG)
		snprintf(why, len, "--method diag: %s", diag_why);
	else
		snprintf(why, len, "this kernel can close no socket: %s; %s", bpf_why, diag_why);
	return -EOPNOTSUPP;
}

static int bpf_open(struct sc_closer *c, size_t max, char *why, size_t len)
{
	int err;

	c->skel = sc_sock_destroy__open();
	if (!c->skel) {
		snprintf(why, len, "cannot open the sock_destroy program: %s", strerror(errno));
		return -errno;
	}
	err = bpf_map__set_max_entries(c->skel->maps.sc_destroy_cookies, (__u32)(max ? max : 1));
	if (!err)
		err = sc_sock_destroy__load(c->skel);
	if (err) {
		snprintf(why, len, "cannot load the sock_destroy program: %s", strerror(-err));
		return err;
	}
	c->link = bpf_program__attach_iter(c->skel->progs.sc_destroy_tcp, NULL);
	if (!c->link) {
		err = -errno;
		snprintf(why, len, "cannot attach the sock_destroy iterator: %s", strerror(-err));
		return err;
	}
	return 0;
}

struct sc_closer *sc_closer_open(enum sc_close_method m, size_t max, char *why, size_t len)
{
	struct sc_closer *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	c->method = m;
	if (m == SC_CLOSE_BPF && bpf_open(c, max, why, len)) {
		sc_closer_free(c);
		return NULL;
	}
	return c;
}

void sc_closer_free(struct sc_closer *c)
{
	if (!c)
		return;
	bpf_link__destroy(c->link);
	sc_sock_destroy__destroy(c->skel);
	free(c);
}

/* One iter/tcp walk of the caller's namespace: the program aborts the cookies it meets. */
static int bpf_walk(struct sc_closer *c)
{
	char buf[4096];
	ssize_t got;
	int fd = bpf_iter_create(bpf_link__fd(c->link)), err = 0;

	if (fd < 0)
		return -errno;
	while ((got = read(fd, buf, sizeof(buf))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			break;
		}
	}
	close(fd);
	return err;
}

/* Aborts the targets of the caller's namespace, ns; their results set. */
static void abort_here(struct sc_closer *c, struct sc_close_target *t, size_t n, __u32 ns)
{
	int fd = -1, err = 0;
	size_t i;

	if (c->method == SC_CLOSE_BPF)
		err = bpf_walk(c);
	else
		fd = err = sc_listen_diag_open();
	for (i = 0; i < n; i++) {
		if (t[i].row->socket->netns != ns || t[i].result != SC_CLOSE_PENDING)
			continue;
		if (err < 0)
			t[i].result = err;
		else if (c->method == SC_CLOSE_DIAG)
			t[i].result = sc_diag_destroy(fd, t[i].row->socket);
	}
	if (fd >= 0)
		close(fd);
}

/* The bpf walks' results, from the cookies' slots. */
static void bpf_results(struct sc_closer *c, struct sc_close_target *t, size_t n)
{
	int map = bpf_map__fd(c->skel->maps.sc_destroy_cookies);
	struct sc_destroy_slot slot;
	size_t i;

	for (i = 0; i < n; i++) {
		__u64 cookie = t[i].row->socket->cookie;

		if (bpf_map_lookup_elem(map, &cookie, &slot))
			t[i].result = -errno;
		else if (t[i].result == SC_CLOSE_PENDING)
			t[i].result = slot.met ? slot.result : -ENOENT;
		bpf_map_delete_elem(map, &cookie);
	}
}

static int bpf_fill(struct sc_closer *c, struct sc_close_target *t, size_t n)
{
	int map = bpf_map__fd(c->skel->maps.sc_destroy_cookies);
	struct sc_destroy_slot slot = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		__u64 cookie = t[i].row->socket->cookie;

		if (bpf_map_update_elem(map, &cookie, &slot, BPF_ANY))
			return -errno;
	}
	return 0;
}

int sc_closer_run(struct sc_closer *c, struct sc_close_target *t, size_t n)
{
	__u32 self = sc_netns_self();
	size_t i, j;
	int err, restore;

	for (i = 0; i < n; i++)
		t[i].result = SC_CLOSE_PENDING;
	if (c->method == SC_CLOSE_BPF) {
		err = bpf_fill(c, t, n);
		if (err) {
			for (i = 0; i < n; i++)
				t[i].result = err;
			return 0;
		}
	}
	for (i = 0; i < n; i++) {
		const struct sc_close_target *first = &t[i];
		__u32 ns = first->row->socket->netns;

		if (first->result != SC_CLOSE_PENDING)
			continue;
		for (j = 0; j < i && t[j].row->socket->netns != ns; j++)
			;
		if (j < i)
			continue; /* its namespace was done with an earlier target's */
		if (ns == self) {
			abort_here(c, t, n, ns);
			continue;
		}
		err = sc_netns_enter(first->row->holder->pid, first->row->holder->pid,
				     first->row->holder->fd, ns, &restore);
		if (err) {
			for (j = i; j < n; j++)
				if (t[j].row->socket->netns == ns)
					t[j].result = err;
			continue;
		}
		abort_here(c, t, n, ns);
		err = sc_netns_leave(restore);
		if (err) {
			sc_err("cannot return to sockcost's network namespace: %s", strerror(-err));
			return err;
		}
	}
	if (c->method == SC_CLOSE_BPF)
		bpf_results(c, t, n);
	return 0;
}

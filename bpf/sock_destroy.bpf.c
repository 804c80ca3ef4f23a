// SPDX-License-Identifier: GPL-2.0
/*
 * iter/tcp: aborts the sockets whose cookies userspace put in
 * sc_destroy_cookies (sock_destroy.h). The TCP iterator holds each full
 * socket's lock while the program runs, which bpf_sock_destroy() needs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "sock_destroy.h"

#define EINVAL 22

/* Linux 6.5+; userspace checks the kernel's BTF for it before loading this. */
extern int bpf_sock_destroy(struct sock_common *sk) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* set to the run's sockets before loading */
	__type(key, __u64);
	__type(value, struct sc_destroy_slot);
} sc_destroy_cookies SEC(".maps");

SEC("iter/tcp")
int sc_destroy_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct sc_destroy_slot *slot;
	__u64 cookie;

	if (!skc)
		return 0;
	cookie = bpf_get_socket_cookie(skc);
	slot = bpf_map_lookup_elem(&sc_destroy_cookies, &cookie);
	if (!slot || slot->met)
		return 0;
	slot->met = 1;
	/* Userspace never asks for a listener; a reused cookie cannot make one go either. */
	if (skc->skc_state == TCP_LISTEN) {
		slot->result = -EINVAL;
		return 0;
	}
	slot->result = bpf_sock_destroy(skc);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

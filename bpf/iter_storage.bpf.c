// SPDX-License-Identifier: GPL-2.0
/*
 * iter/bpf_sk_storage_map over sc_sock_states: one socket cookie per
 * storage record, so userspace can count what the map holds (a leak check
 * that does not trust the free-with-the-socket rule).
 */
#include "common.bpf.h"
#include "maps.bpf.h"

SEC("iter/bpf_sk_storage_map")
int sc_iter_storage(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct sock *sk = ctx->sk;
	__u64 cookie;

	if (!sk || !ctx->value)
		return 0;
	cookie = bpf_get_socket_cookie(sk);
	bpf_seq_write(ctx->meta->seq, &cookie, sizeof(cookie));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

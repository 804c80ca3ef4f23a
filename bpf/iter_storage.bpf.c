// SPDX-License-Identifier: GPL-2.0
/*
 * iter/bpf_sk_storage_map over sc_sock_states: how many storage records the
 * map holds (a leak check that does not trust the free-with-the-socket rule).
 *
 * Nothing is written per record: the map has a bucket per CPU, and each
 * time a read() fills the seq buffer the kernel resumes by skipping from the
 * head of the bucket, so output per record would make a pass quadratic
 * (1.2 s at 200K records). The count is the number of records shown, written
 * once by the final call, which has no socket.
 */
#include "common.bpf.h"
#include "maps.bpf.h"

SEC("iter/bpf_sk_storage_map")
int sc_iter_storage(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	__u64 count = ctx->meta->seq_num;

	if (!ctx->sk)
		bpf_seq_write(ctx->meta->seq, &count, sizeof(count));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

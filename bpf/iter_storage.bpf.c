// SPDX-License-Identifier: GPL-2.0
/*
 * iter/bpf_sk_storage_map over sc_sock_states: how many storage records the
 * map holds (a leak check that does not trust the free-with-the-socket rule).
 *
 * Nothing is written per record: the map has a bucket per CPU, and each
 * time a read() fills the seq buffer the kernel resumes by skipping from the
 * head of the bucket, so output per record would make a pass quadratic
 * (1.2 s at 200K records). The count is written once, by the final call,
 * which has no socket: there seq_num is the last record's number (records
 * count from 0), so n records end at n - 1, and one record and none both end
 * at 0. A record call marks its session, and the final call adds the one.
 */
#include "common.bpf.h"
#include "maps.bpf.h"

/* The last session that showed a record (a reader's read()s share one session). */
__u64 sc_storage_session;

SEC("iter/bpf_sk_storage_map")
int sc_iter_storage(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	__u64 count;

	if (ctx->sk) {
		sc_storage_session = ctx->meta->session_id;
		return 0;
	}
	count = sc_storage_session == ctx->meta->session_id ? ctx->meta->seq_num + 1 : 0;
	bpf_seq_write(ctx->meta->seq, &count, sizeof(count));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * iter/tcp: one sc_tcp_record per TCP socket (IPv4 and IPv6, every state)
 * of the network namespace the iterator was created in.
 */
#include "common.bpf.h"
#include "tcp_record.bpf.h"
#include "walk_filter.bpf.h"

/* A socket the file walk found without a cookie is asked for by inode. */
static __always_inline bool wanted_inode(struct sock_common *skc, struct sc_walk_cookie *key)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(skc);
	__u32 inode;

	if (!tp)
		return false;
	inode = sc_sock_inode((struct sock *)tp);
	if (!inode)
		return false;
	key->cookie = SC_WALK_INODE_KEY | inode;
	return bpf_map_lookup_elem(&sc_walk_cookies, key);
}

/*
 * Whether the reader's filter (if any) wants the socket; one it does not
 * is counted, so the host's established counts stay whole.
 */
static __always_inline bool wanted(struct sock_common *skc)
{
	struct sc_walk_filter *f = sc_walk_filter_mine();
	struct sc_walk_cookie key = {};

	if (!f)
		return true;
	if (f->flags & SC_WALK_TCP_PORT && skc->skc_num != f->port)
		goto skip;
	/* Listeners too: cost sums drops over every listener of a port (SO_REUSEPORT). */
	if (f->flags & SC_WALK_COOKIES && skc->skc_state != TCP_LISTEN) {
		key.cookie = bpf_get_socket_cookie(skc);
		key.reader_tgid = bpf_get_current_pid_tgid() >> 32;
		if (!bpf_map_lookup_elem(&sc_walk_cookies, &key) && !wanted_inode(skc, &key))
			goto skip;
	}
	return true;
skip:
	/*
	 * Plain adds: one thread of the reader walks TCP at a time. Its file walk
	 * runs beside it on another thread, but writes only skipped_files and
	 * last_* of the same entry, never these.
	 */
	if (skc->skc_state == TCP_ESTABLISHED)
		f->skipped_established[skc->skc_family == AF_INET6]++;
	f->skipped_sockets++;
	return false;
}

SEC("iter/tcp")
int sc_iter_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct sc_tcp_record rec = {};

	if (!skc)
		return 0;

	if (!wanted(skc))
		return 0;
	rec.cookie = bpf_get_socket_cookie(skc);
	sc_tcp_record_fill(&rec, skc);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SOCKCOST_COMMON_BPF_H
#define SOCKCOST_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "sockcost.h"

/* Not in vmlinux.h: these are #defines in the kernel. */
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define MSG_PEEK 0x2

static __always_inline int sc_is_tcp(const struct sock *sk)
{
	return sk->sk_protocol == IPPROTO_TCP && sk->sk_type == SOCK_STREAM;
}

/*
 * The socket's inode number, as sock_i_ino() reads it (the inode sits right
 * after the socket in struct socket_alloc); 0 for a socket with no file.
 * CO-RE reads: they take any pointer, a file walk's untrusted one too.
 */
static __always_inline __u32 sc_sock_inode(const struct sock *sk)
{
	struct socket *so = BPF_CORE_READ(sk, sk_socket);

	return so ? (__u32)BPF_CORE_READ((struct socket_alloc *)so, vfs_inode.i_ino) : 0;
}

#endif /* SOCKCOST_COMMON_BPF_H */

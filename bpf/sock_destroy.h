/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SOCKCOST_SOCK_DESTROY_H
#define SOCKCOST_SOCK_DESTROY_H

/*
 * `sockcost close --method bpf`: userspace puts the cookies of the sockets
 * to abort in sc_destroy_cookies, one slot each, then walks iter/tcp in each
 * of their network namespaces; the program aborts the sockets it meets with
 * bpf_sock_destroy() and writes the result into the slot. Its own object
 * and skeleton, never part of sockcost.bpf.o: the kfunc exists from 6.5,
 * and kernels without it must still load the tracker's programs.
 */
struct sc_destroy_slot {
	__s32 result;   /* bpf_sock_destroy()'s: 0 or a negative errno */
	__u32 met;      /* set when the walk met the socket */
};

#endif /* SOCKCOST_SOCK_DESTROY_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SOCK_CLOSE_H
#define SC_SOCK_CLOSE_H

#include <stddef.h>

#include "close_plan.h"

/*
 * Aborting connections for `sockcost close`. The ways, best first:
 * bpf_sock_destroy() from an iter/tcp program (Linux 6.5+; its kfunc is
 * looked up in the kernel's BTF before loading) and the sock_diag
 * SOCK_DESTROY request (CONFIG_INET_DIAG_DESTROY). Both reach only the
 * network namespace they run in: each target's is entered through its
 * holder's fd. SOCKCOST_TEST_FORCE=no-sock-destroy or no-diag-destroy
 * (force.h) makes either unavailable, so tests take the other path.
 */
struct sc_closer;

/*
 * The method want names if this kernel has it; for SC_CLOSE_AUTO the best
 * it has. Sets *got and returns 0, or returns -EOPNOTSUPP with why (one
 * line) naming what is missing. Loads nothing.
 */
int sc_close_choose(enum sc_close_method want, enum sc_close_method *got, char *why,
		    size_t len);

/*
 * Ready to abort up to max sockets with method m (as sc_close_choose gave):
 * for bpf, the program loaded and attached. NULL with why on failure.
 */
struct sc_closer *sc_closer_open(enum sc_close_method m, size_t max, char *why, size_t len);

/*
 * Aborts the targets, setting each one's result (-ENOENT: not found, gone
 * before). Returns 0, or a negative errno when sockcost could not return to
 * its own network namespace (then nothing more should be done).
 */
int sc_closer_run(struct sc_closer *c, struct sc_close_target *targets, size_t n);
void sc_closer_free(struct sc_closer *c);

#endif /* SC_SOCK_CLOSE_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_FORCE_H
#define SC_FORCE_H

#include <stdbool.h>

/*
 * Test-only: SOCKCOST_TEST_FORCE=WORD[,WORD...] makes sockcost take a
 * fallback path this kernel would not need, so the suite exercises it on
 * any kernel. Words:
 *   no-hook    no per-call activity hook (kernel timestamps only)
 *   proc-fds   fds per process from /proc/PID/fd, as without bpf_loop
 *   hz-jiffies HZ from jiffies_64, as without a kernel config
 *   no-pushdown  --pid/--port are not pushed into the walks (the view filters)
 *   no-iter-pid  the programs skip other processes, as without the iterators'
 *                pid option (before 6.1)
 *   no-sock-destroy  close has no bpf_sock_destroy kfunc, as before 6.5
 *                (auto takes sock_diag SOCK_DESTROY)
 *   no-diag-destroy  close cannot use sock_diag SOCK_DESTROY, as without
 *                CONFIG_INET_DIAG_DESTROY
 *   change-budget  sockcostd's budget for applying changes is exceeded by
 *                any change, judged every 2 s, as on a busy host: the gap
 *                between an active socket's reports widens
 *   upgrade-overlap  an upgrade of pinned programs keeps the old build's
 *                attached a second after the new build's attach (instead
 *                of milliseconds): both run on every event meanwhile
 * Unknown words are ignored. Not for production use.
 */
bool sc_forced(const char *word);

#endif /* SC_FORCE_H */

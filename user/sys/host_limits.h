/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_HOST_LIMITS_H
#define SC_HOST_LIMITS_H

#include "cost.h"

/*
 * Host-wide limits on connections, from /proc: fs.file-max against the
 * files allocated (fs.file-nr), fs.nr_open, and net.ipv4.tcp_mem's pressure
 * threshold against the TCP memory in use (/proc/net/sockstat), both in
 * pages there. What cannot be read stays unknown (has_* false).
 */
void sc_host_limits_read(struct sc_cost_host_input *h);

#endif /* SC_HOST_LIMITS_H */

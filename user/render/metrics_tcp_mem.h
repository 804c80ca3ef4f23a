/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_METRICS_TCP_MEM_H
#define SC_METRICS_TCP_MEM_H

#include <stdio.h>

#include "tcp_mem.h"

/*
 * The families sockcost_tcp_mem_limit_bytes{threshold="min|pressure|max"}
 * and sockcost_tcp_mem_used_bytes: the kernel's pages times its page size,
 * in bytes as Prometheus names base units; one over the other is still the
 * ratio the kernel compares.
 */
void sc_metrics_tcp_mem(FILE *out, const struct sc_tcp_mem *m);

#endif /* SC_METRICS_TCP_MEM_H */

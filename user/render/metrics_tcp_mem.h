/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_METRICS_TCP_MEM_H
#define SC_METRICS_TCP_MEM_H

#include <stdio.h>

#include "tcp_mem.h"

/*
 * The families sockcost_tcp_mem_pages{threshold="min|pressure|max"} and
 * sockcost_tcp_mem_used_pages, in pages as the kernel compares them, so
 * an alert divides one by the other without knowing the page size.
 */
void sc_metrics_tcp_mem(FILE *out, const struct sc_tcp_mem *m);

#endif /* SC_METRICS_TCP_MEM_H */

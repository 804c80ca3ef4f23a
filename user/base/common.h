/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_COMMON_H
#define SC_COMMON_H

/*
 * Definitions every layer shares. TCP state numbers come from
 * <netinet/tcp.h> (the kernel's own values); sockcost.h's
 * sc_tcp_connected() is the one "connected states" set for both sides.
 */
#include <linux/types.h>
#include <netinet/tcp.h>
#include <string.h>

#include "sockcost.h"

/* Every TCP port number, for tables indexed by port. */
#define SC_NPORTS 65536

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Three-way comparison for qsort and merges: -1, 0 or 1, never an overflowing difference. */
#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

/* Exit codes of every command and of sockcostd: 0, or one line on stderr and these. */
#define SC_EXIT_RUNTIME 1 /* failed while running (no privileges, kernel, I/O) */
#define SC_EXIT_USAGE 2   /* bad arguments */

/*
 * The line after line in NUL-terminated text; NULL after the last. (Not
 * strchr's result plus one: NULL plus anything is undefined behaviour.)
 */
static inline const char *sc_next_line(const char *line)
{
	const char *nl = strchr(line, '\n');

	return nl ? nl + 1 : NULL;
}

/* A request socket's state in the kernel, absent from <netinet/tcp.h> (not a user-visible state). */
#define SC_TCP_NEW_SYN_RECV 12

#endif /* SC_COMMON_H */

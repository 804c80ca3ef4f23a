/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_WALK_JOIN_H
#define SC_WALK_JOIN_H

#include <stddef.h>

#include "common.h"

/*
 * Joins on the socket's inode what a file walk read of a socket with what a
 * walk of its namespace read: the file walks use plain loads only (newer
 * kernels refuse helpers on a socket reached from a file), so their cookie
 * is 0 for a socket nothing had asked one for, and the watch state is not
 * theirs to read.
 *
 * sc_walk_join_state: each TCP record of conns takes its socket's cookie
 * and watch state from states (sorted here).
 * sc_walk_join_cookies: each TCP socket file of files without a cookie
 * takes it from the namespace walks' records.
 * A socket found in no namespace walk and without a cookie gets
 * SC_WALK_INODE_KEY | inode, so it stays one socket apart from the others.
 * Return 0 or -ENOMEM.
 */
int sc_walk_join_state(struct sc_conn_record *conns, size_t nconns,
		       struct sc_conn_state_record *states, size_t nstates);
int sc_walk_join_cookies(struct sc_file_record *files, size_t nfiles,
			 const struct sc_tcp_record *tcp, size_t ntcp);

#endif /* SC_WALK_JOIN_H */

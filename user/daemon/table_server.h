/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TABLE_SERVER_H
#define SC_TABLE_SERVER_H

#include <stdbool.h>

/*
 * `sockcost snapshot`'s table from the collector's summary, over a unix
 * socket (served_proto.h): rendered by the snapshot's own renderer from a
 * view of the summary (view_from_summary.h), with one sock_diag pass for
 * the outbound rows' distinct addresses. One client at a time, on a thread
 * of its own; requests whose policy or grouping the summary cannot answer
 * as a walk would get "walk" and a reason.
 */
struct daemon;
struct table_server;

/* Listens at path (sc_unix_listen). NULL after logging why. */
/*
 * Listens on path (0600). NULL after logging, errno set; another daemon
 * answering there is an error only if required (else a warning, EADDRINUSE).
 */
struct table_server *table_server_listen(const char *path, bool required);
struct sc_collector;
/*
 * Starts answering for d (after the privileges drop: the thread inherits
 * them), "walk" until table_server_ready names the collector once its first
 * walk is done. Returns 0 or a negative errno (logged).
 */
int table_server_start(struct table_server *ts, struct daemon *d);
void table_server_ready(struct table_server *ts, struct sc_collector *c);
/* Stops serving, closes and removes the socket. NULL is a no-op. */
void table_server_stop(struct table_server *ts);

#endif /* SC_TABLE_SERVER_H */

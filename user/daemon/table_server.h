/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TABLE_SERVER_H
#define SC_TABLE_SERVER_H

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
struct table_server *table_server_listen(const char *path);
/* Starts serving d. Returns 0 or a negative errno (logged). */
int table_server_start(struct table_server *ts, struct daemon *d);
/* Stops serving, closes and removes the socket. NULL is a no-op. */
void table_server_stop(struct table_server *ts);

#endif /* SC_TABLE_SERVER_H */

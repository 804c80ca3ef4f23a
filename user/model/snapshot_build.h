/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SNAPSHOT_BUILD_H
#define SC_SNAPSHOT_BUILD_H

#include "snapshot.h"

/* The raw iterator output, before joining. */
struct sc_raw {
	struct sc_tcp_record *tcp;
	size_t ntcp;
	struct sc_file_record *files;
	size_t nfiles;
	struct sc_task_record *tasks;
	size_t ntasks;
	__u32 hz;           /* kernel jiffies per second, 0 if unknown */
	__u64 now_ns;       /* CLOCK_MONOTONIC at the walk, to place jiffies stamps */
	/*
	 * The file walk wrote only TCP sockets (a filter pushed into it): a
	 * process's fds are its task record's count, not its file records
	 * (SC_FDS_UNKNOWN where the kernel could not count them).
	 */
	bool fds_from_tasks;
};

/*
 * Joins raw records into snap's sockets, holders and processes (sorting the
 * raw arrays in place). Everything held by exclude_pid (sockcost itself) is
 * left out. Pure: no kernel access. Returns 0 or -ENOMEM.
 *
 * raw->tcp must come from malloc: the sockets are written over it and snap
 * takes it over (raw->tcp is then NULL); free whatever raw->tcp is on return.
 */
int sc_snapshot_build(struct sc_snapshot *snap, struct sc_raw *raw, __u32 exclude_pid);

/*
 * One iter/tcp record as a socket, its kernel ages as of now_ns (the
 * record's own now_ns for "when it was read"); no holders.
 */
void sc_socket_from_tcp_record(struct sc_socket *s, const struct sc_tcp_record *r, __u32 hz,
			       __u64 now_ns);

#endif /* SC_SNAPSHOT_BUILD_H */

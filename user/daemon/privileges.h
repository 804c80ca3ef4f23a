/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_PRIVILEGES_H
#define SC_PRIVILEGES_H

#include <stdbool.h>
#include <sys/types.h>

struct daemon_user {
	uid_t uid;
	gid_t gid;
	char name[64];
};

/* Looks NAME up in the user database. Returns 0 or -1 after logging why. */
int daemon_lookup_user(const char *name, struct daemon_user *u);

/* What a loaded daemon still needs (README, Privileges). */
enum daemon_keep {
	DAEMON_KEEP_NONE,    /* --own-netns-only */
	/* CAP_SYS_PTRACE: /proc/PID/smaps_rollup of processes of other users or
	 * with capabilities the daemon lacks (the per-process memory series);
	 * and CAP_SYS_ADMIN: setns into every network namespace (the walks'
	 * watch state of sockets there, the snapshot, the health pass and
	 * accept queues of other namespaces) */
	DAEMON_KEEP_NETNS,
};

/*
 * After loading and attaching: drops every capability but those of keep,
 * empties the bounding, inheritable and ambient sets, and switches to user
 * if given. Call before starting threads: capabilities are per thread.
 * Returns 0 or -1 after logging why.
 */
int daemon_drop_privileges(const struct daemon_user *user, enum daemon_keep keep);

#endif /* SC_PRIVILEGES_H */

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

/*
 * After loading and attaching: drops every capability but, if keep_netns,
 * CAP_SYS_ADMIN and CAP_SYS_PTRACE (entering other network namespaces),
 * empties the bounding, inheritable and ambient sets, and switches to user
 * if given. Call before starting threads: capabilities are per thread.
 * Returns 0 or -1 after logging why.
 */
int daemon_drop_privileges(const struct daemon_user *user, bool keep_netns);

#endif /* SC_PRIVILEGES_H */

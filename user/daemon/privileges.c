// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cap-ng.h>

#include "privileges.h"
#include "log.h"

int daemon_lookup_user(const char *name, struct daemon_user *u)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (!pw)
		return sc_fail(errno, "unknown user '%s'%s%s", name, errno ? ": " : "",
			      errno ? strerror(errno) : "");
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", name);
	return 0;
}

static const char *const kept_names[] = {
	[DAEMON_KEEP_NONE] = "none",
	[DAEMON_KEEP_NETNS] = "cap_sys_admin, cap_sys_ptrace",
};

int daemon_drop_privileges(const struct daemon_user *user, enum daemon_keep keep)
{
	/* Without CAP_SETPCAP (a unit's bounding set) the bounding set is already narrow. */
	capng_select_t what = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP) ?
			      CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS;
	int rc;

	capng_get_caps_process();
	capng_clear(CAPNG_SELECT_BOTH);
	if (keep == DAEMON_KEEP_NETNS &&
	    (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SYS_ADMIN) ||
	     capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SYS_PTRACE)))
		return sc_fail(EPERM, "cannot prepare the capability sets");
	if (user) {
		rc = capng_change_id((int)user->uid, (int)user->gid,
				     CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_AMBIENT |
				     (what == CAPNG_SELECT_BOTH ? CAPNG_CLEAR_BOUNDING : 0));
		if (rc)
			return sc_fail(EPERM, "cannot switch to user %s (uid %u): libcap-ng error %d",
				      user->name, (unsigned)user->uid, rc);
	} else {
		rc = capng_apply(what);
		if (rc)
			return sc_fail(EPERM, "cannot drop capabilities: libcap-ng error %d", rc);
	}
	/* Nothing is ever executed: no path back to privileges. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		sc_warn("cannot set no_new_privs: %s", strerror(errno));
	capng_get_caps_process();
	sc_debug("privileges: uid %u, capabilities: %s", (unsigned)getuid(), kept_names[keep]);
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) !=
	    (keep != DAEMON_KEEP_NONE ? CAPNG_PARTIAL : CAPNG_NONE) ||
	    capng_have_capability(CAPNG_EFFECTIVE, CAP_BPF) ||
	    (keep != DAEMON_KEEP_NETNS && capng_have_capability(CAPNG_EFFECTIVE, CAP_SYS_ADMIN)))
		return sc_fail(EPERM, "capabilities were not dropped");
	return 0;
}

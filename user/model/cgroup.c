// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "cgroup.h"

static bool all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

/* Does the component s (len bytes, not NUL-terminated) end with suffix? */
static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

/* A 64-hex-digit id, alone or followed by ".scope". */
static bool take_id(const char *s, size_t len, struct sc_container *c, const char *runtime)
{
	if (len == 64 + strlen(".scope") && ends_with(s, len, ".scope"))
		len = 64;
	if (len != 64 || !all_hex(s, 64))
		return false;
	memcpy(c->id, s, 64);
	c->id[64] = '\0';
	if (runtime)
		snprintf(c->runtime, sizeof(c->runtime), "%s", runtime);
	return true;
}

/*
 * "pod" + UID, the systemd driver writing its dashes as underscores; a
 * static (mirror) pod's UID is a hash, 32 hex digits without dashes.
 */
static void take_pod(const char *s, size_t len, struct sc_container *c)
{
	char uid[sizeof(c->pod_uid)];
	size_t i;

	if (ends_with(s, len, ".slice"))
		len -= strlen(".slice");
	if (len == 32 && all_hex(s, 32)) {
		memcpy(c->pod_uid, s, 32);
		c->pod_uid[32] = '\0';
		return;
	}
	if (len != 36)
		return;
	for (i = 0; i < 36; i++) {
		char ch = s[i] == '_' ? '-' : s[i];

		if (!(isxdigit((unsigned char)ch) || ch == '-'))
			return;
		uid[i] = ch;
	}
	uid[36] = '\0';
	memcpy(c->pod_uid, uid, sizeof(uid));
}

static const struct {
	const char *prefix;
	const char *runtime;
} scope_prefixes[] = {
	{ "docker-", "docker" },
	{ "cri-containerd-", "containerd" },
	{ "crio-", "cri-o" },
	{ "libpod-", "podman" },
};

static void identify_component(const char *s, size_t len, const char *parent, size_t plen,
			       struct sc_container *c)
{
	const char *pod;
	size_t i, n;

	/* cgroupfs driver: .../pod<uid>/...; systemd: kubepods-<qos>-pod<uid_>.slice */
	if (len > 3 && !strncmp(s, "pod", 3))
		take_pod(s + 3, len - 3, c);
	pod = memmem(s, len, "-pod", 4);
	if (pod && !strncmp(s, "kubepods", 8))
		take_pod(pod + 4, len - (size_t)(pod + 4 - s), c);

	for (i = 0; i < ARRAY_SIZE(scope_prefixes); i++) {
		n = strlen(scope_prefixes[i].prefix);
		if (len > n && !strncmp(s, scope_prefixes[i].prefix, n) &&
		    take_id(s + n, len - n, c, scope_prefixes[i].runtime))
			return;
	}
	/* A bare id: /docker/<id>, or a container under a cgroupfs pod. */
	if (take_id(s, len, c, NULL)) {
		if (plen == 6 && !strncmp(parent, "docker", 6))
			snprintf(c->runtime, sizeof(c->runtime), "docker");
		else
			c->runtime[0] = '\0';
	}
}

/* The path component at or after *p (len bytes), *p moved past it; false at the end. */
static bool next_component(const char **p, const char **comp, size_t *len)
{
	const char *end;

	while (**p == '/')
		(*p)++;
	if (!**p)
		return false;
	end = strchr(*p, '/');
	if (!end)
		end = *p + strlen(*p);
	*comp = *p;
	*len = (size_t)(end - *p);
	*p = end;
	return true;
}

void sc_cgroup_identify(const char *path, struct sc_container *c)
{
	const char *p = path, *parent = "", *comp;
	size_t plen = 0, n;

	memset(c, 0, sizeof(*c));
	/* The innermost match wins: walk every component in order. */
	while (next_component(&p, &comp, &n)) {
		identify_component(comp, n, parent, plen, c);
		parent = comp;
		plen = n;
	}
}

static bool is_unit(const char *s, size_t n)
{
	/* A bare suffix is no unit name. */
	return (n > 8 && ends_with(s, n, ".service")) || (n > 6 && ends_with(s, n, ".scope"));
}

/* session-N.scope directly under user-UID.slice: one per login, so the slice stands for it. */
static bool is_login_session(const char *s, size_t n, const char *parent, size_t plen)
{
	return n > 14 && !strncmp(s, "session-", 8) && ends_with(s, n, ".scope") && plen > 11 &&
	       !strncmp(parent, "user-", 5) && ends_with(parent, plen, ".slice");
}

bool sc_cgroup_unit(const char *path, char *unit, size_t len)
{
	const char *p = path, *comp, *parent = "", *found = NULL;
	size_t n, plen = 0, flen = 0;

	/*
	 * The outermost unit: below it the unit (or a user's service manager)
	 * made the cgroups itself, and any user can name a delegated one.
	 */
	while (!found && next_component(&p, &comp, &n)) {
		if (is_login_session(comp, n, parent, plen)) {
			found = parent;
			flen = plen;
		} else if (is_unit(comp, n)) {
			found = comp;
			flen = n;
		}
		parent = comp;
		plen = n;
	}
	if (len)
		snprintf(unit, len, "%.*s", (int)(flen < len ? flen : len - 1), found ? found : "");
	return found != NULL;
}

void sc_place_of(const char *cgroup_path, struct sc_place *p)
{
	memset(p, 0, sizeof(*p));
	sc_cgroup_identify(cgroup_path, &p->container);
	if (p->container.id[0] || p->container.pod_uid[0])
		return;
	if (!sc_cgroup_unit(cgroup_path, p->unit, sizeof(p->unit)))
		strcpy(p->unit, SC_PLACE_HOST);
}

int sc_place_cmp(const struct sc_place *a, const struct sc_place *b)
{
	return strcmp(a->container.id, b->container.id) ?:
	       strcmp(a->container.pod_uid, b->container.pod_uid) ?: strcmp(a->unit, b->unit);
}

bool sc_place_same(const struct sc_place *a, const struct sc_place *b)
{
	return !sc_place_cmp(a, b);
}

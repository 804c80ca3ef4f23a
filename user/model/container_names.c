// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "container_names.h"
#include "json_scan.h"

#define UID_LEN 36
#define HASH_UID_LEN 32
#define ID_LEN 64

/* Copies [s, s + n) into out if it fits and is non-empty. */
static bool take(const char *s, size_t n, char *out, size_t len)
{
	if (!n || n >= len)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/*
 * take() of a Kubernetes name: namespaces and container names are DNS
 * labels, pod names DNS subdomains, so lower-case letters, digits, '-' and
 * '.'. Anything else in a log directory's name did not come from the kubelet.
 */
static bool take_k8s(const char *s, size_t n, char *out, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
		      s[i] == '-' || s[i] == '.'))
			return false;
	return take(s, n, out, len);
}

/* A pod UID: a UUID, or a static pod's 32-hex-digit hash. */
static bool is_uid(const char *s, size_t n)
{
	size_t i;

	if (n != UID_LEN && n != HASH_UID_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!(isxdigit((unsigned char)s[i]) || (n == UID_LEN && s[i] == '-')))
			return false;
	return true;
}

bool sc_pod_log_dir_parse(const char *name, char *namespace_, size_t nslen, char *pod,
			  size_t podlen, char *uid, size_t uidlen)
{
	const char *a = strchr(name, '_'), *b = a ? strchr(a + 1, '_') : NULL;

	if (!b || strchr(b + 1, '_') || !is_uid(b + 1, strlen(b + 1)))
		return false;
	return take_k8s(name, (size_t)(a - name), namespace_, nslen) &&
	       take_k8s(a + 1, (size_t)(b - a - 1), pod, podlen) &&
	       take(b + 1, strlen(b + 1), uid, uidlen);
}

bool sc_container_log_link_parse(const char *name, struct sc_container_names *n, char *id,
				 size_t idlen)
{
	const char *a = strchr(name, '_'), *b = a ? strchr(a + 1, '_') : NULL;
	size_t len = strlen(name), i;
	const char *dash;

	/* ...-<64 hex>.log */
	if (!b || strchr(b + 1, '_') || len < ID_LEN + 6 || strcmp(name + len - 4, ".log"))
		return false;
	dash = name + len - 4 - ID_LEN - 1;
	if (dash <= b + 1 || *dash != '-')
		return false;
	for (i = 1; i <= ID_LEN; i++)
		if (!isxdigit((unsigned char)dash[i]))
			return false;
	return take_k8s(name, (size_t)(a - name), n->pod, sizeof(n->pod)) &&
	       take_k8s(a + 1, (size_t)(b - a - 1), n->namespace_, sizeof(n->namespace_)) &&
	       take_k8s(b + 1, (size_t)(dash - b - 1), n->name, sizeof(n->name)) &&
	       take(dash + 1, ID_LEN, id, idlen);
}

int sc_docker_config_name(const char *json, size_t len, char *name, size_t namelen)
{
	const char *end = json + len, *v = sc_json_member(json, end, "Name");
	char buf[256];

	if (!v || !sc_json_string(v, end, buf, sizeof(buf)))
		return -ENOENT;
	/* Docker keeps names with their leading '/'; `docker ps` shows them without. */
	if (!take(buf[0] == '/' ? buf + 1 : buf, strlen(buf[0] == '/' ? buf + 1 : buf), name,
		  namelen))
		return -ENOENT;
	return 0;
}

int sc_podman_containers_name(const char *json, size_t len, const char *id, char *name,
			      size_t namelen)
{
	const char *end = json + len, *elem = NULL, *v, *first;
	char buf[ID_LEN + 1];

	while (sc_json_next(json, end, &elem)) {
		v = sc_json_member(elem, end, "id");
		if (!v || !sc_json_string(v, end, buf, sizeof(buf)) || strcmp(buf, id))
			continue;
		v = sc_json_member(elem, end, "names");
		first = NULL;
		if (!v || !sc_json_next(v, end, &first) ||
		    !sc_json_string(first, end, name, namelen) || !name[0])
			return -ENOENT;
		return 0;
	}
	return -ENOENT;
}

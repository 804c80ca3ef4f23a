// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app_limit.h"

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

int sc_app_limit_parse(const char *text, struct sc_app_limit *l)
{
	const char *eq = strrchr(text, '=');
	size_t name_len;
	char *end;
	unsigned long long v;

	if (!eq || eq == text || !all_digits(eq + 1, strlen(eq + 1)))
		return -EINVAL;
	name_len = (size_t)(eq - text);
	errno = 0;
	v = strtoull(eq + 1, &end, 10);
	/* A cap of 0 would say the application takes no connections at all. */
	if (errno || *end || !v)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->connections = v;
	if (all_digits(text, name_len)) {
		unsigned long long pid = strtoull(text, NULL, 10);

		if (!pid || pid > 4194304)
			return -EINVAL;
		l->pid = (__u32)pid;
		return 0;
	}
	/* The kernel keeps 15 bytes of a command name: a longer one could never match. */
	if (name_len > SC_COMM_LEN - 1)
		return -EINVAL;
	memcpy(l->comm, text, name_len);
	return 0;
}

int sc_app_limits_parse_text(const char *text, struct sc_app_limit *l, size_t max, size_t *n,
			     unsigned *bad_line)
{
	const char *line = text;
	unsigned no = 0;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[128];

		no++;
		while (len && isspace((unsigned char)*line)) {
			line++;
			len--;
		}
		while (len && isspace((unsigned char)line[len - 1]))
			len--;
		if (len && line[0] != '#') {
			*bad_line = no;
			if (len >= sizeof(buf))
				return -EINVAL;
			if (*n == max)
				return -ENOSPC;
			memcpy(buf, line, len);
			buf[len] = '\0';
			if (sc_app_limit_parse(buf, &l[*n]))
				return -EINVAL;
			(*n)++;
		}
		line = end ? end + 1 : NULL;
	}
	*bad_line = 0;
	return 0;
}

const struct sc_app_limit *sc_app_limit_find(const struct sc_app_limit *l, size_t n, __u32 pid,
					     const char *comm)
{
	const struct sc_app_limit *by_comm = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (l[i].pid && l[i].pid == pid)
			return &l[i];
		if (!l[i].pid && !by_comm && !strcmp(l[i].comm, comm))
			by_comm = &l[i];
	}
	return by_comm;
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "proc_text.h"

int sc_stat_start_ticks(const char *text, __u64 *ticks)
{
	unsigned long long v;
	const char *p;
	int field;

	/* The command name may hold spaces and parentheses: fields start after the last ')'. */
	p = strrchr(text, ')');
	if (!p)
		return -EINVAL;
	/* ") S ppid ...": field 3 is the state; starttime is field 22. */
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", &v) != 1)
		return -EINVAL;
	*ticks = v;
	return 0;
}

int sc_statm_resident_pages(const char *text, __u64 *pages)
{
	unsigned long long size, resident;

	if (sscanf(text, "%llu %llu", &size, &resident) != 2)
		return -EINVAL;
	*pages = resident;
	return 0;
}

int sc_cgroup_value_parse(const char *text, __u64 *v)
{
	char *end;

	if (!strncmp(text, "max", 3))
		return 1;
	errno = 0;
	*v = strtoull(text, &end, 10);
	if (errno || end == text)
		return -EINVAL;
	return 0;
}

int sc_cgroup_v2_path(const char *text, char *buf, size_t len)
{
	const char *line;

	for (line = text; line && *line; line = sc_next_line(line)) {
		if (strncmp(line, "0::", 3))
			continue;
		snprintf(buf, len, "%.*s", (int)strcspn(line + 3, "\n"), line + 3);
		return 0;
	}
	return -ENOENT;
}

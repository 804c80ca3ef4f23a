// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "place_label.h"

const char *sc_place_label(const struct sc_container *c, const char *unit,
			   const struct sc_container_names *n, char *buf, size_t len)
{
	char *p;

	if (n->pod[0])
		snprintf(buf, len, "%s/%s/%s", n->namespace_, n->pod, n->name[0] ? n->name : "-");
	else if (n->name[0])
		snprintf(buf, len, "%s", n->name);
	else if (c->id[0] || c->pod_uid[0])
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s", unit);
	/* Directory entries and cgroup paths anyone can make: a terminal gets
	 * their control and non-ASCII bytes as '?'. */
	for (p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return buf;
}

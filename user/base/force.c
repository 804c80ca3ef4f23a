// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "force.h"

bool sc_forced(const char *word)
{
	const char *list = getenv("SOCKCOST_TEST_FORCE"), *p;
	size_t n = strlen(word);

	for (p = list; p && *p; p += strcspn(p, ","), p += *p == ',')
		if (!strncmp(p, word, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/slabinfo text, as user/model/slab.c parses it: the whole file (the
 * sizes of the socket's caches and the kernel's own accounting of them) and
 * each line alone. A cache name is the kernel's, but a module or a kernel
 * newer than this parser may write what it likes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "slab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const caches[] = { "TCP", "TCPv6", "sock_inode_cache", "filp" };
	struct sc_slab_sizes sizes = {};
	struct sc_slabinfo_row row;
	char *text = malloc(size + 1), *line;
	int o;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (sc_slab_sizes_from_slabinfo(&sizes, text) >= 0)
		for (o = 0; o < SC_OBJ_COUNT; o++)
			if (sizes.obj[o].source != SC_SIZE_UNKNOWN &&
			    sizes.obj[o].source != SC_SIZE_SLABINFO)
				abort();
	sc_slabinfo_active_bytes(text, caches, sizeof(caches) / sizeof(caches[0]));
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		if (!sc_slabinfo_parse_line(line, &row) && !memchr(row.name, '\0', sizeof(row.name)))
			abort(); /* a name that fills the field unterminated */
	free(text);
	return 0;
}

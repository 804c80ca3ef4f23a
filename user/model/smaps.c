// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "smaps.h"

enum { F_RSS, F_PSS, F_PRIV_CLEAN, F_PRIV_DIRTY, F_ANON, F_PSS_ANON, F_PSS_FILE, F_PSS_SHMEM,
       F_SWAP, F_COUNT };

static const char *const field_name[F_COUNT] = {
	"Rss:", "Pss:", "Private_Clean:", "Private_Dirty:", "Anonymous:", "Pss_Anon:",
	"Pss_File:", "Pss_Shmem:", "Swap:",
};

int sc_smaps_rollup_parse(const char *text, struct sc_proc_mem *m)
{
	__u64 kb[F_COUNT] = { 0 };
	bool seen[F_COUNT] = { false };
	const char *line;
	int f;

	for (line = text; line && *line; line = sc_next_line(line)) {
		for (f = 0; f < F_COUNT; f++) {
			size_t n = strlen(field_name[f]);

			if (!strncmp(line, field_name[f], n)) {
				kb[f] = strtoull(line + n, NULL, 10);
				seen[f] = true;
				break;
			}
		}
	}
	if (!seen[F_RSS] || !seen[F_PSS] || !seen[F_PRIV_CLEAN] || !seen[F_PRIV_DIRTY])
		return -EINVAL;
	*m = (struct sc_proc_mem){
		.rss = kb[F_RSS] << 10,
		.pss = kb[F_PSS] << 10,
		.private_bytes = (kb[F_PRIV_CLEAN] + kb[F_PRIV_DIRTY]) << 10,
		.anonymous = kb[F_ANON] << 10,
		.pss_anon = kb[F_PSS_ANON] << 10,
		.pss_file = kb[F_PSS_FILE] << 10,
		.pss_shmem = kb[F_PSS_SHMEM] << 10,
		.swap = kb[F_SWAP] << 10,
	};
	return 0;
}

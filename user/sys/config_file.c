// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "config_file.h"

int sc_read_config_file(const char *path, size_t max, char **text, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf;
	int err;

	*text = NULL;
	if (!f)
		return -errno;
	/* One byte more than allowed tells a file just too large from one that fits. */
	buf = malloc(max + 2);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	*len = fread(buf, 1, max + 1, f);
	err = ferror(f) ? -EIO : *len > max ? -EFBIG : 0;
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	buf[*len] = '\0';
	*text = buf;
	return 0;
}

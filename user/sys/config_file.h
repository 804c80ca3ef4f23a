/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CONFIG_FILE_H
#define SC_CONFIG_FILE_H

#include <stddef.h>

/*
 * Reads a whole configuration file of at most max bytes into *text (malloc'ed,
 * NUL-terminated; *len bytes before the NUL). Returns 0, -EFBIG when larger,
 * or another negative errno; *text is NULL on error.
 */
int sc_read_config_file(const char *path, size_t max, char **text, size_t *len);

#endif /* SC_CONFIG_FILE_H */

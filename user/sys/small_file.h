/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SMALL_FILE_H
#define SC_SMALL_FILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Reads up to len - 1 bytes of path (one read: /proc and /sys files this
 * small come whole) into buf, NUL-terminated. Returns the bytes read or a
 * negative errno.
 */
ssize_t sc_read_small_file(const char *path, char *buf, size_t len);

#endif /* SC_SMALL_FILE_H */

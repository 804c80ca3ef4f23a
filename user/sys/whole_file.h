/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_WHOLE_FILE_H
#define SC_WHOLE_FILE_H

#include <stddef.h>

/* Files of one read: small_file.h. */

/*
 * Reads a whole file whose size is unknown up front (a /proc file says 0)
 * into a malloc'ed NUL-terminated buffer, at most max bytes of it. NULL with
 * errno set when it cannot.
 */
char *sc_read_whole(const char *path, size_t max);

#endif /* SC_WHOLE_FILE_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_UNIX_SOCKET_H
#define SC_UNIX_SOCKET_H

#include <stddef.h>
#include <sys/types.h>

/*
 * A local stream socket at a path, as sockcostd serves the snapshot table on
 * it and the CLI asks there (served_proto.h).
 */

/*
 * Binds and listens at path, mode 0600, creating its directory (0755) if
 * missing. A socket left there by a daemon that died (nothing accepts on
 * it) is replaced. Returns the fd, or a negative errno: -EADDRINUSE when a
 * live process answers there, -EEXIST when path is not a socket,
 * -ENAMETOOLONG past sun_path.
 */
int sc_unix_listen(const char *path);

/* Connects to path, every read and write then bounded by timeout_s. Returns the fd or a negative errno. */
int sc_unix_connect(const char *path, double timeout_s);

/* Bounds every read and write on fd by timeout_s. Returns 0 or a negative errno. */
int sc_unix_set_timeout(int fd, double timeout_s);

/*
 * Reads up to and including the first '\n' (at most len - 1 bytes), NUL-terminated,
 * byte by byte so nothing after it is consumed. Returns its length, or a
 * negative errno: -EPROTO for end of stream or no '\n' within len - 1.
 */
ssize_t sc_unix_read_line(int fd, char *buf, size_t len);

/* All of buf. Returns 0 or a negative errno. */
int sc_unix_write_all(int fd, const void *buf, size_t len);

#endif /* SC_UNIX_SOCKET_H */

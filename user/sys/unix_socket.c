// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "unix_socket.h"

static int address(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

int sc_unix_set_timeout(int fd, double timeout_s)
{
	struct timeval tv = { .tv_sec = (time_t)timeout_s,
			      .tv_usec = (suseconds_t)((timeout_s - (double)(time_t)timeout_s) * 1e6) };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -errno;
	return 0;
}

int sc_unix_connect(const char *path, double timeout_s)
{
	struct sockaddr_un sun;
	int fd, err = address(path, &sun);

	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = sc_unix_set_timeout(fd, timeout_s);
	if (!err && connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* What is at path now: nothing, a dead daemon's socket (removed), or a refusal. */
static int clear_stale(const char *path)
{
	struct stat st;
	int fd;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = sc_unix_connect(path, 1);
	if (fd >= 0) {
		close(fd);
		return -EADDRINUSE;
	}
	if (fd != -ECONNREFUSED)
		return fd;
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

static int make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];

	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir(dirname(dir), 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int sc_unix_listen(const char *path)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd, err = address(path, &sun);

	if (!err)
		err = make_parent(path);
	if (!err)
		err = clear_stale(path);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Created 0600, never wider for a moment: a chmod after bind would race a connect. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)))
		err = -errno;
	umask(old);
	if (!err && listen(fd, 16)) {
		err = -errno;
		unlink(path);
	}
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

ssize_t sc_unix_read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t got;

	while (n + 1 < len) {
		got = read(fd, buf + n, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (!got)
			return -EPROTO;
		if (buf[n++] == '\n') {
			buf[n] = '\0';
			return (ssize_t)n;
		}
	}
	return -EPROTO;
}

int sc_unix_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t put;

	while (len) {
		/* A peer gone mid-write is an error here, not a SIGPIPE killing the CLI. */
		put = send(fd, p, len, MSG_NOSIGNAL);
		if (put < 0 && errno == EINTR)
			continue;
		if (put < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		p += put;
		len -= (size_t)put;
	}
	return 0;
}

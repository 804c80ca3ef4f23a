// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>

#include "close_log.h"

/* mkdir -p of path's directory. 0 or -1 with errno. */
static int make_parents(const char *path)
{
	char dir[PATH_MAX];
	size_t len = strlen(path), i;

	if (len >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, len + 1);
	for (i = len; i > 0 && dir[i - 1] != '/'; i--)
		;
	if (i <= 1)
		return 0;
	dir[i - 1] = '\0';
	for (i = 1; dir[i]; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0750) && errno != EEXIST)
			return -1;
		dir[i] = '/';
	}
	if (mkdir(dir, 0750) && errno != EEXIST)
		return -1;
	return 0;
}

FILE *sc_close_log_open(const char *path)
{
	FILE *f;
	int fd;

	if (make_parents(path))
		return NULL;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "a");
	if (!f) {
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return f;
}

void sc_close_log_syslog(const char *line)
{
	openlog("sockcost", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "%s", line);
	closelog();
}

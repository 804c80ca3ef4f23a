// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "served_proto.h"
#include "served_table.h"
#include "unix_socket.h"

/*
 * Past this the daemon is stuck, and walking is the better answer: its
 * refresh waits at most 2 s and its address pass costs what `ss -tn` does.
 */
#define SERVED_TIMEOUT_S 20

static const char *socket_path(void)
{
	const char *env = getenv("SOCKCOST_SOCKET");

	if (env && env[0] && env[0] != '/') {
		sc_debug("$SOCKCOST_SOCKET '%s' is not an absolute path: asking %s", env,
			 SC_SERVED_DEFAULT_SOCKET);
		return SC_SERVED_DEFAULT_SOCKET;
	}
	return env && env[0] ? env : SC_SERVED_DEFAULT_SOCKET;
}

/* Whether a summary holds what o asks for; else why not. */
static const char *unservable(const struct snapshot_opts *o)
{
	const struct sc_filter *f = &o->filter;

	if (o->no_daemon)
		return "--no-daemon";
	if (o->json || o->sockets)
		return "per-socket output needs every socket's addresses";
	if (o->observe_s > 0)
		return "--observe watches for itself";
	if (f->pid || f->port >= 0 || f->service[0] || f->health_mask || f->idle_only)
		return "filters narrow the sockets every table counts";
	if (!sc_served_by_supported(o->by))
		return "a summary has no cgroups or remote addresses to group by";
	return NULL;
}

/* The rest of the stream into *text (malloc'd). Returns 0 or a negative errno. */
static int read_rest(int fd, char **text, size_t *len)
{
	size_t cap = 1 << 16;
	char *buf = malloc(cap), *grown;
	ssize_t got;

	*len = 0;
	while (buf) {
		if (*len == cap) {
			grown = realloc(buf, cap * 2);
			if (!grown)
				break;
			buf = grown;
			cap *= 2;
		}
		got = read(fd, buf + *len, cap - *len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = errno == EAGAIN ? -ETIMEDOUT : -errno;

			free(buf);
			return err;
		}
		if (!got) {
			*text = buf;
			return 0;
		}
		*len += (size_t)got;
	}
	free(buf);
	return -ENOMEM;
}

static int ask(int fd, const struct snapshot_opts *o, struct sc_served_status *st,
	       char **text, size_t *len)
{
	struct sc_served_request r = { .by = o->by, .policy = o->policy,
				       .health = o->filter.health };
	char line[SC_SERVED_LINE_MAX];
	int n = sc_served_request_format(&r, line, sizeof(line));
	ssize_t got;

	if (n < 0)
		return n;
	n = sc_unix_write_all(fd, line, (size_t)n);
	if (n)
		return n;
	/* Nothing more to send: a daemon reading to the end sees it. */
	shutdown(fd, SHUT_WR);
	got = sc_unix_read_line(fd, line, sizeof(line));
	if (got < 0)
		return (int)got;
	n = sc_served_status_parse(line, st);
	if (n || !st->ok)
		return n;
	return read_rest(fd, text, len);
}

bool served_table(const struct snapshot_opts *o, FILE *out)
{
	const char *why = unservable(o), *path = socket_path();
	struct sc_served_status st;
	char *text = NULL;
	size_t len = 0;
	int fd, err;

	if (why) {
		sc_debug("walking: %s", why);
		return false;
	}
	fd = sc_unix_connect(path, SERVED_TIMEOUT_S);
	if (fd < 0) {
		/* No daemon, or a dead one's socket: the ordinary walk, quietly. */
		sc_debug("walking: no sockcostd answers on %s (%s)", path, strerror(-fd));
		return false;
	}
	err = ask(fd, o, &st, &text, &len);
	close(fd);
	if (err) {
		sc_debug("walking: sockcostd on %s did not answer: %s", path, strerror(-err));
		return false;
	}
	if (!st.ok) {
		sc_debug("walking: sockcostd declined: %s", st.reason);
		return false;
	}
	if (len != st.bytes) {
		/* Stopped or stuck mid-way: a partial table would pass for the whole. */
		sc_debug("walking: sockcostd on %s sent %zu of its table's %llu bytes", path, len,
			 (unsigned long long)st.bytes);
		free(text);
		return false;
	}
	if (st.health_age_ms == SC_AGE_UNKNOWN)
		sc_debug("from sockcostd (pid %u) on %s, refreshed %.1f s ago, no health pass yet",
			 st.pid, path, (double)st.age_ms / 1000);
	else
		sc_debug("from sockcostd (pid %u) on %s, refreshed %.1f s ago, health judged "
			 "%.1f s ago", st.pid, path, (double)st.age_ms / 1000,
			 (double)st.health_age_ms / 1000);
	fwrite(text, 1, len, out);
	free(text);
	return true;
}

// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* pipe2, accept4 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "collector.h"
#include "daemon.h"
#include "log.h"
#include "served_netns.h"
#include "served_pass.h"
#include "served_proto.h"
#include "snapshot_text.h"
#include "table_server.h"
#include "unix_socket.h"
#include "view_from_summary.h"

/* A client gets this long to send its request, and to take the table. */
#define CLIENT_TIMEOUT_S 10

struct table_server {
	int fd;
	int stop_pipe[2];
	char *path;
	pthread_t thread;
	bool started;
	struct daemon *d;
	/* NULL until its first walk is done: requests before are told to walk. */
	struct sc_collector *_Atomic collector;
	__u32 own_netns;            /* the namespace sockcostd lives in */
	/* The table thread could not come back from another namespace: it serves nothing. */
	bool stranded;
};

static __u32 own_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (__u32)st.st_ino;
}

struct table_server *table_server_listen(const char *path, bool required)
{
	struct table_server *ts = calloc(1, sizeof(*ts));

	if (!ts) {
		sc_err("out of memory");
		return NULL;
	}
	ts->stop_pipe[0] = ts->stop_pipe[1] = -1;
	ts->path = strdup(path);
	ts->fd = ts->path ? sc_unix_listen(path) : -ENOMEM;
	if (ts->fd < 0) {
		int err = ts->fd;

		if (ts->fd == -EADDRINUSE && !required)
			/* The default path: a daemon beside another (--pin-dir) runs without one. */
			sc_warn("another sockcostd answers on %s: this one serves no snapshot table "
				"(--socket PATH for one of its own)", path);
		else if (ts->fd == -EADDRINUSE)
			sc_err("another sockcostd answers on %s: not starting (--socket PATH for "
			       "another, --no-socket for none)", path);
		else if (ts->fd == -EEXIST)
			sc_err("%s exists and is not a socket: not starting", path);
		else
			sc_err("cannot listen on %s: %s", path, strerror(-ts->fd));
		free(ts->path);
		free(ts);
		errno = -err;
		return NULL;
	}
	if (pipe2(ts->stop_pipe, O_CLOEXEC)) {
		sc_err("cannot make a pipe: %s", strerror(errno));
		table_server_stop(ts);
		return NULL;
	}
	ts->own_netns = own_netns();
	return ts;
}

static bool same_idle(const struct sc_idle_policy *a, const struct sc_idle_policy *b)
{
	return a->idle_after_ms == b->idle_after_ms && a->heartbeat_bytes == b->heartbeat_bytes;
}

/* All zero: the defaults, as a view takes them. */
static bool same_health(const struct sc_health_policy *a, const struct sc_health_policy *b)
{
	return a->close_wait_after_ms == b->close_wait_after_ms &&
	       a->stall_after_ms == b->stall_after_ms && a->nat_timeout_ms == b->nat_timeout_ms;
}

/* Why the summary cannot answer r as a walk would, or NULL. */
static const char *mismatch(const struct table_server *ts, const struct sc_served_request *r,
			    char *why, size_t len)
{
	const struct daemon *d = ts->d;
	struct sc_health_policy mine = sc_health_policy_or_default(&d->health);
	struct sc_health_policy theirs = sc_health_policy_or_default(&r->health);

	if (!sc_served_by_supported(r->by)) {
		snprintf(why, len, "a summary has no cgroups or remote addresses to group by");
		return why;
	}
	if (!same_idle(&d->policy, &r->policy)) {
		snprintf(why, len, "sockcostd judges idle after %llu ms with heartbeats <= %llu B",
			 (unsigned long long)d->policy.idle_after_ms,
			 (unsigned long long)d->policy.heartbeat_bytes);
		return why;
	}
	if (!same_health(&mine, &theirs)) {
		snprintf(why, len, "sockcostd judges health by close-wait %llu ms, stall %llu ms, "
			 "NAT timeout %llu ms", (unsigned long long)mine.close_wait_after_ms,
			 (unsigned long long)mine.stall_after_ms,
			 (unsigned long long)mine.nat_timeout_ms);
		return why;
	}
	return NULL;
}

static struct sc_outbound_row *outbound_rows(const struct sc_summary *s)
{
	struct sc_outbound_row *rows = calloc(s->noutbound ? s->noutbound : 1, sizeof(*rows));
	size_t i;

	for (i = 0; rows && i < s->noutbound; i++)
		rows[i] = (struct sc_outbound_row){
			.port = s->outbound[i].port, .processes = s->outbound[i].processes,
			.connections = s->outbound[i].connections,
			.idle_connections = s->outbound[i].idle_connections,
			.socket_memory_bytes = s->outbound[i].socket_memory_bytes,
		};
	return rows;
}

/*
 * Listeners no process holds: a walk shows their ports; a summary, counting
 * held sockets, neither them nor the connections on them (it counts those as
 * client-side). True when they hold no connection, so rows can stand in.
 */
static bool unheld_ports(const struct sc_served_pass *pass,
			 char *why, size_t len)
{
	size_t i;

	for (i = 0; i < pass->nunheld; i++)
		if (pass->unheld[i].connections) {
			snprintf(why, len, "connections on port %u, whose listener no process holds",
				 pass->unheld[i].port);
			return false;
		}
	return true;
}

static int add_ports(struct sc_summary *s, const struct sc_served_pass *pass)
{
	struct sc_summary_port *grown = realloc(s->ports, (s->nports + pass->nunheld) *
							      sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	memcpy(grown + s->nports, pass->unheld, pass->nunheld * sizeof(*grown));
	s->ports = grown;
	s->nports += pass->nunheld;
	return 0;
}

/*
 * The table for r into *text (malloc'd) and the status before it. Returns 0
 * (st says ok or walk) or a negative errno.
 */
static int render(struct table_server *ts, const struct sc_served_request *r,
		  struct sc_served_status *st, char **text, size_t *len)
{
	struct sc_collector *collector = atomic_load(&ts->collector);
	struct sc_health_policy hp = sc_health_policy_or_default(&ts->d->health);
	struct sc_outbound_row *rows = NULL;
	struct sc_health_tally health = {};
	struct sc_served_pass pass = {};
	struct served_netns ns = {};
	struct sc_summary_view sv;
	struct sc_summary s;
	FILE *out;
	int err;

	*text = NULL;
	*len = 0;
	if (mismatch(ts, r, st->reason, sizeof(st->reason)))
		return 0;
	if (!collector) {
		snprintf(st->reason, sizeof(st->reason), "sockcostd is starting (its first walk)");
		return 0;
	}
	if (ts->stranded || !ts->own_netns) {
		snprintf(st->reason, sizeof(st->reason),
			 "sockcostd does not know its own network namespace");
		return 0;
	}
	err = sc_collector_latest(collector, &s, NULL, NULL, NULL);
	if (err)
		return err;
	err = sc_collector_health(collector, &health);
	if (!err && !health.wall_ns) {
		/* A walk judges health now; a table with none judged would show none broken. */
		snprintf(st->reason, sizeof(st->reason),
			 "sockcostd has not judged health yet (its first health pass)");
		goto out;
	}
	rows = err ? NULL : outbound_rows(&s);
	if (!err && !rows)
		err = -ENOMEM;
	/* Ports and addresses are per namespace: the pass looks in each a walk enters. */
	if (!err && served_netns_open(&ns, &s, ts->own_netns, &ts->stranded, st->reason,
				      sizeof(st->reason))) {
		if (ts->stranded)
			sc_err("the table socket's thread could not return to sockcostd's network "
			       "namespace: it serves no table from now on");
		err = st->reason[0] ? 0 : -ENOMEM;
		goto out;
	}
	if (!err)
		err = sc_served_pass_run(rows, s.noutbound, s.ports, s.nports, ns.v, ns.n, &pass);
	if (!err && !unheld_ports(&pass, st->reason, sizeof(st->reason))) {
		err = 0;
		goto out;
	}
	if (!err && pass.nunheld)
		err = add_ports(&s, &pass);
	if (!err)
		err = sc_view_from_summary(&sv, &s, &health, &hp, ts->d->policy.heartbeat_bytes,
					   rows);
	if (!err) {
		/* The header counts the namespaces a walk would have entered. */
		sv.snap.netns_walked = (__u32)ns.n;
		out = open_memstream(text, len);
		if (out) {
			render_table_by(&sv.view, r->by, false, out);
			if (fclose(out))
				err = -ENOMEM;
		} else {
			err = -ENOMEM;
		}
		sc_summary_view_free(&sv);
	}
	if (!err) {
		__u64 now = sc_clock_ns(CLOCK_MONOTONIC), wall = sc_clock_ns(CLOCK_REALTIME);

		st->ok = true;
		st->bytes = *len;
		st->pid = (__u32)getpid();
		st->age_ms = now > s.taken_ns ? (now - s.taken_ns) / 1000000 : 0;
		st->health_age_ms = !health.wall_ns ? SC_AGE_UNKNOWN
			: wall > health.wall_ns ? (wall - health.wall_ns) / 1000000 : 0;
	}
out:
	if (err) {
		free(*text);
		*text = NULL;
	}
	sc_served_pass_free(&pass);
	served_netns_close(&ns);
	free(rows);
	sc_health_tally_free(&health);
	sc_summary_free(&s);
	return err;
}

static void serve_client(struct table_server *ts, int fd)
{
	struct sc_served_request r;
	struct sc_served_status st = { 0 };
	char line[SC_SERVED_LINE_MAX], head[SC_SERVED_LINE_MAX];
	char *text = NULL;
	size_t len = 0;
	int err, n;

	if (sc_unix_set_timeout(fd, CLIENT_TIMEOUT_S) ||
	    sc_unix_read_line(fd, line, sizeof(line)) < 0)
		return;
	err = sc_served_request_parse(line, &r);
	if (err == -EPROTONOSUPPORT)
		snprintf(st.reason, sizeof(st.reason), "this sockcostd speaks version %d",
			 SC_SERVED_VERSION);
	else if (err)
		snprintf(st.reason, sizeof(st.reason), "a request it cannot read");
	else
		err = render(ts, &r, &st, &text, &len);
	if (err && !st.reason[0])
		snprintf(st.reason, sizeof(st.reason), "sockcostd could not: %s", strerror(-err));
	if (err)
		st.ok = false;
	n = sc_served_status_format(&st, head, sizeof(head));
	if (n > 0 && !sc_unix_write_all(fd, head, (size_t)n) && st.ok)
		sc_unix_write_all(fd, text, len);
	free(text);
}

static void *serve_thread(void *arg)
{
	struct table_server *ts = arg;
	struct pollfd p[2] = { { .fd = ts->fd, .events = POLLIN },
			       { .fd = ts->stop_pipe[0], .events = POLLIN } };
	int fd;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			sc_err("table socket: poll: %s", strerror(errno));
			return NULL;
		}
		if (p[1].revents)
			return NULL;
		fd = accept4(ts->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			/* Out of fds the socket stays readable: wait rather than spin. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				poll(NULL, 0, 100);
			continue;
		}
		serve_client(ts, fd);
		close(fd);
	}
}

void table_server_ready(struct table_server *ts, struct sc_collector *c)
{
	atomic_store(&ts->collector, c);
}

int table_server_start(struct table_server *ts, struct daemon *d)
{
	int err;

	ts->d = d;
	err = pthread_create(&ts->thread, NULL, serve_thread, ts);
	if (err) {
		sc_err("cannot start the table socket's thread: %s", strerror(err));
		return -err;
	}
	ts->started = true;
	return 0;
}

void table_server_stop(struct table_server *ts)
{
	if (!ts)
		return;
	if (ts->started) {
		if (write(ts->stop_pipe[1], "x", 1) < 0)
			sc_warn("cannot wake the table socket's thread: %s", strerror(errno));
		pthread_join(ts->thread, NULL);
	}
	if (ts->fd >= 0) {
		close(ts->fd);
		if (unlink(ts->path) && errno != ENOENT)
			sc_warn("cannot remove %s: %s", ts->path, strerror(errno));
	}
	if (ts->stop_pipe[0] >= 0)
		close(ts->stop_pipe[0]);
	if (ts->stop_pipe[1] >= 0)
		close(ts->stop_pipe[1]);
	free(ts->path);
	free(ts);
}

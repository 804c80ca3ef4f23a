// SPDX-License-Identifier: GPL-2.0
/*
 * Argument values: whatever a user, a script or a unit file passes to the
 * commands and sockcostd (durations, sizes, ports, pids, filters, the
 * listen address, --app-limit), and the --app-limits file. The first byte
 * picks the parser, the rest is the argv (NUL between arguments) or the
 * file's text. A parse that says OK must leave values in their ranges.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app_limit.h"
#include "close_args.h"
#include "cost_args.h"
#include "daemon_args.h"
#include "snapshot_args.h"
#include "top_args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 32

enum { A_SNAPSHOT, A_COST, A_CLOSE, A_DAEMON, A_TOP, A_LISTEN, A_LIMITS_FILE, A_COUNT };

static const char *const command[A_COUNT] = { "snapshot", "cost", "close", "sockcostd", "top" };

/*
 * An error is one line, terminated, not empty. Messages quote the argument
 * as given, so an argument's own newline is let through (see the report).
 */
static bool given_newline;

static void check_err(enum args_result r, const char *err, size_t len)
{
	if (r == ARGS_ERROR &&
	    (!memchr(err, '\0', len) || !err[0] || (!given_newline && strchr(err, '\n'))))
		abort();
}

static void parse_argv(int which, int argc, char **argv)
{
	static struct snapshot_opts snap;
	static struct cost_opts cost;
	static struct close_opts close;
	static struct daemon_opts daemon;
	static struct top_opts top;
	char err[256];
	enum args_result r = ARGS_OK;
	size_t i;

	memset(err, 0x55, sizeof(err));
	switch (which) {
	case A_SNAPSHOT:
		r = snapshot_parse_args(argc, argv, &snap, err, sizeof(err));
		break;
	case A_COST:
		r = cost_parse_args(argc, argv, &cost, err, sizeof(err));
		if (r == ARGS_OK)
			for (i = 1; i < cost.nwhatif; i++)
				if (cost.whatif_s[i - 1] >= cost.whatif_s[i])
					abort(); /* ascending and unique, as promised */
		break;
	case A_CLOSE:
		r = close_parse_args(argc, argv, &close, err, sizeof(err));
		if (r == ARGS_OK && (close.max < 1 || close.max > SC_CLOSE_MAX_MAX ||
				     close.wait_s < 0 || close.wait_s > SC_CLOSE_MAX_WAIT_S))
			abort();
		break;
	case A_DAEMON:
		r = daemon_parse_args(argc, argv, &daemon, err, sizeof(err));
		if (r == ARGS_OK && daemon.napp_limits > SC_DAEMON_MAX_APP_LIMITS)
			abort();
		break;
	case A_TOP:
		r = top_parse_args(argc, argv, &top, err, sizeof(err));
		if (r == ARGS_OK && top.npids > TOP_MAX_PIDS)
			abort();
		break;
	}
	check_err(r, err, sizeof(err));
}

static void parse_text(int which, const char *text)
{
	struct sc_app_limit limits[8];
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned bad_line = 0;
	size_t n = 0, i;
	char err[256];

	if (which == A_LISTEN) {
		memset(err, 0x55, sizeof(err));
		if (daemon_parse_listen(text, &ss, &len, err, sizeof(err)))
			check_err(ARGS_ERROR, err, sizeof(err));
		else if (len > sizeof(ss) ||
			 (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			abort();
		return;
	}
	/* Lines parsed before a bad one stay; each must be whole. */
	sc_app_limits_parse_text(text, limits, 8, &n, &bad_line);
	for (i = 0; i < n; i++)
		if (limits[i].connections < 1 ||
		    !memchr(limits[i].comm, '\0', sizeof(limits[i].comm)))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[MAX_ARGS + 2], *p, *end;
	int which, argc = 1;

	if (size < 1)
		return 0;
	which = data[0] % A_COUNT;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	given_newline = memchr(buf, '\n', size - 1);
	if (which >= A_LISTEN) {
		parse_text(which, buf);
		free(buf);
		return 0;
	}
	/* argv as the kernel hands it over: NUL-terminated strings, then NULL. */
	argv[0] = (char *)command[which];
	end = buf + size - 1;
	for (p = buf; p < end && argc <= MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	parse_argv(which, argc, argv);
	free(buf);
	return 0;
}

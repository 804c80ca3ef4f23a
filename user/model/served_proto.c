// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "served_proto.h"

static const char *by_names[] = {
	[SC_BY_DEFAULT] = "default", [SC_BY_SERVICE] = "service",
	[SC_BY_PROCESS] = "process", [SC_BY_PORT] = "port",
	[SC_BY_CGROUP] = "cgroup", [SC_BY_REMOTE] = "remote",
	[SC_BY_REMOTE_ADDR] = "remote-addr",
};

bool sc_served_by_supported(enum sc_group_by by)
{
	return by == SC_BY_DEFAULT || by == SC_BY_SERVICE || by == SC_BY_PROCESS ||
	       by == SC_BY_PORT;
}

static int fitted(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int sc_served_request_format(const struct sc_served_request *r, char *buf, size_t len)
{
	if ((unsigned)r->by >= sizeof(by_names) / sizeof(by_names[0]))
		return -EINVAL;
	return fitted(snprintf(buf, len,
			       "table %d by=%s idle_after_ms=%llu heartbeat_bytes=%llu "
			       "close_wait_after_ms=%llu stall_after_ms=%llu nat_timeout_ms=%llu\n",
			       SC_SERVED_VERSION, by_names[r->by],
			       (unsigned long long)r->policy.idle_after_ms,
			       (unsigned long long)r->policy.heartbeat_bytes,
			       (unsigned long long)r->health.close_wait_after_ms,
			       (unsigned long long)r->health.stall_after_ms,
			       (unsigned long long)r->health.nat_timeout_ms),
		      len);
}

/* A decimal __u64 and nothing after it. */
static int parse_u64(const char *s, __u64 *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EPROTO;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EPROTO : 0;
}

/* Copies the line without its '\n'; a line must end there or at NUL. */
static int copy_line(const char *line, char *buf, size_t len)
{
	size_t n = strcspn(line, "\n");

	if (n >= len || (line[n] == '\n' && line[n + 1]))
		return -EPROTO;
	memcpy(buf, line, n);
	buf[n] = '\0';
	return 0;
}

/* "word VERSION" at the start of buf; *rest after it. */
static int parse_head(char *buf, const char *word, char **rest)
{
	size_t w = strlen(word);
	__u64 version;
	char *sp;

	if (strncmp(buf, word, w) || buf[w] != ' ')
		return -EPROTO;
	sp = strchr(buf + w + 1, ' ');
	if (sp)
		*sp = '\0';
	if (parse_u64(buf + w + 1, &version))
		return -EPROTO;
	if (version != SC_SERVED_VERSION)
		return -EPROTONOSUPPORT;
	*rest = sp ? sp + 1 : buf + strlen(buf);
	return 0;
}

static int request_field(struct sc_served_request *r, const char *key, const char *val,
			 unsigned *seen)
{
	static const char *keys[] = { "by", "idle_after_ms", "heartbeat_bytes",
				      "close_wait_after_ms", "stall_after_ms", "nat_timeout_ms" };
	__u64 *nums[] = { NULL, &r->policy.idle_after_ms, &r->policy.heartbeat_bytes,
			  &r->health.close_wait_after_ms, &r->health.stall_after_ms,
			  &r->health.nat_timeout_ms };
	unsigned i, b;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && strcmp(key, keys[i]); i++)
		;
	if (i == sizeof(keys) / sizeof(keys[0]) || (*seen & 1u << i))
		return -EPROTO;
	*seen |= 1u << i;
	if (nums[i])
		return parse_u64(val, nums[i]);
	for (b = 0; b < sizeof(by_names) / sizeof(by_names[0]); b++)
		if (!strcmp(val, by_names[b])) {
			r->by = (enum sc_group_by)b;
			return 0;
		}
	return -EPROTO;
}

int sc_served_request_parse(const char *line, struct sc_served_request *r)
{
	char buf[SC_SERVED_LINE_MAX], *rest, *tok, *save = NULL, *eq;
	unsigned seen = 0;
	int err;

	memset(r, 0, sizeof(*r));
	if (copy_line(line, buf, sizeof(buf)))
		return -EPROTO;
	err = parse_head(buf, "table", &rest);
	if (err)
		return err;
	for (tok = strtok_r(rest, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		eq = strchr(tok, '=');
		if (!eq)
			return -EPROTO;
		*eq = '\0';
		err = request_field(r, tok, eq + 1, &seen);
		if (err)
			return err;
	}
	/* Every field: a daemon must never guess a policy the user did not send. */
	return seen == 0x3f ? 0 : -EPROTO;
}

int sc_served_status_format(const struct sc_served_status *s, char *buf, size_t len)
{
	char health[24];

	if (!s->ok)
		return fitted(snprintf(buf, len, "walk %d %s\n", SC_SERVED_VERSION, s->reason),
			      len);
	if (s->health_age_ms == SC_AGE_UNKNOWN)
		snprintf(health, sizeof(health), "-");
	else
		snprintf(health, sizeof(health), "%llu", (unsigned long long)s->health_age_ms);
	return fitted(snprintf(buf, len, "ok %d pid=%u age_ms=%llu health_age_ms=%s bytes=%llu\n",
			       SC_SERVED_VERSION, s->pid, (unsigned long long)s->age_ms, health,
			       (unsigned long long)s->bytes),
		      len);
}

static int status_fields(char *rest, struct sc_served_status *s)
{
	char *tok, *save = NULL, *eq;
	unsigned seen = 0;
	__u64 v;

	for (tok = strtok_r(rest, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		eq = strchr(tok, '=');
		if (!eq)
			return -EPROTO;
		*eq++ = '\0';
		if (!strcmp(tok, "health_age_ms") && !(seen & 4) && !strcmp(eq, "-")) {
			s->health_age_ms = SC_AGE_UNKNOWN;
			seen |= 4;
			continue;
		}
		if (parse_u64(eq, &v))
			return -EPROTO;
		if (!strcmp(tok, "pid") && !(seen & 1) && v && v <= UINT32_MAX) {
			s->pid = (__u32)v;
			seen |= 1;
		} else if (!strcmp(tok, "age_ms") && !(seen & 2)) {
			s->age_ms = v;
			seen |= 2;
		} else if (!strcmp(tok, "health_age_ms") && !(seen & 4)) {
			s->health_age_ms = v;
			seen |= 4;
		} else if (!strcmp(tok, "bytes") && !(seen & 8)) {
			s->bytes = v;
			seen |= 8;
		} else {
			return -EPROTO;
		}
	}
	return seen == 15 ? 0 : -EPROTO;
}

int sc_served_status_parse(const char *line, struct sc_served_status *s)
{
	char buf[SC_SERVED_LINE_MAX], *rest;
	int err;

	memset(s, 0, sizeof(*s));
	if (copy_line(line, buf, sizeof(buf)))
		return -EPROTO;
	if (!strncmp(buf, "walk ", 5)) {
		err = parse_head(buf, "walk", &rest);
		if (!err)
			snprintf(s->reason, sizeof(s->reason), "%s", rest);
		return err;
	}
	err = parse_head(buf, "ok", &rest);
	if (err)
		return err;
	s->ok = true;
	return status_fields(rest, s);
}

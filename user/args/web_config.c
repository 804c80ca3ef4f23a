// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter-toolkit web configuration, read with libyaml's event parser:
 * each section is a table of keys and handlers, so an unknown or repeated
 * key is an error at its line, as the toolkit's strict YAML decoding makes it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "common.h"
#include "web_config.h"

const char *const sc_web_header_names[SC_WEB_NHEADERS] = {
	[SC_HDR_CSP] = "Content-Security-Policy",
	[SC_HDR_FRAME_OPTIONS] = "X-Frame-Options",
	[SC_HDR_CONTENT_TYPE_OPTIONS] = "X-Content-Type-Options",
	[SC_HDR_XSS_PROTECTION] = "X-XSS-Protection",
	[SC_HDR_HSTS] = "Strict-Transport-Security",
};

struct parser {
	yaml_parser_t y;
	yaml_event_t ev;          /* the current event, once have */
	bool have;
	const char *file;
	char *err;
	size_t errlen;
	struct sc_web_config *c;
	const char *key;          /* the key whose value is being read */
	unsigned key_line;        /* and its line */
	unsigned tls_line;        /* tls_server_config's line */
	unsigned auth_line, min_line, max_line;
};

static unsigned line_of(const struct parser *p)
{
	return (unsigned)p->ev.start_mark.line + 1;
}

static int __attribute__((format(printf, 3, 4))) fail_at(struct parser *p, unsigned line,
							  const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = (size_t)snprintf(p->err, p->errlen, "%s:%u: ", p->file, line);
	if (n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int next(struct parser *p)
{
	if (p->have)
		yaml_event_delete(&p->ev);
	p->have = false;
	if (!yaml_parser_parse(&p->y, &p->ev)) {
		if (p->y.error == YAML_MEMORY_ERROR) {
			snprintf(p->err, p->errlen, "%s: out of memory", p->file);
			return -ENOMEM;
		}
		if (p->y.context)
			return fail_at(p, (unsigned)p->y.problem_mark.line + 1,
				       "not valid YAML: %s %s (from line %u)",
				       p->y.problem ? p->y.problem : "syntax error", p->y.context,
				       (unsigned)p->y.context_mark.line + 1);
		return fail_at(p, (unsigned)p->y.problem_mark.line + 1, "not valid YAML: %s",
			       p->y.problem ? p->y.problem : "syntax error");
	}
	p->have = true;
	if (p->ev.type == YAML_ALIAS_EVENT)
		return fail_at(p, line_of(p), "aliases (*%s) are not supported",
			       (const char *)p->ev.data.alias.anchor);
	return 0;
}

static const char *scalar(const struct parser *p)
{
	return (const char *)p->ev.data.scalar.value;
}

/* An empty value, ~ or null: the key is as good as absent. */
static bool is_null(const struct parser *p)
{
	const char *s = scalar(p);

	return p->ev.type == YAML_SCALAR_EVENT &&
	       p->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*s || !strcmp(s, "~") || !strcasecmp(s, "null"));
}

/* The current value as a string; NULL-valued keys leave *out NULL. */
static int get_string(struct parser *p, char **out)
{
	if (p->ev.type != YAML_SCALAR_EVENT)
		return fail_at(p, line_of(p), "%s: expected a string", p->key);
	if (strlen(scalar(p)) != p->ev.data.scalar.length)
		return fail_at(p, line_of(p), "%s: a NUL byte in the value", p->key);
	if (is_null(p))
		return 0;
	*out = strdup(scalar(p));
	if (!*out) {
		snprintf(p->err, p->errlen, "%s: out of memory", p->file);
		return -ENOMEM;
	}
	return 0;
}

static int get_bool(struct parser *p, bool *out)
{
	const char *s = scalar(p);

	if (p->ev.type == YAML_SCALAR_EVENT && !strcasecmp(s, "true"))
		*out = true;
	else if (p->ev.type == YAML_SCALAR_EVENT && !strcasecmp(s, "false"))
		*out = false;
	else
		return fail_at(p, line_of(p), "%s: expected true or false", p->key);
	return 0;
}

/* Skips the current value whole (a scalar, or a sequence or mapping to its end). */
static int skip_value(struct parser *p)
{
	int depth = 0, err;

	for (;;) {
		if (p->ev.type == YAML_SEQUENCE_START_EVENT || p->ev.type == YAML_MAPPING_START_EVENT)
			depth++;
		else if (p->ev.type == YAML_SEQUENCE_END_EVENT ||
			 p->ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		if (depth <= 0)
			return 0;
		err = next(p);
		if (err)
			return err;
	}
}

/* A key sockcostd cannot honour: refused unless empty. */
static int refuse_unless_empty(struct parser *p, const char *why)
{
	unsigned line = p->key_line;
	bool empty = is_null(p);
	int err;

	if (p->ev.type == YAML_SEQUENCE_START_EVENT) {
		err = next(p);
		if (err)
			return err;
		empty = p->ev.type == YAML_SEQUENCE_END_EVENT;
		if (!empty)
			err = skip_value(p);
		if (err)
			return err;
	}
	return empty ? 0 : fail_at(p, line, "%s is not supported: %s", p->key, why);
}

struct key {
	const char *name;
	int (*fn)(struct parser *p);
};

/* Reads the current mapping, each key's value by its handler. */
static int fixed_mapping(struct parser *p, const char *section, const struct key *keys,
			 size_t nkeys)
{
	uint64_t seen = 0;
	size_t i;
	int err;

	if (is_null(p))
		return 0;
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return fail_at(p, line_of(p), "%s: expected a mapping of keys", section);
	for (;;) {
		err = next(p);
		if (err || p->ev.type == YAML_MAPPING_END_EVENT)
			return err;
		if (p->ev.type != YAML_SCALAR_EVENT)
			return fail_at(p, line_of(p), "%s: expected a key", section);
		for (i = 0; i < nkeys && strcmp(keys[i].name, scalar(p)); i++)
			;
		if (i == nkeys)
			return fail_at(p, line_of(p), "unknown key '%s' in %s", scalar(p), section);
		if (seen & (1ull << i))
			return fail_at(p, line_of(p), "'%s' is given twice in %s", keys[i].name,
				       section);
		seen |= 1ull << i;
		p->key_line = line_of(p);
		err = next(p);
		if (err)
			return err;
		p->key = keys[i].name;
		err = keys[i].fn(p);
		if (err)
			return err;
	}
}

#define STRING_KEY(field)                                    \
	static int key_##field(struct parser *p)             \
	{                                                    \
		return get_string(p, &p->c->field);          \
	}
STRING_KEY(cert)
STRING_KEY(key)
STRING_KEY(client_ca)

/*
 * A relative path names a file beside the config (as the exporter-toolkit
 * resolves it), not one in whatever directory sockcostd started in.
 */
static int beside_config(struct parser *p, char **path)
{
	const char *slash = strrchr(p->file, '/');
	size_t dir, size;
	char *joined;

	if (!*path || !**path || **path == '/' || !slash)
		return 0;
	dir = (size_t)(slash - p->file);
	size = dir + 1 + strlen(*path) + 1;
	joined = malloc(size);
	if (joined)
		snprintf(joined, size, "%.*s/%s", (int)dir, p->file, *path);
	else {
		snprintf(p->err, p->errlen, "%s: out of memory", p->file);
		return -ENOMEM;
	}
	free(*path);
	*path = joined;
	return 0;
}

#define FILE_KEY(field)                                                  \
	static int key_##field(struct parser *p)                         \
	{                                                                \
		int err;                                                 \
									 \
		p->c->field##_line = line_of(p);                         \
		err = get_string(p, &p->c->field);                       \
		return err ? err : beside_config(p, &p->c->field);       \
	}
FILE_KEY(cert_file)
FILE_KEY(key_file)
FILE_KEY(client_ca_file)

static int key_client_auth_type(struct parser *p)
{
	const char *s = scalar(p);

	p->auth_line = line_of(p);
	if (p->ev.type != YAML_SCALAR_EVENT)
		return fail_at(p, line_of(p), "client_auth_type: expected a string");
	if (is_null(p) || !strcmp(s, "NoClientCert"))
		p->c->client_auth = SC_CLIENT_AUTH_NONE;
	else if (!strcmp(s, "RequireAndVerifyClientCert"))
		p->c->client_auth = SC_CLIENT_AUTH_REQUIRE_VERIFY;
	else if (!strcmp(s, "RequestClientCert") || !strcmp(s, "RequireAnyClientCert") ||
		 !strcmp(s, "VerifyClientCertIfGiven"))
		return fail_at(p, line_of(p), "client_auth_type %s is not supported: use "
			       "RequireAndVerifyClientCert (or NoClientCert)", s);
	else
		return fail_at(p, line_of(p), "client_auth_type: unknown '%s' (NoClientCert or "
			       "RequireAndVerifyClientCert)", s);
	return 0;
}

static int get_version(struct parser *p, enum sc_tls_version *v)
{
	static const char *const names[] = { "TLS10", "TLS11", "TLS12", "TLS13" };
	size_t i;

	if (p->ev.type == YAML_SCALAR_EVENT && is_null(p))
		return 0;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (p->ev.type == YAML_SCALAR_EVENT && !strcmp(scalar(p), names[i])) {
			*v = (enum sc_tls_version)(SC_TLS10 + i);
			return 0;
		}
	}
	return fail_at(p, line_of(p), "%s: expected TLS10, TLS11, TLS12 or TLS13", p->key);
}

static int key_min_version(struct parser *p)
{
	p->min_line = line_of(p);
	return get_version(p, &p->c->min_version);
}

static int key_max_version(struct parser *p)
{
	p->max_line = line_of(p);
	return get_version(p, &p->c->max_version);
}

static int key_prefer_server(struct parser *p)
{
	return get_bool(p, &p->c->prefer_server_ciphers);
}

static int key_cipher_suites(struct parser *p)
{
	return refuse_unless_empty(p, "GnuTLS chooses the cipher suites (its NORMAL priority "
				   "set); use min_version to exclude old protocols");
}

static int key_curve_preferences(struct parser *p)
{
	return refuse_unless_empty(p, "GnuTLS chooses the curves (its NORMAL priority set)");
}

static int key_client_allowed_sans(struct parser *p)
{
	return refuse_unless_empty(p, "sockcostd verifies client certificates against "
				   "client_ca_file only");
}

static int section_tls(struct parser *p)
{
	static const struct key keys[] = {
		{ "cert", key_cert }, { "key", key_key }, { "client_ca", key_client_ca },
		{ "cert_file", key_cert_file }, { "key_file", key_key_file },
		{ "client_ca_file", key_client_ca_file },
		{ "client_auth_type", key_client_auth_type },
		{ "client_allowed_sans", key_client_allowed_sans },
		{ "min_version", key_min_version }, { "max_version", key_max_version },
		{ "cipher_suites", key_cipher_suites },
		{ "prefer_server_cipher_suites", key_prefer_server },
		{ "curve_preferences", key_curve_preferences },
	};

	p->tls_line = p->key_line;
	p->c->tls = p->ev.type == YAML_MAPPING_START_EVENT;
	return fixed_mapping(p, "tls_server_config", keys, ARRAY_SIZE(keys));
}

static int key_http2(struct parser *p)
{
	return get_bool(p, &p->c->http2);
}

static bool header_value_ok(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return false;
	return true;
}

static int one_header(struct parser *p, enum sc_web_header h)
{
	int err = get_string(p, &p->c->headers[h]);
	const char *v = p->c->headers[h];

	if (err || !v)
		return err;
	if (!header_value_ok(v))
		return fail_at(p, line_of(p), "%s: control characters in the value", p->key);
	if (h == SC_HDR_FRAME_OPTIONS && strcasecmp(v, "deny") && strcasecmp(v, "sameorigin"))
		return fail_at(p, line_of(p), "X-Frame-Options: expected deny or sameorigin");
	if (h == SC_HDR_CONTENT_TYPE_OPTIONS && strcasecmp(v, "nosniff"))
		return fail_at(p, line_of(p), "X-Content-Type-Options: expected nosniff");
	return 0;
}

#define HEADER_KEY(fn, h)                       \
	static int fn(struct parser *p)         \
	{                                       \
		return one_header(p, h);        \
	}
HEADER_KEY(hdr_csp, SC_HDR_CSP)
HEADER_KEY(hdr_frame, SC_HDR_FRAME_OPTIONS)
HEADER_KEY(hdr_nosniff, SC_HDR_CONTENT_TYPE_OPTIONS)
HEADER_KEY(hdr_xss, SC_HDR_XSS_PROTECTION)
HEADER_KEY(hdr_hsts, SC_HDR_HSTS)

static int key_headers(struct parser *p)
{
	static const struct key keys[] = {
		{ "Content-Security-Policy", hdr_csp }, { "X-Frame-Options", hdr_frame },
		{ "X-Content-Type-Options", hdr_nosniff }, { "X-XSS-Protection", hdr_xss },
		{ "Strict-Transport-Security", hdr_hsts },
	};

	return fixed_mapping(p, "headers", keys, ARRAY_SIZE(keys));
}

static int section_http(struct parser *p)
{
	static const struct key keys[] = { { "http2", key_http2 }, { "headers", key_headers } };

	return fixed_mapping(p, "http_server_config", keys, ARRAY_SIZE(keys));
}

static bool is_bcrypt(const char *h)
{
	static const char alphabet[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				       "0123456789";
	int cost;

	if (strlen(h) != 60 || strncmp(h, "$2", 2) || !strchr("aby", h[2]) || h[3] != '$' ||
	    h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$')
		return false;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	return cost >= 4 && cost <= 31 && strspn(h + 7, alphabet) == 53;
}

static bool user_name_ok(const char *u)
{
	/* Basic auth sends "user:password": a colon cannot be in a user name. */
	return *u && !strchr(u, ':') && header_value_ok(u);
}

static int one_user(struct parser *p)
{
	struct sc_web_config *c = p->c;
	struct sc_web_user *u;
	unsigned line = line_of(p);
	size_t i;
	int err;

	if (p->ev.type != YAML_SCALAR_EVENT || strlen(scalar(p)) != p->ev.data.scalar.length ||
	    !user_name_ok(scalar(p)))
		return fail_at(p, line, "basic_auth_users: expected a user name (no colon, "
			       "no control characters)");
	for (i = 0; i < c->nusers; i++)
		if (!strcmp(c->users[i].name, scalar(p)))
			return fail_at(p, line, "basic_auth_users: '%s' is given twice",
				       scalar(p));
	u = realloc(c->users, (c->nusers + 1) * sizeof(*u));
	if (!u) {
		snprintf(p->err, p->errlen, "%s: out of memory", p->file);
		return -ENOMEM;
	}
	c->users = u;
	u = &c->users[c->nusers];
	*u = (struct sc_web_user){ .name = strdup(scalar(p)) };
	if (!u->name) {
		snprintf(p->err, p->errlen, "%s: out of memory", p->file);
		return -ENOMEM;
	}
	c->nusers++;
	err = next(p);
	if (err)
		return err;
	p->key = u->name;
	err = get_string(p, &u->hash);
	if (err)
		return err;
	if (!u->hash || !is_bcrypt(u->hash))
		return fail_at(p, line_of(p), "basic_auth_users: %s: expected a bcrypt hash "
			       "($2y$10$ and 53 more characters, as htpasswd -nBC 10 makes)",
			       u->name);
	return 0;
}

static int section_users(struct parser *p)
{
	int err;

	if (is_null(p))
		return 0;
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return fail_at(p, line_of(p), "basic_auth_users: expected a mapping of user: "
			       "bcrypt hash");
	for (;;) {
		err = next(p);
		if (err || p->ev.type == YAML_MAPPING_END_EVENT)
			return err;
		err = one_user(p);
		if (err)
			return err;
	}
}

static int section_rate_limit(struct parser *p)
{
	unsigned line = p->key_line;
	int err;

	if (is_null(p))
		return 0;
	err = skip_value(p);
	return err ? err : fail_at(p, line, "rate_limit is not supported (libmicrohttpd has no "
				   "rate limiter; sockcostd bounds connections and their memory "
				   "instead)");
}

/* What only the whole file shows: pairs and dependencies between keys. */
static int check_whole(struct parser *p)
{
	struct sc_web_config *c = p->c;

	if (!c->tls)
		return 0;
	if (c->cert && c->cert_file)
		return fail_at(p, c->cert_file_line, "give cert or cert_file, not both");
	if (c->key && c->key_file)
		return fail_at(p, c->key_file_line, "give key or key_file, not both");
	if (c->client_ca && c->client_ca_file)
		return fail_at(p, c->client_ca_file_line, "give client_ca or client_ca_file, "
			       "not both");
	if (!c->cert && !c->cert_file)
		return fail_at(p, p->tls_line, "tls_server_config: missing cert_file (or cert)");
	if (!c->key && !c->key_file)
		return fail_at(p, p->tls_line, "tls_server_config: missing key_file (or key)");
	if (c->client_auth == SC_CLIENT_AUTH_REQUIRE_VERIFY && !c->client_ca && !c->client_ca_file)
		return fail_at(p, p->auth_line, "RequireAndVerifyClientCert needs "
			       "client_ca_file (or client_ca)");
	if (c->client_auth == SC_CLIENT_AUTH_NONE && (c->client_ca || c->client_ca_file))
		return fail_at(p, c->client_ca_file_line ? c->client_ca_file_line : p->tls_line,
			       "a client CA without client_auth_type: RequireAndVerifyClientCert "
			       "would verify nothing");
	if (c->min_version > c->max_version)
		return fail_at(p, p->min_line ? p->min_line : p->max_line,
			       "min_version %s is above max_version %s",
			       sc_tls_version_name(c->min_version),
			       sc_tls_version_name(c->max_version));
	return 0;
}

static int document(struct parser *p)
{
	static const struct key keys[] = {
		{ "tls_server_config", section_tls }, { "http_server_config", section_http },
		{ "basic_auth_users", section_users }, { "rate_limit", section_rate_limit },
	};
	int err;

	err = next(p);                                   /* stream start */
	if (!err)
		err = next(p);
	if (err || p->ev.type == YAML_STREAM_END_EVENT)  /* an empty file: no TLS, no auth */
		return err;
	err = next(p);                                   /* after document start */
	if (err)
		return err;
	if (p->ev.type != YAML_MAPPING_START_EVENT && !is_null(p))
		return fail_at(p, line_of(p), "expected a mapping (tls_server_config:, "
			       "basic_auth_users:, ...) at the top");
	err = fixed_mapping(p, "the web configuration", keys, ARRAY_SIZE(keys));
	if (!err)
		err = next(p);                           /* document end */
	if (!err)
		err = next(p);
	if (!err && p->ev.type != YAML_STREAM_END_EVENT)
		return fail_at(p, line_of(p), "more than one YAML document");
	return err ? err : check_whole(p);
}

int sc_web_config_parse(const char *text, size_t len, const char *file,
			struct sc_web_config *c, char *err, size_t errlen)
{
	struct parser p = { .file = file, .err = err, .errlen = errlen, .c = c };
	int ret;

	*c = (struct sc_web_config){ .min_version = SC_TLS12, .max_version = SC_TLS13,
				     .prefer_server_ciphers = true, .http2 = true };
	if (len > SC_WEB_CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %u bytes", file, SC_WEB_CONFIG_MAX_BYTES);
		return -EINVAL;
	}
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s: a NUL byte: not a text file", file);
		return -EINVAL;
	}
	if (!yaml_parser_initialize(&p.y)) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&p.y, (const unsigned char *)text, len);
	ret = document(&p);
	if (p.have)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.y);
	if (ret)
		sc_web_config_free(c);
	return ret;
}

void sc_web_config_free(struct sc_web_config *c)
{
	size_t i;

	free(c->cert);
	free(c->key);
	free(c->client_ca);
	free(c->cert_file);
	free(c->key_file);
	free(c->client_ca_file);
	for (i = 0; i < SC_WEB_NHEADERS; i++)
		free(c->headers[i]);
	for (i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	*c = (struct sc_web_config){};
}

const char *sc_tls_version_name(enum sc_tls_version v)
{
	static const char *const names[] = { "TLS10", "TLS11", "TLS12", "TLS13" };

	return v >= SC_TLS10 && v <= SC_TLS13 ? names[v - SC_TLS10] : "?";
}

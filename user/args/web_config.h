/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_WEB_CONFIG_H
#define SC_WEB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The Prometheus exporter-toolkit web configuration (--web.config.file):
 * tls_server_config, http_server_config and basic_auth_users, as far as
 * libmicrohttpd over GnuTLS can honour them. Keys it cannot honour
 * (client_allowed_sans, cipher_suites, curve_preferences, rate_limit, the
 * client auth types that do not verify) are refused, never ignored: a
 * config that asks for a protection must not silently run without it.
 */

enum sc_tls_version { SC_TLS10 = 10, SC_TLS11, SC_TLS12, SC_TLS13 };

enum sc_client_auth {
	SC_CLIENT_AUTH_NONE,            /* NoClientCert */
	SC_CLIENT_AUTH_REQUIRE_VERIFY,  /* RequireAndVerifyClientCert: no valid cert, no handshake */
};

/* Response headers http_server_config.headers may set, in this order. */
enum sc_web_header {
	SC_HDR_CSP, SC_HDR_FRAME_OPTIONS, SC_HDR_CONTENT_TYPE_OPTIONS, SC_HDR_XSS_PROTECTION,
	SC_HDR_HSTS, SC_WEB_NHEADERS
};
extern const char *const sc_web_header_names[SC_WEB_NHEADERS];

struct sc_web_user {
	char *name;
	char *hash;       /* bcrypt: $2a$, $2b$ or $2y$, cost 04-31 */
};

struct sc_web_config {
	bool tls;                          /* tls_server_config given */
	/* Each PEM inline (cert, key, client_ca) or as a file; never both. */
	char *cert, *key, *client_ca;
	char *cert_file, *key_file, *client_ca_file;
	/* The line each *_file value is on, for errors found loading it. */
	unsigned cert_file_line, key_file_line, client_ca_file_line;
	enum sc_client_auth client_auth;
	enum sc_tls_version min_version, max_version;  /* default TLS12, TLS13 */
	bool prefer_server_ciphers;        /* default true */
	bool http2;                        /* accepted; libmicrohttpd speaks HTTP/1.1 */
	char *headers[SC_WEB_NHEADERS];    /* NULL: not sent */
	struct sc_web_user *users;         /* basic_auth_users; none: no authentication */
	size_t nusers;
};

/* Longest config accepted (inline PEM included). */
#define SC_WEB_CONFIG_MAX_BYTES (1u << 20)

/*
 * Parses len bytes of text (file is only for messages) into c. Returns 0,
 * or -EINVAL (bad config) or -ENOMEM with "FILE:LINE: reason" in err; c is
 * then empty. Free a parsed c with sc_web_config_free.
 */
int sc_web_config_parse(const char *text, size_t len, const char *file,
			struct sc_web_config *c, char *err, size_t errlen);
void sc_web_config_free(struct sc_web_config *c);

/* "TLS12" for SC_TLS12. */
const char *sc_tls_version_name(enum sc_tls_version v);

#endif /* SC_WEB_CONFIG_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_WEB_SECURITY_H
#define SC_WEB_SECURITY_H

#include <stdbool.h>

#include "web_config.h"

/*
 * --web.config.file loaded: the parsed config and the PEM it names, read
 * once at start (before privileges go; a change needs a restart), checked
 * with GnuTLS so a bad certificate or key stops the start with its line.
 */
struct web_security {
	struct sc_web_config cfg;
	char *cert_pem, *key_pem, *ca_pem;  /* NULL without TLS (ca_pem: without client certs) */
	char priorities[128];               /* GnuTLS priority string for cfg's versions */
	struct auth_cache *cache;           /* basic-auth successes; NULL: none kept */
};

/* Returns 0, -EINVAL for a bad config (logged as FILE:LINE: reason) or another -errno. */
int web_security_load(const char *path, struct web_security *w);
void web_security_free(struct web_security *w);
/* Zeroes and frees the PEM once the HTTPS server has loaded it (it keeps its own parsed copy). */
void web_security_forget_pem(struct web_security *w);

/* True when the client's user and password match one of w's users. */
bool web_security_password_ok(const struct web_security *w, const char *user,
			      const char *password);

#endif /* SC_WEB_SECURITY_H */

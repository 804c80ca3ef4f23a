// SPDX-License-Identifier: GPL-2.0
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "auth_cache.h"
#include "log.h"
#include "config_file.h"
#include "web_security.h"

/* Certificates and keys are a few KiB; a chain with many intermediates stays far below. */
#define PEM_MAX_BYTES (1u << 20)

static int read_pem(const char *config, unsigned line, const char *what, const char *path,
		    char **pem)
{
	size_t len;
	int err = sc_read_config_file(path, PEM_MAX_BYTES, pem, &len);

	if (err)
		return sc_fail(err == -EFBIG ? EINVAL : -err, "%s:%u: cannot read %s %s: %s",
			       config, line, what, path,
			       err == -EFBIG ? "larger than 1 MiB" : strerror(-err));
	if (strlen(*pem) != len) {
		free(*pem);
		*pem = NULL;
		return sc_fail(EINVAL, "%s:%u: %s %s: a NUL byte: not PEM", config, line, what,
			       path);
	}
	return 0;
}

/* Inline PEM is copied, so every PEM is the struct's own. */
static int pem_of(const char *config, unsigned line, const char *what, const char *inline_pem,
		  const char *path, char **pem)
{
	if (path)
		return read_pem(config, line, what, path, pem);
	*pem = inline_pem ? strdup(inline_pem) : NULL;
	return inline_pem && !*pem ? sc_fail(ENOMEM, "out of memory") : 0;
}

static gnutls_datum_t datum(const char *s)
{
	return (gnutls_datum_t){ .data = (unsigned char *)s, .size = (unsigned)strlen(s) };
}

/* What libmicrohttpd would refuse later with less to say: checked here with the line. */
static int check_with_gnutls(const char *config, const struct web_security *w)
{
	const struct sc_web_config *c = &w->cfg;
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	gnutls_datum_t cert = datum(w->cert_pem), key = datum(w->key_pem), ca;
	const char *errpos = NULL;
	int rc, err = 0;

	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return sc_fail(ENOMEM, "out of memory");
	rc = gnutls_certificate_set_x509_key_mem2(cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rc < 0)
		err = sc_fail(EINVAL, "%s:%u: cert_file %s and key_file %s: %s", config,
			      c->key_file_line ? c->key_file_line : c->cert_file_line,
			      c->cert_file ? c->cert_file : "(inline)",
			      c->key_file ? c->key_file : "(inline)", gnutls_strerror(rc));
	if (!err && w->ca_pem) {
		ca = datum(w->ca_pem);
		rc = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
		if (rc <= 0)
			err = sc_fail(EINVAL, "%s:%u: client_ca_file %s: %s", config,
				      c->client_ca_file_line,
				      c->client_ca_file ? c->client_ca_file : "(inline)",
				      rc < 0 ? gnutls_strerror(rc) : "no certificate in it");
	}
	gnutls_certificate_free_credentials(cred);
	if (err)
		return err;
	rc = gnutls_priority_init(&prio, w->priorities, &errpos);
	if (rc < 0)
		return sc_fail(EINVAL, "%s: TLS versions %s-%s: GnuTLS refuses '%s': %s", config,
			       sc_tls_version_name(c->min_version),
			       sc_tls_version_name(c->max_version), w->priorities,
			       gnutls_strerror(rc));
	gnutls_priority_deinit(prio);
	return 0;
}

static void make_priorities(struct web_security *w)
{
	static const char *const vers[] = { "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3" };
	size_t n = (size_t)snprintf(w->priorities, sizeof(w->priorities), "NORMAL:-VERS-ALL");
	int v;

	for (v = w->cfg.min_version; v <= (int)w->cfg.max_version; v++)
		n += (size_t)snprintf(w->priorities + n, sizeof(w->priorities) - n, ":+VERS-%s",
				      vers[v - SC_TLS10]);
	if (w->cfg.prefer_server_ciphers)
		snprintf(w->priorities + n, sizeof(w->priorities) - n, ":%%SERVER_PRECEDENCE");
}

static int load_tls(const char *path, struct web_security *w)
{
	const struct sc_web_config *c = &w->cfg;
	int err;

	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return sc_fail(ENOTSUP, "%s: tls_server_config: this libmicrohttpd was built "
			       "without TLS", path);
	err = pem_of(path, c->cert_file_line, "cert_file", c->cert, c->cert_file, &w->cert_pem);
	if (!err)
		err = pem_of(path, c->key_file_line, "key_file", c->key, c->key_file, &w->key_pem);
	if (!err)
		err = pem_of(path, c->client_ca_file_line, "client_ca_file", c->client_ca,
			     c->client_ca_file, &w->ca_pem);
	if (err)
		return err;
	make_priorities(w);
	return check_with_gnutls(path, w);
}

int web_security_load(const char *path, struct web_security *w)
{
	char msg[512], *text;
	size_t len;
	int err;

	*w = (struct web_security){};
	err = sc_read_config_file(path, SC_WEB_CONFIG_MAX_BYTES, &text, &len);
	if (err)
		return sc_fail(err == -EFBIG ? EINVAL : -err, "cannot read --web.config.file %s: %s",
			       path, err == -EFBIG ? "larger than 1 MiB" : strerror(-err));
	err = sc_web_config_parse(text, len, path, &w->cfg, msg, sizeof(msg));
	explicit_bzero(text, len); /* it may hold an inline key */
	free(text);
	if (err)
		return sc_fail(-err, "%s", msg);
	err = w->cfg.tls ? load_tls(path, w) : 0;
	if (err) {
		web_security_free(w);
		return err;
	}
	if (w->cfg.nusers) {
		w->cache = auth_cache_new();
		if (!w->cache)
			sc_warn("%s: no cache of basic-auth successes: each request pays a bcrypt",
				path);
	}
	if (w->cfg.nusers && !w->cfg.tls)
		sc_warn("%s: basic_auth_users without tls_server_config: passwords cross the "
			"network in clear text", path);
	return 0;
}

static void free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

void web_security_forget_pem(struct web_security *w)
{
	free(w->cert_pem);
	free_secret(w->key_pem);
	free(w->ca_pem);
	w->cert_pem = w->key_pem = w->ca_pem = NULL;
	if (w->cfg.key)
		explicit_bzero(w->cfg.key, strlen(w->cfg.key));
}

void web_security_free(struct web_security *w)
{
	web_security_forget_pem(w);
	auth_cache_free(w->cache);
	sc_web_config_free(&w->cfg);
	*w = (struct web_security){};
}

/* Every byte compared, whatever the first difference. */
static bool same_bytes(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* Time that depends on the client's text only (its length), not on where a name differs. */
static bool same_text(const char *client, const char *known)
{
	size_t n = strlen(client), k = strlen(known), i;
	unsigned char d = n != k;

	for (i = 0; i < n; i++)
		d |= (unsigned char)(client[i] ^ (i < k ? known[i] : 0));
	return d == 0;
}

/* "$2b$10$...": the parser took only bcrypt hashes, whose cost is two digits. */
static int bcrypt_cost(const char *hash)
{
	return (hash[4] - '0') * 10 + (hash[5] - '0');
}

bool web_security_password_ok(const struct web_security *w, const char *user,
			      const char *password)
{
	const struct sc_web_config *cfg = &w->cfg;
	struct crypt_data *cd;
	const char *hash, *out;
	bool known = false, ok;
	size_t i;

	if (!cfg->nusers)
		return false;
	/*
	 * An unknown user costs a bcrypt too, at the highest cost configured, so
	 * timing does not tell a name apart; every name is compared whole.
	 */
	hash = cfg->users[0].hash;
	for (i = 1; i < cfg->nusers; i++)
		if (bcrypt_cost(cfg->users[i].hash) > bcrypt_cost(hash))
			hash = cfg->users[i].hash;
	for (i = 0; i < cfg->nusers; i++) {
		if (same_text(user, cfg->users[i].name) & !known) {
			hash = cfg->users[i].hash;
			known = true;
		}
	}
	/* A success is remembered (keyed, no password kept); a failure always pays a bcrypt. */
	if (known && auth_cache_hit(w->cache, user, password))
		return true;
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		return false;
	out = crypt_rn(password, hash, cd, (int)sizeof(*cd));
	ok = out && strlen(out) == strlen(hash) && same_bytes(out, hash, strlen(hash)) && known;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	if (ok)
		auth_cache_add(w->cache, user, password);
	return ok;
}

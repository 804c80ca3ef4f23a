// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "common.h"
#include "http_server.h"
#include "log.h"
#include "web_security.h"

struct http_server {
	struct MHD_Daemon *mhd;
	struct http_server_opts o;
};

int http_listen(const struct sockaddr *addr, socklen_t len, const char *text)
{
	int fd, one = 1, zero = 0, err;

	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		sc_err("cannot listen on %s: %s", text, strerror(errno));
		return err;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;

		/* [::] means every interface, IPv4 included; a specific address is itself. */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
			   IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr) ? &zero : &one, sizeof(int));
	}
	if (bind(fd, addr, len) || listen(fd, 128)) {
		err = -errno;
		sc_err("cannot listen on %s: %s%s", text, strerror(errno),
		       errno == EADDRINUSE ? " (choose another with --listen)" : "");
		close(fd);
		return err;
	}
	return fd;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	/* Client misbehaviour (bad requests, limits) is routine for a server. */
	sc_debug("http: %s", line);
}

static ssize_t pipe_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	int fd = (int)(intptr_t)cls;
	ssize_t n;

	(void)pos;
	do
		n = read(fd, buf, max);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return n;
	return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void pipe_close(void *cls)
{
	close((int)(intptr_t)cls);
}

static ssize_t nothing(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_OF_STREAM;
}

static struct MHD_Response *make_response(struct http_reply *r, bool head)
{
	struct MHD_Response *resp;

	if (r->stream_fd >= 0) {
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, pipe_read,
							 (void *)(intptr_t)r->stream_fd, pipe_close);
		if (!resp)
			close(r->stream_fd);
		return resp;
	}
	if (head && !r->body && !r->text)
		/* A HEAD of a streamed document: the same headers, no body made. */
		return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, nothing, NULL, NULL);
	if (r->body) {
		resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(r->body);
		return resp;
	}
	return MHD_create_response_from_buffer(strlen(r->text), (void *)r->text,
					       MHD_RESPMEM_PERSISTENT);
}

/* The web config's headers go on every answer, a refusal too, as the exporter-toolkit adds them. */
static void add_config_headers(const struct http_server *s, struct MHD_Response *resp)
{
	size_t i;

	for (i = 0; s->o.security && i < SC_WEB_NHEADERS; i++)
		if (s->o.security->cfg.headers[i])
			MHD_add_response_header(resp, sc_web_header_names[i],
						s->o.security->cfg.headers[i]);
}

static enum MHD_Result reply(const struct http_server *s, struct MHD_Connection *conn,
			     struct http_reply *r, bool head, const char *allow)
{
	struct MHD_Response *resp = make_response(r, head);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO; /* out of memory: MHD closes the connection */
	add_config_headers(s, resp);
	if (r->content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* 401 with the challenge and an empty body: nothing for whoever failed. */
static enum MHD_Result deny(const struct http_server *s, struct MHD_Connection *conn)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"",
								    MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	add_config_headers(s, resp);
	ret = MHD_queue_basic_auth_fail_response(conn, "sockcostd", resp);
	MHD_destroy_response(resp);
	return ret;
}

static bool authorized(const struct http_server *s, struct MHD_Connection *conn)
{
	char *user, *password = NULL;
	bool ok;

	if (!s->o.security || !s->o.security->cfg.nusers)
		return true;
	user = MHD_basic_auth_get_username_password(conn, &password);
	ok = user && password && web_security_password_ok(s->o.security, user, password);
	if (password) {
		explicit_bzero(password, strlen(password));
		MHD_free(password);
	}
	if (user)
		MHD_free(user);
	return ok;
}

/*
 * The handshake already refused a client without a valid certificate
 * (client_cert_required); checked again per request, so a libmicrohttpd
 * that set up TLS differently could not let one through.
 */
/*
 * Chained to the client CA is not enough: the certificate must be one for a
 * TLS client (a server-only certificate the CA signed is refused, as Go's TLS
 * refuses it). A certificate without extendedKeyUsage is good for any purpose.
 */
static gnutls_typed_vdata_st client_purpose[] = {
	{ .type = GNUTLS_DT_KEY_PURPOSE_OID, .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT },
};

static bool client_cert_ok(const struct http_server *s, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	unsigned status = 1, n = 0;

	if (!s->o.security || s->o.security->cfg.client_auth != SC_CLIENT_AUTH_REQUIRE_VERIFY)
		return true;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return false;
	if (gnutls_certificate_verify_peers(ci->tls_session, client_purpose,
					    ARRAY_SIZE(client_purpose), &status) < 0)
		return false;
	return status == 0 && gnutls_certificate_get_peers(ci->tls_session, &n) && n > 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct http_server *s = cls;
	struct http_reply r;
	const char *allow;
	bool head;

	(void)version;
	(void)upload_data;
	/* Answer at once, without reading a body: GET and HEAD have none we use. */
	*upload_data_size = 0;
	*req_cls = NULL;
	if (!client_cert_ok(s, conn)) {
		sc_debug("http: %s %s -> client certificate not verified", method, url);
		return MHD_NO; /* closes the connection */
	}
	if (!authorized(s, conn)) {
		sc_debug("http: %s %s -> 401", method, url);
		return deny(s, conn);
	}
	allow = http_route_request(s->o.routes, s->o.nroutes, s->o.ctx, method, url, &r, &head);
	return reply(s, conn, &r, head, allow);
}

/* At accept, before the handshake: a client without a client certificate our CA signed gets none. */
static void client_cert_required(void *cls, struct MHD_Connection *conn, void **socket_ctx,
				 enum MHD_ConnectionNotificationCode what)
{
	const union MHD_ConnectionInfo *ci;

	(void)cls;
	(void)socket_ctx;
	if (what != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return; /* client_cert_ok refuses its requests */
	gnutls_certificate_server_set_request(ci->tls_session, GNUTLS_CERT_REQUIRE);
	gnutls_session_set_verify_cert2(ci->tls_session, client_purpose,
					ARRAY_SIZE(client_purpose), 0);
}

#define OPT(o, v, p) ((struct MHD_OptionItem){ (o), (intptr_t)(v), (void *)(p) })

/* TLS options from the web config; returns how many it wrote into items. */
static size_t tls_options(const struct web_security *sec, struct MHD_OptionItem *items)
{
	size_t n = 0;

	items[n++] = OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, sec->cert_pem);
	items[n++] = OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, sec->key_pem);
	items[n++] = OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, sec->priorities);
	if (sec->ca_pem) {
		items[n++] = OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, sec->ca_pem);
		items[n++] = OPT(MHD_OPTION_NOTIFY_CONNECTION, client_cert_required, NULL);
	}
	return n;
}

struct http_server *http_server_start(const struct http_server_opts *o)
{
	struct http_server *s = calloc(1, sizeof(*s));
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct MHD_OptionItem items[16];
	size_t n = 0;

	if (!s) {
		close(o->listen_fd);
		sc_err("out of memory");
		return NULL;
	}
	s->o = *o;
	if (!getsockname(o->listen_fd, (struct sockaddr *)&ss, &sl) && ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	items[n++] = OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL);
	items[n++] = OPT(MHD_OPTION_LISTEN_SOCKET, o->listen_fd, NULL);
	items[n++] = OPT(MHD_OPTION_THREAD_POOL_SIZE, o->threads, NULL);
	items[n++] = OPT(MHD_OPTION_CONNECTION_LIMIT, o->max_connections, NULL);
	items[n++] = OPT(MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s, NULL);
	items[n++] = OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->memory_limit, NULL);
	if (o->security && o->security->cfg.tls) {
		flags |= MHD_USE_TLS;
		n += tls_options(o->security, items + n);
	}
	items[n] = OPT(MHD_OPTION_END, 0, NULL);
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
				  MHD_OPTION_ARRAY, items, MHD_OPTION_END);
	if (!s->mhd) {
		sc_err("cannot start the HTTP%s server (libmicrohttpd; -v shows its reason)",
		       flags & MHD_USE_TLS ? "S" : "");
		close(o->listen_fd);
		free(s);
		return NULL;
	}
	return s;
}

void http_server_stop(struct http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd); /* closes the listening socket too */
	free(s);
}

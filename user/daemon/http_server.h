/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_HTTP_SERVER_H
#define SC_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/*
 * A small GET/HEAD-only HTTP server over libmicrohttpd: a table of exact
 * paths, 404 for the rest, 405 (with Allow) for other methods. Handlers run
 * on the server's pool threads, several at once. With a web config, HTTPS
 * (GnuTLS), client certificates and basic auth: a request without the
 * credentials gets a 401 and an empty body, before any handler runs.
 */

struct http_reply {
	unsigned status;
	const char *content_type;
	const char *text;     /* static body, or */
	char *body;           /* malloc'ed body the server frees, len bytes, or */
	size_t len;
	int stream_fd;        /* a pipe read to EOF, sent chunked; the server closes it */
};

struct web_security;

typedef void (*http_handler)(void *ctx, bool head, struct http_reply *r);

struct http_route {
	const char *path;
	http_handler fn;
};

/*
 * The answer to method and url (the path, query string taken off), without
 * a connection: a route's handler fills r (set up as 200 text/plain), or r
 * becomes the 404 or the 405. Returns the Allow header value for a 405,
 * else NULL; *head says whether it was a HEAD. Handlers see only ctx and
 * head: nothing else of a request reaches sockcostd's code.
 */
const char *http_route_request(const struct http_route *routes, size_t nroutes, void *ctx,
			       const char *method, const char *url, struct http_reply *r,
			       bool *head);

struct http_server_opts {
	int listen_fd;              /* bound and listening (http_listen) */
	unsigned threads;           /* pool threads */
	unsigned max_connections;   /* more are closed at once */
	unsigned timeout_s;         /* idle connections are closed after this */
	size_t memory_limit;        /* per connection: bounds request line and headers */
	const struct http_route *routes;
	size_t nroutes;
	void *ctx;                  /* passed to handlers */
	/* --web.config.file: TLS, client certificates, basic auth, headers; NULL: plain HTTP */
	const struct web_security *security;
};

struct http_server;

/*
 * A bound, listening TCP socket for addr; IPv6 "::" also takes IPv4. Made
 * before privileges are dropped, so any port works. Returns the fd or a
 * negative errno after logging why.
 */
int http_listen(const struct sockaddr *addr, socklen_t len, const char *text);

/* Starts serving; takes over listen_fd. Returns NULL after logging why. */
struct http_server *http_server_start(const struct http_server_opts *o);
/* Stops serving and waits for the pool threads. */
void http_server_stop(struct http_server *s);

#endif /* SC_HTTP_SERVER_H */

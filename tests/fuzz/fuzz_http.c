// SPDX-License-Identifier: GPL-2.0
/*
 * sockcostd's answer to a request (user/daemon/http_route.c), without a
 * socket: libmicrohttpd parses the bytes and hands over the method and the
 * path (percent-decoded, query string taken off); the handlers see nothing
 * else of a request. Input: method, NUL, path (a NUL ends it as it ends
 * what libmicrohttpd passes). The route table is sockcostd's own paths;
 * each handler here records that it ran and answers as the real ones do
 * (a static text, a malloc'ed body, a stream), since the real ones need a
 * running collector. Checks: a handler runs exactly for GET or HEAD of one
 * of its paths, every other request is a 404 or a 405 with Allow, and
 * every answer has a body the server can send.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "http_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct record {
	int calls;
	bool head;
};

static void answer_text(void *ctx, bool head, struct http_reply *r)
{
	struct record *rec = ctx;

	rec->calls++;
	rec->head = head;
	r->text = "ok\n";
}

static void answer_body(void *ctx, bool head, struct http_reply *r)
{
	answer_text(ctx, head, r);
	r->text = NULL;
	r->body = strdup("# metrics\n");
	r->len = r->body ? strlen(r->body) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_route routes[8];
	struct record rec = {};
	struct http_reply r;
	const char *allow, *method, *url;
	char *buf = malloc(size + 2);
	size_t i, n = daemon_nroutes < 8 ? daemon_nroutes : 8, mlen;
	bool head, get, known = false;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	method = buf;
	mlen = strlen(buf);
	url = buf + mlen + (mlen < size);
	for (i = 0; i < n; i++) {
		routes[i].path = daemon_routes[i].path;
		routes[i].fn = i % 2 ? answer_body : answer_text;
		known |= !strcmp(url, routes[i].path);
	}
	allow = http_route_request(routes, n, &rec, method, url, &r, &head);
	get = !strcmp(method, "GET");
	if (head != !strcmp(method, "HEAD"))
		abort();
	if (get || head) {
		if (allow || rec.calls != known || (known && rec.head != head) ||
		    r.status != (known ? 200 : 404))
			abort();
	} else if (rec.calls || r.status != 405 || !allow || strcmp(allow, "GET, HEAD")) {
		abort();
	}
	if (!r.content_type || (!r.text && !r.body && r.stream_fd < 0 && !head))
		abort();
	free(r.body);
	free(buf);
	return 0;
}

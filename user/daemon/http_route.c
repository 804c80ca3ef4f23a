// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "http_server.h"
#include "log.h"

const char *http_route_request(const struct http_route *routes, size_t nroutes, void *ctx,
			       const char *method, const char *url, struct http_reply *r,
			       bool *head)
{
	bool get = !strcmp(method, "GET");
	size_t i;

	*head = !strcmp(method, "HEAD");
	*r = (struct http_reply){ .status = 200, .stream_fd = -1,
				  .content_type = "text/plain; charset=utf-8" };
	if (!get && !*head) {
		sc_debug("http: %s %s -> 405", method, url);
		r->status = 405;
		r->text = "method not allowed: use GET or HEAD\n";
		*head = false;
		return "GET, HEAD";
	}
	for (i = 0; i < nroutes; i++) {
		if (!strcmp(url, routes[i].path)) {
			routes[i].fn(ctx, *head, r);
			sc_debug("http: %s %s -> %u", method, url, r->status);
			return NULL;
		}
	}
	sc_debug("http: %s %s -> 404", method, url);
	r->status = 404;
	r->text = "not found: try /metrics\n";
	return NULL;
}

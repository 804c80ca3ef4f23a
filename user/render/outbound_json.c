// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "log.h"
#include "outbound.h"
#include "outbound_json.h"

void sc_outbound_write_json(struct jw *w, const struct sc_view *v)
{
	struct sc_outbound_row *rows = NULL;
	size_t i, n = 0;

	JW_KEY(w, "outbound");
	jw_array_begin(w);
	if (sc_outbound_group(v, false, &rows, &n))
		sc_err("out of memory grouping outbound connections: \"outbound\" is empty");
	for (i = 0; i < n; i++) {
		const struct sc_outbound_row *r = &rows[i];

		jw_object_begin(w);
		JW_KEY(w, "remote_port");
		jw_uint(w, r->port);
		JW_KEY(w, "connections");
		jw_uint(w, r->connections);
		JW_KEY(w, "idle_connections");
		jw_uint(w, r->idle_connections);
		JW_KEY(w, "processes");
		jw_uint(w, r->processes);
		JW_KEY(w, "remote_addresses");
		jw_uint(w, r->addresses);
		JW_KEY(w, "socket_memory_bytes");
		jw_uint(w, r->socket_memory_bytes);
		jw_object_end(w);
	}
	jw_array_end(w);
	free(rows);
}

// SPDX-License-Identifier: GPL-2.0
#include "health_json.h"

static void write_class(struct jw *w, const struct sc_health_counts *c, enum sc_health h)
{
	jw_key(w, sc_health_name(h));
	jw_uint(w, c->n[h]);
}

void sc_health_counts_write_json(struct jw *w, const struct sc_health_counts *c, bool unheld)
{
	JW_KEY(w, "health");
	jw_object_begin(w);
	write_class(w, c, SC_HEALTH_CLOSE_WAIT);
	write_class(w, c, SC_HEALTH_STALLED);
	write_class(w, c, SC_HEALTH_DEAD_PEER_RISK);
	if (unheld) {
		write_class(w, c, SC_HEALTH_TIME_WAIT);
		write_class(w, c, SC_HEALTH_ORPHANED);
	}
	JW_KEY(w, "close_wait_oldest_s");
	if (c->close_wait_oldest_ms)
		jw_double(w, c->close_wait_oldest_ms / 1000.0, 3);
	else
		jw_null(w);
	JW_KEY(w, "stalled_queued_bytes");
	jw_uint(w, c->stalled_queued_bytes);
	jw_object_end(w);
}

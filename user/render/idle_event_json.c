// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "idle_event_json.h"
#include "json_writer.h"

void sc_idle_event_json(const struct sc_idle_event *e, void *out)
{
	char stamp[40];
	struct tm tm;
	time_t secs = (time_t)(e->wall_ns / 1000000000ull);
	struct jw jw;

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%03lluZ",
		 (unsigned long long)(e->wall_ns / 1000000ull % 1000));
	jw_init(&jw, out);
	jw_object_begin(&jw);
	jw_key(&jw, "time");
	jw_string(&jw, stamp);
	jw_key(&jw, "event");
	jw_string(&jw, e->what);
	jw_key(&jw, "pid");
	jw_uint(&jw, e->pid);
	jw_key(&jw, "comm");
	jw_string(&jw, e->comm);
	jw_key(&jw, "local_port");
	jw_uint(&jw, e->lport);
	jw_key(&jw, "remote_port");
	jw_uint(&jw, e->rport);
	jw_key(&jw, "idle_seconds");
	jw_double(&jw, (double)e->idle_ms / 1000.0, 3);
	jw_object_end(&jw);
	jw_flush(&jw);
	fputc('\n', out);
}

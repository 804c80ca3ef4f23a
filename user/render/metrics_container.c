// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "common.h"
#include "metrics.h"
#include "metrics_container.h"

static void label(FILE *f, const char *name, const char *value, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	sc_metrics_label_value(f, value, strlen(value));
	fputc('"', f);
}

static void labels(FILE *f, const char *family, const struct sc_container_row *r)
{
	fprintf(f, "%s{", family);
	label(f, "container_id", r->place.container.id, true);
	label(f, "pod_uid", r->place.container.pod_uid, false);
	label(f, "namespace", r->names.namespace_, false);
	label(f, "pod", r->names.pod, false);
	label(f, "container", r->names.name, false);
	label(f, "unit", r->place.unit, false);
	fputc('}', f);
}

void sc_metrics_containers(FILE *out, const struct sc_container_row *rows, size_t n)
{
	static const struct {
		const char *name, *help;
	} fams[] = {
		{ "sockcost_container_processes",
		  "Processes holding TCP sockets in a container (or systemd unit, or the host's "
		  "other processes: label unit)." },
		{ "sockcost_container_connections",
		  "Established TCP connections a container's processes hold, each socket once "
		  "(by the first process holding it)." },
		{ "sockcost_container_idle_connections",
		  "Idle established TCP connections a container's processes hold." },
		{ "sockcost_container_open_fds", "Open file descriptors of a container's processes." },
		{ "sockcost_container_socket_memory_bytes",
		  "Kernel memory held by the queues of a container's TCP sockets." },
	};
	size_t i, j;

	for (j = 0; j < ARRAY_SIZE(fams); j++) {
		fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", fams[j].name, fams[j].help,
			fams[j].name);
		for (i = 0; i < n; i++) {
			const struct sc_container_row *r = &rows[i];

			labels(out, fams[j].name, r);
			fprintf(out, " %llu\n",
				(unsigned long long)(j == 0 ? r->processes : j == 1 ? r->connections :
						     j == 2 ? r->idle_connections :
						     j == 3 ? r->open_fds : r->socket_memory_bytes));
		}
	}
	fputs("# HELP sockcost_container_memory_per_connection_bytes Application memory one "
	      "connection costs a container: its processes' sockcost_process_memory_per_"
	      "connection_bytes weighted by their connections; only where every process "
	      "holding a connection is among the --top-processes.\n"
	      "# TYPE sockcost_container_memory_per_connection_bytes gauge\n", out);
	for (i = 0; i < n; i++) {
		if (!rows[i].has_memory_per_connection)
			continue;
		labels(out, "sockcost_container_memory_per_connection_bytes", &rows[i]);
		fprintf(out, " %.0f\n", rows[i].memory_per_connection);
	}
}

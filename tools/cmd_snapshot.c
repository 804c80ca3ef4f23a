// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "big_alloc.h"
#include "common.h"
#include "clock.h"
#include "commands.h"
#include "log.h"
#include "snapshot_take.h"
#include "snapshot_text.h"
#include "snapshot.h"
#include "snapshot_args.h"
#include "snapshot_json.h"
#include "open_tracker.h"
#include "served_table.h"
#include "policy_text.h"
#include "view.h"

/* A heartbeat threshold the counts cannot honour yet is said, not silently dropped. */
static void warn_heartbeat_watch(const struct sc_view *v)
{
	const struct sc_snapshot *snap = v->snap;
	struct sc_heartbeat_watch w = sc_heartbeat_watch(&v->policy, snap->hook != SC_HOOK_NONE,
							 snap->config.attached_ns, snap->taken_ns);
	char line[512];

	if (sc_heartbeat_watch_warning(&v->policy, &w, line, sizeof(line)))
		sc_warn("%s", line);
}

int cmd_snapshot(int argc, char **argv)
{
	struct snapshot_opts o;
	struct sc_tracker *t = NULL;
	struct sc_snapshot *snap = NULL;
	struct sc_view view;
	struct sc_take_scope scope;
	char err[256];
	double t0;
	int ret = SC_EXIT_RUNTIME;

	switch (snapshot_parse_args(argc, argv, &o, err, sizeof(err))) {
	case ARGS_HELP:
		snapshot_print_usage(stdout);
		return 0;
	case ARGS_ERROR:
		fprintf(stderr, "sockcost snapshot: %s\n", err);
		return SC_EXIT_USAGE;
	case ARGS_OK:
		break;
	}
	if (o.verbose)
		sc_log_init("sockcost", true);
	if (o.note)
		sc_warn("%s", o.note);

	/* A running daemon's summary holds the table: no walk. */
	if (served_table(&o, stdout)) {
		if (fflush(stdout) || ferror(stdout)) {
			sc_err("cannot write output: %s", strerror(errno));
			return SC_EXIT_RUNTIME;
		}
		return 0;
	}
	t0 = ((double)sc_mono_ns() / 1e6);
	/* Live counters only mean something over a watched interval. */
	t = cmd_open_tracker(&o.policy, o.observe_s > 0);
	if (!t)
		return SC_EXIT_RUNTIME;
	sc_debug("load and attach: %.1f ms", ((double)sc_mono_ns() / 1e6) - t0);
	/* After the load: libbpf parses kernel BTF twice, the second time in the first's memory. */
	sc_big_alloc_one_shot();
	cmd_observe(o.observe_s);
	cmd_take_scope(&o.filter, &scope);
	/* Only the JSON document has storage_records. */
	scope.no_storage_count = !o.json;
	snap = sc_snapshot_take(t, &scope);
	if (!snap)
		goto out;
	t0 = ((double)sc_mono_ns() / 1e6);
	/* The table sums the rows; only a list of sockets needs them in order. */
	if (sc_view_build_rows(&view, snap, &o.policy, &o.filter,
			       o.json || o.sockets ? SC_ROWS_SORTED : SC_ROWS_ANY_ORDER)) {
		sc_err("out of memory");
		goto out;
	}
	if (view.service_unknown)
		sc_warn("no service is named '%s' (sockcost snapshot --by service lists them)",
			o.filter.service);
	view.socket_fields = o.fields;
	warn_heartbeat_watch(&view);
	sc_debug("view: %.1f ms", ((double)sc_mono_ns() / 1e6) - t0);
	t0 = ((double)sc_mono_ns() / 1e6);
	if (o.json)
		sc_view_write_json(&view, stdout);
	else
		render_table_by(&view, o.by, o.sockets, stdout);
	sc_view_free(&view);
	sc_debug("output: %.1f ms", ((double)sc_mono_ns() / 1e6) - t0);
	if (fflush(stdout) || ferror(stdout))
		sc_err("cannot write output: %s", strerror(errno));
	else
		ret = 0;
out:
	sc_snapshot_free(snap);
	sc_tracker_close(t);
	return ret;
}

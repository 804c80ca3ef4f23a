// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "big_alloc.h"
#include "close_args.h"
#include "close_log.h"
#include "close_plan.h"
#include "close_render.h"
#include "common.h"
#include "commands.h"
#include "log.h"
#include "open_tracker.h"
#include "proc_fds.h"
#include "slab_read.h"
#include "snapshot.h"
#include "snapshot_take.h"
#include "sock_close.h"
#include "view.h"

/* What a run needs freed at the end. */
struct close_run {
	struct close_opts o;
	struct sc_tracker *t;
	struct sc_snapshot *snap;
	struct sc_view view;
	bool have_view;
	struct sc_close_plan plan;
	struct sc_close_report report;
	char missing[320];
};

static void actor(struct sc_close_actor *who)
{
	struct passwd pw, *found = NULL;
	char buf[1024];

	memset(who, 0, sizeof(*who));
	who->uid = (__u32)getuid();
	who->pid = (__u32)getpid();
	if (!getpwuid_r(who->uid, &pw, buf, sizeof(buf), &found) && found)
		snprintf(who->user, sizeof(who->user), "%s", pw.pw_name);
}

/* Appends one line per aborted socket to the log file and to syslog. */
static int log_closed(const struct close_run *r, FILE *log)
{
	struct sc_close_actor who;
	time_t now = time(NULL);
	size_t i, len = 0;
	char *line = NULL;
	FILE *mem;
	int err = 0;

	actor(&who);
	for (i = 0; i < r->plan.ntargets; i++) {
		const struct sc_close_target *t = &r->plan.targets[i];

		if (t->result)
			continue;
		mem = open_memstream(&line, &len);
		if (!mem)
			return -errno;
		render_close_log_line(&r->report, t, &who, now, mem);
		if (fclose(mem)) {
			free(line);
			return -ENOMEM;
		}
		if (fputs(line, log) == EOF)
			err = -errno;
		line[strcspn(line, "\n")] = '\0';
		sc_close_log_syslog(line);
		free(line);
		line = NULL;
	}
	if (fflush(log) && !err)
		err = -errno;
	return err;
}

/* Waits, then reads how many fds each holder has left. */
static void count_fds_after(struct close_run *r)
{
	double w = r->o.wait_s;
	struct timespec left = { .tv_sec = (time_t)w, .tv_nsec = (long)((w - (double)(time_t)w) * 1e9) };
	size_t i;

	while (nanosleep(&left, &left) && errno == EINTR)
		;
	for (i = 0; i < r->plan.nprocs; i++)
		r->plan.procs[i].fds_after = sc_proc_fd_count(r->plan.procs[i].process->pid);
	r->report.waited_s = w;
}

/* --yes: log file first (no log, no close), then abort, log and count. */
static int close_them(struct close_run *r)
{
	struct sc_closer *c;
	char why[256];
	FILE *log;
	size_t i;
	int err, log_err, failed = 0;

	log = sc_close_log_open(r->o.log_path);
	if (!log) {
		fprintf(stderr, "sockcost close: cannot open the log %s: %s (nothing closed; "
			"--log FILE names another)\n", r->o.log_path, strerror(errno));
		return SC_EXIT_RUNTIME;
	}
	c = sc_closer_open(r->report.method, r->plan.ntargets, why, sizeof(why));
	if (!c) {
		fclose(log);
		fprintf(stderr, "sockcost close: %s (nothing closed)\n", why);
		return SC_EXIT_RUNTIME;
	}
	err = sc_closer_run(c, r->plan.targets, r->plan.ntargets);
	sc_closer_free(c);
	r->report.done = true;
	r->report.aborted = sc_close_plan_aborted(&r->plan);
	log_err = log_closed(r, log);
	if (log_err)
		sc_err("cannot write the log %s: %s", r->o.log_path, strerror(-log_err));
	fclose(log);
	if (err)
		return SC_EXIT_RUNTIME;
	count_fds_after(r);
	for (i = 0; i < r->plan.ntargets; i++)
		failed += r->plan.targets[i].result && r->plan.targets[i].result != -ENOENT;
	return failed ? SC_EXIT_RUNTIME : 0;
}

/* Snapshot, view and plan; an exit status when the run ends here, else -1. */
static int select_sockets(struct close_run *r)
{
	struct sc_take_scope scope;
	struct sc_slab_sizes slab;

	r->t = cmd_open_tracker(&r->o.policy, r->o.observe_s > 0);
	if (!r->t)
		return SC_EXIT_RUNTIME;
	sc_big_alloc_one_shot();
	cmd_observe(r->o.observe_s);
	cmd_take_scope(&r->o.filter, &scope);
	scope.no_storage_count = true;
	r->snap = sc_snapshot_take(r->t, &scope);
	if (!r->snap)
		return SC_EXIT_RUNTIME;
	if (sc_view_build(&r->view, r->snap, &r->o.policy, &r->o.filter) ||
	    (r->have_view = true, sc_close_plan_build(&r->plan, &r->view, r->o.max,
						      r->o.busy_too || r->o.filter.health_mask))) {
		sc_err("out of memory");
		return SC_EXIT_RUNTIME;
	}
	if (sc_slab_sizes_read(&slab))
		sc_debug("some slab object sizes are unknown: counted as 0 B");
	sc_close_plan_objects(&r->plan, &slab);
	if (r->view.service_unknown) {
		fprintf(stderr, "sockcost close: no service is named '%s' (sockcost snapshot --by "
			"service lists them)\n", r->o.filter.service);
		return SC_EXIT_USAGE;
	}
	if (!r->plan.matched && r->plan.listeners && !r->plan.busy && !r->plan.unclosable) {
		fprintf(stderr, "sockcost close: refusing: the selection holds only listening "
			"sockets (%zu), and listeners are never closed\n", r->plan.listeners);
		return SC_EXIT_USAGE;
	}
	return -1;
}

static int run(struct close_run *r)
{
	struct sc_close_report *rep = &r->report;
	enum sc_close_method method = SC_CLOSE_AUTO;
	bool can_close;
	int ret;

	/* Before any load: a kernel that cannot close refuses --yes at once. */
	can_close = !sc_close_choose(r->o.method, &method, r->missing, sizeof(r->missing));
	if (r->o.yes && !can_close) {
		fprintf(stderr, "sockcost close: refusing: %s\n", r->missing);
		return SC_EXIT_RUNTIME;
	}
	ret = select_sockets(r);
	if (ret >= 0)
		return ret;
	*rep = (struct sc_close_report){ .view = &r->view, .plan = &r->plan, .rows = r->o.rows,
					 .can_close = can_close, .method = method,
					 .missing = r->missing };
	ret = 0;
	if (r->o.yes && r->plan.ntargets)
		ret = close_them(r);
	if (ret && !rep->done)
		return ret;
	if (r->o.json)
		render_close_json(rep, stdout);
	else
		render_close_text(rep, stdout);
	if (fflush(stdout) || ferror(stdout)) {
		sc_err("cannot write output: %s", strerror(errno));
		return SC_EXIT_RUNTIME;
	}
	if (ret)
		fprintf(stderr, "sockcost close: %zu of %zu sockets could not be closed (see "
			"RESULT)\n", r->plan.ntargets - rep->aborted, r->plan.ntargets);
	if (r->o.yes && r->plan.left) {
		fprintf(stderr, "sockcost close: --max %zu reached: %zu matching sockets left for "
			"another run\n", r->o.max, r->plan.left);
		ret = SC_EXIT_RUNTIME;
	}
	return ret;
}

int cmd_close(int argc, char **argv)
{
	struct close_run *r = calloc(1, sizeof(*r));
	char err[256];
	int ret = SC_EXIT_RUNTIME;

	if (!r) {
		fputs("sockcost close: out of memory\n", stderr);
		return SC_EXIT_RUNTIME;
	}
	switch (close_parse_args(argc, argv, &r->o, err, sizeof(err))) {
	case ARGS_HELP:
		fputs(close_usage, stdout);
		ret = 0;
		goto out;
	case ARGS_ERROR:
		fprintf(stderr, "sockcost close: %s\n", err);
		ret = SC_EXIT_USAGE;
		goto out;
	case ARGS_OK:
		break;
	}
	if (r->o.verbose)
		sc_log_init("sockcost", true);
	if (r->o.note)
		sc_warn("%s", r->o.note);
	ret = run(r);
out:
	sc_close_plan_free(&r->plan);
	if (r->have_view)
		sc_view_free(&r->view);
	sc_snapshot_free(r->snap);
	sc_tracker_close(r->t);
	free(r);
	return ret;
}

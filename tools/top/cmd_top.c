// SPDX-License-Identifier: GPL-2.0
#include <curses.h>
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "commands.h"
#include "log.h"
#include "top_args.h"
#include "top_batch.h"
#include "top_keys.h"
#include "top_screen.h"
#include "top_ui.h"
#include "open_tracker.h"

/* Longest wait for a key, so a signal's flag is seen soon even if ncurses retries EINTR. */
#define KEY_POLL_MS 250

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* No SA_RESTART: a sleep or key wait returns early and the loop sees the flag. */
static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(double when)
{
	double left;

	while (!stop_requested && (left = when - now_s()) > 0) {
		struct timespec ts = { .tv_sec = (time_t)left,
				       .tv_nsec = (long)((left - floor(left)) * 1e9) };

		nanosleep(&ts, NULL);
	}
}

static int collect(struct top_ui *ui, const struct sc_tracker *t)
{
	const struct top_opts *o = ui->opts;
	int err;

	err = top_frame_collect(&ui->f, t, &ui->policy, o->pids, o->npids);
	if (!err && ui->m.view == TOP_VIEW_CONNS)
		err = top_frame_collect_conns(&ui->f, t, &ui->policy, &ui->scope);
	if (!err)
		err = top_ui_reorder(ui);
	return err;
}

static int run_batch(struct top_ui *ui, const struct sc_tracker *t)
{
	const struct top_opts *o = ui->opts;
	double next = now_s();
	unsigned long frame;
	int err;

	if (o->port >= 0) {
		ui->m.view = TOP_VIEW_CONNS;
		ui->scope.port = o->port;
	}
	for (frame = 1; !stop_requested; frame++) {
		enum top_view shown = ui->m.view;

		err = collect(ui, t);
		if (err)
			return err;
		/* Processes print in the process view's order, every row with its RSS. */
		ui->m.view = TOP_VIEW_PROCS;
		if (top_ui_reorder(ui))
			return sc_fail(ENOMEM, "out of memory");
		ui->m.view = shown;
		top_frame_read_rss(&ui->f, ui->order, 0, ui->norder);
		if (o->json)
			top_batch_json(&ui->f, ui->order, o->delay_s, o->port >= 0, stdout);
		else
			top_batch_text(&ui->f, ui->order, o->delay_s, o->port >= 0, stdout);
		if (fflush(stdout) || ferror(stdout))
			return sc_fail(errno, "cannot write output: %s", strerror(errno));
		if (o->iterations && frame >= o->iterations)
			break;
		next += o->delay_s;
		sleep_until(next);
	}
	return 0;
}

static int run_screen(struct top_ui *ui, const struct sc_tracker *t)
{
	const struct top_opts *o = ui->opts;
	unsigned long frames = 0;
	double next = 0;
	bool collect_now = true;
	int ret = 0;

	if (o->port >= 0) {
		ui->m.view = ui->back = TOP_VIEW_PORTS;
		ui->m.view = TOP_VIEW_CONNS;
		ui->scope.port = o->port;
	}
	if (top_screen_open(ui->color))
		return 1;
	while (!stop_requested) {
		double wait;
		int key, act;

		if (collect_now || (!ui->m.paused && now_s() >= next)) {
			if (!collect_now && o->iterations && frames >= o->iterations)
				break;
			if (collect(ui, t)) {
				ret = 1;
				break;
			}
			frames++;
			next = now_s() + o->delay_s;
			collect_now = false;
		}
		top_screen_draw(ui);
		wait = ui->m.paused ? KEY_POLL_MS / 1e3 : next - now_s();
		timeout(wait <= 0 ? 0 : wait * 1e3 < KEY_POLL_MS ? (int)(wait * 1e3) : KEY_POLL_MS);
		key = getch();
		if (key == ERR)
			continue;
		act = top_keys_handle(ui, key);
		if (act & TOP_ACT_QUIT)
			break;
		if (act & TOP_ACT_COLLECT)
			collect_now = true;
		else if ((act & TOP_ACT_REDRAW) && top_ui_reorder(ui)) {
			ret = 1;
			break;
		}
	}
	top_screen_close();
	return ret;
}

int cmd_top(int argc, char **argv)
{
	struct top_opts o;
	struct sc_tracker *t;
	struct top_ui ui;
	const char *no_color = getenv("NO_COLOR");
	char err[256];
	int ret;

	switch (top_parse_args(argc, argv, &o, err, sizeof(err))) {
	case ARGS_HELP:
		fputs(top_usage, stdout);
		return 0;
	case ARGS_ERROR:
		fprintf(stderr, "sockcost top: %s\n", err);
		return SC_EXIT_USAGE;
	case ARGS_OK:
		break;
	}
	if (o.verbose)
		sc_log_init("sockcost", true);
	/* As top(1) users expect from scripts: no terminal means plain frames,
	 * and a bounded run unless -n says otherwise. */
	if (!o.batch && (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))) {
		o.batch = true;
		if (!o.iterations)
			o.iterations = 1;
		fprintf(stderr, "sockcost top: not a terminal, printing %lu batch frame%s "
			"(-b -n N for more)\n", o.iterations, o.iterations == 1 ? "" : "s");
	}
	/*
	 * A fixed mmap threshold: each walk's buffers (megabytes) go back to the
	 * system when freed, instead of glibc raising the threshold and keeping
	 * them in the heap, which would read as growth over a long session.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	/* Live counters: exact opened/closed and established counts. */
	t = cmd_open_tracker(&o.policy, true);
	if (!t)
		return SC_EXIT_RUNTIME;
	catch_stop_signals();
	top_ui_init(&ui, &o, !o.no_color && !(no_color && no_color[0]));
	ret = o.batch ? run_batch(&ui, t) : run_screen(&ui, t);
	top_ui_free(&ui);
	sc_tracker_close(t);
	return ret ? SC_EXIT_RUNTIME : 0;
}

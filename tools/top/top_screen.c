// SPDX-License-Identifier: GPL-2.0
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "format.h"
#include "log.h"
#include "top_cells.h"
#include "top_screen.h"

enum pair { P_OK = 1, P_WARN, P_BAD, P_HEADER, P_SORT, P_SELECT, P_TAG, P_TAB, P_BAR };

static bool screen_open;
static bool use_color;
static SCREEN *term;

int top_screen_open(bool color)
{
	/* A short Esc delay: Esc leaves the connections view and cancels typing. */
	setenv("ESCDELAY", "25", 0);
	term = newterm(NULL, stdout, stdin);
	if (!term)
		return sc_fail(ENOTTY, "cannot use the terminal (TERM=%s); try -b for batch mode",
			      getenv("TERM") ? getenv("TERM") : "");
	screen_open = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	use_color = color && has_colors() && start_color() == OK;
	if (use_color) {
		use_default_colors();
		init_pair(P_OK, COLOR_GREEN, -1);
		init_pair(P_WARN, COLOR_YELLOW, -1);
		init_pair(P_BAD, COLOR_RED, -1);
		init_pair(P_HEADER, COLOR_BLACK, COLOR_GREEN);
		init_pair(P_SORT, COLOR_BLACK, COLOR_CYAN);
		init_pair(P_SELECT, COLOR_BLACK, COLOR_CYAN);
		init_pair(P_TAG, COLOR_YELLOW, -1);
		init_pair(P_TAB, COLOR_BLACK, COLOR_WHITE);
		init_pair(P_BAR, COLOR_BLACK, COLOR_CYAN);
	}
	return 0;
}

void top_screen_close(void)
{
	if (!screen_open)
		return;
	screen_open = false;
	endwin();
	delscreen(term);
	term = NULL;
}

static attr_t attr(enum pair p, attr_t fallback)
{
	return use_color ? COLOR_PAIR(p) : fallback;
}

/* Writes s at (y, x) clipped to the screen; returns the next column. */
static int put(int y, int x, const char *s)
{
	int room = COLS - x;

	if (room <= 0 || y >= LINES)
		return x;
	mvaddnstr(y, x, s, room);
	return x + (int)strlen(s) < COLS ? x + (int)strlen(s) : COLS;
}

static void fill_line(int y, attr_t a)
{
	attron(a);
	mvhline(y, 0, ' ', COLS);
	attroff(a);
}

/* Meaning in colour: much idle is cost without use; fds near the limit is danger. */
static attr_t cell_attr(const struct top_row *r, enum top_col c)
{
	double v;

	switch (c) {
	case TOP_COL_IDLE_PCT:
		if (!r->conns)
			return 0;
		v = top_pct(r->idle, r->conns);
		return v >= 90 ? attr(P_BAD, A_BOLD) : v >= 50 ? attr(P_WARN, 0) : attr(P_OK, 0);
	case TOP_COL_FD_PCT:
	case TOP_COL_FDS:
		v = top_fd_pct(r);
		if (v < 0)
			return 0;
		return v >= 90 ? attr(P_BAD, A_BOLD) : v >= 70 ? attr(P_WARN, A_BOLD)
								: attr(P_OK, 0);
	case TOP_COL_MAX_FD_PCT:
		v = top_max_fd_pct(r);
		if (v < 0)
			return 0;
		return v >= 90 ? attr(P_BAD, A_BOLD) : v >= 70 ? attr(P_WARN, A_BOLD)
								: attr(P_OK, 0);
	case TOP_COL_IDLE_FOR:
		return r->is_idle ? attr(P_WARN, 0) : 0;
	case TOP_COL_BROKEN:
		return r->health_known && sc_health_unhealthy(&r->health) ? attr(P_BAD, A_BOLD) : 0;
	case TOP_COL_HEALTH:
		return r->health_of.health != SC_HEALTH_OK ? attr(P_WARN, A_BOLD) : 0;
	case TOP_COL_FD_ETA:
		v = top_fd_eta_s(r);
		if (v < 0)
			return 0;
		return v < 600 ? attr(P_BAD, A_BOLD) : v < 3600 ? attr(P_WARN, A_BOLD) : 0;
	default:
		return 0;
	}
}

static const char *view_name(enum top_view v)
{
	return v == TOP_VIEW_PORTS ? "Ports" : v == TOP_VIEW_CONNS ? "Connections"
	       : v == TOP_VIEW_SERVICES ? "Services"
	       : v == TOP_VIEW_OUTBOUND ? "Outbound" : "Processes";
}

/* Four header lines (totals, policy, idle ages, health), then the view tabs. */
#define TOP_TABS_ROW 4

static void draw_header(struct top_ui *ui)
{
	char line[512];

	top_totals_line(&ui->f, line, sizeof(line));
	attron(A_BOLD);
	put(0, 0, line);
	attroff(A_BOLD);
	top_policy_line(&ui->f, ui->opts->delay_s, line, sizeof(line));
	put(1, 0, line);
	top_hist_line(&ui->f, line, sizeof(line));
	put(2, 0, line);
	top_health_line(&ui->f, line, sizeof(line));
	if (sc_health_unhealthy(&ui->f.health.host))
		attron(attr(P_BAD, A_BOLD));
	put(3, 0, line);
	attroff(attr(P_BAD, A_BOLD));
}

static void scope_text(const struct top_ui *ui, char *buf, size_t len)
{
	const struct top_scope *s = &ui->f.scope;
	size_t i, used;

	if (s->port >= 0) {
		snprintf(buf, len, "port %d", s->port);
		return;
	}
	used = (size_t)snprintf(buf, len, s->npids > 1 ? "pids" : "pid");
	for (i = 0; i < s->npids && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? "," : " ", s->pids[i]);
}

static void draw_tabs(struct top_ui *ui)
{
	static const char keys[TOP_VIEW_COUNT] = {
		[TOP_VIEW_PROCS] = 'p', [TOP_VIEW_PORTS] = 'o', [TOP_VIEW_CONNS] = 'c',
		[TOP_VIEW_SERVICES] = 's', [TOP_VIEW_OUTBOUND] = 'r',
	};
	char label[160], scope[96] = "";
	int x = 0, v;

	fill_line(TOP_TABS_ROW, 0);
	for (v = 0; v < TOP_VIEW_COUNT; v++) {
		attr_t a = v == (int)ui->m.view ? attr(P_TAB, A_REVERSE) | A_BOLD : 0;

		scope[0] = '\0';
		if (v == TOP_VIEW_CONNS && ui->m.view == TOP_VIEW_CONNS)
			scope_text(ui, scope, sizeof(scope));
		if (v == TOP_VIEW_PROCS && ui->m.service_id)
			snprintf(scope, sizeof(scope), "%s", ui->m.service);
		snprintf(label, sizeof(label), " %s%s%s (%c) ", view_name(v), scope[0] ? ": " : "",
			 scope, keys[v]);
		attron(a);
		x = put(TOP_TABS_ROW, x, label);
		attroff(a);
		x = put(TOP_TABS_ROW, x, " ");
	}
	if (ui->m.paused)
		x = put(TOP_TABS_ROW, x, " [PAUSED] ");
	if (ui->m.filter[0]) {
		snprintf(label, sizeof(label), " filter: %s ", ui->m.filter);
		attron(A_BOLD);
		x = put(TOP_TABS_ROW, x, label);
		attroff(A_BOLD);
	}
	if (ui->m.ntags && ui->m.view == TOP_VIEW_PROCS) {
		snprintf(label, sizeof(label), " %zu tagged ", ui->m.ntags);
		put(TOP_TABS_ROW, x, label);
	}
}

/* The process a connections view is about: its memory per connection, average and marginal. */
static int draw_process_detail(struct top_ui *ui, int y)
{
	struct top_frame *f = &ui->f;
	char line[512], rss[32], avg[32], lim[32], tmp[32], marg[96], why[64];
	struct sc_marginal_est est;
	struct top_row *p = NULL;
	bool from_daemon;
	size_t i;

	if (f->scope.port >= 0 || f->scope.npids != 1)
		return y;
	for (i = 0; i < f->nprocs; i++)
		if (f->procs[i].pid == f->scope.pids[0])
			p = &f->procs[i];
	if (!p)
		return y;
	if (!p->rss_known) {
		size_t idx = (size_t)(p - f->procs);

		top_frame_read_rss(f, &idx, 0, 1);
	}
	if (top_frame_marginal(f, p->pid, &est, &from_daemon))
		snprintf(marg, sizeof(marg), "%s%s/conn%s", est.bytes < 0 ? "-" : "",
			 fmt_bytes((__u64)(est.bytes < 0 ? -est.bytes : est.bytes), tmp, sizeof(tmp)),
			 from_daemon ? " from sockcostd" : "");
	else
		snprintf(marg, sizeof(marg), "not measured (%s)",
			 sc_marginal_why_text(&est, why, sizeof(why)));
	snprintf(line, sizeof(line),
		 "%s: %llu conn, %llu idle, fds %llu/%s, RSS %s, %s/conn average, "
		 "marginal private memory %s (%zu samples)",
		 p->comm, (unsigned long long)p->conns, (unsigned long long)p->idle,
		 (unsigned long long)p->fds, top_cell(p, TOP_COL_FD_LIMIT, lim, sizeof(lim)),
		 top_cell(p, TOP_COL_RSS, rss, sizeof(rss)),
		 top_cell(p, TOP_COL_RSS_CONN, avg, sizeof(avg)), marg, est.samples);
	put(y, 0, line);
	return y + 1;
}

/* What a connections view adds: sockets coming and going, and what the snapshot cost. */
static int draw_scope_detail(struct top_ui *ui, int y)
{
	const struct top_frame *f = &ui->f;
	char line[256];

	y = draw_process_detail(ui, y);
	if (f->churn_known)
		snprintf(line, sizeof(line),
			 "%zu sockets, %.1f/s appeared, %.1f/s gone, snapshot %.0f ms", f->nconns,
			 f->appeared_per_s, f->gone_per_s, (double)f->conns_collect_ns / 1e6);
	else
		snprintf(line, sizeof(line), "%zu sockets, snapshot %.0f ms", f->nconns,
			 (double)f->conns_collect_ns / 1e6);
	put(y, 0, line);
	return y + 1;
}

static void draw_table(struct top_ui *ui, int top, int bottom)
{
	enum top_view v = ui->m.view;
	const enum top_col *c, *cols = top_view_columns[v];
	struct top_row *rows;
	size_t n, i, *scroll = &ui->m.scroll[v], sel = ui->m.selected[v];
	char buf[64];
	int y, x;

	top_ui_rows(ui, v, &rows, &n);
	fill_line(top, attr(P_HEADER, A_REVERSE));
	for (x = 0, c = cols; *c != TOP_COL_COUNT; c++) {
		const struct top_column *col = &top_columns[*c];
		attr_t a = *c == ui->m.sort[v] ? attr(P_SORT, A_REVERSE | A_UNDERLINE) | A_BOLD
					       : attr(P_HEADER, A_REVERSE);

		snprintf(buf, sizeof(buf), "%*s", col->left ? -col->width : col->width, col->title);
		attron(a);
		x = put(top, x, buf);
		attroff(a);
		attron(attr(P_HEADER, A_REVERSE));
		x = put(top, x, " ");
		attroff(attr(P_HEADER, A_REVERSE));
	}
	ui->page = bottom - top - 1 > 1 ? bottom - top - 1 : 1;
	if (sel < *scroll)
		*scroll = sel;
	if (sel >= *scroll + (size_t)ui->page)
		*scroll = sel - (size_t)ui->page + 1;
	if (*scroll + (size_t)ui->page > ui->norder)
		*scroll = ui->norder > (size_t)ui->page ? ui->norder - (size_t)ui->page : 0;
	if (v == TOP_VIEW_PROCS) {
		size_t shown = ui->norder - *scroll;

		top_frame_read_rss(&ui->f, ui->order, *scroll,
				   shown < (size_t)ui->page ? shown : (size_t)ui->page);
	}
	for (i = *scroll, y = top + 1; i < ui->norder && y < bottom; i++, y++) {
		const struct top_row *r = &rows[ui->order[i]];
		bool selected = i == sel;
		bool tagged = v == TOP_VIEW_PROCS && top_is_tagged(&ui->m, r->pid);
		attr_t base = selected ? attr(P_SELECT, A_REVERSE)
			      : tagged ? attr(P_TAG, A_BOLD) | A_BOLD : 0;

		if (selected)
			fill_line(y, base);
		for (x = 0, c = cols; *c != TOP_COL_COUNT; c++) {
			const struct top_column *col = &top_columns[*c];
			attr_t a = base ? base : cell_attr(r, *c);
			char cell[64];

			snprintf(cell, sizeof(cell), "%*.*s", col->left ? -col->width : col->width,
				 col->width, top_cell(r, *c, buf, sizeof(buf)));
			attron(a);
			x = put(y, x, cell);
			x = put(y, x, " ");
			attroff(a);
		}
	}
	if (!ui->norder)
		put(top + 1, 0, ui->m.filter[0] ? "(nothing matches the filter)"
				: v == TOP_VIEW_CONNS ? "(no connections)"
				: v == TOP_VIEW_OUTBOUND ? "(no outbound connection: every one is "
							   "to a listening port here)"
				: "(no process holds a TCP socket)");
}

static const char *const help_text[] = {
	"sockcost top - keys",
	"",
	"  q F10          quit                       h ? F1      this help",
	"  Up Down PgUp PgDn Home End   move         Z           pause / resume refresh",
	"  < > F6         sort by previous/next column    I      invert the sort",
	"  P  N  M  i     sort by CONN, PID, RSS, IDLE%",
	"  / F3           search (n: next match)     \\ F4        filter rows (Esc clears)",
	"  Space          tag a process (Enter or c then lists all tagged)   U untag all",
	"  + -            idle-after up / down (common timeouts)",
	"  s  p  o  c     services, processes, listening ports, connections of the selection",
	"  Enter          a service's processes; connections of a process or port",
	"  Esc Left Bksp  back from the connections view, or from a service's processes",
	"  r              outbound: client-side connections by remote port",
	"",
	"Columns",
	"  SERVICE    processes sharing a listening port, children serving their parent's port,",
	"             or one command's clients (PROCS of them); MAX FD% = the one nearest its limit",
	"  CONN       ESTABLISHED TCP connections held      IDLE  of them idle (no activity for idle-after)",
	"  FDS        open file descriptors                 FD LIMIT / FD%  RLIMIT_NOFILE soft limit, use",
	"  SOCK MEM   kernel socket buffer memory (queues + forward allocation)",
	"  RSS        resident memory; RSS/CONN = RSS / CONN (average, not marginal)",
	"  CONN/s     change of CONN per second since the last refresh",
	"  FD ETA     when FDS reaches the soft limit at its growth over the --fd-window (default",
	"             60s) of refreshes; blank when not growing; services: the member's first",
	"  CONTAINER  where sockcostd counts it: NAMESPACE/POD/CONTAINER, a Docker or Podman",
	"             container's name, the systemd unit, or host (\\ filters by it)",
	"  Outbound (r): connections whose local port has no listener (a client's, e.g. pools",
	"  to a database), by REMOTE PORT; PROCS = processes holding them",
	"  In the connections view of one process: the marginal private memory per connection",
	"  (the median slope of private memory over growing CONN across refreshes, smaps_rollup)",
	"  and sockets appeared/gone per second.",
	"",
	"Colours: IDLE% green < 50% <= yellow < 90% <= red; FD% green < 70% <= yellow < 90% <= red;",
	"FD ETA red < 10m <= yellow < 1h.",
	"Host opened/closed per second come from the kernel's exact counters.",
	"",
	"Press any key to return.",
};

static void draw_help(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(help_text); i++) {
		if (i == 0)
			attron(A_BOLD);
		put((int)i, 0, help_text[i]);
		if (i == 0)
			attroff(A_BOLD);
	}
}

static void draw_bar(struct top_ui *ui)
{
	static const char *const keys[][2] = {
		{ "F1", "Help" }, { "F3", "Search" }, { "F4", "Filter" }, { "F6", "SortBy" },
		{ "Spc", "Tag" }, { "Ent", "Conns" }, { "+-", "Idle" }, { "Z", "Pause" },
		{ "F10", "Quit" },
	};
	int y = LINES - 1, x = 0;
	char line[160];
	size_t i;

	move(y, 0);
	clrtoeol();
	if (ui->input != TOP_INPUT_NONE) {
		snprintf(line, sizeof(line), "%s: %s_", ui->input == TOP_INPUT_SEARCH ? "Search"
						       : "Filter", ui->typed);
		attron(A_BOLD);
		put(y, 0, line);
		attroff(A_BOLD);
		return;
	}
	if (ui->message[0]) {
		put(y, 0, ui->message);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		attron(A_BOLD);
		x = put(y, x, keys[i][0]);
		attroff(A_BOLD);
		attron(attr(P_BAR, A_REVERSE));
		snprintf(line, sizeof(line), "%-7s", keys[i][1]);
		x = put(y, x, line);
		attroff(attr(P_BAR, A_REVERSE));
	}
}

void top_screen_draw(struct top_ui *ui)
{
	int y = TOP_TABS_ROW + 1;

	erase();
	if (ui->help) {
		draw_help();
		refresh();
		return;
	}
	if (ui->f.have_sum) {
		draw_header(ui);
		draw_tabs(ui);
		if (ui->m.view == TOP_VIEW_CONNS)
			y = draw_scope_detail(ui, y);
		draw_table(ui, y, LINES - 1);
	} else {
		put(0, 0, "collecting...");
	}
	draw_bar(ui);
	refresh();
}

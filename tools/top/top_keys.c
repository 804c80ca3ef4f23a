// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "top_keys.h"

#define KEY_ESC 27
#define CTRL(c) ((c) & 0x1f)

static void move_by(struct top_ui *ui, long delta)
{
	enum top_view v = ui->m.view;
	struct top_row *rows;
	size_t n;

	top_ui_rows(ui, v, &rows, &n);
	top_select(&ui->m, v, rows, ui->order, ui->norder, (long)ui->m.selected[v] + delta);
}

static int search_next(struct top_ui *ui, bool inclusive)
{
	enum top_view v = ui->m.view;
	struct top_row *rows;
	size_t n;
	long pos;

	if (!ui->m.search[0])
		return TOP_ACT_NONE;
	top_ui_rows(ui, v, &rows, &n);
	pos = top_search(rows, ui->order, ui->norder, ui->m.selected[v], inclusive, ui->m.search);
	if (pos < 0)
		snprintf(ui->message, sizeof(ui->message), "no match for \"%s\"", ui->m.search);
	else
		top_select(&ui->m, v, rows, ui->order, ui->norder, pos);
	return TOP_ACT_REDRAW;
}

/* Typing a search or filter: each key updates it live, as htop does. */
static int typing(struct top_ui *ui, int key)
{
	size_t len = strlen(ui->typed);
	bool search = ui->input == TOP_INPUT_SEARCH;

	if (key == KEY_ESC) {
		ui->input = TOP_INPUT_NONE;
		if (!search)
			ui->m.filter[0] = '\0';
		return TOP_ACT_REDRAW;
	}
	if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		ui->input = TOP_INPUT_NONE;
		return TOP_ACT_REDRAW;
	}
	if (search && key == KEY_F(3))
		return search_next(ui, false);
	if (key == KEY_BACKSPACE || key == 127 || key == CTRL('h')) {
		if (len)
			ui->typed[len - 1] = '\0';
	} else if (key >= 0x20 && key < 0x7f && len + 1 < sizeof(ui->typed)) {
		ui->typed[len] = (char)key;
		ui->typed[len + 1] = '\0';
	} else {
		return TOP_ACT_NONE;
	}
	if (search) {
		snprintf(ui->m.search, sizeof(ui->m.search), "%s", ui->typed);
		return search_next(ui, true);
	}
	snprintf(ui->m.filter, sizeof(ui->m.filter), "%s", ui->typed);
	return TOP_ACT_REDRAW;
}

static int sort_by(struct top_ui *ui, enum top_col col)
{
	const enum top_col *c;

	for (c = top_view_columns[ui->m.view]; *c != TOP_COL_COUNT; c++)
		if (*c == col) {
			ui->m.sort[ui->m.view] = col;
			return TOP_ACT_REDRAW;
		}
	return TOP_ACT_NONE;
}

static int change_idle_after(struct top_ui *ui, int dir)
{
	char after[32];

	ui->policy.idle_after_ms = top_idle_after_step(ui->policy.idle_after_ms, dir);
	snprintf(ui->message, sizeof(ui->message), "idle after %s",
		 fmt_duration_ms(ui->policy.idle_after_ms, after, sizeof(after)));
	return TOP_ACT_COLLECT | TOP_ACT_REDRAW;
}

/* Enter/c: the connections of the tagged processes (c only), the selected
 * process or the selected port. */
static int drill_in(struct top_ui *ui, bool tagged)
{
	const struct top_row *r = top_ui_selected(ui);
	struct top_scope scope = { .port = -1 };

	if (ui->m.view == TOP_VIEW_CONNS)
		return TOP_ACT_NONE;
	if (ui->m.view == TOP_VIEW_OUTBOUND) {
		snprintf(ui->message, sizeof(ui->message),
			 "remote ports have no connections view: snapshot --by remote-addr -s");
		return TOP_ACT_REDRAW;
	}
	if (ui->m.view == TOP_VIEW_SERVICES) {
		if (!r)
			return TOP_ACT_NONE;
		/* A service opens on its processes; Enter there lists connections. */
		snprintf(ui->m.service, sizeof(ui->m.service), "%s", r->service);
		ui->m.service_id = (__u32)r->id;
		ui->m.view = TOP_VIEW_PROCS;
		ui->m.selected[TOP_VIEW_PROCS] = ui->m.scroll[TOP_VIEW_PROCS] = 0;
		ui->m.selected_id[TOP_VIEW_PROCS] = 0;
		return TOP_ACT_REDRAW;
	}
	if (ui->m.view == TOP_VIEW_PROCS && tagged && ui->m.ntags) {
		memcpy(scope.pids, ui->m.tags, ui->m.ntags * sizeof(scope.pids[0]));
		scope.npids = ui->m.ntags;
	} else if (!r) {
		snprintf(ui->message, sizeof(ui->message), "nothing selected");
		return TOP_ACT_REDRAW;
	} else if (ui->m.view == TOP_VIEW_PORTS) {
		scope.port = r->port;
	} else {
		scope.pids[0] = r->pid;
		scope.npids = 1;
	}
	ui->scope = scope;
	ui->back = ui->m.view;
	ui->m.view = TOP_VIEW_CONNS;
	ui->m.selected[TOP_VIEW_CONNS] = ui->m.scroll[TOP_VIEW_CONNS] = 0;
	ui->m.selected_id[TOP_VIEW_CONNS] = 0;
	return TOP_ACT_COLLECT | TOP_ACT_REDRAW;
}

static int switch_view(struct top_ui *ui, enum top_view v)
{
	if (v == TOP_VIEW_CONNS)
		return drill_in(ui, true);
	ui->m.view = v;
	ui->m.service[0] = '\0';
	ui->m.service_id = 0;
	return TOP_ACT_REDRAW;
}

static int toggle_tag(struct top_ui *ui)
{
	const struct top_row *r = top_ui_selected(ui);

	if (ui->m.view != TOP_VIEW_PROCS || !r)
		return TOP_ACT_NONE;
	if (!top_tag_toggle(&ui->m, r->pid))
		snprintf(ui->message, sizeof(ui->message), "at most %d tags", TOP_MAX_TAGS);
	move_by(ui, 1);
	return TOP_ACT_REDRAW;
}

static int start_input(struct top_ui *ui, enum top_input input)
{
	ui->input = input;
	snprintf(ui->typed, sizeof(ui->typed), "%s",
		 input == TOP_INPUT_FILTER ? ui->m.filter : "");
	return TOP_ACT_REDRAW;
}

int top_keys_handle(struct top_ui *ui, int key)
{
	enum top_view v = ui->m.view;

	if (key == KEY_RESIZE)
		return TOP_ACT_REDRAW;
	ui->message[0] = '\0';
	if (ui->input != TOP_INPUT_NONE)
		return typing(ui, key);
	if (ui->help) {
		ui->help = false;
		return TOP_ACT_REDRAW;
	}
	switch (key) {
	case 'q':
	case KEY_F(10):
		return TOP_ACT_QUIT;
	case 'h':
	case '?':
	case KEY_F(1):
		ui->help = true;
		return TOP_ACT_REDRAW;
	case KEY_UP:
		move_by(ui, -1);
		return TOP_ACT_REDRAW;
	case KEY_DOWN:
		move_by(ui, 1);
		return TOP_ACT_REDRAW;
	case KEY_PPAGE:
		move_by(ui, -ui->page);
		return TOP_ACT_REDRAW;
	case KEY_NPAGE:
		move_by(ui, ui->page);
		return TOP_ACT_REDRAW;
	case KEY_HOME:
		move_by(ui, -(long)ui->norder);
		return TOP_ACT_REDRAW;
	case KEY_END:
		move_by(ui, (long)ui->norder);
		return TOP_ACT_REDRAW;
	case '<':
	case '>':
	case KEY_F(6):
		ui->m.sort[v] = top_sort_step(v, ui->m.sort[v], key == '<' ? -1 : 1);
		return TOP_ACT_REDRAW;
	case 'I':
		ui->m.invert[v] = !ui->m.invert[v];
		return TOP_ACT_REDRAW;
	case 'P':
		return sort_by(ui, TOP_COL_CONN);
	case 'N':
		return sort_by(ui, v == TOP_VIEW_PORTS ? TOP_COL_PORT
				   : v == TOP_VIEW_OUTBOUND ? TOP_COL_RPORT : TOP_COL_PID);
	case 'M':
		return sort_by(ui, TOP_COL_RSS);
	case 'i':
		return sort_by(ui, v == TOP_VIEW_CONNS ? TOP_COL_IDLE_FOR : TOP_COL_IDLE_PCT);
	case '/':
	case KEY_F(3):
		return start_input(ui, TOP_INPUT_SEARCH);
	case 'n':
		return search_next(ui, false);
	case '\\':
	case KEY_F(4):
		return start_input(ui, TOP_INPUT_FILTER);
	case ' ':
		return toggle_tag(ui);
	case 'U':
		ui->m.ntags = 0;
		return TOP_ACT_REDRAW;
	case 'Z':
	case 'z':
		ui->m.paused = !ui->m.paused;
		return ui->m.paused ? TOP_ACT_REDRAW : TOP_ACT_COLLECT | TOP_ACT_REDRAW;
	case '+':
	case '=':
		return change_idle_after(ui, 1);
	case '-':
	case '_':
		return change_idle_after(ui, -1);
	case 'p':
		return switch_view(ui, TOP_VIEW_PROCS);
	case 'o':
	case 'l':
		return switch_view(ui, TOP_VIEW_PORTS);
	case 'c':
		return switch_view(ui, TOP_VIEW_CONNS);
	case 's':
		return switch_view(ui, TOP_VIEW_SERVICES);
	case 'r':
		return switch_view(ui, TOP_VIEW_OUTBOUND);
	case '\n':
	case '\r':
	case KEY_ENTER:
		return drill_in(ui, false);
	case KEY_ESC:
	case KEY_LEFT:
	case KEY_BACKSPACE:
	case 127:
		if (v == TOP_VIEW_PROCS && ui->m.service_id) {
			ui->m.service[0] = '\0';
			ui->m.service_id = 0;
			ui->m.view = TOP_VIEW_SERVICES;
			return TOP_ACT_REDRAW;
		}
		if (v != TOP_VIEW_CONNS)
			return TOP_ACT_NONE;
		ui->m.view = ui->back;
		return TOP_ACT_REDRAW;
	case CTRL('l'):
		clearok(curscr, TRUE);
		return TOP_ACT_REDRAW;
	default:
		return TOP_ACT_NONE;
	}
}

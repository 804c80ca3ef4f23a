// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "top_ui.h"

void top_ui_init(struct top_ui *ui, const struct top_opts *o, bool color)
{
	memset(ui, 0, sizeof(*ui));
	ui->opts = o;
	ui->policy = o->policy;
	ui->color = color;
	top_model_init(&ui->m);
	ui->m.sort[TOP_VIEW_PROCS] = o->sort;
	top_frame_init(&ui->f, o->delay_s, o->fd_window_s);
	ui->f.health_policy = o->health;
	ui->scope.port = -1;
	ui->page = 1;
}

void top_ui_free(struct top_ui *ui)
{
	top_frame_free(&ui->f);
	free(ui->order);
	ui->order = NULL;
	ui->norder = ui->order_cap = 0;
}

void top_ui_rows(const struct top_ui *ui, enum top_view view, struct top_row **rows, size_t *n)
{
	switch (view) {
	case TOP_VIEW_PORTS:
		*rows = ui->f.ports;
		*n = ui->f.nports;
		return;
	case TOP_VIEW_OUTBOUND:
		*rows = ui->f.outbound;
		*n = ui->f.noutbound;
		return;
	case TOP_VIEW_CONNS:
		*rows = ui->f.conns;
		*n = ui->f.nconns;
		return;
	case TOP_VIEW_SERVICES:
		*rows = ui->f.services;
		*n = ui->f.nservices;
		return;
	default:
		*rows = ui->f.procs;
		*n = ui->f.nprocs;
	}
}

int top_ui_reorder(struct top_ui *ui)
{
	enum top_view v = ui->m.view;
	struct top_row *rows;
	size_t n, i;

	top_ui_rows(ui, v, &rows, &n);
	if (n > ui->order_cap) {
		size_t *p = realloc(ui->order, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		ui->order = p;
		ui->order_cap = n;
	}
	/* Sorting by RSS needs it for every row; otherwise only shown rows pay. */
	if (v == TOP_VIEW_PROCS && top_col_needs_rss(ui->m.sort[v])) {
		for (i = 0; i < n; i++)
			ui->order[i] = i;
		top_frame_read_rss(&ui->f, ui->order, 0, n);
	}
	ui->norder = top_order(rows, n, &ui->m, v, ui->order);
	top_follow_selection(&ui->m, v, rows, ui->order, ui->norder);
	return 0;
}

const struct top_row *top_ui_selected(const struct top_ui *ui)
{
	enum top_view v = ui->m.view;
	struct top_row *rows;
	size_t n;

	if (!ui->norder)
		return NULL;
	top_ui_rows(ui, v, &rows, &n);
	return &rows[ui->order[ui->m.selected[v]]];
}

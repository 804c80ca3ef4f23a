/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TOP_UI_H
#define SC_TOP_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "top_args.h"
#include "top_frame.h"
#include "top_model.h"

enum top_input { TOP_INPUT_NONE, TOP_INPUT_SEARCH, TOP_INPUT_FILTER };

/* Everything the interactive view knows: data, choices, and what is typed. */
struct top_ui {
	const struct top_opts *opts;
	struct sc_idle_policy policy;  /* + and - change idle_after_ms */
	struct top_model m;
	struct top_frame f;
	size_t *order;                 /* visible rows of the current view */
	size_t norder, order_cap;
	struct top_scope scope;        /* of the connections view */
	enum top_view back;            /* where leaving the connections view goes */
	enum top_input input;
	char typed[TOP_TEXT_LEN];      /* the search or filter being typed */
	bool help;
	bool color;
	char message[160];             /* one-off status line, cleared by the next key */
	int page;                      /* table rows on screen, set by drawing */
};

void top_ui_init(struct top_ui *ui, const struct top_opts *o, bool color);
void top_ui_free(struct top_ui *ui);

/* Rows of a view in the current frame. */
void top_ui_rows(const struct top_ui *ui, enum top_view view, struct top_row **rows, size_t *n);
/* Re-filters and re-sorts the current view, keeping the selected row; reads
 * RSS where sorting needs it. Returns 0 or -ENOMEM. */
int top_ui_reorder(struct top_ui *ui);
/* The selected row of the current view, NULL if it is empty. */
const struct top_row *top_ui_selected(const struct top_ui *ui);

#endif /* SC_TOP_UI_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TOP_KEYS_H
#define SC_TOP_KEYS_H

#include "top_ui.h"

/* What a key asks of the loop, as bits. */
enum top_action {
	TOP_ACT_NONE = 0,
	TOP_ACT_REDRAW = 1,   /* the model changed: reorder and draw */
	TOP_ACT_COLLECT = 2,  /* the data must be fetched again now */
	TOP_ACT_QUIT = 4,
};

/* Applies one key (a curses key code) to the view; returns TOP_ACT_* bits. */
int top_keys_handle(struct top_ui *ui, int key);

#endif /* SC_TOP_KEYS_H */

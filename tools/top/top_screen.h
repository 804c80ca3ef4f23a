/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TOP_SCREEN_H
#define SC_TOP_SCREEN_H

#include <stdbool.h>

#include "top_ui.h"

/* Takes over the terminal (alternate screen, no echo, keypad). 0 or -1 (logged). */
int top_screen_open(bool color);
/* Gives the terminal back as it was; safe to call more than once. */
void top_screen_close(void);
/* Draws everything; reads RSS of the process rows it shows. */
void top_screen_draw(struct top_ui *ui);

#endif /* SC_TOP_SCREEN_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TOP_CELLS_H
#define SC_TOP_CELLS_H

#include <stddef.h>

#include "top_frame.h"
#include "top_model.h"

/* The text of one cell, as both the screen and batch mode print it. */
const char *top_cell(const struct top_row *r, enum top_col c, char *buf, size_t len);

/* Header lines shared by the screen and batch mode. */
void top_totals_line(const struct top_frame *f, char *buf, size_t len);
void top_policy_line(const struct top_frame *f, double delay_s, char *buf, size_t len);
/* "idle for  <=1s 3  <=5s 0 ... >1h 2": the idle histogram of established connections. */
void top_hist_line(const struct top_frame *f, char *buf, size_t len);
/* The host's sockets by health class at the latest health pass, and how long ago. */
void top_health_line(const struct top_frame *f, char *buf, size_t len);

#endif /* SC_TOP_CELLS_H */

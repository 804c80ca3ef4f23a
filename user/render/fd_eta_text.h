/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_FD_ETA_TEXT_H
#define SC_FD_ETA_TEXT_H

#include <stddef.h>

#include "fd_trend.h"

/* ETAs beyond this print as ">7d": a week out is "not soon", not a date. */
#define SC_FD_ETA_CAP_S (7 * 86400)

/*
 * An fd exhaustion ETA in at most 5 characters, rounded down so it never
 * promises more time than estimated: "<1s", "45s", "12m", "3h", "2d", ">7d";
 * "limit" when the process is at its limit now; "" when there is none.
 */
const char *fmt_fd_eta(const struct sc_fd_eta *e, char *buf, size_t len);

#endif /* SC_FD_ETA_TEXT_H */

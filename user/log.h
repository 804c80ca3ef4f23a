/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_LOG_H
#define SC_LOG_H

#include <stdbool.h>

/*
 * Messages go to stderr prefixed with the program name. sc_err() and
 * sc_warn() return -1 so error paths can read `return sc_err(...)`.
 */
void sc_log_init(const char *prog, bool verbose);
bool sc_log_verbose(void);
int sc_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int sc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sc_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sc_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SC_LOG_H */

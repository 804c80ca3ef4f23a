/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_LOG_H
#define SC_LOG_H

#include <stdbool.h>

/*
 * Messages go to stderr prefixed with the program name, one whole line each.
 * Functions return 0 or a negative errno; sc_fail() logs and returns -err so
 * an error path reads `return sc_fail(ENOMEM, "out of memory")`. Pass errno
 * itself when it names the cause (arguments are read before the call).
 */
void sc_log_init(const char *prog, bool verbose);
bool sc_log_verbose(void);
int sc_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sc_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sc_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sc_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SC_LOG_H */

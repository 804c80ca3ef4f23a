/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CLOSE_LOG_H
#define SC_CLOSE_LOG_H

#include <stdio.h>

/*
 * Where `sockcost close` records each socket it closed: a file of JSON
 * lines, and syslog (the journal, where journald runs). Opened before
 * anything is closed, so a run that cannot log closes nothing.
 */

/* The log file for appending, created 0640 and its directories 0750. NULL with errno set. */
FILE *sc_close_log_open(const char *path);

/* One line to syslog as "sockcost", facility LOG_AUTHPRIV: who aborted what is an audit record. */
void sc_close_log_syslog(const char *line);

#endif /* SC_CLOSE_LOG_H */

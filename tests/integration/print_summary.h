/* SPDX-License-Identifier: GPL-2.0 */
/* A summary as one JSON line, for the test helpers to print and the tests to compare. */
#ifndef SC_TEST_PRINT_SUMMARY_H
#define SC_TEST_PRINT_SUMMARY_H

#include "summary.h"

void print_summary(const char *how, const struct sc_summary *s);

#endif

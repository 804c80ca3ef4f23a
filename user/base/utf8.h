/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_UTF8_H
#define SC_UTF8_H

#include <stddef.h>

/*
 * Length of the valid UTF-8 sequence at s (left bytes readable), or 0 if it
 * is not one. JSON strings, metric labels and service names (made from
 * commands, which may be any bytes) keep only valid sequences.
 */
size_t sc_utf8_seq_len(const unsigned char *s, size_t left);

#endif /* SC_UTF8_H */

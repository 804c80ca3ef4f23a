/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_JSON_SCAN_H
#define SC_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Just enough JSON reading to take a few strings out of a container
 * runtime's state files: no tree, no allocation. Each function takes
 * [p, end) and returns NULL on malformed input rather than guess.
 */

/* Past the whitespace at p. */
const char *sc_json_ws(const char *p, const char *end);

/* Past the one value (any type, nested or not) at p, or NULL. */
const char *sc_json_skip(const char *p, const char *end);

/*
 * Decodes the string at p into out (NUL-terminated; a \u escape of a
 * control character or outside ASCII becomes '?', since names are printable
 * ASCII). Returns the position after it,
 * or NULL if p holds no string or out is too small.
 */
const char *sc_json_string(const char *p, const char *end, char *out, size_t len);

/* In the object at obj, the value of its own key (nested ones do not count), or NULL. */
const char *sc_json_member(const char *obj, const char *end, const char *key);

/*
 * Walks the array at p: *elem is set to each element in turn. Start with
 * *elem = NULL; returns false after the last element or on malformed input.
 */
bool sc_json_next(const char *arr, const char *end, const char **elem);

#endif /* SC_JSON_SCAN_H */

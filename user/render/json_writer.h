/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_JSON_WRITER_H
#define SC_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

#define JW_MAX_DEPTH 16
#define JW_BUF_SIZE 65536

/*
 * A streaming JSON writer that owns commas and escaping. Strings may hold
 * any bytes: control bytes are escaped and invalid UTF-8 becomes U+FFFD, so
 * the output is always valid JSON. Output is buffered here (stdio per field
 * is too slow for 200K sockets) and flushed to `out` when the top-level value
 * closes, when the buffer fills, or on jw_flush().
 */
struct jw {
	FILE *out;
	int depth;
	bool first[JW_MAX_DEPTH];
	bool after_key;
	size_t len;
	char buf[JW_BUF_SIZE];
};

void jw_init(struct jw *w, FILE *out);
void jw_object_begin(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w);
void jw_array_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_string(struct jw *w, const char *s);
void jw_string_n(struct jw *w, const char *s, size_t len);
void jw_int(struct jw *w, int64_t v);
void jw_double(struct jw *w, double v, int decimals);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_flush(struct jw *w);
/*
 * A writer for values that continue an array another writer has open, with
 * a value in it already: each value it writes is preceded by a comma. Its
 * text is copied into the other writer's with jw_raw_values().
 */
void jw_init_continuing(struct jw *w, FILE *out);
/* len bytes a continuing writer wrote, appended to the array w has open. */
void jw_raw_values(struct jw *w, const char *text, size_t len);

/*
 * Hot paths, inline so a caller's literal keys become fixed-size copies: at
 * 200K sockets the document has six million keys and numbers.
 */

/* A key known to need no escaping (a literal), written as is. */
static inline void jw_key_plain(struct jw *w, const char *key, size_t len)
{
	if (w->len + len + 4 > JW_BUF_SIZE)
		jw_flush(w);
	if (!w->first[w->depth])
		w->buf[w->len++] = ',';
	w->first[w->depth] = false;
	w->buf[w->len++] = '"';
	memcpy(w->buf + w->len, key, len);
	w->len += len;
	w->buf[w->len++] = '"';
	w->buf[w->len++] = ':';
	w->after_key = true;
}
#define JW_KEY(w, literal) jw_key_plain((w), "" literal, sizeof(literal) - 1)

static inline void jw_uint(struct jw *w, uint64_t v)
{
	char tmp[20];
	int i = sizeof(tmp);

	if (w->len + sizeof(tmp) + 1 > JW_BUF_SIZE)
		jw_flush(w);
	if (w->after_key)
		w->after_key = false;
	else if (!w->first[w->depth])
		w->buf[w->len++] = ',';
	else
		w->first[w->depth] = false;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(w->buf + w->len, tmp + i, sizeof(tmp) - (size_t)i);
	w->len += sizeof(tmp) - (size_t)i;
	if (w->depth == 0)
		jw_flush(w);
}

/*
 * A string known to need no escaping (printable ASCII without '"' or '\\':
 * sockcost's own names, addresses), copied as is. len must be below
 * JW_BUF_SIZE - 3.
 */
static inline void jw_string_plain(struct jw *w, const char *s, size_t len)
{
	if (w->len + len + 3 > JW_BUF_SIZE)
		jw_flush(w);
	if (w->after_key)
		w->after_key = false;
	else if (!w->first[w->depth])
		w->buf[w->len++] = ',';
	else
		w->first[w->depth] = false;
	w->buf[w->len++] = '"';
	memcpy(w->buf + w->len, s, len);
	w->len += len;
	w->buf[w->len++] = '"';
	if (w->depth == 0)
		jw_flush(w);
}

/*
 * Unchecked appends, for a record whose largest size is known (a socket of
 * `snapshot --json`): take room once with jw_room(), append at the cursor
 * with jw_put_*, give it back with jw_commit(). At 200K sockets a bounds
 * check and separator bookkeeping per key were a third of the writing.
 */
static inline char *jw_room(struct jw *w, size_t n)
{
	if (w->len + n > JW_BUF_SIZE)
		jw_flush(w);
	return w->buf + w->len;
}

static inline void jw_commit(struct jw *w, char *cursor)
{
	w->len = (size_t)(cursor - w->buf);
}

/* "00" "01" ... "99": two digits a division. */
extern const char jw_digit_pairs[200];

/* v in decimal, at most 20 bytes; the same text as jw_uint(). */
static inline char *jw_put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int i = sizeof(tmp);
	unsigned d;

	while (v >= 100) {
		d = (unsigned)(v % 100) * 2;
		v /= 100;
		tmp[--i] = jw_digit_pairs[d + 1];
		tmp[--i] = jw_digit_pairs[d];
	}
	if (v >= 10) {
		d = (unsigned)v * 2;
		tmp[--i] = jw_digit_pairs[d + 1];
		tmp[--i] = jw_digit_pairs[d];
	} else {
		tmp[--i] = (char)('0' + v);
	}
	memcpy(p, tmp + i, sizeof(tmp) - (size_t)i);
	return p + sizeof(tmp) - i;
}

/* v in decimal, at most 20 bytes; the same text as jw_int(). */
static inline char *jw_put_i64(char *p, int64_t v)
{
	if (v >= 0)
		return jw_put_u64(p, (uint64_t)v);
	*p++ = '-';
	return jw_put_u64(p, (uint64_t)0 - (uint64_t)v);
}

/* Writes the number as jw_double() does into dst (cap bytes); returns its length. */
size_t jw_format_double(char *dst, size_t cap, double v, int decimals);

/* At most this many bytes for jw_put_millis(). */
#define JW_MILLIS_MAX 24

/*
 * ms / 1000 in seconds with 3 decimals: the same text as
 * jw_double(ms / 1000.0, 3), without the floating point for any age below
 * 2^40 ms (35 years), where that division and llround() give ms back exactly.
 */
static inline char *jw_put_millis(char *p, uint64_t ms)
{
	uint64_t frac;

	if (ms >= (1ull << 40))
		return p + jw_format_double(p, JW_MILLIS_MAX, (double)ms / 1000.0, 3);
	p = jw_put_u64(p, ms / 1000);
	frac = ms % 1000;
	*p++ = '.';
	*p++ = (char)('0' + frac / 100);
	memcpy(p, jw_digit_pairs + (frac % 100) * 2, 2);
	return p + 2;
}

/* A literal (null, true, false) at the cursor. */
#define JW_PUT_LITERAL(p, literal) \
	(memcpy((p), "" literal, sizeof(literal) - 1), (p) + sizeof(literal) - 1)

/* Writes s as the body of a JSON string (no quotes), escaped. */
void jw_escape(FILE *out, const char *s, size_t len);

#endif /* SC_JSON_WRITER_H */

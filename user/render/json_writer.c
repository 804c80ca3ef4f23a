// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

void jw_init(struct jw *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->first[0] = true;
	w->after_key = false;
	w->len = 0;
}

void jw_flush(struct jw *w)
{
	if (w->len)
		fwrite(w->buf, 1, w->len, w->out);
	w->len = 0;
}

void jw_init_continuing(struct jw *w, FILE *out)
{
	jw_init(w, out);
	w->depth = 1;
	w->first[1] = false;
}

void jw_raw_values(struct jw *w, const char *text, size_t len)
{
	if (!len)
		return;
	jw_flush(w);
	fwrite(text, 1, len, w->out);
	w->first[w->depth] = false;
}

static void put(struct jw *w, const void *p, size_t n)
{
	if (w->len + n > sizeof(w->buf)) {
		jw_flush(w);
		if (n > sizeof(w->buf)) {
			fwrite(p, 1, n, w->out);
			return;
		}
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void putc_(struct jw *w, char c)
{
	if (w->len == sizeof(w->buf))
		jw_flush(w);
	w->buf[w->len++] = c;
}

static void put_str(struct jw *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Separator before a value: none after a key, a comma between siblings. */
static void before_value(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		putc_(w, ',');
	w->first[w->depth] = false;
}

/* A complete top-level value goes out at once. */
static void after_value(struct jw *w)
{
	if (w->depth == 0)
		jw_flush(w);
}

static void open_container(struct jw *w, char c)
{
	before_value(w);
	putc_(w, c);
	if (w->depth + 1 < JW_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_container(struct jw *w, char c)
{
	putc_(w, c);
	if (w->depth > 0)
		w->depth--;
	after_value(w);
}

void jw_object_begin(struct jw *w) { open_container(w, '{'); }
void jw_object_end(struct jw *w) { close_container(w, '}'); }
void jw_array_begin(struct jw *w) { open_container(w, '['); }
void jw_array_end(struct jw *w) { close_container(w, ']'); }

static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static void escape(struct jw *w, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run, n;

	while (i < len) {
		unsigned char c = s[i];

		/* Copy runs of plain ASCII at once: almost every string is one. */
		for (run = i; run < len && plain(s[run]); run++)
			;
		if (run > i) {
			put(w, s + i, run - i);
			i = run;
			continue;
		}
		i++;
		switch (c) {
		case '"': put(w, "\\\"", 2); continue;
		case '\\': put(w, "\\\\", 2); continue;
		case '\n': put(w, "\\n", 2); continue;
		case '\r': put(w, "\\r", 2); continue;
		case '\t': put(w, "\\t", 2); continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			put(w, u, sizeof(u));
			continue;
		}
		n = sc_utf8_seq_len(s + i - 1, len - i + 1);
		if (!n) {
			put(w, "\\ufffd", 6);
			continue;
		}
		put(w, s + i - 1, n);
		i += n - 1;
	}
}

void jw_escape(FILE *out, const char *s, size_t len)
{
	struct jw *tmp = malloc(sizeof(*tmp)); /* the buffer is too big for the stack */

	if (!tmp)
		return;
	jw_init(tmp, out);
	escape(tmp, s, len);
	jw_flush(tmp);
	free(tmp);
}

void jw_key(struct jw *w, const char *key)
{
	before_value(w);
	putc_(w, '"');
	escape(w, key, strlen(key));
	put(w, "\":", 2);
	w->after_key = true;
}

void jw_string_n(struct jw *w, const char *s, size_t len)
{
	before_value(w);
	putc_(w, '"');
	escape(w, s, len);
	putc_(w, '"');
	after_value(w);
}

void jw_string(struct jw *w, const char *s)
{
	jw_string_n(w, s, strlen(s));
}

static void put_u64(struct jw *w, uint64_t v)
{
	char tmp[20];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(w, tmp + i, sizeof(tmp) - (size_t)i);
}

void jw_int(struct jw *w, int64_t v)
{
	before_value(w);
	if (v < 0) {
		putc_(w, '-');
		put_u64(w, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(w, (uint64_t)v);
	}
	after_value(w);
}

const char jw_digit_pairs[200] = "00010203040506070809101112131415161718192021222324"
				  "25262728293031323334353637383940414243444546474849"
				  "50515253545556575859606162636465666768697071727374"
				  "75767778798081828384858687888990919293949596979899";

size_t jw_format_double(char *dst, size_t cap, double v, int decimals)
{
	static const uint64_t scale[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };
	uint64_t fixed, frac;
	char *p = dst;
	int i, n;

	/* JSON has no NaN or infinity. */
	if (!isfinite(v)) {
		memcpy(dst, "null", 4);
		return 4;
	}
	/* Fixed point through integers: snprintf per field is too slow. */
	if (decimals >= 0 && decimals <= 6 && fabs(v) < 1e12) {
		if (v < 0) {
			*p++ = '-';
			v = -v;
		}
		fixed = (uint64_t)llround(v * (double)scale[decimals]);
		p = jw_put_u64(p, fixed / scale[decimals]);
		if (!decimals)
			return (size_t)(p - dst);
		*p++ = '.';
		frac = fixed % scale[decimals];
		for (i = decimals - 1; i >= 0; i--) {
			p[i] = (char)('0' + frac % 10);
			frac /= 10;
		}
		return (size_t)(p + decimals - dst);
	}
	n = snprintf(dst, cap, "%.*f", decimals, v);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Room for any double: DBL_MAX has 309 digits before the point. */
#define DOUBLE_TEXT_MAX 352

static void put_double(struct jw *w, double v, int decimals)
{
	char tmp[DOUBLE_TEXT_MAX];

	put(w, tmp, jw_format_double(tmp, sizeof(tmp), v, decimals));
}

void jw_double(struct jw *w, double v, int decimals)
{
	before_value(w);
	put_double(w, v, decimals);
	after_value(w);
}

void jw_bool(struct jw *w, bool v)
{
	before_value(w);
	put_str(w, v ? "true" : "false");
	after_value(w);
}

void jw_null(struct jw *w)
{
	before_value(w);
	put(w, "null", 4);
	after_value(w);
}

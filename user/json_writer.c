// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <string.h>

#include "json_writer.h"

void jw_init(struct jw *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->first[0] = true;
}

/* Separator before a value: none after a key, a comma between siblings. */
static void before_value(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		fputc(',', w->out);
	w->first[w->depth] = false;
}

static void open_container(struct jw *w, char c)
{
	before_value(w);
	fputc(c, w->out);
	if (w->depth + 1 < JW_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_container(struct jw *w, char c)
{
	fputc(c, w->out);
	if (w->depth > 0)
		w->depth--;
}

void jw_object_begin(struct jw *w) { open_container(w, '{'); }
void jw_object_end(struct jw *w) { close_container(w, '}'); }
void jw_array_begin(struct jw *w) { open_container(w, '['); }
void jw_array_end(struct jw *w) { close_container(w, ']'); }

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void jw_escape(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = s[i];

		switch (c) {
		case '"': fputs("\\\"", out); i++; continue;
		case '\\': fputs("\\\\", out); i++; continue;
		case '\n': fputs("\\n", out); i++; continue;
		case '\r': fputs("\\r", out); i++; continue;
		case '\t': fputs("\\t", out); i++; continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			i++;
			continue;
		}
		n = utf8_seq_len(s + i, len - i);
		if (!n) {
			fputs("\\ufffd", out);
			i++;
			continue;
		}
		fwrite(s + i, 1, n, out);
		i += n;
	}
}

void jw_key(struct jw *w, const char *key)
{
	before_value(w);
	fputc('"', w->out);
	jw_escape(w->out, key, strlen(key));
	fputs("\":", w->out);
	w->after_key = true;
}

void jw_string_n(struct jw *w, const char *s, size_t len)
{
	before_value(w);
	fputc('"', w->out);
	jw_escape(w->out, s, len);
	fputc('"', w->out);
}

void jw_string(struct jw *w, const char *s)
{
	jw_string_n(w, s, strlen(s));
}

void jw_uint(struct jw *w, uint64_t v)
{
	before_value(w);
	fprintf(w->out, "%llu", (unsigned long long)v);
}

void jw_int(struct jw *w, int64_t v)
{
	before_value(w);
	fprintf(w->out, "%lld", (long long)v);
}

void jw_double(struct jw *w, double v, int decimals)
{
	before_value(w);
	/* JSON has no NaN or infinity. */
	if (!isfinite(v))
		fputs("null", w->out);
	else
		fprintf(w->out, "%.*f", decimals, v);
}

void jw_bool(struct jw *w, bool v)
{
	before_value(w);
	fputs(v ? "true" : "false", w->out);
}

void jw_null(struct jw *w)
{
	before_value(w);
	fputs("null", w->out);
}

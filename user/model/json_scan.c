// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "json_scan.h"

/* Nesting deeper than this is no runtime state file: refuse it. */
#define MAX_DEPTH 64

const char *sc_json_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Past the string at p (which is '"'), escapes honoured; NULL if unterminated. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

const char *sc_json_skip(const char *p, const char *end)
{
	char stack[MAX_DEPTH];
	int depth = 0;

	p = sc_json_ws(p, end);
	if (p >= end)
		return NULL;
	do {
		if (p >= end)
			return NULL;
		switch (*p) {
		case '"':
			p = skip_string(p, end);
			if (!p)
				return NULL;
			continue;
		case '{':
		case '[':
			if (depth == MAX_DEPTH)
				return NULL;
			stack[depth++] = *p == '{' ? '}' : ']';
			break;
		case '}':
		case ']':
			if (!depth || stack[depth - 1] != *p)
				return NULL;
			depth--;
			break;
		default:
			/* Numbers, true, false, null, and the separators inside containers. */
			if (!depth && (*p == ',' || *p == ':'))
				return NULL;
			break;
		}
		p++;
		/* A scalar at depth 0 ends at the first separator or space. */
		if (!depth && p < end && p[-1] != '}' && p[-1] != ']')
			while (p < end && !strchr(",:]} \t\r\n", *p))
				p++;
	} while (depth);
	return p;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The character an escape stands for, p after the backslash; 0 if malformed. */
static char unescape(const char **pp, const char *end)
{
	const char *p = *pp;
	unsigned v = 0;
	int i;

	switch (*p) {
	/* Control characters: names are printable, as for \u below (found by fuzzing). */
	case 'b': case 'f': case 'n': case 'r': case 't': *pp = p + 1; return '?';
	case '"': case '\\': case '/': *pp = p + 1; return *p;
	case 'u':
		if (end - p < 5)
			return 0;
		for (i = 1; i <= 4; i++) {
			if (hex(p[i]) < 0)
				return 0;
			v = v * 16 + (unsigned)hex(p[i]);
		}
		*pp = p + 5;
		/* Names are printable ASCII: nothing else reaches a label or a terminal. */
		return v >= 0x20 && v < 0x7f ? (char)v : '?';
	default:
		return 0;
	}
}

const char *sc_json_string(const char *p, const char *end, char *out, size_t len)
{
	size_t n = 0;
	char c;

	p = sc_json_ws(p, end);
	if (p >= end || *p != '"' || !len)
		return NULL;
	for (p++; p < end && *p != '"';) {
		if (*p == '\\') {
			if (++p >= end)
				return NULL;
			c = unescape(&p, end);
			if (!c)
				return NULL;
		} else {
			c = *p++;
			/* JSON has no raw control characters in strings. */
			if ((unsigned char)c < 0x20)
				return NULL;
			/* DEL it allows: not in a name (found by fuzzing). */
			if (c == 0x7f)
				c = '?';
		}
		if (n + 1 >= len)
			return NULL;
		out[n++] = c;
	}
	if (p >= end)
		return NULL;
	out[n] = '\0';
	return p + 1;
}

const char *sc_json_member(const char *obj, const char *end, const char *key)
{
	size_t klen = strlen(key);
	const char *p = sc_json_ws(obj, end), *k;

	if (p >= end || *p != '{')
		return NULL;
	p = sc_json_ws(p + 1, end);
	if (p < end && *p == '}')
		return NULL;
	while (p < end && *p == '"') {
		k = p + 1;
		p = skip_string(p, end);
		if (!p)
			return NULL;
		p = sc_json_ws(p, end);
		if (p >= end || *p != ':')
			return NULL;
		p = sc_json_ws(p + 1, end);
		/* Keys are compared undecoded: runtimes write their keys plainly. */
		if ((size_t)(p - k) >= klen + 1 && !memcmp(k, key, klen) && k[klen] == '"')
			return p;
		p = sc_json_skip(p, end);
		if (!p)
			return NULL;
		p = sc_json_ws(p, end);
		if (p >= end || *p != ',')
			return NULL;
		p = sc_json_ws(p + 1, end);
	}
	return NULL;
}

bool sc_json_next(const char *arr, const char *end, const char **elem)
{
	const char *p;

	if (!*elem) {
		p = sc_json_ws(arr, end);
		if (p >= end || *p != '[')
			return false;
		p = sc_json_ws(p + 1, end);
		if (p < end && *p == ']')
			return false;
	} else {
		p = sc_json_skip(*elem, end);
		if (!p)
			return false;
		p = sc_json_ws(p, end);
		if (p >= end || *p != ',')
			return false;
		p = sc_json_ws(p + 1, end);
	}
	if (p >= end)
		return false;
	*elem = p;
	return true;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Commands (comm) are whatever a process names itself (prctl PR_SET_NAME:
 * any 15 bytes but NUL). They group processes into services and become
 * metric labels and JSON strings. Input: up to 8 processes split at NUL
 * bytes, each a byte of shape (listener port, parent, namespace, the port
 * it serves) then its command, cut at 15 bytes as the kernel cuts it.
 * Checks: service names unique (they are label values), the exposition
 * well formed and valid UTF-8, JSON strings valid UTF-8 with control
 * bytes escaped.
 */
#define _GNU_SOURCE /* memrchr */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "metrics.h"
#include "services.h"
#include "summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PROCS 8

static const __u16 ports[] = { 0, 80, 443, 5432 };

/* Valid UTF-8 as the exposition and JSON want it: no overlongs, surrogates or beyond U+10FFFF. */
static int utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
			 : (c & 0xf8) == 0xf0 ? 4 : 0;
		__u32 cp;
		size_t k;

		if (!n || i + n > len)
			return 0;
		cp = n == 1 ? c : c & (0x7f >> n);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += n;
	}
	return 1;
}

static int isalnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* One sample line: name{label="value",...} number, values escaped as the format says. */
static int sample_ok(const char *l, const char *eol)
{
	const char *p = l;

	while (p < eol && (isalnum_ascii(*p) || *p == '_' || *p == ':'))
		p++;
	if (p == l)
		return 0;
	if (*p == '{') {
		p++;
		while (p < eol && *p != '}') {
			while (p < eol && (isalnum_ascii(*p) || *p == '_'))
				p++;
			if (p + 1 >= eol || p[0] != '=' || p[1] != '"')
				return 0;
			for (p += 2; p < eol && *p != '"'; p++)
				if (*p == '\\' && (++p >= eol || !strchr("\\\"n", *p)))
					return 0;
			if (p >= eol)
				return 0;
			p++;
			if (*p == ',')
				p++;
		}
		if (p >= eol)
			return 0;
		p++;
	}
	return *p == ' ' && p + 1 < eol;
}

struct series {
	const char *key; /* name{labels}, up to the value */
	size_t len;
};

static int cmp_series(const void *a, const void *b)
{
	const struct series *x = a, *y = b;
	int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Well formed, valid UTF-8, and no series twice: Prometheus keeps one sample of a repeat. */
static void check_exposition(const char *text, size_t len)
{
	const char *l = text, *eol;
	struct series *all = malloc((len / 2 + 1) * sizeof(*all));
	size_t n = 0, i;

	if (!all)
		return;
	if (!utf8_valid((const unsigned char *)text, len) || memchr(text, '\0', len))
		abort();
	for (; l < text + len; l = eol + 1) {
		eol = memchr(l, '\n', (size_t)(text + len - l));
		if (!eol)
			abort(); /* every line ends */
		if (!strncmp(l, "# HELP ", 7) || !strncmp(l, "# TYPE ", 7))
			continue;
		if (!sample_ok(l, eol))
			abort();
		all[n].key = l;
		all[n++].len = (size_t)((const char *)memrchr(l, ' ', (size_t)(eol - l)) - l);
	}
	qsort(all, n, sizeof(*all), cmp_series);
	for (i = 1; i < n; i++)
		if (!cmp_series(&all[i - 1], &all[i]))
			abort();
	free(all);
}

static void check_json_string(const char *s)
{
	char *out = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&out, &len);
	struct jw w;

	if (!f)
		return;
	jw_init(&w, f);
	jw_string(&w, s);
	jw_flush(&w);
	fclose(f);
	if (len < 2 || out[0] != '"' || out[len - 1] != '"' ||
	    !utf8_valid((unsigned char *)out, len))
		abort();
	for (i = 0; i < len; i++)
		if ((unsigned char)out[i] < 0x20)
			abort();
	free(out);
}

static void render(const struct sc_summary *sum, const struct sc_service *services, size_t n)
{
	struct sc_metrics_self self = {};
	struct sc_metrics_input in = { .summary = sum, .top = sum->nprocs, .services = services,
				       .nservices = n, .self = &self, .version = "fuzz" };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return;
	if (sc_metrics_render(f, &in) | fclose(f)) {
		free(out);
		return;
	}
	check_exposition(out, len);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_summary_proc procs[MAX_PROCS] = {};
	struct sc_summary sum = { .procs = procs };
	struct sc_service *services = NULL;
	size_t member_of[MAX_PROCS], nservices = 0, i, j, n = 0, pos = 0;

	while (pos < size && n < MAX_PROCS) {
		const uint8_t *chunk = data + pos, *nul = memchr(chunk, 0, size - pos);
		size_t clen = nul ? (size_t)(nul - chunk) : size - pos;
		struct sc_summary_proc *p = &procs[n];
		__u8 shape = clen ? chunk[0] : 0;

		pos += clen + 1;
		p->pid = 100 + (__u32)n;
		p->ppid = (shape >> 3 & 7) < n ? 100 + (shape >> 3 & 7) : 1;
		p->netns = 4026531840u + (shape >> 2 & 1);
		if (ports[shape & 3])
			sc_port_set_add(&p->listen, ports[shape & 3]);
		p->server_port = ports[shape >> 6];
		memcpy(p->comm, chunk + !!clen, clen > 1 ? (clen - 1 < SC_COMM_LEN - 1 ? clen - 1
								     : SC_COMM_LEN - 1) : 0);
		p->connections = p->first.connections = MAX_PROCS - n;
		p->tcp_sockets = p->first.tcp_sockets = MAX_PROCS - n;
		p->fds = 10;
		p->fd_limit = 1024;
		n++;
	}
	sum.nprocs = n;
	if (sc_services_build(procs, n, &services, &nservices, member_of))
		return 0;
	for (i = 0; i < nservices; i++)
		for (j = i + 1; j < nservices; j++)
			if (!strcmp(services[i].name, services[j].name))
				abort(); /* two series with one label set: Prometheus drops the scrape */
	render(&sum, services, nservices);
	for (i = 0; i < n; i++)
		check_json_string(procs[i].comm);
	free(services);
	return 0;
}

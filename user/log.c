// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "log.h"

static const char *log_prog = "sockcost";
static bool log_verbose;

static void vlog(const char *level, const char *fmt, va_list ap)
{
	/* Whole lines, even when two threads report at once. */
	flockfile(stderr);
	fprintf(stderr, "%s: %s", log_prog, level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

/* libbpf's own messages are noise unless the user asked for detail. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!log_verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void sc_log_init(const char *prog, bool verbose)
{
	log_prog = prog;
	log_verbose = verbose;
	libbpf_set_print(libbpf_print);
}

bool sc_log_verbose(void)
{
	return log_verbose;
}

int sc_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error: ", fmt, ap);
	va_end(ap);
	return -1;
}

int sc_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
	return -1;
}

void sc_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void sc_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

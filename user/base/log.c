// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

#include <errno.h>
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

void sc_log_init(const char *prog, bool verbose)
{
	log_prog = prog;
	log_verbose = verbose;
}

bool sc_log_verbose(void)
{
	return log_verbose;
}

int sc_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error: ", fmt, ap);
	va_end(ap);
	/* A caller that lost errno still fails. */
	return err > 0 ? -err : err < 0 ? err : -EIO;
}

void sc_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error: ", fmt, ap);
	va_end(ap);
}

void sc_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
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

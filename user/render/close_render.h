/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_CLOSE_RENDER_H
#define SC_CLOSE_RENDER_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "close_plan.h"
#include "view.h"

/* Who ran `sockcost close`, for the log. */
struct sc_close_actor {
	__u32 uid;
	char user[64];          /* "" if the uid has no name */
	__u32 pid;
};

/* What `sockcost close` says: the plan, and after --yes what came of it. */
struct sc_close_report {
	const struct sc_view *view;
	const struct sc_close_plan *plan;
	bool can_close;             /* a method is there: method says which */
	enum sc_close_method method;
	const char *missing;        /* without one: why (one line) */
	bool done;                  /* --yes ran: results, aborted and fds_after are set */
	size_t aborted;
	double waited_s;            /* before fds_after were read */
	size_t rows;                /* sockets the text lists */
};

void render_close_text(const struct sc_close_report *r, FILE *out);
void render_close_json(const struct sc_close_report *r, FILE *out);

/* One JSON line (with its newline) for a closed socket: the log's record. */
void render_close_log_line(const struct sc_close_report *r, const struct sc_close_target *t,
			   const struct sc_close_actor *who, time_t when, FILE *out);

/* What a target's result means, in a word or an errno's text. */
const char *sc_close_result_name(int result);

#endif /* SC_CLOSE_RENDER_H */

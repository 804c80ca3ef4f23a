// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <time.h>

#include "addr.h"
#include "close_render.h"
#include "json_writer.h"
#include "names.h"

static void write_socket(struct jw *w, const struct sc_view *v, const struct sc_close_target *t,
			 bool with_result)
{
	const struct sc_socket *s = t->row->socket;
	const struct sc_process *p = sc_snapshot_find_process(v->snap, t->row->holder->pid);
	char a[SC_ADDR_STRLEN];

	JW_KEY(w, "pid");
	jw_uint(w, t->row->holder->pid);
	JW_KEY(w, "comm");
	jw_string(w, p ? p->comm : "");
	JW_KEY(w, "fd");
	jw_uint(w, t->row->holder->fd);
	JW_KEY(w, "fds");
	jw_uint(w, t->fds);
	JW_KEY(w, "state");
	jw_string(w, sc_tcp_state_name(s->state));
	JW_KEY(w, "family");
	jw_string(w, sc_family_name(s->family));
	JW_KEY(w, "laddr");
	jw_string(w, sc_addr_str(s->family, s->laddr, a, sizeof(a)));
	JW_KEY(w, "lport");
	jw_uint(w, s->lport);
	JW_KEY(w, "raddr");
	jw_string(w, sc_addr_str(s->family, s->raddr, a, sizeof(a)));
	JW_KEY(w, "rport");
	jw_uint(w, s->rport);
	JW_KEY(w, "netns");
	jw_uint(w, s->netns);
	JW_KEY(w, "cookie");
	jw_uint(w, s->cookie);
	JW_KEY(w, "idle");
	jw_bool(w, t->row->idle.idle);
	JW_KEY(w, "idle_s");
	jw_double(w, (double)t->row->idle.idle_ms / 1000.0, 3);
	JW_KEY(w, "socket_memory_bytes");
	jw_uint(w, sc_socket_memory(s));
	JW_KEY(w, "health");
	jw_string(w, sc_health_name(t->row->health.health));
	JW_KEY(w, "health_age_s");
	if (t->row->health.health == SC_HEALTH_OK || t->row->health.age_ms == SC_AGE_UNKNOWN)
		jw_null(w);
	else
		jw_double(w, (double)t->row->health.age_ms / 1000.0, 3);
	if (with_result) {
		JW_KEY(w, "result");
		jw_string(w, sc_close_result_name(t->result));
		JW_KEY(w, "errno");
		jw_int(w, t->result < 0 ? -t->result : 0);
	}
}

static void write_procs(struct jw *w, const struct sc_close_report *r)
{
	const struct sc_close_plan *p = r->plan;
	size_t i;

	JW_KEY(w, "processes");
	jw_array_begin(w);
	for (i = 0; i < p->nprocs; i++) {
		const struct sc_close_proc *c = &p->procs[i];

		jw_object_begin(w);
		JW_KEY(w, "pid");
		jw_uint(w, c->process->pid);
		JW_KEY(w, "comm");
		jw_string(w, c->process->comm);
		JW_KEY(w, "sockets");
		jw_uint(w, c->sockets);
		JW_KEY(w, "fds_on_them");
		jw_uint(w, c->fds);
		JW_KEY(w, "socket_memory_bytes");
		jw_uint(w, c->memory_bytes);
		JW_KEY(w, "fds_before");
		jw_uint(w, c->process->fds);
		JW_KEY(w, "fd_limit");
		jw_uint(w, c->process->fd_limit);
		if (r->done) {
			JW_KEY(w, "aborted");
			jw_uint(w, c->aborted);
			JW_KEY(w, "fds_after");
			jw_uint(w, c->fds_after);
		}
		jw_object_end(w);
	}
	jw_array_end(w);
}

void render_close_json(const struct sc_close_report *r, FILE *out)
{
	const struct sc_close_plan *p = r->plan;
	struct jw w;
	size_t i;

	jw_init(&w, out);
	jw_object_begin(&w);
	JW_KEY(&w, "dry_run");
	jw_bool(&w, !r->done);
	JW_KEY(&w, "method");
	if (r->can_close)
		jw_string(&w, sc_close_method_name(r->method));
	else
		jw_null(&w);
	if (!r->can_close) {
		JW_KEY(&w, "missing");
		jw_string(&w, r->missing);
	}
	JW_KEY(&w, "sockets");
	jw_uint(&w, p->ntargets);
	JW_KEY(&w, "fds_on_them");
	jw_uint(&w, p->fds);
	JW_KEY(&w, "socket_memory_bytes");
	jw_uint(&w, p->memory_bytes);
	JW_KEY(&w, "send_queue_bytes");
	jw_uint(&w, p->send_queue_bytes);
	JW_KEY(&w, "object_bytes");
	jw_uint(&w, p->object_bytes);
	JW_KEY(&w, "matched");
	jw_uint(&w, p->matched);
	JW_KEY(&w, "left_by_max");
	jw_uint(&w, p->left);
	JW_KEY(&w, "skipped");
	jw_object_begin(&w);
	JW_KEY(&w, "listeners");
	jw_uint(&w, p->listeners);
	JW_KEY(&w, "busy");
	jw_uint(&w, p->busy);
	JW_KEY(&w, "no_connection");
	jw_uint(&w, p->unclosable);
	jw_object_end(&w);
	if (r->done) {
		JW_KEY(&w, "aborted");
		jw_uint(&w, r->aborted);
		JW_KEY(&w, "waited_s");
		jw_double(&w, r->waited_s, 1);
	}
	write_procs(&w, r);
	JW_KEY(&w, "targets");
	jw_array_begin(&w);
	for (i = 0; i < p->ntargets; i++) {
		jw_object_begin(&w);
		write_socket(&w, r->view, &p->targets[i], r->done);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	jw_flush(&w);
	fputc('\n', out);
}

void render_close_log_line(const struct sc_close_report *r, const struct sc_close_target *t,
			   const struct sc_close_actor *who, time_t when, FILE *out)
{
	char stamp[32];
	struct tm tm;
	struct jw w;

	gmtime_r(&when, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	jw_init(&w, out);
	jw_object_begin(&w);
	JW_KEY(&w, "time");
	jw_string(&w, stamp);
	JW_KEY(&w, "event");
	jw_string(&w, "close");
	JW_KEY(&w, "method");
	jw_string(&w, sc_close_method_name(r->method));
	write_socket(&w, r->view, t, true);
	JW_KEY(&w, "by");
	jw_object_begin(&w);
	JW_KEY(&w, "uid");
	jw_uint(&w, who->uid);
	JW_KEY(&w, "user");
	jw_string(&w, who->user);
	JW_KEY(&w, "pid");
	jw_uint(&w, who->pid);
	jw_object_end(&w);
	jw_object_end(&w);
	jw_flush(&w);
	fputc('\n', out);
}

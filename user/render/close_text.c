// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "close_render.h"
#include "format.h"
#include "names.h"

const char *sc_close_result_name(int result)
{
	if (result == 0)
		return "aborted";
	if (result == SC_CLOSE_PENDING)
		return "not tried";
	if (result == -ENOENT)
		return "gone";
	if (result == -ESTALE)
		return "ports reused";
	return strerror(-result);
}

static void render_what_frees(const struct sc_close_report *r, FILE *out)
{
	char sent[32], rest[32], obj[32];

	fmt_bytes(r->plan->send_queue_bytes, sent, sizeof(sent));
	fmt_bytes(r->plan->memory_bytes - r->plan->send_queue_bytes, rest, sizeof(rest));
	fmt_bytes(r->plan->object_bytes, obj, sizeof(obj));
	fprintf(out, "Closing aborts each connection in the kernel: its TCP state and send queue\n"
		"(%s here) go at once and the peer gets a reset, freeing its side. The holder's\n"
		"next use of the socket fails; a server that handles the error closes its fd,\n"
		"and with it go the receive queue (%s here) and the socket's kernel objects\n"
		"(%s: tcp_sock, inode, file, dentry). A process that never touches the socket\n"
		"(a CLOSE-WAIT leak) keeps the fd, the receive queue and the objects until it\n"
		"closes it.\n", sent, rest, obj);
}

static void render_skipped(const struct sc_close_plan *p, FILE *out)
{
	if (p->listeners)
		fprintf(out, "%zu listening socket%s kept: listeners are never closed\n",
			p->listeners, p->listeners == 1 ? "" : "s");
	if (p->busy)
		fprintf(out, "%zu busy connection%s kept (--include-busy closes them too)\n", p->busy,
			p->busy == 1 ? "" : "s");
	if (p->unclosable)
		fprintf(out, "%zu socket%s with no connection to abort or no holder kept "
			"(time-wait, request, unconnected)\n", p->unclosable,
			p->unclosable == 1 ? "" : "s");
	if (p->left)
		fprintf(out, "%zu more matching socket%s left by --max: run again\n", p->left,
			p->left == 1 ? "" : "s");
}

static void render_procs(const struct sc_close_report *r, FILE *out)
{
	const struct sc_close_plan *p = r->plan;
	char mem[32], comm[SC_COMM_LEN + 1];
	size_t i;

	if (!p->nprocs)
		return;
	if (r->done)
		fprintf(out, "\n%-8s %-16s %8s %8s %10s %10s %10s\n", "PID", "COMMAND", "SOCKETS",
			"ABORTED", "FDS BEFORE", "FDS AFTER", "FDS GONE");
	else
		fprintf(out, "\n%-8s %-16s %8s %8s %10s %10s\n", "PID", "COMMAND", "SOCKETS",
			"FDS", "SOCK MEM", "FDS NOW");
	for (i = 0; i < p->nprocs; i++) {
		const struct sc_close_proc *c = &p->procs[i];

		fmt_printable(c->process->comm, comm, sizeof(comm));
		if (r->done) {
			long long gone = (long long)c->process->fds - (long long)c->fds_after;

			fprintf(out, "%-8u %-16s %8llu %8llu %10llu %10llu %10lld\n",
				c->process->pid, comm, (unsigned long long)c->sockets,
				(unsigned long long)c->aborted, (unsigned long long)c->process->fds,
				(unsigned long long)c->fds_after, gone);
		} else {
			fprintf(out, "%-8u %-16s %8llu %8llu %10s %10llu\n", c->process->pid, comm,
				(unsigned long long)c->sockets, (unsigned long long)c->fds,
				fmt_bytes(c->memory_bytes, mem, sizeof(mem)),
				(unsigned long long)c->process->fds);
		}
	}
}

static void render_rows(const struct sc_close_report *r, FILE *out)
{
	const struct sc_close_plan *p = r->plan;
	char local[64], remote[64], idle[32], comm[SC_COMM_LEN + 1];
	size_t i, n = p->ntargets < r->rows ? p->ntargets : r->rows;

	if (!n)
		return;
	/* The last column unpadded: no trailing blanks. */
	fprintf(out, "\n%-8s %-12s %6s %-11s %-24s %-24s %9s %-*s%s\n", "PID", "COMMAND", "FD",
		"STATE", "LOCAL", "REMOTE", "IDLE FOR", r->done ? 14 : 0, "HEALTH",
		r->done ? "  RESULT" : "");
	for (i = 0; i < n; i++) {
		const struct sc_close_target *t = &p->targets[i];
		const struct sc_socket *s = t->row->socket;
		const struct sc_process *proc = sc_snapshot_find_process(r->view->snap,
									 t->row->holder->pid);

		fprintf(out, "%-8u %-12.12s %6u %-11s %-24s %-24s %9s %-*s%s%s\n", t->row->holder->pid,
			proc ? fmt_printable(proc->comm, comm, sizeof(comm)) : "-",
			t->row->holder->fd, sc_tcp_state_name(s->state),
			fmt_endpoint(s->family, s->laddr, s->lport, local, sizeof(local)),
			fmt_endpoint(s->family, s->raddr, s->rport, remote, sizeof(remote)),
			fmt_duration_ms(t->row->idle.idle_ms, idle, sizeof(idle)),
			r->done ? 14 : 0, sc_health_name(t->row->health.health), r->done ? "  " : "", r->done ? sc_close_result_name(t->result) : "");
	}
	if (p->ntargets > n)
		fprintf(out, "(%zu more: --rows N lists more, --json all)\n", p->ntargets - n);
}

void render_close_text(const struct sc_close_report *r, FILE *out)
{
	const struct sc_close_plan *p = r->plan;
	char mem[32];

	fmt_bytes(p->memory_bytes, mem, sizeof(mem));
	if (r->done) {
		__u64 before = 0, after = 0;
		size_t i;

		for (i = 0; i < p->nprocs; i++) {
			before += p->procs[i].process->fds;
			after += p->procs[i].fds_after;
		}
		fprintf(out, "%zu of %zu socket%s aborted (by %s), holding %s of socket buffers\n",
			r->aborted, p->ntargets, p->ntargets == 1 ? "" : "s",
			sc_close_method_name(r->method), mem);
		fprintf(out, "after %.1fs the holders have %lld fewer fds (%llu -> %llu) of the "
			"%llu on them\n", r->waited_s, (long long)before - (long long)after,
			(unsigned long long)before, (unsigned long long)after,
			(unsigned long long)p->fds);
	} else {
		fprintf(out, "would close %zu socket%s held on %llu fds by %zu process%s, %s of "
			"socket buffers (dry run: --yes closes them)\n", p->ntargets,
			p->ntargets == 1 ? "" : "s", (unsigned long long)p->fds, p->nprocs,
			p->nprocs == 1 ? "" : "es", mem);
		if (r->can_close)
			fprintf(out, "method: %s\n", sc_close_method_name(r->method));
		else
			fprintf(out, "this kernel cannot close them: %s\n", r->missing);
	}
	render_skipped(p, out);
	if (p->ntargets)
		render_what_frees(r, out);
	render_procs(r, out);
	render_rows(r, out);
}

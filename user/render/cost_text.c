// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <string.h>

#include "fd_eta_text.h"
#include "format.h"
#include "cost_text.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static const char *bytes(double b, char *buf, size_t len)
{
	return fmt_bytes((uint64_t)llround(b > 0 ? b : 0), buf, len);
}

/* A slope can be negative (the heap shrank while connections grew): say so. */
static const char *slope(double b, char *buf, size_t len)
{
	if (b >= 0)
		return bytes(b, buf, len);
	snprintf(buf, len, "%.0f B", b);
	return buf;
}

static void money(const struct sc_cost_doc *d, double b, FILE *out)
{
	if (d->has_price)
		fprintf(out, "  %10.2f", sc_cost_monthly(b, d->ram_price));
}

static void render_scope(const struct sc_cost_doc *d, FILE *out)
{
	const struct sc_cost_report *r = d->report;

	if (d->pid)
		fprintf(out, "process %u", d->pid);
	else
		fputs("host", out);
	if (d->port >= 0)
		fprintf(out, ", local port %d", d->port);
	fprintf(out, ": %llu connections, %llu watched by epoll", (unsigned long long)r->connections,
		(unsigned long long)r->epoll_watched);
	if (d->observed_s > 0)
		fprintf(out, ", observed %.0fs", d->observed_s);
	fputs("\n\n", out);
}

#define MAX_REASONS 3

/*
 * Why the processes on an average basis have no marginal: the reasons
 * measuring gave (marginal.h), each once, so a watched report never claims
 * it was not watched.
 */
static void render_average_note(const struct sc_cost_report *r, FILE *out)
{
	char why[MAX_REASONS][96], one[96];
	size_t i, j, n = 0, more = 0;

	for (i = 0; i < r->nprocs; i++) {
		const struct sc_cost_proc *p = &r->procs[i];

		if (p->basis != SC_BASIS_AVERAGE)
			continue;
		sc_marginal_why_text(&p->marginal, one, sizeof(one));
		for (j = 0; j < n && strcmp(why[j], one); j++)
			;
		if (j < n)
			continue;
		if (n == MAX_REASONS) {
			more++; /* processes whose reason is not shown (repeats included) */
			continue;
		}
		snprintf(why[n++], sizeof(why[0]), "%s", one);
	}
	fputs("\n                 (average: private memory / connections, an upper bound;"
	      " marginal not measured: ", out);
	for (i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? "; " : "", why[i]);
	if (more)
		fprintf(out, "; %zu more process%s with other reasons (--json: marginal.why_not)",
			more, more == 1 ? "" : "es");
	fputc(')', out);
}

static void render_per_connection(const struct sc_cost_doc *d, FILE *out)
{
	const struct sc_cost_report *r = d->report;
	const char *basis = sc_cost_basis_summary(r);
	char a[32], b[32], c[32];
	int o;

	fprintf(out, "Per connection:  kernel %s (slab objects %s + buffers %s)",
		bytes(sc_cost_kernel_per_connection(r), a, sizeof(a)),
		bytes(sc_cost_fixed_per_connection(r), b, sizeof(b)),
		bytes(sc_cost_buffers_per_connection(r), c, sizeof(c)));
	if (basis)
		fprintf(out, ", application memory %s (%s)",
			slope(r->memory_per_connection, a, sizeof(a)), basis);
	if (r->basis_connections[SC_BASIS_AVERAGE])
		render_average_note(r, out);
	fputs("\nSlab objects:   ", out);
	for (o = 0; o < SC_OBJ_COUNT; o++) {
		const struct sc_slab_size *s = &d->slab->obj[o];

		fprintf(out, " %s %u B (%s%s)%s", sc_slab_obj_name(o), s->bytes,
			sc_size_source_name(s->source), s->merged ? ", merged" : "",
			o + 1 < SC_OBJ_COUNT ? "," : "\n");
		if (o == SC_OBJ_REQV6)
			fputs("\n                ", out);
	}
	fprintf(out, "Total:           kernel %s",
		bytes((double)(r->kernel_fixed_bytes + r->kernel_buffer_bytes), a, sizeof(a)));
	if (r->has_mem)
		fprintf(out, ", memory of the processes holding them %s PSS (%s private)",
			bytes((double)r->pss_bytes, b, sizeof(b)),
			bytes((double)r->private_bytes, c, sizeof(c)));
	if (d->has_price)
		fprintf(out, "; the connections' kernel and application memory %.2f per month at "
			"%.2f per GiB-month", sc_cost_monthly(sc_cost_connections_bytes(r),
							     d->ram_price), d->ram_price);
	fputs("\n\n", out);
}

static const char *limit_cell(const struct sc_cost_proc *p, enum sc_limit_kind k, char *buf,
			      size_t len)
{
	if (!p->limits[k].known)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%llu", (unsigned long long)p->limits[k].max_connections);
	return buf;
}

static void render_processes(const struct sc_cost_doc *d, FILE *out)
{
	const struct sc_cost_report *r = d->report;
	char comm[SC_COMM_LEN + 1], fds[48], eta[16], k[32], mem[32], basis[16], pss[32],
		byfd[24], bymem[24], byapp[24], binding[40];
	size_t i;

	fprintf(out, "%-8s %-16s %8s %15s %6s %10s %10s %-11s %10s %9s %9s %9s  %s\n", "PID",
		"COMMAND", "CONN", "FDS/LIMIT", "FD ETA", "KERN/CONN", "MEM/CONN", "BASIS", "PSS",
		"MAX(FD)", "MAX(MEM)", "MAX(APP)", "BINDING");
	for (i = 0; i < r->nprocs; i++) {
		const struct sc_cost_proc *p = &r->procs[i];
		const struct sc_process *proc = p->process;

		if (p->fd_unlimited)
			snprintf(fds, sizeof(fds), "%llu/unlimited", (unsigned long long)proc->fds);
		else
			snprintf(fds, sizeof(fds), "%llu/%llu", (unsigned long long)proc->fds,
				 (unsigned long long)proc->fd_limit);
		bytes(p->connections ? (double)(p->kernel_fixed_bytes + p->kernel_buffer_bytes) /
					       (double)p->connections : 0, k, sizeof(k));
		if (p->basis != SC_BASIS_NONE)
			slope(p->memory_per_connection, mem, sizeof(mem));
		else
			snprintf(mem, sizeof(mem), "-");
		snprintf(basis, sizeof(basis), "%s",
			 p->basis != SC_BASIS_NONE ? sc_mem_basis_name(p->basis) : "-");
		if (p->has_mem)
			bytes((double)p->mem.pss, pss, sizeof(pss));
		else
			snprintf(pss, sizeof(pss), "-");
		if (p->binding >= 0)
			snprintf(binding, sizeof(binding), "%s, %lld more", sc_limit_name(p->binding),
				 (long long)p->limits[p->binding].max_connections -
					 (long long)p->connections);
		else
			snprintf(binding, sizeof(binding), "none known");
		if (!fmt_fd_eta(&p->fd_eta, eta, sizeof(eta))[0])
			snprintf(eta, sizeof(eta), "-");
		fprintf(out, "%-8u %-16s %8llu %15s %6s %10s %10s %-11s %10s %9s %9s %9s  %s\n",
			proc->pid, fmt_printable(proc->comm, comm, sizeof(comm)),
			(unsigned long long)p->connections, fds, eta, k, mem, basis, pss,
			limit_cell(p, SC_LIMIT_FDS, byfd, sizeof(byfd)),
			limit_cell(p, SC_LIMIT_MEMORY, bymem, sizeof(bymem)),
			limit_cell(p, SC_LIMIT_APP, byapp, sizeof(byapp)), binding);
	}
	if (!r->nprocs) {
		fputs("(no process holds a matching TCP socket)\n", out);
		return;
	}
	/* Growth is measured, never guessed from one count. */
	if (d->observed_s > 0)
		fprintf(out, "(FD ETA: when open fds reach the soft limit at their growth over the "
			"%.0fs observed, sampled once a second; - when not growing)\n",
			d->observed_s);
	else
		fputs("(FD ETA needs --observe SECS, " STR(SC_FD_TREND_MIN_SPAN_S) " or more: open fds "
		      "are sampled once a second while observing; \"limit\" = at it now)\n", out);
}

/* Only where a server runs as several processes: else it repeats the process table. */
static void render_services(const struct sc_cost_doc *d, FILE *out)
{
	const struct sc_cost_report *r = d->report;
	char name[SC_SERVICE_NAME_LEN], k[32], mem[32], pss[32], priv[32], cost[32];
	size_t i;

	if (!r->services_grouped)
		return;
	fprintf(out, "%-28s %6s %8s %10s %10s %-11s %10s %10s %10s\n", "SERVICE", "PROCS", "CONN",
		"KERN/CONN", "MEM/CONN", "BASIS", "PSS", "PRIVATE", "COST/CONN");
	for (i = 0; i < r->nservices; i++) {
		const struct sc_cost_service *s = &r->services[i];
		const char *basis = sc_cost_basis_of(s->basis_connections);

		bytes(s->connections ? (double)(s->kernel_fixed_bytes + s->kernel_buffer_bytes) /
					       (double)s->connections : 0, k, sizeof(k));
		if (basis)
			slope(s->memory_per_connection, mem, sizeof(mem));
		else
			snprintf(mem, sizeof(mem), "-");
		if (s->has_mem) {
			bytes((double)s->pss_bytes, pss, sizeof(pss));
			bytes((double)s->private_bytes, priv, sizeof(priv));
		} else {
			snprintf(pss, sizeof(pss), "-");
			snprintf(priv, sizeof(priv), "-");
		}
		if (s->connections)
			slope(s->cost_per_connection, cost, sizeof(cost));
		else
			snprintf(cost, sizeof(cost), "-");
		fprintf(out, "%-28s %6llu %8llu %10s %10s %-11s %10s %10s %10s\n",
			fmt_printable(s->service->name, name, sizeof(name)),
			(unsigned long long)s->processes, (unsigned long long)s->connections, k, mem,
			basis ? basis : "-", pss, priv, cost);
	}
	fputs("(PSS and PRIVATE summed over the service's processes)\n\n", out);
}

static void render_host(const struct sc_cost_doc *d, FILE *out)
{
	const struct sc_cost_report *r = d->report;
	char a[32], b[32];
	size_t i;

	for (i = 0; i < r->nlisteners; i++) {
		const struct sc_cost_listener *l = &r->listeners[i];

		if (!i)
			fprintf(out, "\n%-12s %10s %14s %12s\n", "LISTEN PORT", "LISTENERS",
				"ACCEPT QUEUE", "DROPS");
		fprintf(out, "%-12u %10u %8u/%-5u %12llu\n", l->port, l->listeners, l->accept_queue,
			l->accept_queue_max, (unsigned long long)l->drops);
	}
	if (r->has_fd_headroom)
		fprintf(out, "\nHost: %llu of %llu files open (fs.file-max), %llu more fit",
			(unsigned long long)r->host.files_open, (unsigned long long)r->host.file_max,
			(unsigned long long)r->host_fd_headroom);
	if (r->has_tcp_mem_headroom)
		fprintf(out, "; TCP memory %s of %s before tcp_mem pressure",
			bytes((double)r->host.tcp_mem_bytes, a, sizeof(a)),
			bytes((double)r->host.tcp_mem_pressure_bytes, b, sizeof(b)));
	if (r->has_fd_headroom || r->has_tcp_mem_headroom)
		fputc('\n', out);
}

static void render_whatif(const struct sc_cost_doc *d, FILE *out)
{
	const struct sc_cost_report *r = d->report;
	char after[32], k[32], mem[32];
	size_t i;

	fprintf(out, "\nIdle timeout what-if (connections idle that long now would close):\n");
	fprintf(out, "%-12s %12s %10s %12s %12s%s\n", "IDLE AFTER", "CONNECTIONS", "FDS",
		"KERNEL", "MEMORY", d->has_price ? "   PER MONTH" : "");
	for (i = 0; i < r->nwhatif; i++) {
		const struct sc_cost_whatif *w = &r->whatif[i];

		fprintf(out, "%-12s %12llu %10llu %12s %12s",
			fmt_duration_ms((uint64_t)w->idle_after_s * 1000, after, sizeof(after)),
			(unsigned long long)w->connections, (unsigned long long)w->fds,
			bytes((double)w->kernel_bytes, k, sizeof(k)), bytes(w->memory_bytes, mem, sizeof(mem)));
		money(d, (double)w->kernel_bytes + w->memory_bytes, out);
		fputc('\n', out);
	}
	fprintf(out, "(%s)\n", SC_COST_WHATIF_NOTE);
}

static void render_managed(const struct sc_cost_doc *d, FILE *out)
{
	const struct sc_cost_report *r = d->report;
	struct sc_managed_bill b;

	if (!d->managed)
		return;
	fputs("\nManaged service for this traffic (your prices), per month:\n", out);
	if (!d->has_rates) {
		fprintf(out, "  not priced: %s\n", d->rates_why ? d->rates_why : SC_MANAGED_NO_RATES);
		return;
	}
	sc_managed_bill(d->managed, &d->rates, &b);
	fprintf(out, "  rates %s over %.0fs: %.1f messages/s (host), %.1f connections\n",
		d->rates_source, d->rates.seconds, d->rates.messages_per_s, d->rates.connections);
	if (d->managed->has_messages)
		fprintf(out, "  %14.0f messages            x %.4f per million = %10.2f\n",
			b.messages, d->managed->per_million_messages, b.messages_cost);
	if (d->managed->has_connection_minutes)
		fprintf(out, "  %14.0f connection-minutes  x %.4f per million = %10.2f\n",
			b.connection_minutes, d->managed->per_million_connection_minutes,
			b.connection_minutes_cost);
	fprintf(out, "  managed total %.2f", b.total);
	if (d->has_price)
		fprintf(out, "; self-hosted memory for these connections %.2f (kernel and "
			"application memory at %.2f per GiB-month; servers, fds and bandwidth "
			"not included)",
			sc_cost_monthly(sc_cost_connections_bytes(r), d->ram_price), d->ram_price);
	fputc('\n', out);
}

void render_cost(const struct sc_cost_doc *d, FILE *out)
{
	render_scope(d, out);
	render_per_connection(d, out);
	render_services(d, out);
	render_processes(d, out);
	render_host(d, out);
	render_whatif(d, out);
	render_managed(d, out);
}

// SPDX-License-Identifier: GPL-2.0
#include <math.h>

#include "format.h"
#include "cost_text.h"

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

static void render_per_connection(const struct sc_cost_doc *d, FILE *out)
{
	const struct sc_cost_report *r = d->report;
	char a[32], b[32], c[32];
	int o;

	fprintf(out, "Per connection:  kernel %s (slab objects %s + buffers %s)",
		bytes(sc_cost_kernel_per_connection(r), a, sizeof(a)),
		bytes(sc_cost_fixed_per_connection(r), b, sizeof(b)),
		bytes(sc_cost_buffers_per_connection(r), c, sizeof(c)));
	if (r->has_rss)
		fprintf(out, ", RSS %s average", bytes(sc_cost_rss_average_per_connection(r), a,
							 sizeof(a)));
	if (r->has_marginal)
		fprintf(out, ", %s marginal (%zu samples)",
			slope(r->marginal_per_connection, a, sizeof(a)), r->marginal_samples);
	else if (r->has_rss)
		fputs(", marginal not measured (--observe)", out);
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
	if (r->has_rss)
		fprintf(out, ", RSS of the processes holding them %s",
			bytes((double)r->rss_bytes, b, sizeof(b)));
	if (d->has_price)
		fprintf(out, ", %.2f per month at %.2f per GiB-month",
			sc_cost_monthly((double)(r->kernel_fixed_bytes + r->kernel_buffer_bytes +
						 r->rss_bytes), d->ram_price), d->ram_price);
	fputs("\n\n", out);
}

static void render_processes(const struct sc_cost_doc *d, FILE *out)
{
	const struct sc_cost_report *r = d->report;
	char comm[SC_COMM_LEN + 1], fds[48], head[16], byfd[24], k[32], rss[32], marg[32],
		lim[32], bymem[24];
	size_t i;

	fprintf(out, "%-8s %-16s %8s %15s %6s %10s %10s %10s %10s %10s %10s\n", "PID", "COMMAND",
		"CONN", "FDS/LIMIT", "FREE%", "MAX BY FD", "KERN/CONN", "RSS/CONN", "MARGINAL",
		"MEM.MAX", "MAX BY MEM");
	for (i = 0; i < r->nprocs; i++) {
		const struct sc_cost_proc *p = &r->procs[i];
		const struct sc_process *proc = p->process;

		if (p->fd_unlimited) {
			snprintf(fds, sizeof(fds), "%llu/unlimited", (unsigned long long)proc->fds);
			snprintf(head, sizeof(head), "-");
			snprintf(byfd, sizeof(byfd), "-");
		} else {
			snprintf(fds, sizeof(fds), "%llu/%llu", (unsigned long long)proc->fds,
				 (unsigned long long)proc->fd_limit);
			snprintf(head, sizeof(head), "%.0f%%", p->fd_headroom_pct);
			snprintf(byfd, sizeof(byfd), "%llu",
				 (unsigned long long)p->max_connections_by_fds);
		}
		bytes(p->connections ? (double)(p->kernel_fixed_bytes + p->kernel_buffer_bytes) /
					       (double)p->connections : 0, k, sizeof(k));
		if (p->has_rss && p->connections)
			bytes(p->rss_per_connection, rss, sizeof(rss));
		else
			snprintf(rss, sizeof(rss), "-");
		if (p->has_marginal)
			slope(p->marginal_per_connection, marg, sizeof(marg));
		else
			snprintf(marg, sizeof(marg), "-");
		if (p->has_memory_limit) {
			bytes((double)p->memory_limit_bytes, lim, sizeof(lim));
			snprintf(bymem, sizeof(bymem), "%llu",
				 (unsigned long long)p->max_connections_by_memory);
		} else {
			snprintf(lim, sizeof(lim), "none");
			snprintf(bymem, sizeof(bymem), "-");
		}
		fprintf(out, "%-8u %-16s %8llu %15s %6s %10s %10s %10s %10s %10s %10s\n", proc->pid,
			fmt_printable(proc->comm, comm, sizeof(comm)),
			(unsigned long long)p->connections, fds, head, byfd, k, rss, marg, lim, bymem);
	}
	if (!r->nprocs)
		fputs("(no process holds a matching TCP socket)\n", out);
}

static void render_whatif(const struct sc_cost_doc *d, FILE *out)
{
	const struct sc_cost_report *r = d->report;
	char after[32], k[32], rss[32];
	size_t i;

	fprintf(out, "\nIdle timeout what-if (connections idle that long now would close):\n");
	fprintf(out, "%-12s %12s %10s %12s %12s%s\n", "IDLE AFTER", "CONNECTIONS", "FDS",
		"KERNEL", "RSS", d->has_price ? "   PER MONTH" : "");
	for (i = 0; i < r->nwhatif; i++) {
		const struct sc_cost_whatif *w = &r->whatif[i];

		fprintf(out, "%-12s %12llu %10llu %12s %12s",
			fmt_duration_ms((uint64_t)w->idle_after_s * 1000, after, sizeof(after)),
			(unsigned long long)w->connections, (unsigned long long)w->fds,
			bytes((double)w->kernel_bytes, k, sizeof(k)), bytes(w->rss_bytes, rss, sizeof(rss)));
		money(d, (double)w->kernel_bytes + w->rss_bytes, out);
		fputc('\n', out);
	}
	fprintf(out, "(RSS freed: %s per connection of each process)\n",
		r->has_marginal ? "the marginal figure where measured, else the average"
				: "the average, an upper bound; --observe measures the marginal");
}

void render_cost(const struct sc_cost_doc *d, FILE *out)
{
	render_scope(d, out);
	render_per_connection(d, out);
	render_processes(d, out);
	render_whatif(d, out);
}

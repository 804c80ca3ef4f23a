// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "cost_json.h"
#include "json_writer.h"
#include "policy_json.h"

static void write_bytes(struct jw *w, double bytes)
{
	jw_uint(w, (uint64_t)llround(bytes));
}

static void write_money(struct jw *w, const struct sc_cost_doc *d, double bytes)
{
	if (d->has_price)
		jw_double(w, sc_cost_monthly(bytes, d->ram_price), 2);
	else
		jw_null(w);
}

/* When the fds reach the soft limit (0: at it), their observed growth, and why no time. */
static void write_fd_eta(struct jw *w, const struct sc_fd_eta *e)
{
	char why[64];

	JW_KEY(w, "fd_eta_s");
	if (e->why == SC_FD_ETA_OK || e->why == SC_FD_ETA_AT_LIMIT)
		jw_double(w, e->eta_s, 1);
	else
		jw_null(w);
	JW_KEY(w, "fd_growth_per_s");
	if (e->why == SC_FD_ETA_OK || e->why == SC_FD_ETA_NOT_GROWING)
		jw_double(w, e->rate_per_s, 3);
	else
		jw_null(w);
	JW_KEY(w, "fd_samples");
	jw_uint(w, e->samples);
	JW_KEY(w, "fd_eta_why");
	if (e->why == SC_FD_ETA_OK)
		jw_null(w);
	else
		jw_string(w, sc_fd_eta_why_text(e, why, sizeof(why)));
}

static void write_objects(struct jw *w, const struct sc_slab_sizes *slab)
{
	int o;

	jw_array_begin(w);
	for (o = 0; o < SC_OBJ_COUNT; o++) {
		jw_object_begin(w);
		JW_KEY(w, "object");
		jw_string(w, sc_slab_obj_name(o));
		JW_KEY(w, "cache");
		jw_string(w, sc_slab_cache_name(o));
		JW_KEY(w, "bytes");
		jw_uint(w, slab->obj[o].bytes);
		JW_KEY(w, "source");
		jw_string(w, sc_size_source_name(slab->obj[o].source));
		JW_KEY(w, "merged");
		jw_bool(w, slab->obj[o].merged);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void write_basis(struct jw *w, enum sc_mem_basis b)
{
	if (b == SC_BASIS_NONE)
		jw_null(w);
	else
		jw_string(w, sc_mem_basis_name(b));
}

static void write_per_connection(struct jw *w, const struct sc_cost_report *r)
{
	const char *basis = sc_cost_basis_summary(r);

	jw_object_begin(w);
	JW_KEY(w, "kernel_bytes");
	write_bytes(w, sc_cost_kernel_per_connection(r));
	JW_KEY(w, "kernel_fixed_bytes");
	write_bytes(w, sc_cost_fixed_per_connection(r));
	JW_KEY(w, "kernel_buffer_bytes");
	write_bytes(w, sc_cost_buffers_per_connection(r));
	/* The application's memory: each process's estimate, weighted by its connections. */
	JW_KEY(w, "memory_bytes");
	if (basis)
		write_bytes(w, r->memory_per_connection);
	else
		jw_null(w);
	JW_KEY(w, "memory_basis");
	if (basis)
		jw_string(w, basis);
	else
		jw_null(w);
	JW_KEY(w, "connections_by_basis");
	jw_object_begin(w);
	JW_KEY(w, "marginal");
	jw_uint(w, r->basis_connections[SC_BASIS_MARGINAL]);
	JW_KEY(w, "per-process");
	jw_uint(w, r->basis_connections[SC_BASIS_PER_PROCESS]);
	JW_KEY(w, "average");
	jw_uint(w, r->basis_connections[SC_BASIS_AVERAGE]);
	jw_object_end(w);
	JW_KEY(w, "private_average_bytes");
	if (r->has_mem)
		write_bytes(w, sc_cost_private_average_per_connection(r));
	else
		jw_null(w);
	jw_object_end(w);
}

static void write_string_or_null(struct jw *w, const char *s)
{
	if (s[0])
		jw_string(w, s);
	else
		jw_null(w);
}

/* Each known limit with the connections it allows, and the one reached first. */
static void write_limits(struct jw *w, const struct sc_cost_proc *p)
{
	int k;

	jw_object_begin(w);
	for (k = 0; k < SC_LIMIT_COUNT; k++) {
		const struct sc_cost_limit *l = &p->limits[k];

		jw_key(w, sc_limit_name(k));
		if (!l->known) {
			jw_null(w);
			continue;
		}
		jw_object_begin(w);
		JW_KEY(w, "limit");
		jw_uint(w, l->limit);
		JW_KEY(w, "max_connections");
		jw_uint(w, l->max_connections);
		jw_object_end(w);
	}
	JW_KEY(w, "binding");
	if (p->binding >= 0)
		jw_string(w, sc_limit_name(p->binding));
	else
		jw_null(w);
	JW_KEY(w, "max_connections");
	if (p->binding >= 0)
		jw_uint(w, p->limits[p->binding].max_connections);
	else
		jw_null(w);
	JW_KEY(w, "headroom_connections");
	if (p->binding >= 0)
		jw_int(w, (long long)p->limits[p->binding].max_connections - (long long)p->connections);
	else
		jw_null(w);
	jw_object_end(w);
}

static void write_process(struct jw *w, const struct sc_cost_proc *p)
{
	const struct sc_process *proc = p->process;
	double kernel = p->connections ? (double)(p->kernel_fixed_bytes + p->kernel_buffer_bytes) /
						 (double)p->connections
				       : 0;

	jw_object_begin(w);
	JW_KEY(w, "pid");
	jw_uint(w, proc->pid);
	JW_KEY(w, "comm");
	jw_string(w, proc->comm);
	JW_KEY(w, "connections");
	jw_uint(w, p->connections);
	JW_KEY(w, "fds");
	jw_uint(w, proc->fds);
	JW_KEY(w, "fd_limit");
	if (p->fd_unlimited)
		jw_null(w);
	else
		jw_uint(w, proc->fd_limit);
	JW_KEY(w, "tcp_fds");
	jw_uint(w, proc->tcp_fds);
	JW_KEY(w, "fd_headroom_pct");
	if (p->fd_unlimited)
		jw_null(w);
	else
		jw_double(w, p->fd_headroom_pct, 1);
	write_fd_eta(w, &p->fd_eta);
	JW_KEY(w, "kernel_fixed_bytes");
	jw_uint(w, p->kernel_fixed_bytes);
	JW_KEY(w, "kernel_buffer_bytes");
	jw_uint(w, p->kernel_buffer_bytes);
	JW_KEY(w, "kernel_bytes_per_connection");
	write_bytes(w, kernel);
	JW_KEY(w, "rss_bytes"); /* shared pages in full: not to be summed across processes */
	if (p->has_mem)
		jw_uint(w, p->mem.rss);
	else
		jw_null(w);
	JW_KEY(w, "pss_bytes");
	if (p->has_mem)
		jw_uint(w, p->mem.pss);
	else
		jw_null(w);
	JW_KEY(w, "private_bytes");
	if (p->has_mem)
		jw_uint(w, p->mem.private_bytes);
	else
		jw_null(w);
	JW_KEY(w, "anonymous_bytes");
	if (p->has_mem)
		jw_uint(w, p->mem.anonymous);
	else
		jw_null(w);
	JW_KEY(w, "pss_shmem_bytes");
	if (p->has_mem)
		jw_uint(w, p->mem.pss_shmem);
	else
		jw_null(w);
	JW_KEY(w, "memory_per_connection_bytes");
	if (p->basis != SC_BASIS_NONE)
		write_bytes(w, p->memory_per_connection);
	else
		jw_null(w);
	JW_KEY(w, "memory_basis");
	write_basis(w, p->basis);
	JW_KEY(w, "service_port");
	if (p->basis == SC_BASIS_PER_PROCESS)
		jw_uint(w, p->service_port);
	else
		jw_null(w);
	JW_KEY(w, "private_per_connection_bytes");
	if (p->has_mem && p->connections)
		write_bytes(w, p->private_per_connection);
	else
		jw_null(w);
	JW_KEY(w, "marginal");
	jw_object_begin(w);
	JW_KEY(w, "bytes");
	if (p->has_marginal) /* a slope: negative when memory fell as connections rose */
		jw_int(w, llround(p->marginal.bytes));
	else
		jw_null(w);
	JW_KEY(w, "spread_bytes");
	if (p->has_marginal)
		write_bytes(w, p->marginal.spread);
	else
		jw_null(w);
	JW_KEY(w, "samples");
	jw_uint(w, p->marginal.samples);
	JW_KEY(w, "source");
	if (p->has_marginal)
		jw_string(w, p->marginal_from_daemon ? "sockcostd" : "observed");
	else
		jw_null(w);
	JW_KEY(w, "why_not");
	if (p->has_marginal) {
		jw_null(w);
	} else {
		char why[96];

		jw_string(w, sc_marginal_why_text(&p->marginal, why, sizeof(why)));
	}
	jw_object_end(w);
	JW_KEY(w, "cost_per_connection_bytes");
	write_bytes(w, p->cost_per_connection);
	JW_KEY(w, "memory_current_bytes");
	if (p->has_memory_limit)
		jw_uint(w, p->memory_current_bytes);
	else
		jw_null(w);
	JW_KEY(w, "limits");
	write_limits(w, p);
	JW_KEY(w, "cgroup");
	write_string_or_null(w, proc->cgroup);
	JW_KEY(w, "container_id");
	write_string_or_null(w, proc->container.id);
	JW_KEY(w, "pod_uid");
	write_string_or_null(w, proc->container.pod_uid);
	jw_object_end(w);
}

static void write_whatif(struct jw *w, const struct sc_cost_doc *d,
			 const struct sc_cost_whatif *wi)
{
	jw_object_begin(w);
	JW_KEY(w, "idle_after_s");
	jw_uint(w, wi->idle_after_s);
	JW_KEY(w, "connections");
	jw_uint(w, wi->connections);
	JW_KEY(w, "fds");
	jw_uint(w, wi->fds);
	JW_KEY(w, "kernel_bytes");
	jw_uint(w, wi->kernel_bytes);
	JW_KEY(w, "memory_bytes");
	write_bytes(w, wi->memory_bytes);
	JW_KEY(w, "monthly_cost");
	write_money(w, d, (double)wi->kernel_bytes + wi->memory_bytes);
	jw_object_end(w);
}

static void write_service(struct jw *w, const struct sc_cost_service *s)
{
	const char *basis = sc_cost_basis_of(s->basis_connections);

	jw_object_begin(w);
	JW_KEY(w, "service");
	jw_string(w, s->service->name);
	JW_KEY(w, "main_pid");
	jw_uint(w, s->service->main_pid);
	JW_KEY(w, "processes");
	jw_uint(w, s->processes);
	JW_KEY(w, "connections");
	jw_uint(w, s->connections);
	JW_KEY(w, "kernel_fixed_bytes");
	jw_uint(w, s->kernel_fixed_bytes);
	JW_KEY(w, "kernel_buffer_bytes");
	jw_uint(w, s->kernel_buffer_bytes);
	JW_KEY(w, "pss_bytes");
	if (s->has_mem)
		jw_uint(w, s->pss_bytes);
	else
		jw_null(w);
	JW_KEY(w, "private_bytes");
	if (s->has_mem)
		jw_uint(w, s->private_bytes);
	else
		jw_null(w);
	JW_KEY(w, "memory_per_connection_bytes");
	if (basis)
		jw_double(w, s->memory_per_connection, 0);
	else
		jw_null(w);
	JW_KEY(w, "basis");
	if (basis)
		jw_string(w, basis);
	else
		jw_null(w);
	JW_KEY(w, "cost_per_connection_bytes");
	if (s->connections)
		jw_double(w, s->cost_per_connection, 0);
	else
		jw_null(w);
	jw_object_end(w);
}

static void write_listener(struct jw *w, const struct sc_cost_listener *l)
{
	jw_object_begin(w);
	JW_KEY(w, "port");
	jw_uint(w, l->port);
	JW_KEY(w, "listeners");
	jw_uint(w, l->listeners);
	JW_KEY(w, "accept_queue");
	jw_uint(w, l->accept_queue);
	JW_KEY(w, "accept_queue_max");
	jw_uint(w, l->accept_queue_max);
	JW_KEY(w, "drops_total");
	jw_uint(w, l->drops);
	jw_object_end(w);
}

static void write_host(struct jw *w, const struct sc_cost_report *r)
{
	const struct sc_cost_host_input *h = &r->host;

	jw_object_begin(w);
	JW_KEY(w, "file_max");
	if (r->has_fd_headroom)
		jw_uint(w, h->file_max);
	else
		jw_null(w);
	JW_KEY(w, "files_open");
	if (r->has_fd_headroom)
		jw_uint(w, h->files_open);
	else
		jw_null(w);
	JW_KEY(w, "fd_headroom");
	if (r->has_fd_headroom)
		jw_uint(w, r->host_fd_headroom);
	else
		jw_null(w);
	JW_KEY(w, "nr_open");
	if (r->has_host && h->nr_open)
		jw_uint(w, h->nr_open);
	else
		jw_null(w);
	JW_KEY(w, "tcp_mem_pressure_bytes");
	if (r->has_tcp_mem_headroom)
		jw_uint(w, h->tcp_mem_pressure_bytes);
	else
		jw_null(w);
	JW_KEY(w, "tcp_mem_bytes");
	if (r->has_tcp_mem_headroom)
		jw_uint(w, h->tcp_mem_bytes);
	else
		jw_null(w);
	JW_KEY(w, "tcp_mem_headroom_bytes");
	if (r->has_tcp_mem_headroom)
		jw_int(w, r->tcp_mem_headroom_bytes);
	else
		jw_null(w);
	jw_object_end(w);
}

static void write_or_null(struct jw *w, bool known, double v, int decimals)
{
	if (known)
		jw_double(w, v, decimals);
	else
		jw_null(w);
}

/* The managed service's monthly bill for the traffic seen, beside the self-hosted cost. */
static void write_managed(struct jw *w, const struct sc_cost_doc *d)
{
	const struct sc_managed_price *p = d->managed;
	const struct sc_cost_report *r = d->report;
	struct sc_managed_bill b;

	sc_managed_bill(p, &d->rates, &b);
	jw_object_begin(w);
	JW_KEY(w, "per_million_messages");
	write_or_null(w, p->has_messages, p->per_million_messages, 4);
	JW_KEY(w, "per_million_connection_minutes");
	write_or_null(w, p->has_connection_minutes, p->per_million_connection_minutes, 4);
	JW_KEY(w, "rates_source");
	if (d->has_rates)
		jw_string(w, d->rates_source);
	else
		jw_null(w);
	JW_KEY(w, "rates_seconds");
	write_or_null(w, d->has_rates, d->rates.seconds, 1);
	JW_KEY(w, "messages_per_s");
	write_or_null(w, d->has_rates, d->rates.messages_per_s, 3);
	JW_KEY(w, "messages_scope");
	jw_string(w, "host");
	JW_KEY(w, "connections");
	write_or_null(w, d->has_rates, d->rates.connections, 1);
	JW_KEY(w, "messages_per_month");
	write_or_null(w, d->has_rates, b.messages, 0);
	JW_KEY(w, "connection_minutes_per_month");
	write_or_null(w, d->has_rates, b.connection_minutes, 0);
	JW_KEY(w, "monthly_cost");
	write_or_null(w, d->has_rates, b.total, 2);
	JW_KEY(w, "self_hosted_monthly_cost");
	write_or_null(w, d->has_price, sc_cost_monthly(sc_cost_connections_bytes(r), d->ram_price), 2);
	JW_KEY(w, "why_not");
	if (d->has_rates)
		jw_null(w);
	else
		jw_string(w, d->rates_why ? d->rates_why : SC_MANAGED_NO_RATES);
	jw_object_end(w);
}

void sc_cost_write_json(const struct sc_cost_doc *d, FILE *out)
{
	const struct sc_cost_report *r = d->report;
	struct jw *w = malloc(sizeof(*w));
	size_t i;

	if (!w)
		return;
	jw_init(w, out);
	jw_object_begin(w);
	JW_KEY(w, "pid");
	if (d->pid)
		jw_uint(w, d->pid);
	else
		jw_null(w);
	JW_KEY(w, "port");
	if (d->port >= 0)
		jw_uint(w, (uint64_t)d->port);
	else
		jw_null(w);
	JW_KEY(w, "observed_s");
	jw_double(w, d->observed_s, 1);
	sc_policy_write_json(w, &d->policy, &d->watch, NULL);
	JW_KEY(w, "connections");
	jw_uint(w, r->connections);
	JW_KEY(w, "epoll_watched");
	jw_uint(w, r->epoll_watched);
	JW_KEY(w, "kernel_fixed_bytes");
	jw_uint(w, r->kernel_fixed_bytes);
	JW_KEY(w, "kernel_buffer_bytes");
	jw_uint(w, r->kernel_buffer_bytes);
	JW_KEY(w, "pss_bytes");
	if (r->has_mem)
		jw_uint(w, r->pss_bytes);
	else
		jw_null(w);
	JW_KEY(w, "private_bytes");
	if (r->has_mem)
		jw_uint(w, r->private_bytes);
	else
		jw_null(w);
	JW_KEY(w, "per_connection");
	write_per_connection(w, r);
	JW_KEY(w, "kernel_objects");
	write_objects(w, d->slab);
	JW_KEY(w, "ram_price_per_gib_month");
	if (d->has_price)
		jw_double(w, d->ram_price, 4);
	else
		jw_null(w);
	JW_KEY(w, "monthly_cost");
	write_money(w, d, sc_cost_connections_bytes(r));
	JW_KEY(w, "processes");
	jw_array_begin(w);
	for (i = 0; i < r->nprocs; i++)
		write_process(w, &r->procs[i]);
	jw_array_end(w);
	JW_KEY(w, "services");
	jw_array_begin(w);
	for (i = 0; i < r->nservices; i++)
		write_service(w, &r->services[i]);
	jw_array_end(w);
	JW_KEY(w, "listeners");
	jw_array_begin(w);
	for (i = 0; i < r->nlisteners; i++)
		write_listener(w, &r->listeners[i]);
	jw_array_end(w);
	JW_KEY(w, "host");
	write_host(w, r);
	JW_KEY(w, "whatif");
	jw_array_begin(w);
	for (i = 0; i < r->nwhatif; i++)
		write_whatif(w, d, &r->whatif[i]);
	jw_array_end(w);
	JW_KEY(w, "whatif_note");
	jw_string(w, SC_COST_WHATIF_NOTE);
	JW_KEY(w, "managed");
	if (d->managed)
		write_managed(w, d);
	else
		jw_null(w);
	jw_object_end(w);
	jw_flush(w);
	fputc('\n', out);
	free(w);
}

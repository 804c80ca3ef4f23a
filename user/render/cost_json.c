// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "cost_json.h"
#include "json_writer.h"

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

static void write_per_connection(struct jw *w, const struct sc_cost_report *r)
{
	jw_object_begin(w);
	JW_KEY(w, "kernel_bytes");
	write_bytes(w, sc_cost_kernel_per_connection(r));
	JW_KEY(w, "kernel_fixed_bytes");
	write_bytes(w, sc_cost_fixed_per_connection(r));
	JW_KEY(w, "kernel_buffer_bytes");
	write_bytes(w, sc_cost_buffers_per_connection(r));
	JW_KEY(w, "rss_bytes");
	if (r->has_rss || r->has_marginal)
		write_bytes(w, sc_cost_rss_per_connection(r));
	else
		jw_null(w);
	JW_KEY(w, "rss_basis");
	jw_string(w, r->has_marginal ? "marginal" : "average");
	JW_KEY(w, "rss_average_bytes");
	if (r->has_rss)
		write_bytes(w, sc_cost_rss_average_per_connection(r));
	else
		jw_null(w);
	JW_KEY(w, "rss_marginal_bytes");
	if (r->has_marginal) /* a slope: negative when RSS fell as connections rose */
		jw_int(w, llround(r->marginal_per_connection));
	else
		jw_null(w);
	JW_KEY(w, "rss_marginal_samples");
	jw_uint(w, r->marginal_samples);
	jw_object_end(w);
}

static void write_string_or_null(struct jw *w, const char *s)
{
	if (s[0])
		jw_string(w, s);
	else
		jw_null(w);
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
	JW_KEY(w, "max_connections_by_fds");
	if (p->fd_unlimited)
		jw_null(w);
	else
		jw_uint(w, p->max_connections_by_fds);
	JW_KEY(w, "kernel_fixed_bytes");
	jw_uint(w, p->kernel_fixed_bytes);
	JW_KEY(w, "kernel_buffer_bytes");
	jw_uint(w, p->kernel_buffer_bytes);
	JW_KEY(w, "kernel_bytes_per_connection");
	write_bytes(w, kernel);
	JW_KEY(w, "rss_bytes");
	if (p->has_rss)
		jw_uint(w, p->rss_bytes);
	else
		jw_null(w);
	JW_KEY(w, "rss_per_connection_bytes");
	if (p->has_rss && p->connections)
		write_bytes(w, p->rss_per_connection);
	else
		jw_null(w);
	JW_KEY(w, "rss_marginal_bytes");
	if (p->has_marginal)
		jw_int(w, llround(p->marginal_per_connection));
	else
		jw_null(w);
	JW_KEY(w, "rss_marginal_samples");
	jw_uint(w, p->marginal_samples);
	JW_KEY(w, "cost_per_connection_bytes");
	write_bytes(w, p->cost_per_connection);
	JW_KEY(w, "memory_limit_bytes");
	if (p->has_memory_limit)
		jw_uint(w, p->memory_limit_bytes);
	else
		jw_null(w);
	JW_KEY(w, "memory_current_bytes");
	if (p->has_memory_limit)
		jw_uint(w, p->memory_current_bytes);
	else
		jw_null(w);
	JW_KEY(w, "max_connections_by_memory");
	if (p->has_memory_limit)
		jw_uint(w, p->max_connections_by_memory);
	else
		jw_null(w);
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
	JW_KEY(w, "rss_bytes");
	write_bytes(w, wi->rss_bytes);
	JW_KEY(w, "monthly_cost");
	write_money(w, d, (double)wi->kernel_bytes + wi->rss_bytes);
	jw_object_end(w);
}

void sc_cost_write_json(const struct sc_cost_doc *d, FILE *out)
{
	const struct sc_cost_report *r = d->report;
	struct jw *w = malloc(sizeof(*w));
	double kernel = (double)(r->kernel_fixed_bytes + r->kernel_buffer_bytes);
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
	JW_KEY(w, "connections");
	jw_uint(w, r->connections);
	JW_KEY(w, "epoll_watched");
	jw_uint(w, r->epoll_watched);
	JW_KEY(w, "kernel_fixed_bytes");
	jw_uint(w, r->kernel_fixed_bytes);
	JW_KEY(w, "kernel_buffer_bytes");
	jw_uint(w, r->kernel_buffer_bytes);
	JW_KEY(w, "rss_bytes");
	if (r->has_rss)
		jw_uint(w, r->rss_bytes);
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
	write_money(w, d, kernel + (double)r->rss_bytes);
	JW_KEY(w, "processes");
	jw_array_begin(w);
	for (i = 0; i < r->nprocs; i++)
		write_process(w, &r->procs[i]);
	jw_array_end(w);
	JW_KEY(w, "whatif");
	jw_array_begin(w);
	for (i = 0; i < r->nwhatif; i++)
		write_whatif(w, d, &r->whatif[i]);
	jw_array_end(w);
	jw_object_end(w);
	jw_flush(w);
	fputc('\n', out);
	free(w);
}

// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "addr.h"
#include "format.h"
#include "group.h"
#include "health_text.h"
#include "outbound_text.h"
#include "place_label.h"
#include "snapshot_text.h"

static void render_header(const struct sc_view *v, FILE *out)
{
	const struct sc_snapshot *snap = v->snap;
	char mem[32], after[32], watched[32], idle[8];
	__u64 watched_ms = snap->taken_ns > snap->config.attached_ns
				   ? (snap->taken_ns - snap->config.attached_ns) / 1000000
				   : 0;

	fprintf(out, "%llu connections, %llu idle (%s), %zu processes, socket buffers %s\n",
		(unsigned long long)v->totals.connections,
		(unsigned long long)v->totals.idle_connections,
		fmt_percent(v->totals.idle_connections, v->totals.connections, idle, sizeof(idle)),
		v->nprocs,
		fmt_bytes(v->totals.socket_memory_bytes, mem, sizeof(mem)));
	fprintf(out, "idle after %s, heartbeat <= %llu B, activity hook %s, watched %s",
		fmt_duration_ms(v->policy.idle_after_ms, after, sizeof(after)),
		(unsigned long long)snap->config.heartbeat_bytes, sc_hook_name(snap->hook),
		fmt_duration_ms(watched_ms, watched, sizeof(watched)));
	if (snap->netns_walked > 1 || snap->netns_missed)
		fprintf(out, ", %u network namespaces", snap->netns_walked);
	if (snap->netns_missed)
		fprintf(out, " (%u not entered)", snap->netns_missed);
	fputc('\n', out);
	render_health_line(v, out);
	fputc('\n', out);
}

static void render_processes(const struct sc_view *v, FILE *out)
{
	char comm[SC_COMM_LEN + 1], fds[48], fdpct[8], idle[8], mem[32];
	size_t i;

	fprintf(out, "%-8s %-16s %8s %8s %5s %15s %6s %10s\n", "PID", "COMMAND", "CONN", "IDLE",
		"IDLE%", "FDS/LIMIT", "FD%", "SOCK MEM");
	for (i = 0; i < v->nprocs; i++) {
		const struct sc_proc_row *pr = &v->procs[i];
		const struct sc_process *p = pr->process;

		if (p->fd_limit == RLIM_INFINITY) {
			snprintf(fds, sizeof(fds), "%llu/unlimited", (unsigned long long)p->fds);
			snprintf(fdpct, sizeof(fdpct), "-");
		} else {
			snprintf(fds, sizeof(fds), "%llu/%llu", (unsigned long long)p->fds,
				 (unsigned long long)p->fd_limit);
			fmt_percent(p->fds, p->fd_limit, fdpct, sizeof(fdpct));
		}
		fprintf(out, "%-8u %-16s %8llu %8llu %5s %15s %6s %10s\n", p->pid,
			fmt_printable(p->comm, comm, sizeof(comm)),
			(unsigned long long)pr->connections, (unsigned long long)pr->idle_connections,
			fmt_percent(pr->idle_connections, pr->connections, idle, sizeof(idle)), fds,
			fdpct,
			fmt_bytes(pr->socket_memory_bytes, mem, sizeof(mem)));
	}
	if (!v->nprocs)
		fputs("(no process holds a matching TCP socket)\n", out);
}

static const char *fd_pct_text(__u64 fds, __u64 limit, char *buf, size_t len)
{
	if (!limit || limit == RLIM_INFINITY) {
		snprintf(buf, len, "-");
		return buf;
	}
	return fmt_percent(fds, limit, buf, len);
}

static void render_services(const struct sc_view *v, FILE *out)
{
	char name[SC_SERVICE_NAME_LEN], fdpct[8], idle[8], mem[32];
	size_t i;

	fprintf(out, "%-28s %6s %8s %8s %5s %8s %7s %10s %8s\n", "SERVICE", "PROCS", "CONN",
		"IDLE", "IDLE%", "FDS", "MAX FD%", "SOCK MEM", "MAIN PID");
	for (i = 0; i < v->nservices; i++) {
		const struct sc_service *sv = &v->services[i];

		fd_pct_text(sv->fd_worst_fds, sv->fd_worst_limit, fdpct, sizeof(fdpct));
		fprintf(out, "%-28s %6llu %8llu %8llu %5s %8llu %7s %10s %8u\n",
			fmt_printable(sv->name, name, sizeof(name)),
			(unsigned long long)sv->processes, (unsigned long long)sv->connections,
			(unsigned long long)sv->idle_connections,
			fmt_percent(sv->idle_connections, sv->connections, idle, sizeof(idle)),
			(unsigned long long)sv->fds,
			fdpct, fmt_bytes(sv->socket_memory_bytes, mem, sizeof(mem)), sv->main_pid);
	}
	if (!v->nservices)
		fputs("(no process holds a matching TCP socket)\n", out);
	else
		fputs("(MAX FD%: the process nearest its fd limit; --by process: one row each)\n",
		      out);
}

/* One port can be listened on in several namespaces (containers). */
static bool ports_span_namespaces(const struct sc_view *v)
{
	size_t i;

	for (i = 1; i < v->nports; i++)
		if (v->ports[i].netns != v->ports[0].netns)
			return true;
	return false;
}

static void render_ports(const struct sc_view *v, FILE *out)
{
	bool netns = ports_span_namespaces(v);
	char queue[32], ns[16] = "", idle[8];
	size_t i;

	fprintf(out, "\n%-12s %8s %8s %5s %12s%s\n", "LISTEN PORT", "CONN", "IDLE", "IDLE%",
		"ACCEPT Q", netns ? "  NETNS" : "");
	for (i = 0; i < v->nports; i++) {
		const struct sc_port_row *p = &v->ports[i];

		snprintf(queue, sizeof(queue), "%u/%u", p->accept_queue, p->accept_queue_max);
		if (netns)
			snprintf(ns, sizeof(ns), "  %u", p->netns);
		fprintf(out, "%-12u %8llu %8llu %5s %12s%s\n", p->port,
			(unsigned long long)p->connections, (unsigned long long)p->idle_connections,
			fmt_percent(p->idle_connections, p->connections, idle, sizeof(idle)), queue, ns);
	}
	if (!v->nports)
		fputs("(no matching listening port)\n", out);
}

static const char *endpoint(const struct sc_socket *s, const __u8 *addr, __u16 port,
			    char *buf, size_t len)
{
	char a[SC_ADDR_STRLEN];

	sc_addr_str(s->family, addr, a, sizeof(a));
	snprintf(buf, len, s->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
	return buf;
}

static void render_sockets(const struct sc_view *v, FILE *out)
{
	char local[64], remote[64], idle[32], rx[32], tx[32], comm[SC_COMM_LEN + 1], health[48];
	size_t i;

	fprintf(out, "\n%-8s %-12s %6s %-10s %-24s %-24s %9s %-8s %10s %10s %7s %7s %s\n", "PID",
		"COMMAND", "FD", "STATE", "LOCAL", "REMOTE", "IDLE FOR", "SOURCE", "RX", "TX",
		"RECV-Q", "SEND-Q", "HEALTH");
	for (i = 0; i < v->nrows; i++) {
		const struct sc_row *r = &v->rows[i];
		const struct sc_socket *s = r->socket;
		const struct sc_process *p =
			r->holder ? sc_snapshot_find_process(v->snap, r->holder->pid) : NULL;
		char pid[16] = "-", fd[16] = "-";

		if (r->holder) {
			snprintf(pid, sizeof(pid), "%u", r->holder->pid);
			snprintf(fd, sizeof(fd), "%u", r->holder->fd);
		}
		if (!sc_socket_has_idle(s))
			snprintf(idle, sizeof(idle), "-");
		else
			fmt_duration_ms(r->idle.idle_ms, idle, sizeof(idle));
		fprintf(out, "%-8s %-12.12s %6s %-10s %-24s %-24s %8s%s %-8s %10s %10s %7u %7u %s\n",
			pid, p ? fmt_printable(p->comm, comm, sizeof(comm)) : "-", fd,
			sc_tcp_state_name(s->state),
			endpoint(s, s->laddr, s->lport, local, sizeof(local)),
			endpoint(s, s->raddr, s->rport, remote, sizeof(remote)), idle,
			r->idle.idle ? "*" : " ",
			sc_socket_has_idle(s) ? sc_idle_source_name(r->idle.source) : "-",
			fmt_bytes(s->rx_bytes, rx, sizeof(rx)),
			fmt_bytes(s->tx_bytes, tx, sizeof(tx)), s->rx_queue, s->tx_queue,
			health_cell(&r->health, health, sizeof(health)));
	}
	if (v->nrows)
		fputs("(* idle)\n", out);
}

void render_table(const struct sc_view *v, bool sockets, FILE *out)
{
	render_header(v, out);
	render_processes(v, out);
	render_ports(v, out);
	render_outbound(v, false, false, out);
	render_health(v, out);
	if (sockets)
		render_sockets(v, out);
}

static void render_cgroups(const struct sc_view *v, FILE *out)
{
	struct sc_cgroup_row *rows;
	char mem[32], id[16], idle[8], who[600], path[SC_CGROUP_PATH_LEN];
	size_t i, n;

	if (sc_group_by_cgroup(v, &rows, &n)) {
		fputs("(out of memory grouping by cgroup)\n", out);
		return;
	}
	fprintf(out, "%-6s %8s %8s %5s %8s %10s %-12s %-24s %s\n", "PROCS", "CONN", "IDLE",
		"IDLE%", "FDS", "SOCK MEM", "CONTAINER", "NAME", "CGROUP");
	for (i = 0; i < n; i++) {
		const struct sc_cgroup_row *r = &rows[i];

		/* The short id docker ps shows. */
		snprintf(id, sizeof(id), "%.12s", r->container->id[0] ? r->container->id : "-");
		fprintf(out, "%-6llu %8llu %8llu %5s %8llu %10s %-12s %-24s %s\n",
			(unsigned long long)r->processes, (unsigned long long)r->connections,
			(unsigned long long)r->idle_connections,
			fmt_percent(r->idle_connections, r->connections, idle, sizeof(idle)),
			(unsigned long long)r->fds,
			fmt_bytes(r->socket_memory_bytes, mem, sizeof(mem)), id,
			sc_place_label(r->container, r->unit, r->names, who, sizeof(who)),
			r->cgroup[0] ? fmt_printable(r->cgroup, path, sizeof(path)) : "(unknown)");
	}
	if (!n)
		fputs("(no process holds a matching TCP socket)\n", out);
	free(rows);
}

void render_table_by(const struct sc_view *v, enum sc_group_by by, bool sockets, FILE *out)
{
	if (by == SC_BY_DEFAULT)
		by = sc_services_grouped(v->services, v->nservices) ? SC_BY_SERVICE : SC_BY_PROCESS;
	if (by == SC_BY_PROCESS) {
		render_table(v, sockets, out);
		return;
	}
	render_header(v, out);
	if (by == SC_BY_SERVICE) {
		render_services(v, out);
		render_ports(v, out);
		/* The connections no listening port counts. */
		render_outbound(v, false, false, out);
	} else if (by == SC_BY_CGROUP) {
		render_cgroups(v, out);
	} else if (by == SC_BY_REMOTE || by == SC_BY_REMOTE_ADDR) {
		render_outbound(v, by == SC_BY_REMOTE_ADDR, true, out);
	} else {
		render_ports(v, out);
		/* The connections no listening port counts. */
		render_outbound(v, false, false, out);
	}
	render_health(v, out);
	if (sockets)
		render_sockets(v, out);
}

// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <netinet/tcp.h>

#include "addr.h"
#include "health_json.h"
#include "json_items.h"
#include "json_writer.h"
#include "outbound_json.h"
#include "policy_json.h"
#include "snapshot_json.h"
#include "socket_fields.h"
#include "version.h"

#define NS_PER_S 1e9

static double seconds_since(__u64 now_ns, __u64 then_ns)
{
	return now_ns > then_ns ? (double)(now_ns - then_ns) / NS_PER_S : 0.0;
}

/* Keys are literals: a macro so JW_KEY gets the literal's length. */
#define write_observed_age(w, key, now_ns, t_ns) \
	(JW_KEY(w, key), write_observed_age_value(w, now_ns, t_ns))

static void write_observed_age_value(struct jw *w, __u64 now_ns, __u64 t_ns)
{
	if (t_ns)
		jw_double(w, seconds_since(now_ns, t_ns), 3);
	else
		jw_null(w);
}

/* The value of a socket's "observed" key, for a socket with state (else null). */
static void write_observed(struct jw *w, const struct sc_snapshot *snap, const struct sc_socket *s)
{
	jw_object_begin(w);
	JW_KEY(w, "rx_bytes");
	jw_uint(w, s->act.rx_bytes);
	JW_KEY(w, "tx_bytes");
	jw_uint(w, s->act.tx_bytes);
	JW_KEY(w, "rx_calls");
	jw_uint(w, s->act.rx_calls);
	JW_KEY(w, "tx_calls");
	jw_uint(w, s->act.tx_calls);
	write_observed_age(w, "first_seen_age_s", snap->taken_ns, s->act.first_seen_ns);
	write_observed_age(w, "established_age_s", snap->taken_ns, s->act.established_ns);
	write_observed_age(w, "last_send_age_s", snap->taken_ns, s->act.last_send_ns);
	write_observed_age(w, "last_recv_age_s", snap->taken_ns, s->act.last_recv_ns);
	write_observed_age(w, "last_active_age_s", snap->taken_ns, s->act.last_active_ns);
	jw_object_end(w);
}

/*
 * A socket is written at a cursor into the writer's buffer, in room taken
 * once: the keys come from socket_fields.c's table (the one --fields is
 * parsed against), the values are at most VALUE_MAX bytes each (an IPv6
 * address in quotes), so SOCKET_ROOM holds any record. comm and observed go
 * through the writer proper (escaping, a nested object), the cursor given
 * back and taken again around them.
 */
/* A key with its quotes, colon and comma; one of 32 is two 16-byte moves. */
#define KEY_MAX 32
_Static_assert(SC_FIELD_NAME_MAX + 4 <= KEY_MAX, "a key fits its slot");
#define VALUE_MAX (SC_ADDR_STRLEN + 2)
#define SOCKET_ROOM (SC_NFIELDS * (KEY_MAX + 4 + VALUE_MAX) + 2)
_Static_assert(SOCKET_ROOM * 2 <= JW_BUF_SIZE, "a socket's record fits the writer's buffer");
_Static_assert(JW_MILLIS_MAX <= VALUE_MAX, "an age fits a value's room");

/*
 * Each key as it is written after another, ,"name": in a slot of fixed size:
 * copying KEY_MAX bytes whatever the length is one move, not a memcpy call
 * (that call was a tenth of a snapshot's CPU at 200K sockets).
 */
struct socket_keys {
	char slot[SC_NFIELDS][KEY_MAX + 1 + KEY_MAX];
};

static void socket_keys_init(struct socket_keys *k)
{
	int f;

	memset(k, 0, sizeof(*k));
	for (f = 0; f < SC_NFIELDS; f++)
		snprintf(k->slot[f], sizeof(k->slot[f]), ",\"%s\":", sc_socket_field_names[f]);
}

struct rec {
	struct jw *w;
	const struct socket_keys *keys;
	char *p;     /* the cursor */
	__u64 want;  /* 1 << field for the keys asked for */
	bool first;  /* no key written yet */
};

/* Writes field f's key if the reader asked for it (--fields). */
static inline bool key(struct rec *r, enum sc_socket_field f)
{
	/* The first key has no comma before it: its slot is read from one byte on. */
	size_t skip = r->first;

	if (!(r->want & (1ull << f)))
		return false;
	/* Bytes past the key are overwritten by its value: SOCKET_ROOM has room for them. */
	memcpy(r->p, r->keys->slot[f] + skip, KEY_MAX);
	r->p += sc_socket_field_name_lens[f] + 4 - skip;
	r->first = false;
	return true;
}

/* Hands the cursor to the writer for a value just after a key, then takes it back. */
static void writer_begin(struct rec *r)
{
	jw_commit(r->w, r->p);
	r->w->after_key = true;
}

static void writer_end(struct rec *r)
{
	r->p = jw_room(r->w, SOCKET_ROOM);
}

static void put_null(struct rec *r) { r->p = JW_PUT_LITERAL(r->p, "null"); }

static void put_uint(struct rec *r, __u64 v) { r->p = jw_put_u64(r->p, v); }

static void put_uint_or_null(struct rec *r, bool known, __u64 v)
{
	if (known)
		put_uint(r, v);
	else
		put_null(r);
}

static void put_bool(struct rec *r, bool v)
{
	r->p = v ? JW_PUT_LITERAL(r->p, "true") : JW_PUT_LITERAL(r->p, "false");
}

/* As jw_double(ms / 1000.0, 3). */
static void put_seconds(struct rec *r, __u64 ms) { r->p = jw_put_millis(r->p, ms); }

static void put_age(struct rec *r, __u64 age_ms)
{
	if (age_ms == SC_AGE_UNKNOWN)
		put_null(r);
	else
		put_seconds(r, age_ms);
}

/* sockcost's own names and formatted addresses: plain ASCII, no escaping to look for. */
static void put_name(struct rec *r, const char *name)
{
	size_t len = strlen(name);

	*r->p++ = '"';
	memcpy(r->p, name, len);
	r->p += len;
	*r->p++ = '"';
}

static void put_name_or_null(struct rec *r, const char *name)
{
	if (name)
		put_name(r, name);
	else
		put_null(r);
}

static void write_socket_health(struct rec *rc, const struct sc_row *r)
{
	const struct sc_socket *s = r->socket;
	bool tcp_sock = sc_tcp_connected(s->state) || s->state == TCP_LISTEN;

	if (key(rc, SC_F_HEALTH))
		put_name(rc, sc_health_name(r->health.health));
	if (key(rc, SC_F_HEALTH_AGE))
		put_age(rc, r->health.health ? r->health.age_ms : SC_AGE_UNKNOWN);
	if (key(rc, SC_F_STALL_REASON))
		put_name_or_null(rc, sc_stall_reason_name(r->health.stall));
	/* Time-wait and request sockets have no tcp_sock: null, not 0. */
	if (key(rc, SC_F_RETRANSMITS))
		put_uint_or_null(rc, tcp_sock, s->retransmits);
	if (key(rc, SC_F_PROBES))
		put_uint_or_null(rc, tcp_sock, s->probes);
	if (key(rc, SC_F_PEER_WINDOW))
		put_uint_or_null(rc, tcp_sock, s->peer_window);
	if (key(rc, SC_F_KEEPALIVE)) {
		if (tcp_sock)
			put_bool(rc, s->keepalive);
		else
			put_null(rc);
	}
	if (key(rc, SC_F_KEEPALIVE_IDLE)) {
		if (s->keepalive_idle_ms)
			put_seconds(rc, s->keepalive_idle_ms);
		else
			put_null(rc);
	}
}

static void write_socket(struct jw *w, const struct sc_view *v, const struct socket_keys *keys,
			 const struct sc_row *r)
{
	const struct sc_snapshot *snap = v->snap;
	const struct sc_socket *s = r->socket;
	const struct sc_process *p;
	struct rec rc = { .w = w, .keys = keys, .first = true,
			  .want = v->socket_fields ? v->socket_fields : SC_FIELDS_ALL };
	char addr[SC_ADDR_STRLEN];

	jw_object_begin(w);
	rc.p = jw_room(w, SOCKET_ROOM);
	if (key(&rc, SC_F_PID))
		put_uint_or_null(&rc, r->holder, r->holder ? r->holder->pid : 0);
	if (key(&rc, SC_F_COMM)) {
		/* A lookup per socket: only when asked for. */
		p = r->holder ? sc_snapshot_find_process(snap, r->holder->pid) : NULL;
		if (p) {
			writer_begin(&rc);
			jw_string(w, p->comm);
			writer_end(&rc);
		} else {
			put_null(&rc);
		}
	}
	if (key(&rc, SC_F_FD))
		put_uint_or_null(&rc, r->holder, r->holder ? r->holder->fd : 0);
	if (key(&rc, SC_F_STATE))
		put_name(&rc, sc_tcp_state_name(s->state));
	if (key(&rc, SC_F_FAMILY))
		put_name(&rc, sc_family_name(s->family));
	if (key(&rc, SC_F_LADDR))
		put_name(&rc, sc_addr_str(s->family, s->laddr, addr, sizeof(addr)));
	if (key(&rc, SC_F_LPORT))
		put_uint(&rc, s->lport);
	if (key(&rc, SC_F_RADDR))
		put_name(&rc, sc_addr_str(s->family, s->raddr, addr, sizeof(addr)));
	if (key(&rc, SC_F_RPORT))
		put_uint(&rc, s->rport);
	if (key(&rc, SC_F_NETNS))
		put_uint(&rc, s->netns);
	if (key(&rc, SC_F_COOKIE))
		put_uint(&rc, s->cookie);
	if (key(&rc, SC_F_INODE))
		put_uint(&rc, s->inode);
	if (key(&rc, SC_F_IDLE))
		put_bool(&rc, r->idle.idle);
	if (key(&rc, SC_F_IDLE_S)) {
		if (sc_socket_has_idle(s))
			put_seconds(&rc, r->idle.idle_ms);
		else
			put_null(&rc);
	}
	if (key(&rc, SC_F_IDLE_SOURCE)) {
		if (sc_socket_has_idle(s))
			put_name(&rc, sc_idle_source_name(r->idle.source));
		else
			put_null(&rc);
	}
	if (key(&rc, SC_F_RX_BYTES))
		put_uint(&rc, s->rx_bytes);
	if (key(&rc, SC_F_TX_BYTES))
		put_uint(&rc, s->tx_bytes);
	if (key(&rc, SC_F_RX_QUEUE))
		put_uint(&rc, s->rx_queue);
	if (key(&rc, SC_F_TX_QUEUE))
		put_uint(&rc, s->tx_queue);
	if (key(&rc, SC_F_RX_QUEUE_MEMORY))
		put_uint(&rc, s->rmem_alloc);
	if (key(&rc, SC_F_TX_QUEUE_MEMORY))
		put_uint(&rc, s->wmem_queued);
	if (key(&rc, SC_F_FORWARD_ALLOC))
		rc.p = jw_put_i64(rc.p, s->forward_alloc);
	if (key(&rc, SC_F_SNDBUF))
		put_uint(&rc, s->sndbuf);
	if (key(&rc, SC_F_RCVBUF))
		put_uint(&rc, s->rcvbuf);
	if (key(&rc, SC_F_KERNEL_SEND_AGE))
		put_age(&rc, s->kernel_send_age_ms);
	if (key(&rc, SC_F_KERNEL_RECV_AGE))
		put_age(&rc, s->kernel_recv_age_ms);
	if (key(&rc, SC_F_OBSERVED)) {
		if (s->has_state) {
			writer_begin(&rc);
			write_observed(w, snap, s);
			writer_end(&rc);
		} else {
			put_null(&rc);
		}
	}
	write_socket_health(&rc, r);
	jw_commit(w, rc.p);
	w->after_key = false;
	if (!rc.first)
		w->first[w->depth] = false;
	jw_object_end(w);
}

/* An empty string is unknown: null. */
#define write_optional_string(w, key, s) (JW_KEY(w, key), write_string_or_null(w, s))

static void write_string_or_null(struct jw *w, const char *s)
{
	if (s[0])
		jw_string(w, s);
	else
		jw_null(w);
}

static void write_process(struct jw *w, const struct sc_view *v, const struct sc_proc_row *pr)
{
	const struct sc_process *p = pr->process;

	jw_object_begin(w);
	JW_KEY(w, "pid");
	jw_uint(w, p->pid);
	JW_KEY(w, "ppid");
	jw_uint(w, p->ppid);
	JW_KEY(w, "comm");
	jw_string(w, p->comm);
	JW_KEY(w, "service");
	jw_string(w, v->services[pr->service].name);
	JW_KEY(w, "netns");
	jw_uint(w, p->netns);
	JW_KEY(w, "connections");
	jw_uint(w, pr->connections);
	JW_KEY(w, "idle_connections");
	jw_uint(w, pr->idle_connections);
	JW_KEY(w, "tcp_sockets");
	jw_uint(w, pr->sockets);
	JW_KEY(w, "fds");
	jw_uint(w, p->fds);
	JW_KEY(w, "fd_limit");
	jw_uint(w, p->fd_limit);
	JW_KEY(w, "socket_memory_bytes");
	jw_uint(w, pr->socket_memory_bytes);
	write_optional_string(w, "cgroup", p->cgroup);
	write_optional_string(w, "container_runtime", p->container.runtime);
	write_optional_string(w, "container_id", p->container.id);
	write_optional_string(w, "pod_uid", p->container.pod_uid);
	/* As the node names them (null where it does not), or the unit outside containers. */
	write_optional_string(w, "namespace", p->names.namespace_);
	write_optional_string(w, "pod", p->names.pod);
	write_optional_string(w, "container", p->names.name);
	write_optional_string(w, "unit", p->unit);
	sc_health_counts_write_json(w, &pr->health, false);
	jw_object_end(w);
}

static void write_service(struct jw *w, const struct sc_view *v, size_t k)
{
	const struct sc_service *s = &v->services[k];
	const struct sc_process *main;
	size_t i;

	jw_object_begin(w);
	JW_KEY(w, "service");
	jw_string(w, s->name);
	JW_KEY(w, "comm");
	jw_string(w, s->comm);
	JW_KEY(w, "netns");
	jw_uint(w, s->netns);
	JW_KEY(w, "main_pid");
	jw_uint(w, s->main_pid);
	/* Where it runs: its main process's cgroup and container. */
	main = sc_snapshot_find_process(v->snap, s->main_pid);
	write_optional_string(w, "cgroup", main ? main->cgroup : "");
	write_optional_string(w, "container_id", main ? main->container.id : "");
	JW_KEY(w, "listen_ports");
	jw_array_begin(w);
	for (i = 0; i < s->ports.n; i++)
		jw_uint(w, s->ports.port[i]);
	jw_array_end(w);
	JW_KEY(w, "pids");
	jw_array_begin(w);
	for (i = 0; i < v->nprocs; i++)
		if (v->procs[i].service == k)
			jw_uint(w, v->procs[i].process->pid);
	jw_array_end(w);
	JW_KEY(w, "processes");
	jw_uint(w, s->processes);
	JW_KEY(w, "connections");
	jw_uint(w, s->connections);
	JW_KEY(w, "idle_connections");
	jw_uint(w, s->idle_connections);
	JW_KEY(w, "tcp_sockets");
	jw_uint(w, s->tcp_sockets);
	JW_KEY(w, "fds");
	jw_uint(w, s->fds);
	JW_KEY(w, "socket_memory_bytes");
	jw_uint(w, s->socket_memory_bytes);
	/* fd headroom is per process: the member nearest its limit. */
	JW_KEY(w, "fd_nearest_limit");
	jw_object_begin(w);
	JW_KEY(w, "pid");
	jw_uint(w, s->fd_worst_pid);
	JW_KEY(w, "fds");
	jw_uint(w, s->fd_worst_fds);
	JW_KEY(w, "fd_limit");
	jw_uint(w, s->fd_worst_limit);
	jw_object_end(w);
	sc_health_counts_write_json(w, &v->service_health[k], false);
	jw_object_end(w);
}

static void write_port(struct jw *w, const struct sc_port_row *p)
{
	jw_object_begin(w);
	JW_KEY(w, "port");
	jw_uint(w, p->port);
	JW_KEY(w, "netns");
	jw_uint(w, p->netns);
	JW_KEY(w, "connections");
	jw_uint(w, p->connections);
	JW_KEY(w, "idle_connections");
	jw_uint(w, p->idle_connections);
	JW_KEY(w, "listeners");
	jw_uint(w, p->listeners);
	JW_KEY(w, "accept_queue");
	jw_uint(w, p->accept_queue);
	JW_KEY(w, "accept_queue_max");
	jw_uint(w, p->accept_queue_max);
	sc_health_counts_write_json(w, &p->health, true);
	jw_object_end(w);
}

static void write_host(struct jw *w, const struct sc_view *v)
{
	const struct sc_snapshot *snap = v->snap;

	JW_KEY(w, "host");
	jw_object_begin(w);
	/* What the filters kept. */
	JW_KEY(w, "connections");
	jw_uint(w, v->totals.connections);
	JW_KEY(w, "idle_connections");
	jw_uint(w, v->totals.idle_connections);
	JW_KEY(w, "tcp_sockets");
	jw_uint(w, v->totals.sockets);
	JW_KEY(w, "socket_memory_bytes");
	jw_uint(w, v->totals.socket_memory_bytes);
	/* Everything walked, unfiltered, counted per socket. */
	JW_KEY(w, "established_ipv4");
	jw_uint(w, snap->established[0]);
	JW_KEY(w, "established_ipv6");
	jw_uint(w, snap->established[1]);
	JW_KEY(w, "netns_walked");
	jw_uint(w, snap->netns_walked);
	JW_KEY(w, "netns_missed");
	jw_uint(w, snap->netns_missed);
	jw_object_end(w);
	/* Top level, as the processes' and ports': what the filters kept. */
	sc_health_counts_write_json(w, &v->totals.health, true);
}

/* The kernel's own counters, all namespaces, since the programs attached. */
static void write_counters(struct jw *w, const struct sc_snapshot *snap)
{
	bool live = snap->config.live_counters;

	JW_KEY(w, "counters");
	jw_object_begin(w);
	JW_KEY(w, "live");
	jw_bool(w, live);
	JW_KEY(w, "established_ipv4");
	if (live)
		jw_int(w, snap->counters.established[0]);
	else
		jw_null(w);
	JW_KEY(w, "established_ipv6");
	if (live)
		jw_int(w, snap->counters.established[1]);
	else
		jw_null(w);
	JW_KEY(w, "opened_total");
	jw_uint(w, snap->counters.opened);
	JW_KEY(w, "closed_total");
	jw_uint(w, snap->counters.closed);
	JW_KEY(w, "storage_failures_total");
	jw_uint(w, snap->counters.storage_failed);
	JW_KEY(w, "bpf_missed_events_total");
	jw_uint(w, snap->bpf_missed_events);
	JW_KEY(w, "storage_records");
	if (snap->has_storage_records)
		jw_uint(w, snap->storage_records);
	else
		jw_null(w);
	jw_object_end(w);
}

struct socket_job {
	const struct sc_view *v;
	const struct socket_keys *keys;
};

static void write_socket_at(struct jw *w, size_t i, void *ctx)
{
	const struct socket_job *job = ctx;

	write_socket(w, job->v, job->keys, &job->v->rows[i]);
}

void sc_view_write_json(const struct sc_view *v, FILE *out)
{
	const struct sc_snapshot *snap = v->snap;
	struct sc_idle_policy policy = v->policy;
	struct sc_heartbeat_watch watch;
	struct socket_keys keys;
	struct jw w;
	size_t i;

	jw_init(&w, out);
	jw_object_begin(&w);
	JW_KEY(&w, "version");
	jw_string(&w, SOCKCOST_VERSION);
	JW_KEY(&w, "activity_hook");
	jw_string(&w, sc_hook_name(snap->hook));
	JW_KEY(&w, "kernel_hz");
	if (snap->kernel_hz)
		jw_uint(&w, snap->kernel_hz);
	else
		jw_null(&w);
	JW_KEY(&w, "observed_s");
	jw_double(&w, seconds_since(snap->taken_ns, snap->config.attached_ns), 3);
	/* The threshold the programs judge calls by: sockcostd's when its are pinned. */
	policy.heartbeat_bytes = snap->config.heartbeat_bytes;
	watch = sc_heartbeat_watch(&policy, snap->hook != SC_HOOK_NONE, snap->config.attached_ns,
				   snap->taken_ns);
	sc_policy_write_json(&w, &policy, &watch, &v->health_policy);
	write_host(&w, v);
	write_counters(&w, snap);

	JW_KEY(&w, "processes");
	jw_array_begin(&w);
	for (i = 0; i < v->nprocs; i++)
		write_process(&w, v, &v->procs[i]);
	jw_array_end(&w);

	JW_KEY(&w, "services");
	jw_array_begin(&w);
	for (i = 0; i < v->nservices; i++)
		write_service(&w, v, i);
	jw_array_end(&w);

	JW_KEY(&w, "ports");
	jw_array_begin(&w);
	for (i = 0; i < v->nports; i++)
		write_port(&w, &v->ports[i]);
	jw_array_end(&w);

	sc_outbound_write_json(&w, v);

	JW_KEY(&w, "sockets");
	socket_keys_init(&keys);
	jw_array_begin(&w);
	sc_jw_write_items(&w, v->nrows, write_socket_at, &(struct socket_job){ v, &keys });
	jw_array_end(&w);
	jw_object_end(&w);
	fputc('\n', out);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Memory of sockcostd's per-socket state (issue 16) without a million real
 * sockets: a mirror and its tally built from synthetic records shaped like
 * tests/bench/million.sh, then kept by changes as the daemon keeps them.
 *
 *   mirror_mem [--sockets N] [--rounds R] [--active-pct A] [--churn-pct C]
 *              [--walks W] [--unheld-reported] [--glibc-default]
 *
 * N client sockets held by processes of 19,700 each (the fd limit), each
 * process listening on a port of its own that its clients connect to; their
 * N peers wait in the accept queue, held by no process, so a walk never sees
 * them. A% of the pairs are accepted and active: both ends held, the client
 * calling twice a second. Each of R simulated seconds applies those calls
 * and closes C% of the clients and opens as many (a tenth of a percent by
 * default), then re-judges what came due, as a refresh does.
 *
 * --walks W: W more walks during the rounds, each replacing the mirror with
 * a walk's records read into a buffer that doubles, as sockcostd's
 * reconciling walks do (then malloc_trim, as it does).
 *
 * --glibc-default: leave glibc's malloc settings as they are instead of
 * sockcostd's (sc_big_alloc_long_running), to compare.
 *
 * --unheld-reported: the N unaccepted peers also reach the mirror through
 * their ESTABLISHED reports, as they do when the connections are made while
 * sockcostd runs (until its next walk).
 *
 * Prints bytes by structure, per held socket, and the process's RSS growth
 * and peak (VmHWM) over its start.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "big_alloc.h"
#include "common.h"
#include "mirror.h"
#include "summary_build.h"
#include "tally.h"

#define HZ 250
#define NS_PER_S 1000000000ull
#define BASE_NS (1000000ull * NS_PER_S)
#define BASE_J 4294000000ull       /* 32-bit jiffies wrap during the run */
#define PER_PROCESS 19700ul
#define FIRST_TGID 10000u
#define FIRST_LISTEN_PORT 20000u
#define FIRST_EPHEMERAL 32768u
#define EPHEMERAL_SPAN 28000u
#define CALLS_PER_S 2

static __u64 rng_state = 88172645463325252ull;

static __u32 rnd(__u32 below)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (__u32)(rng_state % below);
}

static struct sc_clock_ref clock_at(__u64 now_ns)
{
	return (struct sc_clock_ref){ .now_ns = now_ns,
				      .now_jiffies = BASE_J + (now_ns - BASE_NS) * HZ / NS_PER_S,
				      .hz = HZ };
}

/* A kB figure from /proc/self/status: "VmRSS" or "VmHWM". */
static long status_kb(const char *field)
{
	char line[256];
	long kb = -1;
	size_t len = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':') {
			kb = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

static unsigned long arg_num(int argc, char **argv, const char *name, unsigned long dflt)
{
	int i;

	for (i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return strtoul(argv[i + 1], NULL, 10);
	return dflt;
}

static double arg_double(int argc, char **argv, const char *name, double dflt)
{
	int i;

	for (i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return strtod(argv[i + 1], NULL);
	return dflt;
}

static int has_flag(int argc, char **argv, const char *name)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

/* Client i: its process, cookie and ports. */
static __u32 holder_of(size_t i)
{
	return FIRST_TGID + (__u32)(i / PER_PROCESS);
}

static __u16 listen_port_of(size_t i)
{
	return (__u16)(FIRST_LISTEN_PORT + i / PER_PROCESS);
}

static __u16 ephemeral_of(size_t i)
{
	return (__u16)(FIRST_EPHEMERAL + i % EPHEMERAL_SPAN);
}

static struct sc_conn_record established(__u64 cookie, __u32 tgid, __u16 lport, __u16 rport,
					 const struct sc_clock_ref *c)
{
	__u64 ago_j = rnd(600 * HZ);

	return (struct sc_conn_record){
		.tgid = tgid,
		.kind = SC_CONN_TCP,
		.state = TCP_ESTABLISHED,
		.flags = SC_CONN_HAS_STATE | SC_CONN_HAS_TIMES | (rnd(2) ? SC_CONN_SAW_CALLS : 0),
		.lport = lport,
		.rport = rport,
		.kernel_last = (__u32)(c->now_jiffies - ago_j),
		.cookie = cookie,
		.established_ns = c->now_ns - (600 + rnd(600)) * NS_PER_S,
		.last_active_jiffies = c->now_jiffies - ago_j,
	};
}

/* The walk's buffer: starts at 4 chunks of the iterator's reads and doubles (iter_read.c). */
#define WALK_BUFFER_FIRST (4 * 65536)

/* A walk's records: the header, each process's listener, its clients, the accepted active ends. */
static struct sc_conn_record *walk_records(size_t n, size_t active, size_t *count,
					   const struct sc_clock_ref *c)
{
	size_t procs = (n + PER_PROCESS - 1) / PER_PROCESS, i, k = 0, want, cap;
	struct sc_conn_record *r = NULL, *grown;

	want = (1 + procs + n + active) * sizeof(*r);
	for (cap = WALK_BUFFER_FIRST; ; cap *= 2) {
		grown = realloc(r, cap);
		if (!grown) {
			free(r);
			return NULL;
		}
		r = grown;
		if (cap >= want)
			break;
	}
	r[k++] = (struct sc_conn_record){ .kind = SC_CONN_HEADER, .established_ns = c->now_ns,
					  .last_active_jiffies = c->now_jiffies };
	for (i = 0; i < procs; i++)
		r[k++] = (struct sc_conn_record){
			.tgid = FIRST_TGID + (__u32)i, .kind = SC_CONN_TCP, .state = TCP_LISTEN,
			.flags = SC_CONN_HAS_STATE, .lport = (__u16)(FIRST_LISTEN_PORT + i),
			.mem = (__u32)(PER_PROCESS - active / procs), .kernel_last = 65535,
			.cookie = 1 + i,
		};
	for (i = 0; i < n; i++)
		r[k++] = established(2 * i + 1000, holder_of(i), ephemeral_of(i),
				     listen_port_of(i), c);
	for (i = 0; i < active; i++)
		r[k++] = established(2 * i + 1001, holder_of(i), listen_port_of(i),
				     ephemeral_of(i), c);
	*count = k;
	return r;
}

static struct sc_change change(__u8 kind, __u8 state, __u64 cookie, __u32 tgid, __u16 lport,
			       __u16 rport, const struct sc_clock_ref *c)
{
	return (struct sc_change){
		.cookie = cookie, .tgid = tgid, .lport = lport, .rport = rport,
		.kind = kind, .state = state, .jiffies = (__u32)c->now_jiffies,
		.established_ns = c->now_ns, .last_active_jiffies = c->now_jiffies,
		.mem = kind == SC_CHANGE_CALLS ? 0 : 2304,
		.flags = kind == SC_CHANGE_CALLS ? SC_CONN_SAW_CALLS : 0,
	};
}

struct changes {
	struct sc_change *v;
	size_t n, cap;
};

static int push(struct changes *cs, struct sc_change c)
{
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 4096;
		struct sc_change *v = realloc(cs->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		cs->v = v;
		cs->cap = cap;
	}
	cs->v[cs->n++] = c;
	return 0;
}

static double per(size_t bytes, size_t held)
{
	return held ? (double)bytes / (double)held : 0;
}

static void row(const char *what, size_t bytes, size_t held)
{
	printf("  %-24s %10.1f MiB %7.1f B/held socket\n", what, bytes / 1048576.0,
	       per(bytes, held));
}

int main(int argc, char **argv)
{
	size_t n = arg_num(argc, argv, "--sockets", 1000000);
	unsigned long rounds = arg_num(argc, argv, "--rounds", 60), s;
	double active_pct = arg_double(argc, argv, "--active-pct", 1.0);
	double churn_pct = arg_double(argc, argv, "--churn-pct", 0.1);
	size_t active = (size_t)((double)n * active_pct / 100), churn = (size_t)((double)n * churn_pct / 100);
	struct sc_summary_inputs in = {
		.policy = { .idle_after_ms = 60000, .heartbeat_bytes = 0 },
		.hook = SC_HOOK_TRACEPOINT,
		.attached_ns = BASE_NS - 3600 * NS_PER_S,
		.kernel_hz = HZ,
	};
	struct sc_clock_ref c = clock_at(BASE_NS);
	struct sc_mirror m = {};
	struct sc_tally t;
	struct changes cs = {};
	struct sc_summary sum;
	struct sc_conn_record *recs;
	struct sc_mirror_mem mm;
	struct sc_tally_mem tm;
	size_t count, i, held, next_client = n, total;
	long rss0 = status_kb("VmRSS"), rss1, rss2;
	unsigned long walks = arg_num(argc, argv, "--walks", 0), walked = 0;
	int err;

	if (!n || has_flag(argc, argv, "--help")) {
		fprintf(stderr, "usage: mirror_mem [--sockets N] [--rounds R] [--active-pct A] "
				"[--churn-pct C] [--walks W] [--unheld-reported] [--glibc-default]\n");
		return 2;
	}
	if (!has_flag(argc, argv, "--glibc-default"))
		sc_big_alloc_long_running();
	sc_tally_init(&t);
	recs = walk_records(n, active, &count, &c);
	if (!recs || sc_mirror_adopt(&m, recs, count) || sc_tally_reset(&t, &m, &in, &c)) {
		fprintf(stderr, "mirror_mem: out of memory\n");
		return 1;
	}
	if (has_flag(argc, argv, "--unheld-reported")) {
		/* The server ends entering ESTABLISHED: their listener's owner, as the map clones it. */
		for (i = active; i < n; i++)
			if (push(&cs, change(SC_CHANGE_STATE, TCP_ESTABLISHED, 2 * i + 1001,
					     holder_of(i), listen_port_of(i), ephemeral_of(i), &c)))
				return 1;
		if (sc_tally_apply_batch(&t, &m, cs.v, cs.n, &c))
			return 1;
	}
	for (s = 1; s <= rounds; s++) {
		cs.n = 0;
		c = clock_at(BASE_NS + s * NS_PER_S);
		if (walked < walks && s >= (walked + 1) * rounds / (walks + 1)) {
			/* As summary_live.c walks: the mirror let go, the walk's records adopted. */
			sc_mirror_drop(&m);
			recs = walk_records(n, active, &count, &c);
			if (!recs || sc_mirror_adopt(&m, recs, count) ||
			    sc_tally_reset(&t, &m, &in, &c)) {
				fprintf(stderr, "mirror_mem: out of memory\n");
				return 1;
			}
			malloc_trim(0);
			walked++;
		}
		for (i = 0, err = 0; i < active * CALLS_PER_S && !err; i++)
			err = push(&cs, change(SC_CHANGE_CALLS, TCP_ESTABLISHED,
					       2 * (i % active) + 1000, holder_of(i % active),
					       ephemeral_of(i % active), listen_port_of(i % active), &c));
		/* Churn: the oldest idle clients close, new ones open. */
		for (i = 0; i < churn && !err; i++) {
			size_t gone = active + (s - 1) * churn + i;

			err = push(&cs, change(SC_CHANGE_STATE, TCP_CLOSE, 2 * gone + 1000,
					       holder_of(gone), ephemeral_of(gone),
					       listen_port_of(gone), &c));
			if (!err)
				err = push(&cs, change(SC_CHANGE_STATE, TCP_ESTABLISHED,
						       2 * next_client + 1000, holder_of(gone),
						       ephemeral_of(next_client),
						       listen_port_of(gone), &c));
			next_client++;
		}
		if (err || sc_tally_apply_batch(&t, &m, cs.v, cs.n, &c) ||
		    !sc_tally_current(&t, &m, &in) || sc_tally_advance(&t, &m, &c) ||
		    sc_tally_summary(&t, &sum, NULL, 0, &c)) {
			fprintf(stderr, "mirror_mem: out of memory or the tally went dirty\n");
			return 1;
		}
		if (s == rounds)
			printf("summary: %llu connections, %llu idle, %zu processes\n",
			       (unsigned long long)sum.connections,
			       (unsigned long long)sum.idle_connections, sum.nprocs);
		sc_summary_free(&sum);
	}
	free(cs.v);
	rss1 = status_kb("VmRSS");
	malloc_trim(0);
	rss2 = status_kb("VmRSS");

	mm = sc_mirror_mem(&m);
	tm = sc_tally_mem(&t);
	held = n + active;
	total = mm.records + mm.aux + mm.index + mm.links + mm.holders + tm.wheel + tm.ports + tm.outbound +
		tm.listening + tm.procs;
	printf("held sockets %zu (+%zu listeners), mirror records %zu (cap %zu), "
	       "index slots %zu, wheel entries %zu\n",
	       held, (n + PER_PROCESS - 1) / PER_PROCESS, m.n - 1 - m.removed, m.cap,
	       m.mask + 1, tm.wheel_entries);
	row("mirror records", mm.records, held);
	row("mirror aux (tally)", mm.aux, held);
	row("mirror index", mm.index, held);
	row("mirror links (holders)", mm.links, held);
	row("mirror holder pairs", mm.holders, held);
	row("tally wheel", tm.wheel, held);
	row("tally ports", tm.ports, held);
	row("tally outbound", tm.outbound, held);
	row("tally listening", tm.listening, held);
	row("tally processes", tm.procs, held);
	row("total allocated", total, held);
	printf("  %-24s %10.1f MiB %7.1f B/held socket (after malloc_trim: %.1f MiB)\n",
	       "RSS growth", (rss1 - rss0) / 1024.0, per((size_t)(rss1 - rss0) * 1024, held),
	       (rss2 - rss0) / 1024.0);
	printf("  %-24s %10.1f MiB (walks: %lu)\n", "peak RSS growth",
	       (status_kb("VmHWM") - rss0) / 1024.0, walked);
	sc_tally_free(&t);
	sc_mirror_free(&m);
	return 0;
}

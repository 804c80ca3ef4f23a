// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "names.h"
#include "preflight.h"
#include "sockcost.skel.h"
#include "tracker.h"

struct sc_tracker {
	struct sockcost *skel;
	enum sc_hook hook;
	int iter_link_fd[SC_ITER_COUNT];
	int config_fd;
	int counters_fd;
};

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void select_hook(struct sockcost *skel, enum sc_hook hook)
{
	bool tp = hook == SC_HOOK_TRACEPOINT, fexit = hook == SC_HOOK_FEXIT;

	bpf_program__set_autoload(skel->progs.sc_tp_send, tp);
	bpf_program__set_autoload(skel->progs.sc_tp_recv, tp);
	bpf_program__set_autoload(skel->progs.sc_fexit_send, fexit);
	bpf_program__set_autoload(skel->progs.sc_fexit_recv, fexit);
}

static int attach_storage_iter(struct sockcost *skel)
{
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info info = {};

	info.map.map_fd = bpf_map__fd(skel->maps.sc_sock_states);
	opts.link_info = &info;
	opts.link_info_len = sizeof(info);
	skel->links.sc_iter_storage = bpf_program__attach_iter(skel->progs.sc_iter_storage, &opts);
	return skel->links.sc_iter_storage ? 0 : -errno;
}

/*
 * open -> select hook -> load -> configure -> attach. The config is written
 * before attaching so the first event already sees the heartbeat threshold.
 * NULL with errno set on failure; *step names the step that failed.
 */
static struct sockcost *open_load_attach(enum sc_hook hook, const struct sc_tracker_opts *opts,
					 const char **step)
{
	struct sc_config cfg = {
		.heartbeat_bytes = opts->heartbeat_bytes,
		.abi_version = SC_ABI_VERSION,
		.hook = hook,
		.live_counters = opts->live_counters,
	};
	struct sockcost *skel;
	__u32 zero = 0;
	int err;

	*step = "open";
	skel = sockcost__open();
	if (!skel)
		return NULL;
	select_hook(skel, hook);
	/* A map iterator needs its map at attach time: attached below. */
	bpf_program__set_autoattach(skel->progs.sc_iter_storage, false);
	*step = "load";
	err = sockcost__load(skel);
	if (!err) {
		*step = "configure";
		cfg.attached_ns = monotonic_ns();
		err = bpf_map__update_elem(skel->maps.sc_config, &zero, sizeof(zero), &cfg,
					   sizeof(cfg), BPF_ANY);
	}
	if (!err) {
		*step = "attach";
		err = sockcost__attach(skel);
	}
	if (!err)
		err = attach_storage_iter(skel);
	if (err) {
		sockcost__destroy(skel);
		errno = err < 0 ? -err : err;
		return NULL;
	}
	return skel;
}

static void log_hook(enum sc_hook got)
{
	switch (got) {
	case SC_HOOK_TRACEPOINT:
		sc_debug("activity hook: tracepoints sock_send_length/sock_recv_length");
		break;
	case SC_HOOK_FEXIT:
		sc_info("activity hook: fexit tcp_sendmsg/tcp_recvmsg (no sock_*_length tracepoints)");
		break;
	case SC_HOOK_NONE:
		sc_info("activity hook: none (neither the sock_*_length tracepoints nor fexit "
			"loaded); idle times come from kernel tcp_sock timestamps, which cannot "
			"tell heartbeats from data");
		break;
	}
}

/*
 * Says why nothing loaded: privileges were checked already, so a kernel
 * without BTF or too old for the iterators, else the loader's own error.
 */
static void explain_load_failure(const char *step, int err)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();

	if (!sc_preflight_kernel(vmlinux))
		sc_err("cannot %s BPF programs: %s%s", step, strerror(err),
		       sc_log_verbose() ? "" : " (run with -v for libbpf's and the verifier's log)");
	btf__free(vmlinux);
}

struct sc_tracker *sc_tracker_open(const struct sc_tracker_opts *opts)
{
	/* Probing by trying, best first: BTF says what exists, not what loads. */
	static const enum sc_hook order[] = { SC_HOOK_TRACEPOINT, SC_HOOK_FEXIT, SC_HOOK_NONE };
	struct sc_tracker *t;
	const char *step = "load";
	int err = 0;
	size_t i;

	if (sc_preflight_privileges())
		return NULL;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		sc_preflight_kernel(NULL);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		sc_err("out of memory");
		return NULL;
	}
	for (i = 0; i < sizeof(order) / sizeof(order[0]) && !t->skel; i++) {
		t->hook = order[i];
		t->skel = open_load_attach(order[i], opts, &step);
		if (!t->skel) {
			err = errno; /* logging below may clobber it */
			sc_debug("%s hook: failed to %s: %s", sc_hook_name(order[i]), step,
				 strerror(err));
		}
	}
	if (!t->skel) {
		explain_load_failure(step, err);
		free(t);
		return NULL;
	}
	log_hook(t->hook);

	t->config_fd = bpf_map__fd(t->skel->maps.sc_config);
	t->counters_fd = bpf_map__fd(t->skel->maps.sc_counters);
	t->iter_link_fd[SC_ITER_TCP] = bpf_link__fd(t->skel->links.sc_iter_tcp);
	t->iter_link_fd[SC_ITER_TASK_FILE] = bpf_link__fd(t->skel->links.sc_iter_task_file);
	t->iter_link_fd[SC_ITER_TASK] = bpf_link__fd(t->skel->links.sc_iter_task);
	t->iter_link_fd[SC_ITER_STORAGE] = bpf_link__fd(t->skel->links.sc_iter_storage);
	t->iter_link_fd[SC_ITER_CONN] = bpf_link__fd(t->skel->links.sc_iter_conn);
	return t;
}

void sc_tracker_close(struct sc_tracker *t)
{
	if (!t)
		return;
	sockcost__destroy(t->skel);
	free(t);
}

enum sc_hook sc_tracker_hook(const struct sc_tracker *t)
{
	return t->hook;
}

int sc_tracker_iter_link_fd(const struct sc_tracker *t, enum sc_iter_kind kind)
{
	return t->iter_link_fd[kind];
}

int sc_tracker_read_config(const struct sc_tracker *t, struct sc_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(t->config_fd, &zero, cfg))
		return sc_err("cannot read BPF config map: %s", strerror(errno));
	return 0;
}

__u64 sc_tracker_missed_events(const struct sc_tracker *t)
{
	const struct bpf_program *progs[] = {
		t->skel->progs.sc_state_change, t->skel->progs.sc_tp_send, t->skel->progs.sc_tp_recv,
		t->skel->progs.sc_fexit_send, t->skel->progs.sc_fexit_recv,
	};
	__u64 missed = 0;
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(progs[i]);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			missed += info.recursion_misses;
	}
	return missed;
}

int sc_tracker_read_counters(const struct sc_tracker *t, struct sc_counters *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	struct sc_counters *percpu;
	__u32 zero = 0;
	int i;

	if (ncpus <= 0)
		return sc_err("cannot count possible CPUs: %s", strerror(-ncpus));
	percpu = calloc((size_t)ncpus, sizeof(*percpu));
	if (!percpu)
		return sc_err("out of memory");
	if (bpf_map_lookup_elem(t->counters_fd, &zero, percpu)) {
		free(percpu);
		return sc_err("cannot read BPF counters: %s", strerror(errno));
	}
	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < ncpus; i++) {
		sum->established[0] += percpu[i].established[0];
		sum->established[1] += percpu[i].established[1];
		sum->opened += percpu[i].opened;
		sum->closed += percpu[i].closed;
		sum->storage_failed += percpu[i].storage_failed;
	}
	free(percpu);
	return 0;
}

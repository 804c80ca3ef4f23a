// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "clock.h"
#include "force.h"
#include "log.h"
#include "names.h"
#include "pin.h"
#include "preflight.h"
#include "sockcost.skel.h"
#include "tracker.h"
#include "vmlinux_btf.h"

/* Every link sockcost makes, by role; the order names the pinned files. */
enum link_role {
	L_STATE, L_TP_SEND, L_TP_RECV, L_FEXIT_SEND, L_FEXIT_RECV,
	L_ITER_TCP, L_ITER_TASK_FILE, L_ITER_TASK, L_ITER_STORAGE, L_ITER_CONN,
	L_ITER_CONN_STATE, L_COUNT,
};

static const char *const link_pin_name[L_COUNT] = {
	"link_state_change", "link_tp_send", "link_tp_recv", "link_fexit_send", "link_fexit_recv",
	"iter_tcp", "iter_task_file", "iter_task", "iter_storage", "iter_conn",
	"iter_conn_state",
};

static const enum link_role iter_role[SC_ITER_COUNT] = {
	[SC_ITER_TCP] = L_ITER_TCP, [SC_ITER_TASK_FILE] = L_ITER_TASK_FILE,
	[SC_ITER_TASK] = L_ITER_TASK, [SC_ITER_STORAGE] = L_ITER_STORAGE,
	[SC_ITER_CONN] = L_ITER_CONN, [SC_ITER_CONN_STATE] = L_ITER_CONN_STATE,
};

enum map_role {
	M_STATES, M_CONFIG, M_COUNTERS, M_CHANGES, M_CHANGE_HEAD, M_ESTIMATES, M_WALK_FILTERS,
	M_WALK_COOKIES, M_COUNT,
};

static const char *const map_pin_name[M_COUNT] = {
	SC_PIN_MAP_STATES, SC_PIN_MAP_CONFIG, SC_PIN_MAP_COUNTERS, SC_PIN_MAP_CHANGES,
	SC_PIN_MAP_CHANGE_HEAD, SC_PIN_MAP_ESTIMATES, SC_PIN_MAP_WALK_FILTERS, SC_PIN_MAP_WALK_COOKIES,
};

/* Value sizes a pinned map must have to be read as ours: a second guard after the ABI. */
static const __u32 map_value_size[M_COUNT] = {
	sizeof(struct sc_sock_state), sizeof(struct sc_config), sizeof(struct sc_counters),
	sizeof(struct sc_change), sizeof(struct sc_change_head), sizeof(struct sc_estimate),
	sizeof(struct sc_walk_filter), sizeof(__u8),
};

struct sc_tracker {
	struct sockcost *skel;       /* our own programs; NULL when reading pinned ones */
	enum sc_hook hook;
	bool uses_pinned;
	int link_fd[L_COUNT];        /* -1: not attached */
	int map_fd[M_COUNT];
	int prog_fd[L_COUNT];        /* programs behind the links, for missed-run counts */
	bool owns_fds;               /* the fds above came from bpffs, not the skeleton */
};

/* FNV-1a over the embedded BPF object: changes whenever the programs do. */
static __u64 build_id(void)
{
	static __u64 id;
	const unsigned char *p;
	size_t i, n;

	if (id)
		return id;
	p = sockcost__elf_bytes(&n);
	id = 0xcbf29ce484222325ull;
	for (i = 0; i < n; i++)
		id = (id ^ p[i]) * 0x100000001b3ull;
	return id;
}

static struct bpf_link **skel_link(struct sockcost *s, enum link_role r)
{
	switch (r) {
	case L_STATE: return &s->links.sc_state_change;
	case L_TP_SEND: return &s->links.sc_tp_send;
	case L_TP_RECV: return &s->links.sc_tp_recv;
	case L_FEXIT_SEND: return &s->links.sc_fexit_send;
	case L_FEXIT_RECV: return &s->links.sc_fexit_recv;
	case L_ITER_TCP: return &s->links.sc_iter_tcp;
	case L_ITER_TASK_FILE: return &s->links.sc_iter_task_file;
	case L_ITER_TASK:
		return bpf_program__autoload(s->progs.sc_iter_task) ? &s->links.sc_iter_task
								      : &s->links.sc_iter_task_compat;
	case L_ITER_STORAGE: return &s->links.sc_iter_storage;
	case L_ITER_CONN: return &s->links.sc_iter_conn;
	case L_ITER_CONN_STATE: return &s->links.sc_iter_conn_state;
	case L_COUNT: break;
	}
	return NULL;
}

static struct bpf_map *skel_map(struct sockcost *s, enum map_role r)
{
	switch (r) {
	case M_STATES: return s->maps.sc_sock_states;
	case M_CONFIG: return s->maps.sc_config;
	case M_COUNTERS: return s->maps.sc_counters;
	case M_CHANGES: return s->maps.sc_changes;
	case M_CHANGE_HEAD: return s->maps.sc_change_head;
	case M_ESTIMATES: return s->maps.sc_estimates;
	case M_WALK_FILTERS: return s->maps.sc_walk_filters;
	case M_WALK_COOKIES: return s->maps.sc_walk_cookies;
	case M_COUNT: break;
	}
	return NULL;
}

static void select_hook(struct sockcost *skel, enum sc_hook hook)
{
	bool tp = hook == SC_HOOK_TRACEPOINT, fexit = hook == SC_HOOK_FEXIT;

	bpf_program__set_autoload(skel->progs.sc_tp_send, tp);
	bpf_program__set_autoload(skel->progs.sc_tp_recv, tp);
	bpf_program__set_autoload(skel->progs.sc_fexit_send, fexit);
	bpf_program__set_autoload(skel->progs.sc_fexit_recv, fexit);
}

/*
 * Whether this kernel lets us load a map element iterator: a BPF LSM policy
 * may refuse them (they can read any map) while allowing every other
 * program. Tried once with an empty program, so the real load never fails
 * on it; without it the storage-record count is unknown.
 */
static bool storage_iter_loads(void)
{
	static int known; /* 0: not tried, 1: loads, -1: refused */
	const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_ITER);
	int id, fd;

	if (known)
		return known > 0;
	id = sc_vmlinux_func_id("bpf_iter_bpf_sk_storage_map");
	if (id > 0) {
		opts.attach_btf_id = (__u32)id;
		fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", ret0, ARRAY_SIZE(ret0), &opts);
		if (fd >= 0)
			close(fd);
		known = fd >= 0 ? 1 : -1;
	} else {
		known = -1;
	}
	if (known < 0)
		sc_debug("the kernel refuses sk_storage map iterators: "
			 "the count of per-socket storage records is unknown");
	return known > 0;
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
 * open -> select hook -> reuse maps -> load -> configure -> attach. The
 * config is written before attaching so the first event already sees the
 * heartbeat threshold; a reused config keeps its attach time, so idle ages
 * count from when the first daemon started watching. NULL with errno set on
 * failure; *step names the step that failed.
 */
static struct sockcost *open_load_attach(enum sc_hook hook, const struct sc_tracker_opts *opts,
					 const int *reuse_map_fd, const char **step)
{
	struct sc_config cfg = {
		.heartbeat_bytes = opts->heartbeat_bytes,
		.abi_version = SC_ABI_VERSION,
		.hook = hook,
		.live_counters = opts->live_counters,
		.build_id = build_id(),
	};
	struct sockcost *skel;
	__u32 zero = 0;
	int err = 0, m;
	bool fd_counts;

	*step = "open";
	skel = sockcost__open();
	if (!skel)
		return NULL;
	select_hook(skel, hook);
	/* Counting fds per process in the kernel needs bpf_loop (5.17+). */
	fd_counts = libbpf_probe_bpf_helper(BPF_PROG_TYPE_SOCKET_FILTER, BPF_FUNC_loop, NULL) == 1 &&
		    !sc_forced("proc-fds");
	bpf_program__set_autoload(skel->progs.sc_iter_task, fd_counts);
	bpf_program__set_autoload(skel->progs.sc_iter_task_compat, !fd_counts);
	if (!fd_counts)
		sc_debug("no bpf_loop: fds per process come from /proc/PID/fd");
	/* A map iterator needs its map at attach time: attached below. */
	bpf_program__set_autoattach(skel->progs.sc_iter_storage, false);
	bpf_program__set_autoload(skel->progs.sc_iter_storage, storage_iter_loads());
	*step = "reuse pinned maps of";
	for (m = 0; reuse_map_fd && m < M_COUNT && !err; m++)
		err = bpf_map__reuse_fd(skel_map(skel, m), reuse_map_fd[m]);
	if (!err) {
		*step = "load";
		err = sockcost__load(skel);
	}
	if (!err) {
		*step = "configure";
		cfg.attached_ns = sc_mono_ns();
		if (reuse_map_fd) {
			struct sc_config old;

			/*
			 * The build id changes only once every link is pinned: a
			 * daemon killed midway upgrades again on its next start.
			 */
			if (!bpf_map_lookup_elem(reuse_map_fd[M_CONFIG], &zero, &old)) {
				cfg.build_id = old.build_id;
				/*
				 * The watch goes on only under the same hook and
				 * threshold: stamps taken under another threshold
				 * counted other calls as activity.
				 */
				if (old.attached_ns && old.hook == (__u32)hook &&
				    old.heartbeat_bytes == cfg.heartbeat_bytes)
					cfg.attached_ns = old.attached_ns;
			}
		}
		err = bpf_map__update_elem(skel->maps.sc_config, &zero, sizeof(zero), &cfg,
					   sizeof(cfg), BPF_ANY);
	}
	if (!err) {
		*step = "attach";
		err = sockcost__attach(skel);
	}
	if (!err && bpf_program__autoload(skel->progs.sc_iter_storage))
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

static void reset_fds(struct sc_tracker *t)
{
	int i;

	for (i = 0; i < L_COUNT; i++)
		t->link_fd[i] = t->prog_fd[i] = -1;
	for (i = 0; i < M_COUNT; i++)
		t->map_fd[i] = -1;
}

static void close_owned_fds(struct sc_tracker *t)
{
	int i;

	for (i = 0; t->owns_fds && i < L_COUNT; i++) {
		if (t->link_fd[i] >= 0)
			close(t->link_fd[i]);
		if (t->prog_fd[i] >= 0)
			close(t->prog_fd[i]);
	}
	for (i = 0; t->owns_fds && i < M_COUNT; i++)
		if (t->map_fd[i] >= 0)
			close(t->map_fd[i]);
	t->owns_fds = false;
	reset_fds(t);
}

/* Takes the skeleton's fds; they stay the skeleton's to close. */
static void use_skeleton_fds(struct sc_tracker *t)
{
	int i;

	close_owned_fds(t);
	for (i = 0; i < L_COUNT; i++) {
		struct bpf_link *l = *skel_link(t->skel, i);

		t->link_fd[i] = l ? bpf_link__fd(l) : -1;
	}
	for (i = 0; i < M_COUNT; i++)
		t->map_fd[i] = bpf_map__fd(skel_map(t->skel, i));
	t->prog_fd[L_STATE] = bpf_program__fd(t->skel->progs.sc_state_change);
	t->prog_fd[L_TP_SEND] = bpf_program__fd(t->skel->progs.sc_tp_send);
	t->prog_fd[L_TP_RECV] = bpf_program__fd(t->skel->progs.sc_tp_recv);
	t->prog_fd[L_FEXIT_SEND] = bpf_program__fd(t->skel->progs.sc_fexit_send);
	t->prog_fd[L_FEXIT_RECV] = bpf_program__fd(t->skel->progs.sc_fexit_recv);
	/* Iterators a filtered walk attaches again, for one process (sc_tracker_iter_link_for_pid). */
	t->prog_fd[L_ITER_TASK_FILE] = bpf_program__fd(t->skel->progs.sc_iter_task_file);
	t->prog_fd[L_ITER_TASK] = bpf_program__fd(bpf_program__autoload(t->skel->progs.sc_iter_task)
							 ? t->skel->progs.sc_iter_task
							 : t->skel->progs.sc_iter_task_compat);
}

/* Whether a complete pinned set has this link, given the hook it was loaded with. */
static bool link_needed(enum link_role r, enum sc_hook hook)
{
	switch (r) {
	case L_TP_SEND:
	case L_TP_RECV:
		return hook == SC_HOOK_TRACEPOINT;
	case L_FEXIT_SEND:
	case L_FEXIT_RECV:
		return hook == SC_HOOK_FEXIT;
	case L_ITER_STORAGE:
		return false; /* where the kernel allows it (storage_iter_loads) */
	default:
		return true;
	}
}

static int map_value_size_of(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? -1 : (int)info.value_size;
}

/*
 * Opens what dir holds. Returns 0 with t's fds set (the caller owns them),
 * -ENOENT if nothing is pinned, or -EPROTO (with *why) if the pinned layout
 * is not this build's ABI. The config names the hook and the ABI.
 */
static int open_pinned(struct sc_tracker *t, const char *dir, struct sc_config *cfg,
		       char *why, size_t why_len)
{
	char path[PATH_MAX];
	struct bpf_link_info info;
	__u32 zero = 0, len;
	int i, err = 0;

	reset_fds(t);
	t->owns_fds = true;
	for (i = 0; i < M_COUNT && !err; i++) {
		sc_pin_path(path, sizeof(path), dir, map_pin_name[i]);
		t->map_fd[i] = bpf_obj_get(path);
		if (t->map_fd[i] < 0)
			err = errno == ENOENT ? -ENOENT : -errno;
		else if (map_value_size_of(t->map_fd[i]) != (int)map_value_size[i])
			err = -EPROTO;
	}
	if (!err && bpf_map_lookup_elem(t->map_fd[M_CONFIG], &zero, cfg))
		err = -errno;
	if (!err && cfg->abi_version != SC_ABI_VERSION)
		err = -EPROTO;
	if (err == -EPROTO)
		snprintf(why, why_len, "layout version %u, this sockcost reads %u",
			 map_value_size_of(t->map_fd[M_CONFIG]) == sizeof(*cfg) ? cfg->abi_version
										  : 0,
			 SC_ABI_VERSION);
	for (i = 0; i < L_COUNT && !err; i++) {
		sc_pin_path(path, sizeof(path), dir, link_pin_name[i]);
		t->link_fd[i] = bpf_obj_get(path);
		if (t->link_fd[i] < 0)
			continue; /* a hook that did not load (fexit next to tracepoints) */
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(t->link_fd[i], &info, &len))
			t->prog_fd[i] = bpf_prog_get_fd_by_id(info.prog_id);
	}
	for (i = 0; i < L_COUNT && !err; i++)
		if (t->link_fd[i] < 0 && link_needed(i, (enum sc_hook)cfg->hook)) {
			snprintf(why, why_len, "%s is missing", link_pin_name[i]);
			err = -EPROTO;
		}
	if (err)
		close_owned_fds(t);
	return err;
}

/*
 * Pins our skeleton's maps (unless they are the pinned ones, reused) and
 * links in dir. Each link is pinned beside the old one (NAME_new) and renamed over it,
 * so at every moment some build's link is pinned under each name.
 */
static int pin_skeleton(struct sc_tracker *t, const char *dir, bool maps_reused)
{
	char path[PATH_MAX], fresh[PATH_MAX + 8];
	int i;

	for (i = 0; i < M_COUNT && !maps_reused; i++) {
		sc_pin_path(path, sizeof(path), dir, map_pin_name[i]);
		if (bpf_map__pin(skel_map(t->skel, i), path))
			return sc_fail(errno, "cannot pin %s: %s", path, strerror(errno));
	}
	for (i = 0; i < L_COUNT; i++) {
		struct bpf_link *l = *skel_link(t->skel, i);

		sc_pin_path(path, sizeof(path), dir, link_pin_name[i]);
		if (!l) {
			/* A hook this build did not load: the old build's must go. */
			if (unlink(path) && errno != ENOENT)
				return sc_fail(errno, "cannot remove %s: %s", path, strerror(errno));
			continue;
		}
		/* bpffs refuses names with a dot. */
		snprintf(fresh, sizeof(fresh), "%s_new", path);
		unlink(fresh);
		if (bpf_link__pin(l, fresh) || rename(fresh, path))
			return sc_fail(errno, "cannot pin %s: %s", path, strerror(errno));
	}
	return 0;
}

/* Records in the pinned config that this build's links are all in place. */
static int mark_build_pinned(struct sc_tracker *t)
{
	struct sc_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.sc_config), &zero, &cfg))
		return sc_fail(errno, "cannot read the config: %s", strerror(errno));
	cfg.build_id = build_id();
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.sc_config), &zero, &cfg, BPF_ANY))
		return sc_fail(errno, "cannot update the config: %s", strerror(errno));
	return 0;
}

/* Loads our programs, trying activity hooks best first. */
static int load_own(struct sc_tracker *t, const struct sc_tracker_opts *opts,
		    const int *reuse_map_fd)
{
	/* Probing by trying, best first: BTF says what exists, not what loads. */
	static const enum sc_hook order[] = { SC_HOOK_TRACEPOINT, SC_HOOK_FEXIT, SC_HOOK_NONE };
	const char *step = "load";
	int err = 0;
	size_t i;

	for (i = sc_forced("no-hook") ? ARRAY_SIZE(order) - 1 : 0;
	     i < ARRAY_SIZE(order) && !t->skel; i++) {
		t->hook = order[i];
		t->skel = open_load_attach(order[i], opts, reuse_map_fd, &step);
		if (!t->skel) {
			err = errno; /* logging below may clobber it */
			sc_debug("%s hook: failed to %s: %s", sc_hook_name(order[i]), step,
				 strerror(err));
		}
	}
	if (!t->skel) {
		explain_load_failure(step, err);
		return err ? -err : -EINVAL;
	}
	log_hook(t->hook);
	return 0;
}

/* The daemon's own pinned state is ours to adopt as is: same programs. */
static int adopt_pinned(struct sc_tracker *t, const struct sc_config *pinned,
			const struct sc_tracker_opts *opts)
{
	struct sc_config cfg = *pinned;
	__u32 zero = 0;

	cfg.heartbeat_bytes = opts->heartbeat_bytes;
	cfg.live_counters = opts->live_counters;
	/* Calls stamped under the old threshold counted other calls as activity:
	 * the watch under this one starts now. */
	if (cfg.heartbeat_bytes != pinned->heartbeat_bytes)
		cfg.attached_ns = sc_mono_ns();
	if (bpf_map_update_elem(t->map_fd[M_CONFIG], &zero, &cfg, BPF_ANY))
		return sc_fail(errno, "cannot update the pinned config: %s", strerror(errno));
	if (cfg.heartbeat_bytes != pinned->heartbeat_bytes)
		sc_info("heartbeat threshold changed from %llu to %llu bytes: the watch starts anew",
			(unsigned long long)pinned->heartbeat_bytes,
			(unsigned long long)cfg.heartbeat_bytes);
	t->hook = (enum sc_hook)cfg.hook;
	t->uses_pinned = true;
	return 0;
}

/*
 * The daemon: adopt the pinned programs if they are this build's; load this
 * build with the pinned maps (history and counters kept) if they are an
 * older build of the same layout; replace anything else.
 */
static int open_owned(struct sc_tracker *t, const struct sc_tracker_opts *opts, const char *dir)
{
	int reuse_map_fd[M_COUNT];
	struct sc_config cfg;
	char why[128] = "";
	bool reuse;
	int err;

	err = sc_pin_prepare(dir);
	if (err)
		return err;
	err = open_pinned(t, dir, &cfg, why, sizeof(why));
	if (!err && cfg.build_id == build_id()) {
		sc_info("reusing the programs and maps pinned in %s", dir);
		return adopt_pinned(t, &cfg, opts);
	}
	if (err == -ENOENT && sc_pin_exists(dir)) {
		snprintf(why, sizeof(why), "incomplete: a pinned map is missing");
		err = -EPROTO;
	}
	if (err == -EPROTO) {
		int gone;

		sc_warn("pinned state in %s is not compatible (%s): replacing it", dir, why);
		gone = sc_pin_unload(dir);
		if (!gone)
			gone = sc_pin_prepare(dir);
		if (gone)
			return gone;
	} else if (err && err != -ENOENT) {
		/* Not a verdict on the state: keep its history for a later start. */
		return sc_fail(-err, "cannot open the state pinned in %s: %s", dir, strerror(-err));
	}
	reuse = !err;
	if (reuse) {
		sc_info("upgrading the programs pinned in %s; per-socket state and counters kept",
			dir);
		memcpy(reuse_map_fd, t->map_fd, sizeof(reuse_map_fd));
	}
	err = load_own(t, opts, reuse ? reuse_map_fd : NULL);
	/* Test-only: both builds' programs stay attached a second, not milliseconds. */
	if (!err && reuse && sc_forced("upgrade-overlap"))
		sleep(1);
	if (!err)
		err = pin_skeleton(t, dir, reuse);
	if (!err)
		err = mark_build_pinned(t);
	/* The old links' pins are gone; dropping our fds detaches them. */
	close_owned_fds(t);
	if (err)
		return err;
	t->uses_pinned = true;
	use_skeleton_fds(t);
	return 0;
}

/* libbpf's own messages are noise unless the user asked for detail. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!sc_log_verbose() || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

struct sc_tracker *sc_tracker_open(const struct sc_tracker_opts *opts)
{
	const char *dir = sc_pin_dir(opts->pin_dir);
	struct sc_tracker *t;
	struct sc_config cfg;
	char why[128] = "";
	int err;

	libbpf_set_print(libbpf_print);
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
	reset_fds(t);
	switch (opts->pin_mode) {
	case SC_PIN_OWN:
		err = open_owned(t, opts, dir);
		break;
	case SC_PIN_READ:
		err = open_pinned(t, dir, &cfg, why, sizeof(why));
		if (!err) {
			t->hook = (enum sc_hook)cfg.hook;
			t->uses_pinned = true;
			sc_debug("reading sockcostd's state pinned in %s", dir);
			break;
		}
		if (err == -EPROTO)
			sc_info("ignoring the state pinned in %s (%s); loading our own programs",
				dir, why);
		/* fall through */
	case SC_PIN_NONE:
	default:
		err = load_own(t, opts, NULL);
		if (!err)
			use_skeleton_fds(t);
		break;
	}
	if (err) {
		sc_tracker_close(t);
		return NULL;
	}
	return t;
}

void sc_tracker_close(struct sc_tracker *t)
{
	if (!t)
		return;
	close_owned_fds(t);
	sockcost__destroy(t->skel);
	free(t);
}

enum sc_hook sc_tracker_hook(const struct sc_tracker *t)
{
	return t->hook;
}

bool sc_tracker_uses_pinned(const struct sc_tracker *t)
{
	return t->uses_pinned;
}

int sc_tracker_estimates_fd(const struct sc_tracker *t)
{
	return t->map_fd[M_ESTIMATES];
}

int sc_tracker_iter_link_fd(const struct sc_tracker *t, enum sc_iter_kind kind)
{
	return t->link_fd[iter_role[kind]];
}

int sc_tracker_iter_link_for_pid(const struct sc_tracker *t, enum sc_iter_kind kind, __u32 pid)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	union bpf_iter_link_info info = {};
	int fd, prog_fd = t->prog_fd[iter_role[kind]];

	if ((kind != SC_ITER_TASK && kind != SC_ITER_TASK_FILE) ||
	    prog_fd < 0)
		return -EINVAL;
	info.task.pid = pid;
	opts.iter_info = &info;
	opts.iter_info_len = sizeof(info);
	fd = bpf_link_create(prog_fd, 0, BPF_TRACE_ITER, &opts);
	return fd < 0 ? -errno : fd;
}

void sc_tracker_walk_filter_fds(const struct sc_tracker *t, int *filters_fd, int *cookies_fd)
{
	*filters_fd = t->map_fd[M_WALK_FILTERS];
	*cookies_fd = t->map_fd[M_WALK_COOKIES];
}

void sc_tracker_change_fds(const struct sc_tracker *t, int *ring_fd, int *head_fd)
{
	*ring_fd = t->map_fd[M_CHANGES];
	*head_fd = t->map_fd[M_CHANGE_HEAD];
}

int sc_tracker_read_config(const struct sc_tracker *t, struct sc_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(t->map_fd[M_CONFIG], &zero, cfg))
		return sc_fail(errno, "cannot read BPF config map: %s", strerror(errno));
	return 0;
}

__u64 sc_tracker_missed_events(const struct sc_tracker *t)
{
	static const enum link_role events[] = {
		L_STATE, L_TP_SEND, L_TP_RECV, L_FEXIT_SEND, L_FEXIT_RECV,
	};
	__u64 missed = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(events); i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = t->prog_fd[events[i]];

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
		return sc_fail(-ncpus, "cannot count possible CPUs: %s", strerror(-ncpus));
	percpu = calloc((size_t)ncpus, sizeof(*percpu));
	if (!percpu)
		return sc_fail(ENOMEM, "out of memory");
	if (bpf_map_lookup_elem(t->map_fd[M_COUNTERS], &zero, percpu)) {
		free(percpu);
		return sc_fail(errno, "cannot read BPF counters: %s", strerror(errno));
	}
	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < ncpus; i++) {
		sum->established[0] += percpu[i].established[0];
		sum->established[1] += percpu[i].established[1];
		sum->opened += percpu[i].opened;
		sum->closed += percpu[i].closed;
		sum->storage_failed += percpu[i].storage_failed;
		sum->conn_closed_us += percpu[i].conn_closed_us;
		sum->conn_start_us += percpu[i].conn_start_us;
		sum->messages[0] += percpu[i].messages[0];
		sum->messages[1] += percpu[i].messages[1];
	}
	free(percpu);
	return 0;
}

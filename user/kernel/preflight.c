// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/capability.h>

#include <bpf/btf.h>

#include "common.h"
#include "log.h"
#include "preflight.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int has_cap(const struct __user_cap_data_struct *data, int cap)
{
	return !!(data[cap / 32].effective & (1u << (cap % 32)));
}

int sc_preflight_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return sc_fail(errno, "cannot read capabilities: %s", strerror(errno));
	/*
	 * Loading needs CAP_BPF + CAP_PERFMON; walking other processes' files
	 * and entering their network namespaces needs CAP_SYS_ADMIN and
	 * CAP_SYS_PTRACE.
	 */
	if (!has_cap(data, CAP_SYS_ADMIN) ||
	    !(has_cap(data, CAP_BPF) || has_cap(data, CAP_SYS_ADMIN)) ||
	    !has_cap(data, CAP_PERFMON) || !has_cap(data, CAP_SYS_PTRACE))
		return sc_fail(EPERM, "%s: run as root (sudo), or grant CAP_BPF, CAP_PERFMON, "
			      "CAP_SYS_ADMIN and CAP_SYS_PTRACE",
			      geteuid() ? "not root" : "missing capabilities");
	return 0;
}

static const char *kernel_release(struct utsname *u)
{
	return uname(u) ? "unknown" : u->release;
}

int sc_preflight_kernel(const struct btf *vmlinux)
{
	static const struct {
		const char *name;
		int kind;
		const char *what;
	} needed[] = {
		{ "bpf_iter__tcp", BTF_KIND_STRUCT, "BPF iterator over TCP sockets (5.9)" },
		{ "bpf_iter__task_file", BTF_KIND_STRUCT, "BPF iterator over task files (5.8)" },
		{ "btf_trace_inet_sock_set_state", BTF_KIND_TYPEDEF, "BTF tracepoints (5.5)" },
		{ "bpf_sock_from_file", BTF_KIND_FUNC, "bpf_sock_from_file helper (5.11)" },
	};
	struct utsname u;
	size_t i;

	if (!vmlinux)
		return sc_fail(ENOTSUP, "kernel BTF not found (/sys/kernel/btf/vmlinux): "
			      "use a kernel built with CONFIG_DEBUG_INFO_BTF=y (Linux 5.15+)");
	for (i = 0; i < ARRAY_SIZE(needed); i++) {
		if (btf__find_by_name_kind(vmlinux, needed[i].name, needed[i].kind) >= 0)
			continue;
		return sc_fail(ENOTSUP, "kernel %s too old: needs %s; upgrade to Linux 5.15 or newer",
			      kernel_release(&u), needed[i].what);
	}
	return 0;
}

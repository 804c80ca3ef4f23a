// SPDX-License-Identifier: GPL-2.0
/*
 * The /proc and cgroup files sockcost parses, whose text a process partly
 * writes: its command (up to 15 bytes, any but NUL, spaces and parentheses
 * included) in stat, its cgroup names in /proc/PID/cgroup, and the files
 * behind the fds its epoll sets watch. The first byte picks the parser, the
 * rest is the file. The parsers are user/model's pure halves of user/sys's
 * readers (proc_text.c, smaps.c, epoll_watch.c, tcp_mem.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "epoll_watch.h"
#include "proc_text.h"
#include "smaps.h"
#include "tcp_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { P_STAT, P_STATM, P_CGROUP_VALUE, P_SOCKSTAT, P_CGROUP_FILE, P_SMAPS, P_FDINFO, P_COUNT };

static void check_fdinfo(const char *text)
{
	struct sc_inode_set set = {};
	size_t i;
	int n = sc_epoll_fdinfo_targets(text, &set);

	if (n < 0) {
		sc_inode_set_free(&set);
		return;
	}
	if ((size_t)n != set.n)
		abort();
	sc_inode_set_seal(&set);
	for (i = 0; i < set.n; i++)
		if (!sc_inode_set_has(&set, set.ino[i]) || (i && set.ino[i - 1] >= set.ino[i]))
			abort(); /* sealed: sorted and unique */
	sc_inode_set_free(&set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[512], *text, *sockstat;
	struct sc_tcp_mem tcp_mem;
	struct sc_proc_mem mem;
	__u64 v;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % P_COUNT) {
	case P_STAT:
		sc_stat_start_ticks(text, &v);
		break;
	case P_STATM:
		sc_statm_resident_pages(text, &v);
		break;
	case P_CGROUP_VALUE:
		sc_cgroup_value_parse(text, &v);
		break;
	case P_SOCKSTAT:
		/* net.ipv4.tcp_mem's line, then /proc/net/sockstat. */
		sockstat = strchr(text, '\n');
		if (sockstat)
			*sockstat++ = '\0';
		sc_tcp_mem_parse(text, sockstat ? sockstat : "", 4096, &tcp_mem);
		break;
	case P_CGROUP_FILE:
		/* Cut to the buffer, always terminated, and never a newline: one line's path. */
		if (!sc_cgroup_v2_path(text, path, sizeof(path)) &&
		    (!memchr(path, '\0', sizeof(path)) || strchr(path, '\n')))
			abort();
		break;
	case P_SMAPS:
		sc_smaps_rollup_parse(text, &mem);
		break;
	case P_FDINFO:
		check_fdinfo(text);
		break;
	}
	free(text);
	return 0;
}

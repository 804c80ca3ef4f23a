// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "log.h"
#include "whole_file.h"
#include "slab_read.h"

#define SLABINFO_MAX (4 << 20)

/* SLUB gives a merged cache's name a symlink to the shared cache. */
static bool cache_is_merged(const char *cache)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s", cache);
	return !lstat(path, &st) && S_ISLNK(st.st_mode);
}

static void size_from_btf(struct sc_slab_size *sz, const struct btf *btf, const char *type)
{
	__s64 bytes;
	__s32 id;

	if (!btf)
		return;
	id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	if (id < 0)
		return;
	bytes = btf__resolve_size(btf, (__u32)id);
	if (bytes <= 0)
		return;
	sz->bytes = (__u32)bytes;
	sz->source = SC_SIZE_BTF;
}

int sc_slab_sizes_read(struct sc_slab_sizes *s)
{
	struct btf *btf = NULL;
	char *text;
	int o, err = 0;

	memset(s, 0, sizeof(*s));
	text = sc_read_whole("/proc/slabinfo", SLABINFO_MAX);
	if (!text)
		sc_debug("cannot read /proc/slabinfo (%s): sizes from BTF", strerror(errno));
	else if (sc_slab_sizes_from_slabinfo(s, text) < 0)
		sc_debug("/proc/slabinfo is not version 2.x: sizes from BTF");
	free(text);
	for (o = 0; o < SC_OBJ_COUNT; o++) {
		struct sc_slab_size *sz = &s->obj[o];

		sz->merged = cache_is_merged(sc_slab_cache_name(o));
		if (sz->source != SC_SIZE_UNKNOWN)
			continue;
		if (!btf)
			btf = btf__load_vmlinux_btf();
		if (!btf)
			break;
		size_from_btf(sz, btf, sc_slab_btf_type(o));
	}
	for (o = 0; o < SC_OBJ_COUNT; o++)
		if (s->obj[o].source == SC_SIZE_UNKNOWN) {
			sc_debug("no size for slab cache %s (struct %s)", sc_slab_cache_name(o),
				 sc_slab_btf_type(o));
			err = -ENOENT;
		}
	btf__free(btf);
	return err;
}

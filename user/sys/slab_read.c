// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "log.h"
#include "slab_read.h"

#define SLABINFO_MAX (4 << 20)

/* Reads a whole /proc file (size unknown up front) into a NUL-terminated buffer. */
static char *read_proc_file(const char *path)
{
	size_t len = 0, cap = 64 << 10; /* grows as needed */
	char *buf = malloc(cap), *bigger;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !buf)
		goto fail;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len > 1)
			continue;
		if (cap >= SLABINFO_MAX)
			break;
		bigger = realloc(buf, cap * 2);
		if (!bigger)
			goto fail;
		buf = bigger;
		cap *= 2;
	}
	if (n < 0)
		goto fail;
	buf[len] = '\0';
	close(fd);
	return buf;
fail:
	free(buf);
	if (fd >= 0)
		close(fd);
	return NULL;
}

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
	text = read_proc_file("/proc/slabinfo");
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

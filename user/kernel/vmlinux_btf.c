// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <bpf/btf.h>

#include "btf_scan.h"
#include "vmlinux_btf.h"

int sc_vmlinux_func_id(const char *name)
{
	const char *path = "/sys/kernel/btf/vmlinux";
	struct btf *vmlinux;
	struct stat st;
	void *blob;
	int fd, id = -EPROTO;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (!fstat(fd, &st) && st.st_size > 0) {
			blob = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
			if (blob != MAP_FAILED) {
				id = sc_btf_find_func(blob, (size_t)st.st_size, name);
				munmap(blob, (size_t)st.st_size);
			}
		}
		close(fd);
	}
	if (id != -EPROTO)
		return id;
	vmlinux = btf__load_vmlinux_btf();
	id = vmlinux ? btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) : -ENOENT;
	btf__free(vmlinux);
	return id;
}

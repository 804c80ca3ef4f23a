/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_VMLINUX_BTF_H
#define SC_VMLINUX_BTF_H

/*
 * A kernel function's BTF id, read from the kernel's BTF in place where the
 * kernel lets us map it (6.16+): libbpf parses all of it into fresh memory,
 * which it does again for the load itself (150-300 ms each on the VMs here).
 */
/* Returns the id, or a negative errno (-ENOENT: no such function). */
int sc_vmlinux_func_id(const char *name);

#endif /* SC_VMLINUX_BTF_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_PREFLIGHT_H
#define SC_PREFLIGHT_H

struct btf;

/*
 * Checks that must pass before loading, each failing with one error line
 * that names the fix: privileges, kernel BTF, and kernel features.
 * Returns 0, or -1 after printing the error.
 */
int sc_preflight_privileges(void);
int sc_preflight_kernel(const struct btf *vmlinux);

#endif /* SC_PREFLIGHT_H */

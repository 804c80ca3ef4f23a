/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SERVED_TABLE_H
#define SC_SERVED_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "snapshot_args.h"

/*
 * `sockcost snapshot`'s table from a running sockcostd (served_proto.h),
 * when o asks for what its summary holds: the table alone, no filter, no
 * watch. True once the whole table is written to out; false (the reason
 * under -v) when the caller must walk: no daemon on the socket, a dead
 * one's socket, another policy, a refusal, a failure part-way (nothing
 * written then).
 */
bool served_table(const struct snapshot_opts *o, FILE *out);

#endif /* SC_SERVED_TABLE_H */

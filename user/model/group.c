// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "group.h"


int sc_group_by_parse(const char *s, enum sc_group_by *by)
{
	if (!strcmp(s, "service"))
		*by = SC_BY_SERVICE;
	else if (!strcmp(s, "process"))
		*by = SC_BY_PROCESS;
	else if (!strcmp(s, "port"))
		*by = SC_BY_PORT;
	else if (!strcmp(s, "cgroup"))
		*by = SC_BY_CGROUP;
	else if (!strcmp(s, "remote"))
		*by = SC_BY_REMOTE;
	else if (!strcmp(s, "remote-addr"))
		*by = SC_BY_REMOTE_ADDR;
	else
		return -EINVAL;
	return 0;
}

static int cmp_by_path(const void *a, const void *b)
{
	const struct sc_cgroup_row *x = a, *y = b;

	return strcmp(x->cgroup, y->cgroup);
}

static int cmp_by_connections(const void *a, const void *b)
{
	const struct sc_cgroup_row *x = a, *y = b;

	return CMP(y->connections, x->connections) ?: strcmp(x->cgroup, y->cgroup);
}

int sc_group_by_cgroup(const struct sc_view *v, struct sc_cgroup_row **rows, size_t *n)
{
	struct sc_cgroup_row *r = calloc(v->nprocs ? v->nprocs : 1, sizeof(*r));
	size_t i, m = 0;

	*rows = NULL;
	*n = 0;
	if (!r)
		return -ENOMEM;
	for (i = 0; i < v->nprocs; i++) {
		const struct sc_proc_row *pr = &v->procs[i];

		r[i] = (struct sc_cgroup_row){
			.cgroup = pr->process->cgroup,
			.container = &pr->process->container,
			.unit = pr->process->unit,
			.names = &pr->process->names,
			.processes = 1,
			.connections = pr->connections,
			.idle_connections = pr->idle_connections,
			.fds = pr->process->fds,
			.socket_memory_bytes = pr->socket_memory_bytes,
		};
	}
	qsort(r, v->nprocs, sizeof(*r), cmp_by_path);
	for (i = 0; i < v->nprocs; i++) {
		if (m && !strcmp(r[m - 1].cgroup, r[i].cgroup)) {
			r[m - 1].processes += r[i].processes;
			r[m - 1].connections += r[i].connections;
			r[m - 1].idle_connections += r[i].idle_connections;
			r[m - 1].fds += r[i].fds;
			r[m - 1].socket_memory_bytes += r[i].socket_memory_bytes;
			continue;
		}
		r[m++] = r[i];
	}
	qsort(r, m, sizeof(*r), cmp_by_connections);
	*rows = r;
	*n = m;
	return 0;
}

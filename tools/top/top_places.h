/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_TOP_PLACES_H
#define SC_TOP_PLACES_H

#include <stddef.h>

#include "container_cache.h"
#include "summary.h"
#include "top_model.h"

/*
 * Sets each process row's place (CONTAINER) as sockcostd labels it, from
 * cc: cgroups and container names are read only for processes and
 * containers cc has not seen (container_cache.h). s: the summary the rows
 * come from. 0 or -ENOMEM.
 */
int top_places_fill(struct sc_container_cache *cc, const struct sc_summary *s,
		    struct top_row *procs, size_t n);

#endif /* SC_TOP_PLACES_H */

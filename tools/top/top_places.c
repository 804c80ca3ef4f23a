// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "place_label.h"
#include "top_places.h"

int top_places_fill(struct sc_container_cache *cc, const struct sc_summary *s,
		    struct top_row *procs, size_t n)
{
	struct sc_container_row *rows;
	struct sc_container_names names;
	struct sc_place place;
	size_t i, nrows;
	int err;

	/* Brings the cache up to this summary; top needs the places, not the rows. */
	err = sc_container_cache_rows(cc, s, NULL, 0, &rows, &nrows);
	if (err)
		return err;
	free(rows);
	for (i = 0; i < n; i++) {
		if (sc_container_cache_place(cc, procs[i].pid, &place, &names))
			sc_place_label(&place.container, place.unit, &names, procs[i].place,
				       sizeof(procs[i].place));
		else
			procs[i].place[0] = '\0';
	}
	return 0;
}

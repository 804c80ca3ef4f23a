/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_PLACE_LABEL_H
#define SC_PLACE_LABEL_H

#include <stddef.h>

#include "cgroup.h"
#include "container_names.h"

/*
 * Who a place is, as every command prints it: NAMESPACE/POD/CONTAINER for a
 * pod's container, the runtime's name for a Docker or Podman one, "-" for
 * a container the node has no names for, else the unit (or "host"). Pure.
 */
const char *sc_place_label(const struct sc_container *c, const char *unit,
			   const struct sc_container_names *n, char *buf, size_t len);

#endif /* SC_PLACE_LABEL_H */

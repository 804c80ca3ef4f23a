/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_METRICS_CONTAINER_H
#define SC_METRICS_CONTAINER_H

#include <stddef.h>
#include <stdio.h>

#include "container_rows.h"

/*
 * The sockcost_container_* families: one series per container on the node,
 * per systemd unit outside containers, and one for the host's other
 * processes. Every series carries the same labels: container_id, pod_uid,
 * namespace, pod, container (each "" where unknown or not a container) and
 * unit ("" for a container, else the unit or "host").
 */
void sc_metrics_containers(FILE *out, const struct sc_container_row *rows, size_t n);

#endif /* SC_METRICS_CONTAINER_H */

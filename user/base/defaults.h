/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_DEFAULTS_H
#define SC_DEFAULTS_H

/* Defaults both binaries and several layers share, named once. */

/* bpffs, and where the daemon pins its programs, links and maps. */
#define SC_BPFFS "/sys/fs/bpf"
#define SC_PIN_DIR SC_BPFFS "/sockcost"

/* How often sockcostd refreshes its gauges from reported changes, in seconds. */
#define SC_DAEMON_DEFAULT_INTERVAL_S 15
/* Walks only catch what change reports miss: minutes apart, so idle sockets cost nothing between. */
#define SC_DAEMON_DEFAULT_RECONCILE_S 300
/* Between health passes: connections go bad over minutes, and a pass reads every socket. */
#define SC_DAEMON_DEFAULT_HEALTH_S 60

#endif /* SC_DEFAULTS_H */

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "socket_fields.h"

const char *const sc_socket_field_names[SC_NFIELDS] = {
	[SC_F_PID] = "pid",
	[SC_F_COMM] = "comm",
	[SC_F_FD] = "fd",
	[SC_F_STATE] = "state",
	[SC_F_FAMILY] = "family",
	[SC_F_LADDR] = "laddr",
	[SC_F_LPORT] = "lport",
	[SC_F_RADDR] = "raddr",
	[SC_F_RPORT] = "rport",
	[SC_F_NETNS] = "netns",
	[SC_F_COOKIE] = "cookie",
	[SC_F_INODE] = "inode",
	[SC_F_IDLE] = "idle",
	[SC_F_IDLE_S] = "idle_s",
	[SC_F_IDLE_SOURCE] = "idle_source",
	[SC_F_RX_BYTES] = "rx_bytes",
	[SC_F_TX_BYTES] = "tx_bytes",
	[SC_F_RX_QUEUE] = "rx_queue_bytes",
	[SC_F_TX_QUEUE] = "tx_queue_bytes",
	[SC_F_RX_QUEUE_MEMORY] = "rx_queue_memory_bytes",
	[SC_F_TX_QUEUE_MEMORY] = "tx_queue_memory_bytes",
	[SC_F_FORWARD_ALLOC] = "forward_alloc_bytes",
	[SC_F_SNDBUF] = "sndbuf_bytes",
	[SC_F_RCVBUF] = "rcvbuf_bytes",
	[SC_F_KERNEL_SEND_AGE] = "kernel_last_send_age_s",
	[SC_F_KERNEL_RECV_AGE] = "kernel_last_recv_age_s",
	[SC_F_OBSERVED] = "observed",
	[SC_F_HEALTH] = "health",
	[SC_F_HEALTH_AGE] = "health_age_s",
	[SC_F_STALL_REASON] = "stall_reason",
	[SC_F_RETRANSMITS] = "retransmits",
	[SC_F_PROBES] = "probes",
	[SC_F_PEER_WINDOW] = "peer_window_bytes",
	[SC_F_KEEPALIVE] = "keepalive",
	[SC_F_KEEPALIVE_IDLE] = "keepalive_idle_s",
};

static int field_of(const char *word, size_t len)
{
	int f;

	for (f = 0; f < SC_NFIELDS; f++)
		if (strlen(sc_socket_field_names[f]) == len &&
		    !memcmp(sc_socket_field_names[f], word, len))
			return f;
	return -1;
}

int sc_socket_fields_parse(const char *list, __u64 *mask, char *bad, size_t badlen)
{
	const char *p = list, *end;
	__u64 m = 0;
	int f;

	if (badlen)
		bad[0] = '\0';
	do {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		f = field_of(p, (size_t)(end - p));
		if (f < 0) {
			snprintf(bad, badlen, "%.*s", (int)(end - p), p);
			return -EINVAL;
		}
		m |= 1ull << f;
		p = end + 1;
	} while (*end);
	*mask = m;
	return 0;
}

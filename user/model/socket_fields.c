// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "socket_fields.h"

/* Each field's key, once: the names and their lengths are made from it. */
#define SOCKET_FIELDS(X) \
	X(SC_F_PID, "pid") \
	X(SC_F_COMM, "comm") \
	X(SC_F_FD, "fd") \
	X(SC_F_STATE, "state") \
	X(SC_F_FAMILY, "family") \
	X(SC_F_LADDR, "laddr") \
	X(SC_F_LPORT, "lport") \
	X(SC_F_RADDR, "raddr") \
	X(SC_F_RPORT, "rport") \
	X(SC_F_NETNS, "netns") \
	X(SC_F_COOKIE, "cookie") \
	X(SC_F_INODE, "inode") \
	X(SC_F_IDLE, "idle") \
	X(SC_F_IDLE_S, "idle_s") \
	X(SC_F_IDLE_SOURCE, "idle_source") \
	X(SC_F_RX_BYTES, "rx_bytes") \
	X(SC_F_TX_BYTES, "tx_bytes") \
	X(SC_F_RX_QUEUE, "rx_queue_bytes") \
	X(SC_F_TX_QUEUE, "tx_queue_bytes") \
	X(SC_F_RX_QUEUE_MEMORY, "rx_queue_memory_bytes") \
	X(SC_F_TX_QUEUE_MEMORY, "tx_queue_memory_bytes") \
	X(SC_F_FORWARD_ALLOC, "forward_alloc_bytes") \
	X(SC_F_SNDBUF, "sndbuf_bytes") \
	X(SC_F_RCVBUF, "rcvbuf_bytes") \
	X(SC_F_KERNEL_SEND_AGE, "kernel_last_send_age_s") \
	X(SC_F_KERNEL_RECV_AGE, "kernel_last_recv_age_s") \
	X(SC_F_OBSERVED, "observed") \
	X(SC_F_HEALTH, "health") \
	X(SC_F_HEALTH_AGE, "health_age_s") \
	X(SC_F_STALL_REASON, "stall_reason") \
	X(SC_F_RETRANSMITS, "retransmits") \
	X(SC_F_PROBES, "probes") \
	X(SC_F_PEER_WINDOW, "peer_window_bytes") \
	X(SC_F_KEEPALIVE, "keepalive") \
	X(SC_F_KEEPALIVE_IDLE, "keepalive_idle_s")

#define FIELD_NAME(field, key) [field] = key,
#define FIELD_NAME_LEN(field, key) [field] = sizeof(key) - 1,
#define FIELD_NAME_FITS(field, key) \
	_Static_assert(sizeof(key) - 1 <= SC_FIELD_NAME_MAX, "the key " key " is too long");

SOCKET_FIELDS(FIELD_NAME_FITS)

const char *const sc_socket_field_names[SC_NFIELDS] = { SOCKET_FIELDS(FIELD_NAME) };

/* Known lengths: a strlen per key per socket cost 40 ms of CPU at 200K sockets. */
const __u8 sc_socket_field_name_lens[SC_NFIELDS] = { SOCKET_FIELDS(FIELD_NAME_LEN) };

static int field_of(const char *word, size_t len)
{
	int f;

	for (f = 0; f < SC_NFIELDS; f++)
		if (sc_socket_field_name_lens[f] == len &&
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

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SOCKET_FIELDS_H
#define SC_SOCKET_FIELDS_H

#include <stddef.h>
#include <linux/types.h>

/*
 * The keys of a socket in `snapshot --json`, in document order. At 200K
 * sockets the whole record is over 100 MB; `--fields` keeps only the keys
 * a reader needs.
 */
enum sc_socket_field {
	SC_F_PID, SC_F_COMM, SC_F_FD, SC_F_STATE, SC_F_FAMILY, SC_F_LADDR, SC_F_LPORT,
	SC_F_RADDR, SC_F_RPORT, SC_F_NETNS, SC_F_COOKIE, SC_F_INODE, SC_F_IDLE, SC_F_IDLE_S,
	SC_F_IDLE_SOURCE, SC_F_RX_BYTES, SC_F_TX_BYTES, SC_F_RX_QUEUE, SC_F_TX_QUEUE,
	SC_F_RX_QUEUE_MEMORY, SC_F_TX_QUEUE_MEMORY, SC_F_FORWARD_ALLOC, SC_F_SNDBUF,
	SC_F_RCVBUF, SC_F_KERNEL_SEND_AGE, SC_F_KERNEL_RECV_AGE, SC_F_OBSERVED,
	SC_F_HEALTH, SC_F_HEALTH_AGE, SC_F_STALL_REASON, SC_F_RETRANSMITS, SC_F_PROBES,
	SC_F_PEER_WINDOW, SC_F_KEEPALIVE, SC_F_KEEPALIVE_IDLE,
	SC_NFIELDS
};

#define SC_FIELDS_ALL ((1ull << SC_NFIELDS) - 1)

/* The longest key: writers size fixed slots by it. */
#define SC_FIELD_NAME_MAX 24

/* The JSON key of each field. */
extern const char *const sc_socket_field_names[SC_NFIELDS];
/* strlen of each. */
extern const __u8 sc_socket_field_name_lens[SC_NFIELDS];

/*
 * Parses a comma-separated list of keys ("pid,lport,idle_s") into a mask of
 * 1 << field. Returns 0, or -EINVAL with the offending word in bad (empty
 * for an empty list or an empty word).
 */
int sc_socket_fields_parse(const char *list, __u64 *mask, char *bad, size_t badlen);

#endif /* SC_SOCKET_FIELDS_H */

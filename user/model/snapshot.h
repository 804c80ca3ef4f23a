/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SNAPSHOT_H
#define SC_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "cgroup.h"
#include "container_names.h"
#include "idle.h"
#include "names.h"
#include "sockcost.h"

/*
 * The data model: what the kernel reported at one moment, joined but not
 * yet judged. Idle classification, filtering and aggregation happen in a
 * view (view.h), so one snapshot can be shown under different policies.
 */

#define SC_NO_PID 0

/* What the BPF programs recorded for a socket, in CLOCK_MONOTONIC ns; 0 = never. */
struct sc_activity {
	__u64 first_seen_ns;
	__u64 established_ns;
	__u64 last_send_ns;
	__u64 last_recv_ns;
	__u64 last_active_ns;
	__u64 tx_bytes;
	__u64 rx_bytes;
	__u64 tx_calls;
	__u64 rx_calls;
};

struct sc_socket {
	__u64 cookie;
	__u64 inode;           /* 0 for sockets no process holds (time-wait, request) */
	__u32 netns;
	__u16 family;          /* AF_INET or AF_INET6 */
	__u8 state;            /* TCP_* */
	__u8 laddr[16];
	__u8 raddr[16];
	__u16 lport;
	__u16 rport;
	__u32 rx_queue;        /* unread payload bytes, as ss Recv-Q */
	__u32 tx_queue;        /* unacknowledged payload bytes, as ss Send-Q */
	__u32 rmem_alloc;      /* receive queue memory (sk_rmem_alloc) */
	__u32 wmem_queued;     /* send queue memory (sk_wmem_queued) */
	__s32 forward_alloc;
	__u32 sndbuf;
	__u32 rcvbuf;
	__u32 accept_queue;    /* LISTEN only */
	__u32 accept_queue_max;
	__u64 drops;           /* LISTEN: connections dropped there (sk_drops), since created */
	__u64 rx_bytes;        /* kernel counters over the socket's life */
	__u64 tx_bytes;
	__u64 kernel_send_age_ms; /* SC_AGE_UNKNOWN if not known */
	__u64 kernel_recv_age_ms;
	/* Health facts, as sc_tcp_record has them (health.h judges them). */
	__u64 last_ack_age_ms;    /* since the last ACK received; SC_AGE_UNKNOWN */
	__u64 left_established_age_ms; /* since it left ESTABLISHED; SC_AGE_UNKNOWN if not seen */
	__u32 peer_window;        /* snd_wnd */
	bool has_state;        /* act is valid: sockcost keeps a record for the socket */
	/* Here, not with the health facts above: they fill has_state's padding. */
	__u8 retransmits;      /* icsk_retransmits */
	__u8 probes;           /* icsk_probes_out */
	bool orphan;           /* closed by its process, finished by the kernel */
	struct sc_activity act;
	size_t first_holder;   /* index into sc_snapshot.holders */
	/* 32 bits, and the field after it here: the socket must not outgrow the
	 * record it is written over (snapshot_build.c). */
	__u32 nholders;
	__u32 keepalive_idle_ms;  /* keepalive's idle time (0 if HZ is unknown) */
	bool keepalive;           /* SO_KEEPALIVE on */
};

/* A process holding a socket through a file descriptor. */
struct sc_holder {
	__u32 pid;
	__u32 fd;
	size_t socket;         /* index into sc_snapshot.sockets */
};

struct sc_process {
	__u32 pid;
	__u32 ppid;            /* parent's pid, 0 if unknown */
	__u32 netns;
	char comm[SC_COMM_LEN + 1];
	__u64 fds;             /* open file descriptors */
	__u64 fd_limit;        /* RLIMIT_NOFILE soft limit */
	__u64 tcp_fds;         /* fds that are TCP sockets */
	char cgroup[SC_CGROUP_PATH_LEN]; /* cgroup v2 path, "" if unknown */
	struct sc_container container;
	char unit[SC_UNIT_LEN];          /* outside containers: its systemd unit, or "host" */
	struct sc_container_names names; /* what the node names its container */
};

struct sc_snapshot {
	struct sc_socket *sockets;     /* in the kernel's walk order */
	size_t nsockets;
	struct sc_holder *holders;     /* grouped by socket */
	size_t nholders;
	struct sc_process *processes;  /* sorted by pid; only those holding TCP sockets */
	size_t nprocesses;
	__u64 established[2];          /* ESTABLISHED sockets walked: [0] IPv4, [1] IPv6 */
	struct sc_counters counters;   /* kernel live counters */
	struct sc_config config;       /* as the kernel has it */
	enum sc_hook hook;
	__u64 taken_ns;                /* CLOCK_MONOTONIC */
	__u32 netns_walked;            /* network namespaces whose sockets were read */
	__u32 netns_missed;            /* namespaces seen but not entered */
	__u32 kernel_hz;               /* jiffies per second, 0 if unknown */
	__u64 bpf_missed_events;       /* events the kernel skipped (recursion) */
	__u64 storage_records;         /* records in the per-socket storage map, */
	bool has_storage_records;      /* where the kernel lets us count them, if asked (sc_take_scope) */
};

void sc_snapshot_free(struct sc_snapshot *snap);

const struct sc_process *sc_snapshot_find_process(const struct sc_snapshot *snap, __u32 pid);

#endif /* SC_SNAPSHOT_H */

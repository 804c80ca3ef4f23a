/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records shared by the BPF programs and userspace: plain structs of
 * fixed-width types only, so both sides agree on the layout.
 */
#ifndef SOCKCOST_H
#define SOCKCOST_H

#define SC_COMM_LEN 16

/*
 * The states in which a socket has a peer and tcp_sock's traffic stamps
 * describe a connection. TCP_* come from vmlinux.h in the programs and from
 * <netinet/tcp.h> in userspace (included by user/base/common.h).
 */
#define sc_tcp_connected(state)                                                     \
	((state) == TCP_ESTABLISHED || (state) == TCP_FIN_WAIT1 ||                      \
	 (state) == TCP_FIN_WAIT2 || (state) == TCP_CLOSE_WAIT ||                       \
	 (state) == TCP_LAST_ACK || (state) == TCP_CLOSING)

/*
 * Bumped whenever a struct below changes layout: a long-running process
 * that pins these maps (the daemon) must never be read by a different
 * layout.
 */
#define SC_ABI_VERSION 12

/* sc_sock_state.flags */
#define SC_SOCK_COUNTED 0x1 /* included in sc_counters.established */
#define SC_SOCK_LEFT 0x2    /* the state program saw it leave ESTABLISHED: left_jiffies is set */

/*
 * Per-socket state, kept in BPF_MAP_TYPE_SK_STORAGE and freed with the socket.
 *
 * Every send and receive call writes it, so the hot fields come first: the
 * kernel's struct bpf_local_storage_elem starts the data's 8-byte header on
 * a cache line, so a call touches only that line (the 56 bytes before
 * change_jiffies) unless a reader holds the change ring's lease. A send
 * writes only tx_* and last_send_jiffies, a receive only rx_* and
 * last_recv_jiffies, with plain stores: sends (or receives) on one socket
 * from two threads at the same moment can lose one call's count, which the
 * lock prefix of an atomic add would have cost every call to prevent.
 */
struct sc_sock_state {
	/*
	 * Per-call stamps are jiffies_64: reading it costs a load, where the
	 * monotonic clock cost a quarter of the program's time, and idle ages
	 * need seconds, not nanoseconds.
	 */
	__u64 last_active_jiffies; /* last call larger than heartbeat_bytes */
	__u64 last_send_jiffies;   /* last send call that carried payload */
	__u64 last_recv_jiffies;   /* last receive call that carried payload */
	__u64 tx_bytes;
	__u64 rx_bytes;
	__u64 tx_calls;
	__u64 rx_calls;
	__u32 change_jiffies;  /* low 32 bits of jiffies when a change was last reported */
	/*
	 * Queue memory (as sc_conn_record.mem) when a change was last reported
	 * for the socket: a call, a send finding its queue full, a state change.
	 * Calls in between do not read it (a walk reads the socket itself).
	 */
	__u32 queue_mem;
	__u64 first_seen_ns;   /* when sockcost first saw the socket (CLOCK_MONOTONIC) */
	__u64 established_ns;  /* when it entered ESTABLISHED, 0 if not seen */
	__u64 flags;           /* 64-bit: BPF atomics with fetch need it */
	/*
	 * Who uses it: the process that listened or connected, that made the
	 * last reported call (calls are reported at most once per gap while a
	 * reader holds the lease, and a reader learns owners only from reports
	 * and walks), or that a walk found holding it; an accepted socket
	 * starts with its listener's (the map clones). 0: unknown.
	 */
	__u32 owner_tgid;
	__u32 pad;
	/*
	 * jiffies_64 when it left ESTABLISHED (SC_SOCK_LEFT): for a socket in
	 * CLOSE-WAIT, when the peer's FIN came, so how long the process has not
	 * closed it. 64 bits: the leaks that matter are weeks old, past where
	 * 32 bits of jiffies wrap at HZ=1000.
	 */
	__u64 left_jiffies;
};

/* Index 0 of the sc_config array map, written by userspace. */
struct sc_config {
	__u64 heartbeat_bytes; /* calls carrying <= this many bytes are not activity */
	__u64 attached_ns;     /* CLOCK_MONOTONIC when the activity hook attached */
	__u32 abi_version;
	__u32 hook;            /* enum sc_hook */
	/*
	 * Keep sc_counters.established exact: iter/tcp then gives every
	 * established socket a storage record to mark it counted. Costs a
	 * record per socket, so only long-running or observing users set it.
	 */
	__u32 live_counters;
	__u32 pad;
	/* Which build of the programs is attached: an upgraded daemon replaces them. */
	__u64 build_id;
};

enum sc_hook {
	SC_HOOK_NONE = 0,      /* kernel tcp_sock timestamps only */
	SC_HOOK_TRACEPOINT = 1,/* tp_btf sock_send_length / sock_recv_length */
	SC_HOOK_FEXIT = 2,     /* fexit tcp_sendmsg / tcp_recvmsg */
};

/* Host counters, one copy per CPU; userspace sums them. */
struct sc_counters {
	__s64 established[2];  /* [0] IPv4, [1] IPv6; per-CPU parts may be negative */
	__u64 opened;          /* transitions into ESTABLISHED */
	__u64 closed;          /* transitions out of ESTABLISHED */
	__u64 storage_failed;  /* sk_storage allocations that failed */
	/*
	 * Connection time, in microseconds of CLOCK_MONOTONIC: what counted
	 * connections spent established until they left, and the sum of the
	 * live ones' start times, so that live time = live * now - conn_start_us
	 * (modulo 2^64: the parts wrap, the difference does not).
	 */
	__u64 conn_closed_us;
	__u64 conn_start_us;
	__u64 messages[2];     /* [0] received, [1] sent: payload calls above the heartbeat size */
};

/*
 * sockcostd's memory estimate for a process (pinned map sc_estimates, by
 * pid), written by the daemon after each walk so that `sockcost cost` and
 * `top` can use what it has learned across walks. No program touches it.
 */
#define SC_ESTIMATES_MAX 4096

struct sc_estimate {
	__s64 marginal_bytes;  /* private memory per connection, over growth */
	__u64 spread_bytes;    /* interquartile range of the slopes */
	__u32 samples;
	__u32 pad;
	__u64 connections;     /* the process's connections at the last sample */
	__u64 valid_until_ns;  /* CLOCK_MONOTONIC: a few walks on; older is a stopped daemon's */
	__u64 start_ticks;     /* the process's start time (/proc/PID/stat): a reused pid differs */
};

/* sc_tcp_record.sock_flags */
#define SC_TCP_KEEPALIVE 0x1   /* SO_KEEPALIVE on (SOCK_KEEPOPEN) */
#define SC_TCP_ORPHAN 0x2      /* SOCK_DEAD: closed by its process, the kernel finishes it */

/* One per TCP socket, from iter/tcp. */
struct sc_tcp_record {
	__u64 cookie;
	__u8 laddr[16];        /* IPv4 in the first 4 bytes */
	__u8 raddr[16];
	__u32 netns;           /* network namespace inode */
	__u16 family;
	__u16 lport;           /* host byte order */
	__u16 rport;           /* host byte order */
	__u8 state;            /* TCP_* as the kernel numbers them */
	__u8 has_state;        /* st below is valid */
	__u8 has_times;        /* lsndtime/lrcvtime are meaningful (connected states) */
	/* Health facts (user/model/health.h says how they are judged). */
	__u8 retransmits;      /* icsk_retransmits: RTO retransmissions since the last ACK progress */
	__u8 probes;           /* icsk_probes_out: zero-window (or keepalive) probes unanswered */
	__u8 sock_flags;       /* SC_TCP_* from sk_flags */
	__u64 now_jiffies;     /* jiffies_64 when the record was made */
	__u64 now_ns;          /* and CLOCK_MONOTONIC then, to place jiffies stamps */
	__u32 lsndtime;        /* tcp_sock last payload send, jiffies (32 bits) */
	__u32 lrcvtime;        /* last payload receive, jiffies (32 bits) */
	__u32 rx_data;         /* unread payload bytes (ss Recv-Q) */
	__u32 tx_data;         /* unacknowledged payload bytes (ss Send-Q) */
	__u32 rmem_alloc;      /* receive queue memory */
	__u32 wmem_queued;     /* send queue memory */
	__s32 forward_alloc;
	__u32 sndbuf;
	__u32 rcvbuf;
	__u32 ack_backlog;     /* LISTEN: accept queue length */
	__u32 max_ack_backlog;
	__u32 drops;           /* LISTEN: sk_drops, SYNs and accepts the listener dropped */
	__u32 snd_wnd;         /* the window the peer last advertised: 0 while it reads nothing */
	__u32 rcv_tstamp;      /* jiffies (32 bits) of the last ACK received that was not old */
	/* Idle time before the first keepalive probe, jiffies: the socket's
	 * TCP_KEEPIDLE, else its namespace's tcp_keepalive_time. */
	__u32 keepalive_time;
	__u32 inode;           /* the socket's inode (sock_i_ino), 0 with no file */
	__u64 bytes_received;  /* tcp_sock counters, whole lifetime */
	__u64 bytes_sent;      /* payload sent once: bytes_sent - bytes_retrans */
	struct sc_sock_state st;
};

/*
 * What a one-shot reader (`snapshot --port/--pid`) wants from the walks it
 * makes: the sc_walk_filters map holds one per reading process, by tgid;
 * the iterator programs run in the reader's context, so each reader sees
 * only its own, and a reader without one (the daemon, `top`) walks
 * everything. The view filters again: a filter the programs did not apply
 * costs time, never correctness.
 */
#define SC_WALK_PID 0x1        /* the task and task_file iterators: only process pid */
#define SC_WALK_TCP_PORT 0x2   /* iter/tcp: only sockets with local port port */
#define SC_WALK_FILE_PORT 0x4  /* iter/task_file: only TCP sockets on port (see below) */
#define SC_WALK_COOKIES 0x8    /* iter/tcp: only listeners and sockets in sc_walk_cookies for this reader */

/* sc_walk_filters[reader tgid] */
struct sc_walk_filter {
	/*
	 * The reader's start time in clock ticks since boot (/proc/PID/stat
	 * field 22): a filter left by a reader that died applies to no later
	 * process that gets its pid.
	 */
	__u64 reader_start_ticks;
	__u32 flags;               /* SC_WALK_* */
	__u32 pid;
	__u32 port;
	/*
	 * SC_WALK_FILE_PORT also writes a process's first TCP socket in each
	 * network namespace, matching or not: the namespaces a walk enters are
	 * those where processes hold sockets. The task_file walk's position in
	 * that rule, written by that walk only.
	 */
	__u32 last_netns;
	__u32 last_tgid;
	__u32 pad;
	/* Written by the programs: what they walked but did not write. */
	__u64 skipped_established[2]; /* [0] IPv4, [1] IPv6: host.established stays whole */
	__u64 skipped_sockets;        /* iter/tcp */
	__u64 skipped_files;          /* iter/task_file */
};

/* sc_walk_cookies: the sockets a SC_WALK_COOKIES reader wants, by (cookie, reader tgid). */
/*
 * A sc_walk_cookie for a socket whose cookie the file walk could not read
 * (nothing had asked for one): its inode with this bit. Cookies count up
 * from 1 and never reach it.
 */
#define SC_WALK_INODE_KEY (1ull << 63)

struct sc_walk_cookie {
	__u64 cookie;
	__u32 reader_tgid;
	__u32 pad;
};

#define SC_WALK_READERS 1024
#define SC_WALK_COOKIES_MAX 65536

/* A kernel timestamp age userspace could not compute. */
#define SC_AGE_UNKNOWN 0xffffffffffffffffull

/* One per open file of every process, from iter/task_file. */
struct sc_file_record {
	__u32 tgid;
	__u32 tid;             /* the thread the fd table was reached through */
	/* TCP socket cookie, 0 for any other file, and for a TCP socket nothing
	 * asked one for yet (userspace fills it from the TCP walk, walk_join.h) */
	__u64 cookie;
	__u64 inode;           /* socket inode, 0 if not a TCP socket: marks one */
	__u32 fd;
	__u32 netns;           /* socket's network namespace, 0 if not a TCP socket */
};

#define SC_FDS_UNKNOWN 0xffffffffffffffffull

/* One per process (thread group leader), from iter/task. */
struct sc_task_record {
	__u32 tgid;
	__u32 netns;
	__u32 ppid;            /* the parent's tgid: services of one parent (services.h) */
	__u32 pad;
	__u64 nofile_cur;      /* RLIMIT_NOFILE soft limit */
	__u64 nofile_max;
	/* Open fds: the leader's table, or a thread's if the leader has exited;
	 * SC_FDS_UNKNOWN if none was found. */
	__u64 open_fds;
	char comm[SC_COMM_LEN];
};

/* sc_conn_record.kind */
#define SC_CONN_HEADER 1       /* first record of a walk: the clocks, no file */
#define SC_CONN_FILE 2         /* an open file that is not a TCP socket */
#define SC_CONN_TCP 3          /* a TCP socket */

/* sc_conn_record.flags */
#define SC_CONN_HAS_STATE 0x1  /* a storage record exists: the stamps below are valid */
#define SC_CONN_SAW_CALLS 0x2  /* the activity hook saw a send/receive call */
#define SC_CONN_HAS_TIMES 0x4  /* kernel_last is meaningful (connected states) */

/*
 * One per open file of every process, from the aggregate walk (iter/task_file).
 * Compact on purpose: the daemon and `top` read one per socket per refresh.
 * A header record leads: established_ns carries CLOCK_MONOTONIC now and
 * last_active_jiffies jiffies_64 now.
 */
struct sc_conn_record {
	__u32 tgid;
	__u32 netns;           /* the socket's network namespace inode */
	__u8 kind;             /* SC_CONN_* */
	__u8 state;            /* TCP_* */
	__u8 flags;
	__u8 pad;
	__u16 lport;           /* host byte order */
	__u16 rport;           /* host byte order */
	/* ESTABLISHED and others: queue memory; LISTEN: accept queue length */
	__u32 mem;
	/* Connected states: newest of tcp_sock lsndtime/lrcvtime (32-bit jiffies);
	 * LISTEN: accept queue limit */
	__u32 kernel_last;
	__u64 cookie;
	union {
		__u64 established_ns; /* when it was seen entering ESTABLISHED, 0 if not */
		__u64 listen_drops;   /* LISTEN: sk_drops, handshakes the listener dropped */
	};
	__u64 last_active_jiffies;
	/* The socket's inode: the file walk and the state walk meet on it. */
	__u32 inode;
	__u32 fd;              /* the holder's fd: a way into the socket's namespace */
};

/*
 * A TCP socket's watch state, from iter/tcp in one network namespace: the
 * part of a sc_conn_record the file walk cannot read. Newer kernels (6.18.44 here; earlier 6.18 builds did not)
 * mark the socket a file walk reaches (file -> socket -> sk) untrusted, and
 * the cookie and storage helpers refuse it, so the aggregate walk is two:
 * files by process (plain loads), then each namespace's sockets, where the
 * iterator's socket is one the helpers take; userspace joins them.
 */
struct sc_conn_state_record {
	__u64 cookie;
	__u64 established_ns;  /* as sc_conn_record; 0 for LISTEN */
	__u64 last_active_jiffies;
	__u32 netns;
	__u32 inode;
	/* Inode numbers wrap at 32 bits: the ports tell two sockets apart. */
	__u16 lport;
	__u16 rport;
	__u8 flags;            /* SC_CONN_HAS_STATE, SC_CONN_SAW_CALLS */
	__u8 pad[3];
};

/* A listener's holder, by (netns, inode), for a listener that has no owner yet. */
struct sc_holder_key {
	__u32 netns;
	__u32 inode;
};
#define SC_LISTEN_HOLDERS_MAX 16384

/*
 * The change ring: what happened to sockets since a reader last looked, so
 * a reader that keeps the last walk's records (`top`) can bring them up to
 * date without walking again. An mmap-able array of SC_CHANGE_SLOTS slots
 * and a head (struct sc_change_head): a writer takes sequence number s from the head and
 * fills slot s % SC_CHANGE_SLOTS, storing seq = s + 1 last. Any number of
 * readers each keep their own position; a slot whose seq is not theirs has
 * been overwritten (the reader fell behind and must walk) or is still being
 * written (read it next time).
 */
#define SC_CHANGE_SLOTS (1u << 16)

/* Index 0 of the head map: where writers are, and the readers' lease. */
struct sc_change_head {
	__u64 next_seq;        /* the sequence number the next writer takes */
	/*
	 * Changes are written while jiffies_64 is below this: a lease readers
	 * renew every refresh, so nothing is written once no reader is left.
	 * Kept here, not in sc_config, so renewing it never rewrites the config.
	 */
	__u64 until_jiffies;
	__u64 gap_jiffies;     /* a socket's calls are reported at most this often */
	/*
	 * Readers only: the lease of the reader that set gap_jiffies. A reader
	 * asking for a wider gap leaves a finer one standing until then, so
	 * the finest any live reader wants is in force (change_ring.c).
	 */
	__u64 gap_until_jiffies;
	__u64 pad[4];          /* a cache line of its own */
};

/* sc_change.kind */
#define SC_CHANGE_STATE 1      /* entered ESTABLISHED, LISTEN or CLOSE, or left ESTABLISHED */
#define SC_CHANGE_CALLS 2      /* sent or received payload */
#define SC_CHANGE_MEM 3        /* queue memory only: a send found the send queue full */

/*
 * Queue memory (mem) is reported by what the programs see: state changes,
 * calls (once per gap, with the queue as the call left it) and a send that
 * finds its queue full (EAGAIN: it carries no payload, so only once per gap
 * too). What changes it with no call is not hooked: an ACK draining a send
 * queue (no tracepoint follows ACK processing; tcp_probe runs before it) and
 * data arriving in a receive queue nobody reads (sk_data_ready fires per
 * arriving segment on the sender's CPU: measured at 70-200 ns net per
 * segment, and it made the receiver's own calls slower by pulling the
 * record's cache line across CPUs). A reader's copy of a socket's queue
 * memory is therefore as of the socket's last reported change: at most a
 * gap old while the socket keeps calling, else until its next call, state
 * change or the reader's next walk.
 */
struct sc_change {
	__u64 seq;             /* sequence number + 1 once the slot is complete */
	__u64 cookie;
	__u64 established_ns;  /* as sc_sock_state */
	__u64 last_active_jiffies;
	__u32 tgid;            /* sc_sock_state.owner_tgid, 0 if unknown */
	__u32 jiffies;         /* when, low 32 bits: the kernel's last-traffic stamp for CALLS */
	__u32 mem;             /* queue memory, as sc_conn_record; 0 for LISTEN */
	__u32 netns;           /* the socket's network namespace inode: ports are per namespace */
	__u16 lport;           /* host byte order */
	__u16 rport;
	__u8 kind;             /* SC_CHANGE_* */
	__u8 state;            /* TCP state after the change */
	__u8 flags;            /* SC_CONN_SAW_CALLS */
	__u8 pad;
	/* The socket's inode, 0 once orphaned: a walk's record of a socket that
	 * had no cookie then is filed under SC_WALK_INODE_KEY | inode, and takes
	 * the report's cookie. */
	__u32 inode;
	__u32 pad2;
};

#endif /* SOCKCOST_H */

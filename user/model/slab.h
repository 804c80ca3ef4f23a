/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_SLAB_H
#define SC_SLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * The fixed kernel memory of a TCP socket: the slab objects it pins. Sizes
 * come from /proc/slabinfo (objsize: the object as the allocator lays it
 * out, alignment included) or, where slabinfo does not name the cache
 * (merged into another cache of the same size, or slabinfo unreadable), from
 * the BTF size of the kernel type the cache holds.
 */
enum sc_slab_obj {
	SC_OBJ_TCP,          /* struct tcp_sock: an IPv4 TCP socket */
	SC_OBJ_TCPV6,        /* struct tcp6_sock */
	SC_OBJ_TW,           /* time-wait socket, IPv4 */
	SC_OBJ_TWV6,
	SC_OBJ_REQ,          /* request socket (SYN received), IPv4 */
	SC_OBJ_REQV6,
	SC_OBJ_SOCK_INODE,   /* struct socket_alloc: the socket and its inode */
	SC_OBJ_FILE,         /* struct file behind the fd */
	SC_OBJ_DENTRY,       /* the socket file's dentry */
	SC_OBJ_EPITEM,       /* an epoll registration */
	SC_OBJ_COUNT,
};

enum sc_size_source {
	SC_SIZE_UNKNOWN,
	SC_SIZE_SLABINFO,
	SC_SIZE_BTF,
};

struct sc_slab_size {
	__u32 bytes;
	enum sc_size_source source;
	bool merged;         /* the cache shares slabs with others (a SLUB alias) */
};

struct sc_slab_sizes {
	struct sc_slab_size obj[SC_OBJ_COUNT];
};

/* The slab cache and the BTF type behind each object. */
const char *sc_slab_cache_name(enum sc_slab_obj o);
const char *sc_slab_btf_type(enum sc_slab_obj o);
/* "tcp_sock", "file", ... as JSON keys and table labels. */
const char *sc_slab_obj_name(enum sc_slab_obj o);
const char *sc_size_source_name(enum sc_size_source s);

/* One line of /proc/slabinfo. */
struct sc_slabinfo_row {
	char name[64];
	__u64 active_objs;
	__u64 num_objs;
	__u32 objsize;
	__u32 objperslab;
	__u32 pagesperslab;
};

/* Parses a data line; -1 for the version and header lines or malformed text. */
int sc_slabinfo_parse_line(const char *line, struct sc_slabinfo_row *row);

/*
 * Fills the sizes of every object whose cache slabinfo text (the whole
 * file) names; others are left as they were. Returns -1 if the text is not
 * slabinfo version 2.x, else how many objects it sized.
 */
int sc_slab_sizes_from_slabinfo(struct sc_slab_sizes *s, const char *text);

/* Sums active_objs * objsize over the given caches (the kernel's own accounting). */
__u64 sc_slabinfo_active_bytes(const char *text, const char *const *caches, size_t ncaches);

/* What the socket's state and holding say it pins. */
struct sc_socket_shape {
	__u16 family;        /* AF_INET or AF_INET6 */
	__u8 state;          /* TCP_* */
	bool has_file;       /* a process holds it through an fd */
	bool epoll;          /* some epoll set watches it */
};

/* Fixed bytes of one socket: its sock object, plus inode, file, dentry and epitem as held. */
__u64 sc_slab_socket_fixed(const struct sc_slab_sizes *s, const struct sc_socket_shape *shape);

#endif /* SC_SLAB_H */

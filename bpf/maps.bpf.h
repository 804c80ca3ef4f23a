/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Maps shared by every program. Each .bpf.c file includes this header;
 * the definitions are weak so that `bpftool gen object` links them into
 * one map each.
 */
#ifndef SOCKCOST_MAPS_BPF_H
#define SOCKCOST_MAPS_BPF_H

#include "sockcost.h"

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	/* Cloned: a listener's record (its owner) passes to the sockets it accepts. */
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct sc_sock_state);
} sc_sock_states SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sc_config);
} sc_config SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sc_counters);
} sc_counters SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SC_CHANGE_SLOTS);
	__type(key, __u32);
	__type(value, struct sc_change);
} sc_changes SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sc_change_head);
} sc_change_head SEC(".maps") __weak;

/* Written by sockcostd from userspace; here so it is created and pinned with the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SC_ESTIMATES_MAX);
	__type(key, __u32);
	__type(value, struct sc_estimate);
} sc_estimates SEC(".maps") __weak;

/* Filters of one-shot readers (sockcost.h, struct sc_walk_filter); written from userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SC_WALK_READERS);
	__type(key, __u32);
	__type(value, struct sc_walk_filter);
} sc_walk_filters SEC(".maps") __weak;

/* Allocated only while a reader filters by process: empty otherwise. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SC_WALK_COOKIES_MAX);
	__type(key, struct sc_walk_cookie);
	__type(value, __u8);
} sc_walk_cookies SEC(".maps") __weak;

/*
 * Listeners' holders, written by the file walk (sc_iter_conn) and taken by
 * the state walk (sc_iter_conn_state) for a listener with no owner yet (one
 * from before sockcost): the sockets it accepts inherit its owner. LRU: an
 * entry no state walk takes (a namespace not walked) ages out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SC_LISTEN_HOLDERS_MAX);
	__type(key, struct sc_holder_key);
	__type(value, __u32);
} sc_listen_holders SEC(".maps") __weak;

static __always_inline struct sc_counters *sc_counters_this_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sc_counters, &zero);
}

static __always_inline void sc_count_storage_failure(void)
{
	struct sc_counters *c = sc_counters_this_cpu();

	if (c)
		c->storage_failed++;
}

#endif /* SOCKCOST_MAPS_BPF_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_ITER_READ_H
#define SC_ITER_READ_H

#include <stddef.h>

/* A growable array of fixed-size records read from a BPF iterator. */
struct sc_records {
	void *data;
	size_t count;     /* records */
	size_t rec_size;
	size_t cap_bytes;
};

/*
 * Creates an iterator instance from link_fd (in the caller's current network
 * namespace, for iter/tcp) and appends every record it yields to recs.
 * Returns 0 or a negative errno.
 */
int sc_iter_read(int link_fd, struct sc_records *recs);

/* The same, calling between(ctx) after each chunk: a walk of a million sockets takes seconds. */
int sc_iter_read_with(int link_fd, struct sc_records *recs, void (*between)(void *ctx),
		      void *ctx);
/*
 * Only the first record (size bytes) an iterator yields: the instance is
 * closed before it walks on. Returns 0, -EPROTO if less came, or a negative errno.
 */
int sc_iter_read_first(int link_fd, void *rec, size_t size);
/*
 * Calls each(ctx, rec) for every record (rec_size bytes) an iterator yields,
 * holding one chunk at a time: for passes that keep only counts. Returns 0,
 * -EPROTO if a partial record was left, or a negative errno.
 */
int sc_iter_stream(int link_fd, size_t rec_size, void (*each)(void *ctx, const void *rec),
		   void *ctx);
void sc_records_free(struct sc_records *recs);

#endif /* SC_ITER_READ_H */

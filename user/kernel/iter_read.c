// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "big_alloc.h"
#include "iter_read.h"

#define ITER_CHUNK (256 * 1024)

static int reserve(struct sc_records *recs, size_t used, size_t more)
{
	size_t cap = recs->cap_bytes ? recs->cap_bytes : 4 * ITER_CHUNK;
	void *p;

	if (used + more <= recs->cap_bytes)
		return 0;
	while (cap < used + more)
		cap *= 2;
	p = sc_big_realloc(recs->data, cap);
	if (!p)
		return -ENOMEM;
	recs->data = p;
	recs->cap_bytes = cap;
	return 0;
}

int sc_iter_read(int link_fd, struct sc_records *recs)
{
	return sc_iter_read_with(link_fd, recs, NULL, NULL);
}

int sc_iter_read_with(int link_fd, struct sc_records *recs, void (*between)(void *ctx),
		      void *ctx)
{
	size_t used = recs->count * recs->rec_size;
	int fd, err = 0;
	ssize_t n;

	fd = bpf_iter_create(link_fd);
	if (fd < 0)
		return -errno;
	for (;;) {
		err = reserve(recs, used, ITER_CHUNK);
		if (err)
			break;
		n = read(fd, (char *)recs->data + used, ITER_CHUNK);
		if (n < 0) {
			/* EAGAIN: a million objects passed without output; read on. */
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (between)
			between(ctx);
	}
	close(fd);
	/* Records are written whole; a partial one means a layout mismatch. */
	if (!err && used % recs->rec_size)
		err = -EPROTO;
	recs->count = used / recs->rec_size;
	return err;
}

int sc_iter_read_first(int link_fd, void *rec, size_t size)
{
	int fd = bpf_iter_create(link_fd), err = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = read(fd, rec, size);
	while (n < 0 && (errno == EINTR || errno == EAGAIN));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != size)
		err = -EPROTO;
	close(fd);
	return err;
}

int sc_iter_stream(int link_fd, size_t rec_size, void (*each)(void *ctx, const void *rec),
		   void *ctx)
{
	size_t cap = ITER_CHUNK - ITER_CHUNK % rec_size, have = 0, i;
	char *buf = malloc(cap);
	int fd, err = 0;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	fd = bpf_iter_create(link_fd);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (;;) {
		n = read(fd, buf + have, cap - have);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		for (i = 0; i + rec_size <= have; i += rec_size)
			each(ctx, buf + i);
		/* Records come whole, but keep a tail rather than trust it. */
		memmove(buf, buf + i, have - i);
		have -= i;
	}
	close(fd);
	free(buf);
	return err ?: (have ? -EPROTO : 0);
}

void sc_records_free(struct sc_records *recs)
{
	free(recs->data);
	recs->data = NULL;
	recs->count = 0;
	recs->cap_bytes = 0;
}

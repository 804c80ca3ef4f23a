// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* fopencookie, CPU_COUNT */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "force.h"
#include "json_items.h"

/*
 * Items a block: a hand-over per block costs a few microseconds, and a
 * block's text (about 1.3 MB of sockets) is memory written once and reused.
 */
#define BLOCK 2048
/* Fewer items than this are written by one thread: not worth a thread. */
#define PARALLEL_FROM (4 * BLOCK)

/* A growing buffer behind a FILE: the second thread's blocks. */
struct sink {
	char *buf;
	size_t len, cap;
	bool failed;               /* out of memory: the block is written again by the first */
	bool fail;                 /* SOCKCOST_TEST_FORCE=json-sink: every block fails so */
};

static ssize_t sink_write(void *cookie, const char *p, size_t n)
{
	struct sink *s = cookie;
	size_t cap = s->cap ? s->cap : 1 << 20;
	char *grown;

	if (s->failed)
		return (ssize_t)n;
	if (s->fail) {
		s->failed = true;
		return (ssize_t)n;
	}
	while (cap < s->len + n)
		cap *= 2;
	if (cap != s->cap) {
		grown = realloc(s->buf, cap);
		if (!grown) {
			s->failed = true;
			return (ssize_t)n;
		}
		s->buf = grown;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return (ssize_t)n;
}

struct second {
	struct jw w;               /* 64 KB of buffer: not on a stack */
	struct sink sink;
	FILE *out;
	size_t n;
	sc_jw_item_fn item;
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool ready;                /* a block written, not yet taken */
};

/* Block b's items, until *stop if given. */
static void items(struct jw *w, size_t block, size_t n, sc_jw_item_fn item, void *ctx,
		  const bool *stop)
{
	size_t i, end = (block + 1) * BLOCK < n ? (block + 1) * BLOCK : n;

	for (i = block * BLOCK; i < end && !(stop && *stop); i++)
		item(w, i, ctx);
}

/* The odd blocks, each once the first thread has taken the one before. */
static void *second_thread(void *arg)
{
	struct second *s = arg;
	size_t b;

	for (b = 1; b * BLOCK < s->n; b += 2) {
		pthread_mutex_lock(&s->lock);
		while (s->ready)
			pthread_cond_wait(&s->cond, &s->lock);
		pthread_mutex_unlock(&s->lock);
		s->sink.len = 0;
		s->sink.failed = false;
		jw_init_continuing(&s->w, s->out);
		/* Out of memory, the block is the first thread's to write: no use going on. */
		items(&s->w, b, s->n, s->item, s->ctx, &s->sink.failed);
		jw_flush(&s->w);
		fflush(s->out);
		pthread_mutex_lock(&s->lock);
		s->ready = true;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

/* Block b from the second thread (true), or written here if it ran out of memory. */
static bool take(struct second *s, struct jw *w, size_t b)
{
	bool taken;

	pthread_mutex_lock(&s->lock);
	while (!s->ready)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	taken = !s->sink.failed;
	if (taken)
		jw_raw_values(w, s->sink.buf, s->sink.len);
	else
		items(w, b, s->n, s->item, s->ctx, NULL);
	pthread_mutex_lock(&s->lock);
	s->ready = false;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return taken;
}

/* Whether this thread may run on two CPUs: on one, a second thread only adds hand-overs. */
static bool two_cpus(void)
{
	cpu_set_t set;

	return !sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) >= 2;
}

static struct second *second_start(size_t n, sc_jw_item_fn item, void *ctx, pthread_t *thread)
{
	cookie_io_functions_t io = { .write = sink_write };
	struct second *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->n = n;
	s->item = item;
	s->ctx = ctx;
	s->sink.fail = sc_forced("json-sink");
	s->out = fopencookie(&s->sink, "w", io);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	/* The writer's 64 KB buffer is enough: no second copy in stdio's. */
	if (s->out && !setvbuf(s->out, NULL, _IONBF, 0) &&
	    !pthread_create(thread, NULL, second_thread, s))
		return s;
	if (s->out)
		fclose(s->out);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
	return NULL;
}

static void second_free(struct second *s)
{
	fclose(s->out);
	free(s->sink.buf);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}

size_t sc_jw_write_items(struct jw *w, size_t n, sc_jw_item_fn item, void *ctx)
{
	struct second *s = NULL;
	size_t b, taken = 0;
	pthread_t thread;

	if (n >= PARALLEL_FROM && two_cpus())
		s = second_start(n, item, ctx, &thread);
	for (b = 0; b * BLOCK < n; b++) {
		if (s && b % 2)
			taken += take(s, w, b);
		else
			items(w, b, n, item, ctx, NULL);
	}
	if (s) {
		pthread_join(thread, NULL);
		second_free(s);
	}
	return taken;
}

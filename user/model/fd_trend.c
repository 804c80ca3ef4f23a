// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common.h"
#include "fd_trend.h"

#define MAX_PAIRS (SC_FD_TREND_SAMPLES * (SC_FD_TREND_SAMPLES - 1) / 2)
/* One-sided 1% point of the standard normal: Mann-Kendall's threshold. */
#define MK_Z 2.326

void sc_fd_trends_init(struct sc_fd_trends *t, double window_s)
{
	memset(t, 0, sizeof(*t));
	t->window_ns = (__u64)(window_s * 1e9);
}

void sc_fd_trends_free(struct sc_fd_trends *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->e[i].s);
	free(t->e);
	t->e = NULL;
	t->n = t->sorted = t->cap = 0;
}

static int cmp_key(__u32 pid, __u64 start, const struct sc_fd_trend *e)
{
	return CMP(pid, e->pid) ?: CMP(start, e->start_ticks);
}

static struct sc_fd_trend *find(const struct sc_fd_trends *t, __u32 pid, __u64 start)
{
	size_t lo = 0, hi = t->sorted, i;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = cmp_key(pid, start, &t->e[mid]);

		if (!c)
			return &t->e[mid];
		if (c > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Added since the last sort: a short tail. */
	for (i = t->sorted; i < t->n; i++)
		if (!cmp_key(pid, start, &t->e[i]))
			return &t->e[i];
	return NULL;
}

const struct sc_fd_trend *sc_fd_trends_find(const struct sc_fd_trends *t, __u32 pid,
					    __u64 start_ticks)
{
	return find(t, pid, start_ticks);
}

static struct sc_fd_trend *add_entry(struct sc_fd_trends *t, __u32 pid, __u64 start)
{
	struct sc_fd_trend *e;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		void *p = realloc(t->e, cap * sizeof(*t->e));

		if (!p)
			return NULL;
		t->e = p;
		t->cap = cap;
	}
	e = &t->e[t->n];
	memset(e, 0, sizeof(*e));
	e->s = malloc(SC_FD_TREND_SAMPLES * sizeof(*e->s));
	if (!e->s)
		return NULL;
	e->pid = pid;
	e->start_ticks = start;
	t->n++;
	return e;
}

static void drop_oldest(struct sc_fd_trend *e, size_t k)
{
	memmove(e->s, e->s + k, (e->n - k) * sizeof(*e->s));
	e->n -= k;
}

int sc_fd_trends_add(struct sc_fd_trends *t, __u32 pid, __u64 start_ticks, __u64 t_ns,
		     __u64 fds, __u64 fd_limit)
{
	struct sc_fd_trend *e = find(t, pid, start_ticks);
	__u64 min_gap = t->window_ns / (SC_FD_TREND_SAMPLES - 1);
	size_t old = 0;

	if (!e && !(e = add_entry(t, pid, start_ticks)))
		return -ENOMEM;
	e->fresh = true;
	e->fd_limit = fd_limit;
	if (e->n && t_ns < e->s[e->n - 1].t_ns)
		e->n = 0;
	while (old < e->n && t_ns - e->s[old].t_ns > t->window_ns)
		old++;
	drop_oldest(e, old);
	/* The newest sample stands in for its stretch until the next is min_gap on. */
	if (e->n >= 2 && e->s[e->n - 1].t_ns - e->s[e->n - 2].t_ns < min_gap) {
		e->s[e->n - 1] = (struct sc_fd_sample){ t_ns, fds };
		return 0;
	}
	if (e->n == SC_FD_TREND_SAMPLES)
		drop_oldest(e, 1);
	e->s[e->n++] = (struct sc_fd_sample){ t_ns, fds };
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct sc_fd_trend *x = a, *y = b;

	return cmp_key(x->pid, x->start_ticks, y);
}

static void sort_keeping(struct sc_fd_trends *t, bool keep_unseen)
{
	size_t i, k = 0;

	for (i = 0; i < t->n; i++) {
		if (!t->e[i].fresh && !keep_unseen) {
			free(t->e[i].s);
			continue;
		}
		t->e[k] = t->e[i];
		t->e[k++].fresh = false;
	}
	t->n = t->sorted = k;
	qsort(t->e, t->n, sizeof(*t->e), cmp_entry);
}

void sc_fd_trends_sweep(struct sc_fd_trends *t)
{
	sort_keeping(t, false);
}

void sc_fd_trends_sort(struct sc_fd_trends *t)
{
	sort_keeping(t, true);
}

static void swap(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/*
 * The k-th smallest of v[0..n) (reorders v): selection with a three-way
 * partition, O(n) on average, and ties (integer counts give many) settle
 * in one pass.
 */
static double select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		double pivot = v[lo + (hi - lo) / 2];
		size_t lt = lo, i = lo, gt = hi;

		/* [lo, lt) < pivot, [lt, i) == pivot, [gt, hi) > pivot */
		while (i < gt) {
			if (v[i] < pivot)
				swap(&v[lt++], &v[i++]);
			else if (v[i] > pivot)
				swap(&v[i], &v[--gt]);
			else
				i++;
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return pivot;
	}
	return v[lo];
}

struct slope {
	double median;            /* fds per second */
	size_t rising, falling;   /* pairs, for Mann-Kendall */
};

/* Theil-Sen over s[0..n): the median slope of all pairs. */
static struct slope theil_sen(const struct sc_fd_sample *s, size_t n)
{
	static __thread double slopes[MAX_PAIRS];
	struct slope r = {};
	size_t i, j, m = 0;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			double d = (double)s[j].fds - (double)s[i].fds;

			if (s[j].t_ns <= s[i].t_ns)
				continue;
			r.rising += d > 0;
			r.falling += d < 0;
			slopes[m++] = d * 1e9 / (double)(s[j].t_ns - s[i].t_ns);
		}
	if (!m)
		return r;
	r.median = select_kth(slopes, m, m / 2);
	/* An even count: the mean of the two middle slopes. */
	if (!(m % 2))
		r.median = (r.median + select_kth(slopes, m, m / 2 - 1)) / 2;
	return r;
}

/* Rising pairs outnumber falling ones beyond chance (Mann-Kendall, ties ignored: conservative). */
static bool mann_kendall_rising(const struct slope *sl, size_t n)
{
	double s = (double)sl->rising - (double)sl->falling;
	double var = (double)n * (double)(n - 1) * (double)(2 * n + 5) / 18.0;

	return s > 0 && (s - 1) / sqrt(var) >= MK_Z;
}

bool sc_fd_trend_eta(const struct sc_fd_trend *tr, struct sc_fd_eta *e)
{
	const struct sc_fd_sample *s;
	struct slope all, older, newer;
	size_t n, i;
	bool flat = true;

	*e = (struct sc_fd_eta){ .why = SC_FD_ETA_NOT_WATCHED };
	if (!tr || !tr->n)
		return false;
	s = tr->s;
	n = tr->n;
	e->samples = n;
	e->fds = s[n - 1].fds;
	e->fd_limit = tr->fd_limit;
	e->span_s = (double)(s[n - 1].t_ns - s[0].t_ns) / 1e9;
	if (!tr->fd_limit || tr->fd_limit == RLIM_INFINITY) {
		e->why = SC_FD_ETA_UNLIMITED;
		return false;
	}
	if (e->fds >= tr->fd_limit) {
		e->why = SC_FD_ETA_AT_LIMIT;
		return true;
	}
	if (n < SC_FD_TREND_MIN_SAMPLES) {
		e->why = SC_FD_ETA_FEW_SAMPLES;
		return false;
	}
	if (e->span_s < SC_FD_TREND_MIN_SPAN_S) {
		e->why = SC_FD_ETA_SHORT_SPAN;
		return false;
	}
	e->why = SC_FD_ETA_NOT_GROWING;
	/* Most processes hold a steady count: no pairs to weigh. */
	for (i = 1; i < n && flat; i++)
		flat = s[i].fds == s[0].fds;
	if (flat)
		return false;
	all = theil_sen(s, n);
	e->rate_per_s = all.median;
	if (all.median <= 0 || !mann_kendall_rising(&all, n))
		return false;
	/* Each half of the window on its own (they share the middle sample when n is odd). */
	older = theil_sen(s, (n + 1) / 2);
	newer = theil_sen(s + n / 2, n - n / 2);
	if (older.median <= 0 || newer.median <= 0)
		return false;
	e->why = SC_FD_ETA_OK;
	e->eta_s = (double)(tr->fd_limit - e->fds) / all.median;
	return true;
}

const char *sc_fd_eta_why_text(const struct sc_fd_eta *e, char *buf, size_t len)
{
	switch (e->why) {
	case SC_FD_ETA_OK:
		snprintf(buf, len, "growing %.2f fds/s", e->rate_per_s);
		break;
	case SC_FD_ETA_AT_LIMIT:
		snprintf(buf, len, "at its fd limit");
		break;
	case SC_FD_ETA_NOT_WATCHED:
		snprintf(buf, len, "not watched over time");
		break;
	case SC_FD_ETA_UNLIMITED:
		snprintf(buf, len, "no fd limit");
		break;
	case SC_FD_ETA_FEW_SAMPLES:
		snprintf(buf, len, "%zu samples, needs %d", e->samples, SC_FD_TREND_MIN_SAMPLES);
		break;
	case SC_FD_ETA_SHORT_SPAN:
		snprintf(buf, len, "watched %.0fs, needs %ds", floor(e->span_s),
			 SC_FD_TREND_MIN_SPAN_S);
		break;
	case SC_FD_ETA_NOT_GROWING:
		snprintf(buf, len, "fds not growing");
		break;
	}
	return buf;
}

bool sc_fd_eta_sooner(const struct sc_fd_eta *a, const struct sc_fd_eta *b)
{
	bool ta = a->why == SC_FD_ETA_OK || a->why == SC_FD_ETA_AT_LIMIT;
	bool tb = b->why == SC_FD_ETA_OK || b->why == SC_FD_ETA_AT_LIMIT;

	if (ta != tb)
		return ta;
	return ta && a->eta_s < b->eta_s;
}

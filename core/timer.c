/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-worker timers (prefix: sc_timer, timer_).
 *
 * A binary min-heap of timer pointers. Each timer remembers its slot, so
 * cancelling and re-arming are O(log n) without searching. The heap lives in
 * the process's own heap: timers are never shared between processes.
 */
#include <stdlib.h>
#include <time.h>

#include <sipcore/log.h>
#include <sipcore/timer.h>

#include "timer_int.h"

static struct sc_timer **heap;
static unsigned heap_len, heap_cap;

uint64_t sc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void sc_timer_init(struct sc_timer *t, sc_timer_cb cb, void *arg)
{
	t->expires = 0;
	t->cb = cb;
	t->arg = arg;
	t->idx = 0;
}

static void heap_set(unsigned i, struct sc_timer *t)
{
	heap[i] = t;
	t->idx = i + 1;
}

static void sift_up(unsigned i)
{
	struct sc_timer *t = heap[i];

	while (i > 0) {
		unsigned parent = (i - 1) / 2;

		if (heap[parent]->expires <= t->expires)
			break;
		heap_set(i, heap[parent]);
		i = parent;
	}
	heap_set(i, t);
}

static void sift_down(unsigned i)
{
	struct sc_timer *t = heap[i];

	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i;
		uint64_t best = t->expires;

		if (l < heap_len && heap[l]->expires < best) {
			m = l;
			best = heap[l]->expires;
		}
		if (r < heap_len && heap[r]->expires < best)
			m = r;
		if (m == i)
			break;
		heap_set(i, heap[m]);
		i = m;
	}
	heap_set(i, t);
}

static int heap_grow(void)
{
	unsigned ncap = heap_cap ? heap_cap * 2 : 256;
	struct sc_timer **n = realloc(heap, ncap * sizeof(*n));

	if (!n) {
		SC_ERR("timer: cannot grow the heap to %u entries", ncap);
		return -1;
	}
	heap = n;
	heap_cap = ncap;
	return 0;
}

int sc_timer_add(struct sc_timer *t, uint64_t ms)
{
	uint64_t exp = sc_now_ms() + ms;

	if (t->idx) {
		unsigned i = t->idx - 1;
		uint64_t old = t->expires;

		t->expires = exp;
		if (exp < old)
			sift_up(i);
		else
			sift_down(i);
		return 0;
	}
	if (heap_len == heap_cap && heap_grow() < 0)
		return -1;
	t->expires = exp;
	heap[heap_len] = t;
	t->idx = ++heap_len;
	sift_up(heap_len - 1);
	return 0;
}

void sc_timer_del(struct sc_timer *t)
{
	unsigned i;
	struct sc_timer *last;

	if (!t->idx)
		return;
	i = t->idx - 1;
	t->idx = 0;
	last = heap[--heap_len];
	if (i == heap_len)
		return;
	heap_set(i, last);
	if (i > 0 && heap[(i - 1) / 2]->expires > last->expires)
		sift_up(i);
	else
		sift_down(i);
}

int timer_next_ms(int cap)
{
	uint64_t now;

	if (!heap_len)
		return cap;
	now = sc_now_ms();
	if (heap[0]->expires <= now)
		return 0;
	if (heap[0]->expires - now > (uint64_t)cap)
		return cap;
	return (int)(heap[0]->expires - now);
}

unsigned timer_run(void)
{
	uint64_t now = sc_now_ms();
	unsigned n = 0;

	while (heap_len && heap[0]->expires <= now) {
		struct sc_timer *t = heap[0];

		sc_timer_del(t);
		n++;
		t->cb(t, t->arg);
	}
	return n;
}

unsigned timer_count(void)
{
	return heap_len;
}

void timer_reset(void)
{
	/* the timers themselves may be gone (a forked child's copies of its
	 * parent's state): forget them without touching them */
	heap_len = 0;
}

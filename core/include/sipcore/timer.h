/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * Per-worker timers (prefix: sc_timer).
 *
 * A timer belongs to the event loop of the process that armed it. Insert and
 * cancel are O(log n) (a binary min-heap that keeps each timer's index), so
 * tens of thousands of connection timers cost little. Callbacks run from the
 * event loop, never from a signal handler.
 */
#ifndef SIPCORE_TIMER_H
#define SIPCORE_TIMER_H

#include "export.h"

#include <stdint.h>

struct sc_timer;
typedef void (*sc_timer_cb)(struct sc_timer *t, void *arg);

struct sc_timer {
	uint64_t expires;  /**< monotonic ms */
	sc_timer_cb cb;
	void *arg;
	unsigned idx;      /**< heap slot + 1, 0 when not armed */
};

/** Monotonic clock in milliseconds. */
SC_PUBLIC
uint64_t sc_now_ms(void);

SC_PUBLIC
void sc_timer_init(struct sc_timer *t, sc_timer_cb cb, void *arg);
/** Arm (or re-arm) @t to fire @ms from now. Returns 0 or -1 (no memory). */
SC_PUBLIC
int sc_timer_add(struct sc_timer *t, uint64_t ms);
/** Cancel; a timer that is not armed is left alone. */
SC_PUBLIC
void sc_timer_del(struct sc_timer *t);
static inline int sc_timer_armed(const struct sc_timer *t)
{
	return t->idx != 0;
}

#endif

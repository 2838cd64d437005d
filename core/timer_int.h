/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Core side of the timers (prefix: timer_). */
#ifndef SC_TIMER_INT_H
#define SC_TIMER_INT_H

/** Milliseconds until the next timer, at most @cap (for epoll_wait). */
int timer_next_ms(int cap);
/** Run every expired timer; returns how many ran. */
unsigned timer_run(void);
/** Armed timers. */
unsigned timer_count(void);
/** Forget every timer without touching it (a forked child starts clean;
 *  their idx fields are stale and must not be used again). */
void timer_reset(void);

#endif

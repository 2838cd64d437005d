/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-process epoll loop (prefix: loop_). */
#ifndef SC_LOOP_H
#define SC_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct loop_fd;
typedef void (*loop_cb)(struct loop_fd *lf, uint32_t events);

struct loop_fd {
	int fd;
	uint32_t events;   /**< what is registered now */
	loop_cb cb;
};

int loop_init(void);
int loop_add(struct loop_fd *lf, int fd, uint32_t events, loop_cb cb);
/** Change the events; a no-op when they are the same. */
int loop_mod(struct loop_fd *lf, uint32_t events);
void loop_del(struct loop_fd *lf);

/**
 * Run until *stop becomes non-zero: wait for events (at most until the next
 * timer, or not at all while @busy() says there is buffered work), dispatch
 * them, run expired timers, then @busy() again.
 */
void loop_run(volatile int *stop, int (*busy)(void));

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-process epoll loop (prefix: loop_).
 *
 * Level-triggered: a handler that leaves data unread is called again, so no
 * event is lost when a handler stops early to be fair to others. Data that
 * a transport holds decrypted in its own buffers is not announced by the
 * socket: the busy() hook runs it, and makes the next wait non-blocking.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sipcore/log.h>

#include "loop.h"
#include "timer_int.h"

#define LOOP_MAX_EVENTS 256
#define LOOP_MAX_WAIT_MS 1000

static int epfd = -1;

int loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		SC_ERR("epoll_create1 failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int loop_add(struct loop_fd *lf, int fd, uint32_t events, loop_cb cb)
{
	struct epoll_event ev = { .events = events, .data.ptr = lf };

	lf->fd = fd;
	lf->cb = cb;
	lf->events = events;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		SC_ERR("epoll_ctl(ADD, fd %d) failed: %s", fd, strerror(errno));
		return -1;
	}
	return 0;
}

int loop_mod(struct loop_fd *lf, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = lf };

	if (lf->events == events)
		return 0;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, lf->fd, &ev) < 0) {
		SC_ERR("epoll_ctl(MOD, fd %d) failed: %s", lf->fd,
		       strerror(errno));
		return -1;
	}
	lf->events = events;
	return 0;
}

void loop_del(struct loop_fd *lf)
{
	if (lf->fd < 0)
		return;
	if (epoll_ctl(epfd, EPOLL_CTL_DEL, lf->fd, NULL) < 0 && errno != EBADF)
		SC_DBG("epoll_ctl(DEL, fd %d) failed: %s", lf->fd,
		       strerror(errno));
	lf->events = 0;
}

void loop_run(volatile int *stop, int (*busy)(void))
{
	struct epoll_event evs[LOOP_MAX_EVENTS];

	while (!*stop) {
		int tmo = timer_next_ms(LOOP_MAX_WAIT_MS);
		int n, i;

		if (busy && busy())
			tmo = 0;
		n = epoll_wait(epfd, evs, LOOP_MAX_EVENTS, tmo);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			SC_CRIT("epoll_wait failed: %s", strerror(errno));
			return;
		}
		for (i = 0; i < n; i++) {
			struct loop_fd *lf = evs[i].data.ptr;

			lf->cb(lf, evs[i].events);
		}
		timer_run();
	}
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Listeners (prefix: listen_, sc_listener).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <sipcore/log.h>
#include <sipcore/module.h>
#include <sipcore/timer.h>
#include <sipcore/transport.h>

#include "core.h"
#include "listen.h"
#include "loop.h"
#include "transport_int.h"

#define LISTEN_BACKLOG 1024
#define UDP_BUF_SIZE 65536
#define ACCEPTS_PER_EVENT 64
#define DGRAMS_PER_EVENT 64

struct listen_full {
	struct sc_listener l;
	int *fds;          /* one per rank, index 1..children */
	int nfds;
	struct loop_fd lf; /* this worker's socket */
	int my_fd;
	struct sc_timer pause; /* accept paused after EMFILE and friends */
	const char *file;
	int line;
};

static struct sc_listener *listeners;
static struct sc_listener **listeners_tail = &listeners;

static const struct listen_handler *listen_handler;

void listen_set_handler(const struct listen_handler *h)
{
	listen_handler = h;
}

struct sc_listener *sc_listeners(void)
{
	return listeners;
}

static struct listen_full *lfull(struct sc_listener *l)
{
	return (struct listen_full *)l;
}

const struct sc_listener *listen_find(enum sc_proto proto, int family)
{
	const struct sc_listener *l;

	for (l = listeners; l; l = l->next)
		if (l->proto == proto &&
		    (!family || l->addr.ss_family == family))
			return l;
	return NULL;
}

int listen_udp_fd(const struct sc_listener *l)
{
	const struct listen_full *f = (const struct listen_full *)l;

	return l && l->proto == SC_PROTO_UDP ? f->my_fd : -1;
}

int listen_is_ours(const struct sockaddr *sa)
{
	const struct sc_listener *l;

	for (l = listeners; l; l = l->next)
		if (sc_addr_equal((const struct sockaddr *)&l->addr, sa))
			return 1;
	return 0;
}

int listen_setup(const struct cfg_listen *cl, char *err, size_t errlen)
{
	for (; cl; cl = cl->next) {
		const struct sc_transport_ops *ops = NULL;
		struct listen_full *f;
		struct sc_listener *l;
		unsigned short port = cl->port;
		enum sc_proto proto = transport_proto_of(cl->proto);

		if (proto != SC_PROTO_UDP) {
			ops = sc_transport_find(cl->proto);
			if (!ops && transport_disabled(cl->proto)) {
				char a[SC_ADDR_STRLEN] = "";

				if (cl->port)
					snprintf(a, sizeof(a), ":%u",
						 cl->port);
				SC_INFO("%s:%d: disable_%s=1: not listening "
					"on %s:%s%s%s%s", cl->file, cl->line,
					cl->proto, cl->proto,
					strchr(cl->host, ':') ? "[" : "",
					cl->host,
					strchr(cl->host, ':') ? "]" : "", a);
				continue;
			}
			if (!ops) {
				snprintf(err, errlen, "%s:%d: listen: no '%s' "
					 "transport is registered (built in: "
					 "udp, tcp; load the module that "
					 "provides '%s' with loadmodule)",
					 cl->file, cl->line, cl->proto,
					 cl->proto);
				return -1;
			}
			if (!port)
				port = ops->default_port;
		}
		if (!port)
			port = 5060;
		f = calloc(1, sizeof(*f));
		if (!f) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		l = &f->l;
		f->file = cl->file;
		f->line = cl->line;
		f->my_fd = -1;
		l->proto = proto;
		l->ops = ops;
		l->proto_name = ops ? ops->name : "udp";
		l->port = port;
		snprintf(l->host, sizeof(l->host), "%s", cl->host);
		if (sc_addr_from_ip(cl->host, port, &l->addr,
				    &l->addrlen) < 0) {
			snprintf(err, errlen, "%s:%d: listen: bad address '%s'",
				 cl->file, cl->line, cl->host);
			free(f);
			return -1;
		}
		snprintf(l->name, sizeof(l->name), "%s:", l->proto_name);
		sc_addr_str((struct sockaddr *)&l->addr,
			    l->name + strlen(l->name),
			    sizeof(l->name) - strlen(l->name));
		*listeners_tail = l;
		listeners_tail = &l->next;
	}
	return 0;
}

int listen_transport_init(char *err, size_t errlen)
{
	struct sc_listener *l;

	for (l = listeners; l; l = l->next) {
		if (!l->ops || !l->ops->listener_init)
			continue;
		if (l->ops->listener_init(l) != 0) {
			snprintf(err, errlen, "%s:%d: listen=%s: the %s "
				 "transport refused this listener (see above)",
				 lfull(l)->file, lfull(l)->line, l->name,
				 l->proto_name);
			return -1;
		}
	}
	return 0;
}

static int listen_socket(struct sc_listener *l, char *err, size_t errlen)
{
	int type = l->proto == SC_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	int fd, one = 1;

	fd = socket(l->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto fail;
	if (l->addr.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&l->addr, l->addrlen) < 0)
		goto fail;
	if (type == SOCK_STREAM && listen(fd, LISTEN_BACKLOG) < 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "%s:%d: listen=%s: %s", lfull(l)->file,
		 lfull(l)->line, l->name, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int listen_open(int children, char *err, size_t errlen)
{
	struct sc_listener *l;
	int r;

	for (l = listeners; l; l = l->next) {
		struct listen_full *f = lfull(l);

		f->fds = calloc((size_t)children + 1, sizeof(int));
		if (!f->fds) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		f->nfds = children + 1;
		f->fds[0] = -1;
		for (r = 1; r <= children; r++) {
			f->fds[r] = listen_socket(l, err, errlen);
			if (f->fds[r] < 0)
				return -1;
		}
		SC_NOTICE("listening on %s", l->name);
	}
	return 0;
}

static void listen_udp_event(struct loop_fd *lf, uint32_t ev)
{
	struct listen_full *f = (struct listen_full *)
		((char *)lf - offsetof(struct listen_full, lf));
	static char buf[UDP_BUF_SIZE];
	struct sc_rcv_info ri;
	int i;

	(void)ev;
	for (i = 0; i < DGRAMS_PER_EVENT; i++) {
		ssize_t n;

		memset(&ri, 0, sizeof(ri));
		ri.srclen = sizeof(ri.src);
		n = recvfrom(lf->fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&ri.src, &ri.srclen);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				SC_WARN("%s: recvfrom failed: %s", f->l.name,
					strerror(errno));
			return;
		}
		ri.lst = &f->l;
		ri.udp_fd = lf->fd;
		CORE_ATOMIC_ADD(&core_shared->udp_msgs, 1);
		if ((size_t)n > (size_t)core_cfg.max_msg_size) {
			SC_INFO("%s: datagram of %zd bytes over max_msg_size "
				"dropped", f->l.name, n);
			continue;
		}
		/* a lone CRLF (or CRLFCRLF) datagram is a keepalive */
		if (n <= 4 && strspn(buf, "\r\n") >= (size_t)n)
			continue;
		if (listen_handler->datagram(buf, (size_t)n, &ri) < 0)
			CORE_ATOMIC_ADD(&core_shared->bad_msgs, 1);
	}
}

#define ACCEPT_PAUSE_MS 100

static void listen_resume(struct sc_timer *t, void *arg)
{
	struct listen_full *f = arg;

	(void)t;
	if (f->my_fd >= 0)
		loop_mod(&f->lf, EPOLLIN);
}

/*
 * Out of descriptors or memory: the pending connection stays in the
 * backlog and the socket stays readable, so a level-triggered loop would
 * spin on it. Stop watching it for a moment instead.
 */
static void listen_pause(struct listen_full *f, int err)
{
	SC_WARN("%s: accept failed: %s; pausing accepts for %d ms",
		f->l.name, strerror(err), ACCEPT_PAUSE_MS);
	loop_mod(&f->lf, 0);
	sc_timer_add(&f->pause, ACCEPT_PAUSE_MS);
}

static void listen_accept_event(struct loop_fd *lf, uint32_t ev)
{
	struct listen_full *f = (struct listen_full *)
		((char *)lf - offsetof(struct listen_full, lf));
	int i;

	(void)ev;
	for (i = 0; i < ACCEPTS_PER_EVENT; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(lf->fd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == ECONNABORTED)
				return;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				listen_pause(f, errno);
				return;
			}
			SC_WARN("%s: accept failed: %s", f->l.name,
				strerror(errno));
			return;
		}
		listen_handler->accepted(&f->l, fd, &ss, len);
	}
}

int listen_worker_start(int rank)
{
	struct sc_listener *l;
	int r;

	for (l = listeners; l; l = l->next) {
		struct listen_full *f = lfull(l);

		for (r = 1; r < f->nfds; r++) {
			if (r == rank)
				continue;
			close(f->fds[r]);
			f->fds[r] = -1;
		}
		f->my_fd = f->fds[rank];
		sc_timer_init(&f->pause, listen_resume, f);
		if (loop_add(&f->lf, f->my_fd, EPOLLIN,
			     l->proto == SC_PROTO_UDP ? listen_udp_event
						      : listen_accept_event) < 0)
			return -1;
	}
	return 0;
}

void listen_worker_stop(void)
{
	struct sc_listener *l;

	for (l = listeners; l; l = l->next) {
		struct listen_full *f = lfull(l);

		if (f->my_fd < 0)
			continue;
		if (l->proto != SC_PROTO_UDP)
			sc_timer_del(&f->pause);
		loop_del(&f->lf);
		/* UDP stays open: replies to in-flight requests still go out */
		if (l->proto != SC_PROTO_UDP) {
			close(f->my_fd);
			f->my_fd = -1;
		}
	}
}

void listen_close_all(void)
{
	struct sc_listener *l, *n;
	int r;

	for (l = listeners; l; l = n) {
		struct listen_full *f = lfull(l);

		n = l->next;
		for (r = 1; r < f->nfds; r++)
			if (f->fds[r] >= 0)
				close(f->fds[r]);
		free(f->fds);
		free(f);
	}
	listeners = NULL;
	listeners_tail = &listeners;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stream connections of one worker (prefix: conn_, wq_).
 *
 * A connection lives in the heap of the worker that accepted or opened it.
 * This file drives its state machine (connect, transport handshake, open,
 * orderly close), its receive buffer and SIP framing, its write queue with
 * limits, and its timers. The transport only moves bytes.
 *
 * Memory: an idle open connection holds no receive buffer and no queue,
 * just this struct and whatever its transport keeps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <sipcore/log.h>
#include <sipcore/transport.h>

#include "conn_int.h"
#include "core.h"
#include "loop.h"
#include "sip_core.h"
#include "sip_msg.h"

#define CONN_HASH_SIZE 16384u
#define CONN_RBUF_MIN 4096u
#define CONN_READS_PER_EVENT 16
#define CONN_SHUTDOWN_MS 2000u

struct wq_chunk {
	struct wq_chunk *next;
	size_t len;
	size_t off;
	char data[];
};

struct sc_conn_priv {
	struct sc_conn *c;
	struct loop_fd lf;
	struct sc_timer t_life;  /* connect, handshake, idle, shutdown */
	struct sc_timer t_send;  /* stalled send */
	uint64_t last_active;
	struct wq_chunk *wq_head, *wq_tail;
	size_t wq_bytes;
	char *rbuf;
	size_t rlen, rcap;
	struct sip_frame_state fst; /* framing progress at rbuf[0] */
	unsigned read_want;      /* want() after the last read AGAIN */
	unsigned write_want;     /* want() after the last write AGAIN */
	unsigned tinit:1;        /* conn_init ran: cleanup is owed */
	unsigned close_after_flush:1;
	unsigned pending:1;      /* on the pending list */
	struct sc_conn_priv *hnext;
	struct sc_conn_priv *lnext, *lprev;
	struct sc_conn_priv *pnext;
};

struct conn_full {
	struct sc_conn c;
	struct sc_conn_priv p;
};

static struct sc_conn_priv **conn_hash;
static struct sc_conn_priv *conn_list;
static struct sc_conn_priv *conn_pending;
static struct sc_conn_priv *conn_zombies;
static unsigned conn_n;
static int conn_rank;

static void conn_destroy(struct sc_conn *c);
static void conn_update_events(struct sc_conn *c);
static void conn_do_read(struct sc_conn *c);
static void conn_flush(struct sc_conn *c);

int conn_worker_init(int rank)
{
	conn_rank = rank;
	conn_hash = calloc(CONN_HASH_SIZE, sizeof(*conn_hash));
	if (!conn_hash) {
		SC_ERR("conn: no memory for the connection table");
		return -1;
	}
	return 0;
}

unsigned conn_count(void)
{
	return conn_n;
}

static unsigned conn_hash_of(uint64_t id)
{
	return (unsigned)((id >> 16) ^ (id >> 40)) & (CONN_HASH_SIZE - 1);
}

struct sc_conn *sc_conn_find(uint64_t id)
{
	struct sc_conn_priv *p;

	if (!conn_hash)
		return NULL;
	for (p = conn_hash[conn_hash_of(id)]; p; p = p->hnext)
		if (p->c->id == id && p->c->state != SC_CONN_DEAD)
			return p->c;
	return NULL;
}

static void conn_link(struct sc_conn_priv *p)
{
	unsigned h = conn_hash_of(p->c->id);

	p->hnext = conn_hash[h];
	conn_hash[h] = p;
	p->lnext = conn_list;
	p->lprev = NULL;
	if (conn_list)
		conn_list->lprev = p;
	conn_list = p;
	conn_n++;
}

static void conn_unlink(struct sc_conn_priv *p)
{
	struct sc_conn_priv **pp = &conn_hash[conn_hash_of(p->c->id)];

	while (*pp && *pp != p)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = p->hnext;
	if (p->lprev)
		p->lprev->lnext = p->lnext;
	else
		conn_list = p->lnext;
	if (p->lnext)
		p->lnext->lprev = p->lprev;
	conn_n--;
}

static void conn_mark_pending(struct sc_conn_priv *p)
{
	if (p->pending)
		return;
	p->pending = 1;
	p->pnext = conn_pending;
	conn_pending = p;
}

/* ---- timers ---------------------------------------------------------- */

static unsigned conn_lifetime_ms(void)
{
	return (unsigned)core_cfg.tcp_connection_lifetime * 1000u;
}

static void conn_life_expired(struct sc_timer *t, void *arg)
{
	struct sc_conn *c = arg;
	struct sc_conn_priv *p = c->priv;
	uint64_t now, idle;

	(void)t;
	switch (c->state) {
	case SC_CONN_CONNECTING:
		SC_CLOG(SC_L_NOTICE, c, "connect timeout, %zu queued bytes "
			"dropped", p->wq_bytes);
		break;
	case SC_CONN_HANDSHAKE:
		SC_CLOG(SC_L_NOTICE, c, "handshake timeout after %u ms",
			c->handshake_timeout_ms);
		break;
	case SC_CONN_OPEN:
		now = sc_now_ms();
		idle = now - p->last_active;
		if (idle < conn_lifetime_ms() || p->wq_head) {
			/* activity since arming: sleep for the remainder */
			sc_timer_add(&p->t_life, p->wq_head ? conn_lifetime_ms()
				     : conn_lifetime_ms() - idle);
			return;
		}
		SC_CLOG(SC_L_INFO, c, "idle for %llu ms, closing",
			(unsigned long long)idle);
		sc_conn_close(c);
		return;
	case SC_CONN_CLOSING:
		SC_CLOG(SC_L_INFO, c, "orderly shutdown timed out");
		break;
	default:
		return;
	}
	conn_destroy(c);
}

static void conn_send_expired(struct sc_timer *t, void *arg)
{
	struct sc_conn *c = arg;

	(void)t;
	SC_CLOG(SC_L_NOTICE, c, "send timeout: %zu bytes stalled for %u ms, "
		"closing", c->priv->wq_bytes, c->send_timeout_ms);
	conn_destroy(c);
}

/* ---- life cycle -------------------------------------------------------- */

static void conn_event(struct loop_fd *lf, uint32_t ev);

static struct sc_conn *conn_new(int fd, const struct sc_listener *l,
				const struct sc_transport_ops *ops,
				int outgoing)
{
	struct conn_full *f = calloc(1, sizeof(*f));
	struct sc_conn *c;
	uint64_t seq;

	if (!f) {
		SC_ERR("conn: no memory for a new connection");
		return NULL;
	}
	c = &f->c;
	c->priv = &f->p;
	f->p.c = c;
	seq = CORE_ATOMIC_ADD(&core_shared->next_conn_id, 1);
	c->id = (seq << 16) | (uint64_t)(conn_rank & 0xffff);
	c->fd = fd;
	c->lst = l;
	c->ops = ops;
	c->outgoing = outgoing;
	c->state = outgoing ? SC_CONN_CONNECTING : SC_CONN_HANDSHAKE;
	c->send_timeout_ms = (unsigned)core_cfg.tcp_send_timeout * 1000u;
	f->p.last_active = sc_now_ms();
	f->p.lf.fd = -1;
	sc_timer_init(&f->p.t_life, conn_life_expired, c);
	sc_timer_init(&f->p.t_send, conn_send_expired, c);
	c->locallen = sizeof(c->local);
	if (getsockname(fd, (struct sockaddr *)&c->local, &c->locallen) < 0)
		c->locallen = 0;
	conn_link(&f->p);
	core_shared_account(1, 0);
	return c;
}

static void conn_open(struct sc_conn *c)
{
	c->state = SC_CONN_OPEN;
	c->priv->last_active = sc_now_ms();
	sc_timer_add(&c->priv->t_life, conn_lifetime_ms());
	if (sc_log_level >= SC_L_DBG) {
		const struct sc_peer_info *pi = sc_conn_peer_info(c);

		if (pi)
			SC_CLOG(SC_L_DBG, c, "open: %s %s, peer verified=%d "
				"(%s), subject '%s'",
				pi->version ? pi->version : "?",
				pi->cipher ? pi->cipher : "?", pi->verified,
				pi->verify_msg ? pi->verify_msg : "",
				pi->subject ? pi->subject : "");
		else
			SC_CLOG(SC_L_DBG, c, "open");
	}
}

static void conn_do_handshake(struct sc_conn *c)
{
	int r = c->ops->handshake(c);

	if (r == SC_IO_AGAIN)
		return;
	if (r < 0) {
		SC_CLOG(SC_L_INFO, c, "handshake failed, closing");
		conn_destroy(c);
		return;
	}
	conn_open(c);
	if (c->priv->wq_head)
		conn_flush(c);
	if (c->state == SC_CONN_OPEN)
		conn_do_read(c);
}

/* The socket is connected (outgoing) or accepted: start the transport. */
static void conn_start(struct sc_conn *c)
{
	unsigned hs;

	/* cleanup is owed from here on, even if conn_init fails half-way */
	c->priv->tinit = 1;
	if (c->ops->conn_init && c->ops->conn_init(c) != 0) {
		SC_CLOG(SC_L_INFO, c, "transport refused the connection");
		conn_destroy(c);
		return;
	}
	if (!c->send_timeout_ms)
		c->send_timeout_ms = (unsigned)core_cfg.tcp_send_timeout * 1000u;
	if (!c->ops->handshake) {
		conn_open(c);
		if (c->priv->wq_head)
			conn_flush(c);
		return;
	}
	c->state = SC_CONN_HANDSHAKE;
	hs = c->handshake_timeout_ms;
	if (!hs)
		hs = c->handshake_timeout_ms =
			(unsigned)core_cfg.tcp_connect_timeout * 1000u;
	sc_timer_add(&c->priv->t_life, hs);
	conn_do_handshake(c);
}

static void conn_free_wq(struct sc_conn_priv *p)
{
	struct wq_chunk *w, *n;

	for (w = p->wq_head; w; w = n) {
		n = w->next;
		free(w);
	}
	if (p->wq_bytes)
		core_shared_account(0, -(int64_t)p->wq_bytes);
	p->wq_head = p->wq_tail = NULL;
	p->wq_bytes = 0;
}

static void conn_destroy(struct sc_conn *c)
{
	struct sc_conn_priv *p = c->priv;

	if (c->state == SC_CONN_DEAD)
		return;
	c->state = SC_CONN_DEAD;
	SC_CLOG(SC_L_DBG, c, "closed");
	loop_del(&p->lf);
	sc_timer_del(&p->t_life);
	sc_timer_del(&p->t_send);
	if (p->tinit)
		c->ops->cleanup(c);
	p->tinit = 0;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	p->lf.fd = -1;
	conn_free_wq(p);
	free(p->rbuf);
	p->rbuf = NULL;
	p->rlen = p->rcap = 0;
	conn_unlink(p);
	core_shared_account(-1, 0);
	CORE_ATOMIC_ADD(&core_shared->closed, 1);
	/* freed after the current batch of events, which may still name it */
	p->pnext = conn_zombies;
	conn_zombies = p;
}

static void conn_do_shutdown(struct sc_conn *c)
{
	int r = c->ops->shutdown ? c->ops->shutdown(c) : 0;

	if (r == SC_IO_AGAIN)
		return;
	conn_destroy(c);
}

void sc_conn_close(struct sc_conn *c)
{
	struct sc_conn_priv *p = c->priv;

	switch (c->state) {
	case SC_CONN_OPEN:
		if (p->wq_head) {
			p->close_after_flush = 1;
			return;
		}
		c->state = SC_CONN_CLOSING;
		sc_timer_add(&p->t_life, CONN_SHUTDOWN_MS);
		conn_do_shutdown(c);
		if (c->state == SC_CONN_CLOSING)
			conn_update_events(c);
		return;
	case SC_CONN_CONNECTING:
	case SC_CONN_HANDSHAKE:
		conn_destroy(c);
		return;
	default:
		return;
	}
}

void conn_close_all(void)
{
	struct sc_conn_priv *p, *n;

	for (p = conn_list; p; p = n) {
		n = p->lnext;
		if (p->c->state == SC_CONN_OPEN && p->wq_head)
			conn_flush(p->c);
		if (p->c->state == SC_CONN_OPEN) {
			p->close_after_flush = 0;
			conn_free_wq(p);
		}
		sc_conn_close(p->c);
	}
}

/* ---- receive ----------------------------------------------------------- */

static void conn_rcv_info(struct sc_conn *c, struct sc_rcv_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->lst = c->lst;
	memcpy(&ri->src, &c->peer, c->peerlen);
	ri->srclen = c->peerlen;
	ri->conn_id = c->id;
	ri->conn = c;
	ri->udp_fd = -1;
}

/* Frame and handle what the receive buffer holds; keep the rest. */
static void conn_process(struct sc_conn *c)
{
	struct sc_conn_priv *p = c->priv;
	size_t off = 0, used = 0, max = (size_t)core_cfg.max_msg_size;
	struct sc_rcv_info ri;
	const char *why = NULL;

	conn_rcv_info(c, &ri);
	while (off < p->rlen && c->state == SC_CONN_OPEN) {
		enum sip_frame_ret r = sip_frame_resume(p->rbuf + off,
							p->rlen - off, max,
							&p->fst, &used, &why);

		switch (r) {
		case SIP_FRAME_MORE:
			goto keep;
		case SIP_FRAME_PING:
			CORE_ATOMIC_ADD(&core_shared->keepalives, 1);
			sc_conn_send(c, "\r\n", 2);
			break;
		case SIP_FRAME_SKIP:
			break;
		case SIP_FRAME_MSG:
			CORE_ATOMIC_ADD(&core_shared->stream_msgs, 1);
			if (sip_core_handle(p->rbuf + off, used, &ri) < 0) {
				SC_CLOG(SC_L_INFO, c, "unparseable message, "
					"closing");
				conn_destroy(c);
				return;
			}
			break;
		case SIP_FRAME_TOO_BIG:
			SC_CLOG(SC_L_NOTICE, c, "message larger than "
				"max_msg_size (%zu), answering 513 and closing",
				max);
			sip_core_reply_too_big(p->rbuf + off, p->rlen - off,
					       &ri);
			p->rlen = 0;
			memset(&p->fst, 0, sizeof(p->fst));
			if (c->state == SC_CONN_OPEN) {
				if (p->wq_head)
					p->close_after_flush = 1;
				else
					sc_conn_close(c);
			}
			return;
		default:
			CORE_ATOMIC_ADD(&core_shared->bad_msgs, 1);
			SC_CLOG(SC_L_INFO, c, "bad stream data (%s), closing",
				why ? why : "framing");
			conn_destroy(c);
			return;
		}
		off += used;
	}
keep:
	if (c->state == SC_CONN_DEAD)
		return;
	if (off) {
		memmove(p->rbuf, p->rbuf + off, p->rlen - off);
		p->rlen -= off;
	}
}

static int conn_rbuf_room(struct sc_conn_priv *p)
{
	size_t max = (size_t)core_cfg.max_msg_size;
	size_t ncap;
	char *n;

	if (p->rcap - p->rlen > 0)
		return 0;
	if (p->rcap >= max)
		return -1;
	ncap = p->rcap ? p->rcap * 2 : CONN_RBUF_MIN;
	if (ncap > max)
		ncap = max;
	n = realloc(p->rbuf, ncap);
	if (!n)
		return -1;
	p->rbuf = n;
	p->rcap = ncap;
	return 0;
}

static void conn_do_read(struct sc_conn *c)
{
	struct sc_conn_priv *p = c->priv;
	int i;

	for (i = 0; i < CONN_READS_PER_EVENT; i++) {
		ssize_t n;

		if (conn_rbuf_room(p) < 0) {
			SC_CLOG(SC_L_NOTICE, c, "receive buffer limit reached "
				"(%zu bytes), closing", p->rcap);
			conn_destroy(c);
			return;
		}
		n = c->ops->read(c, p->rbuf + p->rlen, p->rcap - p->rlen);
		if (n == SC_IO_AGAIN) {
			p->read_want = c->ops->want ? c->ops->want(c)
						    : SC_WANT_READ;
			break;
		}
		if (n == 0) {
			SC_CLOG(SC_L_DBG, c, "peer closed the connection");
			conn_destroy(c);
			return;
		}
		if (n < 0) {
			conn_destroy(c);
			return;
		}
		p->read_want = SC_WANT_READ;
		p->rlen += (size_t)n;
		p->last_active = sc_now_ms();
		conn_process(c);
		if (c->state != SC_CONN_OPEN)
			return;
	}
	if (i == CONN_READS_PER_EVENT ||
	    (c->ops->pending && c->ops->pending(c) > 0))
		conn_mark_pending(p);
	if (p->rlen == 0 && p->rbuf) {
		/* an idle connection keeps no buffer */
		free(p->rbuf);
		p->rbuf = NULL;
		p->rcap = 0;
	}
}

/* ---- send ------------------------------------------------------------- */

static int conn_enqueue(struct sc_conn *c, const char *buf, size_t len)
{
	struct sc_conn_priv *p = c->priv;
	struct wq_chunk *w;
	int64_t total;

	if (p->wq_bytes + len > (size_t)core_cfg.tcp_conn_wq_max) {
		SC_CLOG(SC_L_WARN, c, "write queue limit (tcp_conn_wq_max=%d) "
			"reached, closing", core_cfg.tcp_conn_wq_max);
		goto fail;
	}
	total = CORE_ATOMIC_LOAD(&core_shared->wq_bytes) + (int64_t)len;
	if (total > (int64_t)core_cfg.tcp_wq_max) {
		SC_CLOG(SC_L_WARN, c, "global write queue limit (tcp_wq_max=%d) "
			"reached, closing", core_cfg.tcp_wq_max);
		goto fail;
	}
	w = malloc(sizeof(*w) + len);
	if (!w) {
		SC_CLOG(SC_L_ERR, c, "no memory to queue %zu bytes, closing",
			len);
		goto fail;
	}
	core_shared_account(0, (int64_t)len);
	memcpy(w->data, buf, len);
	w->len = len;
	w->off = 0;
	w->next = NULL;
	if (p->wq_tail)
		p->wq_tail->next = w;
	else
		p->wq_head = w;
	p->wq_tail = w;
	p->wq_bytes += len;
	if (!sc_timer_armed(&p->t_send) && c->state == SC_CONN_OPEN)
		sc_timer_add(&p->t_send, c->send_timeout_ms);
	return 0;
fail:
	conn_destroy(c);
	return -1;
}

static void conn_flush(struct sc_conn *c)
{
	struct sc_conn_priv *p = c->priv;

	while (p->wq_head) {
		struct wq_chunk *w = p->wq_head;
		ssize_t n = c->ops->write(c, w->data + w->off, w->len - w->off);

		if (n == SC_IO_AGAIN) {
			p->write_want = c->ops->want ? c->ops->want(c)
						     : SC_WANT_WRITE;
			if (!sc_timer_armed(&p->t_send))
				sc_timer_add(&p->t_send, c->send_timeout_ms);
			return;
		}
		if (n <= 0) {
			if (n == 0)
				SC_CLOG(SC_L_ERR, c, "transport wrote nothing");
			conn_destroy(c);
			return;
		}
		p->write_want = 0;
		w->off += (size_t)n;
		p->last_active = sc_now_ms();
		sc_timer_add(&p->t_send, c->send_timeout_ms);
		if (w->off < w->len)
			continue;
		p->wq_head = w->next;
		if (!p->wq_head)
			p->wq_tail = NULL;
		p->wq_bytes -= w->len;
		core_shared_account(0, -(int64_t)w->len);
		free(w);
	}
	sc_timer_del(&p->t_send);
	if (p->close_after_flush) {
		p->close_after_flush = 0;
		sc_conn_close(c);
	}
}

int sc_conn_send(struct sc_conn *c, const void *buf, size_t len)
{
	struct sc_conn_priv *p = c->priv;
	const char *b = buf;

	if (c->state == SC_CONN_DEAD || c->state == SC_CONN_CLOSING ||
	    p->close_after_flush)
		return -1;
	if (c->state == SC_CONN_OPEN && !p->wq_head) {
		while (len > 0) {
			ssize_t n = c->ops->write(c, b, len);

			if (n == SC_IO_AGAIN) {
				p->write_want = c->ops->want ? c->ops->want(c)
							     : SC_WANT_WRITE;
				break;
			}
			if (n <= 0) {
				if (n == 0)
					SC_CLOG(SC_L_ERR, c, "transport wrote "
						"nothing");
				conn_destroy(c);
				return -1;
			}
			b += n;
			len -= (size_t)n;
			p->last_active = sc_now_ms();
		}
		if (len == 0)
			return 0;
	}
	if (conn_enqueue(c, b, len) < 0)
		return -1;
	conn_update_events(c);
	return 0;
}

/* ---- events ------------------------------------------------------------ */

static uint32_t want_to_epoll(unsigned want)
{
	uint32_t ev = 0;

	if (want & SC_WANT_READ)
		ev |= EPOLLIN;
	if (want & SC_WANT_WRITE)
		ev |= EPOLLOUT;
	return ev ? ev : EPOLLIN;
}

static void conn_update_events(struct sc_conn *c)
{
	struct sc_conn_priv *p = c->priv;
	uint32_t ev;

	switch (c->state) {
	case SC_CONN_CONNECTING:
		ev = EPOLLOUT;
		break;
	case SC_CONN_HANDSHAKE:
	case SC_CONN_CLOSING:
		ev = want_to_epoll(c->ops->want ? c->ops->want(c)
						: SC_WANT_READ);
		break;
	case SC_CONN_OPEN:
		ev = EPOLLIN;
		if (p->wq_head && !(p->write_want == SC_WANT_READ))
			ev |= EPOLLOUT;
		if (p->read_want == SC_WANT_WRITE)
			ev |= EPOLLOUT;
		break;
	default:
		return;
	}
	loop_mod(&p->lf, ev);
}

static void conn_connected(struct sc_conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		SC_CLOG(SC_L_NOTICE, c, "connect failed: %s", strerror(err));
		conn_destroy(c);
		return;
	}
	sc_timer_del(&c->priv->t_life);
	conn_start(c);
}

static void conn_event(struct loop_fd *lf, uint32_t ev)
{
	struct sc_conn_priv *p = (struct sc_conn_priv *)
		((char *)lf - offsetof(struct sc_conn_priv, lf));
	struct sc_conn *c = p->c;

	switch (c->state) {
	case SC_CONN_CONNECTING:
		conn_connected(c);
		break;
	case SC_CONN_HANDSHAKE:
		conn_do_handshake(c);
		break;
	case SC_CONN_OPEN:
		if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR) ||
		    p->read_want == SC_WANT_WRITE)
			conn_do_read(c);
		if (c->state == SC_CONN_OPEN && p->wq_head)
			conn_flush(c);
		break;
	case SC_CONN_CLOSING:
		conn_do_shutdown(c);
		break;
	default:
		return;
	}
	if (c->state != SC_CONN_DEAD)
		conn_update_events(c);
}

int conn_busy(void)
{
	struct sc_conn_priv *p, *n, *list;

	for (p = conn_zombies; p; p = n) {
		n = p->pnext;
		free(p->c->dst_name);
		free(p->c);
	}
	conn_zombies = NULL;

	list = conn_pending;
	conn_pending = NULL;
	for (p = list; p; p = n) {
		n = p->pnext;
		p->pending = 0;
		if (p->c->state == SC_CONN_OPEN) {
			conn_do_read(p->c);
			if (p->c->state != SC_CONN_DEAD)
				conn_update_events(p->c);
		}
	}
	return conn_pending != NULL || conn_zombies != NULL;
}

/* ---- accept and connect ------------------------------------------------ */

static void conn_sock_opts(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		SC_DBG("TCP_NODELAY failed: %s", strerror(errno));
}

void conn_accepted(const struct sc_listener *l, int fd,
		   const struct sockaddr_storage *peer, socklen_t peerlen)
{
	struct sc_conn *c;

	if (CORE_ATOMIC_LOAD(&core_shared->conns) >=
	    core_cfg.tcp_max_connections) {
		uint64_t n = CORE_ATOMIC_ADD(&core_shared->refused_limit, 1);

		if ((n & (n - 1)) == 0) /* 1, 2, 4, 8...: no log flood */
			SC_WARN("%s: tcp_max_connections (%d) reached, "
				"refused %llu so far", l->name,
				core_cfg.tcp_max_connections,
				(unsigned long long)n);
		close(fd);
		return;
	}
	conn_sock_opts(fd);
	c = conn_new(fd, l, l->ops, 0);
	if (!c) {
		close(fd);
		return;
	}
	CORE_ATOMIC_ADD(&core_shared->accepted, 1);
	memcpy(&c->peer, peer, peerlen);
	c->peerlen = peerlen;
	sc_addr_str((const struct sockaddr *)peer, c->peer_str,
		    sizeof(c->peer_str));
	if (loop_add(&c->priv->lf, fd, EPOLLIN, conn_event) < 0) {
		conn_destroy(c);
		return;
	}
	SC_CLOG(SC_L_DBG, c, "accepted on %s", l->name);
	conn_start(c);
	if (c->state != SC_CONN_DEAD)
		conn_update_events(c);
}

static const struct sc_listener *conn_pick_listener(const char *proto,
						    int family)
{
	const struct sc_listener *l;

	for (l = sc_listeners(); l; l = l->next)
		if (strcmp(l->proto_name, proto) == 0 &&
		    l->addr.ss_family == family)
			return l;
	return NULL;
}

static int conn_bind_source(int fd, const struct sc_listener *l)
{
	struct sockaddr_storage ss;

	if (!l)
		return 0;
	memcpy(&ss, &l->addr, l->addrlen);
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		if (in->sin_addr.s_addr == htonl(INADDR_ANY))
			return 0;
		in->sin_port = 0;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
			return 0;
		in6->sin6_port = 0;
	}
	return bind(fd, (struct sockaddr *)&ss, l->addrlen);
}

/* The bare address text of @sa ("192.0.2.1", "::1"): no port, no []. */
static char *conn_ip_text(const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6 = (const void *)sa;
	const struct sockaddr_in *s4 = (const void *)sa;
	char ip[INET6_ADDRSTRLEN] = "";

	if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
	else if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
	return strdup(ip);
}

struct sc_conn *sc_conn_connect(const char *proto, const struct sockaddr *dst,
				socklen_t dstlen, const char *host)
{
	const struct sc_transport_ops *ops = sc_transport_find(proto);
	const struct sc_listener *l;
	struct sc_conn *c;
	int fd, r;

	if (!ops) {
		SC_ERR("connect: no '%s' transport%s", proto,
		       sc_tls_disabled() && strcmp(proto, "tls") == 0
		       ? " (disable_tls=1)" : "");
		return NULL;
	}
	if (!conn_hash || dstlen > sizeof(struct sockaddr_storage))
		return NULL;
	fd = socket(dst->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0) {
		SC_ERR("connect: socket failed: %s", strerror(errno));
		return NULL;
	}
	l = conn_pick_listener(proto, dst->sa_family);
	if (conn_bind_source(fd, l) < 0)
		SC_WARN("connect: cannot bind to %s: %s", l->name,
			strerror(errno));
	conn_sock_opts(fd);
	c = conn_new(fd, l, ops, 1);
	if (!c) {
		close(fd);
		return NULL;
	}
	memcpy(&c->peer, dst, dstlen);
	c->peerlen = dstlen;
	sc_addr_str(dst, c->peer_str, sizeof(c->peer_str));
	c->dst_name = host ? strdup(host) : conn_ip_text(dst);
	if (!c->dst_name)
		goto fail;
	if (loop_add(&c->priv->lf, fd, EPOLLOUT, conn_event) < 0)
		goto fail;
	do {
		r = connect(fd, dst, dstlen);
	} while (r < 0 && errno == EINTR);
	if (r < 0 && errno != EINPROGRESS) {
		SC_CLOG(SC_L_NOTICE, c, "connect failed: %s", strerror(errno));
		goto fail;
	}
	c->locallen = sizeof(c->local);
	getsockname(fd, (struct sockaddr *)&c->local, &c->locallen);
	SC_CLOG(SC_L_DBG, c, "connecting (%s)", c->dst_name);
	if (r == 0) {
		conn_start(c);
	} else {
		sc_timer_add(&c->priv->t_life,
			     (unsigned)core_cfg.tcp_connect_timeout * 1000u);
	}
	if (c->state == SC_CONN_DEAD)
		return NULL;
	conn_update_events(c);
	return c;
fail:
	conn_destroy(c);
	return NULL;
}

const struct sc_peer_info *sc_conn_peer_info(struct sc_conn *c)
{
	if (c->state == SC_CONN_DEAD || !c->ops->peer_info || !c->priv->tinit)
		return NULL;
	return c->ops->peer_info(c);
}

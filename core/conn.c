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
 *
 * Ownership: a connection is on the table (hash and list) from conn_new to
 * conn_destroy, on the pending list while its transport holds read data,
 * on the fresh list until it has delivered a first message, and has two
 * timers. conn_destroy takes it off every one of them and puts it on the
 * zombie list, its only place until conn_busy frees it after the current
 * batch of events (which may still name it). No list shares a link field
 * with another.
 *
 * Defence: peers can open connections and then say nothing, or dribble a
 * byte at a time. A connection has tcp_msg_data_timeout after it opens to
 * deliver a first message, and each message must be complete within
 * tcp_msg_read_timeout of its first byte. An address may hold at most
 * tcp_max_connections_per_ip connections; a worker holds at most
 * tcp_max_handshakes connections that have delivered nothing yet, and when
 * it has to make room (that bound, or tcp_max_connections) it closes the
 * oldest of those: a real client finishes its handshake in milliseconds
 * and is not the oldest for long.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <sipcore/log.h>
#include <sipcore/transport.h>

#include "conn_int.h"
#include "core.h"
#include "iplimit.h"
#include "list.h"
#include "ipc.h"
#include "loop.h"
#include "sip_msg.h"
#include "transport_int.h"

#define CONN_HASH_SIZE 16384u
#define CONN_RBUF_MIN 4096u
#define CONN_READS_PER_EVENT 16
#define CONN_SHUTDOWN_MS 2000u
#define CONN_TRIM_MS 10000u
#define CONN_TRIM_WAVE 256u

/*
 * Small writes (replies, pongs) are appended to the last chunk while it has
 * room, so a burst of them costs one allocation, not one each. What a chunk
 * costs (its header, capacity and the allocator's overhead) is what counts
 * against tcp_conn_wq_max and tcp_wq_max.
 */
#define WQ_CHUNK_MIN 2048u
#define WQ_MALLOC_OVERHEAD 16u

struct wq_chunk {
	struct wq_chunk *next;
	size_t len;
	size_t off;
	size_t cap;
	char data[];
};

struct sc_conn_priv {
	struct sc_conn *c;
	struct loop_fd lf;
	struct sc_timer t_life;  /* connect, handshake, idle, shutdown */
	struct sc_timer t_send;  /* stalled send */
	uint64_t last_active;
	uint64_t born;           /* accepted or connect() called */
	uint64_t opened;         /* when it became open (first data clock) */
	uint64_t msg_start;      /* first byte of the partial message, or 0 */
	struct wq_chunk *wq_head, *wq_tail;
	size_t wq_bytes;         /* data queued */
	size_t wq_cost;          /* memory the queue takes, as accounted */
	char *rbuf;
	size_t rlen, rcap;
	struct sip_frame_state fst; /* framing progress at rbuf[0] */
	unsigned read_want;      /* want() after the last read AGAIN */
	unsigned write_want;     /* want() after the last write AGAIN */
	uint32_t ipb;            /* iplimit bucket, if ip_counted */
	unsigned tinit:1;        /* conn_init ran: cleanup is owed */
	unsigned close_after_flush:1;
	unsigned ip_counted:1;
	struct sc_conn_priv *hnext;     /* hash chain */
	struct list_node all;           /* conn_all */
	struct list_node pend;          /* conn_pending */
	struct list_node fresh;         /* conn_fresh, oldest first */
	struct sc_conn_priv *znext;     /* conn_zombies */
};

struct conn_full {
	struct sc_conn c;
	struct sc_conn_priv p;
};

static struct sc_conn_priv **conn_hash;
static struct list_node conn_all = { &conn_all, &conn_all };
static struct list_node conn_pending = { &conn_pending, &conn_pending };
static struct list_node conn_fresh = { &conn_fresh, &conn_fresh };
static struct sc_conn_priv *conn_zombies;
static unsigned conn_n, conn_nfresh, conn_peak;
static int conn_rank;
static struct sc_timer conn_trim_timer;
static const struct conn_msg_handler *conn_handler;

void conn_set_handler(const struct conn_msg_handler *h)
{
	conn_handler = h;
}

static void conn_destroy(struct sc_conn *c);
static void conn_update_events(struct sc_conn *c);
static void conn_do_read(struct sc_conn *c);
static void conn_flush(struct sc_conn *c);

/*
 * After a wave of connections (an attack, a mass re-registration) the heap
 * keeps the pages it grew by; give them back once the wave is gone.
 */
static void conn_trim(struct sc_timer *t, void *arg)
{
	(void)arg;
	if (conn_peak >= conn_n + CONN_TRIM_WAVE) {
		malloc_trim(0);
		conn_peak = conn_n;
	}
	sc_timer_add(t, CONN_TRIM_MS);
}

int conn_worker_init(int rank)
{
	conn_rank = rank;
	conn_hash = calloc(CONN_HASH_SIZE, sizeof(*conn_hash));
	if (!conn_hash) {
		SC_ERR("conn: no memory for the connection table");
		return -1;
	}
	sc_timer_init(&conn_trim_timer, conn_trim, NULL);
	sc_timer_add(&conn_trim_timer, CONN_TRIM_MS);
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
	list_add_tail(&p->all, &conn_all);
	if (++conn_n > conn_peak)
		conn_peak = conn_n;
}

static void conn_unlink(struct sc_conn_priv *p)
{
	struct sc_conn_priv **pp = &conn_hash[conn_hash_of(p->c->id)];

	while (*pp && *pp != p)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = p->hnext;
	list_del_init(&p->all);
	if (list_linked(&p->pend))
		list_del_init(&p->pend);
	if (list_linked(&p->fresh)) {
		list_del_init(&p->fresh);
		conn_nfresh--;
	}
	conn_n--;
}

static void conn_mark_pending(struct sc_conn_priv *p)
{
	if (!list_linked(&p->pend))
		list_add_tail(&p->pend, &conn_pending);
}

/* It delivered a message: no longer a candidate for eviction. */
static void conn_proven(struct sc_conn_priv *p)
{
	if (list_linked(&p->fresh)) {
		list_del_init(&p->fresh);
		conn_nfresh--;
	}
}

/* ---- timers ---------------------------------------------------------- */

static unsigned conn_lifetime_ms(void)
{
	return (unsigned)core_cfg.tcp_connection_lifetime * 1000u;
}

/* Why an open connection's life timer must fire, and when. */
enum conn_deadline { CONN_DL_IDLE, CONN_DL_DATA, CONN_DL_READ };

static uint64_t conn_open_deadline(const struct sc_conn_priv *p,
				   enum conn_deadline *why)
{
	uint64_t d = p->last_active + conn_lifetime_ms(), x;

	*why = CONN_DL_IDLE;
	if (p->wq_head)
		d = sc_now_ms() + conn_lifetime_ms(); /* t_send watches it */
	if (list_linked(&p->fresh)) {
		x = p->opened + (uint64_t)core_cfg.tcp_msg_data_timeout * 1000u;
		if (x < d) {
			d = x;
			*why = CONN_DL_DATA;
		}
	}
	if (p->msg_start) {
		x = p->msg_start +
		    (uint64_t)core_cfg.tcp_msg_read_timeout * 1000u;
		if (x < d) {
			d = x;
			*why = CONN_DL_READ;
		}
	}
	return d;
}

/* Arm the life timer of an open connection for its next deadline. */
static void conn_arm_open(struct sc_conn_priv *p)
{
	enum conn_deadline why;
	uint64_t d = conn_open_deadline(p, &why), now = sc_now_ms();

	sc_timer_add(&p->t_life, d > now ? d - now : 0);
}

static void conn_life_expired(struct sc_timer *t, void *arg)
{
	struct sc_conn *c = arg;
	struct sc_conn_priv *p = c->priv;
	enum conn_deadline why;

	(void)t;
	switch (c->state) {
	case SC_CONN_CONNECTING:
		SC_CLOG_RL(SC_L_NOTICE, c, "connect timeout, %zu queued bytes "
			   "dropped", p->wq_bytes);
		break;
	case SC_CONN_HANDSHAKE:
		CORE_ATOMIC_ADD(&core_shared->timed_out, 1);
		SC_CLOG_RL(SC_L_NOTICE, c, "handshake timeout after %u ms",
			   c->handshake_timeout_ms);
		break;
	case SC_CONN_OPEN:
		if (conn_open_deadline(p, &why) > sc_now_ms()) {
			/* activity since arming: sleep for the remainder */
			conn_arm_open(p);
			return;
		}
		if (why == CONN_DL_IDLE) {
			SC_CLOG(SC_L_INFO, c, "idle for %llu ms, closing",
				(unsigned long long)(sc_now_ms() -
						     p->last_active));
			sc_conn_close(c);
			return;
		}
		CORE_ATOMIC_ADD(&core_shared->timed_out, 1);
		if (why == CONN_DL_DATA)
			SC_CLOG_RL(SC_L_INFO, c, "no SIP message within "
				   "tcp_msg_data_timeout (%d s), closing",
				   core_cfg.tcp_msg_data_timeout);
		else
			SC_CLOG_RL(SC_L_INFO, c, "message incomplete after "
				   "tcp_msg_read_timeout (%d s, %zu bytes), "
				   "closing", core_cfg.tcp_msg_read_timeout,
				   p->rlen);
		break;
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
	f->p.last_active = f->p.born = sc_now_ms();
	f->p.lf.fd = -1;
	list_init(&f->p.pend);
	list_init(&f->p.fresh);
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
	c->priv->last_active = c->priv->opened = sc_now_ms();
	conn_arm_open(c->priv);
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
		SC_CLOG_RL(SC_L_INFO, c, "handshake failed, closing");
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
	if (p->wq_cost)
		core_shared_account(0, -(int64_t)p->wq_cost);
	p->wq_head = p->wq_tail = NULL;
	p->wq_bytes = p->wq_cost = 0;
}

static void conn_destroy(struct sc_conn *c)
{
	struct sc_conn_priv *p = c->priv;

	if (c->state == SC_CONN_DEAD)
		return;
	if (c->outgoing && conn_handler && conn_handler->outgoing_gone)
		conn_handler->outgoing_gone(c, c->state == SC_CONN_OPEN ||
					       c->state == SC_CONN_CLOSING);
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
	p->msg_start = 0;
	conn_unlink(p);
	if (p->ip_counted)
		iplim_add(p->ipb, -1);
	p->ip_counted = 0;
	core_shared_account(-1, 0);
	CORE_ATOMIC_ADD(&core_shared->closed, 1);
	/* freed after the current batch of events, which may still name it */
	p->znext = conn_zombies;
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
	struct list_node all;

	/* each one leaves conn_all as it dies; those still closing stay */
	list_init(&all);
	list_splice_init(&conn_all, &all);
	while (!list_empty(&all)) {
		struct sc_conn_priv *p = list_entry(all.next,
						    struct sc_conn_priv, all);

		list_del_init(&p->all);
		list_add_tail(&p->all, &conn_all);
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

/*
 * A partial message keeps its first byte's time: the whole of it must be in
 * within tcp_msg_read_timeout, however slowly it trickles.
 */
static void conn_note_partial(struct sc_conn_priv *p, int consumed)
{
	uint64_t d;

	if (!p->rlen) {
		p->msg_start = 0;
		return;
	}
	if (p->msg_start && !consumed)
		return;
	p->msg_start = sc_now_ms();
	d = p->msg_start + (uint64_t)core_cfg.tcp_msg_read_timeout * 1000u;
	if (!sc_timer_armed(&p->t_life) || p->t_life.expires > d)
		conn_arm_open(p);
}

/* Frame and handle what the receive buffer holds; keep the rest. */
static void conn_process(struct sc_conn *c)
{
	struct sc_conn_priv *p = c->priv;
	size_t off = 0, used = 0, max = (size_t)core_cfg.max_msg_size;
	struct sc_rcv_info ri;
	const char *why = NULL;
	unsigned pings = 0;

	conn_rcv_info(c, &ri);
	while (off < p->rlen && c->state == SC_CONN_OPEN) {
		enum sip_frame_ret r = sip_frame_resume(p->rbuf + off,
							p->rlen - off, max,
							&p->fst, &used, &why);

		switch (r) {
		case SIP_FRAME_MORE:
			goto keep;
		case SIP_FRAME_PING:
			/*
			 * RFC 5626 4.4.1: a ping gets a pong. Pings that
			 * arrived together get the first one's pong: the
			 * peer learns the same, and a burst of pings cannot
			 * make us send a record each.
			 */
			CORE_ATOMIC_ADD(&core_shared->keepalives, 1);
			if (!pings++ && sc_conn_send(c, "\r\n", 2) < 0)
				return;
			break;
		case SIP_FRAME_SKIP:
			break;
		case SIP_FRAME_MSG:
			CORE_ATOMIC_ADD(&core_shared->stream_msgs, 1);
			conn_proven(p);
			if (conn_handler->msg(p->rbuf + off, used, &ri) < 0) {
				SC_CLOG_RL(SC_L_INFO, c, "unparseable message, "
					   "closing");
				conn_destroy(c);
				return;
			}
			break;
		case SIP_FRAME_TOO_BIG:
			SC_CLOG_RL(SC_L_NOTICE, c, "message larger than "
				   "max_msg_size (%zu), answering 513 and "
				   "closing", max);
			conn_handler->too_big(p->rbuf + off, p->rlen - off,
					      &ri);
			p->rlen = 0;
			p->msg_start = 0;
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
			SC_CLOG_RL(SC_L_INFO, c, "bad stream data (%s), closing",
				   why ? why : "framing");
			conn_destroy(c);
			return;
		}
		off += used;
	}
keep:
	if (c->state != SC_CONN_OPEN)
		return;
	if (off) {
		memmove(p->rbuf, p->rbuf + off, p->rlen - off);
		p->rlen -= off;
	}
	conn_note_partial(p, off != 0);
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
		p->last_active = sc_now_ms();
		/*
		 * Closing after a flush (a 513 waits to go out): what still
		 * comes is read and dropped, never handled, or the body of the
		 * message we refused would be taken for requests; and read, so
		 * that the close does not reset what we still send.
		 */
		if (p->close_after_flush)
			continue;
		p->rlen += (size_t)n;
		conn_process(c);
		if (c->state != SC_CONN_OPEN || p->close_after_flush)
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

static size_t wq_chunk_cost(size_t cap)
{
	return sizeof(struct wq_chunk) + cap + WQ_MALLOC_OVERHEAD;
}

static int conn_wq_room(struct sc_conn *c, size_t cost)
{
	struct sc_conn_priv *p = c->priv;
	int64_t total;

	if (p->wq_cost + cost > (size_t)core_cfg.tcp_conn_wq_max) {
		SC_CLOG_RL(SC_L_WARN, c, "write queue limit (tcp_conn_wq_max="
			   "%d) reached, closing", core_cfg.tcp_conn_wq_max);
		return -1;
	}
	total = CORE_ATOMIC_LOAD(&core_shared->wq_bytes) + (int64_t)cost;
	if (total > (int64_t)core_cfg.tcp_wq_max) {
		SC_CLOG_RL(SC_L_WARN, c, "global write queue limit (tcp_wq_max="
			   "%d) reached, closing", core_cfg.tcp_wq_max);
		return -1;
	}
	return 0;
}

static int conn_enqueue(struct sc_conn *c, const char *buf, size_t len)
{
	struct sc_conn_priv *p = c->priv;
	struct wq_chunk *w = p->wq_tail;
	size_t cap;

	if (w && w->cap - w->len >= len) {
		/* already paid for */
		memcpy(w->data + w->len, buf, len);
		w->len += len;
		p->wq_bytes += len;
		return 0;
	}
	cap = len > WQ_CHUNK_MIN ? len : WQ_CHUNK_MIN;
	if (conn_wq_room(c, wq_chunk_cost(cap)) < 0)
		goto fail;
	w = malloc(sizeof(*w) + cap);
	if (!w) {
		SC_CLOG(SC_L_ERR, c, "no memory to queue %zu bytes, closing",
			len);
		goto fail;
	}
	core_shared_account(0, (int64_t)wq_chunk_cost(cap));
	memcpy(w->data, buf, len);
	w->len = len;
	w->off = 0;
	w->cap = cap;
	w->next = NULL;
	if (p->wq_tail)
		p->wq_tail->next = w;
	else
		p->wq_head = w;
	p->wq_tail = w;
	p->wq_bytes += len;
	p->wq_cost += wq_chunk_cost(cap);
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
		p->wq_bytes -= (size_t)n;
		p->last_active = sc_now_ms();
		sc_timer_add(&p->t_send, c->send_timeout_ms);
		if (w->off < w->len)
			continue;
		p->wq_head = w->next;
		if (!p->wq_head)
			p->wq_tail = NULL;
		p->wq_cost -= wq_chunk_cost(w->cap);
		core_shared_account(0, -(int64_t)wq_chunk_cost(w->cap));
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

int sc_conn_send_id(uint64_t id, const void *buf, size_t len)
{
	struct sc_conn *c;
	int owner = ipc_owner(id);

	if (owner != conn_rank)
		return ipc_send(owner, id, IPC_RAW, buf, len);
	c = sc_conn_find(id);
	if (!c) {
		SC_DBG("send to conn %llu: no such connection",
		       (unsigned long long)id);
		return -1;
	}
	return sc_conn_send(c, buf, len);
}

void conn_ipc_deliver(uint64_t id, const void *buf, size_t len)
{
	struct sc_conn *c = sc_conn_find(id);

	if (!c) {
		SC_INFO("ipc: conn %llu is gone, %zu bytes dropped",
			(unsigned long long)id, len);
		return;
	}
	sc_conn_send(c, buf, len);
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
	struct sc_conn_priv *p, *n;
	struct list_node run;

	for (p = conn_zombies; p; p = n) {
		n = p->znext;
		free(p->c->dst_name);
		free(p->c);
	}
	conn_zombies = NULL;

	/*
	 * Reading one connection can destroy another (and take it off this
	 * list) or mark one pending again (onto conn_pending, for the next
	 * round): take them off one at a time.
	 */
	list_init(&run);
	list_splice_init(&conn_pending, &run);
	while (!list_empty(&run)) {
		p = list_entry(run.next, struct sc_conn_priv, pend);
		list_del_init(&p->pend);
		if (p->c->state != SC_CONN_OPEN)
			continue;
		conn_do_read(p->c);
		if (p->c->state != SC_CONN_DEAD)
			conn_update_events(p->c);
	}
	return !list_empty(&conn_pending) || conn_zombies != NULL;
}

/* ---- accept and connect ------------------------------------------------ */

static void conn_sock_opts(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		SC_DBG("TCP_NODELAY failed: %s", strerror(errno));
}

/* Make room for one more connection: close this worker's oldest fresh one. */
static int conn_evict_one(void)
{
	struct sc_conn_priv *p;

	if (list_empty(&conn_fresh))
		return -1;
	p = list_entry(conn_fresh.next, struct sc_conn_priv, fresh);
	CORE_ATOMIC_ADD(&core_shared->evicted, 1);
	SC_CLOG_RL(SC_L_NOTICE, p->c, "closed to make room: no message in "
		   "%llu ms (tcp_max_handshakes=%d, tcp_max_connections=%d)",
		   (unsigned long long)(sc_now_ms() - p->born),
		   core_cfg.tcp_max_handshakes, core_cfg.tcp_max_connections);
	conn_destroy(p->c);
	return 0;
}

/* May a connection from @peer be accepted? Evicts to make room. */
static int conn_admit(const struct sc_listener *l,
		      const struct sockaddr_storage *peer, uint32_t *ipb)
{
	char a[SC_ADDR_STRLEN];
	uint64_t n;

	if (iplim_enabled()) {
		*ipb = iplim_bucket((const struct sockaddr *)peer);
		if (iplim_count(*ipb) >=
		    (unsigned)core_cfg.tcp_max_connections_per_ip) {
			CORE_ATOMIC_ADD(&core_shared->refused_per_ip, 1);
			SC_LOG_RL(SC_L_WARN, "%s: refused %s: "
				  "tcp_max_connections_per_ip (%d) reached",
				  l->name, sc_addr_str((const void *)peer, a,
						       sizeof(a)),
				  core_cfg.tcp_max_connections_per_ip);
			return -1;
		}
	}
	if (conn_nfresh >= (unsigned)core_cfg.tcp_max_handshakes &&
	    conn_evict_one() < 0)
		return -1;
	if (CORE_ATOMIC_LOAD(&core_shared->conns) <
	    core_cfg.tcp_max_connections || conn_evict_one() == 0)
		return 0;
	n = CORE_ATOMIC_ADD(&core_shared->refused_limit, 1);
	SC_LOG_RL(SC_L_WARN, "%s: refused %s: tcp_max_connections (%d) "
		  "reached, %llu refused so far", l->name,
		  sc_addr_str((const void *)peer, a, sizeof(a)),
		  core_cfg.tcp_max_connections, (unsigned long long)n);
	return -1;
}

void conn_accepted(const struct sc_listener *l, int fd,
		   const struct sockaddr_storage *peer, socklen_t peerlen)
{
	struct sc_conn *c;
	uint32_t ipb = 0;

	if (conn_admit(l, peer, &ipb) < 0) {
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
	if (iplim_enabled()) {
		c->priv->ipb = ipb;
		c->priv->ip_counted = 1;
		iplim_add(ipb, 1);
	}
	list_add_tail(&c->priv->fresh, &conn_fresh);
	conn_nfresh++;
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

struct sc_conn *sc_conn_connect(const char *proto, const struct sockaddr *dst,
				socklen_t dstlen, const char *host,
				unsigned flags)
{
	const struct sc_transport_ops *ops = sc_transport_find(proto);
	const struct sc_listener *l;
	char ip[SC_ADDR_STRLEN];
	struct sc_conn *c;
	int fd, r;

	if (!ops) {
		SC_ERR("connect: no '%s' transport%s", proto,
		       transport_disabled(proto) ? " (disabled)" : "");
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
	c->dst_name = strdup(host ? host : sc_addr_ip_str(dst, ip, sizeof(ip)));
	c->dst_flags = host ? flags : 0;
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

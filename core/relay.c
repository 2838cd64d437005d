/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The edge relay (prefix: relay_).
 *
 * sipcore as an RFC 5626 edge proxy in front of a SIP server, stateless in
 * the sense of RFC 3261 16.11:
 *
 * - A request from the outside (any source not in forward_from) goes to
 *   forward_to. A request from the inside goes where its Route (after our
 *   own entries) or its Request-URI says, or, when our own Route entry
 *   carries a flow token, onto that client's connection.
 * - We put our Via on top, with a branch that is a keyed hash of the
 *   request (branch.c), so a retransmission, a CANCEL and the ACK of a
 *   non-2xx reply get the branch of their INVITE without any state. When
 *   the request came on a stream, the branch also carries that stream's
 *   flow token, so the reply finds its way back to the connection,
 *   whichever worker receives it.
 * - Replies lose our Via and go back on the flow, or over UDP to the next
 *   Via (received/rport, RFC 3581).
 * - REGISTER from the outside gets a Path with a flow token (RFC 3327,
 *   5626), dialog-creating requests two Record-Route entries (RFC 5658):
 *   one that faces the inside, one that faces the client with its token.
 *
 * The only state: per worker, the retransmissions of requests that came
 * on a stream and leave on UDP (relay_rtx.c), the few outgoing stream
 * connections it reuses, and nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sipcore/addr.h>
#include <sipcore/conn.h>
#include <sipcore/log.h>

#include "branch.h"
#include "core.h"
#include "dns.h"
#include "flow.h"
#include "ipc.h"
#include "listen.h"
#include "relay.h"
#include "relay_cfg.h"
#include "relay_rtx.h"
#include "sip_edit.h"
#include "sip_msg.h"
#include "sip_uri.h"
#include "sip_via.h"

#define RELAY_EDIT_ROOM 8192     /* what our edits may add to a message */
#define RELAY_HDR_MAX 1024       /* one Via, Record-Route or Path value */
#define RELAY_OUT_CONNS 64       /* outgoing stream connections reused */
#define RELAY_ALT_MAX 4096       /* our 430 for the sender of a request */
#define RELAY_IPC_BUF (relay_buf_len + sizeof(struct relay_ipc) + \
		       BRANCH_MAX + RELAY_ALT_MAX)

static struct {
	int on;
	struct relay_dst fwd;
	struct relay_net inside[RELAY_MAX_NETS];
	unsigned ninside;
	const char *peer_header;
	unsigned flow_timer;
	char flow_timer_hdr[40];
} relay;

/* Where a message goes. */
struct relay_next {
	int to_flow;
	struct flow flow;            /* to_flow */
	struct relay_dst dst;        /* else */
};

/* Outgoing stream connections of this worker, reused by destination. */
static struct {
	enum sc_proto proto;
	struct sockaddr_storage addr;
	char host[RELAY_HOST_MAX];
	uint64_t id;
} relay_out[RELAY_OUT_CONNS];
static unsigned relay_out_next;

static char *relay_buf, *relay_ipc_buf;
static size_t relay_buf_len;

/* What a hand-over to the worker that owns a flow carries (ipc.c). */
enum { RELAY_IPC_REQUEST = 1, RELAY_IPC_REPLY = 2 };

struct relay_ipc {
	uint32_t kind;
	uint32_t msg_len;
	int32_t status;              /* reply: its code */
	uint32_t branch_len;         /* reply: our branch, for rtx_reply */
	uint32_t alt_len;            /* request: the 430 if the flow is gone */
	uint32_t alt_udp;            /* the 430 goes over UDP to alt_addr, */
	uint64_t alt_conn;           /* else on this connection */
	struct sockaddr_storage alt_addr;
	socklen_t alt_addrlen;
	/* then: msg, branch, alt */
};

static const char *relay_proto_name(enum sc_proto p);

/*
 * Requests queued on an outgoing connection that is not open yet: if it
 * never opens, their senders get a 503 (prebuilt, so nothing of the
 * request must be kept).
 */
#define RELAY_WAIT_MAX 256
#define RELAY_WAIT_REPLY 2048

struct relay_wait {
	uint64_t conn;                /* 0: free */
	uint64_t expires;
	struct relay_ipc back;        /* how the 503 goes back */
	size_t len;
	char reply[RELAY_WAIT_REPLY];
};

static struct relay_wait *relay_waits;

/* ---- setup ------------------------------------------------------------ */

int relay_init(const struct cfg_core *cc, char *err, size_t errlen)
{
	char why[256];
	int n;

	if (!cc->forward_to)
		return 0;
	if (relay_cfg_dst(cc->forward_to, &relay.fwd, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "forward_to: %s", why);
		return -1;
	}
	if (cc->forward_from) {
		n = relay_cfg_nets(cc->forward_from, relay.inside,
				   RELAY_MAX_NETS, why, sizeof(why));
		if (n < 0) {
			snprintf(err, errlen, "forward_from: %s", why);
			return -1;
		}
		relay.ninside = (unsigned)n;
	} else {
		relay_cfg_net_of((struct sockaddr *)&relay.fwd.addr,
				 &relay.inside[0]);
		relay.ninside = 1;
	}
	if (cc->flow_secret_file) {
		if (flow_secret_from_file(cc->flow_secret_file, why,
					  sizeof(why)) < 0) {
			snprintf(err, errlen, "flow_secret_file: %s", why);
			return -1;
		}
	} else if (flow_random_secret() < 0) {
		snprintf(err, errlen, "cannot make a flow secret");
		return -1;
	}
	relay.peer_header = cc->relay_peer_header && cc->relay_peer_header[0]
			    ? cc->relay_peer_header : NULL;
	rtx_setup((unsigned)cc->relay_t1, (unsigned)cc->relay_t2);
	relay.flow_timer = (unsigned)cc->flow_timer;
	snprintf(relay.flow_timer_hdr, sizeof(relay.flow_timer_hdr),
		 "Flow-Timer: %u\r\n", relay.flow_timer);
	if (relay.flow_timer &&
	    cc->tcp_connection_lifetime < cc->flow_timer + 20)
		SC_WARN("flow_timer=%d: tcp_connection_lifetime=%d closes idle "
			"flows before a client's keepalive is due (want at "
			"least flow_timer + 20)", cc->flow_timer,
			cc->tcp_connection_lifetime);
	if (dns_setup(cc->dns_servers, (unsigned)cc->dns_timeout, err,
		      errlen) < 0)
		return -1;
	relay.on = 1;
	SC_NOTICE("relay: requests from outside go to %s:%s%s%s",
		  relay_proto_name(relay.fwd.proto),
		  sc_addr_str((struct sockaddr *)&relay.fwd.addr, why,
			      sizeof(why)),
		  relay.fwd.host_is_ip ? "" : " = ",
		  relay.fwd.host_is_ip ? "" : relay.fwd.host);
	return 0;
}

int relay_enabled(void)
{
	return relay.on;
}

int relay_worker_init(void)
{
	if (!relay.on)
		return 0;
	if (dns_worker_init() < 0)
		return -1;
	relay_waits = calloc(RELAY_WAIT_MAX, sizeof(*relay_waits));
	if (!relay_waits) {
		SC_ERR("relay: no memory for the connect table");
		return -1;
	}
	relay_buf_len = (size_t)core_cfg.max_msg_size + RELAY_EDIT_ROOM;
	relay_buf = malloc(relay_buf_len);
	relay_ipc_buf = malloc(RELAY_IPC_BUF);
	if (!relay_buf || !relay_ipc_buf) {
		SC_ERR("relay: no memory for the relay buffer");
		return -1;
	}
	return 0;
}

/* ---- small helpers ----------------------------------------------------- */

static const char *relay_proto_name(enum sc_proto p)
{
	return p == SC_PROTO_TLS ? "tls" : p == SC_PROTO_TCP ? "tcp" : "udp";
}

static const char *relay_via_name(enum sc_proto p)
{
	return p == SC_PROTO_TLS ? "TLS" : p == SC_PROTO_TCP ? "TCP" : "UDP";
}

static int relay_method_is(const struct sc_sip_msg *m, const char *name)
{
	size_t l = strlen(name);

	return m->method.len == l && memcmp(m->method.s, name, l) == 0;
}

static enum sc_proto relay_conn_proto(const struct sc_conn *c)
{
	return c && c->lst ? c->lst->proto : SC_PROTO_UDP;
}

/* The flow of the stream connection a message came in on. */
static int relay_flow_of(const struct sc_rcv_info *ri, struct flow *f)
{
	memset(f, 0, sizeof(*f));
	f->conn_id = ri->conn_id;
	f->rank = (uint16_t)ipc_owner(ri->conn_id);
	f->proto = (uint8_t)relay_conn_proto(ri->conn);
	return flow_set_peer(f, (const struct sockaddr *)&ri->src);
}

/* "<sip:[TOKEN@]ADDR[;transport=T];lr[;ob]>" for listener @l. */
static int relay_uri_value(char *out, size_t len, const struct sc_listener *l,
			   const struct flow *f)
{
	char tok[FLOW_TOKEN_MAX + 2] = "", a[SC_ADDR_STRLEN];
	int n;

	if (f) {
		if (flow_encode(f, tok, sizeof(tok) - 1) < 0)
			return -1;
		strcat(tok, "@");
	}
	n = snprintf(out, len, "<sip:%s%s%s%s;lr%s>", tok,
		     sc_addr_str((const struct sockaddr *)&l->addr, a,
				 sizeof(a)),
		     l->proto == SC_PROTO_UDP ? "" : ";transport=",
		     l->proto == SC_PROTO_UDP ? "" : relay_proto_name(l->proto),
		     f ? ";ob" : "");
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* Our listener for sending with @proto to @family (any of it as a last
 * resort: a Via's sent-by only has to be ours). */
static const struct sc_listener *relay_listener(enum sc_proto proto,
						int family)
{
	const struct sc_listener *l = listen_find(proto, family);

	if (!l)
		l = listen_find(SC_PROTO_UDP, family);
	if (!l)
		l = listen_find(proto, 0);
	return l;
}

/* Is the host:port of @u one of our listeners? */
static int relay_uri_is_ours(const struct sip_uri *u)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char host[64];
	unsigned port = u->port;

	if (u->host_type != SIP_URI_HOST_IPV4 &&
	    u->host_type != SIP_URI_HOST_IPV6)
		return 0;
	if (u->host.len >= sizeof(host))
		return 0;
	memcpy(host, u->host.s, u->host.len);
	host[u->host.len] = '\0';
	if (!port)
		port = u->scheme == SIP_URI_SIPS ||
		       sip_caseeq(u->transport.s, u->transport.len, "tls", 3)
		       ? 5061 : 5060;
	if (sc_addr_from_ip(host, (unsigned short)port, &ss, &len) < 0)
		return 0;
	return listen_is_ours((struct sockaddr *)&ss);
}

/* A URI's destination: transport from sips:/transport=, port default. */
static int relay_uri_dst(const struct sip_uri *u, struct relay_dst *d)
{
	char host[64];
	unsigned port = u->port;

	memset(d, 0, sizeof(*d));
	if (u->scheme == SIP_URI_SIPS ||
	    sip_caseeq(u->transport.s, u->transport.len, "tls", 3))
		d->proto = SC_PROTO_TLS;
	else if (sip_caseeq(u->transport.s, u->transport.len, "tcp", 3))
		d->proto = SC_PROTO_TCP;
	else
		d->proto = SC_PROTO_UDP;
	if (!port)
		port = d->proto == SC_PROTO_TLS ? 5061 : 5060;
	if (u->host.len >= sizeof(host) || u->host.len >= sizeof(d->host))
		return -1;
	memcpy(host, u->host.s, u->host.len);
	host[u->host.len] = '\0';
	memcpy(d->host, host, u->host.len + 1);
	if (u->host_type == SIP_URI_HOST_NAME)
		return -2; /* needs DNS */
	if (sc_addr_from_ip(host, (unsigned short)port, &d->addr,
			    &d->addrlen) < 0)
		return -1;
	d->host_is_ip = 1;
	return 0;
}

/* ---- sending ------------------------------------------------------------ */

static int relay_send_udp(const struct sockaddr *to, socklen_t tolen,
			  const char *buf, size_t len, int *fd_out)
{
	const struct sc_listener *l = listen_find(SC_PROTO_UDP, to->sa_family);
	int fd = listen_udp_fd(l);
	char a[SC_ADDR_STRLEN];

	if (fd < 0) {
		SC_LOG_RL(SC_L_WARN, "relay: no UDP listener for %s",
			  sc_addr_str(to, a, sizeof(a)));
		return -1;
	}
	if (fd_out)
		*fd_out = fd;
	if (sendto(fd, buf, len, MSG_DONTWAIT, to, tolen) < 0) {
		SC_LOG_RL(SC_L_INFO, "relay: sendto %s failed: %m",
			  sc_addr_str(to, a, sizeof(a)));
		return -1;
	}
	return 0;
}

/* An open (or opening) connection of ours to @d, reused when it can be. */
static struct sc_conn *relay_stream(const struct relay_dst *d)
{
	struct sc_conn *c;
	unsigned i;

	for (i = 0; i < RELAY_OUT_CONNS; i++) {
		if (!relay_out[i].id || relay_out[i].proto != d->proto ||
		    !sc_addr_equal((struct sockaddr *)&relay_out[i].addr,
				   (const struct sockaddr *)&d->addr) ||
		    strcmp(relay_out[i].host, d->host))
			continue;
		c = sc_conn_find(relay_out[i].id);
		if (c)
			return c;
		relay_out[i].id = 0;
	}
	/* a name is the SIP domain of the next hop: RFC 5922 checks it */
	c = sc_conn_connect(relay_proto_name(d->proto),
			    (const struct sockaddr *)&d->addr, d->addrlen,
			    d->host_is_ip ? NULL : d->host,
			    d->host_is_ip ? 0 : SC_CONN_SIP_DOMAIN);
	if (!c)
		return NULL;
	i = relay_out_next++ % RELAY_OUT_CONNS;
	relay_out[i].proto = d->proto;
	memcpy(&relay_out[i].addr, &d->addr, sizeof(d->addr));
	snprintf(relay_out[i].host, sizeof(relay_out[i].host), "%s", d->host);
	relay_out[i].id = c->id;
	return c;
}

static int relay_send_dst(const struct relay_dst *d, const char *buf,
			  size_t len, int *udp_fd, struct sc_conn **cp)
{
	struct sc_conn *c;

	*cp = NULL;
	if (d->proto == SC_PROTO_UDP)
		return relay_send_udp((const struct sockaddr *)&d->addr,
				      d->addrlen, buf, len, udp_fd);
	c = relay_stream(d);
	if (!c)
		return -1;
	*cp = c;
	return sc_conn_send(c, buf, len);
}

/* Send a reply we make (430) the way a request came. */
static void relay_send_back(const struct relay_ipc *h, const char *buf,
			    size_t len)
{
	if (h->alt_udp)
		relay_send_udp((const struct sockaddr *)&h->alt_addr,
			       h->alt_addrlen, buf, len, NULL);
	else
		sc_conn_send_id(h->alt_conn, buf, len);
}

/* How a reply of ours goes back to the sender of what @ri describes. */
static void relay_back_of(const struct sc_rcv_info *ri, struct relay_ipc *b)
{
	memset(b, 0, sizeof(*b));
	b->alt_udp = ri->conn ? 0 : 1;
	b->alt_conn = ri->conn_id;
	memcpy(&b->alt_addr, &ri->src, sizeof(b->alt_addr));
	b->alt_addrlen = ri->srclen;
}

/* Remember a 503 for the sender of a request queued on @c while it opens. */
static void relay_wait_add(const struct sc_conn *c, const char *reply,
			   size_t len, const struct relay_ipc *back)
{
	uint64_t now = sc_now_ms();
	struct relay_wait *w = NULL;
	unsigned i;

	if (!relay_waits || len > RELAY_WAIT_REPLY)
		return;
	for (i = 0; i < RELAY_WAIT_MAX && !w; i++)
		if (!relay_waits[i].conn || relay_waits[i].expires < now)
			w = &relay_waits[i];
	if (!w) {
		SC_LOG_RL(SC_L_INFO, "relay: %d requests wait for connections "
			  "already; this one's sender gets no 503 if it fails",
			  RELAY_WAIT_MAX);
		return;
	}
	w->back = *back;
	memcpy(w->reply, reply, len);
	w->len = len;
	w->conn = c->id;
	/* connect and handshake both bounded by the core's timers */
	w->expires = now + 1000u * (uint64_t)(core_cfg.tcp_connect_timeout +
					      core_cfg.tcp_send_timeout) +
		     c->handshake_timeout_ms;
}

void relay_outgoing_gone(struct sc_conn *c, int opened)
{
	unsigned i, n = 0;

	if (!relay_waits)
		return;
	for (i = 0; i < RELAY_WAIT_MAX; i++) {
		struct relay_wait *w = &relay_waits[i];

		if (w->conn != c->id)
			continue;
		w->conn = 0;
		if (opened)
			continue;
		relay_send_back(&w->back, w->reply, w->len);
		n++;
	}
	if (n)
		SC_LOG_RL(SC_L_NOTICE, "relay: connection to %s failed: 503 to "
			  "the senders of %u requests", c->peer_str, n);
}

/*
 * Deliver on the flow's connection: here if we own it, else through its
 * owner. @alt (a 430 for the sender, may be empty) goes back when the
 * connection is gone (then -1). -2: the owner could not be reached.
 */
static int relay_send_flow(const struct flow *f, int kind, int status,
			   const char *branch, size_t blen, const char *msg,
			   size_t len, const char *alt, size_t altlen,
			   const struct sc_rcv_info *ri)
{
	struct relay_ipc h;
	struct sc_conn *c;
	char *p;

	memset(&h, 0, sizeof(h));
	h.kind = (uint32_t)kind;
	h.status = status;
	h.alt_udp = ri->conn ? 0 : 1;
	h.alt_conn = ri->conn_id;
	memcpy(&h.alt_addr, &ri->src, sizeof(h.alt_addr));
	h.alt_addrlen = ri->srclen;
	if (f->rank == core_rank) {
		if (kind == RELAY_IPC_REPLY && rtx_reply(branch, blen, status))
			return 0;
		c = sc_conn_find(f->conn_id);
		if (!c || !flow_peer_eq(f, (struct sockaddr *)&c->peer)) {
			if (altlen)
				relay_send_back(&h, alt, altlen);
			return -1;
		}
		return sc_conn_send(c, msg, len);
	}
	if (f->rank < 1 || f->rank > sc_children())
		return -2;
	h.msg_len = (uint32_t)len;
	h.branch_len = (uint32_t)blen;
	h.alt_len = (uint32_t)altlen;
	if (sizeof(h) + len + blen + altlen > RELAY_IPC_BUF)
		return -2;
	p = relay_ipc_buf;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), msg, len);
	if (blen)
		memcpy(p + sizeof(h) + len, branch, blen);
	if (altlen)
		memcpy(p + sizeof(h) + len + blen, alt, altlen);
	if (ipc_send(f->rank, f->conn_id, IPC_RELAY, p,
		     sizeof(h) + len + blen + altlen) < 0)
		return -2;
	return 0;
}

void relay_ipc_deliver(uint64_t id, const void *buf, size_t len)
{
	struct relay_ipc h;
	const char *p = buf;
	struct sc_conn *c;

	if (len < sizeof(h))
		return;
	memcpy(&h, p, sizeof(h));
	if ((size_t)h.msg_len + h.branch_len + h.alt_len != len - sizeof(h))
		return;
	p += sizeof(h);
	if (h.kind == RELAY_IPC_REPLY &&
	    rtx_reply(p + h.msg_len, h.branch_len, h.status))
		return;
	c = sc_conn_find(id);
	if (!c) {
		SC_INFO("relay: connection %llu is gone: flow failed",
			(unsigned long long)id);
		if (h.alt_len)
			relay_send_back(&h, p + h.msg_len + h.branch_len,
					h.alt_len);
		return;
	}
	sc_conn_send(c, p, h.msg_len);
}

/* A reply of ours into @out (for a flow's owner to send back). */
static int relay_make_reply(const struct sc_sip_msg *m,
			    const struct sc_rcv_info *ri, int code,
			    const char *reason, char *out, size_t len)
{
	char tag[32];

	snprintf(tag, sizeof(tag), "sc-relay-%d", code);
	return sip_reply_build(m, (const struct sockaddr *)&ri->src, code,
			       reason, tag, core_cfg.server_header, NULL, out,
			       len);
}

static void relay_reply(const struct sc_sip_msg *m,
			const struct sc_rcv_info *ri, int code,
			const char *reason)
{
	if (relay_method_is(m, "ACK"))
		return; /* an ACK is never answered */
	sc_sip_reply(m, ri, code, reason, NULL);
}

/* ---- requests waiting for DNS ----------------------------------------- */

/* A request whose next hop is a name: it waits here for the address. */
struct relay_dnsq {
	struct relay_ipc back;        /* where the 503 goes if it fails */
	enum sc_proto proto;
	char host[RELAY_HOST_MAX];    /* the SIP domain, checked on TLS */
	int rtx;                      /* a stream request: retransmit on UDP */
	int invite;
	uint64_t client;
	struct sockaddr_storage client_addr;
	char branch[BRANCH_MAX + 1];
	size_t altlen;
	char alt[RELAY_WAIT_REPLY];   /* the 503 */
	size_t len;
	char msg[];
};

static void relay_dns_done(void *arg, const struct sockaddr *sa,
			   socklen_t salen, const char *target,
			   const char *why)
{
	struct relay_dnsq *q = arg;
	struct relay_dst d;
	struct sc_conn *oc = NULL;
	int fd = -1;

	if (!sa) {
		SC_LOG_RL(SC_L_NOTICE, "relay: %s: 503", why);
		goto fail;
	}
	memset(&d, 0, sizeof(d));
	d.proto = q->proto;
	memcpy(&d.addr, sa, salen);
	d.addrlen = salen;
	/* RFC 5922 7: a TLS server is checked against the SIP domain, not
	 * against the SRV target it was found through */
	snprintf(d.host, sizeof(d.host), "%s", q->host);
	SC_DBG("relay: %s is %s", q->host, target);
	if (relay_send_dst(&d, q->msg, q->len, &fd, &oc) < 0)
		goto fail;
	if (oc && oc->state != SC_CONN_OPEN && q->altlen)
		relay_wait_add(oc, q->alt, q->altlen, &q->back);
	if (q->rtx && d.proto == SC_PROTO_UDP)
		rtx_add(q->branch, q->invite, fd, (struct sockaddr *)&d.addr,
			d.addrlen, q->client, &q->client_addr, q->msg, q->len);
	free(q);
	return;
fail:
	if (q->altlen)
		relay_send_back(&q->back, q->alt, q->altlen);
	free(q);
}

/* Send @msg once the address of @d->host is known. */
static int relay_dns_start(const struct sc_sip_msg *m,
			   const struct sc_rcv_info *ri,
			   const struct relay_dst *d, unsigned short port,
			   const char *branch, const char *msg, size_t len)
{
	struct relay_dnsq *q = calloc(1, sizeof(*q) + len);
	int n;

	if (!q)
		goto fail;
	relay_back_of(ri, &q->back);
	q->proto = d->proto;
	snprintf(q->host, sizeof(q->host), "%s", d->host);
	q->rtx = ri->conn != NULL && !relay_method_is(m, "ACK");
	q->invite = relay_method_is(m, "INVITE");
	q->client = ri->conn_id;
	memcpy(&q->client_addr, &ri->src, sizeof(q->client_addr));
	snprintf(q->branch, sizeof(q->branch), "%s", branch);
	if (!relay_method_is(m, "ACK")) {
		n = relay_make_reply(m, ri, 503, "Service Unavailable",
				     q->alt, sizeof(q->alt));
		q->altlen = n > 0 ? (size_t)n : 0;
	}
	memcpy(q->msg, msg, len);
	q->len = len;
	if (dns_sip_lookup(q->host, port, q->proto, relay_dns_done, q) == 0)
		return 1;
	free(q);
fail:
	relay_reply(m, ri, 503, "Service Unavailable");
	return 1;
}

/* ---- requests --------------------------------------------------------- */

/*
 * Our own Route entries at the top: how many, and the flow token one of
 * them carries. -1 when a token of ours is forged (the request is refused).
 */
static int relay_our_routes(const struct sc_sip_msg *m, struct flow *f,
			    int *has_flow, struct sc_str *next)
{
	unsigned i;
	int n = 0;

	*has_flow = 0;
	next->s = NULL;
	next->len = 0;
	for (i = 0; i < m->nhdrs; i++) {
		struct sc_str rest, item;
		int r;

		if (m->hdrs[i].id != SIP_H_ROUTE)
			continue;
		rest = m->hdrs[i].value;
		while ((r = sip_uri_list_next(&rest, &item)) == 1) {
			struct sip_uri_addr a;

			if (sip_uri_addr_parse(item.s, item.len, 1, &a) < 0 ||
			    !relay_uri_is_ours(&a.uri)) {
				*next = item;
				return n;
			}
			if (a.uri.has_user) {
				enum flow_ret fr = flow_decode(a.uri.user.s,
							       a.uri.user.len,
							       f);

				if (fr == FLOW_FORGED)
					return -1;
				if (fr == FLOW_OK)
					*has_flow = 1;
			}
			n++;
		}
		if (r < 0)
			return -2;
	}
	return n;
}

/* A hash of a UDP request's identity, for absorbing retransmissions. */
static uint64_t relay_absorb_key(const struct sc_sip_msg *m,
				 const struct sip_via *top)
{
	uint64_t h = 1469598103934665603ULL ^ core_shared->tag_secret;
	size_t i;

	for (i = 0; i < top->value.len; i++)
		h = (h ^ (unsigned char)top->value.s[i]) * 1099511628211ULL;
	for (i = 0; i < m->method.len; i++)
		h = (h ^ (unsigned char)m->method.s[i]) * 1099511628211ULL;
	return h;
}

/*
 * The client's top Via with received and rport set to where the request
 * really came from (RFC 3261 18.2.1, RFC 3581), so that the reply finds
 * its way back through NAT.
 */
static int relay_client_via(const struct sip_via *v,
			    const struct sc_rcv_info *ri, char *out,
			    size_t len)
{
	char ip[SC_ADDR_STRLEN];
	struct sc_str rest = v->params;
	struct sip_uri_param pm;
	size_t pre = v->params.len ? (size_t)(v->params.s - v->value.s - 1)
				   : v->value.len;
	int n, r;

	n = snprintf(out, len, "%.*s", (int)pre, v->value.s);
	while (v->params.len && (r = sip_uri_gparam_next(&rest, &pm)) == 1) {
		if (sip_caseeq(pm.name.s, pm.name.len, "received", 8) ||
		    sip_caseeq(pm.name.s, pm.name.len, "rport", 5))
			continue;
		n += snprintf(out + n, n < (int)len ? len - (size_t)n : 0,
			      ";%.*s%s%.*s", (int)pm.name.len, pm.name.s,
			      pm.has_value ? "=" : "", (int)pm.value.len,
			      pm.value.s);
	}
	n += snprintf(out + n, n < (int)len ? len - (size_t)n : 0,
		      ";received=%s;rport=%u",
		      sc_addr_ip_str((const struct sockaddr *)&ri->src, ip,
				     sizeof(ip)),
		      sc_addr_port((const struct sockaddr *)&ri->src));
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* The peer-identity header for a request from a TLS client (opt-in). */
static void relay_peer_identity(const struct sc_rcv_info *ri, char *out,
				size_t len)
{
	const struct sc_peer_info *pi = ri->conn ? sc_conn_peer_info(ri->conn)
						 : NULL;
	int n;
	unsigned i;

	out[0] = '\0';
	if (!pi)
		return;
	n = snprintf(out, len, "%s: verified=%s", relay.peer_header,
		     pi->verified > 0 ? "yes" : "no");
	if (pi->subject)
		n += snprintf(out + n, n < (int)len ? len - (size_t)n : 0,
			      ";subject=\"%s\"", pi->subject);
	for (i = 0; i < pi->nsan; i++)
		n += snprintf(out + n, n < (int)len ? len - (size_t)n : 0,
			      "%s%s", i ? "," : ";san=\"", pi->san[i]);
	if (pi->nsan)
		n += snprintf(out + n, n < (int)len ? len - (size_t)n : 0,
			      "\"");
	n += snprintf(out + n, n < (int)len ? len - (size_t)n : 0, "\r\n");
	/* a value with a quote or a line end in it would not be one header */
	if (n <= 0 || (size_t)n >= len || strpbrk(out, "\n") != out + n - 1)
		out[0] = '\0';
}

/*
 * RFC 3261 16.3.4: a Via of ours whose loop part matches this request as
 * it arrives means it comes back routed as we sent it: a loop. Routing that
 * changed on the way is a spiral, and is relayed. -1: a malformed Via.
 */
static int relay_looped(const struct sc_sip_msg *m)
{
	struct branch_info bi;
	struct sip_via_iter it;
	struct sip_via v;
	int r;

	sip_via_iter_init(&it, m);
	while ((r = sip_via_iter_next(&it, &v)) == 1)
		if (v.has_branch &&
		    branch_parse(v.branch.s, v.branch.len, &bi) == BRANCH_OK &&
		    branch_is_loop(m, &bi) == 1)
			return 1;
	return r < 0 ? -1 : 0;
}

static int relay_is_dialog_creating(const struct sc_sip_msg *m)
{
	return relay_method_is(m, "INVITE") || relay_method_is(m, "SUBSCRIBE")
	       || relay_method_is(m, "REFER");
}

/* OPTIONS for us: no user part, our address, and no Route. */
static int relay_for_us(const struct sc_sip_msg *m, const struct sip_uri *ru,
			int ru_ok)
{
	return relay_method_is(m, "OPTIONS") && ru_ok && !ru->has_user &&
	       relay_uri_is_ours(ru) && sip_find_hdr(m, SIP_H_ROUTE) < 0;
}

static int relay_request(struct sc_sip_msg *m, const struct sc_rcv_info *ri)
{
	char via[2 * RELAY_HDR_MAX], branch[BRANCH_MAX + 1];
	char rr0[RELAY_HDR_MAX], rr1[RELAY_HDR_MAX], cvia[RELAY_HDR_MAX];
	char idhdr[RELAY_HDR_MAX], alt[RELAY_ALT_MAX], a[SC_ADDR_STRLEN];
	int inside = relay_cfg_net_match(relay.inside, relay.ninside,
					 (const struct sockaddr *)&ri->src);
	struct flow in_flow, to_flow;
	struct relay_next nx;
	struct sip_via top;
	struct sip_uri ru;
	struct sip_edit e;
	struct sc_str next_route;
	const struct sc_listener *out_l, *in_l = ri->lst;
	struct sc_conn *oc;
	int mf, ru_ok, ours, has_flow, n, altlen = 0, udp_fd = -1, r = 0;
	unsigned short dns_port = 0;

	if (sip_via_top(m, &top) < 0 || sip_find_hdr(m, SIP_H_CALLID) < 0 ||
	    sip_find_hdr(m, SIP_H_CSEQ) < 0 || sip_find_hdr(m, SIP_H_FROM) < 0 ||
	    sip_find_hdr(m, SIP_H_TO) < 0) {
		relay_reply(m, ri, 400, "Bad Request (missing or bad headers)");
		return 1;
	}
	ru_ok = sip_uri_parse(m->ruri.s, m->ruri.len, &ru) == 0;
	if (relay_for_us(m, &ru, ru_ok))
		return 0;
	mf = sip_edit_maxfwd(m);
	if (mf == -2) {
		relay_reply(m, ri, 400, "Bad Request (Max-Forwards)");
		return 1;
	}
	if (mf == 0) {
		relay_reply(m, ri, 483, "Too Many Hops");
		return 1;
	}
	if (ri->conn && relay_flow_of(ri, &in_flow) < 0)
		return 1;
	r = relay_looped(m);
	if (r) {
		relay_reply(m, ri, r > 0 ? 482 : 400, r > 0 ? "Loop Detected"
			    : "Bad Request (Via)");
		return 1;
	}

	sip_edit_init(&e);
	memset(&nx, 0, sizeof(nx));
	/* 16.4: a strict router put our Record-Route in the Request-URI */
	if (ru_ok && ru.lr && relay_uri_is_ours(&ru) &&
	    sip_find_hdr(m, SIP_H_ROUTE) >= 0) {
		struct sc_str rest, item, last = { 0, 0 };
		unsigned i;

		for (i = 0; i < m->nhdrs; i++) {
			if (m->hdrs[i].id != SIP_H_ROUTE)
				continue;
			rest = m->hdrs[i].value;
			while (sip_uri_list_next(&rest, &item) == 1)
				last = item;
		}
		if (last.s) {
			struct sip_uri_addr la;

			if (sip_uri_addr_parse(last.s, last.len, 1, &la) == 0) {
				e.ruri = la.uri_text;
				e.drop_last_route = 1;
			}
		}
		if (ru.has_user && flow_decode(ru.user.s, ru.user.len,
					       &to_flow) == FLOW_OK) {
			nx.to_flow = 1;
			nx.flow = to_flow;
		}
	}
	ours = relay_our_routes(m, &to_flow, &has_flow, &next_route);
	if (ours == -1) {
		SC_LOG_RL(SC_L_NOTICE, "relay: forged flow token in a Route "
			  "from %s: 403", sc_addr_str((const void *)&ri->src,
						      a, sizeof(a)));
		relay_reply(m, ri, 403, "Forbidden (bad flow token)");
		return 1;
	}
	if (ours < 0) {
		relay_reply(m, ri, 400, "Bad Request (Route)");
		return 1;
	}
	e.drop_first_route = ours;
	/*
	 * RFC 5626 5.3: a token that names the flow the request came in on
	 * makes it an outgoing request from that client (its route set starts
	 * with our Record-Route entry facing it): routed on, not back.
	 */
	if (has_flow && ri->conn &&
	    flow_peer_eq(&to_flow, (const struct sockaddr *)&ri->src) &&
	    to_flow.conn_id == ri->conn_id)
		has_flow = 0;
	if (has_flow) {
		nx.to_flow = 1;
		nx.flow = to_flow;
	}

	/* the next hop */
	if (!inside && !nx.to_flow) {
		nx.dst = relay.fwd;
	} else if (!nx.to_flow) {
		struct sip_uri_addr na;
		const struct sip_uri *target = &ru;

		if (next_route.s) {
			if (sip_uri_addr_parse(next_route.s, next_route.len, 1,
					       &na) < 0) {
				relay_reply(m, ri, 400, "Bad Request (Route)");
				return 1;
			}
			target = &na.uri;
		} else if (e.ruri.s) {
			if (sip_uri_parse(e.ruri.s, e.ruri.len, &ru) < 0) {
				relay_reply(m, ri, 400, "Bad Request-URI");
				return 1;
			}
		} else if (!ru_ok) {
			relay_reply(m, ri, 416, "Unsupported URI Scheme");
			return 1;
		}
		r = relay_uri_dst(target, &nx.dst);
		if (r == -2)
			dns_port = (unsigned short)target->port;
		if (r < 0 && r != -2) {
			relay_reply(m, ri, 400, "Bad Request-URI");
			return 1;
		}
		if (r == 0 && listen_is_ours((struct sockaddr *)&nx.dst.addr)) {
			/* for us, and nothing says where else: we answer */
			relay_reply(m, ri, 404, "Not Found");
			return 1;
		}
	}

	/* our Via, for the transport it leaves on */
	if (nx.to_flow) {
		out_l = relay_listener((enum sc_proto)nx.flow.proto,
				       nx.flow.family);
	} else {
		out_l = relay_listener(nx.dst.proto, nx.dst.addr.ss_family);
	}
	if (!out_l) {
		relay_reply(m, ri, 500, "Server Internal Error");
		return 1;
	}
	/* the branch hashes the request as it leaves: after the Route edits */
	if (branch_make(m, &e, ri->conn ? &in_flow : NULL, branch,
			sizeof(branch)) < 0) {
		relay_reply(m, ri, 400, "Bad Request");
		return 1;
	}
	n = snprintf(via, sizeof(via), "SIP/2.0/%s %s;branch=%s%s",
		     relay_via_name(nx.to_flow ? (enum sc_proto)nx.flow.proto
					       : nx.dst.proto),
		     sc_addr_str((const struct sockaddr *)&out_l->addr, a,
				 sizeof(a)), branch,
		     !nx.to_flow && nx.dst.proto == SC_PROTO_UDP ? ";rport" : "");
	if (!ri->conn) {
		/* a UDP client: its reply goes to where it really is */
		if (relay_client_via(&top, ri, cvia, sizeof(cvia)) < 0)
			return 1;
		n += snprintf(via + n, sizeof(via) - (size_t)n, ", %s", cvia);
		e.drop_top_via = 1;
	}
	if (n <= 0 || (size_t)n >= sizeof(via))
		return 1;
	e.via = via;
	e.maxfwd = mf < 0 ? SIP_EDIT_MAXFWD_DEFAULT - 1 : mf - 1;
	e.ensure_clen = 1;

	/* flows: Path on REGISTER, double Record-Route on dialogs */
	if (!inside && ri->conn && relay_method_is(m, "REGISTER")) {
		if (relay_uri_value(rr0, sizeof(rr0), out_l, &in_flow) < 0)
			return 1;
		e.path[0] = rr0;
	} else if (relay_is_dialog_creating(m)) {
		const struct sc_listener *cl = nx.to_flow ? out_l : in_l;
		const struct sc_listener *sl = nx.to_flow ? in_l : out_l;
		const struct flow *f = nx.to_flow ? &nx.flow
				       : (ri->conn ? &in_flow : NULL);

		/* rr[0] faces the next hop, rr[1] the previous one */
		if (relay_uri_value(nx.to_flow ? rr0 : rr1, sizeof(rr0), cl,
				    f) < 0 ||
		    relay_uri_value(nx.to_flow ? rr1 : rr0, sizeof(rr0), sl,
				    NULL) < 0)
			return 1;
		e.rr[0] = rr0;
		e.rr[1] = rr1;
	}
	if (relay.peer_header) {
		e.remove[0] = relay.peer_header;
		if (!inside && ri->conn) {
			relay_peer_identity(ri, idhdr, sizeof(idhdr));
			if (idhdr[0])
				e.add = idhdr;
		}
	}

	n = sip_edit_build(m, &e, relay_buf, relay_buf_len);
	if (n < 0) {
		relay_reply(m, ri, 513, "Message Too Large");
		return 1;
	}
	if (nx.to_flow) {
		if (!relay_method_is(m, "ACK"))
			altlen = relay_make_reply(m, ri, 430, "Flow Failed", alt,
						  sizeof(alt));
		if (!ri->conn && rtx_absorb(relay_absorb_key(m, &top)))
			return 1; /* the stream got it already */
		if (relay_send_flow(&nx.flow, RELAY_IPC_REQUEST, 0, "", 0,
				    relay_buf, (size_t)n, alt,
				    altlen > 0 ? (size_t)altlen : 0, ri) == -2)
			relay_reply(m, ri, 503, "Service Unavailable");
		return 1;
	}
	if (!ri->conn && nx.dst.proto != SC_PROTO_UDP &&
	    rtx_absorb(relay_absorb_key(m, &top)))
		return 1;
	if (r == -2)
		return relay_dns_start(m, ri, &nx.dst, dns_port, branch,
				       relay_buf, (size_t)n);
	if (relay_send_dst(&nx.dst, relay_buf, (size_t)n, &udp_fd, &oc) < 0) {
		relay_reply(m, ri, 503, "Service Unavailable");
		return 1;
	}
	if (oc && oc->state != SC_CONN_OPEN && !relay_method_is(m, "ACK")) {
		altlen = relay_make_reply(m, ri, 503, "Service Unavailable",
					  alt, sizeof(alt));
		if (altlen > 0) {
			struct relay_ipc back;

			relay_back_of(ri, &back);
			relay_wait_add(oc, alt, (size_t)altlen, &back);
		}
	}
	if (ri->conn && nx.dst.proto == SC_PROTO_UDP &&
	    !relay_method_is(m, "ACK"))
		rtx_add(branch, relay_method_is(m, "INVITE"), udp_fd,
			(struct sockaddr *)&nx.dst.addr, nx.dst.addrlen,
			ri->conn_id, &ri->src, relay_buf, (size_t)n);
	return 1;
}

/* ---- replies ---------------------------------------------------------- */

/*
 * A 2xx to a REGISTER that has no Flow-Timer yet (RFC 5626 4.4.1: the
 * client sends its keepalives every 0.8 to 1.0 times that many seconds).
 */
static int relay_register_ok(const struct sc_sip_msg *m)
{
	struct sc_str v;
	int k = sip_find_hdr(m, SIP_H_CSEQ);

	if (m->status < 200 || m->status > 299 || k < 0)
		return 0;
	v = m->hdrs[k].value;
	if (v.len < 8 || !sip_caseeq(v.s + v.len - 8, 8, "REGISTER", 8))
		return 0;
	return sc_sip_header(m, "Flow-Timer", &v) < 0;
}

static int relay_response(struct sc_sip_msg *m, const struct sc_rcv_info *ri)
{
	struct branch_info bi;
	struct sip_via top, next;
	struct sip_via_iter it;
	struct sip_edit e;
	struct relay_dst d;
	char host[64];
	int n;

	(void)ri;
	if (sip_via_top(m, &top) < 0 || !top.has_branch ||
	    branch_parse(top.branch.s, top.branch.len, &bi) != BRANCH_OK) {
		SC_DBG("relay: reply %d not for us (top Via), dropped",
		       m->status);
		return 1;
	}
	sip_edit_init(&e);
	e.drop_top_via = 1;
	e.ensure_clen = 1;
	if (bi.has_flow && relay.flow_timer && relay_register_ok(m))
		e.add = relay.flow_timer_hdr;
	n = sip_edit_build(m, &e, relay_buf, relay_buf_len);
	if (n < 0)
		return 1;
	if (bi.has_flow) {
		relay_send_flow(&bi.flow, RELAY_IPC_REPLY, m->status,
				top.branch.s, top.branch.len, relay_buf,
				(size_t)n, NULL, 0, ri);
		return 1;
	}
	/* came over UDP: back to the next Via, RFC 3261 18.2.2 and 3581 */
	sip_via_iter_init(&it, m);
	if (sip_via_iter_next(&it, &next) != 1 ||
	    sip_via_iter_next(&it, &next) != 1) {
		SC_DBG("relay: reply %d has no Via below ours", m->status);
		return 1;
	}
	memset(&d, 0, sizeof(d));
	{
		struct sc_str h = next.has_received ? next.received : next.host;
		unsigned port = next.has_rport && next.rport ? next.rport
			      : next.port ? next.port : 5060;

		if (h.len >= sizeof(host))
			return 1;
		memcpy(host, h.s, h.len);
		host[h.len] = '\0';
		if (sc_addr_from_ip(host, (unsigned short)port, &d.addr,
				    &d.addrlen) < 0) {
			SC_LOG_RL(SC_L_INFO, "relay: reply %d: Via host '%s' "
				  "is no address, dropped", m->status, host);
			return 1;
		}
	}
	relay_send_udp((struct sockaddr *)&d.addr, d.addrlen, relay_buf,
		       (size_t)n, NULL);
	return 1;
}

int relay_handle(struct sc_sip_msg *m, const struct sc_rcv_info *ri)
{
	if (!relay.on)
		return 0;
	if (m->is_request)
		return relay_request(m, ri);
	return relay_response(m, ri);
}

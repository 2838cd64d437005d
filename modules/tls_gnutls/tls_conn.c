/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TLS connections: the "tls" transport (prefix: tls_conn).
 *
 * Everything here runs in the worker that owns the connection, driven by
 * the core's event loop: sessions are non-blocking (GNUTLS_NONBLOCK) and
 * every GNUTLS_E_AGAIN becomes SC_IO_AGAIN with the direction GnuTLS waits
 * for (gnutls_record_get_direction).
 */
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include <sipcore/log.h>
#include <sipcore/module.h>
#include <sipcore/transport.h>

#include "tls_cfg.h"
#include "tls_conn.h"
#include "tls_cred.h"
#include "tls_domain.h"
#include "tls_lookup.h"
#include "tls_scache.h"
#include "tls_info.h"
#include "tls_ticket.h"
#include "tls_util.h"
#include "tls_verify.h"
#include "tls_verify_int.h"

struct tls_conn {
	struct tls_verify_state vs;  /* first: the session pointer */
	struct sc_conn *c;
	gnutls_session_t s;
	struct tls_cred *cred;
	struct tls_cred_dom *dom;
	struct tls_info *info;
	size_t wpending;             /* bytes of a send that got AGAIN */
	unsigned want;
	unsigned hs_done:1;
	unsigned tickets_on:1;
};

/*
 * How many records that carry no data (TLS 1.2 warning alerts, say) one
 * call of handshake or read consumes before it yields. Each is cheap, but
 * a peer can send them without end, and a call that loops until they stop
 * would starve every other connection of the worker.
 */
#define TLS_CONN_NODATA_MAX 8

#define TLS_STAT_ADD(field) \
	__atomic_add_fetch(&tls_shared->field, 1, __ATOMIC_RELAXED)

static unsigned tls_direction(struct tls_conn *t)
{
	t->want = gnutls_record_get_direction(t->s) ? SC_WANT_WRITE
						    : SC_WANT_READ;
	return t->want;
}

/* Session tickets of the connection's domain (tls_tkt_enable). */
static void tls_conn_tickets(struct sc_conn *c, struct tls_conn *t,
			     const unsigned char *name)
{
	int prev = 0, ret;

	if (c->outgoing || !tls_cfg.session_tickets || t->tickets_on)
		return;
	tls_cred_tickets(t->cred);
	ret = tls_tkt_enable(t->s, &t->dom->tkt, name, &prev);
	if (ret < 0) {
		TLS_CLOG_GNUTLS(SC_L_WARN, c, ret,
				"session tickets off for this connection");
		return;
	}
	if (prev)
		SC_CLOG(SC_L_DBG, c, "tls_gnutls: ticket of the previous key");
	t->tickets_on = ret > 0;
}

/* The host name of a ClientHello's server_name extension (RFC 6066). */
static int tls_conn_sni_ext(void *ctx, unsigned tls_id,
			    const unsigned char *data, unsigned size)
{
	char *name = ctx;
	unsigned len;

	if (tls_id != 0 || size < 5)
		return 0;
	/* list length (2), name type (1: 0 host_name), name length (2) */
	len = (unsigned)data[3] << 8 | data[4];
	if (data[2] != 0 || len == 0 || len > size - 5 || len > 255)
		return 0;
	memcpy(name, data + 5, len);
	name[len] = '\0';
	return 0;
}

/*
 * Before GnuTLS reads the ClientHello. Several server domains on one
 * address differ by name (SNI): choose the domain first, its credentials,
 * priorities and verification, and its session ticket key, so that a
 * ticket issued by one name's domain cannot resume under another's. Then
 * the ticket key: the previous one for a ticket it made.
 */
static int tls_conn_client_hello(gnutls_session_t s, unsigned htype,
				 unsigned when, unsigned incoming,
				 const gnutls_datum_t *msg)
{
	struct tls_conn *t = gnutls_session_get_ptr(s);
	unsigned char tkt[TLS_TKT_NAME_SIZE];
	struct tls_cred_dom *d = t->dom;
	char name[256] = "";
	int has_tkt;

	(void)htype;
	(void)when;
	if (!incoming || t->tickets_on)
		return 0; /* a second ClientHello (after HRR) changes nothing */
	if (t->cred->sni_domains) {
		gnutls_ext_raw_parse(name, tls_conn_sni_ext, msg,
				     GNUTLS_EXT_RAW_FLAG_TLS_CLIENT_HELLO);
		d = tls_cred_server(t->cred, (struct sockaddr *)&t->c->local,
				    name[0] ? name : NULL);
	}
	if (d && d != t->dom) {
		SC_CLOG(SC_L_DBG, t->c, "tls_gnutls: SNI '%s' selects domain %s",
			name, d->id.name);
		t->dom = d;
		gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, d->x509);
		gnutls_priority_set(s, d->prio);
		tls_verify_setup(s, d, 0, NULL, 0, tls_cfg.send_ca_names);
		tls_scache_attach(s, d);
	}
	has_tkt = tls_cfg.session_tickets && tls_tkt_hello_name(msg, tkt);
	tls_conn_tickets(t->c, t, has_tkt ? tkt : NULL);
	return 0;
}

static int tls_conn_session(struct sc_conn *c, struct tls_conn *t)
{
	unsigned flags = GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL;
	const char *host = c->dst_name;
	int ret;

	flags |= c->outgoing ? GNUTLS_CLIENT : GNUTLS_SERVER;
	if (!tls_cfg.session_tickets)
		flags |= GNUTLS_NO_TICKETS;
	ret = gnutls_init(&t->s, flags);
	if (ret < 0) {
		TLS_CLOG_GNUTLS(SC_L_ERR, c, ret, "gnutls_init()");
		t->s = NULL;
		return -1;
	}
	gnutls_session_set_ptr(t->s, t);
	ret = gnutls_priority_set(t->s, t->dom->prio);
	if (ret < 0) {
		TLS_CLOG_GNUTLS(SC_L_ERR, c, ret, "gnutls_priority_set()");
		return -1;
	}
	ret = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE,
				     t->dom->x509);
	if (ret < 0) {
		TLS_CLOG_GNUTLS(SC_L_ERR, c, ret, "gnutls_credentials_set()");
		return -1;
	}
	if (c->outgoing && t->dom->id.server_name[0])
		host = t->dom->id.server_name;
	ret = tls_verify_setup(t->s, t->dom, c->outgoing, host,
			       c->outgoing && (c->dst_flags & SC_CONN_SIP_DOMAIN),
			       tls_cfg.send_ca_names);
	if (ret < 0) {
		TLS_CLOG_GNUTLS(SC_L_ERR, c, ret, "verification setup");
		return -1;
	}
	if (!c->outgoing)
		tls_scache_attach(t->s, t->dom);
	/* the ClientHello decides the domain (by name) and the ticket key */
	if (!c->outgoing && (t->cred->sni_domains || tls_cfg.session_tickets))
		gnutls_handshake_set_hook_function(t->s,
						   GNUTLS_HANDSHAKE_CLIENT_HELLO,
						   GNUTLS_HOOK_PRE,
						   tls_conn_client_hello);
	gnutls_transport_set_int(t->s, c->fd);
	return 0;
}

static int tls_conn_init(struct sc_conn *c)
{
	struct tls_conn *t = calloc(1, sizeof(*t));

	if (!t) {
		SC_CLOG(SC_L_ERR, c, "tls_gnutls: out of memory");
		return -1;
	}
	t->c = c;
	c->tdata = t;
	c->handshake_timeout_ms = (unsigned)tls_cfg.handshake_timeout * 1000u;
	c->send_timeout_ms = (unsigned)tls_cfg.send_timeout * 1000u;
	t->cred = tls_cred_get();
	if (!t->cred) {
		SC_CLOG(SC_L_ERR, c, "tls_gnutls: no credentials, refusing");
		return -1;
	}
	t->dom = c->outgoing
		? tls_cred_client(t->cred, (struct sockaddr *)&c->peer,
				  c->dst_name)
		: tls_cred_server(t->cred, (struct sockaddr *)&c->local, NULL);
	if (!t->dom) {
		SC_CLOG(SC_L_ERR, c, "tls_gnutls: no domain for this connection");
		return -1;
	}
	if (!c->outgoing && !t->dom->has_cert) {
		SC_CLOG(SC_L_ERR, c, "tls_gnutls: domain %s has no certificate",
			t->dom->id.name);
		return -1;
	}
	SC_CLOG(SC_L_DBG, c, "tls_gnutls: domain %s", t->dom->id.name);
	return tls_conn_session(c, t);
}

static void tls_conn_log_failure(struct sc_conn *c, struct tls_conn *t,
				 int ret)
{
	char why[256];
	unsigned st;

	TLS_STAT_ADD(handshake_failures);
	switch (ret) {
	case GNUTLS_E_CERTIFICATE_ERROR:
	case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR:
	case GNUTLS_E_NO_CERTIFICATE_FOUND:
	case GNUTLS_E_CERTIFICATE_REQUIRED:
		TLS_STAT_ADD(verify_failures);
		st = t->vs.checked ? t->vs.status
				   : gnutls_session_get_verify_cert_status(t->s);
		tls_verify_describe(st, t->vs.no_cert ||
				    ret == GNUTLS_E_NO_CERTIFICATE_FOUND ||
				    ret == GNUTLS_E_CERTIFICATE_REQUIRED,
				    why, sizeof(why));
		TLS_CLOG_GNUTLS(SC_L_NOTICE, c, ret, "handshake refused, peer "
				"certificate: %s; gnutls_handshake()", why);
		return;
	case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
	case GNUTLS_E_UNEXPECTED_PACKET:
	case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_PUSH_ERROR:
	case GNUTLS_E_PULL_ERROR:
		/* scanners, plain-text clients, resets: not worth a notice */
		TLS_CLOG_GNUTLS(SC_L_INFO, c, ret, "gnutls_handshake()");
		return;
	default:
		TLS_CLOG_GNUTLS(SC_L_NOTICE, c, ret, "gnutls_handshake()");
	}
}

/*
 * A resumed session is not verified again. Ticket keys are per domain and
 * per verification policy (tls_cred.c), so a ticket cannot cross into a
 * domain that asks more; this is the second lock on that door: a server
 * domain that requires a certificate never opens a session that has none.
 */
static int tls_conn_resumed_without_cert(struct sc_conn *c,
					 struct tls_conn *t)
{
	unsigned n = 0;

	if (c->outgoing || !gnutls_session_is_resumed(t->s) ||
	    !t->dom->verify || !t->dom->require_certificate)
		return 0;
	if (gnutls_certificate_get_peers(t->s, &n) && n > 0)
		return 0;
	TLS_STAT_ADD(verify_failures);
	SC_CLOG(SC_L_NOTICE, c, "tls_gnutls: resumed session without a client "
		"certificate on domain %s, which requires one: closing",
		t->dom->id.name);
	return 1;
}

static int tls_conn_handshake(struct sc_conn *c)
{
	struct tls_conn *t = c->tdata;
	unsigned nodata = 0;
	int ret;

	for (;;) {
		ret = gnutls_handshake(t->s);
		if (ret == GNUTLS_E_SUCCESS)
			break;
		if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
			tls_direction(t);
			return SC_IO_AGAIN;
		}
		if (!gnutls_error_is_fatal(ret)) {
			SC_CLOG(SC_L_DBG, c, "tls_gnutls: handshake: %s",
				gnutls_strerror(ret));
			if (++nodata < TLS_CONN_NODATA_MAX)
				continue;
			/* GnuTLS reads a TLS stream exactly a record at
			 * a time: what is left is still in the socket, and
			 * the (level-triggered) loop wakes us again */
			t->want = SC_WANT_READ;
			return SC_IO_AGAIN;
		}
		tls_conn_log_failure(c, t, ret);
		/* GnuTLS does not always alert by itself (a version
		 * mismatch, say): tell the peer instead of letting it wait
		 * for its own timeout. Best effort on a non-blocking socket. */
		gnutls_alert_send_appropriate(t->s, ret);
		return SC_IO_ERROR;
	}
	if (tls_conn_resumed_without_cert(c, t))
		return SC_IO_ERROR;
	t->hs_done = 1;
	TLS_STAT_ADD(handshakes);
	if (gnutls_session_is_resumed(t->s))
		TLS_STAT_ADD(resumed);
	return 0;
}

static ssize_t tls_conn_read(struct sc_conn *c, void *buf, size_t len)
{
	struct tls_conn *t = c->tdata;
	unsigned nodata = 0;
	ssize_t n;

	for (;;) {
		n = gnutls_record_recv(t->s, buf, len);
		if (n >= 0)
			return n;
		switch (n) {
		case GNUTLS_E_AGAIN:
		case GNUTLS_E_INTERRUPTED:
			tls_direction(t);
			return SC_IO_AGAIN;
		case GNUTLS_E_REHANDSHAKE:
			SC_CLOG(SC_L_NOTICE, c, "tls_gnutls: peer asked to "
				"renegotiate, refused: closing");
			return SC_IO_ERROR;
		case GNUTLS_E_PREMATURE_TERMINATION:
			/* TCP closed without close_notify: SIP framing
			 * guarantees nothing partial was delivered */
			SC_CLOG(SC_L_DBG, c, "tls_gnutls: closed without "
				"close_notify");
			return 0;
		default:
			if (!gnutls_error_is_fatal((int)n)) {
				SC_CLOG(SC_L_DBG, c, "tls_gnutls: %s",
					gnutls_strerror((int)n));
				if (++nodata < TLS_CONN_NODATA_MAX)
					continue;
				/* yield, as the handshake does */
				t->want = SC_WANT_READ;
				return SC_IO_AGAIN;
			}
			TLS_CLOG_GNUTLS(SC_L_INFO, c, (int)n,
					"gnutls_record_recv()");
			return SC_IO_ERROR;
		}
	}
}

static ssize_t tls_conn_write(struct sc_conn *c, const void *buf, size_t len)
{
	struct tls_conn *t = c->tdata;
	ssize_t n;

	/* after AGAIN GnuTLS wants the same call again; the core hands the
	 * same bytes back, at least as many */
	if (t->wpending && t->wpending <= len)
		len = t->wpending;
	n = gnutls_record_send(t->s, buf, len);
	if (n >= 0) {
		t->wpending = 0;
		return n;
	}
	if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
		t->wpending = len;
		tls_direction(t);
		return SC_IO_AGAIN;
	}
	TLS_CLOG_GNUTLS(SC_L_INFO, c, (int)n, "gnutls_record_send()");
	return SC_IO_ERROR;
}

static size_t tls_conn_pending(struct sc_conn *c)
{
	struct tls_conn *t = c->tdata;

	return t && t->hs_done ? gnutls_record_check_pending(t->s) : 0;
}

static int tls_conn_shutdown(struct sc_conn *c)
{
	struct tls_conn *t = c->tdata;
	int ret;

	if (!t || !t->s || !t->hs_done)
		return 0;
	/* close_notify only: a proxy does not wait for the peer's */
	ret = gnutls_bye(t->s, GNUTLS_SHUT_WR);
	if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
		tls_direction(t);
		return SC_IO_AGAIN;
	}
	return 0;
}

static void tls_conn_cleanup(struct sc_conn *c)
{
	struct tls_conn *t = c->tdata;

	if (!t)
		return;
	if (t->s)
		gnutls_deinit(t->s);
	tls_cred_put(t->cred);
	tls_info_free(t->info);
	free(t);
	c->tdata = NULL;
}

static unsigned tls_conn_want(struct sc_conn *c)
{
	struct tls_conn *t = c->tdata;

	return t && t->want ? t->want : SC_WANT_READ;
}

static const struct sc_peer_info *tls_conn_peer_info(struct sc_conn *c)
{
	struct tls_conn *t = c->tdata;
	char msg[256];
	int v;

	if (!t || !t->hs_done)
		return NULL;
	if (!t->info) {
		v = tls_verify_result(t->s, msg, sizeof(msg));
		t->info = tls_info_new(t->s, v, msg);
	}
	return t->info ? tls_info_peer(t->info) : NULL;
}

/* Master, per listen=tls: say which domain serves it; it needs a cert. */
static int tls_conn_listener_init(struct sc_listener *l)
{
	const struct tls_dom_table *tab = tls_shared->table;
	const struct tls_dom *d;
	int i;

	i = tls_lookup(tab->doms, tab->n, sizeof(*tab->doms),
		       TLS_DOM_SERVER, (struct sockaddr *)&l->addr, NULL);
	if (i < 0) {
		SC_ERR("tls_gnutls: %s: no server domain", l->name);
		return -1;
	}
	d = &tab->doms[i];
	if (!d->cert.len) {
		SC_ERR("tls_gnutls: %s: domain %s has no certificate (set "
		       "tls_certificate and tls_private_key)", l->name,
		       d->id.name);
		return -1;
	}
	SC_NOTICE("tls_gnutls: %s served by domain %s (certificate %s, verify=%d, "
		  "require_certificate=%d)", l->name, d->id.name,
		  d->cert_file ? d->cert_file : "?", d->verify,
		  d->require_certificate);
	return 0;
}

const struct sc_transport_ops tls_conn_ops = {
	.name = "tls",
	.default_port = 5061,
	.listener_init = tls_conn_listener_init,
	.conn_init = tls_conn_init,
	.handshake = tls_conn_handshake,
	.read = tls_conn_read,
	.write = tls_conn_write,
	.pending = tls_conn_pending,
	.shutdown = tls_conn_shutdown,
	.cleanup = tls_conn_cleanup,
	.want = tls_conn_want,
	.peer_info = tls_conn_peer_info,
};

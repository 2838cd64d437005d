/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sct: the sipcore test transport (prefix: sct_).
 *
 * A module that proves the transport contract before TLS exists, through
 * exactly the API a TLS module uses: a tiny handshake ("SCT1\n" from the
 * client, "SCT1 OK\n" back), then plain bytes. It also registers a SIP hook
 * that reports which worker owns a connection and hands a message to a
 * connection owned by another worker (the IPC channel).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <sipcore/sipcore.h>

struct sct_conn {
	size_t got;      /* hello bytes received (server) or reply bytes */
	size_t sent;     /* hello bytes sent */
	int done;
	unsigned want;
	struct sc_peer_info pi;
};

static char *sct_hello;       /* the greeting, without "\n" */
static int sct_hs_timeout = 2000;
static int sct_fail_rank = -1;
static int sct_reloads;

static int sct_set_hello(const struct sc_param_ctx *ctx,
			 const struct sc_param_value *v, char *err,
			 size_t errlen)
{
	size_t l = strlen(v->s);

	(void)ctx;
	if (l < 1 || l > 16 || strchr(v->s, '\n')) {
		snprintf(err, errlen, "expected 1 to 16 characters without "
			 "newline, got '%s'", v->s);
		return -1;
	}
	free(sct_hello);
	sct_hello = strdup(v->s);
	return sct_hello ? 0 : -1;
}

static const char *sct_greeting(void)
{
	return sct_hello ? sct_hello : "SCT1";
}

static int sct_conn_init(struct sc_conn *c)
{
	struct sct_conn *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->pi.version = "SCT1";
	s->pi.cipher = "none";
	s->pi.verify_msg = "no certificate";
	c->tdata = s;
	c->handshake_timeout_ms = (unsigned)sct_hs_timeout;
	return 0;
}

/* Send what is left of @msg; SC_IO_AGAIN until all of it is out. */
static int sct_push(struct sc_conn *c, struct sct_conn *s, const char *msg)
{
	size_t len = strlen(msg);

	while (s->sent < len) {
		ssize_t n = send(c->fd, msg + s->sent, len - s->sent,
				 MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			s->want = SC_WANT_WRITE;
			return SC_IO_AGAIN;
		}
		if (n < 0)
			return SC_IO_ERROR;
		s->sent += (size_t)n;
	}
	return 0;
}

/* Receive exactly @expect, one byte at a time so no payload is eaten. */
static int sct_pull(struct sc_conn *c, struct sct_conn *s, const char *expect)
{
	size_t len = strlen(expect);

	while (s->got < len) {
		char ch;
		ssize_t n = recv(c->fd, &ch, 1, 0);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			s->want = SC_WANT_READ;
			return SC_IO_AGAIN;
		}
		if (n <= 0 || ch != expect[s->got]) {
			SC_CLOG(SC_L_INFO, c, "sct: bad greeting");
			return SC_IO_ERROR;
		}
		s->got++;
	}
	return 0;
}

static int sct_handshake(struct sc_conn *c)
{
	struct sct_conn *s = c->tdata;
	char hello[24], ok[32];
	int r;

	snprintf(hello, sizeof(hello), "%s\n", sct_greeting());
	snprintf(ok, sizeof(ok), "%s OK\n", sct_greeting());
	if (c->outgoing) {
		r = sct_push(c, s, hello);
		if (r == 0)
			r = sct_pull(c, s, ok);
	} else {
		r = sct_pull(c, s, hello);
		if (r == 0)
			r = sct_push(c, s, ok);
	}
	if (r == 0)
		s->done = 1;
	return r;
}

static ssize_t sct_read(struct sc_conn *c, void *buf, size_t len)
{
	ssize_t n = recv(c->fd, buf, len, 0);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EINTR) {
		((struct sct_conn *)c->tdata)->want = SC_WANT_READ;
		return SC_IO_AGAIN;
	}
	return SC_IO_ERROR;
}

static ssize_t sct_write(struct sc_conn *c, const void *buf, size_t len)
{
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EINTR) {
		((struct sct_conn *)c->tdata)->want = SC_WANT_WRITE;
		return SC_IO_AGAIN;
	}
	return SC_IO_ERROR;
}

static int sct_shutdown(struct sc_conn *c)
{
	shutdown(c->fd, SHUT_WR);
	return 0;
}

static void sct_cleanup(struct sc_conn *c)
{
	free(c->tdata);
	c->tdata = NULL;
}

static unsigned sct_want(struct sc_conn *c)
{
	struct sct_conn *s = c->tdata;

	return s && s->want ? s->want : SC_WANT_READ;
}

static const struct sc_peer_info *sct_peer_info(struct sc_conn *c)
{
	return &((struct sct_conn *)c->tdata)->pi;
}

static const struct sc_transport_ops sct_ops = {
	.name = "sct",
	.default_port = 5070,
	.conn_init = sct_conn_init,
	.handshake = sct_handshake,
	.read = sct_read,
	.write = sct_write,
	.shutdown = sct_shutdown,
	.cleanup = sct_cleanup,
	.want = sct_want,
	.peer_info = sct_peer_info,
};

static int sct_hdr_u64(struct sc_sip_msg *m, const char *name, uint64_t *out)
{
	struct sc_str v;
	char tmp[32];

	if (sc_sip_header(m, name, &v) < 0 || v.len == 0 ||
	    v.len >= sizeof(tmp))
		return -1;
	memcpy(tmp, v.s, v.len);
	tmp[v.len] = '\0';
	*out = strtoull(tmp, NULL, 10);
	return 0;
}

/*
 * "PROTO:IP:PORT" or "PROTO:[IPv6]:PORT", optionally ";host=NAME", into
 * its parts. 0 or -1.
 */
static int sct_parse_target(const struct sc_str *v, char *proto, size_t plen,
			    struct sockaddr_storage *ss, socklen_t *sl,
			    char *host, size_t hlen)
{
	char buf[256], *p, *ip, *port, *h;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	if (v->len >= sizeof(buf))
		return -1;
	memcpy(buf, v->s, v->len);
	buf[v->len] = '\0';
	host[0] = '\0';
	h = strstr(buf, ";host=");
	if (h) {
		*h = '\0';
		if (strlen(h + 6) >= hlen)
			return -1;
		memcpy(host, h + 6, strlen(h + 6) + 1);
	}
	p = strchr(buf, ':');
	if (!p || (size_t)(p - buf) >= plen)
		return -1;
	*p++ = '\0';
	memcpy(proto, buf, strlen(buf) + 1);
	port = strrchr(p, ':');
	if (!port)
		return -1;
	*port++ = '\0';
	ip = p;
	if (*ip == '[') {
		ip++;
		ip[strcspn(ip, "]")] = '\0';
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)atoi(port));
		*sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)atoi(port));
		*sl = sizeof(*s6);
	} else {
		return -1;
	}
	return 0;
}

/*
 * X-Sct-Connect: PROTO:IP:PORT[;host=NAME]: open an outgoing connection
 * of that transport (the non-blocking connect and, for tls, the client
 * side of the module) and send it the whole message; reply 202 with the
 * new connection's id, or 503.
 */
static int sct_connect_hook(struct sc_sip_msg *m, const struct sc_rcv_info *ri,
			    const struct sc_str *v)
{
	char proto[16], host[128], extra[96];
	struct sockaddr_storage ss;
	struct sc_conn *c;
	struct sc_str raw = sc_sip_raw(m);
	socklen_t sl = 0;

	if (sct_parse_target(v, proto, sizeof(proto), &ss, &sl, host,
			     sizeof(host)) < 0) {
		sc_sip_reply(m, ri, 400, "Bad X-Sct-Connect", NULL);
		return SC_SIP_DONE;
	}
	c = sc_conn_connect(proto, (struct sockaddr *)&ss, sl,
			    host[0] ? host : NULL, 0);
	if (!c || sc_conn_send(c, raw.s, raw.len) < 0) {
		sc_sip_reply(m, ri, 503, "Service Unavailable", NULL);
		return SC_SIP_DONE;
	}
	snprintf(extra, sizeof(extra), "X-Conn-Id: %llu\r\n",
		 (unsigned long long)c->id);
	sc_sip_reply(m, ri, 202, "Accepted", extra);
	return SC_SIP_DONE;
}

/*
 * X-Sct-Whoami: reply 200 naming the connection and its owner.
 * X-Deliver-To: ID: hand the whole message to connection ID, wherever it
 * lives, and reply 202 (or 480 when it cannot be handed over).
 */
static int sct_hook(struct sc_sip_msg *m, const struct sc_rcv_info *ri)
{
	char extra[160];
	uint64_t id, dummy;
	struct sc_str raw, target;

	if (!sc_sip_is_request(m))
		return SC_SIP_CONTINUE;
	if (sc_sip_header(m, "X-Sct-Connect", &target) == 0)
		return sct_connect_hook(m, ri, &target);
	if (sct_hdr_u64(m, "X-Sct-Whoami", &dummy) == 0) {
		snprintf(extra, sizeof(extra), "X-Conn-Id: %llu\r\n"
			 "X-Worker: %d\r\nX-Pid: %d\r\n",
			 (unsigned long long)ri->conn_id, sc_process_rank(),
			 (int)getpid());
		sc_sip_reply(m, ri, 200, "OK", extra);
		return SC_SIP_DONE;
	}
	if (sct_hdr_u64(m, "X-Deliver-To", &id) == 0) {
		raw = sc_sip_raw(m);
		snprintf(extra, sizeof(extra), "X-Worker: %d\r\n",
			 sc_process_rank());
		if (sc_conn_send_id(id, raw.s, raw.len) == 0)
			sc_sip_reply(m, ri, 202, "Accepted", extra);
		else
			sc_sip_reply(m, ri, 480, "Temporarily Unavailable",
				     extra);
		return SC_SIP_DONE;
	}
	return SC_SIP_CONTINUE;
}

static int sct_mod_init(void)
{
	if (sc_transport_register(&sct_ops) < 0)
		return -1;
	return sc_sip_add_hook(sct_hook);
}

static int sct_child_init(int rank)
{
	if (rank == sct_fail_rank) {
		SC_ERR("sct: child_init(%d) fails on purpose (fail_rank)", rank);
		return -1;
	}
	return 0;
}

static int sct_reload(void)
{
	sct_reloads++;
	SC_NOTICE("sct: reload #%d", sct_reloads);
	return 0;
}

static void sct_destroy(void)
{
	free(sct_hello);
	sct_hello = NULL;
}

static const struct sc_param_export sct_params[] = {
	{ .name = "hello", .types = SC_PARAM_STR, .set = sct_set_hello },
	{ .name = "handshake_timeout", .types = SC_PARAM_INT,
	  .var = &sct_hs_timeout },
	{ .name = "fail_rank", .types = SC_PARAM_INT, .var = &sct_fail_rank },
	{ .name = NULL },
};

static const char *const sct_provides[] = { "sct", NULL };

SC_PUBLIC const struct sc_module_exports sc_module_exports = {
	.abi = SC_MODULE_ABI,
	.name = "sct",
	.provides = sct_provides,
	.params = sct_params,
	.mod_init = sct_mod_init,
	.child_init = sct_child_init,
	.mod_destroy = sct_destroy,
	.reload = sct_reload,
};

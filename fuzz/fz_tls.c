/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tls_gnutls module as the fuzz targets drive it (prefix: fz_tls).
 * See fz_tls.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <sipcore/log.h>
#include <sipcore/module.h>
#include <sipcore/transport.h>

#include "core.h"
#include "shm_int.h"
#include "fz_tls.h"

#ifndef FZ_PKI_DIR
#define FZ_PKI_DIR "pki"
#endif

/* every handshake() call makes progress or fails: a bound, not a timeout */
#define FZ_TLS_MAX_STEPS 256
#define FZ_TLS_MAX_READS 64

extern const struct sc_module_exports sc_module_exports;

struct fz_tls_param {
	const char *scope;
	const char *name;
	const char *file;  /* a PKI file name, or NULL */
	const char *s;     /* else a string value, or NULL */
	long i;            /* else an integer */
};

static const struct fz_tls_param fz_tls_params[] = {
	{ NULL, "tls_certificate", "server-rsa.pem", NULL, 0 },
	{ NULL, "tls_private_key", "server-rsa.key", NULL, 0 },
	{ NULL, "tls_ca_list", "ca.pem", NULL, 0 },
	{ NULL, "tls_verify", NULL, NULL, 1 },
	{ NULL, "tls_require_certificate", NULL, NULL, 0 },
	{ "127.0.0.1:5061/sip2.test", "tls_certificate", "server2-ecdsa.pem",
	  NULL, 0 },
	{ "127.0.0.1:5061/sip2.test", "tls_private_key", "server2-ecdsa.key",
	  NULL, 0 },
	{ "127.0.0.1:5061/sip2.test", "tls_require_certificate", NULL, NULL,
	  1 },
	{ "client:127.0.0.2:5061", "tls_method", NULL, "TLSv1.2", 0 },
	{ "client:127.0.0.2:5061", "tls_certificate", "client.pem", NULL, 0 },
	{ "client:127.0.0.2:5061", "tls_private_key", "client.key", NULL, 0 },
};

static const struct sc_param_export *fz_tls_export(const char *name)
{
	const struct sc_param_export *p;

	for (p = sc_module_exports.params; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static int fz_tls_configure(void)
{
	const char *pki = getenv("FZ_PKI");
	char path[4096], err[1024];
	size_t i;

	if (!pki)
		pki = FZ_PKI_DIR;
	for (i = 0; i < sizeof(fz_tls_params) / sizeof(fz_tls_params[0]);
	     i++) {
		const struct fz_tls_param *fp = &fz_tls_params[i];
		const struct sc_param_export *e = fz_tls_export(fp->name);
		struct sc_param_ctx ctx = { "fuzz.cfg", (int)i + 1, fp->scope,
					    e ? e->arg : NULL };
		struct sc_param_value v = { SC_PARAM_INT, fp->i, NULL };

		if (fp->file) {
			snprintf(path, sizeof(path), "%s/%s", pki, fp->file);
			v.type = SC_PARAM_STR;
			v.s = path;
		} else if (fp->s) {
			v.type = SC_PARAM_STR;
			v.s = fp->s;
		}
		err[0] = '\0';
		if (!e || !e->set || e->set(&ctx, &v, err, sizeof(err)) < 0) {
			fprintf(stderr, "fuzz.cfg:%zu: %s: %s\n", i + 1,
				fp->name, err);
			return -1;
		}
	}
	return 0;
}

int fz_tls_setup(void)
{
	struct cfg c;

	if (cfg_defaults(&c) < 0)
		return -1;
	core_cfg = c.core;
	core_cfg.children = 1;
	core_rank = 1;
	/* errors only when something is wrong with the set-up itself */
	sc_log_level = getenv("FZ_VERBOSE") ? SC_L_DBG : SC_L_CRIT - 1;
	if (shm_init(16u << 20) < 0 || core_shared_init(1) < 0)
		return -1;
	if (fz_tls_configure() < 0) {
		fprintf(stderr, "fuzz: cannot configure tls_gnutls (is the "
			"test PKI in FZ_PKI or %s?)\n", FZ_PKI_DIR);
		return -1;
	}
	sc_log_level = getenv("FZ_VERBOSE") ? SC_L_DBG : SC_L_ERR;
	if (sc_module_exports.mod_init() < 0 ||
	    sc_module_exports.child_init(1) < 0)
		return -1;
	sc_log_level = getenv("FZ_VERBOSE") ? SC_L_DBG : SC_L_CRIT - 1;
	return 0;
}

static void fz_tls_addr(struct sockaddr_storage *ss, socklen_t *len,
			const char *ip, unsigned short port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	inet_pton(AF_INET, ip, &in->sin_addr);
	*len = sizeof(*in);
}

void fz_tls_dst(unsigned opt, struct sockaddr_storage *ss, socklen_t *len,
		const char **host)
{
	fz_tls_addr(ss, len, (opt & FZ_TLS_DST_12) ? "127.0.0.2" : "127.0.0.1",
		    5061);
	*host = (opt & FZ_TLS_DST_SIP2) ? "sip2.test" : "localhost";
}

struct sc_conn *fz_tls_conn(int fd, int outgoing, unsigned opt)
{
	static uint64_t seq;
	struct sc_conn *c = calloc(1, sizeof(*c));
	const char *host;

	if (!c)
		return NULL;
	c->id = ++seq << 16 | 1;
	c->fd = fd;
	c->state = outgoing ? SC_CONN_CONNECTING : SC_CONN_HANDSHAKE;
	c->outgoing = outgoing;
	c->ops = sc_transport_find("tls");
	if (outgoing) {
		fz_tls_dst(opt, &c->peer, &c->peerlen, &host);
		fz_tls_addr(&c->local, &c->locallen, "127.0.0.1", 40000);
		c->dst_name = strdup(host);
		if (!c->dst_name) {
			free(c);
			return NULL;
		}
	} else {
		fz_tls_addr(&c->peer, &c->peerlen, "127.0.0.1", 40000);
		fz_tls_addr(&c->local, &c->locallen, "127.0.0.1", 5061);
	}
	sc_addr_str((struct sockaddr *)&c->peer, c->peer_str,
		    sizeof(c->peer_str));
	return c;
}

void fz_tls_conn_free(struct sc_conn *c, int inited)
{
	if (!c)
		return;
	if (inited)
		c->ops->cleanup(c);
	if (c->tdata)
		abort(); /* cleanup must free the transport's state */
	close(c->fd);
	free(c->dst_name);
	free(c);
}

/* What the module wrote to the peer: read and dropped. */
static void fz_tls_drain(int fd)
{
	char buf[16384];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* After the handshake: what a SIP connection does, read, write, close. */
static void fz_tls_open(struct sc_conn *c, int peer)
{
	static const char opt[] = "OPTIONS sip:fuzz SIP/2.0\r\n\r\n";
	char buf[4096];
	unsigned i;

	c->state = SC_CONN_OPEN;
	c->ops->peer_info(c);
	for (i = 0; i < FZ_TLS_MAX_READS; i++)
		if (c->ops->read(c, buf, sizeof(buf)) <= 0)
			break;
	c->ops->pending(c);
	c->ops->write(c, opt, sizeof(opt) - 1);
	fz_tls_drain(peer);
	c->state = SC_CONN_CLOSING;
	c->ops->shutdown(c);
}

void fz_tls_run(int outgoing, unsigned opt, const uint8_t *in, size_t len,
		struct fz_tls_result *res)
{
	struct sc_conn *c;
	ssize_t n;
	int sv[2];

	memset(res, 0, sizeof(*res));
	res->init = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sv) < 0)
		abort();
	/* the peer's whole flight, then EOF: reads never wait */
	n = len ? write(sv[1], in, len) : 0;
	if (n < 0 || (size_t)n != len || shutdown(sv[1], SHUT_WR) < 0)
		abort();
	c = fz_tls_conn(sv[0], outgoing, opt);
	if (!c)
		abort();
	res->init = c->ops->conn_init(c);
	if (res->init == 0) {
		c->state = SC_CONN_HANDSHAKE;
		do {
			res->handshake = c->ops->handshake(c);
			res->steps++;
			fz_tls_drain(sv[1]);
		} while (res->handshake == SC_IO_AGAIN &&
			 res->steps < FZ_TLS_MAX_STEPS);
		/* AGAIN only while the module's writes did not fit */
		if (res->handshake == SC_IO_AGAIN)
			abort();
		if (res->handshake >= 0)
			fz_tls_open(c, sv[1]);
	}
	fz_tls_conn_free(c, 1);
	close(sv[1]);
}

/* Move what @from's peer end holds to @to, appending it to @rec. */
static void fz_tls_relay(int from, int to, uint8_t *rec, size_t *len,
			 size_t cap)
{
	char buf[16384];
	ssize_t n;

	while ((n = read(from, buf, sizeof(buf))) > 0) {
		if (write(to, buf, (size_t)n) != n)
			abort();
		if (*len + (size_t)n <= cap) {
			memcpy(rec + *len, buf, (size_t)n);
			*len += (size_t)n;
		}
	}
}

int fz_tls_pair(unsigned opt, uint8_t *c2s, size_t *c2s_len, uint8_t *s2c,
		size_t *s2c_len, size_t cap)
{
	struct sc_conn *cl = NULL, *sv = NULL;
	int a[2], b[2], rc = -1, rcl = SC_IO_AGAIN, rsv = SC_IO_AGAIN;
	int cl_init = 0, sv_init = 0;
	unsigned i;

	*c2s_len = *s2c_len = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b) < 0) {
		close(a[0]);
		close(a[1]);
		return -1;
	}
	cl = fz_tls_conn(a[0], 1, opt);
	sv = fz_tls_conn(b[0], 0, 0);
	if (!cl || !sv)
		goto out;
	cl_init = 1;
	if (cl->ops->conn_init(cl) != 0)
		goto out;
	sv_init = 1;
	if (sv->ops->conn_init(sv) != 0)
		goto out;
	for (i = 0; i < FZ_TLS_MAX_STEPS; i++) {
		if (rcl == SC_IO_AGAIN)
			rcl = cl->ops->handshake(cl);
		fz_tls_relay(a[1], b[1], c2s, c2s_len, cap);
		if (rsv == SC_IO_AGAIN)
			rsv = sv->ops->handshake(sv);
		fz_tls_relay(b[1], a[1], s2c, s2c_len, cap);
		if (rcl != SC_IO_AGAIN && rsv != SC_IO_AGAIN)
			break;
	}
	rc = rcl >= 0 && rsv >= 0 ? 0 : -1;
out:
	if (cl)
		fz_tls_conn_free(cl, cl_init);
	else
		close(a[0]);
	if (sv)
		fz_tls_conn_free(sv, sv_init);
	else
		close(b[0]);
	close(a[1]);
	close(b[1]);
	return rc;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tls_gnutls module as the fuzz targets drive it (prefix: fz_tls).
 *
 * The module is linked in and set up as the core would: its parameters
 * through its exported setters, then mod_init and child_init. Its
 * connections are real struct sc_conn objects on one end of a socketpair,
 * the bytes of the other side held by the kernel: the whole input is there
 * before the session starts, followed by EOF, so no call ever waits.
 *
 * The configuration (the test PKI of certs/mkpki.sh, FZ_PKI or the build's
 * pki directory):
 *   globals            server-rsa certificate, ca.pem, tls_verify=1,
 *                      tls_require_certificate=0 (a certificate is asked
 *                      for, so a client's chain reaches the verifier)
 *   127.0.0.1:5061/sip2.test   server2-ecdsa, require_certificate=1: the
 *                      ClientHello's SNI selects it (the hello hook)
 *   client:127.0.0.2:5061      TLSv1.2 only, client.pem: the client side
 *                      speaks TLS 1.2 there, where certificates travel in
 *                      clear and reach the verifier
 */
#ifndef FZ_TLS_H
#define FZ_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <sipcore/conn.h>

/* client side: which destination (first input byte) */
#define FZ_TLS_DST_12 0x01    /* 127.0.0.2:5061, the TLS 1.2 client domain */
#define FZ_TLS_DST_SIP2 0x02  /* known as "sip2.test", not "localhost" */

struct fz_tls_result {
	int init;         /* conn_init result */
	int handshake;    /* last handshake() result */
	unsigned steps;   /* handshake() calls */
};

/** Once per process: the core's per-worker state and the module. */
int fz_tls_setup(void);

/** The destination of an outgoing connection for option bits @opt. */
void fz_tls_dst(unsigned opt, struct sockaddr_storage *ss, socklen_t *len,
		const char **host);

/** A new connection on fd @fd (see fz_tls_dst for outgoing ones). */
struct sc_conn *fz_tls_conn(int fd, int outgoing, unsigned opt);
/** Free it: cleanup (if conn_init ran), close the fd. */
void fz_tls_conn_free(struct sc_conn *c, int inited);

/**
 * One session of the module's side (@outgoing: client) fed @in, then EOF.
 * What the module writes is read and dropped.
 */
void fz_tls_run(int outgoing, unsigned opt, const uint8_t *in, size_t len,
		struct fz_tls_result *res);

/*
 * A real handshake between the module's client and server sides (option
 * bits @opt for the client), relayed by hand: what each side sent is
 * recorded into @c2s and @s2c (at most @cap bytes each). The seed corpora
 * are made this way, so no recorded key exchange is ever committed.
 * Returns 0 when both sides completed the handshake.
 */
int fz_tls_pair(unsigned opt, uint8_t *c2s, size_t *c2s_len, uint8_t *s2c,
		size_t *s2c_len, size_t cap);

#endif

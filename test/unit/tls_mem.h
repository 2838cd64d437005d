/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * In-memory TLS client/server pairs for unit tests (prefix: tm_).
 *
 * The pattern of GnuTLS's own tests/eagain-common.h: two sessions whose
 * push/pull callbacks write to and read from memory buffers, and a loop
 * that calls gnutls_handshake() on each side in turn until both are done
 * or one fails. No sockets, no files, deterministic, fast.
 *
 * Also makes throwaway keys and self-signed certificates in memory
 * (tm_make_cert), so a test needs no PKI on disk.
 *
 * Header-only (static functions) so any test can include it; a test that
 * does not use a helper gets no warning for it (__attribute__((unused))).
 *
 *	struct tm_pair p;
 *	tm_pair_init(&p, client_prio, client_cred, server_prio, server_cred);
 *	if (tm_handshake(&p) == 0) ... gnutls_protocol_get_version(p.client)
 *	tm_pair_deinit(&p);
 */
#ifndef TEST_UNIT_TLS_MEM_H
#define TEST_UNIT_TLS_MEM_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/types.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#define TM_UNUSED __attribute__((unused))

/* bytes in flight in one direction */
struct tm_buf {
	unsigned char *data;
	size_t len, cap;
};

struct tm_pair {
	gnutls_session_t client, server;
	struct tm_buf to_server, to_client;
	int cret, sret;		/* last gnutls_handshake() results */
	unsigned long io;	/* bytes moved so far, to detect a stall */
};

static TM_UNUSED ssize_t tm_buf_push(struct tm_buf *b, const void *data,
				     size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		unsigned char *p;

		while (cap < b->len + len)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			errno = ENOMEM;
			return -1;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return (ssize_t)len;
}

/* returns -1 with EAGAIN when empty, like a non-blocking socket */
static TM_UNUSED ssize_t tm_buf_pull(struct tm_buf *b, gnutls_session_t s,
				     void *data, size_t len)
{
	if (!b->len) {
		gnutls_transport_set_errno(s, EAGAIN);
		return -1;
	}
	if (len > b->len)
		len = b->len;
	memcpy(data, b->data, len);
	memmove(b->data, b->data + len, b->len - len);
	b->len -= len;
	return (ssize_t)len;
}

static TM_UNUSED ssize_t tm_client_push(gnutls_transport_ptr_t tp,
					const void *data, size_t len)
{
	struct tm_pair *p = tp;

	p->io += len;
	return tm_buf_push(&p->to_server, data, len);
}

static TM_UNUSED ssize_t tm_client_pull(gnutls_transport_ptr_t tp,
					void *data, size_t len)
{
	struct tm_pair *p = tp;
	ssize_t n = tm_buf_pull(&p->to_client, p->client, data, len);

	p->io += n > 0 ? (unsigned long)n : 0;
	return n;
}

static TM_UNUSED ssize_t tm_server_push(gnutls_transport_ptr_t tp,
					const void *data, size_t len)
{
	struct tm_pair *p = tp;

	p->io += len;
	return tm_buf_push(&p->to_client, data, len);
}

static TM_UNUSED ssize_t tm_server_pull(gnutls_transport_ptr_t tp,
					void *data, size_t len)
{
	struct tm_pair *p = tp;
	ssize_t n = tm_buf_pull(&p->to_server, p->server, data, len);

	p->io += n > 0 ? (unsigned long)n : 0;
	return n;
}

static TM_UNUSED void tm_pair_deinit(struct tm_pair *p)
{
	if (p->client)
		gnutls_deinit(p->client);
	if (p->server)
		gnutls_deinit(p->server);
	free(p->to_server.data);
	free(p->to_client.data);
	memset(p, 0, sizeof(*p));
}

static TM_UNUSED int tm_session(gnutls_session_t *s, unsigned flags,
				const char *prio,
				gnutls_certificate_credentials_t cred)
{
	const char *pos;
	int rc;

	rc = gnutls_init(s, flags | GNUTLS_NONBLOCK);
	if (rc < 0)
		return rc;
	rc = gnutls_priority_set_direct(*s, prio, &pos);
	if (rc < 0)
		return rc;
	return gnutls_credentials_set(*s, GNUTLS_CRD_CERTIFICATE, cred);
}

/**
 * Make a client and a server session joined in memory. The pair must stay
 * at the same address while in use (it is the transport pointer). Neither
 * side verifies certificates: that is the caller's business.
 * \return 0 or a GnuTLS error (the pair is then deinitialised).
 */
static TM_UNUSED int tm_pair_init(struct tm_pair *p, const char *client_prio,
				  gnutls_certificate_credentials_t client_cred,
				  const char *server_prio,
				  gnutls_certificate_credentials_t server_cred)
{
	int rc;

	memset(p, 0, sizeof(*p));
	rc = tm_session(&p->client, GNUTLS_CLIENT, client_prio, client_cred);
	if (rc < 0)
		goto fail;
	rc = tm_session(&p->server, GNUTLS_SERVER, server_prio, server_cred);
	if (rc < 0)
		goto fail;
	gnutls_transport_set_ptr(p->client, p);
	gnutls_transport_set_push_function(p->client, tm_client_push);
	gnutls_transport_set_pull_function(p->client, tm_client_pull);
	gnutls_transport_set_ptr(p->server, p);
	gnutls_transport_set_push_function(p->server, tm_server_push);
	gnutls_transport_set_pull_function(p->server, tm_server_pull);
	return 0;
fail:
	tm_pair_deinit(p);
	return rc;
}

static TM_UNUSED int tm_again(int rc)
{
	return rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED;
}

static TM_UNUSED int tm_pending(int rc)
{
	return rc < 0 && !gnutls_error_is_fatal(rc);
}

/*
 * One handshake step. GnuTLS leaves sending the alert for a fatal error to
 * the application (gnutls_alert_send_appropriate), as a server must do.
 */
static TM_UNUSED void tm_step(gnutls_session_t s, int *ret)
{
	*ret = gnutls_handshake(s);
	if (*ret < 0 && gnutls_error_is_fatal(*ret))
		(void)gnutls_alert_send_appropriate(s, *ret);
}

/**
 * Run both handshakes to the end. A side that fails sends its alert, the
 * other side then reads it and fails too; a round in which no byte moves
 * ends the loop (someone waits for bytes that will never come).
 * \return 0 if both sides completed, -1 otherwise (p->cret, p->sret hold
 * the last results of each side).
 */
static TM_UNUSED int tm_handshake(struct tm_pair *p)
{
	int round;

	p->cret = GNUTLS_E_AGAIN;
	p->sret = GNUTLS_E_AGAIN;
	for (round = 0; round < 1000; round++) {
		unsigned long io = p->io;

		if (tm_pending(p->cret))
			tm_step(p->client, &p->cret);
		if (tm_pending(p->sret))
			tm_step(p->server, &p->sret);
		if (p->cret == 0 && p->sret == 0)
			return 0;
		if (!tm_pending(p->cret) && !tm_pending(p->sret))
			return -1;
		if (p->io == io)
			return -1;
	}
	return -1;
}

/**
 * Send @len bytes from @from and read them back on @to (after a
 * handshake). \return 0 if @to received exactly them.
 */
static TM_UNUSED int tm_transfer(gnutls_session_t from, gnutls_session_t to,
				 const void *data, size_t len)
{
	unsigned char buf[16384];
	size_t got = 0;
	ssize_t n;
	int tries = 0;

	if (len > sizeof(buf))
		return -1;
	do {
		n = gnutls_record_send(from, data, len);
	} while (tm_again((int)n) && ++tries < 10);
	if (n != (ssize_t)len)
		return -1;
	for (tries = 0; got < len && tries < 100; tries++) {
		n = gnutls_record_recv(to, buf + got, sizeof(buf) - got);
		if (n > 0)
			got += (size_t)n;
		else if (n == 0 || gnutls_error_is_fatal((int)n))
			return -1;
	}
	return got == len && memcmp(buf, data, len) == 0 ? 0 : -1;
}

/**
 * Generate a throwaway key (@pk GNUTLS_PK_RSA or GNUTLS_PK_ECDSA; @bits
 * e.g. 2048, or GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1)) and a
 * self-signed certificate for CN=@cn valid from an hour ago for a day.
 * \return 0 or a GnuTLS error; on success the caller owns *crt and *key.
 */
static TM_UNUSED int tm_make_cert(gnutls_pk_algorithm_t pk, unsigned bits,
				  const char *cn, gnutls_x509_crt_t *crt,
				  gnutls_x509_privkey_t *key)
{
	unsigned char serial[8];
	unsigned usage = GNUTLS_KEY_DIGITAL_SIGNATURE;
	time_t now = time(NULL);
	int rc;

	*crt = NULL;
	*key = NULL;
	rc = gnutls_x509_privkey_init(key);
	if (rc < 0)
		goto fail;
	rc = gnutls_x509_privkey_generate(*key, pk, bits, 0);
	if (rc < 0)
		goto fail;
	rc = gnutls_x509_crt_init(crt);
	if (rc < 0)
		goto fail;
	rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	if (rc < 0)
		goto fail;
	serial[0] &= 0x7f;	/* a positive INTEGER */
	if (pk == GNUTLS_PK_RSA)
		usage |= GNUTLS_KEY_KEY_ENCIPHERMENT;	/* static RSA kx */
	if ((rc = gnutls_x509_crt_set_version(*crt, 3)) < 0 ||
	    (rc = gnutls_x509_crt_set_serial(*crt, serial,
					     sizeof(serial))) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(*crt, now - 3600)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(*crt, now + 86400)) < 0 ||
	    (rc = gnutls_x509_crt_set_dn_by_oid(*crt,
						GNUTLS_OID_X520_COMMON_NAME, 0,
						cn, (unsigned)strlen(cn))) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_alt_name(*crt, GNUTLS_SAN_DNSNAME,
						       cn, (unsigned)strlen(cn),
						       GNUTLS_FSAN_SET)) < 0 ||
	    (rc = gnutls_x509_crt_set_key(*crt, *key)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(*crt, usage)) < 0 ||
	    (rc = gnutls_x509_crt_sign2(*crt, *crt, *key, GNUTLS_DIG_SHA256,
					0)) < 0)
		goto fail;
	return 0;
fail:
	if (*crt)
		gnutls_x509_crt_deinit(*crt);
	if (*key)
		gnutls_x509_privkey_deinit(*key);
	*crt = NULL;
	*key = NULL;
	return rc;
}

/** Add a certificate + key (copied) to a credentials object. */
static TM_UNUSED int tm_cred_add(gnutls_certificate_credentials_t cred,
				 gnutls_x509_crt_t crt,
				 gnutls_x509_privkey_t key)
{
	return gnutls_certificate_set_x509_key(cred, &crt, 1, key);
}

#endif

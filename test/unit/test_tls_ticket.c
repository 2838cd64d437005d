/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: session ticket master keys (tls_ticket.c). Rotation, and
 * the key name GnuTLS gives the tickets it makes, checked against real
 * tickets from in-memory handshakes over TLS 1.2 and 1.3: the server's
 * choice of the previous key rests on it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "tls_domain.h"
#include "tls_ticket.h"
#include "tls_mem.h"

static const char *pki;

/* What the server's ClientHello hook saw. */
static unsigned char t_name[TLS_TKT_NAME_SIZE];
static int t_got;

static int t_hello(gnutls_session_t s, unsigned htype, unsigned when,
		   unsigned incoming, const gnutls_datum_t *msg)
{
	(void)s;
	(void)htype;
	(void)when;
	if (incoming && !t_got)
		t_got = tls_tkt_hello_name(msg, t_name);
	return 0;
}

static gnutls_certificate_credentials_t t_server_cred(void)
{
	gnutls_certificate_credentials_t sc;
	char path[2][1024];

	snprintf(path[0], sizeof(path[0]), "%s/server-ecdsa.pem", pki);
	snprintf(path[1], sizeof(path[1]), "%s/server-ecdsa.key", pki);
	ck_assert_int_eq(gnutls_certificate_allocate_credentials(&sc), 0);
	ck_assert_int_ge(gnutls_certificate_set_x509_key_file(sc, path[0],
			 path[1], GNUTLS_X509_FMT_PEM), 0);
	return sc;
}

/*
 * One handshake with server key @key, resuming @sess if given; the
 * client's session data comes back in @out (when not NULL). \return 1
 * if the server resumed.
 */
static int t_connect(const char *prio, gnutls_datum_t *key,
		     gnutls_datum_t *sess, gnutls_datum_t *out)
{
	gnutls_certificate_credentials_t sc = t_server_cred(), cc;
	struct tm_pair p;
	char buf[16];
	ssize_t n = 0;
	int resumed, i;

	ck_assert_int_eq(gnutls_certificate_allocate_credentials(&cc), 0);
	ck_assert_int_eq(tm_pair_init(&p, prio, cc, prio, sc), 0);
	ck_assert_int_eq(gnutls_session_ticket_enable_server(p.server, key),
			 0);
	gnutls_handshake_set_hook_function(p.server,
					   GNUTLS_HANDSHAKE_CLIENT_HELLO,
					   GNUTLS_HOOK_PRE, t_hello);
	if (sess)
		ck_assert_int_eq(gnutls_session_set_data(p.client, sess->data,
							 sess->size), 0);
	t_got = 0;
	ck_assert_int_eq(tm_handshake(&p), 0);
	resumed = gnutls_session_is_resumed(p.server);
	if (out) {
		/* TLS 1.3 tickets come after the handshake */
		ck_assert_int_eq(gnutls_record_send(p.server, "x", 1), 1);
		for (i = 0; i < 10; i++) {
			n = gnutls_record_recv(p.client, buf, sizeof(buf));
			if (n != GNUTLS_E_AGAIN)
				break;
		}
		ck_assert_int_eq(n, 1);
		ck_assert_int_eq(gnutls_session_get_data2(p.client, out), 0);
	}
	tm_pair_deinit(&p);
	gnutls_certificate_free_credentials(sc);
	gnutls_certificate_free_credentials(cc);
	return resumed;
}

/*
 * The ticket a client offers starts with the key name tls_tkt_name()
 * computes for the key that made it: the server's choice of the previous
 * key rests on this.
 */
static void t_ticket_name(const char *prio)
{
	unsigned char want[TLS_TKT_NAME_SIZE];
	gnutls_datum_t key, other, sess;

	ck_assert_int_eq(gnutls_session_ticket_key_generate(&key), 0);
	ck_assert_int_eq(gnutls_session_ticket_key_generate(&other), 0);
	ck_assert_int_eq(key.size, TLS_TKT_KEY_SIZE);
	ck_assert_int_eq(t_connect(prio, &key, NULL, &sess), 0);
	ck_assert_int_eq(t_got, 0); /* nothing offered the first time */
	ck_assert_int_eq(t_connect(prio, &key, &sess, NULL), 1);
	ck_assert_int_eq(t_got, 1);
	ck_assert_int_eq(tls_tkt_name(key.data, time(NULL), want), 0);
	ck_assert_msg(memcmp(want, t_name, sizeof(want)) == 0,
		      "GnuTLS no longer names tickets as tls_tkt_name() "
		      "thinks (%s): tickets of the previous key will not "
		      "resume", prio);
	/* another key: another name, and no resumption */
	ck_assert_int_eq(tls_tkt_name(other.data, time(NULL), want), 0);
	ck_assert_int_ne(memcmp(want, t_name, sizeof(want)), 0);
	ck_assert_int_eq(t_connect(prio, &other, &sess, NULL), 0);
	gnutls_free(sess.data);
	gnutls_free(key.data);
	gnutls_free(other.data);
}

START_TEST(name_tls12)
{
	t_ticket_name("NORMAL:-VERS-ALL:+VERS-TLS1.2");
}
END_TEST

START_TEST(name_tls13)
{
	t_ticket_name("NORMAL:-VERS-ALL:+VERS-TLS1.3");
}
END_TEST

START_TEST(rotation)
{
	static const unsigned char zero[TLS_TKT_KEY_SIZE];
	struct tls_tkt_keys a, b, c;
	int64_t now = tls_tkt_now();

	ck_assert_int_eq(tls_tkt_get(&a, now, 0, 0), -1);
	ck_assert_uint_eq(tls_tkt_serial(), 0);
	ck_assert_int_eq(tls_tkt_init(), 0);
	ck_assert_int_eq(tls_tkt_get(&a, now, 60, 0), 1);
	ck_assert_uint_eq(a.serial, 1);
	ck_assert_int_eq(a.has_prev, 0);
	ck_assert_int_ne(memcmp(a.cur, zero, sizeof(zero)), 0);
	ck_assert_int_eq(tls_tkt_get(&b, now + 59, 60, a.serial), 0);
	/* the lifetime is over: rotated at the first look */
	ck_assert_int_eq(tls_tkt_get(&b, now + 60, 60, a.serial), 1);
	ck_assert_uint_eq(b.serial, 2);
	ck_assert_int_eq(b.has_prev, 1);
	ck_assert_int_eq(memcmp(b.prev, a.cur, sizeof(a.cur)), 0);
	ck_assert_int_ne(memcmp(b.cur, a.cur, sizeof(a.cur)), 0);
	/* counted from that rotation */
	ck_assert_int_eq(tls_tkt_get(&c, now + 119, 60, b.serial), 0);
	ck_assert_int_eq(tls_tkt_rotate("test"), 0);
	ck_assert_uint_eq(tls_tkt_serial(), 3);
	ck_assert_int_eq(tls_tkt_get(&c, now, 0, b.serial), 1);
	ck_assert_int_eq(memcmp(c.prev, b.cur, sizeof(b.cur)), 0);
	ck_assert_int_ne(memcmp(c.prev, a.cur, sizeof(a.cur)), 0);
	tls_tkt_destroy();
	ck_assert_int_eq(tls_tkt_get(&c, now, 60, 0), -1);
	ck_assert_int_eq(tls_tkt_rotate("gone"), -1);
}
END_TEST

/* The per-domain id and keys, and enabling tickets with them. */
START_TEST(per_domain)
{
	static const unsigned char zero[TLS_TKT_KEY_SIZE];
	unsigned char ca[] = "CA bytes", id1[TLS_TKT_ID_SIZE];
	struct tls_dom d;
	struct tls_tkt_keys m;
	struct tls_tkt_dom k, k2;
	gnutls_session_t s;
	int prev;

	memset(&d, 0, sizeof(d));
	d.id.kind = TLS_DOM_SERVER;
	d.verify = 1;
	d.ca.data = ca;
	d.ca.len = sizeof(ca) - 1;
	ck_assert_int_eq(tls_tkt_dom_id(&d, id1), 0);
	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(tls_tkt_dom_id(&d, k.id), 0);
	ck_assert_int_eq(memcmp(id1, k.id, sizeof(id1)), 0);
	/* what decides who gets in changes the id */
	d.require_certificate = 1;
	k2 = k;
	ck_assert_int_eq(tls_tkt_dom_id(&d, k2.id), 0);
	ck_assert_int_ne(memcmp(k.id, k2.id, sizeof(k.id)), 0);
	d.require_certificate = 0;
	ca[0] = 'c';
	ck_assert_int_eq(tls_tkt_dom_id(&d, k2.id), 0);
	ck_assert_int_ne(memcmp(k.id, k2.id, sizeof(k.id)), 0);

	/* derived: one key, then two; another id, other keys */
	memset(&m, 0, sizeof(m));
	memset(m.cur, 7, sizeof(m.cur));
	tls_tkt_dom_derive(&k, &m);
	ck_assert_int_eq(k.n, 1);
	ck_assert_int_ne(memcmp(k.cur, zero, sizeof(zero)), 0);
	memset(m.prev, 9, sizeof(m.prev));
	m.has_prev = 1;
	tls_tkt_dom_derive(&k, &m);
	ck_assert_int_eq(k.n, 2);
	ck_assert_int_ne(memcmp(k.cur, k.prev, sizeof(k.cur)), 0);
	tls_tkt_dom_derive(&k2, &m);
	ck_assert_int_ne(memcmp(k.cur, k2.cur, sizeof(k.cur)), 0);

	ck_assert_int_eq(gnutls_init(&s, GNUTLS_SERVER), 0);
	k2.n = 0;
	ck_assert_int_eq(tls_tkt_enable(s, &k2, NULL, &prev), 0);
	ck_assert_int_eq(tls_tkt_enable(s, &k, NULL, &prev), 1);
	ck_assert_int_eq(prev, 0);
	gnutls_deinit(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tls_ticket");
	TCase *tc = tcase_create("ticket");
	SRunner *sr;
	char probe[1024];
	int nf;

	tcase_add_test(tc, rotation);
	tcase_add_test(tc, per_domain);
	pki = getenv("SC_PKI");
	snprintf(probe, sizeof(probe), "%s/server-ecdsa.pem", pki ? pki : "");
	if (pki && access(probe, R_OK) == 0) {
		tcase_add_test(tc, name_tls12);
		tcase_add_test(tc, name_tls13);
	}
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? 1 : 0;
}

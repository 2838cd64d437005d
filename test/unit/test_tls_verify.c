/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: the seed's verify modes on GnuTLS (tls_verify.c), through
 * real handshakes over in-memory transports with the test PKI.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "tls_cred.h"
#include "tls_verify.h"
#include "tls_verify_int.h"
#include "tls_mem.h"

#define PRIO "NORMAL"

static const char *pki;

static char *pki_path(const char *name)
{
	static char buf[8][1024];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", pki, name);
	return buf[k];
}

/* Server credentials: ECDSA server cert, root CA, the CRL. */
static gnutls_certificate_credentials_t server_cred(void)
{
	gnutls_certificate_credentials_t c;

	ck_assert_int_eq(gnutls_certificate_allocate_credentials(&c), 0);
	ck_assert_int_ge(gnutls_certificate_set_x509_key_file(c,
			 pki_path("server-ecdsa.pem"),
			 pki_path("server-ecdsa.key"), GNUTLS_X509_FMT_PEM), 0);
	ck_assert_int_ge(gnutls_certificate_set_x509_trust_file(c,
			 pki_path("ca.pem"), GNUTLS_X509_FMT_PEM), 1);
	ck_assert_int_ge(gnutls_certificate_set_x509_crl_file(c,
			 pki_path("crl.pem"), GNUTLS_X509_FMT_PEM), 1);
	return c;
}

/* Client credentials with certificate @name (NULL: none), trusting the
 * root CA (and the rogue one when @rogue_trust). */
static gnutls_certificate_credentials_t client_cred(const char *name,
						    int rogue_trust)
{
	gnutls_certificate_credentials_t c;
	char cert[64], key[64];

	ck_assert_int_eq(gnutls_certificate_allocate_credentials(&c), 0);
	if (name) {
		snprintf(cert, sizeof(cert), "%s.pem", name);
		snprintf(key, sizeof(key), "%s.key", name);
		ck_assert_int_ge(gnutls_certificate_set_x509_key_file(c,
				 pki_path(cert), pki_path(key),
				 GNUTLS_X509_FMT_PEM), 0);
	}
	ck_assert_int_ge(gnutls_certificate_set_x509_trust_file(c,
			 pki_path(rogue_trust ? "all-ca.pem" : "ca.pem"),
			 GNUTLS_X509_FMT_PEM), 1);
	return c;
}

struct vsess {
	struct tls_verify_state vs; /* first, as tls_conn.c lays it out */
};

/*
 * One server-side case: returns 1 if the handshake completed, 0 if it was
 * refused; *verified gets tls_verify_result() on the server.
 */
static int server_case(int verify, int require, const char *client,
		       int *verified, char *msg, size_t msglen)
{
	gnutls_certificate_credentials_t sc = server_cred();
	gnutls_certificate_credentials_t cc = client_cred(client, 0);
	struct tls_cred_dom d;
	struct vsess vsrv;
	struct tm_pair p;
	int ok;

	memset(&d, 0, sizeof(d));
	memset(&vsrv, 0, sizeof(vsrv));
	d.verify = verify;
	d.require_certificate = require;
	d.x509 = sc;
	ck_assert_int_eq(tm_pair_init(&p, PRIO, cc, PRIO, sc), 0);
	gnutls_session_set_ptr(p.server, &vsrv);
	ck_assert_int_eq(tls_verify_setup(p.server, &d, 0, NULL, 0, 0), 0);
	ok = tm_handshake(&p) == 0;
	if (ok && verified)
		*verified = tls_verify_result(p.server, msg, msglen);
	else if (msg)
		tls_verify_describe(vsrv.vs.status, vsrv.vs.no_cert, msg,
				    msglen);
	tm_pair_deinit(&p);
	gnutls_certificate_free_credentials(sc);
	gnutls_certificate_free_credentials(cc);
	return ok;
}

static const char *clients[] = { NULL, "client", "rogue-client", "expired",
				 "revoked" };

/* The seed's table: rows verify/require, columns the client above. */
static const int expect[3][5] = {
	{ 1, 1, 1, 1, 1 }, /* verify=0: nothing asked, everyone in */
	{ 1, 1, 0, 0, 0 }, /* verify=1 require=0: none or a good one */
	{ 0, 1, 0, 0, 0 }, /* verify=1 require=1: only a good one */
};

START_TEST(seed_table)
{
	static const int modes[3][2] = { { 0, 0 }, { 1, 0 }, { 1, 1 } };
	int m = _i / 5, k = _i % 5, v = -9;
	char msg[256] = "";
	int ok = server_case(modes[m][0], modes[m][1], clients[k], &v, msg,
			     sizeof(msg));

	ck_assert_msg(ok == expect[m][k], "verify=%d require=%d client=%s: "
		      "%s (%s)", modes[m][0], modes[m][1],
		      clients[k] ? clients[k] : "none",
		      ok ? "accepted" : "refused", msg);
	if (!ok)
		return;
	if (m == 0)
		ck_assert_int_eq(v, 0); /* verify=0: not checked */
	else if (k == 0)
		ck_assert_int_eq(v, 0); /* no certificate */
	else
		ck_assert_int_eq(v, 1);
}
END_TEST

/* A refusal says why, in GnuTLS's words. */
START_TEST(refusal_reasons)
{
	char msg[256];

	server_case(1, 0, "rogue-client", NULL, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "not trusted") || strstr(msg, "unknown"),
		      "%s", msg);
	server_case(1, 0, "expired", NULL, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "expired"), "%s", msg);
	server_case(1, 0, "revoked", NULL, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "revoked"), "%s", msg);
}
END_TEST

/* Without CA names in the request, a GnuTLS client sends its untrusted
 * certificate (and is refused); with them it sends none (and under
 * require=0 gets in anonymously). The default is the former. */
START_TEST(ca_names)
{
	gnutls_certificate_credentials_t sc = server_cred();
	gnutls_certificate_credentials_t cc = client_cred("rogue-client", 0);
	struct tls_cred_dom d;
	struct vsess vs;
	struct tm_pair p;

	memset(&d, 0, sizeof(d));
	d.verify = 1;
	d.x509 = sc;
	memset(&vs, 0, sizeof(vs));
	ck_assert_int_eq(tm_pair_init(&p, PRIO, cc, PRIO, sc), 0);
	gnutls_session_set_ptr(p.server, &vs);
	tls_verify_setup(p.server, &d, 0, NULL, 0, 1);
	ck_assert_int_eq(tm_handshake(&p), 0);
	ck_assert_int_eq(vs.vs.checked, 0); /* no certificate was sent */
	tm_pair_deinit(&p);
	gnutls_certificate_free_credentials(sc);
	gnutls_certificate_free_credentials(cc);
}
END_TEST

/* Client side: the server's chain and its name or address. */
static int client_case_full(int verify, const char *host, int sip_domain,
			    const char *srv, int trust_rogue, int depth)
{
	gnutls_certificate_credentials_t sc, cc = client_cred(NULL,
							      trust_rogue);
	struct tls_cred_dom d;
	struct vsess vs;
	struct tm_pair p;
	char cert[64], key[64];
	int ok;

	ck_assert_int_eq(gnutls_certificate_allocate_credentials(&sc), 0);
	snprintf(cert, sizeof(cert), "%s.pem", srv);
	snprintf(key, sizeof(key), "%s.key", srv);
	ck_assert_int_ge(gnutls_certificate_set_x509_key_file(sc,
			 pki_path(cert), pki_path(key), GNUTLS_X509_FMT_PEM),
			 0);
	memset(&d, 0, sizeof(d));
	memset(&vs, 0, sizeof(vs));
	d.verify = verify;
	d.verify_depth = depth;
	d.x509 = cc;
	ck_assert_int_eq(tm_pair_init(&p, PRIO, cc, PRIO, sc), 0);
	gnutls_session_set_ptr(p.client, &vs);
	ck_assert_int_eq(tls_verify_setup(p.client, &d, 1, host, sip_domain,
					  0), 0);
	ok = tm_handshake(&p) == 0;
	if (ok && verify) {
		char msg[128];

		ck_assert_int_eq(tls_verify_result(p.client, msg,
						   sizeof(msg)), 1);
	}
	tm_pair_deinit(&p);
	gnutls_certificate_free_credentials(sc);
	gnutls_certificate_free_credentials(cc);
	return ok;
}

static int client_case_depth(int verify, const char *host, const char *srv,
			     int trust_rogue, int depth)
{
	return client_case_full(verify, host, 0, srv, trust_rogue, depth);
}

static int client_case(int verify, const char *host, const char *srv,
		       int trust_rogue)
{
	return client_case_depth(verify, host, srv, trust_rogue, 9);
}

/* chain-server.pem is leaf + intermediate: one CA between it and the root */
START_TEST(client_depth)
{
	ck_assert_int_eq(client_case_depth(1, "localhost", "chain-server", 0,
					   0), 0);
	ck_assert_int_eq(client_case_depth(1, "localhost", "chain-server", 0,
					   1), 1);
	ck_assert_int_eq(client_case_depth(1, "localhost", "server-ecdsa", 0,
					   0), 1);
}
END_TEST

START_TEST(client_names)
{
	/* server-ecdsa: DNS:localhost, IP:127.0.0.1, IP:::1 */
	ck_assert_int_eq(client_case(1, "localhost", "server-ecdsa", 0), 1);
	ck_assert_int_eq(client_case(1, "127.0.0.1", "server-ecdsa", 0), 1);
	ck_assert_int_eq(client_case(1, "::1", "server-ecdsa", 0), 1);
	ck_assert_int_eq(client_case(1, "sip.example.org", "server-ecdsa", 0),
			 0);
	ck_assert_int_eq(client_case(1, "10.9.8.7", "server-ecdsa", 0), 0);
	/* server2-ecdsa is sip2.test */
	ck_assert_int_eq(client_case(1, "sip2.test", "server2-ecdsa", 0), 1);
	/* an expired server certificate is refused */
	ck_assert_int_eq(client_case(1, "localhost", "expired-server", 0), 0);
	/* verify=0: no check at all */
	ck_assert_int_eq(client_case(0, "sip.example.org", "expired-server",
				     0), 1);
}
END_TEST

/*
 * RFC 5922 7: a SIP domain is one of the certificate's sip: URI
 * subjectAltNames (no user part), or, only when there is none, one of its
 * DNS names; never a wildcard. sip-domain.pem: URI:sip:sipdomain.test,
 * DNS:srv-target.test; sip-wild.pem: DNS:*.wild.test; server-ecdsa.pem:
 * DNS:localhost; client.pem: URI:sip:client@client.test (a user part: no
 * identity), DNS:client.test, and it is no server certificate.
 */
START_TEST(client_sip_domain)
{
	ck_assert_int_eq(client_case_full(1, "sipdomain.test", 1, "sip-domain",
					  0, 9), 1);
	ck_assert_int_eq(client_case_full(1, "SIPdomain.TEST", 1, "sip-domain",
					  0, 9), 1);
	/* the SRV target is no identity where sip: URIs are present */
	ck_assert_int_eq(client_case_full(1, "srv-target.test", 1,
					  "sip-domain", 0, 9), 0);
	/* as a web host name the DNS name counts, the URI does not */
	ck_assert_int_eq(client_case_full(1, "srv-target.test", 0,
					  "sip-domain", 0, 9), 1);
	ck_assert_int_eq(client_case_full(1, "sipdomain.test", 0, "sip-domain",
					  0, 9), 0);
	/* DNS names when there is no sip: URI; no wildcard for SIP */
	ck_assert_int_eq(client_case_full(1, "localhost", 1, "server-ecdsa", 0,
					  9), 1);
	ck_assert_int_eq(client_case_full(1, "a.wild.test", 1, "sip-wild", 0,
					  9), 0);
	ck_assert_int_eq(client_case_full(1, "a.wild.test", 0, "sip-wild", 0,
					  9), 1);
	/* the chain is still checked */
	ck_assert_int_eq(client_case_full(1, "sipdomain.test", 1,
					  "expired-server", 0, 9), 0);
}
END_TEST

/*
 * Key purpose, outgoing: the server's certificate must be for TLS server
 * authentication. client.pem (client only) names 127.0.0.1 and
 * client.test, so only the purpose can refuse it; eku-codesign.pem names
 * localhost; eku-none.pem has no EKU and is good for any purpose.
 */
START_TEST(client_key_purpose)
{
	ck_assert_int_eq(client_case(1, "127.0.0.1", "client", 0), 0);
	ck_assert_int_eq(client_case(1, "client.test", "client", 0), 0);
	ck_assert_int_eq(client_case(1, "localhost", "eku-codesign", 0), 0);
	ck_assert_int_eq(client_case(1, NULL, "eku-codesign", 0), 0);
	ck_assert_int_eq(client_case(1, "localhost", "eku-server", 0), 1);
	ck_assert_int_eq(client_case(1, "localhost", "eku-none", 0), 1);
	/* verify=0 checks nothing, the purpose neither */
	ck_assert_int_eq(client_case(0, "localhost", "eku-codesign", 0), 1);
}
END_TEST

/* Incoming: the client's certificate must be for TLS client auth. */
START_TEST(server_key_purpose)
{
	char msg[256] = "";
	int v = -9;

	ck_assert_int_eq(server_case(1, 1, "eku-server", NULL, msg,
				     sizeof(msg)), 0);
	ck_assert_msg(strstr(msg, "purpose"), "%s", msg);
	ck_assert_int_eq(server_case(1, 0, "eku-server", NULL, NULL, 0), 0);
	ck_assert_int_eq(server_case(1, 1, "eku-codesign", NULL, NULL, 0), 0);
	ck_assert_int_eq(server_case(1, 1, "eku-none", &v, msg, sizeof(msg)),
			 1);
	ck_assert_int_eq(v, 1);
	/* both EKUs, as SIP proxies use one certificate both ways */
	ck_assert_int_eq(server_case(1, 1, "server-ecdsa", NULL, NULL, 0), 1);
	ck_assert_int_eq(server_case(0, 0, "eku-codesign", NULL, NULL, 0), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tls_verify");
	TCase *tc = tcase_create("verify");
	SRunner *sr;
	int nf;
	char probe[1024];

	pki = getenv("SC_PKI");
	if (!pki)
		return 77;
	snprintf(probe, sizeof(probe), "%s/eku-codesign.pem", pki);
	if (access(probe, R_OK) != 0)
		return 77;
	tcase_add_loop_test(tc, seed_table, 0, 15);
	tcase_add_test(tc, refusal_reasons);
	tcase_add_test(tc, ca_names);
	tcase_add_test(tc, client_names);
	tcase_add_test(tc, client_sip_domain);
	tcase_add_test(tc, client_depth);
	tcase_add_test(tc, client_key_purpose);
	tcase_add_test(tc, server_key_purpose);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? 1 : 0;
}

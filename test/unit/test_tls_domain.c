/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the TLS domain table (modules/tls_gnutls/tls_domain.c)
 * (prefix: t_).
 *
 * Building is tested on the test PKI from certs/mkpki.sh, found through
 * SC_PKI: good domains load and their blobs are the files' bytes; every bad
 * input is a startup error with its message; a failed build gives back
 * every byte of shared memory. Without SC_PKI the test exits 77 (skip).
 * The lookup has its own test, test_tls_lookup.c.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <sipcore/log.h>
#include <sipcore/shm.h>

#include "core.h"
#include "shm_int.h"
#include "tls_cfg.h"
#include "tls_domain.h"
#include "tls_lookup.h"
#include "tls_priority.h"
#include "tls_mem.h"

#define T_ARENA ((size_t)16 << 20)

static const char *t_pki;	/* SC_PKI */
static char t_tmp[256];	/* per-test scratch directory */

/* ---- addresses and ids -------------------------------------------------- */

static void t_sa(struct sockaddr_storage *ss, socklen_t *len, const char *ip,
		 unsigned port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (len)
			*len = sizeof(*s4);
		return;
	}
	ck_assert_int_eq(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	if (len)
		*len = sizeof(*s6);
}

/* ---- fixtures and helpers for building ----------------------------------- */

static void t_setup(void)
{
	char tmpl[256];
	const char *td = getenv("TMPDIR");

	ck_assert_int_eq(shm_init(T_ARENA), 0);
	tls_shared = NULL;
	snprintf(tmpl, sizeof(tmpl), "%s/t_tls_domain.XXXXXX",
		 td && *td ? td : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(t_tmp, sizeof(t_tmp), "%s", tmpl);
	core_cfg_dirname = (char *)t_pki;
	sc_log_level = SC_L_INFO;
}

static void t_teardown(void)
{
	char cmd[400];

	ck_assert_int_eq(shm_check(), 0);
	shm_destroy();
	tls_shared = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t_tmp);
	ck_assert_int_eq(system(cmd), 0);
}

static size_t t_used(void)
{
	struct shm_stats st;

	shm_get_stats(&st);
	return st.used;
}

static void t_set(char **field, const char *v)
{
	free(*field);
	*field = v ? strdup(v) : NULL;
	ck_assert(!v || *field);
}

static struct tls_dom_cfg *t_dom(struct tls_cfg *c, const char *scope)
{
	char err[256] = "";
	struct tls_dom_cfg *d = tls_cfg_domain(c, scope, "test.cfg", 1, err,
					       sizeof(err));

	ck_assert_msg(d != NULL, "scope %s: %s", scope, err);
	return d;
}

static void t_certkey(struct tls_dom_cfg *d, const char *cert,
		      const char *key)
{
	t_set(&d->certificate, cert);
	t_set(&d->private_key, key);
}

/* A path in the PKI directory or the scratch directory. */
static const char *t_path(const char *dir, const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void t_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Assert that @b holds exactly the bytes of @path. */
static void t_blob_is_file(const struct tls_blob *b, const char *path)
{
	unsigned char buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(b->len, n);
	ck_assert_ptr_nonnull(b->data);
	ck_assert(memcmp(b->data, buf, n) == 0);
}

/* stderr capture: the log lines a build writes */
static int t_cap_fd = -1, t_cap_saved = -1;
static char t_cap_buf[65536];

static void t_cap_start(void)
{
	t_cap_fd = open(t_path(t_tmp, "log"), O_RDWR | O_CREAT | O_TRUNC,
			0600);
	ck_assert_int_ge(t_cap_fd, 0);
	t_cap_saved = dup(STDERR_FILENO);
	ck_assert_int_ge(t_cap_saved, 0);
	ck_assert_int_ge(dup2(t_cap_fd, STDERR_FILENO), 0);
}

static const char *t_cap_end(void)
{
	ssize_t n;

	ck_assert_int_ge(dup2(t_cap_saved, STDERR_FILENO), 0);
	close(t_cap_saved);
	n = pread(t_cap_fd, t_cap_buf, sizeof(t_cap_buf) - 1, 0);
	close(t_cap_fd);
	ck_assert_int_ge(n, 0);
	t_cap_buf[n] = '\0';
	/* show it too, for whoever reads the test log */
	fputs(t_cap_buf, stderr);
	return t_cap_buf;
}

static struct tls_dom_table *t_build_ok(struct tls_cfg *c)
{
	struct tls_dom_table *t = NULL;
	char err[1024] = "";

	ck_assert_msg(tls_dom_build(c, &t, err, sizeof(err)) == 0,
		      "build failed: %s", err);
	ck_assert_ptr_nonnull(t);
	return t;
}

/* Build must fail with @want in the message and give all shm back. */
static void t_build_fail(struct tls_cfg *c, const char *want)
{
	struct tls_dom_table *t = (void *)1;
	struct shm_stats a, b;
	char err[1024] = "";

	shm_get_stats(&a);
	ck_assert_int_eq(tls_dom_build(c, &t, err, sizeof(err)), -1);
	shm_get_stats(&b);
	fprintf(stderr, "expected error: %s\n", err);
	ck_assert_ptr_null(t);
	ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"",
		      err, want);
	ck_assert_uint_eq(b.used, a.used);
	ck_assert_uint_eq(b.allocs - a.allocs, b.frees - a.frees);
}

/* Globals: the ECDSA server certificate, relative to the config dir. */
static void t_cfg_base(struct tls_cfg *c)
{
	tls_cfg_init(c);
	t_certkey(&c->global, "server-ecdsa.pem", "server-ecdsa.key");
}

static const struct tls_dom *t_find_dom(const struct tls_dom_table *t,
					const char *name)
{
	unsigned i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->doms[i].id.name, name))
			return &t->doms[i];
	ck_abort_msg("no domain %s in the table", name);
	return NULL;
}

/* ---- building: good configurations --------------------------------------- */

START_TEST(build_rsa_ecdsa)
{
	struct tls_cfg c;
	struct tls_dom_cfg *d;
	struct tls_dom_table *t;
	const struct tls_dom *sd, *rsa, *cl;
	struct sockaddr_storage ss;
	const char *log;
	size_t before = t_used();
	char want[600];

	t_cfg_base(&c);
	d = t_dom(&c, "127.0.0.1:5061");
	t_certkey(d, "server-rsa.pem", t_path(t_pki, "server-rsa.key"));
	d = t_dom(&c, "client:[::1]:5061");
	t_certkey(d, "client.pem", "client.key");
	t_set(&d->ca_list, "ca.pem");
	t_set(&d->crl, "crl.pem");
	d->verify = 1;

	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();

	ck_assert_uint_eq(t->n, 4);
	sd = t_find_dom(t, "server:default");
	ck_assert(sd == &t->doms[0]);
	ck_assert(sd->id.is_default && sd->id.kind == TLS_DOM_SERVER);
	ck_assert_int_eq(sd->id.addr.ss_family, AF_UNSPEC);
	t_blob_is_file(&sd->cert, t_path(t_pki, "server-ecdsa.pem"));
	t_blob_is_file(&sd->key, t_path(t_pki, "server-ecdsa.key"));
	/* relative names resolve against the config directory */
	ck_assert_str_eq(sd->cert_file, t_path(t_pki, "server-ecdsa.pem"));
	ck_assert_str_eq(sd->key_file, t_path(t_pki, "server-ecdsa.key"));
	ck_assert_ptr_null(sd->key_password);
	ck_assert_ptr_null(sd->key_url);
	ck_assert_uint_eq(sd->ca.len, 0);
	ck_assert_ptr_nonnull(sd->priority);
	ck_assert_int_eq(tls_prio_check(sd->priority, want, sizeof(want)), 0);
	ck_assert_int_eq(sd->verify, 0);
	ck_assert_int_eq(sd->verify_depth, 9);

	/* the client default inherits the global certificate */
	cl = t_find_dom(t, "client:default");
	ck_assert(cl->id.is_default && cl->id.kind == TLS_DOM_CLIENT);
	t_blob_is_file(&cl->cert, t_path(t_pki, "server-ecdsa.pem"));

	rsa = t_find_dom(t, "server:127.0.0.1:5061");
	ck_assert(!rsa->id.is_default && rsa->id.kind == TLS_DOM_SERVER);
	t_blob_is_file(&rsa->cert, t_path(t_pki, "server-rsa.pem"));
	t_blob_is_file(&rsa->key, t_path(t_pki, "server-rsa.key"));

	cl = t_find_dom(t, "client:[::1]:5061");
	ck_assert_int_eq(cl->id.kind, TLS_DOM_CLIENT);
	t_blob_is_file(&cl->cert, t_path(t_pki, "client.pem"));
	t_blob_is_file(&cl->key, t_path(t_pki, "client.key"));
	t_blob_is_file(&cl->ca, t_path(t_pki, "ca.pem"));
	t_blob_is_file(&cl->crl, t_path(t_pki, "crl.pem"));
	ck_assert_str_eq(cl->ca_file, t_path(t_pki, "ca.pem"));
	ck_assert_int_eq(cl->verify, 1);

	/* the table is searchable with the struct tls_dom stride */
	t_sa(&ss, NULL, "127.0.0.1", 5061);
	ck_assert_int_eq(tls_lookup(t->doms, t->n, sizeof(t->doms[0]),
				    TLS_DOM_SERVER, (struct sockaddr *)&ss,
				    NULL),
			 (int)(rsa - t->doms));
	t_sa(&ss, NULL, "::1", 5061);
	ck_assert_int_eq(tls_lookup(t->doms, t->n, sizeof(t->doms[0]),
				    TLS_DOM_CLIENT, (struct sockaddr *)&ss,
				    NULL),
			 (int)(cl - t->doms));

	/* each domain's priority string is logged once */
	snprintf(want, sizeof(want),
		 "tls_gnutls: domain server:127.0.0.1:5061: priority \"%s\"",
		 rsa->priority);
	ck_assert_msg(strstr(log, want) != NULL, "log lacks %s", want);
	ck_assert_ptr_null(strstr(strstr(log, want) + 1, want));

	tls_dom_table_free(t);
	ck_assert_uint_eq(t_used(), before);
	tls_cfg_free(&c);
}
END_TEST

START_TEST(build_sorted_chain)
{
	struct tls_cfg c;
	struct tls_dom_table *t;

	t_cfg_base(&c);
	t_certkey(&c.global, "chain-server.pem", "chain-server.key");
	t = t_build_ok(&c);
	t_blob_is_file(&t->doms[0].cert, t_path(t_pki, "chain-server.pem"));
	tls_dom_table_free(t);
	tls_cfg_free(&c);
}
END_TEST

START_TEST(build_encrypted_key)
{
	struct tls_cfg c;
	struct tls_dom_table *t;

	t_cfg_base(&c);
	t_certkey(&c.global, "server-ecdsa.pem", "server-ecdsa-enc.key");
	t_set(&c.global.private_key_password, "sipcore-test");
	t = t_build_ok(&c);
	t_blob_is_file(&t->doms[0].key, t_path(t_pki, "server-ecdsa-enc.key"));
	ck_assert_str_eq(t->doms[0].key_password, "sipcore-test");
	tls_dom_table_free(t);

	t_set(&c.global.private_key_password, "not-the-password");
	t_build_fail(&c, "tls domain server:default: wrong "
		     "tls_private_key_password for ");
	t_build_fail(&c, "server-ecdsa-enc.key");
	t_set(&c.global.private_key_password, NULL);
	t_build_fail(&c, "is encrypted: set tls_private_key_password");
	tls_cfg_free(&c);
}
END_TEST

START_TEST(build_expired_warns)
{
	struct tls_cfg c;
	struct tls_dom_table *t;
	const char *log;

	t_cfg_base(&c);
	t_certkey(&c.global, "expired.pem", "expired.key");
	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();
	ck_assert_ptr_nonnull(strstr(log, "WARNING"));
	ck_assert_ptr_nonnull(strstr(log, "tls_gnutls: domain server:default: "
				     "certificate 0"));
	ck_assert_ptr_nonnull(strstr(log, t_path(t_pki, "expired.pem")));
	ck_assert_ptr_nonnull(strstr(log,
				     "EXPIRED on 2020-12-31 23:59:59 UTC"));
	tls_dom_table_free(t);
	tls_cfg_free(&c);
}
END_TEST

/* A self-signed certificate that becomes valid in ten days. */
START_TEST(build_not_yet_valid_warns)
{
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key;
	gnutls_datum_t pem;
	time_t now = time(NULL);
	struct tls_cfg c;
	struct tls_dom_table *t;
	const char *log;
	char when[64];
	struct tm tm;

	ck_assert_int_eq(tm_make_cert(GNUTLS_PK_ECDSA,
				      GNUTLS_CURVE_TO_BITS(
					      GNUTLS_ECC_CURVE_SECP256R1),
				      "future.test", &crt, &key), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_activation_time(crt,
							     now + 864000), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_expiration_time(crt,
							     now + 1728000),
			 0);
	ck_assert_int_eq(gnutls_x509_crt_sign2(crt, crt, key,
					       GNUTLS_DIG_SHA256, 0), 0);
	ck_assert_int_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM,
						 &pem), 0);
	t_write(t_path(t_tmp, "future.pem"), pem.data, pem.size);
	gnutls_free(pem.data);
	ck_assert_int_eq(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM,
						     &pem), 0);
	t_write(t_path(t_tmp, "future.key"), pem.data, pem.size);
	gnutls_free(pem.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);

	t_cfg_base(&c);
	t_certkey(&c.global, t_path(t_tmp, "future.pem"),
		  t_path(t_tmp, "future.key"));
	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();
	now += 864000;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "not valid before %Y-%m-%d", &tm);
	ck_assert_msg(strstr(log, when) != NULL, "log lacks %s", when);
	ck_assert_ptr_nonnull(strstr(log, "future.pem"));
	tls_dom_table_free(t);
	tls_cfg_free(&c);
}
END_TEST

/* The seed's default: cert.pem in the config dir holds key and chain. */
START_TEST(build_combined_default)
{
	unsigned char buf[16384];
	const char *names[] = { "server-ecdsa.pem", "server-ecdsa.key" };
	struct tls_cfg c;
	struct tls_dom_table *t;
	size_t len = 0, n;
	FILE *f;
	int i;

	for (i = 0; i < 2; i++) {
		f = fopen(t_path(t_pki, names[i]), "rb");
		ck_assert_ptr_nonnull(f);
		n = fread(buf + len, 1, sizeof(buf) - len, f);
		fclose(f);
		ck_assert_uint_gt(n, 0);
		len += n;
	}
	t_write(t_path(t_tmp, "cert.pem"), buf, len);
	core_cfg_dirname = t_tmp;
	tls_cfg_init(&c);
	t = t_build_ok(&c);
	ck_assert_uint_eq(t->n, 2);
	t_blob_is_file(&t->doms[0].cert, t_path(t_tmp, "cert.pem"));
	t_blob_is_file(&t->doms[0].key, t_path(t_tmp, "cert.pem"));
	t_blob_is_file(&t->doms[1].cert, t_path(t_tmp, "cert.pem"));
	ck_assert_str_eq(t->doms[1].key_file, t_path(t_tmp, "cert.pem"));
	tls_dom_table_free(t);
	tls_cfg_free(&c);
}
END_TEST

START_TEST(build_pkcs11_key)
{
	struct tls_cfg c;
	struct tls_dom_cfg *d;
	struct tls_dom_table *t;
	const struct tls_dom *cl;

	t_cfg_base(&c);
	d = t_dom(&c, "client:192.0.2.1:5061");
	t_certkey(d, "client.pem",
		  "pkcs11:token=sip;object=client-key?pin-value=1234");
	t_set(&d->private_key_password, "1234");
	t = t_build_ok(&c);
	cl = t_find_dom(t, "client:192.0.2.1:5061");
	ck_assert_str_eq(cl->key_url,
			 "pkcs11:token=sip;object=client-key?pin-value=1234");
	/* the name used in messages and logs leaves the PIN out */
	ck_assert_str_eq(cl->key_file, "pkcs11:token=sip;object=client-key");
	ck_assert_uint_eq(cl->key.len, 0);
	ck_assert_ptr_null(cl->key.data);
	ck_assert_str_eq(cl->key_password, "1234");
	t_blob_is_file(&cl->cert, t_path(t_pki, "client.pem"));
	tls_dom_table_free(t);
	tls_cfg_free(&c);
}
END_TEST

/*
 * No certificate configured anywhere: the client simply has none, the
 * default server domain has none (a listener falling back to it is refused
 * by listener_init), a scoped server domain is an error.
 */
START_TEST(build_default_cert_rule)
{
	struct tls_cfg c;
	struct tls_dom_cfg *d;
	struct tls_dom_table *t;
	const char *log;

	core_cfg_dirname = t_tmp;	/* no cert.pem there */
	tls_cfg_init(&c);
	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();
	ck_assert_uint_eq(t->doms[0].cert.len, 0);
	ck_assert_ptr_nonnull(strstr(log, "domain server:default: no "
				     "certificate (the default "));
	tls_dom_table_free(t);
	d = t_dom(&c, "127.0.0.1:5061");
	t_build_fail(&c, "tls domain server:127.0.0.1:5061: no certificate: "
		     "the default tls_certificate '");
	t_build_fail(&c, "/cert.pem' does not exist");
	t_build_fail(&c, "set tls_certificate");
	tls_cfg_free(&c);
	tls_cfg_init(&c);

	/* a scoped server:default replaces the generated one */
	d = t_dom(&c, "server:default");
	t_certkey(d, t_path(t_pki, "server-rsa.pem"),
		  t_path(t_pki, "server-rsa.key"));
	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();
	ck_assert_uint_eq(t->n, 2);
	t_blob_is_file(&t->doms[0].cert, t_path(t_pki, "server-rsa.pem"));
	ck_assert_str_eq(t->doms[1].id.name, "client:default");
	ck_assert_uint_eq(t->doms[1].cert.len, 0);
	ck_assert_uint_eq(t->doms[1].key.len, 0);
	ck_assert_ptr_null(t->doms[1].cert_file);
	ck_assert_ptr_nonnull(strstr(log, "domain client:default: no client "
				     "certificate"));
	tls_dom_table_free(t);

	/* an explicitly set certificate that is missing is an error */
	d = t_dom(&c, "client:default");
	t_set(&d->certificate, "client-missing.pem");
	t_build_fail(&c, "tls domain client:default: tls_certificate '");
	tls_cfg_free(&c);
}
END_TEST

START_TEST(build_require_without_verify_warns)
{
	struct tls_cfg c;
	struct tls_dom_table *t;
	const char *log;

	t_cfg_base(&c);
	c.global.require_certificate = 1;
	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();
	ck_assert_ptr_nonnull(strstr(log, "domain server:default: "
				     "tls_require_certificate=1 has no effect "
				     "without tls_verify=1"));
	ck_assert_int_eq(t->doms[0].require_certificate, 1);
	ck_assert_int_eq(t->doms[0].verify, 0);
	tls_dom_table_free(t);
	tls_cfg_free(&c);
}
END_TEST

/* A named domain that asks less than its address's domain is warned of. */
START_TEST(build_weaker_sni_warns)
{
	struct tls_cfg c;
	struct tls_dom_cfg *a, *n;
	struct tls_dom_table *t;
	const struct tls_dom *nd;
	const char *log;

	t_cfg_base(&c);
	a = t_dom(&c, "127.0.0.1:5061");
	a->verify = 1;
	a->require_certificate = 1;
	t_set(&a->ca_list, "ca.pem");
	n = t_dom(&c, "127.0.0.1:5061/sip2.test");
	t_certkey(n, "server2-ecdsa.pem", "server2-ecdsa.key");
	/* inherits verify=1 require=1 and the CA list: no warning */
	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();
	nd = t_find_dom(t, "server:127.0.0.1:5061/sip2.test");
	ck_assert_int_eq(nd->verify, 1);
	ck_assert_int_eq(nd->require_certificate, 1);
	ck_assert_ptr_nonnull(nd->ca_file);
	ck_assert_ptr_null(strstr(log, "(SNI)"));
	tls_dom_table_free(t);

	n->require_certificate = 0;
	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();
	ck_assert_ptr_nonnull(strstr(log, "tls_gnutls: domain server:127.0.0.1:5061/"
				     "sip2.test: tls_require_certificate=0, "
				     "but domain server:127.0.0.1:5061 of the "
				     "same address requires a client "
				     "certificate: a client that sends the "
				     "name 'sip2.test' (SNI) gets in without "
				     "one"));
	tls_dom_table_free(t);

	n->verify = 0;
	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();
	ck_assert_ptr_nonnull(strstr(log, "tls_gnutls: domain server:127.0.0.1:5061/"
				     "sip2.test: tls_verify=0, but domain "
				     "server:127.0.0.1:5061 of the same "
				     "address verifies clients"));
	tls_dom_table_free(t);

	/* asking more than the address is fine */
	a->require_certificate = 0;
	n->verify = 1;
	n->require_certificate = 1;
	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();
	ck_assert_ptr_null(strstr(log, "(SNI)"));
	tls_dom_table_free(t);
	tls_cfg_free(&c);
}
END_TEST

/* Each CRL must be signed by a CA of the domain; a stale one warns. */
START_TEST(build_crl_checks)
{
	struct tls_cfg c;
	struct tls_dom_cfg *d;
	struct tls_dom_table *t;
	char want[1200], both[600];
	const char *log;
	FILE *f;
	int ch;

	t_cfg_base(&c);
	d = t_dom(&c, "127.0.0.1:5061");
	t_set(&d->ca_list, "ca.pem");
	t_set(&d->crl, "crl.pem");
	ck_assert_int_eq(tls_cfg_note(d, offsetof(struct tls_dom_cfg, crl),
				      "test.cfg", 42), 0);
	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();
	ck_assert_ptr_null(strstr(log, "next update"));
	tls_dom_table_free(t);

	/* the rogue CA's CRL, where only ca.pem is trusted: at its line */
	t_set(&d->crl, "crl-rogue.pem");
	snprintf(want, sizeof(want), "test.cfg:42: tls domain "
		 "server:127.0.0.1:5061: tls_crl '%s': CRL 0 (issuer "
		 "'CN=sipcore rogue CA,O=sipcore rogue PKI') is signed by no "
		 "CA of tls_ca_list '%s' (", t_path(t_pki, "crl-rogue.pem"),
		 t_path(t_pki, "ca.pem"));
	t_build_fail(&c, want);
	/* trusted along with the root: fine */
	t_set(&d->ca_list, "all-ca.pem");
	tls_dom_table_free(t_build_ok(&c));

	/* the second CRL of a file is the bad one */
	t_set(&d->ca_list, "ca.pem");
	snprintf(both, sizeof(both), "%s", t_path(t_tmp, "two-crls.pem"));
	f = fopen(both, "w");
	ck_assert_ptr_nonnull(f);
	for (int k = 0; k < 2; k++) {
		FILE *in = fopen(t_path(t_pki, k ? "crl-rogue.pem" : "crl.pem"),
				 "r");

		ck_assert_ptr_nonnull(in);
		while ((ch = fgetc(in)) != EOF)
			fputc(ch, f);
		fclose(in);
	}
	ck_assert_int_eq(fclose(f), 0);
	t_set(&d->crl, both);
	t_build_fail(&c, "': CRL 1 (issuer 'CN=sipcore rogue CA,O=sipcore "
		     "rogue PKI') is signed by no CA of tls_ca_list");

	/* a CRL without any CA to check it against */
	t_set(&d->ca_list, "");
	t_set(&d->crl, "crl.pem");
	t_build_fail(&c, "test.cfg:42: tls domain server:127.0.0.1:5061: "
		     "tls_crl '");
	t_build_fail(&c, "' needs tls_ca_list");

	/* stale: a warning with the date, and the domain still builds */
	t_set(&d->ca_list, "ca.pem");
	t_set(&d->crl, "crl-expired.pem");
	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();
	snprintf(want, sizeof(want), "tls_gnutls: domain server:127.0.0.1:5061: CRL "
		 "0 (issuer 'CN=sipcore test root CA,O=sipcore test PKI') in "
		 "%s is past its next update (2020-02-01 00:00:00 UTC)",
		 t_path(t_pki, "crl-expired.pem"));
	ck_assert_msg(strstr(log, want) != NULL, "log lacks %s", want);
	ck_assert_ptr_nonnull(t_find_dom(t, "server:127.0.0.1:5061")->crl.data);
	tls_dom_table_free(t);
	tls_cfg_free(&c);
}
END_TEST

/* A private key that others can read is warned of, with its mode. */
START_TEST(build_key_mode_warns)
{
	unsigned char buf[8192];
	struct tls_cfg c;
	struct tls_dom_table *t;
	const char *log, *copy;
	char want[700];
	size_t n;
	FILE *f;

	f = fopen(t_path(t_pki, "server-ecdsa.key"), "rb");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	copy = t_path(t_tmp, "open.key");
	t_write(copy, buf, n);
	t_cfg_base(&c);
	t_set(&c.global.private_key, copy);

	ck_assert_int_eq(chmod(copy, 0644), 0);
	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();
	snprintf(want, sizeof(want), "tls_gnutls: domain server:default: private key "
		 "%s is readable by everyone (mode 0644): make it readable by "
		 "its owner only (chmod 600)", copy);
	ck_assert_msg(strstr(log, want) != NULL, "log lacks %s", want);
	tls_dom_table_free(t);

	ck_assert_int_eq(chmod(copy, 0640), 0);
	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();
	ck_assert_ptr_nonnull(strstr(log, "is readable by its group (mode "
				     "0640)"));
	tls_dom_table_free(t);

	ck_assert_int_eq(chmod(copy, 0600), 0);
	t_cap_start();
	t = t_build_ok(&c);
	log = t_cap_end();
	ck_assert_ptr_null(strstr(log, "is readable by"));
	tls_dom_table_free(t);
	tls_cfg_free(&c);
}
END_TEST

/* ---- building: errors ---------------------------------------------------- */

START_TEST(err_missing_file)
{
	struct tls_cfg c;
	struct tls_dom_cfg *d;
	char want[600];

	t_cfg_base(&c);
	d = t_dom(&c, "127.0.0.1:5061");
	t_certkey(d, "no-such-cert.pem", "server-rsa.key");
	snprintf(want, sizeof(want), "tls domain server:127.0.0.1:5061: "
		 "tls_certificate '%s': No such file or directory",
		 t_path(t_pki, "no-such-cert.pem"));
	t_build_fail(&c, want);
	t_certkey(d, "server-rsa.pem", "no-such.key");
	t_build_fail(&c, "tls domain server:127.0.0.1:5061: tls_private_key '");
	t_certkey(d, "server-rsa.pem", "server-rsa.key");
	t_set(&d->ca_list, "no-such-ca.pem");
	t_build_fail(&c, "tls_ca_list '");
	t_set(&d->ca_list, NULL);
	t_set(&d->crl, "no-such-crl.pem");
	t_build_fail(&c, "tls_crl '");
	t_set(&d->crl, NULL);
	/* a directory is not a certificate */
	t_set(&d->certificate, t_tmp);
	t_build_fail(&c, "not a regular file");
	tls_cfg_free(&c);
}
END_TEST

START_TEST(err_mismatch)
{
	struct tls_cfg c;
	char want[800];

	t_cfg_base(&c);
	t_certkey(&c.global, "server-ecdsa.pem", "mismatch.key");
	snprintf(want, sizeof(want), "tls domain server:default: private key "
		 "%s does not match certificate %s",
		 t_path(t_pki, "mismatch.key"),
		 t_path(t_pki, "server-ecdsa.pem"));
	t_build_fail(&c, want);
	/* RSA key with the ECDSA certificate */
	t_certkey(&c.global, "server-ecdsa.pem", "server-rsa.key");
	t_build_fail(&c, "does not match certificate");
	tls_cfg_free(&c);
}
END_TEST

START_TEST(err_unsorted_chain)
{
	struct tls_cfg c;
	char want[800];

	t_cfg_base(&c);
	t_certkey(&c.global, "unsorted-chain.pem", "chain-server.key");
	snprintf(want, sizeof(want), "tls domain server:default: certificate "
		 "chain in %s is not sorted (leaf first, then each issuer)",
		 t_path(t_pki, "unsorted-chain.pem"));
	t_build_fail(&c, want);
	tls_cfg_free(&c);
}
END_TEST

START_TEST(err_garbage_files)
{
	static const char pem[] = "-----BEGIN CERTIFICATE-----\n"
				  "bm90IGEgY2VydGlmaWNhdGUgYXQgYWxs!!!\n"
				  "-----END CERTIFICATE-----\n";
	static const char junk[] = "\x30\x82\x01\x00 this is not DER";
	struct tls_cfg c;
	char want[800];
	int fd;

	t_write(t_path(t_tmp, "garbage.pem"), pem, sizeof(pem) - 1);
	t_write(t_path(t_tmp, "junk.der"), junk, sizeof(junk) - 1);
	t_write(t_path(t_tmp, "empty.pem"), "", 0);
	fd = open(t_path(t_tmp, "big.pem"), O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (1 << 20) + 1), 0);
	close(fd);

	t_cfg_base(&c);
	t_set(&c.global.certificate, t_path(t_tmp, "garbage.pem"));
	snprintf(want, sizeof(want), "tls domain server:default: "
		 "tls_certificate '%s': bad PEM: GNUTLS_E_",
		 t_path(t_tmp, "garbage.pem"));
	t_build_fail(&c, want);
	t_set(&c.global.certificate, t_path(t_tmp, "junk.der"));
	t_build_fail(&c, "junk.der': neither PEM nor DER: GNUTLS_E_");
	t_set(&c.global.certificate, t_path(t_tmp, "empty.pem"));
	t_build_fail(&c, "empty.pem': the file is empty");
	t_set(&c.global.certificate, t_path(t_tmp, "big.pem"));
	t_build_fail(&c, "big.pem': 1048577 bytes, more than the 1048576");

	/* a bad key, a bad CA list, a CRL file that holds no CRL */
	t_certkey(&c.global, "server-ecdsa.pem", t_path(t_tmp, "garbage.pem"));
	t_build_fail(&c, "tls domain server:default: bad private key ");
	t_certkey(&c.global, "server-ecdsa.pem", "server-ecdsa.key");
	t_set(&c.global.ca_list, t_path(t_tmp, "garbage.pem"));
	t_build_fail(&c, "tls_ca_list '");
	t_set(&c.global.ca_list, "ca.pem");
	t_set(&c.global.crl, "ca.pem");
	t_build_fail(&c, "tls_crl '");
	t_build_fail(&c, "ca.pem': PEM file without a \"-----BEGIN X509 "
		     "CRL-----\" block");
	/* key and certificate swapped */
	t_set(&c.global.crl, NULL);
	t_certkey(&c.global, "server-ecdsa.key", "server-ecdsa.pem");
	t_build_fail(&c, "tls_certificate '");
	t_build_fail(&c, "server-ecdsa.key': PEM file without a \"-----BEGIN "
		     "CERTIFICATE-----\" block");
	t_certkey(&c.global, "server-ecdsa.pem", "server-ecdsa.key");
	t_set(&c.global.crl, "ca.pem");
	t_set(&c.global.crl, "crl-empty.pem");
	tls_dom_table_free(t_build_ok(&c));
	tls_cfg_free(&c);
}
END_TEST

START_TEST(err_verify_without_ca)
{
	struct tls_cfg c;
	struct tls_dom_cfg *d;

	t_cfg_base(&c);
	c.global.verify = 1;
	t_build_fail(&c, "tls domain server:default: tls_verify=1 needs "
		     "tls_ca_list");
	c.global.verify = TLS_UNSET;
	d = t_dom(&c, "client:127.0.0.1:5061");
	d->verify = 1;
	t_build_fail(&c, "tls domain client:127.0.0.1:5061: tls_verify=1 "
		     "needs tls_ca_list");
	/* with a CA list it loads */
	t_set(&d->ca_list, "ca-bundle.pem");
	tls_dom_table_free(t_build_ok(&c));
	tls_cfg_free(&c);
}
END_TEST

/* The domain keeps tls_prio_build's result and explains its flags. */
START_TEST(build_cipher_notes)
{
	/* the second: two suites whose algorithms cross into four */
	static const char *const lists[] = {
		"NULL-SHA:AES128-SHA",
		"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384",
	};
	char perr[512], suites[1024], want[1400];
	struct tls_cfg c;
	struct tls_dom_table *t;
	const char *log;
	char *prio;
	unsigned fl, i, seen = 0;

	for (i = 0; i < 2; i++) {
		prio = NULL;
		ck_assert_int_eq(tls_prio_build(NULL, lists[i], NULL, &prio,
						&fl, perr, sizeof(perr)), 0);
		t_cfg_base(&c);
		t_set(&c.global.ciphers, lists[i]);
		t_cap_start();
		t = t_build_ok(&c);
		log = t_cap_end();
		ck_assert_str_eq(t->doms[0].priority, prio);
		ck_assert_uint_eq(t->doms[0].prio_flags, fl);
		snprintf(want, sizeof(want), "domain server:default: NULL "
			 "ciphers (no encryption) were requested: GnuTLS "
			 "cannot use them with TLS 1.3, so TLS 1.3 is switched "
			 "off");
		ck_assert_int_eq(strstr(log, want) != NULL,
				 (fl & TLS_PRIO_NULL_CIPHERS) != 0);
		ck_assert_int_ge(tls_prio_describe(prio, suites,
						   sizeof(suites)), 1);
		snprintf(want, sizeof(want), "domain server:default: GnuTLS "
			 "selects algorithms, not suites: the cipher list "
			 "enables these suites: %s\n", suites);
		ck_assert_int_eq(strstr(log, want) != NULL,
				 (fl & TLS_PRIO_COARSE) != 0);
		seen |= fl;
		free(prio);
		tls_dom_table_free(t);
		tls_cfg_free(&c);
	}
	/* both notes were exercised */
	ck_assert_uint_eq(seen & (TLS_PRIO_NULL_CIPHERS | TLS_PRIO_COARSE),
			  TLS_PRIO_NULL_CIPHERS | TLS_PRIO_COARSE);
}
END_TEST

/* IPv4 and IPv4-mapped IPv6 are one address: not two domains. */
START_TEST(err_duplicate)
{
	struct tls_cfg c;

	t_cfg_base(&c);
	t_dom(&c, "10.0.0.1:5061");
	t_dom(&c, "[::ffff:10.0.0.1]:5061");
	/* the later spelling is the one named, with where it was written */
	t_build_fail(&c, "test.cfg:1: tls domain server:[::ffff:10.0.0.1]:5061: "
		     "the same "
		     "address and name as tls domain server:10.0.0.1:5061");
	tls_cfg_free(&c);
}
END_TEST

START_TEST(err_bad_method)
{
	struct tls_cfg c;
	struct tls_dom_cfg *d;
	char perr[512] = "", want[700];
	char *p = NULL;
	unsigned fl = 0;

	ck_assert_int_eq(tls_prio_build("sslv2", NULL, NULL, &p, &fl, perr,
					sizeof(perr)), -1);
	ck_assert(perr[0] != '\0');
	t_cfg_base(&c);
	d = t_dom(&c, "[::1]:5061");
	t_set(&d->method, "sslv2");
	snprintf(want, sizeof(want), "tls domain server:[::1]:5061: %s",
		 perr);
	t_build_fail(&c, want);
	tls_cfg_free(&c);
}
END_TEST

/* ---- install and shared memory accounting -------------------------------- */

START_TEST(install_generations)
{
	struct tls_cfg c;
	struct tls_dom_table *t1, *t2;
	size_t base, with_one;

	ck_assert_int_eq(tls_shared_init(), 0);
	ck_assert_ptr_nonnull(tls_shared);
	ck_assert_ptr_null(tls_shared->table);
	ck_assert_uint_eq(tls_shared->generation, 0);
	base = t_used();

	t_cfg_base(&c);
	t_set(&t_dom(&c, "127.0.0.1:5061")->certificate, "server-rsa.pem");
	t_set(&t_dom(&c, "127.0.0.1:5061")->private_key, "server-rsa.key");
	t1 = t_build_ok(&c);
	tls_dom_install(t1);
	ck_assert_ptr_eq(tls_shared->table, t1);
	ck_assert_uint_eq(tls_shared->generation, 1);
	ck_assert_uint_eq(t1->generation, 1);
	with_one = t_used();
	ck_assert_uint_gt(with_one, base);

	t2 = t_build_ok(&c);
	tls_dom_install(t2);
	ck_assert_ptr_eq(tls_shared->table, t2);
	ck_assert_uint_eq(tls_shared->generation, 2);
	ck_assert_uint_eq(t2->generation, 2);
	/* the first table is gone: one table's worth in use, as before */
	ck_assert_uint_eq(t_used(), with_one);

	/* a failed reload changes nothing */
	t_set(&c.global.private_key, "mismatch.key");
	t_build_fail(&c, "does not match");
	ck_assert_ptr_eq(tls_shared->table, t2);
	ck_assert_uint_eq(tls_shared->generation, 2);

	tls_dom_install(NULL);
	ck_assert_ptr_null(tls_shared->table);
	ck_assert_uint_eq(tls_shared->generation, 2);
	ck_assert_uint_eq(t_used(), base);
	tls_cfg_free(&c);
}
END_TEST

/*
 * Leave less and less shared memory free: every build either succeeds or
 * fails with "out of shared memory", and a failure gives back every byte.
 */
START_TEST(out_of_shm)
{
	struct tls_cfg c;
	struct tls_dom_cfg *d;
	struct tls_dom_table *t;
	struct shm_stats st;
	size_t base, room;
	char err[1024];
	void *filler;
	int fails = 0, mid = 0, oks = 0, rc, saved;

	t_cfg_base(&c);
	d = t_dom(&c, "127.0.0.1:5061");
	t_certkey(d, "server-rsa.pem", "server-rsa.key");
	t_set(&d->ca_list, "all-ca.pem");
	saved = sc_log_level;
	sc_log_level = SC_L_CRIT;	/* shm_malloc logs each refusal */
	for (room = 256; room < 48000; room += 211) {
		shm_get_stats(&st);
		ck_assert_uint_gt(st.largest_free, room + 4096);
		filler = shm_malloc(st.largest_free - room);
		ck_assert_ptr_nonnull(filler);
		base = t_used();
		t = NULL;
		rc = tls_dom_build(&c, &t, err, sizeof(err));
		if (rc < 0) {
			ck_assert_msg(strstr(err, "out of shared memory"),
				      "room %zu: %s", room, err);
			ck_assert_ptr_null(t);
			ck_assert_uint_eq(t_used(), base);
			fails++;
			mid += !strncmp(err, "tls domain ", 11);
		} else {
			tls_dom_table_free(t);
			ck_assert_uint_eq(t_used(), base);
			oks++;
		}
		shm_free(filler);
		ck_assert_int_eq(shm_check(), 0);
	}
	sc_log_level = saved;
	ck_assert_int_gt(fails, 10);
	ck_assert_int_gt(mid, 10);	/* failures inside a domain, too */
	ck_assert_int_gt(oks, 0);
	tls_cfg_free(&c);
}
END_TEST

/* ---- runner ------------------------------------------------------------- */

static Suite *t_build_suite(void)
{
	Suite *s = suite_create("tls_domain_build");
	TCase *tc = tcase_create("build");

	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, build_rsa_ecdsa);
	tcase_add_test(tc, build_sorted_chain);
	tcase_add_test(tc, build_encrypted_key);
	tcase_add_test(tc, build_expired_warns);
	tcase_add_test(tc, build_not_yet_valid_warns);
	tcase_add_test(tc, build_combined_default);
	tcase_add_test(tc, build_pkcs11_key);
	tcase_add_test(tc, build_default_cert_rule);
	tcase_add_test(tc, build_require_without_verify_warns);
	tcase_add_test(tc, build_weaker_sni_warns);
	tcase_add_test(tc, build_crl_checks);
	tcase_add_test(tc, build_key_mode_warns);
	tcase_add_test(tc, err_missing_file);
	tcase_add_test(tc, err_mismatch);
	tcase_add_test(tc, err_unsorted_chain);
	tcase_add_test(tc, err_garbage_files);
	tcase_add_test(tc, err_verify_without_ca);
	tcase_add_test(tc, build_cipher_notes);
	tcase_add_test(tc, err_duplicate);
	tcase_add_test(tc, err_bad_method);
	tcase_add_test(tc, install_generations);
	tcase_add_test(tc, out_of_shm);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	char probe[512];
	int nf;

	t_pki = getenv("SC_PKI");
	if (!t_pki || !*t_pki)
		return 77;
	snprintf(probe, sizeof(probe), "%s/server-ecdsa-enc.key", t_pki);
	if (access(probe, R_OK) != 0) {
		fprintf(stderr, "SC_PKI incomplete: nothing to test\n");
		return 77;
	}
	sr = srunner_create(t_build_suite());
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}

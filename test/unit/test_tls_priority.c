/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: tls_method / tls_ciphers_list -> GnuTLS priority
 * (modules/tls_gnutls/tls_priority.c), checked against what GnuTLS really
 * enables and, for the important cases, what two GnuTLS peers really
 * negotiate over an in-memory transport (tls_mem.h).
 */
#include <check.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tls_priority.h"
#include "tls_mem.h"

#define V10 1u
#define V11 2u
#define V12 4u
#define V13 8u

/* ---- helpers ------------------------------------------------------------- */

static char *build_ok(const char *method, const char *ciphers,
		      const char *priority, unsigned *flags)
{
	char err[2048] = "";
	char *out = NULL;
	unsigned fl = 99;
	int rc = tls_prio_build(method, ciphers, priority, &out, &fl, err,
				sizeof(err));

	ck_assert_msg(rc == 0, "build(%s, %s, %s) failed: %s",
		      method ? method : "NULL", ciphers ? ciphers : "NULL",
		      priority ? priority : "NULL", err);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_ne(fl, 99);
	if (flags)
		*flags = fl;
	return out;
}

/* build must fail; returns the message (static buffer) */
static const char *build_err(const char *method, const char *ciphers,
			     const char *priority)
{
	static char err[2048];
	char *out = (char *)1;
	unsigned fl;
	int rc;

	err[0] = '\0';
	rc = tls_prio_build(method, ciphers, priority, &out, &fl, err,
			    sizeof(err));
	ck_assert_msg(rc == -1, "build(%s, %s) unexpectedly succeeded",
		      method ? method : "NULL", ciphers ? ciphers : "NULL");
	ck_assert_ptr_null(out);
	ck_assert_msg(err[0] != '\0', "no error message");
	return err;
}

/* the TLS versions a priority string enables, as V* bits; DTLS fails */
static unsigned prio_versions(const char *prio)
{
	gnutls_priority_t pc;
	const unsigned *list;
	unsigned vers = 0;
	int i, n;

	ck_assert_int_eq(gnutls_priority_init2(&pc, prio, NULL, 0), 0);
	n = gnutls_priority_protocol_list(pc, &list);
	for (i = 0; i < n; i++) {
		switch (list[i]) {
		case GNUTLS_TLS1_0: vers |= V10; break;
		case GNUTLS_TLS1_1: vers |= V11; break;
		case GNUTLS_TLS1_2: vers |= V12; break;
		case GNUTLS_TLS1_3: vers |= V13; break;
		default:
			ck_abort_msg("'%s' enables protocol %s", prio,
				     gnutls_protocol_get_name(list[i]));
		}
	}
	gnutls_priority_deinit(pc);
	return vers;
}

static const char *describe(const char *prio, int *n)
{
	static char buf[16384];

	*n = tls_prio_describe(prio, buf, sizeof(buf));
	ck_assert_int_ge(*n, 0);
	return buf;
}

/* does the space-separated @list contain the word @w? */
static int has_word(const char *list, const char *w)
{
	size_t wl = strlen(w);
	const char *p = list;

	while ((p = strstr(p, w))) {
		if ((p == list || p[-1] == ' ') && (p[wl] == ' ' || !p[wl]))
			return 1;
		p += wl;
	}
	return 0;
}

/* ---- tls_method ---------------------------------------------------------- */

static const struct {
	const char *method;
	unsigned vers;
} method_cases[] = {
	{ NULL, V12 | V13 },
	{ "", V12 | V13 },
	{ "sslv23", V10 | V11 | V12 | V13 },
	{ "SSLv23", V10 | V11 | V12 | V13 },
	{ "tlsv1+", V10 | V11 | V12 | V13 },
	{ "TLSv1+", V10 | V11 | V12 | V13 },
	{ "any", V10 | V11 | V12 | V13 },
	{ "tlsv1", V10 },
	{ "TLSv1", V10 },
	{ "tlsv1.0", V10 },
	{ "tlsv1.1", V11 },
	{ "TLSv1.1", V11 },
	{ "tlsv1.2", V12 },
	{ "TLSv1.2", V12 },
	{ "TLSv1_2", V12 },
	{ "tlsv1.3", V13 },
	{ "TLSv1.3", V13 },
	{ "tlsv1.1+", V11 | V12 | V13 },
	{ "TLSv1.2+", V12 | V13 },
	{ "tlsv1.2+", V12 | V13 },
	{ "tlsv1.3+", V13 },
};

START_TEST(method_versions)
{
	const char *m = method_cases[_i].method;
	char err[512];
	unsigned flags;
	char *p = build_ok(m, NULL, NULL, &flags);

	ck_assert_msg(prio_versions(p) == method_cases[_i].vers,
		      "method %s: '%s' enables 0x%x, want 0x%x",
		      m ? m : "NULL", p, prio_versions(p),
		      method_cases[_i].vers);
	ck_assert_uint_eq(flags, 0);
	ck_assert_int_eq(tls_prio_method_valid(m, err, sizeof(err)), 0);
	free(p);
}
END_TEST

START_TEST(method_sslv3_refused)
{
	const char *e = build_err("sslv3", NULL, NULL);
	char err[1024];

	ck_assert_ptr_nonnull(strstr(e, "'sslv3'"));
	ck_assert_ptr_nonnull(strstr(e, "SSL 3.0"));
	ck_assert_ptr_nonnull(strstr(e, "GnuTLS"));
	ck_assert_ptr_nonnull(strstr(e, "tlsv1.2+"));
	ck_assert_int_eq(tls_prio_method_valid("SSLv3", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "SSL 3.0"));
}
END_TEST

START_TEST(method_sslv2_refused)
{
	const char *e = build_err("SSLv2", NULL, NULL);

	ck_assert_ptr_nonnull(strstr(e, "'SSLv2'"));
	ck_assert_ptr_nonnull(strstr(e, "SSL 2.0"));
	ck_assert_ptr_nonnull(strstr(e, "sslv23"));
}
END_TEST

START_TEST(method_garbage_refused)
{
	static const char *const bad[] = { "tlsv2", "tls", "tlsv1.4",
					   "tlsv1.2++", "sslv23 ",
					   "averyveryverylongmethodname" };
	char err[1024];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *e = build_err(bad[i], NULL, NULL);

		ck_assert_msg(strstr(e, "unknown value") != NULL, "%s", e);
		ck_assert_ptr_nonnull(strstr(e, "accepted: sslv23"));
		ck_assert_int_eq(tls_prio_method_valid(bad[i], err,
						       sizeof(err)), -1);
	}
	ck_assert_ptr_nonnull(strstr(build_err("tlsv2", NULL, NULL),
				     "'tlsv2'"));
	ck_assert_int_eq(tls_prio_method_valid(NULL, err, sizeof(err)), 0);
}
END_TEST

/* ---- tls_ciphers_list: OpenSSL names ----------------------------------- */

START_TEST(cipher_single_suite)
{
	unsigned flags;
	int n;
	char *p = build_ok(NULL, "ECDHE-RSA-AES128-GCM-SHA256", NULL, &flags);
	const char *d = describe(p, &n);

	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(d, "TLS_ECDHE_RSA_AES_128_GCM_SHA256");
	ck_assert_uint_eq(flags, 0);
	/* a TLS 1.2 suite alone: TLS 1.3 must be off, else it adds suites */
	ck_assert_uint_eq(prio_versions(p), V12);
	free(p);
}
END_TEST

static const struct {
	const char *openssl, *gnutls;
} single_cases[] = {
	{ "AES256-SHA", "TLS_RSA_AES_256_CBC_SHA1" },
	{ "AES128-SHA", "TLS_RSA_AES_128_CBC_SHA1" },
	{ "DES-CBC3-SHA", "TLS_RSA_3DES_EDE_CBC_SHA1" },
	{ "ECDHE-ECDSA-AES256-GCM-SHA384",
	  "TLS_ECDHE_ECDSA_AES_256_GCM_SHA384" },
	{ "ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_CHACHA20_POLY1305" },
	{ "DHE-RSA-AES128-GCM-SHA256", "TLS_DHE_RSA_AES_128_GCM_SHA256" },
	{ "AES128-GCM-SHA256", "TLS_RSA_AES_128_GCM_SHA256" },
	{ "ECDHE-RSA-AES256-SHA384", "TLS_ECDHE_RSA_AES_256_CBC_SHA384" },
	{ "EDH-RSA-DES-CBC3-SHA", "TLS_DHE_RSA_3DES_EDE_CBC_SHA1" },
	{ "camellia256-sha", "TLS_RSA_CAMELLIA_256_CBC_SHA1" },
	{ "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256" },
	{ "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384" },
	{ "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256" },
	{ "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_SHA256" },
};

START_TEST(cipher_single_suites)
{
	int n;
	unsigned flags;
	char *p = build_ok("sslv23", single_cases[_i].openssl, NULL, &flags);
	const char *d = describe(p, &n);

	ck_assert_msg(n == 1 && strcmp(d, single_cases[_i].gnutls) == 0,
		      "%s -> '%s' enables '%s'", single_cases[_i].openssl, p,
		      d);
	ck_assert_uint_eq(flags, 0);
	free(p);
}
END_TEST

START_TEST(cipher_tls13_name_only_tls13)
{
	int n;
	char *p = build_ok(NULL, "TLS_AES_256_GCM_SHA384", NULL, NULL);

	ck_assert_str_eq(describe(p, &n), "TLS_AES_256_GCM_SHA384");
	ck_assert_uint_eq(prio_versions(p), V13);
	free(p);
	/* a TLS 1.3 suite and a TLS 1.2 suite: both versions, both suites */
	p = build_ok(NULL, "TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256",
		     NULL, NULL);
	describe(p, &n);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(prio_versions(p), V12 | V13);
	free(p);
}
END_TEST

START_TEST(cipher_list_exact)
{
	unsigned flags;
	int n;
	char *p = build_ok(NULL, "ECDHE-RSA-AES128-GCM-SHA256, "
				 "ECDHE-RSA-AES256-GCM-SHA384 "
				 "ECDHE-RSA-CHACHA20-POLY1305", NULL, &flags);
	const char *d = describe(p, &n);

	ck_assert_int_eq(n, 3);
	ck_assert(has_word(d, "TLS_ECDHE_RSA_AES_128_GCM_SHA256"));
	ck_assert(has_word(d, "TLS_ECDHE_RSA_AES_256_GCM_SHA384"));
	ck_assert(has_word(d, "TLS_ECDHE_RSA_CHACHA20_POLY1305"));
	ck_assert_uint_eq(flags, 0);
	/* the list order is the preference order */
	ck_assert_ptr_eq(strstr(d, "TLS_ECDHE_RSA_AES_128_GCM_SHA256"), d);
	free(p);
}
END_TEST

START_TEST(cipher_list_coarse)
{
	unsigned flags;
	int n;
	char *p = build_ok(NULL, "ECDHE-RSA-AES128-GCM-SHA256:"
				 "ECDHE-ECDSA-AES256-GCM-SHA384", NULL, &flags);
	const char *d = describe(p, &n);

	/* algorithms, not suites: the cross product is enabled and said */
	ck_assert_uint_eq(flags, TLS_PRIO_COARSE);
	ck_assert_int_eq(n, 4);
	ck_assert(has_word(d, "TLS_ECDHE_RSA_AES_128_GCM_SHA256"));
	ck_assert(has_word(d, "TLS_ECDHE_ECDSA_AES_256_GCM_SHA384"));
	ck_assert(has_word(d, "TLS_ECDHE_RSA_AES_256_GCM_SHA384"));
	ck_assert(has_word(d, "TLS_ECDHE_ECDSA_AES_128_GCM_SHA256"));
	free(p);
}
END_TEST

START_TEST(cipher_seed_example)
{
	/* the seed documentation's own example */
	unsigned flags;
	int n;
	char *p = build_ok(NULL, "NULL-SHA:NULL-MD5:AES256-SHA:AES128-SHA",
			   NULL, &flags);
	const char *d = describe(p, &n);

	ck_assert_uint_eq(flags, TLS_PRIO_NULL_CIPHERS);
	ck_assert_int_eq(n, 4);
	ck_assert(has_word(d, "TLS_RSA_NULL_SHA1"));
	ck_assert(has_word(d, "TLS_RSA_NULL_MD5"));
	ck_assert(has_word(d, "TLS_RSA_AES_256_CBC_SHA1"));
	ck_assert(has_word(d, "TLS_RSA_AES_128_CBC_SHA1"));
	ck_assert_uint_eq(prio_versions(p) & V13, 0);
	free(p);
}
END_TEST

START_TEST(cipher_null_drops_tls13)
{
	unsigned flags;
	int n;
	char *p = build_ok("sslv23", "NULL-SHA", NULL, &flags);

	ck_assert_uint_eq(flags & TLS_PRIO_NULL_CIPHERS, TLS_PRIO_NULL_CIPHERS);
	ck_assert_str_eq(describe(p, &n), "TLS_RSA_NULL_SHA1");
	ck_assert_uint_eq(prio_versions(p), V10 | V11 | V12);
	ck_assert_ptr_null(strstr(p, "VERS-TLS1.3"));
	free(p);

	/* eNULL with TLS 1.3 suites: TLS 1.3 suites go, flag says why */
	p = build_ok(NULL, "TLS_AES_128_GCM_SHA256:eNULL", NULL, &flags);
	ck_assert_uint_eq(flags & TLS_PRIO_NULL_CIPHERS, TLS_PRIO_NULL_CIPHERS);
	ck_assert_uint_eq(prio_versions(p), V12);
	ck_assert(!has_word(describe(p, &n), "TLS_AES_128_GCM_SHA256"));
	free(p);

	ck_assert_ptr_nonnull(strstr(build_err("tlsv1.3", "NULL-SHA", NULL),
				     "TLS 1.3"));
}
END_TEST

START_TEST(cipher_keywords)
{
	unsigned flags;
	int n;
	char *p = build_ok(NULL, "HIGH:!aNULL:!MD5", NULL, &flags);
	const char *d = describe(p, &n);

	ck_assert(has_word(d, "TLS_AES_128_GCM_SHA256"));
	ck_assert(has_word(d, "TLS_ECDHE_RSA_AES_128_GCM_SHA256"));
	ck_assert(has_word(d, "TLS_ECDHE_ECDSA_CHACHA20_POLY1305"));
	ck_assert(has_word(d, "TLS_RSA_AES_256_CBC_SHA1"));
	ck_assert_ptr_null(strstr(d, "3DES"));
	ck_assert_ptr_null(strstr(d, "NULL"));
	ck_assert_ptr_null(strstr(d, "ARCFOUR"));
	ck_assert_uint_eq(flags, 0);
	ck_assert_uint_eq(prio_versions(p), V12 | V13);
	free(p);

	/* intersection: exactly the four ECDHE AES-GCM suites */
	p = build_ok(NULL, "kEECDH+AESGCM", NULL, &flags);
	d = describe(p, &n);
	ck_assert_int_eq(n, 4);
	ck_assert(has_word(d, "TLS_ECDHE_RSA_AES_128_GCM_SHA256"));
	ck_assert(has_word(d, "TLS_ECDHE_RSA_AES_256_GCM_SHA384"));
	ck_assert(has_word(d, "TLS_ECDHE_ECDSA_AES_128_GCM_SHA256"));
	ck_assert(has_word(d, "TLS_ECDHE_ECDSA_AES_256_GCM_SHA384"));
	ck_assert_uint_eq(flags, 0);
	free(p);

	/* MEDIUM is 3DES; aRSA+SHA1 with MEDIUM */
	p = build_ok("sslv23", "MEDIUM+aRSA+kRSA", NULL, &flags);
	ck_assert_str_eq(describe(p, &n), "TLS_RSA_3DES_EDE_CBC_SHA1");
	free(p);

	/* DEFAULT is GnuTLS's NORMAL */
	p = build_ok(NULL, "DEFAULT", NULL, &flags);
	{
		char a[16384];
		int m;

		ck_assert_int_ge(tls_prio_describe(
					 "NORMAL:-VERS-ALL:+VERS-TLS1.3:"
					 "+VERS-TLS1.2", a, sizeof(a)), 0);
		describe(p, &m);
		ck_assert_int_eq(m, tls_prio_describe(
					    "NORMAL:-VERS-ALL:+VERS-TLS1.3:"
					    "+VERS-TLS1.2", a, sizeof(a)));
	}
	free(p);

	/* TLS 1.3 only through a keyword */
	p = build_ok(NULL, "CHACHA20:!kEECDH:!kEDH", NULL, &flags);
	ck_assert_str_eq(describe(p, &n), "TLS_CHACHA20_POLY1305_SHA256");
	ck_assert_uint_eq(prio_versions(p), V13);
	free(p);
}
END_TEST

START_TEST(cipher_removals)
{
	int n;
	char *p = build_ok("sslv23", "ALL:!3DES:-CAMELLIA:!aNULL:!eNULL:!RC4:"
				     "!EXPORT:!LOW:!PSK:!SRP:!DES:!MD5",
			   NULL, NULL);
	const char *d = describe(p, &n);

	ck_assert_int_gt(n, 10);
	ck_assert_ptr_null(strstr(d, "3DES"));
	ck_assert_ptr_null(strstr(d, "CAMELLIA"));
	ck_assert_ptr_null(strstr(d, "NULL"));
	ck_assert(has_word(d, "TLS_RSA_AES_128_CBC_SHA1"));
	free(p);

	/* '-' removes for now, a later add brings it back */
	p = build_ok(NULL, "AES128-SHA:AES256-SHA:-AES128-SHA", NULL, NULL);
	ck_assert_str_eq(describe(p, &n), "TLS_RSA_AES_256_CBC_SHA1");
	free(p);
	p = build_ok(NULL, "AES128-SHA:-AES128-SHA:AES128-SHA", NULL, NULL);
	ck_assert_str_eq(describe(p, &n), "TLS_RSA_AES_128_CBC_SHA1");
	free(p);
	/* '!' removes for good */
	p = build_ok(NULL, "AES256-SHA:!AES128-SHA:AES128-SHA", NULL, NULL);
	ck_assert_str_eq(describe(p, &n), "TLS_RSA_AES_256_CBC_SHA1");
	free(p);
	ck_assert_ptr_nonnull(strstr(build_err(NULL, "!AES128-SHA:AES128-SHA",
					       NULL),
				     "selects no cipher suite"));
	/* '+' moves to the end: preference order changes */
	p = build_ok(NULL, "AES128-SHA:AES256-SHA:+AES128-SHA", NULL, NULL);
	ck_assert_str_eq(describe(p, &n),
			 "TLS_RSA_AES_256_CBC_SHA1 TLS_RSA_AES_128_CBC_SHA1");
	free(p);
}
END_TEST

START_TEST(cipher_unknown_position)
{
	const char *e = build_err(NULL, "AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:"
					"FOO:AES256-SHA", NULL);

	ck_assert_msg(strstr(e, "unknown cipher 'FOO' at position 3"), "%s", e);
	ck_assert_ptr_nonnull(strstr(e, "ECDHE-RSA-AES128-GCM-SHA256"));
	ck_assert_ptr_nonnull(strstr(e, "TLS_AES_128_GCM_SHA256"));
	ck_assert_ptr_nonnull(strstr(e, "HIGH"));
	ck_assert_ptr_nonnull(strstr(e, "NORMAL"));

	/* separators of all kinds count the same; empty items do not */
	e = build_err(NULL, "AES128-SHA,, AES256-SHA BAR", NULL);
	ck_assert_msg(strstr(e, "'BAR' at position 3"), "%s", e);
	/* in an intersection, the bad term is named */
	e = build_err(NULL, "kEECDH+AESGXM", NULL);
	ck_assert_msg(strstr(e, "'AESGXM' at position 1"), "%s", e);
}
END_TEST

START_TEST(cipher_unsupported)
{
	const char *e;

	e = build_err(NULL, "AES128-SHA:RC4-SHA", NULL);
	ck_assert_msg(strstr(e, "'RC4-SHA' at position 2"), "%s", e);
	ck_assert_ptr_nonnull(strstr(e, "RFC 7465"));
	e = build_err(NULL, "RC4", NULL);
	ck_assert_ptr_nonnull(strstr(e, "RC4"));
	e = build_err(NULL, "DES-CBC-SHA", NULL);
	ck_assert_ptr_nonnull(strstr(e, "not implemented by GnuTLS"));
	e = build_err(NULL, "EXP-RC4-MD5", NULL);
	ck_assert_ptr_nonnull(strstr(e, "not implemented by GnuTLS"));
	e = build_err(NULL, "EXPORT", NULL);
	ck_assert_ptr_nonnull(strstr(e, "not implemented by GnuTLS"));
	e = build_err(NULL, "PSK-AES128-CBC-SHA", NULL);
	ck_assert_ptr_nonnull(strstr(e, "pre-shared keys"));
	e = build_err(NULL, "ADH-AES128-SHA", NULL);
	ck_assert_ptr_nonnull(strstr(e, "anonymous"));
	e = build_err(NULL, "SRP-AES-128-CBC-SHA", NULL);
	ck_assert_ptr_nonnull(strstr(e, "SRP"));
	e = build_err(NULL, "HIGH:@SECLEVEL=1", NULL);
	ck_assert_ptr_nonnull(strstr(e, "@SECLEVEL=1"));
	/* a suite the method cannot negotiate */
	e = build_err("tlsv1", "ECDHE-RSA-AES128-GCM-SHA256", NULL);
	ck_assert_ptr_nonnull(strstr(e, "tlsv1"));
	ck_assert_ptr_nonnull(strstr(e, "TLS 1.2"));
}
END_TEST

/* ---- native strings, tls_priority ---------------------------------------- */

START_TEST(native_passthrough)
{
	int n;
	unsigned flags;
	char *p = build_ok("tlsv1.2", "NORMAL:-CHACHA20-POLY1305", NULL,
			   &flags);

	ck_assert_str_eq(p, "NORMAL:-CHACHA20-POLY1305:-VERS-ALL:+VERS-TLS1.2");
	ck_assert_uint_eq(prio_versions(p), V12);
	ck_assert_ptr_null(strstr(describe(p, &n), "CHACHA20"));
	ck_assert_uint_eq(flags, 0);
	free(p);

	p = build_ok(NULL, "SECURE256", NULL, NULL);
	ck_assert_str_eq(p, "SECURE256:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2");
	free(p);

	/* native string with NULL: flag set, GnuTLS drops TLS 1.3 */
	p = build_ok("tlsv1.2+", "NORMAL:+NULL", NULL, &flags);
	ck_assert_uint_eq(flags, TLS_PRIO_NULL_CIPHERS);
	ck_assert_uint_eq(prio_versions(p), V12);
	free(p);

	/* errors in a native string come from GnuTLS, with the position */
	{
		const char *e = build_err(NULL, "NORMAL:+AES-128-GCM:+BOGUS",
					  NULL);

		ck_assert_msg(strstr(e, "element 3 '+BOGUS'"), "%s", e);
	}
	ck_assert_ptr_nonnull(strstr(build_err(NULL, "@SYSTEM", NULL),
				     "system priority file"));
}
END_TEST

START_TEST(priority_wins)
{
	unsigned flags;
	char *p = build_ok("sslv3", "FOO",
			   "NORMAL:-VERS-ALL:+VERS-TLS1.3", &flags);

	ck_assert_str_eq(p, "NORMAL:-VERS-ALL:+VERS-TLS1.3");
	ck_assert_uint_eq(prio_versions(p), V13);
	ck_assert_uint_eq(flags, 0);
	free(p);
	ck_assert_ptr_nonnull(strstr(build_err("tlsv1.2", NULL, "NORMAL:+FOO"),
				     "'+FOO'"));
}
END_TEST

START_TEST(check_messages)
{
	char err[1024];

	ck_assert_int_eq(tls_prio_check("NORMAL", err, sizeof(err)), 0);
	ck_assert_int_eq(tls_prio_check("NORMAL:%SERVER_PRECEDENCE", err,
					sizeof(err)), 0);
	ck_assert_int_eq(tls_prio_check("NORMAL:-VERS-ALL:+VERS-TLS1.2:+FOO",
					err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "element 4 '+FOO' (offset 30)"), "%s", err);
	ck_assert_ptr_nonnull(strstr(err, "GNUTLS_E_INVALID_REQUEST"));
	ck_assert_int_eq(tls_prio_check("NORMAL:-VERS-TLS-ALL", err,
					sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no TLS protocol version"));
	ck_assert_int_eq(tls_prio_check("NORMAL:-VERS-ALL:+VERS-TLS1.0:"
					"-CIPHER-ALL:+AES-128-GCM", err,
					sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no cipher suite"));
	ck_assert_int_eq(tls_prio_check("", err, sizeof(err)), -1);
	ck_assert_int_eq(tls_prio_check(NULL, err, sizeof(err)), -1);
}
END_TEST

START_TEST(describe_truncates)
{
	char small[40];
	int n = tls_prio_describe("NORMAL", small, sizeof(small));

	ck_assert_int_gt(n, 3);
	ck_assert_uint_lt(strlen(small), sizeof(small));
	ck_assert_ptr_nonnull(strstr(small, "..."));
	ck_assert_int_eq(tls_prio_describe("NORMAL:+FOO", small,
					   sizeof(small)), -1);
	ck_assert_str_eq(small, "");
}
END_TEST

/* if the OpenSSL name says @ow, the GnuTLS name must say @gw */
static void same_word(const char *oname, const char *gname, const char *ow,
		      const char *gw)
{
	if (strstr(oname, ow))
		ck_assert_msg(strstr(gname, gw), "%s is %s", oname, gname);
}

START_TEST(name_table_joins_gnutls)
{
	/* every table row GnuTLS implements maps to a suite whose GnuTLS
	 * name agrees on key exchange and cipher words */
	size_t i, joined = 0;

	for (i = 0; i < tls_prio_name_count(); i++) {
		const struct tls_prio_name *nm = tls_prio_name_at(i);
		unsigned char id[2];
		const char *g;
		size_t k;

		for (k = 0; (g = gnutls_cipher_suite_info(k, id, NULL, NULL,
							  NULL, NULL));
		     k++) {
			if (id[0] == nm->id[0] && id[1] == nm->id[1])
				break;
		}
		if (!g)
			continue;
		joined++;
		same_word(nm->name, g, "CHACHA20", "CHACHA20");
		same_word(nm->name, g, "GCM", "GCM");
		same_word(nm->name, g, "ECDHE-RSA", "ECDHE_RSA");
		same_word(nm->name, g, "ECDHE-ECDSA", "ECDHE_ECDSA");
		same_word(nm->name, g, "AES256", "AES_256");
		same_word(nm->name, g, "AES_256", "AES_256");
		same_word(nm->name, g, "AES128", "AES_128");
		same_word(nm->name, g, "AES_128", "AES_128");
		same_word(nm->name, g, "DES-CBC3", "3DES");
		same_word(nm->name, g, "NULL", "NULL");
		ck_assert_ptr_eq(tls_prio_name_find(nm->name, strlen(nm->name)),
				 nm);
	}
	ck_assert_uint_gt(joined, 100);
}
END_TEST

/*
 * A system-wide GnuTLS policy that disables TLS 1.0 must make sslv23 fail
 * loudly. GnuTLS reads GNUTLS_SYSTEM_PRIORITY_FILE when it loads, so the
 * probe runs in a fresh copy of this program (main's "--policy-probe").
 */
static int policy_probe(void)
{
	char err[1024];
	char *out = NULL;
	unsigned fl;

	if (tls_prio_build("sslv23", NULL, NULL, &out, &fl, err,
			   sizeof(err)) == 0) {
		free(out);
		return 2;
	}
	return strstr(err, "TLS 1.1, TLS 1.2, TLS 1.3 instead of TLS 1.0") &&
	       strstr(err, "system-wide") ? 0 : 3;
}

START_TEST(system_policy_detected)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : P_tmpdir;
	static const char conf[] = "[overrides]\ndisabled-version = tls1.0\n";
	char path[512], env[600], *argv[] = { "self", "--policy-probe", NULL };
	char *envp[] = { env, NULL };
	pid_t pid;
	int fd, st;

	snprintf(path, sizeof(path), "%s/tls_prio_policy_XXXXXX", tmp);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, conf, sizeof(conf) - 1),
			 (ssize_t)sizeof(conf) - 1);
	close(fd);
	snprintf(env, sizeof(env), "GNUTLS_SYSTEM_PRIORITY_FILE=%s", path);
	ck_assert_int_eq(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv,
				     envp), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	unlink(path);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

/* ---- handshakes over memory -------------------------------------------- */

static gnutls_x509_crt_t rsa_crt, ec_crt;
static gnutls_x509_privkey_t rsa_key, ec_key;

static void keys_setup(void)
{
	ck_assert_int_eq(gnutls_global_init(), 0);
	ck_assert_int_eq(tm_make_cert(GNUTLS_PK_RSA, 2048, "rsa.test", &rsa_crt,
				      &rsa_key), 0);
	ck_assert_int_eq(tm_make_cert(GNUTLS_PK_ECDSA,
				      GNUTLS_CURVE_TO_BITS(
					      GNUTLS_ECC_CURVE_SECP256R1),
				      "ec.test", &ec_crt, &ec_key), 0);
}

static void keys_teardown(void)
{
	gnutls_x509_crt_deinit(rsa_crt);
	gnutls_x509_crt_deinit(ec_crt);
	gnutls_x509_privkey_deinit(rsa_key);
	gnutls_x509_privkey_deinit(ec_key);
	gnutls_global_deinit();
}

enum { K_RSA = 1, K_EC = 2 };

struct hs {
	gnutls_certificate_credentials_t scred, ccred;
	char *sprio, *cprio;
	struct tm_pair p;
};

/* build both sides from module parameters and run the handshake */
static int hs_run(struct hs *h, int keys, const char *smethod,
		  const char *sciphers, const char *cmethod,
		  const char *cciphers)
{
	memset(h, 0, sizeof(*h));
	h->sprio = build_ok(smethod, sciphers, NULL, NULL);
	h->cprio = build_ok(cmethod, cciphers, NULL, NULL);
	ck_assert_int_eq(gnutls_certificate_allocate_credentials(&h->scred), 0);
	ck_assert_int_eq(gnutls_certificate_allocate_credentials(&h->ccred), 0);
	if (keys & K_RSA)
		ck_assert_int_eq(tm_cred_add(h->scred, rsa_crt, rsa_key), 0);
	if (keys & K_EC)
		ck_assert_int_eq(tm_cred_add(h->scred, ec_crt, ec_key), 0);
	ck_assert_int_eq(tm_pair_init(&h->p, h->cprio, h->ccred, h->sprio,
				      h->scred), 0);
	return tm_handshake(&h->p);
}

static void hs_free(struct hs *h)
{
	tm_pair_deinit(&h->p);
	gnutls_certificate_free_credentials(h->scred);
	gnutls_certificate_free_credentials(h->ccred);
	free(h->sprio);
	free(h->cprio);
}

static void hs_expect_fail(int keys, const char *sm, const char *sc,
			   const char *cm, const char *cc)
{
	struct hs h;
	int rc = hs_run(&h, keys, sm, sc, cm, cc);

	ck_assert_msg(rc == -1, "server %s/%s client %s/%s negotiated %s",
		      sm, sc ? sc : "-", cm, cc ? cc : "-",
		      rc == 0 ? gnutls_protocol_get_name(
				       gnutls_protocol_get_version(h.p.client))
			      : "?");
	/* both sides must have failed, not just stalled */
	ck_assert_msg(h.p.cret < 0 && gnutls_error_is_fatal(h.p.cret),
		      "client: %s", gnutls_strerror_name(h.p.cret));
	ck_assert_msg(h.p.sret < 0 && gnutls_error_is_fatal(h.p.sret),
		      "server: %s", gnutls_strerror_name(h.p.sret));
	hs_free(&h);
}

static void hs_expect_version(int keys, const char *sm, const char *sc,
			      const char *cm, const char *cc,
			      gnutls_protocol_t want)
{
	static const char msg[] = "OPTIONS sip:ping@example.test SIP/2.0\r\n";
	struct hs h;
	int rc = hs_run(&h, keys, sm, sc, cm, cc);

	ck_assert_msg(rc == 0, "server %s client %s: %s / %s", sm ? sm : "-",
		      cm ? cm : "-", gnutls_strerror_name(h.p.cret),
		      gnutls_strerror_name(h.p.sret));
	ck_assert_msg(gnutls_protocol_get_version(h.p.client) == want,
		      "negotiated %s, want %s",
		      gnutls_protocol_get_name(
			      gnutls_protocol_get_version(h.p.client)),
		      gnutls_protocol_get_name(want));
	ck_assert_int_eq(gnutls_protocol_get_version(h.p.server), want);
	ck_assert_int_eq(tm_transfer(h.p.client, h.p.server, msg,
				     sizeof(msg) - 1), 0);
	ck_assert_int_eq(tm_transfer(h.p.server, h.p.client, msg,
				     sizeof(msg) - 1), 0);
	hs_free(&h);
}

START_TEST(hs_tls12_vs_tls13_fails)
{
	hs_expect_fail(K_RSA | K_EC, "tlsv1.2", NULL, "tlsv1.3", NULL);
	hs_expect_fail(K_RSA | K_EC, "tlsv1.3", NULL, "tlsv1.2", NULL);
}
END_TEST

START_TEST(hs_sslv23_server_tlsv1_client)
{
	/* TLS 1.0 really negotiates on Debian's GnuTLS, with either key
	 * type (the ServerKeyExchange is then signed with SHA-1) */
	hs_expect_version(K_RSA | K_EC, "sslv23", NULL, "tlsv1", NULL,
			  GNUTLS_TLS1_0);
	hs_expect_version(K_RSA, "sslv23", NULL, "tlsv1", NULL, GNUTLS_TLS1_0);
	hs_expect_version(K_EC, "sslv23", NULL, "tlsv1", NULL, GNUTLS_TLS1_0);
	hs_expect_version(K_RSA, "sslv23", NULL, "tlsv1.1", NULL,
			  GNUTLS_TLS1_1);
	hs_expect_version(K_RSA | K_EC, "sslv23", NULL, NULL, NULL,
			  GNUTLS_TLS1_3);
}
END_TEST

START_TEST(hs_method_matrix)
{
	/* the default refuses old clients, a named method is exactly one */
	hs_expect_fail(K_RSA | K_EC, NULL, NULL, "tlsv1", NULL);
	hs_expect_fail(K_RSA | K_EC, NULL, NULL, "tlsv1.1", NULL);
	hs_expect_version(K_RSA | K_EC, NULL, NULL, "tlsv1.2", NULL,
			  GNUTLS_TLS1_2);
	hs_expect_version(K_RSA | K_EC, NULL, NULL, "sslv23", NULL,
			  GNUTLS_TLS1_3);
	hs_expect_fail(K_RSA | K_EC, "tlsv1", NULL, "tlsv1.1+", NULL);
	hs_expect_version(K_RSA | K_EC, "tlsv1.1+", NULL, "sslv23", NULL,
			  GNUTLS_TLS1_3);
	hs_expect_version(K_RSA | K_EC, "tlsv1.2+", NULL, "tlsv1.2", NULL,
			  GNUTLS_TLS1_2);
}
END_TEST

START_TEST(hs_single_suite)
{
	struct hs h;
	gnutls_session_t s;
	char *desc;

	ck_assert_int_eq(hs_run(&h, K_RSA | K_EC, NULL,
				"ECDHE-RSA-AES128-GCM-SHA256", NULL, NULL), 0);
	s = h.p.client;
	ck_assert_int_eq(gnutls_protocol_get_version(s), GNUTLS_TLS1_2);
	ck_assert_int_eq(gnutls_kx_get(s), GNUTLS_KX_ECDHE_RSA);
	ck_assert_int_eq(gnutls_cipher_get(s), GNUTLS_CIPHER_AES_128_GCM);
	ck_assert_int_eq(gnutls_mac_get(s), GNUTLS_MAC_AEAD);
	ck_assert_str_eq(gnutls_cipher_suite_get_name(gnutls_kx_get(s),
						      gnutls_cipher_get(s),
						      gnutls_mac_get(s)),
			 "ECDHE_RSA_AES_128_GCM_SHA256");
	desc = gnutls_session_get_desc(h.p.server);
	ck_assert_ptr_nonnull(strstr(desc, "(TLS1.2)"));
	ck_assert_ptr_nonnull(strstr(desc, "(AES-128-GCM)"));
	gnutls_free(desc);
	hs_free(&h);

	/* the server holds to it: a client without that suite fails */
	hs_expect_fail(K_RSA | K_EC, NULL, "ECDHE-RSA-AES128-GCM-SHA256",
		       NULL, "ECDHE-RSA-AES256-GCM-SHA384");
	/* and an ECDSA-only server cannot use an RSA suite */
	hs_expect_fail(K_EC, NULL, "ECDHE-RSA-AES128-GCM-SHA256", NULL, NULL);
}
END_TEST

START_TEST(hs_tls13_suite)
{
	struct hs h;

	ck_assert_int_eq(hs_run(&h, K_RSA | K_EC, NULL,
				"TLS_CHACHA20_POLY1305_SHA256", NULL, NULL), 0);
	ck_assert_int_eq(gnutls_protocol_get_version(h.p.client),
			 GNUTLS_TLS1_3);
	ck_assert_int_eq(gnutls_cipher_get(h.p.client),
			 GNUTLS_CIPHER_CHACHA20_POLY1305);
	hs_free(&h);
}
END_TEST

START_TEST(hs_null_cipher)
{
	struct hs h;

	/* "only for testing!!!" says the seed; it must still work */
	ck_assert_int_eq(hs_run(&h, K_RSA, NULL, "NULL-SHA", NULL,
				"NULL-SHA:AES128-SHA"), 0);
	ck_assert_int_eq(gnutls_protocol_get_version(h.p.client),
			 GNUTLS_TLS1_2);
	ck_assert_int_eq(gnutls_cipher_get(h.p.client), GNUTLS_CIPHER_NULL);
	ck_assert_int_eq(gnutls_mac_get(h.p.client), GNUTLS_MAC_SHA1);
	hs_free(&h);
}
END_TEST

static Suite *prio_suite(void)
{
	Suite *s = suite_create("tls_priority");
	TCase *tc = tcase_create("mapping");
	TCase *hs = tcase_create("handshake");

	tcase_add_loop_test(tc, method_versions, 0,
			    sizeof(method_cases) / sizeof(method_cases[0]));
	tcase_add_test(tc, method_sslv3_refused);
	tcase_add_test(tc, method_sslv2_refused);
	tcase_add_test(tc, method_garbage_refused);
	tcase_add_test(tc, cipher_single_suite);
	tcase_add_loop_test(tc, cipher_single_suites, 0,
			    sizeof(single_cases) / sizeof(single_cases[0]));
	tcase_add_test(tc, cipher_tls13_name_only_tls13);
	tcase_add_test(tc, cipher_list_exact);
	tcase_add_test(tc, cipher_list_coarse);
	tcase_add_test(tc, cipher_seed_example);
	tcase_add_test(tc, cipher_null_drops_tls13);
	tcase_add_test(tc, cipher_keywords);
	tcase_add_test(tc, cipher_removals);
	tcase_add_test(tc, cipher_unknown_position);
	tcase_add_test(tc, cipher_unsupported);
	tcase_add_test(tc, native_passthrough);
	tcase_add_test(tc, priority_wins);
	tcase_add_test(tc, check_messages);
	tcase_add_test(tc, describe_truncates);
	tcase_add_test(tc, name_table_joins_gnutls);
	tcase_add_test(tc, system_policy_detected);
	suite_add_tcase(s, tc);

	/* keys are made once, before the per-test fork */
	tcase_add_unchecked_fixture(hs, keys_setup, keys_teardown);
	tcase_set_timeout(hs, 60);
	tcase_add_test(hs, hs_tls12_vs_tls13_fails);
	tcase_add_test(hs, hs_sslv23_server_tlsv1_client);
	tcase_add_test(hs, hs_method_matrix);
	tcase_add_test(hs, hs_single_suite);
	tcase_add_test(hs, hs_tls13_suite);
	tcase_add_test(hs, hs_null_cipher);
	suite_add_tcase(s, hs);
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	int nf;

	if (argc == 2 && strcmp(argv[1], "--policy-probe") == 0)
		return policy_probe();
	sr = srunner_create(prio_suite());
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * tls_method / tls_ciphers_list / tls_priority -> one GnuTLS priority string
 * (prefix: tls_prio; file-local helpers: prio_, sb_; the OpenSSL list is
 * evaluated in tls_openssl.c).
 *
 * How a string is made, and why this way:
 *
 *  - tls_priority, when set, is the user's own GnuTLS string: only checked.
 *
 *  - A native GnuTLS tls_ciphers_list (starts with a GnuTLS level or '@') is
 *    kept as written and the method's versions are appended:
 *    "<list>:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2".
 *
 *  - An OpenSSL list is first evaluated the OpenSSL way over a set of whole
 *    suites (add, '-' delete, '!' delete for good, '+' move to the end,
 *    "A+B" intersection), with the suites GnuTLS implements as the universe.
 *    The result is then written as
 *      NORMAL:-VERS-ALL:+VERS-...:-CIPHER-ALL:-MAC-ALL:-KX-ALL:+cipher...:
 *      +mac...:+kx...
 *    Starting from NORMAL and removing the three algorithm classes, rather
 *    than from NONE, keeps NORMAL's signature algorithms, groups,
 *    certificate types and compression: those are what GnuTLS and Debian
 *    consider safe defaults, they include the SHA-1 signatures that TLS 1.0
 *    and 1.1 need, and they do not depend on which suites were asked for.
 *    Everything that decides which suites are enabled is then exactly what
 *    the list named.
 *
 *  - GnuTLS enables every implemented (kx, cipher, mac) combination of the
 *    algorithms listed, so two single suites can enable their cross product.
 *    The suites the final string really enables are computed from GnuTLS
 *    itself and TLS_PRIO_COARSE says when they exceed the request.
 *
 *  - Unlike OpenSSL 1.1.1+, whose cipher list does not touch TLS 1.3 (that
 *    is SSL_CTX_set_ciphersuites), one list governs both here: TLS 1.3
 *    suites are on only when named or matched by a keyword (ALL, HIGH,
 *    AESGCM...), and the versions are narrowed to those the selected suites
 *    can be negotiated in, so "ECDHE-RSA-AES128-GCM-SHA256" really means
 *    that one suite over TLS 1.2.
 *
 *  - NULL ciphers: GnuTLS silently drops TLS 1.3 when NULL is enabled
 *    (TLS 1.3 has no unencrypted suites). The string drops it explicitly
 *    and TLS_PRIO_NULL_CIPHERS tells the caller.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>

#include "tls_prio_int.h"
#include "tls_priority.h"

#define METHODS_ACCEPTED                                                     \
	"sslv23 (alias tlsv1+, any: TLS 1.0 to 1.3), tlsv1, tlsv1.1, "        \
	"tlsv1.2, tlsv1.3, tlsv1.1+, tlsv1.2+, tlsv1.3+ (case-insensitive; "  \
	"not set: TLS 1.2 and 1.3)"

int tls_prio_is_sep(char c)
{
	return c == ':' || c == ',' || c == ' ' || c == ';' || c == '\t';
}

static int is_set(const char *s)
{
	return s && *s;
}

/* ---- a bounded growing string ------------------------------------------ */

struct sb {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_add(struct sb *b, const char *s)
{
	size_t n = strlen(s);
	char *np;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 128;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

/* ---- versions ----------------------------------------------------------- */

static unsigned vers_bit(gnutls_protocol_t v)
{
	switch (v) {
	case GNUTLS_TLS1_0:
		return V10;
	case GNUTLS_TLS1_1:
		return V11;
	case GNUTLS_TLS1_2:
		return V12;
	case GNUTLS_TLS1_3:
		return V13;
	default:
		return 0;
	}
}

/* the versions a suite can be negotiated in, from GnuTLS's minimum */
unsigned tls_prio_suite_vers(const unsigned char id[2], gnutls_protocol_t min)
{
	unsigned m = vers_bit(min);

	if (id[0] == 0x13 || m == V13)
		return V13;
	if (m == V10 || min == GNUTLS_SSL3)
		return V10 | V11 | V12;
	if (m == V11)
		return V11 | V12;
	return V12;
}

static const struct {
	unsigned bit;
	const char *kw;		/* priority keyword */
	const char *name;	/* for messages */
} vers_names[] = {
	{ V13, "VERS-TLS1.3", "TLS 1.3" },
	{ V12, "VERS-TLS1.2", "TLS 1.2" },
	{ V11, "VERS-TLS1.1", "TLS 1.1" },
	{ V10, "VERS-TLS1.0", "TLS 1.0" },
};

#define VERS_N (sizeof(vers_names) / sizeof(vers_names[0]))

static void vers_str(unsigned vers, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = VERS_N; i-- > 0;) {
		if (!(vers & vers_names[i].bit))
			continue;
		int n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
				 vers_names[i].name);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
	}
	if (!off)
		snprintf(buf, len, "none");
}

static void sb_add_vers(struct sb *b, unsigned vers)
{
	size_t i;

	sb_add(b, ":-VERS-ALL");
	for (i = 0; i < VERS_N; i++) {
		if (vers & vers_names[i].bit) {
			sb_add(b, ":+");
			sb_add(b, vers_names[i].kw);
		}
	}
}

/* ---- tls_method ---------------------------------------------------------- */

static const struct {
	const char *name;
	unsigned vers;
} methods[] = {
	{ "sslv23", V_ALL },	{ "tlsv1+", V_ALL },
	{ "tlsv1.0+", V_ALL },	{ "any", V_ALL },
	{ "tlsv1", V10 },	{ "tlsv1.0", V10 },
	{ "tlsv1.1", V11 },	{ "tlsv1.2", V12 },
	{ "tlsv1.3", V13 },	{ "tlsv1.1+", V11 | V12 | V13 },
	{ "tlsv1.2+", V12 | V13 }, { "tlsv1.3+", V13 },
};

static int method_parse(const char *method, unsigned *vers, char *err,
			size_t errlen)
{
	char norm[16];
	size_t i, len;

	if (!is_set(method)) {
		*vers = V_DEFAULT;
		return 0;
	}
	len = strlen(method);
	if (len >= sizeof(norm))
		goto unknown;
	/* Kamailio writes TLSv1.2, OpenSIPS TLSv1_2: same thing */
	for (i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)method[i];

		norm[i] = c == '_' ? '.' : (char)tolower(c);
	}
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (strcmp(norm, methods[i].name) == 0) {
			*vers = methods[i].vers;
			return 0;
		}
	}
	if (strcmp(norm, "sslv2") == 0 || strcmp(norm, "sslv2+") == 0)
		return fail(err, errlen,
			    "tls_method: '%s' is not available: GnuTLS does not "
			    "provide SSL 2.0 (it never implemented it); "
			    "accepted: " METHODS_ACCEPTED, method);
	if (strcmp(norm, "sslv3") == 0 || strcmp(norm, "sslv3+") == 0)
		return fail(err, errlen,
			    "tls_method: '%s' is not available: GnuTLS does not "
			    "provide SSL 3.0 (Debian's GnuTLS is built without "
			    "it; RFC 7568 forbids it); accepted: "
			    METHODS_ACCEPTED, method);
unknown:
	return fail(err, errlen,
		    "tls_method: unknown value '%.64s'; accepted: "
		    METHODS_ACCEPTED, method);
}

int tls_prio_method_valid(const char *method, char *err, size_t errlen)
{
	unsigned vers;

	return method_parse(method, &vers, err, errlen);
}

/* ---- what a priority string enables ------------------------------------- */

void tls_prio_info_free(struct tls_prio_info *pi)
{
	free(pi->ids);
	free(pi->sidx);
	memset(pi, 0, sizeof(*pi));
}

static void prio_info_add(struct tls_prio_info *pi, size_t sidx,
			  const unsigned char id[2], size_t cap)
{
	if (pi->n >= cap)
		return;
	pi->ids[pi->n][0] = id[0];
	pi->ids[pi->n][1] = id[1];
	pi->sidx[pi->n] = sidx;
	pi->n++;
}

/*
 * Fill @pi from an initialised priority cache. A suite is counted when one
 * of the enabled TLS versions can negotiate it: the cache also lists suites
 * of versions that are off (gnutls_priority_get_cipher_suite_index() only
 * filters by the highest version).
 */
static int prio_info_fill(gnutls_priority_t pc, struct tls_prio_info *pi)
{
	const unsigned *protos;
	unsigned idx, sidx;
	size_t cap = 0;
	int i, n, rc;

	memset(pi, 0, sizeof(*pi));
	n = gnutls_priority_protocol_list(pc, &protos);
	for (i = 0; i < n; i++)
		pi->vers |= vers_bit((gnutls_protocol_t)protos[i]);

	while (gnutls_cipher_suite_info(cap, NULL, NULL, NULL, NULL, NULL))
		cap++;
	pi->ids = calloc(cap ? cap : 1, sizeof(*pi->ids));
	pi->sidx = calloc(cap ? cap : 1, sizeof(*pi->sidx));
	if (!pi->ids || !pi->sidx) {
		tls_prio_info_free(pi);
		return -1;
	}
	for (idx = 0;; idx++) {
		unsigned char id[2];
		gnutls_protocol_t min;

		rc = gnutls_priority_get_cipher_suite_index(pc, idx, &sidx);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc < 0)
			continue;
		if (!gnutls_cipher_suite_info(sidx, id, NULL, NULL, NULL, &min))
			continue;
		if (tls_prio_suite_vers(id, min) & pi->vers)
			prio_info_add(pi, sidx, id, cap);
	}
	return 0;
}

/* init + fill; on a GnuTLS error returns it and sets *errpos */
int tls_prio_info_get(const char *prio, struct tls_prio_info *pi,
		      const char **errpos)
{
	gnutls_priority_t pc;
	int rc;

	*errpos = NULL;
	memset(pi, 0, sizeof(*pi));
	rc = gnutls_priority_init2(&pc, prio, errpos, 0);
	if (rc < 0)
		return rc;
	rc = prio_info_fill(pc, pi) < 0 ? GNUTLS_E_MEMORY_ERROR : 0;
	gnutls_priority_deinit(pc);
	return rc;
}

static int prio_info_has(const struct tls_prio_info *pi,
			 const unsigned char id[2])
{
	size_t i;

	for (i = 0; i < pi->n; i++) {
		if (pi->ids[i][0] == id[0] && pi->ids[i][1] == id[1])
			return 1;
	}
	return 0;
}

/* ---- tls_prio_check ------------------------------------------------------ */

/* report the colon-separated element at @pos of @prio */
static int check_fail_at(const char *prio, const char *pos, int rc, char *err,
			 size_t errlen)
{
	size_t off = 0, start = 0, end, elem = 1, i;
	const char *hint = "";

	if (pos && pos >= prio && pos <= prio + strlen(prio))
		off = (size_t)(pos - prio);
	for (i = 0; i < off; i++) {
		if (prio[i] == ':') {
			elem++;
			start = i + 1;
		}
	}
	end = start;
	while (prio[end] && prio[end] != ':')
		end++;
	if (prio[start] == '@')
		hint = " (@SYSTEM and other '@' keywords need the system "
		       "priority file, which Debian does not ship)";
	else if (rc == GNUTLS_E_NO_PRIORITIES_WERE_SET)
		hint = " (it leaves no protocol version or no cipher)";
	return fail(err, errlen,
		    "GnuTLS rejects priority string '%s': element %zu '%.*s' "
		    "(offset %zu): %s (%s)%s", prio, elem, (int)(end - start),
		    prio + start, off, gnutls_strerror_name(rc),
		    gnutls_strerror(rc), hint);
}

int tls_prio_check(const char *prio, char *err, size_t errlen)
{
	struct tls_prio_info pi;
	const char *pos;
	int rc;

	if (!is_set(prio))
		return fail(err, errlen, "empty GnuTLS priority string");
	rc = tls_prio_info_get(prio, &pi, &pos);
	if (rc == GNUTLS_E_MEMORY_ERROR && !pos)
		return fail(err, errlen, "out of memory checking '%s'", prio);
	if (rc < 0)
		return check_fail_at(prio, pos, rc, err, errlen);
	rc = 0;
	if (!pi.vers)
		rc = fail(err, errlen,
			  "priority string '%s' enables no TLS protocol "
			  "version (check its VERS- entries; GnuTLS also turns "
			  "TLS 1.3 off when NULL ciphers are on)", prio);
	else if (!pi.n)
		rc = fail(err, errlen,
			  "priority string '%s' enables no cipher suite that "
			  "its TLS versions can negotiate", prio);
	tls_prio_info_free(&pi);
	return rc;
}

/* ---- tls_prio_describe --------------------------------------------------- */

int tls_prio_describe(const char *prio, char *buf, size_t len)
{
	struct tls_prio_info pi;
	const char *pos;
	size_t i, off = 0;
	int trunc = 0;

	if (!buf || !len)
		return -1;
	buf[0] = '\0';
	if (!is_set(prio) || tls_prio_info_get(prio, &pi, &pos) < 0)
		return -1;
	for (i = 0; i < pi.n && !trunc; i++) {
		const char *name = gnutls_cipher_suite_info(pi.sidx[i], NULL,
							    NULL, NULL, NULL,
							    NULL);
		size_t nl;

		if (!name)
			continue;
		nl = strlen(name);

		/* the name, a separator, and room left for " ..." + NUL */
		if (off + 1 + nl + 5 > len) {
			trunc = 1;
			break;
		}
		if (off)
			buf[off++] = ' ';
		memcpy(buf + off, name, nl + 1);
		off += nl;
	}
	if (trunc)
		snprintf(buf + off, len - off, "%s", off ? " ..." : "...");
	i = pi.n;
	tls_prio_info_free(&pi);
	return (int)i;
}

/* ---- building ------------------------------------------------------------ */

static int is_native(const char *ciphers)
{
	static const char *const levels[] = {
		"NORMAL",    "NONE",	  "PFS",       "SECURE",
		"SECURE128", "SECURE192", "SECURE256", "SUITEB128",
		"SUITEB192", "LEGACY",	  "PERFORMANCE",
	};
	size_t i, len = strcspn(ciphers, ":");

	if (ciphers[0] == '@')
		return 1;
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (strlen(levels[i]) == len &&
		    strncasecmp(levels[i], ciphers, len) == 0)
			return 1;
	}
	return 0;
}

enum algo_class { AL_CIPHER, AL_MAC, AL_KX };

/* the suite's algorithm of class @c, or -1 if it has none (TLS 1.3 kx) */
static int suite_algo(const struct tls_suite *st, enum algo_class c)
{
	switch (c) {
	case AL_CIPHER:
		return st->cipher;
	case AL_MAC:
		return st->mac;
	default:
		return (st->attr & A_TLS13) ? -1 : st->kx;
	}
}

static const char *algo_name(int a, enum algo_class c)
{
	switch (c) {
	case AL_CIPHER:
		return gnutls_cipher_get_name((gnutls_cipher_algorithm_t)a);
	case AL_MAC:
		return gnutls_mac_get_name((gnutls_mac_algorithm_t)a);
	default:
		return gnutls_kx_get_name((gnutls_kx_algorithm_t)a);
	}
}

/* add ":+NAME" for each distinct algorithm of class @c, in list order */
static void sb_add_algos(struct sb *b, const struct tls_sel *s,
			 enum algo_class c)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		int a = suite_algo(&s->u->s[s->list[i]], c);
		const char *name;
		int dup = 0;

		if (a < 0)
			continue;
		for (j = 0; j < i && !dup; j++)
			dup = suite_algo(&s->u->s[s->list[j]], c) == a;
		if (dup)
			continue;
		name = algo_name(a, c);
		if (!name) {
			b->oom = 1;	/* cannot happen for a joined suite */
			return;
		}
		sb_add(b, ":+");
		sb_add(b, name);
	}
}

/* keep only suites negotiable in @vers */
static void sel_keep_vers(struct tls_sel *s, unsigned vers)
{
	size_t i, j = 0;

	for (i = 0; i < s->n; i++) {
		if (s->u->s[s->list[i]].vers & vers)
			s->list[j++] = s->list[i];
	}
	s->n = j;
}

/*
 * Decide the versions for an evaluated OpenSSL list: those of the method
 * in which at least one selected suite can be negotiated, TLS 1.3 off if
 * NULL ciphers are in.
 */
static int openssl_vers(struct tls_sel *s, const char *method, unsigned mvers,
			unsigned *vers, unsigned *flags, char *err,
			size_t errlen)
{
	char want[64], have[64];
	unsigned sv = 0;
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct tls_suite *st = &s->u->s[s->list[i]];

		if (st->attr & A_NULL)
			*flags |= TLS_PRIO_NULL_CIPHERS;
		sv |= st->vers;
	}
	if (*flags & TLS_PRIO_NULL_CIPHERS) {
		sv &= ~V13;
		if (mvers == V13)
			return fail(err, errlen,
				    "tls_ciphers_list: NULL ciphers cannot be "
				    "used with TLS 1.3 (GnuTLS turns TLS 1.3 off "
				    "when NULL is enabled) and tls_method '%s' "
				    "allows only TLS 1.3",
				    is_set(method) ? method : "(not set)");
	}
	*vers = mvers & sv;
	if (!*vers) {
		vers_str(mvers, want, sizeof(want));
		vers_str(sv, have, sizeof(have));
		return fail(err, errlen,
			    "tls_ciphers_list: none of the selected suites can "
			    "be negotiated with tls_method '%s' (%s); they need "
			    "%s", is_set(method) ? method : "(not set)", want,
			    have);
	}
	sel_keep_vers(s, *vers);
	return 0;
}

/*
 * Compare what GnuTLS enables for @prio with the request: fewer is a bug
 * here, more is the coarseness of algorithm-based priorities.
 */
static int compare_enabled(const char *prio, const struct tls_sel *s,
			   unsigned vers, unsigned *flags, char *err,
			   size_t errlen)
{
	struct tls_prio_info pi;
	const char *pos;
	char want[64], have[64];
	size_t i;
	int rc = 0;

	if (tls_prio_info_get(prio, &pi, &pos) < 0)
		return fail(err, errlen, "cannot inspect '%s'", prio);
	if (pi.vers != vers) {
		vers_str(vers, want, sizeof(want));
		vers_str(pi.vers, have, sizeof(have));
		rc = fail(err, errlen,
			  "GnuTLS enables %s instead of %s for '%s' (is a "
			  "system-wide GnuTLS policy disabling versions?)",
			  have, want, prio);
		goto out;
	}
	for (i = 0; i < s->n; i++) {
		const struct tls_suite *st = &s->u->s[s->list[i]];

		if (!prio_info_has(&pi, st->id)) {
			rc = fail(err, errlen,
				  "tls_ciphers_list: GnuTLS does not enable "
				  "%s with '%s' (is a system-wide GnuTLS "
				  "policy disabling it?)", st->oname, prio);
			goto out;
		}
	}
	if (pi.n > s->n)
		*flags |= TLS_PRIO_COARSE;
out:
	tls_prio_info_free(&pi);
	return rc;
}

static int build_openssl(const char *method, unsigned mvers,
			 const char *ciphers, struct sb *b, unsigned *flags,
			 char *err, size_t errlen)
{
	struct tls_universe u = { 0 };
	struct tls_sel s;
	unsigned vers;
	int rc = -1;

	if (tls_ossl_universe(&u) < 0)
		return fail(err, errlen, "out of memory");
	if (tls_ossl_sel_init(&s, &u) < 0) {
		free(u.s);
		return fail(err, errlen, "out of memory");
	}
	if (tls_ossl_parse(&s, ciphers, err, errlen) < 0)
		goto out;
	if (openssl_vers(&s, method, mvers, &vers, flags, err, errlen) < 0)
		goto out;
	sb_add(b, "NORMAL");
	sb_add_vers(b, vers);
	sb_add(b, ":-CIPHER-ALL:-MAC-ALL:-KX-ALL");
	sb_add_algos(b, &s, AL_CIPHER);
	sb_add_algos(b, &s, AL_MAC);
	sb_add_algos(b, &s, AL_KX);
	if (b->oom) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	if (tls_prio_check(b->p, err, errlen) < 0)
		goto out;
	rc = compare_enabled(b->p, &s, vers, flags, err, errlen);
out:
	tls_ossl_sel_free(&s);
	free(u.s);
	return rc;
}

/*
 * Flag NULL suites if GnuTLS enables any, and unless @want is 0 check that
 * GnuTLS enables the versions asked for. A system-wide GnuTLS policy
 * (GNUTLS_SYSTEM_PRIORITY_FILE, /etc/gnutls/config) can disable versions
 * behind our back; the method must then fail loudly, not silently shrink.
 */
static int final_check(const char *prio, unsigned want, unsigned *flags,
		       char *err, size_t errlen)
{
	struct tls_prio_info pi;
	const char *pos;
	char w[64], h[64];
	size_t i;
	int rc = 0;

	if (tls_prio_info_get(prio, &pi, &pos) < 0)
		return fail(err, errlen, "cannot inspect '%s'", prio);
	for (i = 0; i < pi.n; i++) {
		gnutls_cipher_algorithm_t c;

		gnutls_cipher_suite_info(pi.sidx[i], NULL, NULL, &c, NULL,
					 NULL);
		if (c == GNUTLS_CIPHER_NULL)
			*flags |= TLS_PRIO_NULL_CIPHERS;
	}
	/* GnuTLS itself drops TLS 1.3 when NULL is on: that is no surprise */
	if (*flags & TLS_PRIO_NULL_CIPHERS)
		want &= ~V13;
	if (want && pi.vers != want) {
		vers_str(want, w, sizeof(w));
		vers_str(pi.vers, h, sizeof(h));
		rc = fail(err, errlen,
			  "GnuTLS enables %s instead of %s for '%s' (is a "
			  "system-wide GnuTLS policy disabling versions?)",
			  h, w, prio);
	}
	tls_prio_info_free(&pi);
	return rc;
}

int tls_prio_build(const char *method, const char *ciphers,
		   const char *priority, char **out, unsigned *flags,
		   char *err, size_t errlen)
{
	struct sb b = { 0 };
	unsigned mvers = 0, want = 0, fl = 0;

	if (!out || !flags)
		return fail(err, errlen, "tls_prio_build: no output given");
	*out = NULL;
	*flags = 0;
	/* want: the versions to insist on; 0 for the user's own string and
	 * for an OpenSSL list, whose narrowed versions are compared inside */
	if (is_set(priority)) {
		sb_add(&b, priority);
	} else if (method_parse(method, &mvers, err, errlen) < 0) {
		return -1;
	} else if (!is_set(ciphers)) {
		sb_add(&b, "NORMAL");
		sb_add_vers(&b, mvers);
		want = mvers;
	} else if (is_native(ciphers)) {
		sb_add(&b, ciphers);
		sb_add_vers(&b, mvers);
		want = mvers;
	} else if (build_openssl(method, mvers, ciphers, &b, &fl, err,
				 errlen) < 0) {
		goto fail;
	}
	if (b.oom) {
		fail(err, errlen, "out of memory");
		goto fail;
	}
	/* build_openssl() has checked and compared already; cheap to redo */
	if (tls_prio_check(b.p, err, errlen) < 0 ||
	    final_check(b.p, want, &fl, err, errlen) < 0)
		goto fail;
	*out = b.p;
	*flags = fl;
	return 0;
fail:
	free(b.p);
	return -1;
}

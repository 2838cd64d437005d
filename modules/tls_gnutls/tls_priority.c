/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * tls_method / tls_ciphers_list / tls_priority -> one GnuTLS priority string
 * (prefix: tls_prio; file-local helpers: prio_, sb_, uv_, sel_).
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>

#include "tls_priority.h"

/* TLS versions as a bit mask (DTLS is never wanted: this is a TCP module) */
#define V10 1u
#define V11 2u
#define V12 4u
#define V13 8u
#define V_ALL (V10 | V11 | V12 | V13)
/*
 * Not set: TLS 1.2 and 1.3 only. The seed defaulted to sslv23 (anything
 * the library speaks), which today means TLS 1.0 and 1.1: deprecated by
 * RFC 8996, without SHA-256 handshake hashes or AEAD suites. A SIP peer
 * that still needs them is rare and can be given tls_method=sslv23
 * explicitly; everyone else gets the safe choice without asking.
 */
#define V_DEFAULT (V12 | V13)

#define METHODS_ACCEPTED                                                     \
	"sslv23 (alias tlsv1+, any: TLS 1.0 to 1.3), tlsv1, tlsv1.1, "        \
	"tlsv1.2, tlsv1.3, tlsv1.1+, tlsv1.2+, tlsv1.3+ (case-insensitive; "  \
	"not set: TLS 1.2 and 1.3)"

#define CIPHERS_ACCEPTED                                                     \
	"OpenSSL names like ECDHE-RSA-AES128-GCM-SHA256, TLS 1.3 names like " \
	"TLS_AES_128_GCM_SHA256, keywords ALL, DEFAULT, HIGH, MEDIUM, "       \
	"eNULL, kRSA, kEDH, kEECDH, aRSA, aECDSA, aDSS, AES, AES128, AES256, " \
	"AESGCM, AESCCM, CHACHA20, CAMELLIA, 3DES, SHA1, SHA256, SHA384, "     \
	"MD5, TLSv1.2, each with '!' or '-' to remove, 'A+B' to combine; "    \
	"or a GnuTLS priority string starting with NORMAL"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int is_sep(char c)
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
static unsigned suite_vers(const unsigned char id[2], gnutls_protocol_t min)
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

struct prio_info {
	unsigned vers;		/* TLS versions GnuTLS enables */
	size_t n;		/* suites usable in those versions */
	unsigned char (*ids)[2];
	size_t *sidx;		/* gnutls_cipher_suite_info() index per suite */
};

static void prio_info_free(struct prio_info *pi)
{
	free(pi->ids);
	free(pi->sidx);
	memset(pi, 0, sizeof(*pi));
}

static void prio_info_add(struct prio_info *pi, size_t sidx,
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
static int prio_info_fill(gnutls_priority_t pc, struct prio_info *pi)
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
		prio_info_free(pi);
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
		if (suite_vers(id, min) & pi->vers)
			prio_info_add(pi, sidx, id, cap);
	}
	return 0;
}

/* init + fill; on a GnuTLS error returns it and sets *errpos */
static int prio_info_get(const char *prio, struct prio_info *pi,
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

static int prio_info_has(const struct prio_info *pi, const unsigned char id[2])
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
	struct prio_info pi;
	const char *pos;
	int rc;

	if (!is_set(prio))
		return fail(err, errlen, "empty GnuTLS priority string");
	rc = prio_info_get(prio, &pi, &pos);
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
	prio_info_free(&pi);
	return rc;
}

/* ---- tls_prio_describe --------------------------------------------------- */

int tls_prio_describe(const char *prio, char *buf, size_t len)
{
	struct prio_info pi;
	const char *pos;
	size_t i, off = 0;
	int trunc = 0;

	if (!buf || !len)
		return -1;
	buf[0] = '\0';
	if (!is_set(prio) || prio_info_get(prio, &pi, &pos) < 0)
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
	prio_info_free(&pi);
	return (int)i;
}

/* ---- the universe of suites an OpenSSL list can name --------------------- */

enum {
	A_KRSA = 1ul << 0,
	A_KDHE = 1ul << 1,
	A_KECDHE = 1ul << 2,
	A_ARSA = 1ul << 3,
	A_ADSS = 1ul << 4,
	A_AECDSA = 1ul << 5,
	A_TLS13 = 1ul << 6,
	A_AES128 = 1ul << 7,
	A_AES256 = 1ul << 8,
	A_AESGCM = 1ul << 9,
	A_AESCCM = 1ul << 10,
	A_AESCCM8 = 1ul << 11,
	A_CHACHA = 1ul << 12,
	A_CAM128 = 1ul << 13,
	A_CAM256 = 1ul << 14,
	A_3DES = 1ul << 15,
	A_NULL = 1ul << 16,
	A_SHA1 = 1ul << 17,
	A_SHA256 = 1ul << 18,
	A_SHA384 = 1ul << 19,
	A_MD5 = 1ul << 20,
	A_HIGH = 1ul << 21,
	A_MEDIUM = 1ul << 22,
	A_ALL = 1ul << 23,	/* OpenSSL's ALL: everything but eNULL */
	A_DEFAULT = 1ul << 24,	/* in GnuTLS's NORMAL */
	A_CDEFAULT = 1ul << 25, /* ALL but not DEFAULT */
	A_MIN10 = 1ul << 26,	/* negotiable from TLS 1.0 on */
	A_MIN12 = 1ul << 27,	/* introduced with TLS 1.2 */
};

#define WHY_RC4 "RC4 is prohibited in TLS by RFC 7465 and not offered"
#define WHY_ANON                                                              \
	"anonymous (aNULL) suites are refused: without a certificate anyone " \
	"can sit in the middle"
#define WHY_PSK                                                               \
	"PSK suites need pre-shared keys, which this module does not use"
#define WHY_SRP "SRP suites need SRP passwords, which this module does not use"
#define WHY_GNUTLS "not implemented by GnuTLS"

struct suite {
	unsigned char id[2];
	const char *oname;	/* OpenSSL name */
	int kx, cipher, mac;	/* GnuTLS algorithms */
	unsigned vers;
	unsigned long attr;
	const char *why;	/* why it cannot be enabled, or NULL */
	size_t rank;
};

struct universe {
	struct suite *s;
	size_t n;
};

static unsigned long kx_attr(int kx, const unsigned char id[2],
			     const char **why)
{
	if (id[0] == 0x13)
		return A_TLS13;
	switch (kx) {
	case GNUTLS_KX_RSA:
		return A_KRSA | A_ARSA;
	case GNUTLS_KX_DHE_RSA:
		return A_KDHE | A_ARSA;
	case GNUTLS_KX_DHE_DSS:
		return A_KDHE | A_ADSS;
	case GNUTLS_KX_ECDHE_RSA:
		return A_KECDHE | A_ARSA;
	case GNUTLS_KX_ECDHE_ECDSA:
		return A_KECDHE | A_AECDSA;
	case GNUTLS_KX_ANON_DH:
	case GNUTLS_KX_ANON_ECDH:
		*why = WHY_ANON;
		return 0;
	case GNUTLS_KX_PSK:
	case GNUTLS_KX_DHE_PSK:
	case GNUTLS_KX_ECDHE_PSK:
	case GNUTLS_KX_RSA_PSK:
		*why = WHY_PSK;
		return 0;
	case GNUTLS_KX_SRP:
	case GNUTLS_KX_SRP_RSA:
	case GNUTLS_KX_SRP_DSS:
		*why = WHY_SRP;
		return 0;
	default:
		*why = "its key exchange is not supported by this module";
		return 0;
	}
}

static unsigned long cipher_attr(int cipher, const char **why)
{
	switch (cipher) {
	case GNUTLS_CIPHER_AES_128_CBC:
		return A_AES128 | A_HIGH;
	case GNUTLS_CIPHER_AES_256_CBC:
		return A_AES256 | A_HIGH;
	case GNUTLS_CIPHER_AES_128_GCM:
		return A_AES128 | A_AESGCM | A_HIGH;
	case GNUTLS_CIPHER_AES_256_GCM:
		return A_AES256 | A_AESGCM | A_HIGH;
	case GNUTLS_CIPHER_AES_128_CCM:
		return A_AES128 | A_AESCCM | A_HIGH;
	case GNUTLS_CIPHER_AES_256_CCM:
		return A_AES256 | A_AESCCM | A_HIGH;
	case GNUTLS_CIPHER_AES_128_CCM_8:
		return A_AES128 | A_AESCCM | A_AESCCM8 | A_HIGH;
	case GNUTLS_CIPHER_AES_256_CCM_8:
		return A_AES256 | A_AESCCM | A_AESCCM8 | A_HIGH;
	case GNUTLS_CIPHER_CHACHA20_POLY1305:
		return A_CHACHA | A_HIGH;
	case GNUTLS_CIPHER_CAMELLIA_128_CBC:
	case GNUTLS_CIPHER_CAMELLIA_128_GCM:
		return A_CAM128 | A_HIGH;
	case GNUTLS_CIPHER_CAMELLIA_256_CBC:
	case GNUTLS_CIPHER_CAMELLIA_256_GCM:
		return A_CAM256 | A_HIGH;
	case GNUTLS_CIPHER_3DES_CBC:
		/* OpenSSL moved 3DES from HIGH to MEDIUM (Sweet32) */
		return A_3DES | A_MEDIUM;
	case GNUTLS_CIPHER_NULL:
		return A_NULL;
	case GNUTLS_CIPHER_ARCFOUR_128:
		*why = WHY_RC4;
		return 0;
	default:
		*why = "its cipher is not supported by this module";
		return 0;
	}
}

static unsigned long mac_attr(int mac)
{
	switch (mac) {
	case GNUTLS_MAC_SHA1:
		return A_SHA1;
	case GNUTLS_MAC_SHA256:
		return A_SHA256;
	case GNUTLS_MAC_SHA384:
		return A_SHA384;
	case GNUTLS_MAC_MD5:
		return A_MD5;
	default:
		return 0;	/* AEAD: OpenSSL's SHA256 etc. do not match */
	}
}

/* the GnuTLS suite with IANA value @id: its info index, or -1 */
static long gnutls_suite_by_id(const unsigned char id[2])
{
	unsigned char gid[2];
	size_t i;

	for (i = 0; gnutls_cipher_suite_info(i, gid, NULL, NULL, NULL, NULL);
	     i++) {
		if (gid[0] == id[0] && gid[1] == id[1])
			return (long)i;
	}
	return -1;
}

static void uv_fill_suite(struct suite *s, const struct tls_prio_name *nm,
			  long gi, const struct prio_info *normal, size_t row)
{
	gnutls_kx_algorithm_t kx;
	gnutls_cipher_algorithm_t cipher;
	gnutls_mac_algorithm_t mac;
	gnutls_protocol_t min;
	size_t j;

	memset(s, 0, sizeof(*s));
	s->id[0] = nm->id[0];
	s->id[1] = nm->id[1];
	s->oname = nm->name;
	s->rank = 100000 + row;
	if (gi < 0) {
		s->why = WHY_GNUTLS;
		return;
	}
	gnutls_cipher_suite_info((size_t)gi, NULL, &kx, &cipher, &mac, &min);
	s->kx = kx;
	s->cipher = cipher;
	s->mac = mac;
	s->vers = suite_vers(s->id, min);
	s->attr = kx_attr(kx, s->id, &s->why);
	s->attr |= cipher_attr(cipher, &s->why);
	s->attr |= mac_attr(mac);
	if (!(s->attr & A_NULL))
		s->attr |= A_ALL;
	s->attr |= (s->vers & V10) ? A_MIN10 : 0;
	s->attr |= (s->vers == V12) ? A_MIN12 : 0;
	for (j = 0; j < normal->n; j++) {
		if (normal->ids[j][0] == s->id[0] &&
		    normal->ids[j][1] == s->id[1]) {
			s->attr |= A_DEFAULT;
			s->rank = j;
		}
	}
	if ((s->attr & A_ALL) && !(s->attr & A_DEFAULT))
		s->attr |= A_CDEFAULT;
}

static int uv_rank_cmp(const void *a, const void *b)
{
	const struct suite *x = a, *y = b;

	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static int uv_find_id(const struct universe *u, const unsigned char id[2])
{
	size_t i;

	for (i = 0; i < u->n; i++) {
		if (u->s[i].id[0] == id[0] && u->s[i].id[1] == id[1])
			return (int)i;
	}
	return -1;
}

/*
 * One entry per IANA value in the name table, in GnuTLS's NORMAL preference
 * order first (so that keywords expand the way GnuTLS would order them),
 * then in table order.
 */
static int uv_build(struct universe *u)
{
	struct prio_info normal;
	const char *pos;
	size_t i, rows = tls_prio_name_count();

	u->n = 0;
	u->s = calloc(rows ? rows : 1, sizeof(*u->s));
	if (!u->s)
		return -1;
	if (prio_info_get("NORMAL", &normal, &pos) < 0) {
		free(u->s);
		u->s = NULL;
		return -1;
	}
	for (i = 0; i < rows; i++) {
		const struct tls_prio_name *nm = tls_prio_name_at(i);

		if (uv_find_id(u, nm->id) >= 0)
			continue;	/* an alias spelling */
		uv_fill_suite(&u->s[u->n++], nm, gnutls_suite_by_id(nm->id),
			      &normal, i);
	}
	prio_info_free(&normal);
	qsort(u->s, u->n, sizeof(*u->s), uv_rank_cmp);
	return 0;
}

/* ---- OpenSSL keywords ---------------------------------------------------- */

/*
 * OpenSSL keywords, matched case-insensitively against the universe (only
 * suites that can be enabled). Meanings follow OpenSSL 1.1/3.0 where GnuTLS
 * has the suites: HIGH = AES, CAMELLIA, CHACHA20; MEDIUM = 3DES (moved there
 * by OpenSSL after Sweet32); ALL = everything but eNULL; DEFAULT = what
 * GnuTLS's NORMAL enables (the seed's "default ciphers of the library");
 * SHA1/SHA256/SHA384/MD5 = the record MAC, so AEAD suites do not match them
 * (as in OpenSSL). TLS 1.3 suites fix no key exchange or authentication, so
 * only cipher and class keywords (ALL, HIGH, AESGCM, CHACHA20, TLSv1.3...)
 * match them. Refused keywords name a reason; removing them ("!RC4") is a
 * harmless no-op, since the suites are never in the list.
 */
static const struct {
	const char *name;
	unsigned long mask;	/* suites having any of these attributes */
	const char *why;	/* refused positively, a no-op when removed */
} keywords[] = {
	{ "ALL", A_ALL, NULL },
	{ "DEFAULT", A_DEFAULT, NULL },
	{ "COMPLEMENTOFDEFAULT", A_CDEFAULT, NULL },
	{ "COMPLEMENTOFALL", A_NULL, NULL },
	{ "HIGH", A_HIGH, NULL },
	{ "MEDIUM", A_MEDIUM, NULL },
	{ "eNULL", A_NULL, NULL },
	{ "NULL", A_NULL, NULL },
	{ "kRSA", A_KRSA, NULL },
	{ "RSA", A_KRSA, NULL },
	{ "aRSA", A_ARSA, NULL },
	{ "kEDH", A_KDHE, NULL },
	{ "kDHE", A_KDHE, NULL },
	{ "EDH", A_KDHE, NULL },
	{ "DHE", A_KDHE, NULL },
	{ "DH", A_KDHE, NULL },
	{ "kEECDH", A_KECDHE, NULL },
	{ "kECDHE", A_KECDHE, NULL },
	{ "EECDH", A_KECDHE, NULL },
	{ "ECDHE", A_KECDHE, NULL },
	{ "ECDH", A_KECDHE, NULL },
	{ "aECDSA", A_AECDSA, NULL },
	{ "ECDSA", A_AECDSA, NULL },
	{ "aDSS", A_ADSS, NULL },
	{ "DSS", A_ADSS, NULL },
	{ "AES", A_AES128 | A_AES256, NULL },
	{ "AES128", A_AES128, NULL },
	{ "AES256", A_AES256, NULL },
	{ "AESGCM", A_AESGCM, NULL },
	{ "AESCCM", A_AESCCM, NULL },
	{ "AESCCM8", A_AESCCM8, NULL },
	{ "CHACHA20", A_CHACHA, NULL },
	{ "CAMELLIA", A_CAM128 | A_CAM256, NULL },
	{ "CAMELLIA128", A_CAM128, NULL },
	{ "CAMELLIA256", A_CAM256, NULL },
	{ "3DES", A_3DES, NULL },
	{ "SHA1", A_SHA1, NULL },
	{ "SHA", A_SHA1, NULL },
	{ "SHA256", A_SHA256, NULL },
	{ "SHA384", A_SHA384, NULL },
	{ "MD5", A_MD5, NULL },
	{ "TLSv1.2", A_MIN12, NULL },
	{ "TLSv1.0", A_MIN10, NULL },
	{ "TLSv1", A_MIN10, NULL },
	{ "SSLv3", A_MIN10, NULL },
	{ "TLSv1.3", A_TLS13, NULL },
	{ "RC4", 0, WHY_RC4 },
	{ "aNULL", 0, WHY_ANON },
	{ "ADH", 0, WHY_ANON },
	{ "AECDH", 0, WHY_ANON },
	{ "PSK", 0, WHY_PSK },
	{ "kPSK", 0, WHY_PSK },
	{ "aPSK", 0, WHY_PSK },
	{ "kECDHEPSK", 0, WHY_PSK },
	{ "kDHEPSK", 0, WHY_PSK },
	{ "kRSAPSK", 0, WHY_PSK },
	{ "SRP", 0, WHY_SRP },
	{ "kSRP", 0, WHY_SRP },
	{ "aSRP", 0, WHY_SRP },
	{ "LOW", 0, "LOW (single DES) suites are " WHY_GNUTLS },
	{ "DES", 0, "single DES suites are " WHY_GNUTLS },
	{ "EXPORT", 0, "export suites are " WHY_GNUTLS },
	{ "EXP", 0, "export suites are " WHY_GNUTLS },
	{ "EXPORT40", 0, "export suites are " WHY_GNUTLS },
	{ "EXPORT56", 0, "export suites are " WHY_GNUTLS },
	{ "IDEA", 0, "IDEA is " WHY_GNUTLS },
	{ "SEED", 0, "SEED is " WHY_GNUTLS },
	{ "RC2", 0, "RC2 is " WHY_GNUTLS },
	{ "ARIA", 0, "ARIA is " WHY_GNUTLS },
	{ "ARIA128", 0, "ARIA is " WHY_GNUTLS },
	{ "ARIA256", 0, "ARIA is " WHY_GNUTLS },
	{ "ARIAGCM", 0, "ARIA is " WHY_GNUTLS },
	{ "kECDH", 0, "fixed ECDH is " WHY_GNUTLS },
	{ "aECDH", 0, "fixed ECDH is " WHY_GNUTLS },
	{ "kDH", 0, "fixed DH is " WHY_GNUTLS },
	{ "kDHr", 0, "fixed DH is " WHY_GNUTLS },
	{ "kDHd", 0, "fixed DH is " WHY_GNUTLS },
	{ "aDH", 0, "fixed DH is " WHY_GNUTLS },
};

#define KEYWORDS_N (sizeof(keywords) / sizeof(keywords[0]))

/* ---- evaluating an OpenSSL list ------------------------------------------ */

enum sel_op { OP_ADD, OP_DEL, OP_BAN, OP_MOVE };

enum { ST_NONE, ST_IN, ST_BANNED };

struct sel {
	const struct universe *u;
	size_t *list;		/* universe indices, in preference order */
	size_t n;
	unsigned char *state;	/* per universe index: ST_* */
	unsigned char *m;	/* scratch: matched by the current token */
	unsigned char *tm;	/* scratch: matched by the current term */
};

static void sel_free(struct sel *s)
{
	free(s->list);
	free(s->state);
	free(s->m);
	free(s->tm);
}

static int sel_init(struct sel *s, const struct universe *u)
{
	size_t n = u->n ? u->n : 1;

	memset(s, 0, sizeof(*s));
	s->u = u;
	s->list = calloc(n, sizeof(*s->list));
	s->state = calloc(n, 1);
	s->m = calloc(n, 1);
	s->tm = calloc(n, 1);
	if (!s->list || !s->state || !s->m || !s->tm) {
		sel_free(s);
		return -1;
	}
	return 0;
}

static void sel_remove(struct sel *s, size_t ui)
{
	size_t i, j = 0;

	for (i = 0; i < s->n; i++) {
		if (s->list[i] != ui)
			s->list[j++] = s->list[i];
	}
	s->n = j;
}

static void sel_apply(struct sel *s, enum sel_op op)
{
	size_t i;

	for (i = 0; i < s->u->n; i++) {
		if (!s->m[i])
			continue;
		switch (op) {
		case OP_ADD:
			if (s->state[i] == ST_NONE) {
				s->list[s->n++] = i;
				s->state[i] = ST_IN;
			}
			break;
		case OP_MOVE:
			if (s->state[i] == ST_IN) {
				sel_remove(s, i);
				s->list[s->n++] = i;
			}
			break;
		case OP_DEL:
			if (s->state[i] == ST_IN) {
				sel_remove(s, i);
				s->state[i] = ST_NONE;
			}
			break;
		case OP_BAN:
			if (s->state[i] == ST_IN)
				sel_remove(s, i);
			s->state[i] = ST_BANNED;
			break;
		}
	}
}

static size_t key_bits(const struct suite *st)
{
	gnutls_cipher_algorithm_t c = (gnutls_cipher_algorithm_t)st->cipher;

	return gnutls_cipher_get_key_size(c) * 8;
}

/* @STRENGTH: stable sort by cipher key length, longest first */
static void sel_sort_strength(struct sel *s)
{
	size_t i, j;

	for (i = 1; i < s->n; i++) {
		size_t v = s->list[i];

		for (j = i; j > 0 && key_bits(&s->u->s[s->list[j - 1]]) <
					     key_bits(&s->u->s[v]);
		     j--)
			s->list[j] = s->list[j - 1];
		s->list[j] = v;
	}
}

/*
 * Match one term (a suite name or a keyword) into s->tm. Returns 0, or 1 if
 * the term is known but cannot be enabled (*why says why), or -1 if unknown.
 */
static int sel_term(struct sel *s, const char *t, size_t len, const char **why)
{
	const struct tls_prio_name *nm;
	size_t i;

	memset(s->tm, 0, s->u->n);
	nm = tls_prio_name_find(t, len);
	if (nm) {
		int ui = uv_find_id(s->u, nm->id);

		if (ui < 0)
			return -1;
		if (s->u->s[ui].why) {
			*why = s->u->s[ui].why;
			return 1;
		}
		s->tm[ui] = 1;
		return 0;
	}
	for (i = 0; i < KEYWORDS_N; i++) {
		if (strlen(keywords[i].name) != len ||
		    strncasecmp(keywords[i].name, t, len) != 0)
			continue;
		if (keywords[i].why) {
			*why = keywords[i].why;
			return 1;
		}
		for (size_t k = 0; k < s->u->n; k++) {
			const struct suite *st = &s->u->s[k];

			s->tm[k] = !st->why && (st->attr & keywords[i].mask);
		}
		return 0;
	}
	return -1;
}

static int sel_command(struct sel *s, const char *t, size_t len,
		       size_t pos, char *err, size_t errlen)
{
	if (len == 9 && strncasecmp(t, "@STRENGTH", 9) == 0) {
		sel_sort_strength(s);
		return 0;
	}
	if (len >= 9 && strncasecmp(t, "@SECLEVEL", 9) == 0)
		return fail(err, errlen,
			    "tls_ciphers_list: '%.*s' at position %zu is "
			    "OpenSSL-specific; GnuTLS sets key size limits with "
			    "its own levels (e.g. a GnuTLS priority string "
			    "starting with LEGACY or SECURE128)",
			    (int)len, t, pos);
	return fail(err, errlen,
		    "tls_ciphers_list: unknown command '%.*s' at position %zu "
		    "(only @STRENGTH is supported)", (int)len, t, pos);
}

/* one list element: [!-+]term[+term...] */
static int sel_token(struct sel *s, const char *t, size_t len, size_t pos,
		     char *err, size_t errlen)
{
	enum sel_op op = OP_ADD;
	const char *end = t + len, *why = NULL;
	size_t i;

	if (*t == '!' || *t == '-' || *t == '+') {
		op = *t == '!' ? OP_BAN : *t == '-' ? OP_DEL : OP_MOVE;
		t++;
	}
	if (t == end)
		return fail(err, errlen,
			    "tls_ciphers_list: empty name at position %zu",
			    pos);
	if (*t == '@')
		return sel_command(s, t, (size_t)(end - t), pos, err, errlen);

	memset(s->m, 1, s->u->n);
	while (t < end) {
		const char *p = memchr(t, '+', (size_t)(end - t));
		size_t tl = (size_t)((p ? p : end) - t);
		int rc = sel_term(s, t, tl, &why);

		if (rc < 0)
			return fail(err, errlen,
				    "tls_ciphers_list: unknown cipher '%.*s' at "
				    "position %zu (" CIPHERS_ACCEPTED ")",
				    (int)tl, t, pos);
		if (rc > 0 && (op == OP_ADD || op == OP_MOVE))
			return fail(err, errlen,
				    "tls_ciphers_list: '%.*s' at position %zu "
				    "cannot be used: %s",
				    (int)tl, t, pos, why);
		for (i = 0; i < s->u->n; i++)
			s->m[i] &= rc == 0 ? s->tm[i] : 0;
		t = p ? p + 1 : end;
	}
	sel_apply(s, op);
	return 0;
}

static int sel_parse(struct sel *s, const char *list, char *err,
		     size_t errlen)
{
	const char *p = list;
	size_t pos = 0;

	while (*p) {
		const char *t;

		while (*p && is_sep(*p))
			p++;
		if (!*p)
			break;
		t = p;
		while (*p && !is_sep(*p))
			p++;
		if (sel_token(s, t, (size_t)(p - t), ++pos, err, errlen) < 0)
			return -1;
	}
	if (!s->n)
		return fail(err, errlen,
			    "tls_ciphers_list '%s' selects no cipher suite",
			    list);
	return 0;
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
static int suite_algo(const struct suite *st, enum algo_class c)
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
static void sb_add_algos(struct sb *b, const struct sel *s, enum algo_class c)
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
static void sel_keep_vers(struct sel *s, unsigned vers)
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
static int openssl_vers(struct sel *s, const char *method, unsigned mvers,
			unsigned *vers, unsigned *flags, char *err,
			size_t errlen)
{
	char want[64], have[64];
	unsigned sv = 0;
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct suite *st = &s->u->s[s->list[i]];

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
static int compare_enabled(const char *prio, const struct sel *s,
			   unsigned vers, unsigned *flags, char *err,
			   size_t errlen)
{
	struct prio_info pi;
	const char *pos;
	char want[64], have[64];
	size_t i;
	int rc = 0;

	if (prio_info_get(prio, &pi, &pos) < 0)
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
		const struct suite *st = &s->u->s[s->list[i]];

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
	prio_info_free(&pi);
	return rc;
}

static int build_openssl(const char *method, unsigned mvers,
			 const char *ciphers, struct sb *b, unsigned *flags,
			 char *err, size_t errlen)
{
	struct universe u = { 0 };
	struct sel s;
	unsigned vers;
	int rc = -1;

	if (uv_build(&u) < 0)
		return fail(err, errlen, "out of memory");
	if (sel_init(&s, &u) < 0) {
		free(u.s);
		return fail(err, errlen, "out of memory");
	}
	if (sel_parse(&s, ciphers, err, errlen) < 0)
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
	sel_free(&s);
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
	struct prio_info pi;
	const char *pos;
	char w[64], h[64];
	size_t i;
	int rc = 0;

	if (prio_info_get(prio, &pi, &pos) < 0)
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
	prio_info_free(&pi);
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

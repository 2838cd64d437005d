/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The OpenSSL cipher-list emulation (prefix: tls_ossl; file-local helpers:
 * uv_, sel_, and the attribute helpers kx_, cipher_, mac_).
 *
 * A tls_ciphers_list in OpenSSL syntax is evaluated the OpenSSL way over a
 * set of whole suites (add, '-' delete, '!' delete for good, '+' move to
 * the end, "A+B" intersection, @STRENGTH), with the suites GnuTLS
 * implements as the universe. tls_priority.c writes the result as a GnuTLS
 * priority string.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>

#include "tls_prio_int.h"
#include "tls_priority.h"

/* ---- the universe of suites an OpenSSL list can name --------------------- */

#define WHY_RC4 "RC4 is prohibited in TLS by RFC 7465 and not offered"
#define WHY_ANON                                                              \
	"anonymous (aNULL) suites are refused: without a certificate anyone " \
	"can sit in the middle"
#define WHY_PSK                                                               \
	"PSK suites need pre-shared keys, which this module does not use"
#define WHY_SRP "SRP suites need SRP passwords, which this module does not use"
#define WHY_GNUTLS "not implemented by GnuTLS"

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

static void uv_fill_suite(struct tls_suite *s,
			  const struct tls_prio_name *nm,
			  long gi, const struct tls_prio_info *normal, size_t row)
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
	s->vers = tls_prio_suite_vers(s->id, min);
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
	const struct tls_suite *x = a, *y = b;

	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static int uv_find_id(const struct tls_universe *u, const unsigned char id[2])
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
int tls_ossl_universe(struct tls_universe *u)
{
	struct tls_prio_info normal;
	const char *pos;
	size_t i, rows = tls_prio_name_count();

	u->n = 0;
	u->s = calloc(rows ? rows : 1, sizeof(*u->s));
	if (!u->s)
		return -1;
	if (tls_prio_info_get("NORMAL", &normal, &pos) < 0) {
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
	tls_prio_info_free(&normal);
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

void tls_ossl_sel_free(struct tls_sel *s)
{
	free(s->list);
	free(s->state);
	free(s->m);
	free(s->tm);
}

int tls_ossl_sel_init(struct tls_sel *s, const struct tls_universe *u)
{
	size_t n = u->n ? u->n : 1;

	memset(s, 0, sizeof(*s));
	s->u = u;
	s->list = calloc(n, sizeof(*s->list));
	s->state = calloc(n, 1);
	s->m = calloc(n, 1);
	s->tm = calloc(n, 1);
	if (!s->list || !s->state || !s->m || !s->tm) {
		tls_ossl_sel_free(s);
		return -1;
	}
	return 0;
}

static void sel_remove(struct tls_sel *s, size_t ui)
{
	size_t i, j = 0;

	for (i = 0; i < s->n; i++) {
		if (s->list[i] != ui)
			s->list[j++] = s->list[i];
	}
	s->n = j;
}

static void sel_apply(struct tls_sel *s, enum sel_op op)
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

static size_t key_bits(const struct tls_suite *st)
{
	gnutls_cipher_algorithm_t c = (gnutls_cipher_algorithm_t)st->cipher;

	return gnutls_cipher_get_key_size(c) * 8;
}

/* @STRENGTH: stable sort by cipher key length, longest first */
static void sel_sort_strength(struct tls_sel *s)
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
static int sel_term(struct tls_sel *s, const char *t, size_t len,
		    const char **why)
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
			const struct tls_suite *st = &s->u->s[k];

			s->tm[k] = !st->why && (st->attr & keywords[i].mask);
		}
		return 0;
	}
	return -1;
}

static int sel_command(struct tls_sel *s, const char *t, size_t len,
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
static int sel_token(struct tls_sel *s, const char *t, size_t len, size_t pos,
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

int tls_ossl_parse(struct tls_sel *s, const char *list, char *err,
		   size_t errlen)
{
	const char *p = list;
	size_t pos = 0;

	while (*p) {
		const char *t;

		while (*p && tls_prio_is_sep(*p))
			p++;
		if (!*p)
			break;
		t = p;
		while (*p && !tls_prio_is_sep(*p))
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

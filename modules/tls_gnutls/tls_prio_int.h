/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * What tls_priority.c (the priority builder) and tls_openssl.c (the
 * OpenSSL cipher-list evaluation) share. Internal to those two files and
 * their unit test.
 */
#ifndef TLS_GNUTLS_TLS_PRIO_INT_H
#define TLS_GNUTLS_TLS_PRIO_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <gnutls/gnutls.h>

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

#define CIPHERS_ACCEPTED                                                     \
	"OpenSSL names like ECDHE-RSA-AES128-GCM-SHA256, TLS 1.3 names like " \
	"TLS_AES_128_GCM_SHA256, keywords ALL, DEFAULT, HIGH, MEDIUM, "       \
	"eNULL, kRSA, kEDH, kEECDH, aRSA, aECDSA, aDSS, AES, AES128, AES256, " \
	"AESGCM, AESCCM, CHACHA20, CAMELLIA, 3DES, SHA1, SHA256, SHA384, "     \
	"MD5, TLSv1.2, each with '!' or '-' to remove, 'A+B' to combine; "    \
	"or a GnuTLS priority string starting with NORMAL"

/** Write into @err (may be NULL) and return -1: both files fail so. */
static inline __attribute__((format(printf, 3, 4)))
int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/** A separator in a cipher list or method: ':', ',', ' ', ';', tab. */
int tls_prio_is_sep(char c);
/** The versions (V10..V13) a suite can be negotiated in, from @min on. */
unsigned tls_prio_suite_vers(const unsigned char id[2], gnutls_protocol_t min);

/* ---- what a priority string enables ------------------------------------ */

struct tls_prio_info {
	unsigned vers;		/* TLS versions GnuTLS enables */
	size_t n;		/* suites usable in those versions */
	unsigned char (*ids)[2];
	size_t *sidx;		/* gnutls_cipher_suite_info() index per suite */
};

void tls_prio_info_free(struct tls_prio_info *pi);
/**
 * What @prio enables. 0, or a GnuTLS error code with *@errpos where
 * GnuTLS stopped (or NULL).
 */
int tls_prio_info_get(const char *prio, struct tls_prio_info *pi,
		      const char **errpos);

/* ---- the suites an OpenSSL list can name (tls_openssl.c) --------------- */

/* suite attributes: what OpenSSL keywords select */
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

struct tls_suite {
	unsigned char id[2];
	const char *oname;	/* OpenSSL name */
	int kx, cipher, mac;	/* GnuTLS algorithms */
	unsigned vers;
	unsigned long attr;
	const char *why;	/* why it cannot be enabled, or NULL */
	size_t rank;
};

struct tls_universe {
	struct tls_suite *s;
	size_t n;
};

struct tls_sel {
	const struct tls_universe *u;
	size_t *list;		/* universe indices, in preference order */
	size_t n;
	unsigned char *state;	/* per universe index: ST_* */
	unsigned char *m;	/* scratch: matched by the current token */
	unsigned char *tm;	/* scratch: matched by the current term */
};

/**
 * The universe: one suite per IANA value of the name table, in GnuTLS's
 * NORMAL order first. 0, or -1 out of memory; free(u->s) after use.
 */
int tls_ossl_universe(struct tls_universe *u);
/** An empty selection over @u. 0, or -1 out of memory. */
int tls_ossl_sel_init(struct tls_sel *s, const struct tls_universe *u);
void tls_ossl_sel_free(struct tls_sel *s);
/**
 * Evaluate OpenSSL cipher list @list into @s, the OpenSSL way. 0, or -1
 * with what is wrong and what is accepted in @err.
 */
int tls_ossl_parse(struct tls_sel *s, const char *list, char *err,
		   size_t errlen);

#endif

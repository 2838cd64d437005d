/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * tls_method / tls_ciphers_list / tls_priority -> one GnuTLS priority string
 * (prefix: tls_prio).
 *
 * The seed configured OpenSSL with a protocol method and an OpenSSL cipher
 * list. GnuTLS takes one "priority string" instead. This code turns the seed
 * parameters (and Kamailio's spellings of them) into such a string, makes
 * GnuTLS parse it, and says where the result is coarser than the request.
 *
 * Nothing here keeps state or logs: every call reports through the caller's
 * err buffer so that the config code can prefix file, line and parameter.
 * The header needs no GnuTLS header.
 */
#ifndef TLS_GNUTLS_TLS_PRIORITY_H
#define TLS_GNUTLS_TLS_PRIORITY_H

#include <stddef.h>

enum tls_prio_flags {
	/** NULL (no encryption) suites requested: GnuTLS cannot use them
	 *  with TLS 1.3, so TLS 1.3 is off in the produced string. */
	TLS_PRIO_NULL_CIPHERS = 1,
	/** GnuTLS priorities select algorithms, not suites: the produced
	 *  string enables more suites than the list asked for (log them). */
	TLS_PRIO_COARSE = 2,
};

/**
 * \brief Build the GnuTLS priority string for one TLS domain.
 *
 * - @priority set: used as is (checked only); @method and @ciphers ignored.
 * - @method gives the TLS versions: not set = TLS 1.2 and 1.3; sslv23
 *   (tlsv1+, any) = 1.0 to 1.3; tlsv1, tlsv1.1, tlsv1.2, tlsv1.3 = just
 *   that one (as the seed says: a named method restricts to that version);
 *   tlsv1.1+, tlsv1.2+, tlsv1.3+ = that one and above. Case-insensitive,
 *   '_' may stand for '.'. sslv2 and sslv3 are errors (no SSL in GnuTLS).
 * - @ciphers not set: GnuTLS's NORMAL with the method's versions.
 * - @ciphers starting with a GnuTLS level (NORMAL, NONE, PFS, SECURE,
 *   SECURE128, SECURE192, SECURE256, SUITEB128, SUITEB192, LEGACY,
 *   PERFORMANCE) or '@': used as written, with ":-VERS-ALL:+VERS-..." for
 *   the method appended (the method always decides the versions; use
 *   @priority for full control).
 * - any other @ciphers: an OpenSSL cipher list (':' ',' ';' or space
 *   separated; '!' removes for good, '-' removes, '+' moves to the end,
 *   "A+B" is the intersection; @STRENGTH sorts). TLS 1.3 suites take part
 *   like the others and the versions shrink to those the selected suites
 *   can be negotiated in.
 *
 * \param method   tls_method value, or NULL/"" (not set).
 * \param ciphers  tls_ciphers_list value, or NULL/"" (not set).
 * \param priority tls_priority value, or NULL/"" (not set).
 * \param out      on success a malloc'd string the caller frees.
 * \param flags    on success a mask of enum tls_prio_flags.
 * \param err      on failure a message naming the bad value, its 1-based
 *                 position in the list and what is accepted.
 * \return 0 or -1.
 */
int tls_prio_build(const char *method, const char *ciphers,
		   const char *priority, char **out, unsigned *flags,
		   char *err, size_t errlen);

/**
 * \brief Let GnuTLS parse @prio (gnutls_priority_init2) and check that it
 * enables at least one TLS (not DTLS) version and one usable cipher suite.
 *
 * \return 0, or -1 with the failing element, its position and GnuTLS's
 * error name in @err.
 */
int tls_prio_check(const char *prio, char *err, size_t errlen);

/**
 * \brief Validate a tls_method value alone (for the parameter setter).
 * NULL and "" are valid (not set).
 * \return 0, or -1 with the accepted values in @err.
 */
int tls_prio_method_valid(const char *method, char *err, size_t errlen);

/**
 * \brief Describe the cipher suites that @prio really enables, in GnuTLS's
 * preference order, as GnuTLS names separated by one space
 * ("TLS_AES_128_GCM_SHA256 TLS_ECDHE_RSA_AES_128_GCM_SHA256 ...").
 *
 * A suite counts when some TLS version the string enables can negotiate it
 * (TLS 1.3 suites only in TLS 1.3, the others from their minimum version up
 * to TLS 1.2). @buf is always NUL-terminated; if it is too small the text
 * ends with "...".
 * \return the number of suites enabled, or -1 if GnuTLS rejects @prio.
 */
int tls_prio_describe(const char *prio, char *buf, size_t len);

/** One row of the OpenSSL suite name table (tls_cipher_names.c). */
struct tls_prio_name {
	const char *name;	/**< OpenSSL name, e.g. "AES128-SHA" */
	unsigned char id[2];	/**< IANA TLS cipher suite value */
};

/** Table row for an OpenSSL suite name (case-insensitive), or NULL. */
const struct tls_prio_name *tls_prio_name_find(const char *name, size_t len);

/** Number of rows, and row @i (for iterating the table). */
size_t tls_prio_name_count(void);
const struct tls_prio_name *tls_prio_name_at(size_t i);

#endif

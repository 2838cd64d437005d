/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * OpenSSL cipher suite names and their IANA values (prefix: tls_prio_name).
 *
 * GnuTLS names suites its own way (TLS_ECDHE_RSA_AES_128_GCM_SHA256), the
 * seed's users write OpenSSL's (ECDHE-RSA-AES128-GCM-SHA256). The only name
 * both agree on is the two-byte value from the IANA TLS Cipher Suites
 * registry, so this table maps OpenSSL names to that value and
 * tls_priority.c joins on it with gnutls_cipher_suite_info().
 *
 * Rows for suites GnuTLS does not implement (single DES, export, IDEA,
 * SEED, ARIA, fixed ECDH) are kept on purpose: their names then get "not
 * implemented by GnuTLS" instead of "unknown cipher". Anonymous, PSK and
 * SRP rows exist for the same reason: they get a precise refusal.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "tls_priority.h"

#define N(n, a, b) { (n), { (a), (b) } }

static const struct tls_prio_name names[] = {
	/* TLS 1.3 (RFC 8446) */
	N("TLS_AES_128_GCM_SHA256", 0x13, 0x01),
	N("TLS_AES_256_GCM_SHA384", 0x13, 0x02),
	N("TLS_CHACHA20_POLY1305_SHA256", 0x13, 0x03),
	N("TLS_AES_128_CCM_SHA256", 0x13, 0x04),
	N("TLS_AES_128_CCM_8_SHA256", 0x13, 0x05),

	/* ECDHE with ECDSA certificates */
	N("ECDHE-ECDSA-AES256-GCM-SHA384", 0xc0, 0x2c),
	N("ECDHE-ECDSA-AES128-GCM-SHA256", 0xc0, 0x2b),
	N("ECDHE-ECDSA-CHACHA20-POLY1305", 0xcc, 0xa9),
	N("ECDHE-ECDSA-AES256-CCM", 0xc0, 0xad),
	N("ECDHE-ECDSA-AES128-CCM", 0xc0, 0xac),
	N("ECDHE-ECDSA-AES256-CCM8", 0xc0, 0xaf),
	N("ECDHE-ECDSA-AES128-CCM8", 0xc0, 0xae),
	N("ECDHE-ECDSA-AES256-SHA384", 0xc0, 0x24),
	N("ECDHE-ECDSA-AES128-SHA256", 0xc0, 0x23),
	N("ECDHE-ECDSA-AES256-SHA", 0xc0, 0x0a),
	N("ECDHE-ECDSA-AES128-SHA", 0xc0, 0x09),
	N("ECDHE-ECDSA-CAMELLIA256-SHA384", 0xc0, 0x73),
	N("ECDHE-ECDSA-CAMELLIA128-SHA256", 0xc0, 0x72),
	N("ECDHE-ECDSA-DES-CBC3-SHA", 0xc0, 0x08),
	N("ECDHE-ECDSA-RC4-SHA", 0xc0, 0x07),
	N("ECDHE-ECDSA-NULL-SHA", 0xc0, 0x06),
	N("ECDHE-ECDSA-ARIA256-GCM-SHA384", 0xc0, 0x5d),
	N("ECDHE-ECDSA-ARIA128-GCM-SHA256", 0xc0, 0x5c),

	/* ECDHE with RSA certificates */
	N("ECDHE-RSA-AES256-GCM-SHA384", 0xc0, 0x30),
	N("ECDHE-RSA-AES128-GCM-SHA256", 0xc0, 0x2f),
	N("ECDHE-RSA-CHACHA20-POLY1305", 0xcc, 0xa8),
	N("ECDHE-RSA-AES256-SHA384", 0xc0, 0x28),
	N("ECDHE-RSA-AES128-SHA256", 0xc0, 0x27),
	N("ECDHE-RSA-AES256-SHA", 0xc0, 0x14),
	N("ECDHE-RSA-AES128-SHA", 0xc0, 0x13),
	N("ECDHE-RSA-CAMELLIA256-SHA384", 0xc0, 0x77),
	N("ECDHE-RSA-CAMELLIA128-SHA256", 0xc0, 0x76),
	N("ECDHE-RSA-DES-CBC3-SHA", 0xc0, 0x12),
	N("ECDHE-RSA-RC4-SHA", 0xc0, 0x11),
	N("ECDHE-RSA-NULL-SHA", 0xc0, 0x10),
	N("ECDHE-ARIA256-GCM-SHA384", 0xc0, 0x61),
	N("ECDHE-ARIA128-GCM-SHA256", 0xc0, 0x60),

	/* finite-field DHE with RSA certificates; EDH- is the older spelling */
	N("DHE-RSA-AES256-GCM-SHA384", 0x00, 0x9f),
	N("DHE-RSA-AES128-GCM-SHA256", 0x00, 0x9e),
	N("DHE-RSA-CHACHA20-POLY1305", 0xcc, 0xaa),
	N("DHE-RSA-AES256-CCM", 0xc0, 0x9f),
	N("DHE-RSA-AES128-CCM", 0xc0, 0x9e),
	N("DHE-RSA-AES256-CCM8", 0xc0, 0xa3),
	N("DHE-RSA-AES128-CCM8", 0xc0, 0xa2),
	N("DHE-RSA-AES256-SHA256", 0x00, 0x6b),
	N("DHE-RSA-AES128-SHA256", 0x00, 0x67),
	N("DHE-RSA-AES256-SHA", 0x00, 0x39),
	N("DHE-RSA-AES128-SHA", 0x00, 0x33),
	N("DHE-RSA-CAMELLIA256-SHA256", 0x00, 0xc4),
	N("DHE-RSA-CAMELLIA128-SHA256", 0x00, 0xbe),
	N("DHE-RSA-CAMELLIA256-SHA", 0x00, 0x88),
	N("DHE-RSA-CAMELLIA128-SHA", 0x00, 0x45),
	N("DHE-RSA-DES-CBC3-SHA", 0x00, 0x16),
	N("EDH-RSA-DES-CBC3-SHA", 0x00, 0x16),
	N("EDH-RSA-DES-CBC-SHA", 0x00, 0x15),
	N("DHE-RSA-SEED-SHA", 0x00, 0x9a),
	N("DHE-RSA-ARIA256-GCM-SHA384", 0xc0, 0x53),
	N("DHE-RSA-ARIA128-GCM-SHA256", 0xc0, 0x52),

	/* finite-field DHE with DSA certificates */
	N("DHE-DSS-AES256-GCM-SHA384", 0x00, 0xa3),
	N("DHE-DSS-AES128-GCM-SHA256", 0x00, 0xa2),
	N("DHE-DSS-AES256-SHA256", 0x00, 0x6a),
	N("DHE-DSS-AES128-SHA256", 0x00, 0x40),
	N("DHE-DSS-AES256-SHA", 0x00, 0x38),
	N("DHE-DSS-AES128-SHA", 0x00, 0x32),
	N("DHE-DSS-CAMELLIA256-SHA256", 0x00, 0xc3),
	N("DHE-DSS-CAMELLIA128-SHA256", 0x00, 0xbd),
	N("DHE-DSS-CAMELLIA256-SHA", 0x00, 0x87),
	N("DHE-DSS-CAMELLIA128-SHA", 0x00, 0x44),
	N("DHE-DSS-DES-CBC3-SHA", 0x00, 0x13),
	N("EDH-DSS-DES-CBC3-SHA", 0x00, 0x13),
	N("EDH-DSS-DES-CBC-SHA", 0x00, 0x12),
	N("DHE-DSS-RC4-SHA", 0x00, 0x66),
	N("DHE-DSS-ARIA256-GCM-SHA384", 0xc0, 0x57),
	N("DHE-DSS-ARIA128-GCM-SHA256", 0xc0, 0x56),

	/* RSA key transport (no forward secrecy) */
	N("AES256-GCM-SHA384", 0x00, 0x9d),
	N("AES128-GCM-SHA256", 0x00, 0x9c),
	N("AES256-CCM", 0xc0, 0x9d),
	N("AES128-CCM", 0xc0, 0x9c),
	N("AES256-CCM8", 0xc0, 0xa1),
	N("AES128-CCM8", 0xc0, 0xa0),
	N("AES256-SHA256", 0x00, 0x3d),
	N("AES128-SHA256", 0x00, 0x3c),
	N("AES256-SHA", 0x00, 0x35),
	N("AES128-SHA", 0x00, 0x2f),
	N("CAMELLIA256-SHA256", 0x00, 0xc0),
	N("CAMELLIA128-SHA256", 0x00, 0xba),
	N("CAMELLIA256-SHA", 0x00, 0x84),
	N("CAMELLIA128-SHA", 0x00, 0x41),
	N("DES-CBC3-SHA", 0x00, 0x0a),
	N("DES-CBC-SHA", 0x00, 0x09),
	N("IDEA-CBC-SHA", 0x00, 0x07),
	N("SEED-SHA", 0x00, 0x96),
	N("RC4-SHA", 0x00, 0x05),
	N("RC4-MD5", 0x00, 0x04),
	N("ARIA256-GCM-SHA384", 0xc0, 0x51),
	N("ARIA128-GCM-SHA256", 0xc0, 0x50),
	N("NULL-SHA256", 0x00, 0x3b),
	N("NULL-SHA", 0x00, 0x02),
	N("NULL-MD5", 0x00, 0x01),

	/* export grade (withdrawn in TLS 1.1) */
	N("EXP-RC4-MD5", 0x00, 0x03),
	N("EXP-RC2-CBC-MD5", 0x00, 0x06),
	N("EXP-DES-CBC-SHA", 0x00, 0x08),
	N("EXP-EDH-DSS-DES-CBC-SHA", 0x00, 0x11),
	N("EXP-EDH-RSA-DES-CBC-SHA", 0x00, 0x14),

	/* fixed (non-ephemeral) ECDH */
	N("ECDH-ECDSA-AES128-SHA", 0xc0, 0x04),
	N("ECDH-ECDSA-AES256-SHA", 0xc0, 0x05),
	N("ECDH-RSA-AES128-SHA", 0xc0, 0x0e),
	N("ECDH-RSA-AES256-SHA", 0xc0, 0x0f),
	N("ECDH-ECDSA-AES128-GCM-SHA256", 0xc0, 0x2d),
	N("ECDH-ECDSA-AES256-GCM-SHA384", 0xc0, 0x2e),
	N("ECDH-RSA-AES128-GCM-SHA256", 0xc0, 0x31),
	N("ECDH-RSA-AES256-GCM-SHA384", 0xc0, 0x32),

	/* anonymous (no certificate) */
	N("ADH-AES128-SHA", 0x00, 0x34),
	N("ADH-AES256-SHA", 0x00, 0x3a),
	N("ADH-AES128-SHA256", 0x00, 0x6c),
	N("ADH-AES256-SHA256", 0x00, 0x6d),
	N("ADH-AES128-GCM-SHA256", 0x00, 0xa6),
	N("ADH-AES256-GCM-SHA384", 0x00, 0xa7),
	N("ADH-CAMELLIA128-SHA", 0x00, 0x46),
	N("ADH-CAMELLIA256-SHA", 0x00, 0x89),
	N("ADH-DES-CBC3-SHA", 0x00, 0x1b),
	N("ADH-RC4-MD5", 0x00, 0x18),
	N("AECDH-AES128-SHA", 0xc0, 0x18),
	N("AECDH-AES256-SHA", 0xc0, 0x19),
	N("AECDH-DES-CBC3-SHA", 0xc0, 0x17),
	N("AECDH-NULL-SHA", 0xc0, 0x15),

	/* pre-shared keys */
	N("PSK-AES128-CBC-SHA", 0x00, 0x8c),
	N("PSK-AES256-CBC-SHA", 0x00, 0x8d),
	N("PSK-AES128-CBC-SHA256", 0x00, 0xae),
	N("PSK-AES256-CBC-SHA384", 0x00, 0xaf),
	N("PSK-AES128-GCM-SHA256", 0x00, 0xa8),
	N("PSK-AES256-GCM-SHA384", 0x00, 0xa9),
	N("PSK-CHACHA20-POLY1305", 0xcc, 0xab),
	N("PSK-3DES-EDE-CBC-SHA", 0x00, 0x8b),
	N("DHE-PSK-AES128-CBC-SHA", 0x00, 0x90),
	N("DHE-PSK-AES256-CBC-SHA", 0x00, 0x91),
	N("DHE-PSK-AES128-GCM-SHA256", 0x00, 0xaa),
	N("DHE-PSK-AES256-GCM-SHA384", 0x00, 0xab),
	N("DHE-PSK-CHACHA20-POLY1305", 0xcc, 0xad),
	N("ECDHE-PSK-AES128-CBC-SHA", 0xc0, 0x35),
	N("ECDHE-PSK-AES256-CBC-SHA", 0xc0, 0x36),
	N("ECDHE-PSK-AES128-CBC-SHA256", 0xc0, 0x37),
	N("ECDHE-PSK-AES256-CBC-SHA384", 0xc0, 0x38),
	N("ECDHE-PSK-CHACHA20-POLY1305", 0xcc, 0xac),
	N("RSA-PSK-AES128-CBC-SHA", 0x00, 0x94),
	N("RSA-PSK-AES256-CBC-SHA", 0x00, 0x95),
	N("RSA-PSK-AES128-GCM-SHA256", 0x00, 0xac),
	N("RSA-PSK-AES256-GCM-SHA384", 0x00, 0xad),
	N("RSA-PSK-CHACHA20-POLY1305", 0xcc, 0xae),

	/* SRP (RFC 5054) */
	N("SRP-AES-128-CBC-SHA", 0xc0, 0x1d),
	N("SRP-AES-256-CBC-SHA", 0xc0, 0x20),
	N("SRP-RSA-AES-128-CBC-SHA", 0xc0, 0x1e),
	N("SRP-RSA-AES-256-CBC-SHA", 0xc0, 0x21),
	N("SRP-DSS-AES-128-CBC-SHA", 0xc0, 0x1f),
	N("SRP-DSS-AES-256-CBC-SHA", 0xc0, 0x22),
	N("SRP-3DES-EDE-CBC-SHA", 0xc0, 0x1a),
};

#undef N

#define NAMES_COUNT (sizeof(names) / sizeof(names[0]))

const struct tls_prio_name *tls_prio_name_find(const char *name, size_t len)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < NAMES_COUNT; i++) {
		if (strlen(names[i].name) == len &&
		    strncasecmp(names[i].name, name, len) == 0)
			return &names[i];
	}
	return NULL;
}

size_t tls_prio_name_count(void)
{
	return NAMES_COUNT;
}

const struct tls_prio_name *tls_prio_name_at(size_t i)
{
	return i < NAMES_COUNT ? &names[i] : NULL;
}

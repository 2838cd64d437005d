/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * What a TLS connection learnt about its peer (prefix: tls_info).
 *
 * Built on first request and kept with the connection: idle connections
 * whose peer information nobody asks for cost nothing.
 */
#ifndef TLS_GNUTLS_TLS_INFO_H
#define TLS_GNUTLS_TLS_INFO_H

#include <gnutls/gnutls.h>
#include <sipcore/conn.h>

struct tls_info;

/** Collect version, suite, verification, subject, issuer and SANs. */
struct tls_info *tls_info_new(gnutls_session_t s, int verified,
			      const char *verify_msg);
const struct sc_peer_info *tls_info_peer(const struct tls_info *i);
void tls_info_free(struct tls_info *i);

#endif

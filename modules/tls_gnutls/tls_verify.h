/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * Peer certificate verification (prefix: tls_verify).
 *
 * The seed's two switches on GnuTLS, server side:
 *   verify=0             GNUTLS_CERT_IGNORE: no certificate request.
 *   verify=1 require=0   GNUTLS_CERT_REQUEST and a verify function that
 *                        accepts a client without a certificate but refuses
 *                        one whose certificate does not verify.
 *   verify=1 require=1   GNUTLS_CERT_REQUIRE and a verify function that
 *                        refuses a missing or unverifiable certificate.
 * Client side: verify=1 checks the server's chain and its name or IP
 * address against the destination (gnutls_certificate_verify_peers with a
 * DNS name or an IP address as typed data, never an IP literal as a host
 * name). Everywhere: at most tls_verify_depth intermediate CAs, and the
 * peer's key purpose (EKU): TLS WWW server on outgoing connections, TLS
 * WWW client on incoming ones; a certificate without EKU is good for both.
 */
#ifndef TLS_GNUTLS_TLS_VERIFY_H
#define TLS_GNUTLS_TLS_VERIFY_H

#include <gnutls/gnutls.h>

struct tls_cred_dom;

/**
 * Apply @d's verification mode to a fresh @session. For a client session
 * @host is the destination name or address text (may be NULL); with
 * @sip_domain a name is checked as an RFC 5922 SIP domain (sip: URI
 * subjectAltNames first, then DNS names, no wildcards). The
 * session's pointer (gnutls_session_set_ptr) must already point to a struct
 * starting with struct tls_verify_state (tls_verify_int.h), which the
 * verify functions use for the session's life.
 * \return 0 or a GnuTLS error code.
 */
int tls_verify_setup(gnutls_session_t session, const struct tls_cred_dom *d,
		     int is_client, const char *host, int sip_domain,
		     int send_ca_names);

/**
 * After the handshake: describe the verification result in @buf
 * ("ok", "no certificate", "not checked", or GnuTLS's description of the
 * status bits). \return 1 verified, 0 not checked / no certificate,
 * -1 failed.
 */
int tls_verify_result(gnutls_session_t session, char *buf, size_t len);

#endif

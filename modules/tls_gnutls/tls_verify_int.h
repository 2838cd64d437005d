/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * Verification state kept per session (prefix: tls_verify).
 *
 * The session pointer (gnutls_session_set_ptr) of every session this module
 * creates points to a struct that starts with this one.
 */
#ifndef TLS_GNUTLS_TLS_VERIFY_INT_H
#define TLS_GNUTLS_TLS_VERIFY_INT_H

#include <stddef.h>
#include <gnutls/gnutls.h>

struct tls_verify_state {
	unsigned status;       /**< gnutls_certificate_status_t bits */
	int checked;           /**< a verify function ran */
	int no_cert;           /**< required but none was sent */
	int max_depth;         /**< tls_verify_depth; < 0: no limit */
	/* what the peer must be: its key purpose, and on the client side
	 * the server's name or address (the typed data of GnuTLS's check) */
	gnutls_typed_vdata_st vdata[2];
	unsigned nvdata;
	unsigned char ip[16];
	char host[256];
	int sip_domain;        /**< check @host as an RFC 5922 SIP domain */
};

/** Human-readable status: "ok", "no certificate", GnuTLS's text. */
void tls_verify_describe(unsigned status, int no_cert, char *buf, size_t len);

#endif

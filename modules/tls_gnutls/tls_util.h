/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * Small helpers shared by the module's files (prefix: tls_).
 */
#ifndef TLS_GNUTLS_TLS_UTIL_H
#define TLS_GNUTLS_TLS_UTIL_H

#include <gnutls/gnutls.h>
#include <sipcore/log.h>

/** Log "what failed: GNUTLS_E_NAME (message)" at @lev. */
#define TLS_LOG_GNUTLS(lev, rc, fmt, ...)                                     \
	SC_LOG((lev), "tls_gnutls: " fmt ": %s (%s)", ##__VA_ARGS__,                 \
	       gnutls_strerror_name(rc) ? gnutls_strerror_name(rc) : "?",     \
	       gnutls_strerror(rc))

/** Same, about a connection. */
#define TLS_CLOG_GNUTLS(lev, c, rc, fmt, ...)                                 \
	SC_CLOG((lev), (c), "tls_gnutls: " fmt ": %s (%s)", ##__VA_ARGS__,           \
		gnutls_strerror_name(rc) ? gnutls_strerror_name(rc) : "?",    \
		gnutls_strerror(rc))

#endif

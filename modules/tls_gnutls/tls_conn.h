/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * TLS connections: the "tls" transport operations (prefix: tls_conn).
 */
#ifndef TLS_GNUTLS_TLS_CONN_H
#define TLS_GNUTLS_TLS_CONN_H

#include <sipcore/transport.h>

/** The operations registered with the core as transport "tls". */
extern const struct sc_transport_ops tls_conn_ops;

#endif

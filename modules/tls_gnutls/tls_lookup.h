/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * Which TLS domain serves a connection (prefix: tls_lookup).
 */
#ifndef TLS_GNUTLS_TLS_LOOKUP_H
#define TLS_GNUTLS_TLS_LOOKUP_H

#include <stddef.h>
#include <sys/socket.h>

#include "tls_domain.h"

/**
 * Find the domain for a connection among @n ids laid out @stride bytes
 * apart starting at @first (so a table of struct tls_dom and a worker's
 * array of credential sets can both be searched).
 *
 * Server (@kind TLS_DOM_SERVER, @addr = the local address the connection
 * came in on): the domain with exactly that IP and port; else one with the
 * wildcard address and that port; else
 * server:default. A server domain with a server_name (an "IP:port/NAME"
 * scope) matches only a client that asks for that name by SNI
 * (@server_name, case-insensitive), and then wins over one without a name
 * on the same address.
 * Client (@addr = the destination): exact IP:port, then a domain whose
 * server_name equals @server_name, then client:default. A scope always has
 * a port (tls_cfg_parse_scope), so there is no "any port" rank.
 * \return the index, or -1 when not even a default exists.
 */
int tls_lookup(const void *first, unsigned n, size_t stride,
	       enum tls_dom_kind kind, const struct sockaddr *addr,
	       const char *server_name);

/**
 * Whether @a and @b name the same domain: kind, default or address (an
 * IPv4-mapped address equals its IPv4 form) and server name (any case).
 */
int tls_lookup_same_key(const struct tls_dom_id *a,
			const struct tls_dom_id *b);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * Socket addresses as text, and back (prefix: sc_addr).
 *
 * One way to write an address everywhere: "192.0.2.1:5060" and
 * "[2001:db8::1]:5060"; bare addresses without port or brackets where a
 * certificate or a log wants the address alone. Only numeric addresses:
 * names are resolved elsewhere.
 */
#ifndef SIPCORE_ADDR_H
#define SIPCORE_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

#include "export.h"

#define SC_ADDR_STRLEN 64 /* "[ffff:...:ffff]:65535" and NUL */

/** "1.2.3.4:5060" or "[::1]:5060" into @buf; returns @buf. */
SC_PUBLIC
const char *sc_addr_str(const struct sockaddr *sa, char *buf, size_t len);

/** The address alone: "1.2.3.4" or "::1" (no port, no brackets). */
SC_PUBLIC
const char *sc_addr_ip_str(const struct sockaddr *sa, char *buf, size_t len);

/** The port of an AF_INET or AF_INET6 address, else 0. */
SC_PUBLIC
unsigned short sc_addr_port(const struct sockaddr *sa);

/**
 * A numeric address without brackets ("192.0.2.1", "::1") and a port
 * into @ss. Returns 0, or -1 when @ip is no IPv4 or IPv6 address.
 */
SC_PUBLIC
int sc_addr_from_ip(const char *ip, unsigned short port,
		    struct sockaddr_storage *ss, socklen_t *len);

enum sc_addr_err {
	SC_ADDR_OK = 0,
	SC_ADDR_E_NO_PORT,    /**< the port is missing */
	SC_ADDR_E_PORT,       /**< the port is not 1..65535 */
	SC_ADDR_E_BRACKETS,   /**< an IPv6 address without brackets */
	SC_ADDR_E_AFTER,      /**< text after "]" other than ":port" */
	SC_ADDR_E_IPV6,       /**< not an IPv6 address in the brackets */
	SC_ADDR_E_IPV4,       /**< not an IPv4 address (names are not) */
};

/**
 * Parse "IPv4:port" or "[IPv6]:port" (the first @len bytes of @s). With
 * @port_optional, "IPv4" and "[IPv6]" alone are accepted too (port 0).
 */
SC_PUBLIC
enum sc_addr_err sc_addr_parse(const char *s, size_t len, int port_optional,
			       struct sockaddr_storage *ss, socklen_t *sslen);

/** What an sc_addr_parse() error means, for a message. */
SC_PUBLIC
const char *sc_addr_strerror(enum sc_addr_err e);

/** Same family, address and port. */
SC_PUBLIC
int sc_addr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif

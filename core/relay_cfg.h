/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The relay's settings as text (prefix: relay_cfg_): forward_to and
 * forward_from. Parsed when the config is read, so that a wrong value
 * stops startup at its line, and again when the relay starts.
 */
#ifndef SC_RELAY_CFG_H
#define SC_RELAY_CFG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <sipcore/conn.h>

#define RELAY_HOST_MAX 256
#define RELAY_MAX_NETS 32

/** A next hop: transport, address, and the name it was given by. */
struct relay_dst {
	enum sc_proto proto;          /**< UDP, TCP or TLS */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char host[RELAY_HOST_MAX];    /**< as written: a name or an address */
	int host_is_ip;
};

/** One forward_from entry: an address and a prefix length. */
struct relay_net {
	int family;
	uint8_t addr[16];
	unsigned bits;
};

/**
 * "udp:192.0.2.10:5060", "tcp:[2001:db8::1]:5060", "tls:pbx.example.com"
 * (port 5060, 5061 for tls, when absent). A name is resolved now (the
 * first address getaddrinfo gives). Returns 0, or -1 with @why.
 */
int relay_cfg_dst(const char *v, struct relay_dst *d, char *why,
		  size_t whylen);

/**
 * "192.0.2.10, 10.0.0.0/8 2001:db8::/32": addresses or CIDRs separated
 * by commas or blanks, at most RELAY_MAX_NETS. Returns the number, or -1
 * with @why.
 */
int relay_cfg_nets(const char *v, struct relay_net *nets, unsigned max,
		   char *why, size_t whylen);

/** Is @sa inside one of @nets? */
int relay_cfg_net_match(const struct relay_net *nets, unsigned n,
			const struct sockaddr *sa);

/** The net of exactly the address of @sa (/32 or /128). */
void relay_cfg_net_of(const struct sockaddr *sa, struct relay_net *net);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Non-blocking DNS for the relay (prefix: dns_): c-ares in each worker's
 * event loop, RFC 3263 4.2 lookups (SRV, then A/AAAA) for SIP hosts.
 */
#ifndef SC_DNS_H
#define SC_DNS_H

#include <stddef.h>
#include <sys/socket.h>

#include <sipcore/conn.h>

/**
 * Master, before fork: @servers, when not NULL, is a list of servers
 * ("127.0.0.1:5353,[::1]:53") that replaces resolv.conf's; @timeout_ms
 * bounds each query. Returns 0, or -1 with @err.
 */
int dns_setup(const char *servers, unsigned timeout_ms, char *err,
	      size_t errlen);

/** Worker, after fork: the channel and its loop hooks. */
int dns_worker_init(void);

/**
 * The result: @sa is NULL on failure (@why says what failed). @target is
 * the name whose addresses were used (the SRV target, or @name itself).
 */
typedef void (*dns_done_f)(void *arg, const struct sockaddr *sa,
			   socklen_t salen, const char *target,
			   const char *why);

/**
 * Where to send SIP for host @name over @proto (RFC 3263 4.2): with
 * @port 0, the SRV records _sips._tcp (TLS), _sip._tcp (TCP) or _sip._udp
 * (UDP) of @name first (lowest priority, then highest weight), and the
 * A/AAAA records of the chosen target; when there is no SRV record, or
 * @port is given, A/AAAA of @name with @port (or the default). @done is
 * called exactly once, possibly before this returns. Returns 0, or -1 when
 * the query cannot be started (@done is not called then).
 */
int dns_sip_lookup(const char *name, unsigned short port, enum sc_proto proto,
		   dns_done_f done, void *arg);

/** Queries in flight in this worker. */
unsigned dns_pending(void);

#endif

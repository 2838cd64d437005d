/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * Via header values (prefix: sip_via).
 *
 * RFC 3261 20.42 / 25.1 via-parm, with rport (RFC 3581) and alias
 * (RFC 5923). A Via header line may carry several comma-separated values;
 * sip_via_iter walks every value of every Via line in message order.
 * Zero-copy: everything points into the message buffer.
 */
#ifndef SC_SIP_VIA_H
#define SC_SIP_VIA_H

#include <stddef.h>
#include <sipcore/sip.h>

#include "sip_msg.h"
#include "sip_uri.h"

struct sip_via {
	struct sc_str value;         /**< the whole value, trimmed */
	struct sc_str proto_name;    /**< "SIP" */
	struct sc_str proto_version; /**< "2.0" */
	struct sc_str transport;     /**< "UDP", "TLS", ... as written */
	struct sc_str host;          /**< sent-by host, IPv6 without [ ] */
	enum sip_uri_host_type host_type;
	unsigned port;               /**< sent-by port, 0 when absent */
	struct sc_str params;        /**< after the first ';', as written */
	int has_branch;
	struct sc_str branch;
	int has_received;
	struct sc_str received;      /**< the address, [ ] stripped */
	int has_rport;
	unsigned rport;              /**< 0 for a bare ";rport" */
	int has_maddr;
	struct sc_str maddr;
	int has_ttl;
	unsigned ttl;
	int alias;                   /**< ";alias" present */
};

/**
 * Parse one Via value (no comma-separated list: see sip_uri_list_next()).
 * Returns 0, or -1 when it does not follow the grammar: missing parts,
 * an invalid host or port, a received= that is not an IP address, a ttl
 * above 255, an rport outside 1-65535, an empty branch, or any of branch,
 * received, rport, maddr, ttl given twice (two elements that pick
 * different copies would disagree on where a reply goes).
 */
int sip_via_parse(const char *s, size_t len, struct sip_via *v);

/** Walks the Via values of a message, top first. */
struct sip_via_iter {
	const struct sc_sip_msg *m;
	unsigned next_hdr;     /**< index of the next header to look at */
	int hdr;               /**< header of the value last returned, or -1 */
	struct sc_str rest;    /**< what is left of that header's value */
};

void sip_via_iter_init(struct sip_via_iter *it, const struct sc_sip_msg *m);

/**
 * The next Via value into *v. Returns 1, 0 when there is none left, or -1
 * when a value or a list is malformed (the walk should stop there).
 */
int sip_via_iter_next(struct sip_via_iter *it, struct sip_via *v);

/** The topmost Via value: 0, or -1 when absent or malformed. */
int sip_via_top(const struct sc_sip_msg *m, struct sip_via *v);

#endif

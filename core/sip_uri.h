/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * SIP and SIPS URIs, name-addr values and comma-separated header value lists
 * (prefix: sip_uri).
 *
 * What the relay reads in Request-URIs and in Route, Record-Route, Path and
 * Contact values: RFC 3261 19.1 and 25.1, strictly. Everything points into
 * the caller's buffer (zero-copy), which need not be NUL-terminated; no read
 * goes past the length given. A URI that does not follow the grammar is
 * refused as a whole rather than guessed at: a relay that routes on what it
 * half understood can be steered by whoever wrote the other half.
 */
#ifndef SC_SIP_URI_H
#define SC_SIP_URI_H

#include <stddef.h>
#include <sipcore/sip.h>

/** Parameters kept per URI; a URI with more is refused. */
#define SIP_URI_MAX_PARAMS 16
/** Longest host accepted (RFC 1035 name length). */
#define SIP_URI_HOST_MAX 255

enum sip_uri_scheme {
	SIP_URI_SIP = 1,
	SIP_URI_SIPS,
};

enum sip_uri_host_type {
	SIP_URI_HOST_NAME = 1,  /**< hostname, possibly with a trailing dot */
	SIP_URI_HOST_IPV4,
	SIP_URI_HOST_IPV6,      /**< host holds the address without [ ] */
};

/** One ";name[=value]" parameter. */
struct sip_uri_param {
	struct sc_str name;
	struct sc_str value;    /**< empty when has_value == 0 */
	int has_value;
};

struct sip_uri {
	enum sip_uri_scheme scheme;
	int has_user;           /**< a userinfo "...@" was present */
	struct sc_str user;     /**< still %-escaped, as written */
	int has_password;
	struct sc_str password;
	struct sc_str host;     /**< IPv6 without brackets */
	enum sip_uri_host_type host_type;
	unsigned port;          /**< 0 when absent */
	struct sc_str params;   /**< parameters as written, after the first ';' */
	struct sip_uri_param param[SIP_URI_MAX_PARAMS];
	unsigned nparams;
	struct sc_str headers;  /**< after '?', as written; empty if none */
	/* the well-known parameters, found once */
	struct sc_str transport; /**< value of transport=, empty if absent */
	struct sc_str maddr;
	struct sc_str user_param; /**< value of user= ("phone") */
	int lr;                 /**< ;lr present (also the common "lr=on") */
	int ob;                 /**< ;ob present (RFC 5626) */
};

/** An RFC 3261 token character. */
int sip_uri_is_token(char c);
/** A character of LWS inside a header value: SP, HTAB, and the CR and LF
 *  of a folded line. */
int sip_uri_is_lws(char c);

/**
 * Parse exactly @len bytes as a sip: or sips: URI (scheme case-insensitive).
 * Returns 0, or -1 with nothing in @u to rely on. Refused: other schemes,
 * characters outside the grammar, bad %-escapes, hosts that are neither a
 * valid hostname nor a valid IPv4 or IPv6 address, ports above 65535 or 0,
 * empty parameter names, more than SIP_URI_MAX_PARAMS parameters.
 */
int sip_uri_parse(const char *s, size_t len, struct sip_uri *u);

/**
 * Look up URI parameter @name (case-insensitive). Returns 1 when present
 * (*value gets its value, empty when it has none; @value may be NULL),
 * 0 when absent. The first of repeated parameters wins.
 */
int sip_uri_param(const struct sip_uri *u, const char *name,
		  struct sc_str *value);

/**
 * Is [s, s+len) a valid host: hostname, IPv4 address or IPv6 reference
 * "[...]" (@allow_bare_v6 also accepts an IPv6 address without brackets,
 * as Via received= carries it)? Returns the type, or 0 when invalid.
 * For an IPv6 reference, *inner (may be NULL) gets the address without
 * brackets; otherwise the host itself.
 */
enum sip_uri_host_type sip_uri_host_check(const char *s, size_t len,
					  int allow_bare_v6,
					  struct sc_str *inner);

/** A Route/Record-Route/Path/Contact/From/To value. */
struct sip_uri_addr {
	struct sc_str display;  /**< display name as written (quotes kept) */
	struct sc_str uri_text; /**< the URI text, without < > */
	int bracketed;          /**< name-addr form (<...>) */
	struct sip_uri uri;
	struct sc_str params;   /**< header parameters after the URI, as
				     written, without the leading ';' */
};

/**
 * Parse one value: name-addr ([display-name] <URI> *(;param)) or, unless
 * @need_brackets (Route, Record-Route and Path take name-addr only),
 * addr-spec (a URI without < >, after which every ';' starts a header
 * parameter, RFC 3261 20). Surrounding whitespace, also folded line ends,
 * is skipped. Returns 0 or -1. "*" (Contact) is not an address: -1.
 */
int sip_uri_addr_parse(const char *s, size_t len, int need_brackets,
		       struct sip_uri_addr *a);

/**
 * The next generic-param (token [= token / host / quoted-string]) of a
 * header parameter list such as sip_uri_addr.params (after the first ';').
 * Returns 1 with *pm filled and *rest moved past it, 0 at the end, -1 when
 * the list does not follow the grammar (also for an empty parameter).
 */
int sip_uri_gparam_next(struct sc_str *rest, struct sip_uri_param *pm);

/**
 * Look up a header parameter (generic-param: token [= token / host /
 * quoted-string]) in @params as sip_uri_addr_parse() left it. Same return
 * as sip_uri_param(); a quoted value keeps its quotes. The lookup stops
 * at the first malformed parameter (sip_uri_addr_parse() refuses those).
 */
int sip_uri_hparam(struct sc_str params, const char *name,
		   struct sc_str *value);

/**
 * The header parameters of a From/To/Contact-like value without reading
 * its URI (which may be tel: or another scheme): after the '>' of a
 * name-addr, else after the first ';' outside quotes. *params gets them
 * without the leading ';' (empty when none), for sip_uri_hparam().
 * Returns 0, or -1 for an unterminated quote or '<', or text after '>'.
 */
int sip_uri_value_params(const char *s, size_t len, struct sc_str *params);

/**
 * Split a comma-separated header value list: the next element of *rest,
 * trimmed, into *item; *rest moves past it. Commas inside quoted strings
 * and inside < > do not split. Returns 1 with an element, 0 at the end,
 * -1 for an empty element, an unterminated quote or '<', or a stray '>'.
 */
int sip_uri_list_next(struct sc_str *rest, struct sc_str *item);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * The SIP message as modules see it (prefix: sc_sip).
 *
 * A parsed message points into its receive buffer; it is valid only during
 * the hook call. Header lookups understand compact forms (v, f, t, i, l, ...)
 * and are case-insensitive.
 */
#ifndef SIPCORE_SIP_H
#define SIPCORE_SIP_H

#include "export.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct sc_str {
	const char *s;
	size_t len;
};

struct sc_sip_msg;
struct sc_conn;
struct sc_listener;

/** Where a message came from; replies go back the same way. */
struct sc_rcv_info {
	const struct sc_listener *lst;
	struct sockaddr_storage src;
	socklen_t srclen;
	uint64_t conn_id;      /**< 0 for UDP */
	struct sc_conn *conn;  /**< NULL for UDP */
	int udp_fd;            /**< the UDP socket it came in on, or -1 */
};

SC_PUBLIC
int sc_sip_is_request(const struct sc_sip_msg *m);
/** Request method ("OPTIONS"), or empty for a reply. */
SC_PUBLIC
struct sc_str sc_sip_method(const struct sc_sip_msg *m);
/** Status code of a reply, 0 for a request. */
SC_PUBLIC
int sc_sip_status(const struct sc_sip_msg *m);
/** First header called @name (full or compact form). 0 found, -1 not. */
SC_PUBLIC
int sc_sip_header(const struct sc_sip_msg *m, const char *name,
		  struct sc_str *out);
/** The body. */
SC_PUBLIC
struct sc_str sc_sip_body(const struct sc_sip_msg *m);
/** The whole message as received. */
SC_PUBLIC
struct sc_str sc_sip_raw(const struct sc_sip_msg *m);

/**
 * Send a stateless reply to request @m: all Via headers, From, To (a tag is
 * added when missing), Call-ID and CSeq copied; received/rport set on the top
 * Via per RFC 3581; @extra (may be NULL) is a block of CRLF-ended header
 * lines added before Content-Length. Returns 0 or -1.
 */
SC_PUBLIC
int sc_sip_reply(const struct sc_sip_msg *m, const struct sc_rcv_info *ri,
		 int code, const char *reason, const char *extra);

/** Send raw bytes back to where @ri came from. */
SC_PUBLIC
int sc_sip_send_raw(const struct sc_rcv_info *ri, const void *buf, size_t len);

enum sc_sip_hook_ret {
	SC_SIP_CONTINUE = 0, /**< not mine: the next hook or the core decides */
	SC_SIP_DONE = 1,     /**< handled, the core does nothing more */
};

/** Called for each message received, in registration order. */
typedef int (*sc_sip_hook_f)(struct sc_sip_msg *m,
			     const struct sc_rcv_info *ri);
/** Register a hook (mod_init or child_init). */
SC_PUBLIC
int sc_sip_add_hook(sc_sip_hook_f f);

#endif

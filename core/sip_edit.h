/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * Outgoing copies of parsed messages, with the edits a proxy makes
 * (prefix: sip_edit).
 *
 * The copy is written into a caller buffer with a hard limit: when it does
 * not fit, the build fails and nothing past the limit is written. Header
 * lines not edited are copied in order, unfolded (the line breaks of a
 * folded header are dropped, its blanks kept), so the output has no line
 * ends but the CRLFs written here. The body is copied as is and the
 * Content-Length header is not touched (ensure_clen adds one where it is
 * missing, which a stream requires).
 *
 * New headers (Via, Record-Route, Path, Max-Forwards when absent) are
 * written first, in that order, before every original header: so the new
 * Via is the topmost, and the new Record-Route and Path values precede
 * those already there.
 */
#ifndef SC_SIP_EDIT_H
#define SC_SIP_EDIT_H

#include <stddef.h>
#include <sipcore/sip.h>

#include "sip_msg.h"

#define SIP_EDIT_KEEP (-1)
/** Record-Route or Path values that can be put on top. */
#define SIP_EDIT_MAX_TOP 2
/** Header names that can be removed in one build. */
#define SIP_EDIT_MAX_REMOVE 8
/** The RFC 3261 8.1.1.6 default when a request has no Max-Forwards. */
#define SIP_EDIT_MAXFWD_DEFAULT 70

struct sip_edit {
	/** A new Request-URI (requests only); .s == NULL keeps it. */
	struct sc_str ruri;
	/** Value of a Via to put on top, or NULL. */
	const char *via;
	/** Remove the topmost Via value (the other values of its line stay). */
	int drop_top_via;
	/** SIP_EDIT_KEEP, or the Max-Forwards to write (0-255): it replaces
	 *  the first Max-Forwards (any later one is dropped), or is added. */
	int maxfwd;
	/** Remove this many Route values from the top (loose routing, RFC
	 *  3261 16.12; two for a double Record-Route, RFC 5658). */
	int drop_first_route;
	/** Remove the last Route value (strict-router fix-up, 16.4). */
	int drop_last_route;
	/** Record-Route values to put on top, [0] topmost; NULL ends. */
	const char *rr[SIP_EDIT_MAX_TOP];
	/** Path values to put on top, [0] topmost; NULL ends. */
	const char *path[SIP_EDIT_MAX_TOP];
	/** Names of headers to remove, every instance (case-insensitive,
	 *  exact name: give a compact form too if the header has one). */
	const char *remove[SIP_EDIT_MAX_REMOVE];
	/** "Name: value\r\n" lines to add after the original headers. */
	const char *add;
	/** Add "Content-Length: <body length>" when the message has none. */
	int ensure_clen;
};

/** No edits: a plain copy. */
void sip_edit_init(struct sip_edit *e);

/**
 * Write @m with the edits @e into @out (at most @outlen bytes, not
 * NUL-terminated). Returns the length, or -1 when it does not fit or an
 * edit cannot be made: a value holding a CR, LF or NUL, a Request-URI with
 * a blank or control character, an @add block that is not whole header
 * lines, a Via or Route to remove that is absent or whose list is
 * malformed, a new Request-URI for a reply, a maxfwd outside 0-255.
 */
int sip_edit_build(const struct sc_sip_msg *m, const struct sip_edit *e,
		   char *out, size_t outlen);

/**
 * The request's Max-Forwards: its value (0-255), SIP_EDIT_KEEP (-1) when
 * absent, or -2 when malformed (not digits only, or above 255).
 */
int sip_edit_maxfwd(const struct sc_sip_msg *m);

#endif

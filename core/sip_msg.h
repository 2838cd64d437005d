/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * SIP message parsing, stream framing and stateless replies
 * (prefixes: sip_parse, sip_frame, sip_reply).
 *
 * Only what a stateless edge needs: the first line, header boundaries with
 * the few headers it reads, the body. The parsed message points into the
 * caller's buffer (no copies).
 */
#ifndef SC_SIP_MSG_H
#define SC_SIP_MSG_H

#include <stddef.h>
#include <sys/socket.h>
#include <sipcore/sip.h>

#define SIP_MAX_HEADERS 128

enum sip_hdr_id {
	SIP_H_OTHER = 0,
	SIP_H_VIA,
	SIP_H_FROM,
	SIP_H_TO,
	SIP_H_CALLID,
	SIP_H_CSEQ,
	SIP_H_CLEN,
	SIP_H_CONTACT,
	SIP_H_MAXFWD,
	SIP_H_ROUTE,
	SIP_H_RECROUTE,
	SIP_H_CTYPE,
};

struct sip_hdr {
	enum sip_hdr_id id;
	struct sc_str name;   /**< as written */
	struct sc_str value;  /**< trimmed; folded lines stay inside */
	struct sc_str line;   /**< the whole header line(s) without CRLF */
};

struct sc_sip_msg {
	const char *buf;
	size_t len;
	int is_request;
	struct sc_str method;   /**< request */
	struct sc_str ruri;     /**< request */
	int status;             /**< reply */
	struct sc_str reason;   /**< reply */
	struct sip_hdr hdrs[SIP_MAX_HEADERS];
	unsigned nhdrs;
	long content_length;    /**< -1 when absent */
	struct sc_str body;
};

/**
 * Parse a whole message (first line, headers, body). For streams the framer
 * has already found its end; for UDP @len is the datagram (a Content-Length
 * shorter than the datagram truncates the body, a longer one is an error).
 * Returns 0 or -1 with a static reason in *why.
 */
int sip_parse(struct sc_sip_msg *m, const char *buf, size_t len,
	      const char **why);

/** ASCII case-insensitive equality of two byte strings (no locale). */
int sip_caseeq(const char *a, size_t alen, const char *b, size_t blen);

/** SP or HTAB: the blanks of RFC 3261's grammar. */
static inline int sip_is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The one Content-Length rule, shared by the parser, the framer and the 513
 * path (sip_clen.c). A value past SIP_CLEN_MAX is SIP_CLEN_MAX + 1.
 */
#define SIP_CLEN_MAX 1000000000L
/** Is [s, s+n) the name Content-Length (any case) or "l"? */
int sip_clen_is_name(const char *s, size_t n);
/** A header line at @p that is Content-Length: the byte after its colon. */
const char *sip_clen_header(const char *p, const char *end);
/**
 * The value in [p, end): digits with linear white space around them.
 * *stop (may be NULL) gets where the white space after the digits ends.
 * Returns the value (saturated at SIP_CLEN_MAX + 1), or -1 for no digits.
 */
long sip_clen_value(const char *p, const char *end, const char **stop);

/** Index of the first header with @id, or -1. */
int sip_find_hdr(const struct sc_sip_msg *m, enum sip_hdr_id id);

enum sip_frame_ret {
	SIP_FRAME_MORE = 0,      /**< need more bytes */
	SIP_FRAME_MSG = 1,       /**< a whole message of *used bytes */
	SIP_FRAME_PING = 2,      /**< CRLFCRLF keepalive (RFC 5626): *used = 4 */
	SIP_FRAME_SKIP = 3,      /**< stray CRLF between messages: *used bytes */
	SIP_FRAME_BAD = -1,      /**< unparseable (no/invalid Content-Length...) */
	SIP_FRAME_TOO_BIG = -2,  /**< headers+body would exceed @max */
};

/**
 * Find the first message in a stream buffer. Headers end at CRLFCRLF;
 * Content-Length (or compact "l") is required on streams (RFC 3261 18.3).
 * @max is the largest message accepted. *why gets a static reason on BAD.
 */
enum sip_frame_ret sip_frame(const char *buf, size_t len, size_t max,
			     size_t *used, const char **why);

/**
 * What sip_frame_resume() learnt about the message at the start of a stream
 * buffer, so that a peer trickling bytes costs O(n) in total, not O(n^2).
 * Zero it for a new buffer; it is reset whenever a message is returned, and
 * must be zeroed by the caller whenever bytes are removed from the front of
 * the buffer for another reason.
 */
struct sip_frame_state {
	size_t scan;   /**< bytes already searched for the end of headers */
	size_t hlen;   /**< header length once found, else 0 */
	long clen;     /**< its Content-Length */
};

/**
 * Length of the header block at @buf up to and including its empty line
 * (CRLF CRLF, or bare LFs), or 0 when it is not all there.
 */
size_t sip_frame_header_end(const char *buf, size_t len);

/** sip_frame() that resumes from @st instead of rescanning. */
enum sip_frame_ret sip_frame_resume(const char *buf, size_t len, size_t max,
				    struct sip_frame_state *st, size_t *used,
				    const char **why);

/**
 * Build a stateless reply to @req into @out: every Via in order (the top one
 * gets received= and rport= per RFC 3581 from @src), From, To (with
 * ";tag=@totag" added if it has none), Call-ID, CSeq, then Server: @server
 * (skipped when NULL or empty), @extra (CRLF-ended lines, may be NULL), and
 * "Content-Length: 0". Returns the length, or -1 if @outlen is too small or
 * a required header is missing.
 */
int sip_reply_build(const struct sc_sip_msg *req, const struct sockaddr *src,
		    int code, const char *reason, const char *totag,
		    const char *server, const char *extra,
		    char *out, size_t outlen);

/*
 * A bounded output buffer (sip_reply.c, sip_edit.c): what would go past
 * @cap sets @full and nothing more is written, so a builder checks once,
 * at the end.
 */
struct sip_out {
	char *p;
	size_t cap;
	size_t len;
	int full;
};
void sip_out_put(struct sip_out *b, const char *s, size_t n);
void sip_out_puts(struct sip_out *b, const char *s);
/** Copy [s, e) without its line ends (unfolding a header). */
void sip_out_put_unfolded(struct sip_out *b, const char *s, const char *e);

/** Standard reason phrase for @code ("OK", "Not Implemented"), or "". */
const char *sip_reason_phrase(int code);

#endif

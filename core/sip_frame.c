/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Message framing on stream transports (prefix: sip_frame; local: frm_).
 *
 * A stream carries messages back to back; the only way to find where one
 * ends is the header block's empty line plus Content-Length, which RFC 3261
 * 18.3 makes mandatory on streams. Between messages a peer may send CRLFs:
 * "\r\n\r\n" is an RFC 5626 keepalive ping (the core answers "\r\n"), a
 * lone CRLF is skipped (RFC 3261 7.5).
 *
 * The framer allocates nothing and resumes where it stopped
 * (struct sip_frame_state): a peer that trickles a message byte by byte
 * costs linear time, not quadratic.
 * It must agree with sip_parse() byte for byte on where the headers end and
 * what Content-Length says, or the two could be made to disagree on message
 * boundaries (request smuggling). Hence the same rules: lines end in CRLF or
 * a bare LF, and Content-Length is found and read by sip_clen.c for both.
 */
#include <string.h>

#include "sip_msg.h"

/* CRLFs at the buffer start; -1 when the buffer starts with something else. */
static int frm_leading_crlf(const char *buf, size_t len, size_t *used)
{
	if (len == 0)
		return SIP_FRAME_MORE;
	if (buf[0] == '\n') {
		/* a bare LF between messages: as harmless as a CRLF */
		*used = 1;
		return SIP_FRAME_SKIP;
	}
	if (buf[0] != '\r')
		return -1;
	if (len < 2)
		return SIP_FRAME_MORE;
	if (buf[1] != '\n')
		return -1; /* not a line end: sip_parse() will refuse it */
	if (len < 3)
		return SIP_FRAME_MORE;
	if (buf[2] != '\r') {
		*used = 2;
		return SIP_FRAME_SKIP;
	}
	if (len < 4)
		return SIP_FRAME_MORE;
	*used = buf[3] == '\n' ? 4 : 2;
	return buf[3] == '\n' ? SIP_FRAME_PING : SIP_FRAME_SKIP;
}

size_t sip_frame_header_end(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		if (end - p >= 2 && p[1] == '\n')
			return (size_t)(p + 2 - buf);
		if (end - p >= 3 && p[1] == '\r' && p[2] == '\n')
			return (size_t)(p + 3 - buf);
		p++;
	}
	return 0;
}

/* The value of the header whose colon is just before @p; -1 if bad. */
static long frm_clen_value(const char *p, const char *end)
{
	const char *stop;
	long n = sip_clen_value(p, end, &stop);

	if (n < 0)
		return -1;
	if (stop < end && *stop == '\n')
		return n;
	if (end - stop >= 2 && stop[0] == '\r' && stop[1] == '\n')
		return n;
	return -1;
}

/* Content-Length from the header block [buf, buf+hlen): -1 none, -2 bad. */
static long frm_find_clen(const char *buf, size_t hlen)
{
	const char *end = buf + hlen, *p = buf, *v;
	long cl = -1, n;

	/* line starts after each LF; the start line itself is no header */
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		p++;
		v = sip_clen_header(p, end);
		if (!v)
			continue;
		n = frm_clen_value(v, end);
		if (n < 0 || (cl >= 0 && n != cl))
			return -2;
		cl = n;
	}
	return cl;
}

enum sip_frame_ret sip_frame_resume(const char *buf, size_t len, size_t max,
				    struct sip_frame_state *st, size_t *used,
				    const char **why)
{
	const char *dummy;
	size_t hlen, dummy_used, from;
	long cl;
	int r;

	if (!why)
		why = &dummy;
	if (!used)
		used = &dummy_used;
	*why = NULL;
	*used = 0;
	if (!buf)
		len = 0;

	r = frm_leading_crlf(buf, len, used);
	if (r >= 0)
		return (enum sip_frame_ret)r;

	if (st->hlen && st->hlen <= len) {
		/* headers already known: only the body can be missing */
		hlen = st->hlen;
		cl = st->clen;
		goto body;
	}
	/* the empty line is at most 3 bytes long: back up that much */
	from = st->scan > 3 ? st->scan - 3 : 0;
	hlen = from < len ? sip_frame_header_end(buf + from, len - from) : 0;
	if (hlen)
		hlen += from;
	if (!hlen) {
		st->scan = len;
		if (len < max)
			return SIP_FRAME_MORE;
		*why = "headers too big";
		return SIP_FRAME_TOO_BIG;
	}
	cl = frm_find_clen(buf, hlen);
	if (cl == -1) {
		*why = "missing Content-Length on a stream";
		return SIP_FRAME_BAD;
	}
	if (cl < 0) {
		*why = "bad Content-Length";
		return SIP_FRAME_BAD;
	}
	st->hlen = hlen;
	st->clen = cl;
body:
	if (hlen > max || (size_t)cl > max - hlen) {
		*why = "message too big";
		return SIP_FRAME_TOO_BIG;
	}
	if ((size_t)cl > len - hlen)
		return SIP_FRAME_MORE;
	*used = hlen + (size_t)cl;
	memset(st, 0, sizeof(*st));
	return SIP_FRAME_MSG;
}

enum sip_frame_ret sip_frame(const char *buf, size_t len, size_t max,
			     size_t *used, const char **why)
{
	struct sip_frame_state st = { 0, 0, 0 };

	return sip_frame_resume(buf, len, max, &st, used, why);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Content-Length rule (prefix: sip_clen_).
 *
 * On a stream the framer decides where a message ends and the parser then
 * reads the same bytes: if the two disagreed on what counts as a
 * Content-Length header or on its value, a peer could make them see
 * different message boundaries (request smuggling). So both, and the 513
 * path that blanks the value out of a refused message, use these functions
 * and nothing else.
 *
 * The name is "Content-Length" in any case or the compact "l"; blanks may
 * stand before the colon. The value is digits with linear white space
 * (blanks, and line ends followed by a blank: folding) around them. A value
 * past SIP_CLEN_MAX is too big, not malformed, however many digits it has.
 */
#include "sip_msg.h"

int sip_clen_is_name(const char *s, size_t n)
{
	if (n == 1)
		return s[0] == 'l' || s[0] == 'L';
	return sip_caseeq(s, n, "Content-Length", 14);
}

const char *sip_clen_header(const char *p, const char *end)
{
	const char *n = p;

	while (p < end && *p != ':' && !sip_is_ws(*p) && *p != '\r' &&
	       *p != '\n')
		p++;
	if (!sip_clen_is_name(n, (size_t)(p - n)))
		return NULL;
	while (p < end && sip_is_ws(*p))
		p++;
	return (p < end && *p == ':') ? p + 1 : NULL;
}

/* Blanks, and line ends followed by a blank (folding). */
static const char *clen_skip_lws(const char *p, const char *end)
{
	for (;;) {
		if (p < end && sip_is_ws(*p))
			p++;
		else if (end - p >= 3 && p[0] == '\r' && p[1] == '\n' &&
			 sip_is_ws(p[2]))
			p += 3;
		else if (end - p >= 2 && p[0] == '\n' && sip_is_ws(p[1]))
			p += 2;
		else
			return p;
	}
}

long sip_clen_value(const char *p, const char *end, const char **stop)
{
	long n = 0;
	int digits = 0;

	p = clen_skip_lws(p, end);
	while (p < end && *p >= '0' && *p <= '9') {
		if (n <= SIP_CLEN_MAX)
			n = n * 10 + (*p - '0');
		p++;
		digits++;
	}
	p = clen_skip_lws(p, end);
	if (stop)
		*stop = p;
	if (!digits)
		return -1;
	return n > SIP_CLEN_MAX ? SIP_CLEN_MAX + 1 : n;
}

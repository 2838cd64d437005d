/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIP message parser and the module-facing accessors
 * (prefixes: sip_parse, sip_find_hdr, sc_sip; local helpers: msg_).
 *
 * The parser reads only what a stateless edge needs: the first line, the
 * header boundaries (with folding), the ids of the few headers the core uses,
 * Content-Length and the body. Everything points into the caller's buffer,
 * which is not NUL-terminated: every read is bounded by the length given.
 *
 * Lines may end in CRLF or in a bare LF (lenient on UDP, and consistent with
 * sip_frame(), which finds the end of the headers the same way).
 */
#include <string.h>

#include "sip_msg.h"

struct msg_line {
	const char *s;  /* first byte of the line */
	size_t len;     /* without the line end */
	size_t next;    /* offset just after the line end */
};

static const struct {
	const char *name;
	char compact;
	enum sip_hdr_id id;
} msg_known[] = {
	{ "Via", 'v', SIP_H_VIA },
	{ "From", 'f', SIP_H_FROM },
	{ "To", 't', SIP_H_TO },
	{ "Call-ID", 'i', SIP_H_CALLID },
	{ "CSeq", 0, SIP_H_CSEQ },
	/* Content-Length: sip_clen_is_name() */
	{ "Contact", 'm', SIP_H_CONTACT },
	{ "Max-Forwards", 0, SIP_H_MAXFWD },
	{ "Route", 0, SIP_H_ROUTE },
	{ "Record-Route", 0, SIP_H_RECROUTE },
	{ "Content-Type", 'c', SIP_H_CTYPE },
};

/* Every compact form in the IANA SIP header registry, for sc_sip_header(). */
static const char *const msg_compact[26] = {
	['a' - 'a'] = "Accept-Contact",
	['b' - 'a'] = "Referred-By",
	['c' - 'a'] = "Content-Type",
	['d' - 'a'] = "Request-Disposition",
	['e' - 'a'] = "Content-Encoding",
	['f' - 'a'] = "From",
	['i' - 'a'] = "Call-ID",
	['j' - 'a'] = "Reject-Contact",
	['k' - 'a'] = "Supported",
	['l' - 'a'] = "Content-Length",
	['m' - 'a'] = "Contact",
	['n' - 'a'] = "Identity-Info",
	['o' - 'a'] = "Event",
	['r' - 'a'] = "Refer-To",
	['s' - 'a'] = "Subject",
	['t' - 'a'] = "To",
	['u' - 'a'] = "Allow-Events",
	['v' - 'a'] = "Via",
	['x' - 'a'] = "Session-Expires",
	['y' - 'a'] = "Identity",
};

static int msg_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int sip_caseeq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (msg_lower((unsigned char)a[i]) !=
		    msg_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static int msg_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 3261 token characters. */
static int msg_is_token(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || msg_is_digit(c))
		return 1;
	return c != '\0' && strchr("-.!%*_+`'~", c) != NULL;
}

/* A control character that may not appear inside a first line. */
static int msg_is_ctl(char c)
{
	unsigned char u = (unsigned char)c;

	return (u < 0x20 && c != '\t') || u == 0x7f;
}

/* The line starting at @pos; -1 when no LF follows before @len. */
static int msg_next_line(const char *buf, size_t len, size_t pos,
			 struct msg_line *l)
{
	const char *lf;

	if (pos >= len)
		return -1;
	lf = memchr(buf + pos, '\n', len - pos);
	if (!lf)
		return -1;
	l->s = buf + pos;
	l->len = (size_t)(lf - l->s);
	if (l->len > 0 && l->s[l->len - 1] == '\r')
		l->len--;
	l->next = (size_t)(lf - buf) + 1;
	return 0;
}

static int msg_is_version(const char *s, size_t n)
{
	return sip_caseeq(s, n, "SIP/2.0", 7);
}

/* "SIP/2.0 " already consumed: 3DIGIT [SP Reason-Phrase]. */
static int msg_parse_status(struct sc_sip_msg *m, const char *s, size_t n)
{
	size_t i;

	if (n < 3 || !msg_is_digit(s[0]) || !msg_is_digit(s[1]) ||
	    !msg_is_digit(s[2]))
		return -1;
	m->status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	if (m->status < 100 || m->status > 699)
		return -1;
	/* The Reason-Phrase may be empty; so may its SP (seen in the wild). */
	if (n > 3 && s[3] != ' ')
		return -1;
	for (i = 4; i < n; i++)
		if (msg_is_ctl(s[i]))
			return -1;
	m->reason.s = n > 4 ? s + 4 : s + n;
	m->reason.len = n > 4 ? n - 4 : 0;
	m->is_request = 0;
	return 0;
}

/* Method SP Request-URI SP SIP-Version, nothing more. */
static int msg_parse_request(struct sc_sip_msg *m, const char *s, size_t n)
{
	size_t i = 0, u;

	while (i < n && msg_is_token(s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ' ')
		return -1;
	m->method.s = s;
	m->method.len = i;
	u = ++i;
	while (i < n && s[i] != ' ' && !msg_is_ctl(s[i]))
		i++;
	if (i == u || i >= n || s[i] != ' ')
		return -1;
	m->ruri.s = s + u;
	m->ruri.len = i - u;
	i++;
	if (!msg_is_version(s + i, n - i))
		return -1;
	m->is_request = 1;
	return 0;
}

static int msg_parse_first(struct sc_sip_msg *m, const struct msg_line *l)
{
	if (l->len > 8 && msg_is_version(l->s, 7) && l->s[7] == ' ')
		return msg_parse_status(m, l->s + 8, l->len - 8);
	return msg_parse_request(m, l->s, l->len);
}

/* "Name: value" on one line: name, optional blanks, colon, value. */
static int msg_parse_hdr_line(struct sip_hdr *h, const struct msg_line *l)
{
	const char *s = l->s, *e = l->s + l->len, *p = s;

	while (p < e && msg_is_token(*p))
		p++;
	if (p == s)
		return -1;
	h->name.s = s;
	h->name.len = (size_t)(p - s);
	while (p < e && sip_is_ws(*p))
		p++;
	if (p >= e || *p != ':')
		return -1;
	p++;
	while (p < e && sip_is_ws(*p))
		p++;
	while (e > p && sip_is_ws(e[-1]))
		e--;
	h->value.s = p;
	h->value.len = (size_t)(e - p);
	h->line.s = s;
	h->line.len = l->len;
	h->id = SIP_H_OTHER;
	return 0;
}

/* A continuation line: the header's value and line now reach its end. */
static void msg_fold(struct sip_hdr *h, const struct msg_line *l)
{
	const char *p = l->s, *e = l->s + l->len;

	h->line.len = (size_t)(e - h->line.s);
	while (p < e && sip_is_ws(*p))
		p++;
	while (e > p && sip_is_ws(e[-1]))
		e--;
	if (p == e)
		return; /* blank continuation: nothing to add */
	if (h->value.len == 0)
		h->value.s = p; /* "Name:" alone, value on the next line */
	h->value.len = (size_t)(e - h->value.s);
}

static enum sip_hdr_id msg_hdr_id(const char *s, size_t n)
{
	size_t i;

	if (sip_clen_is_name(s, n))
		return SIP_H_CLEN;
	for (i = 0; i < sizeof(msg_known) / sizeof(msg_known[0]); i++) {
		if (n == 1 && msg_known[i].compact &&
		    msg_lower((unsigned char)s[0]) == msg_known[i].compact)
			return msg_known[i].id;
		if (sip_caseeq(s, n, msg_known[i].name,
			       strlen(msg_known[i].name)))
			return msg_known[i].id;
	}
	return SIP_H_OTHER;
}

/* The value alone, nothing after it: the framer's rule. */
static long msg_clen_value(struct sc_str v)
{
	const char *stop, *end = v.s + v.len;
	long n = sip_clen_value(v.s, end, &stop);

	return stop == end ? n : -1;
}

/* Split the header lines up to the empty line; *body gets its offset. */
static int msg_split_headers(struct sc_sip_msg *m, size_t pos, size_t *body,
			     const char **why)
{
	struct sip_hdr *h = NULL;
	struct msg_line l;

	for (;;) {
		if (msg_next_line(m->buf, m->len, pos, &l) < 0) {
			*why = "no end of headers";
			return -1;
		}
		pos = l.next;
		if (l.len == 0)
			break;
		if (sip_is_ws(l.s[0])) {
			if (!h) {
				*why = "bad header folding";
				return -1;
			}
			msg_fold(h, &l);
			continue;
		}
		if (m->nhdrs >= SIP_MAX_HEADERS) {
			*why = "too many headers";
			return -1;
		}
		h = &m->hdrs[m->nhdrs];
		if (msg_parse_hdr_line(h, &l) < 0) {
			*why = "bad header";
			return -1;
		}
		m->nhdrs++;
	}
	*body = pos;
	return 0;
}

/* Header ids and Content-Length, once folding is complete. */
static int msg_classify(struct sc_sip_msg *m, const char **why)
{
	unsigned i;
	long cl;

	for (i = 0; i < m->nhdrs; i++) {
		struct sip_hdr *h = &m->hdrs[i];

		h->id = msg_hdr_id(h->name.s, h->name.len);
		if (h->id != SIP_H_CLEN)
			continue;
		cl = msg_clen_value(h->value);
		if (cl > SIP_CLEN_MAX) {
			*why = "Content-Length too large";
			return -1;
		}
		if (cl < 0 || (m->content_length >= 0 &&
			       m->content_length != cl)) {
			*why = "bad Content-Length";
			return -1;
		}
		m->content_length = cl;
	}
	return 0;
}

int sip_parse(struct sc_sip_msg *m, const char *buf, size_t len,
	      const char **why)
{
	const char *dummy;
	struct msg_line l;
	size_t body;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!m)
		return -1;
	m->buf = buf;
	m->len = buf ? len : 0;
	m->is_request = 0;
	m->method.s = m->ruri.s = m->reason.s = m->body.s = "";
	m->method.len = m->ruri.len = m->reason.len = m->body.len = 0;
	m->status = 0;
	m->nhdrs = 0;
	m->content_length = -1;

	if (msg_next_line(m->buf, m->len, 0, &l) < 0 ||
	    msg_parse_first(m, &l) < 0) {
		*why = "bad first line";
		return -1;
	}
	if (msg_split_headers(m, l.next, &body, why) < 0 ||
	    msg_classify(m, why) < 0)
		return -1;

	m->body.s = buf + body;
	m->body.len = len - body;
	if (m->content_length >= 0) {
		if ((size_t)m->content_length > m->body.len) {
			*why = "body shorter than Content-Length";
			return -1;
		}
		m->body.len = (size_t)m->content_length;
	}
	return 0;
}

int sip_find_hdr(const struct sc_sip_msg *m, enum sip_hdr_id id)
{
	unsigned i;

	if (!m || id == SIP_H_OTHER)
		return -1;
	for (i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].id == id)
			return (int)i;
	return -1;
}

int sc_sip_is_request(const struct sc_sip_msg *m)
{
	return m && m->is_request;
}

struct sc_str sc_sip_method(const struct sc_sip_msg *m)
{
	struct sc_str none = { "", 0 };

	return (m && m->is_request) ? m->method : none;
}

int sc_sip_status(const struct sc_sip_msg *m)
{
	return (m && !m->is_request) ? m->status : 0;
}

/* The full name for a one-letter compact form, else @s itself. */
static void msg_canon(const char **s, size_t *n)
{
	int c;

	if (*n != 1)
		return;
	c = msg_lower((unsigned char)**s);
	if (c >= 'a' && c <= 'z' && msg_compact[c - 'a']) {
		*s = msg_compact[c - 'a'];
		*n = strlen(*s);
	}
}

int sc_sip_header(const struct sc_sip_msg *m, const char *name,
		  struct sc_str *out)
{
	const char *want;
	size_t wlen;
	unsigned i;

	if (!m || !name || !*name)
		return -1;
	want = name;
	wlen = strlen(name);
	msg_canon(&want, &wlen);
	for (i = 0; i < m->nhdrs; i++) {
		const char *have = m->hdrs[i].name.s;
		size_t hlen = m->hdrs[i].name.len;

		msg_canon(&have, &hlen);
		if (!sip_caseeq(have, hlen, want, wlen))
			continue;
		if (out)
			*out = m->hdrs[i].value;
		return 0;
	}
	return -1;
}

struct sc_str sc_sip_body(const struct sc_sip_msg *m)
{
	struct sc_str none = { "", 0 };

	return m ? m->body : none;
}

struct sc_str sc_sip_raw(const struct sc_sip_msg *m)
{
	struct sc_str raw = { "", 0 };

	if (m && m->buf) {
		raw.s = m->buf;
		raw.len = m->len;
	}
	return raw;
}

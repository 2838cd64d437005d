/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIP/SIPS URIs, name-addr values, header value lists
 * (prefix: sip_uri; local helpers: uri_).
 *
 * The grammar is RFC 3261 25.1 (SIP-URI, name-addr, generic-param), read
 * strictly: a relay decides where a message goes from these bytes, and an
 * element that reads a URI differently from the next one can be made to
 * route around a check. Two readings are tightened on purpose: an IPv4
 * address with a leading zero ("010.0.0.1") is refused, since inet_aton()
 * reads it as octal and inet_pton() refuses it; and port 0 is refused, as
 * it names no destination. The one common deviation accepted is "lr=on"
 * (RFC 2543-era proxies), read as lr.
 *
 * Nothing here is NUL-terminated; every scan is bounded by its end pointer.
 */
#include <arpa/inet.h>
#include <string.h>

#include "sip_msg.h"
#include "sip_uri.h"

static int uri_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int uri_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int uri_is_alnum(char c)
{
	return uri_is_alpha(c) || uri_is_digit(c);
}

static int uri_is_hex(char c)
{
	return uri_is_digit(c) || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* @c is in the NUL-terminated set @set (and is not NUL itself). */
static int uri_in(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* unreserved = alphanum / mark */
static int uri_is_unreserved(char c)
{
	return uri_is_alnum(c) || uri_in(c, "-_.!~*'()");
}

int sip_uri_is_token(char c)
{
	return uri_is_alnum(c) || uri_in(c, "-.!%*_+`'~");
}

int sip_uri_is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *uri_skip_lws(const char *p, const char *e)
{
	while (p < e && sip_uri_is_lws(*p))
		p++;
	return p;
}

static const char *uri_trim_end(const char *s, const char *e)
{
	while (e > s && sip_uri_is_lws(e[-1]))
		e--;
	return e;
}

/*
 * Run of characters in @extra or unreserved, or %HEXHEX escapes, from @p.
 * Returns the end of the run, or NULL on a broken escape.
 */
static const char *uri_skip_chars(const char *p, const char *e,
				  const char *extra)
{
	while (p < e) {
		if (*p == '%') {
			if (e - p < 3 || !uri_is_hex(p[1]) || !uri_is_hex(p[2]))
				return NULL;
			p += 3;
		} else if (uri_is_unreserved(*p) || uri_in(*p, extra)) {
			p++;
		} else {
			break;
		}
	}
	return p;
}

/*
 * Past a quoted string starting at @p (on '"'), or NULL if unterminated or
 * holding what RFC 3261 does not allow there: a control character other
 * than the blanks and line ends of LWS, or a quoted-pair escaping CR, LF
 * or a non-ASCII byte. UTF-8 text is taken as it is.
 */
static const char *uri_skip_quoted(const char *p, const char *e)
{
	unsigned char c;

	for (p++; p < e; p++) {
		c = (unsigned char)*p;
		if (c == '\\') {
			if (p + 1 >= e)
				return NULL;
			c = (unsigned char)*++p;
			if (c == '\r' || c == '\n' || c >= 0x80)
				return NULL;
		} else if (c == '"') {
			return p + 1;
		} else if ((c < 0x20 && !sip_uri_is_lws((char)c)) ||
			   c == 0x7f) {
			return NULL;
		}
	}
	return NULL;
}

/* ---- hosts --------------------------------------------------------------- */

/* Dotted quad, each part 1-3 digits without leading zero, at most 255. */
static int uri_ipv4_ok(const char *s, size_t len)
{
	const char *p = s, *e = s + len;
	int parts = 0;

	while (parts < 4) {
		const char *d = p;
		unsigned v = 0;

		while (p < e && uri_is_digit(*p) && p - d < 4)
			v = v * 10 + (unsigned)(*p++ - '0');
		if (p == d || p - d > 3 || v > 255 || (p - d > 1 && *d == '0'))
			return 0;
		parts++;
		if (parts < 4) {
			if (p >= e || *p != '.')
				return 0;
			p++;
		}
	}
	return p == e;
}

static int uri_ipv6_ok(const char *s, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];
	unsigned char a[16];
	size_t i;

	if (len == 0 || len >= sizeof(tmp))
		return 0;
	for (i = 0; i < len; i++)
		if (!uri_is_hex(s[i]) && s[i] != ':' && s[i] != '.')
			return 0;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return inet_pton(AF_INET6, tmp, a) == 1;
}

/*
 * hostname = *( domainlabel "." ) toplabel [ "." ]; labels are alphanumeric
 * with inner '-'; the top label starts with a letter (which is what tells a
 * name from a malformed address).
 */
static int uri_hostname_ok(const char *s, size_t len)
{
	const char *p = s, *e = s + len, *label = s, *top = s;

	if (len == 0 || len > SIP_URI_HOST_MAX)
		return 0;
	if (e[-1] == '.')
		e--; /* the root dot */
	if (e == s)
		return 0;
	for (; p <= e; p++) {
		if (p < e && (uri_is_alnum(*p) || *p == '-'))
			continue;
		if (p < e && *p != '.')
			return 0;
		/* end of a label: [label, p) */
		if (p == label || *label == '-' || p[-1] == '-')
			return 0;
		top = label;
		if (p < e)
			label = p + 1;
	}
	return uri_is_alpha(*top);
}

enum sip_uri_host_type sip_uri_host_check(const char *s, size_t len,
					  int allow_bare_v6,
					  struct sc_str *inner)
{
	enum sip_uri_host_type t = 0;
	struct sc_str in = { s, len };
	size_t i;
	int digits_dots = 1;

	if (!s || len == 0)
		return 0;
	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']')
			return 0;
		in.s = s + 1;
		in.len = len - 2;
		if (uri_ipv6_ok(in.s, in.len))
			t = SIP_URI_HOST_IPV6;
	} else if (memchr(s, ':', len)) {
		if (allow_bare_v6 && uri_ipv6_ok(s, len))
			t = SIP_URI_HOST_IPV6;
	} else {
		for (i = 0; i < len; i++)
			if (!uri_is_digit(s[i]) && s[i] != '.')
				digits_dots = 0;
		if (digits_dots)
			t = uri_ipv4_ok(s, len) ? SIP_URI_HOST_IPV4 : 0;
		else if (uri_hostname_ok(s, len))
			t = SIP_URI_HOST_NAME;
	}
	if (t && inner)
		*inner = in;
	return t;
}

/* ---- URIs ---------------------------------------------------------------- */

/* userinfo without its '@': user [ ":" password ] */
static int uri_userinfo(struct sip_uri *u, const char *s, const char *e)
{
	const char *p = uri_skip_chars(s, e, "&=+$,;?/");

	if (!p || p == s)
		return -1;
	u->has_user = 1;
	u->user.s = s;
	u->user.len = (size_t)(p - s);
	if (p == e)
		return 0;
	if (*p != ':')
		return -1;
	s = p + 1;
	p = uri_skip_chars(s, e, "&=+$,");
	if (!p || p != e)
		return -1;
	u->has_password = 1;
	u->password.s = s;
	u->password.len = (size_t)(p - s);
	return 0;
}

/* host [ ":" port ]; returns the end, or NULL. */
static const char *uri_hostport(struct sip_uri *u, const char *p,
				const char *e)
{
	const char *h = p, *d;
	unsigned long port = 0;

	if (p < e && *p == '[') {
		const char *rb = memchr(p, ']', (size_t)(e - p));

		if (!rb)
			return NULL;
		p = rb + 1;
	} else {
		while (p < e && (uri_is_alnum(*p) || *p == '-' || *p == '.'))
			p++;
	}
	u->host_type = sip_uri_host_check(h, (size_t)(p - h), 0, &u->host);
	if (!u->host_type)
		return NULL;
	if (p >= e || *p != ':')
		return p;
	d = ++p;
	while (p < e && uri_is_digit(*p) && p - d < 6)
		port = port * 10 + (unsigned long)(*p++ - '0');
	if (p == d || p - d > 5 || port == 0 || port > 65535)
		return NULL;
	u->port = (unsigned)port;
	return p;
}

/* Note the parameters every relay decision needs; the first one counts. */
static void uri_known_param(struct sip_uri *u, const struct sip_uri_param *pm,
			    unsigned *seen)
{
	static const char *const names[] = { "transport", "maddr", "user" };
	struct sc_str *dst[] = { &u->transport, &u->maddr, &u->user_param };
	const char *n = pm->name.s;
	size_t l = pm->name.len, i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!sip_caseeq(n, l, names[i], strlen(names[i])))
			continue;
		if (!(*seen & (1u << i)))
			*dst[i] = pm->value;
		*seen |= 1u << i;
		return;
	}
	if (sip_caseeq(n, l, "lr", 2))
		u->lr = 1;
	else if (sip_caseeq(n, l, "ob", 2))
		u->ob = 1;
}

/* *( ";" pname [ "=" pvalue ] ); returns the end, or NULL. */
static const char *uri_params(struct sip_uri *u, const char *p, const char *e)
{
	static const char pchars[] = "[]/:&+$";
	struct sip_uri_param *pm;
	const char *q, *start = p;
	unsigned seen = 0;

	while (p < e && *p == ';') {
		if (u->nparams >= SIP_URI_MAX_PARAMS)
			return NULL;
		pm = &u->param[u->nparams];
		q = uri_skip_chars(++p, e, pchars);
		if (!q || q == p)
			return NULL;
		pm->name.s = p;
		pm->name.len = (size_t)(q - p);
		pm->value.s = q;
		pm->value.len = 0;
		pm->has_value = 0;
		p = q;
		if (p < e && *p == '=') {
			q = uri_skip_chars(++p, e, pchars);
			if (!q || q == p)
				return NULL;
			pm->value.s = p;
			pm->value.len = (size_t)(q - p);
			pm->has_value = 1;
			p = q;
		}
		uri_known_param(u, pm, &seen);
		u->nparams++;
	}
	if (u->nparams) {
		u->params.s = start + 1;
		u->params.len = (size_t)(p - start - 1);
	}
	return p;
}

/* "?" hname "=" hvalue *( "&" hname "=" hvalue ) up to @e. */
static int uri_headers(struct sip_uri *u, const char *p, const char *e)
{
	static const char hchars[] = "[]/?:+$";
	const char *q;

	u->headers.s = p;
	u->headers.len = (size_t)(e - p);
	for (;;) {
		q = uri_skip_chars(p, e, hchars);
		if (!q || q == p || q >= e || *q != '=')
			return -1;
		p = uri_skip_chars(q + 1, e, hchars);
		if (!p)
			return -1;
		if (p == e)
			return 0;
		if (*p != '&')
			return -1;
		p++;
	}
}

int sip_uri_parse(const char *s, size_t len, struct sip_uri *u)
{
	const char *p, *e, *at;

	if (!u)
		return -1;
	memset(u, 0, sizeof(*u));
	u->user.s = u->password.s = u->host.s = u->params.s = "";
	u->headers.s = u->transport.s = u->maddr.s = u->user_param.s = "";
	if (!s)
		return -1;
	e = s + len;
	if (len > 4 && sip_caseeq(s, 4, "sip:", 4)) {
		u->scheme = SIP_URI_SIP;
		p = s + 4;
	} else if (len > 5 && sip_caseeq(s, 5, "sips:", 5)) {
		u->scheme = SIP_URI_SIPS;
		p = s + 5;
	} else {
		return -1;
	}
	/* '@' cannot appear past the userinfo, so the first one ends it */
	at = memchr(p, '@', (size_t)(e - p));
	if (at) {
		if (uri_userinfo(u, p, at) < 0)
			return -1;
		p = at + 1;
	}
	p = uri_hostport(u, p, e);
	if (p)
		p = uri_params(u, p, e);
	if (!p)
		return -1;
	if (p < e && *p == '?')
		return uri_headers(u, p + 1, e);
	return p == e ? 0 : -1;
}

int sip_uri_param(const struct sip_uri *u, const char *name,
		  struct sc_str *value)
{
	size_t n;
	unsigned i;

	if (!u || !name)
		return 0;
	n = strlen(name);
	for (i = 0; i < u->nparams && i < SIP_URI_MAX_PARAMS; i++) {
		if (!sip_caseeq(u->param[i].name.s, u->param[i].name.len,
				name, n))
			continue;
		if (value)
			*value = u->param[i].value;
		return 1;
	}
	return 0;
}

/* ---- name-addr ----------------------------------------------------------- */

/*
 * gen-value = token / host / quoted-string; returns the end, or NULL.
 * A host may be a bare IPv6 address here: via-received is IPv4address /
 * IPv6address, without brackets.
 */
static const char *uri_gen_value(const char *p, const char *e)
{
	const char *q;
	int colon = 0;

	if (p >= e)
		return NULL;
	if (*p == '"')
		return uri_skip_quoted(p, e);
	if (*p == '[') {
		q = memchr(p, ']', (size_t)(e - p));
		if (!q || !uri_ipv6_ok(p + 1, (size_t)(q - p - 1)))
			return NULL;
		return q + 1;
	}
	for (q = p; q < e && (sip_uri_is_token(*q) || *q == ':'); q++)
		colon |= *q == ':';
	if (q == p || (colon && !uri_ipv6_ok(p, (size_t)(q - p))))
		return NULL;
	return q;
}

int sip_uri_gparam_next(struct sc_str *rest, struct sip_uri_param *pm)
{
	const char *p, *e, *q;

	if (!rest || !rest->s || !pm)
		return -1;
	e = rest->s + rest->len;
	p = uri_skip_lws(rest->s, e);
	if (p == e)
		return 0;
	q = p;
	while (q < e && sip_uri_is_token(*q))
		q++;
	if (q == p)
		return -1;
	pm->name.s = p;
	pm->name.len = (size_t)(q - p);
	pm->value.s = q;
	pm->value.len = 0;
	pm->has_value = 0;
	p = uri_skip_lws(q, e);
	if (p < e && *p == '=') {
		q = uri_skip_lws(p + 1, e);
		p = uri_gen_value(q, e);
		if (!p)
			return -1;
		pm->value.s = q;
		pm->value.len = (size_t)(p - q);
		pm->has_value = 1;
		p = uri_skip_lws(p, e);
	}
	if (p < e) {
		if (*p != ';')
			return -1;
		/* a ';' must be followed by another parameter */
		if (uri_skip_lws(p + 1, e) == e)
			return -1;
		p++;
	}
	rest->s = p;
	rest->len = (size_t)(e - p);
	return 1;
}

/* *( SEMI generic-param ) up to @e (already trimmed); @p is on the first
 * ';' or at @e. Returns 0 or -1. */
static int uri_hparams(struct sip_uri_addr *a, const char *p, const char *e)
{
	struct sip_uri_param pm;
	struct sc_str rest;
	int rc;

	if (p == e)
		return 0;
	if (*p != ';')
		return -1;
	rest.s = a->params.s = p + 1;
	rest.len = a->params.len = (size_t)(e - p - 1);
	rc = sip_uri_gparam_next(&rest, &pm);
	if (rc == 0)
		return -1; /* ';' and nothing after it */
	while (rc > 0)
		rc = sip_uri_gparam_next(&rest, &pm);
	return rc;
}

/* display-name before '<': quoted-string, or *(token LWS); end or NULL. */
static const char *uri_display(const char *p, const char *e)
{
	if (p < e && *p == '"')
		return uri_skip_quoted(p, e);
	while (p < e && (sip_uri_is_token(*p) || sip_uri_is_lws(*p)))
		p++;
	return p;
}

int sip_uri_addr_parse(const char *s, size_t len, int need_brackets,
		       struct sip_uri_addr *a)
{
	const char *p, *e, *d, *gt;

	if (!a)
		return -1;
	memset(a, 0, sizeof(*a));
	a->display.s = a->uri_text.s = a->params.s = "";
	if (!s)
		return -1;
	p = uri_skip_lws(s, s + len);
	e = uri_trim_end(p, s + len);
	if (p == e)
		return -1;
	d = uri_display(p, e);
	if (d && d < e && *(d = uri_skip_lws(d, e)) == '<') {
		a->display.s = p;
		a->display.len = (size_t)(uri_trim_end(p, d) - p);
		gt = memchr(d, '>', (size_t)(e - d));
		if (!gt)
			return -1;
		a->bracketed = 1;
		a->uri_text.s = d + 1;
		a->uri_text.len = (size_t)(gt - d - 1);
		p = uri_skip_lws(gt + 1, e);
	} else {
		/* addr-spec: the URI ends at the first ';' or blank */
		if (need_brackets)
			return -1;
		a->uri_text.s = p;
		while (p < e && *p != ';' && !sip_uri_is_lws(*p))
			p++;
		a->uri_text.len = (size_t)(p - a->uri_text.s);
		p = uri_skip_lws(p, e);
	}
	if (sip_uri_parse(a->uri_text.s, a->uri_text.len, &a->uri) < 0)
		return -1;
	return uri_hparams(a, p, e);
}

int sip_uri_hparam(struct sc_str params, const char *name,
		   struct sc_str *value)
{
	struct sip_uri_param pm;
	size_t want;

	if (!params.s || !name)
		return 0;
	want = strlen(name);
	while (sip_uri_gparam_next(&params, &pm) > 0) {
		if (!sip_caseeq(pm.name.s, pm.name.len, name, want))
			continue;
		if (value)
			*value = pm.value;
		return 1;
	}
	return 0;
}

int sip_uri_value_params(const char *s, size_t len, struct sc_str *params)
{
	const char *p, *e, *q;

	if (!s || !params)
		return -1;
	e = uri_trim_end(s, s + len);
	p = uri_skip_lws(s, e);
	while (p < e && *p != ';') {
		if (*p == '"') {
			p = uri_skip_quoted(p, e);
			if (!p)
				return -1;
		} else if (*p == '<') {
			q = memchr(p, '>', (size_t)(e - p));
			if (!q)
				return -1;
			p = uri_skip_lws(q + 1, e);
			if (p < e && *p != ';')
				return -1;
			break;
		} else {
			p++;
		}
	}
	if (p < e)
		p = uri_skip_lws(p + 1, e);
	params->s = p;
	params->len = (size_t)(e - p);
	return 0;
}

/* ---- lists --------------------------------------------------------------- */

int sip_uri_list_next(struct sc_str *rest, struct sc_str *item)
{
	const char *p, *e, *start, *q;

	if (!rest || !rest->s || !item)
		return -1;
	e = rest->s + rest->len;
	start = p = uri_skip_lws(rest->s, e);
	if (p == e)
		return 0;
	while (p < e && *p != ',') {
		if (*p == '"') {
			p = uri_skip_quoted(p, e);
			if (!p)
				return -1;
		} else if (*p == '<') {
			q = memchr(p, '>', (size_t)(e - p));
			if (!q)
				return -1;
			p = q + 1;
		} else if (*p == '>') {
			return -1;
		} else {
			p++;
		}
	}
	item->s = start;
	item->len = (size_t)(uri_trim_end(start, p) - start);
	if (item->len == 0)
		return -1;
	if (p < e) {
		/* a comma must be followed by another element */
		q = uri_skip_lws(p + 1, e);
		if (q == e || *q == ',')
			return -1;
		p++;
	}
	rest->s = p;
	rest->len = (size_t)(e - p);
	return 1;
}

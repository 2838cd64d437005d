/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Via values (prefix: sip_via; local helpers: via_).
 *
 * via-parm = sent-protocol LWS sent-by *( SEMI via-params ), where
 * sent-protocol is three tokens joined by '/' (blanks allowed around it),
 * sent-by is host [":" port], and the parameters are generic-params with
 * the meanings of RFC 3261 (branch, received, maddr, ttl), RFC 3581
 * (rport, with or without a value) and RFC 5923 (alias). The relay routes
 * replies by these values, so what the grammar does not allow is refused,
 * not skipped. received= is accepted with or without [ ] around an IPv6
 * address (RFC 5118 4.5).
 */
#include <string.h>

#include "sip_via.h"

static int via_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *via_skip_lws(const char *p, const char *e)
{
	while (p < e && sip_uri_is_lws(*p))
		p++;
	return p;
}

/* A token into *t; returns its end, or NULL when there is none. */
static const char *via_token(const char *p, const char *e, struct sc_str *t)
{
	const char *q = p;

	while (q < e && sip_uri_is_token(*q))
		q++;
	if (q == p)
		return NULL;
	t->s = p;
	t->len = (size_t)(q - p);
	return q;
}

/* 1*DIGIT within [min, max] for the whole of @s. */
static int via_number(struct sc_str s, unsigned min, unsigned max,
		      unsigned *out)
{
	unsigned long n = 0;
	size_t i;

	if (s.len == 0 || s.len > 5)
		return -1;
	for (i = 0; i < s.len; i++) {
		if (!via_is_digit(s.s[i]))
			return -1;
		n = n * 10 + (unsigned long)(s.s[i] - '0');
	}
	if (n < min || n > max)
		return -1;
	*out = (unsigned)n;
	return 0;
}

/* protocol-name SLASH protocol-version SLASH transport LWS; end or NULL */
static const char *via_protocol(struct sip_via *v, const char *p,
				const char *e)
{
	struct sc_str *part[3] = {
		&v->proto_name, &v->proto_version, &v->transport
	};
	const char *q = p;
	int i;

	for (i = 0; i < 3; i++) {
		q = via_token(p, e, part[i]);
		if (!q)
			return NULL;
		p = via_skip_lws(q, e);
		if (i < 2) {
			if (p >= e || *p != '/')
				return NULL;
			p = via_skip_lws(p + 1, e);
		}
	}
	return p == q ? NULL : p; /* LWS before sent-by is required */
}

/* host [ COLON port ]; returns the end, or NULL */
static const char *via_sent_by(struct sip_via *v, const char *p,
			       const char *e)
{
	const char *h = p, *q;
	struct sc_str port;

	if (p < e && *p == '[') {
		q = memchr(p, ']', (size_t)(e - p));
		if (!q)
			return NULL;
		p = q + 1;
	} else {
		while (p < e && !sip_uri_is_lws(*p) && !strchr(":;,", *p))
			p++;
	}
	v->host_type = sip_uri_host_check(h, (size_t)(p - h), 0, &v->host);
	if (!v->host_type)
		return NULL;
	q = via_skip_lws(p, e);
	if (q >= e || *q != ':')
		return p;
	p = via_skip_lws(q + 1, e);
	port.s = p;
	while (p < e && via_is_digit(*p))
		p++;
	port.len = (size_t)(p - port.s);
	if (via_number(port, 1, 65535, &v->port) < 0)
		return NULL;
	return p;
}

/* All of @s is token characters (and there is at least one). */
static int via_all_token(struct sc_str s)
{
	size_t i;

	for (i = 0; i < s.len; i++)
		if (!sip_uri_is_token(s.s[i]))
			return 0;
	return s.len > 0;
}

/* Refuse a second copy of a parameter that steers replies. */
static int via_once(int *seen)
{
	if (*seen)
		return -1;
	*seen = 1;
	return 0;
}

static int via_param(struct sip_via *v, const struct sip_uri_param *pm)
{
	const char *n = pm->name.s;
	size_t l = pm->name.len;
	struct sc_str in;
	enum sip_uri_host_type t;

	if (sip_caseeq(n, l, "branch", 6)) {
		if (via_once(&v->has_branch) < 0 || !pm->has_value ||
		    !via_all_token(pm->value))
			return -1;
		v->branch = pm->value;
	} else if (sip_caseeq(n, l, "received", 8)) {
		if (via_once(&v->has_received) < 0 || !pm->has_value)
			return -1;
		t = sip_uri_host_check(pm->value.s, pm->value.len, 1, &in);
		if (t != SIP_URI_HOST_IPV4 && t != SIP_URI_HOST_IPV6)
			return -1;
		v->received = in;
	} else if (sip_caseeq(n, l, "rport", 5)) {
		if (via_once(&v->has_rport) < 0)
			return -1;
		if (pm->has_value &&
		    via_number(pm->value, 1, 65535, &v->rport) < 0)
			return -1;
	} else if (sip_caseeq(n, l, "maddr", 5)) {
		if (via_once(&v->has_maddr) < 0 || !pm->has_value ||
		    !sip_uri_host_check(pm->value.s, pm->value.len, 0, &in))
			return -1;
		v->maddr = in;
	} else if (sip_caseeq(n, l, "ttl", 3)) {
		if (via_once(&v->has_ttl) < 0 || !pm->has_value ||
		    pm->value.len > 3 ||
		    via_number(pm->value, 0, 255, &v->ttl) < 0)
			return -1;
	} else if (sip_caseeq(n, l, "alias", 5)) {
		v->alias = 1;
	}
	return 0;
}

int sip_via_parse(const char *s, size_t len, struct sip_via *v)
{
	const char *p, *e;
	struct sip_uri_param pm;
	struct sc_str rest;
	int rc;

	if (!v)
		return -1;
	memset(v, 0, sizeof(*v));
	v->value.s = v->params.s = v->branch.s = v->received.s = "";
	v->maddr.s = "";
	if (!s)
		return -1;
	p = via_skip_lws(s, s + len);
	e = s + len;
	while (e > p && sip_uri_is_lws(e[-1]))
		e--;
	v->value.s = p;
	v->value.len = (size_t)(e - p);
	p = via_protocol(v, p, e);
	if (p)
		p = via_sent_by(v, p, e);
	if (!p)
		return -1;
	p = via_skip_lws(p, e);
	if (p == e)
		return 0;
	if (*p != ';')
		return -1;
	rest.s = v->params.s = p + 1;
	rest.len = v->params.len = (size_t)(e - p - 1);
	rc = sip_uri_gparam_next(&rest, &pm);
	if (rc == 0)
		return -1; /* ';' and nothing after it */
	for (; rc > 0; rc = sip_uri_gparam_next(&rest, &pm))
		if (via_param(v, &pm) < 0)
			return -1;
	return rc;
}

void sip_via_iter_init(struct sip_via_iter *it, const struct sc_sip_msg *m)
{
	memset(it, 0, sizeof(*it));
	it->m = m;
	it->hdr = -1;
	it->rest.s = "";
}

int sip_via_iter_next(struct sip_via_iter *it, struct sip_via *v)
{
	struct sc_str item;
	int rc;

	if (!it || !it->m || !v)
		return -1;
	while (it->rest.len == 0) {
		while (it->next_hdr < it->m->nhdrs &&
		       it->m->hdrs[it->next_hdr].id != SIP_H_VIA)
			it->next_hdr++;
		if (it->next_hdr >= it->m->nhdrs)
			return 0;
		it->hdr = (int)it->next_hdr;
		it->rest = it->m->hdrs[it->next_hdr++].value;
		if (it->rest.len == 0)
			return -1; /* "Via:" with no value */
	}
	rc = sip_uri_list_next(&it->rest, &item);
	if (rc <= 0)
		return -1; /* a non-empty rest holds at least one element */
	return sip_via_parse(item.s, item.len, v) < 0 ? -1 : 1;
}

int sip_via_top(const struct sc_sip_msg *m, struct sip_via *v)
{
	struct sip_via_iter it;

	sip_via_iter_init(&it, m);
	return sip_via_iter_next(&it, v) == 1 ? 0 : -1;
}

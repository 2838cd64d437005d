/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stateless replies (prefixes: sip_reply, sip_reason_phrase; local: rpl_).
 *
 * A reply is built from the request's Via, From, To, Call-ID and CSeq
 * (RFC 3261 8.2.6.2). The top Via value learns where the request really came
 * from: received= (RFC 3261 18.2.1) and rport= (RFC 3581), so the client, and
 * any NAT between us, see the address the reply goes back to.
 *
 * Header values are copied unfolded: a line break inside a value (folding)
 * is dropped, its leading blank stays, so a reply never carries line ends
 * other than the ones this file writes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "sip_msg.h"

/* The output buffer; once full, every later write is refused. */
/* The request's source, as the top Via sees it. */
struct rpl_src {
	int family;                  /* AF_INET or AF_INET6 after unmapping */
	unsigned char addr[16];
	unsigned port;
	char text[INET6_ADDRSTRLEN];
};

/* The top Via value, split where it gets edited. */
struct rpl_via {
	const char *s, *e;           /* first value, trailing blanks trimmed */
	int parsed;                  /* sent-protocol and sent-by understood */
	const char *host;
	size_t hostlen;
	int host_v6;                 /* written as an IPv6 reference [...] */
	const char *rport, *rport_e; /* the ";rport[=...]" span, or NULL */
	const char *recv, *recv_e;   /* the ";received=..." span, or NULL */
};

void sip_out_put(struct sip_out *b, const char *s, size_t n)
{
	if (b->full)
		return;
	if (n > b->cap - b->len) {
		b->full = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void sip_out_puts(struct sip_out *b, const char *s)
{
	sip_out_put(b, s, strlen(s));
}

void sip_out_put_unfolded(struct sip_out *b, const char *s, const char *e)
{
	const char *run = s;

	for (; s < e; s++) {
		if (*s != '\r' && *s != '\n')
			continue;
		sip_out_put(b, run, (size_t)(s - run));
		run = s + 1;
	}
	sip_out_put(b, run, (size_t)(e - run));
}

static void rpl_put_uint(struct sip_out *b, unsigned v)
{
	char num[16];
	int n = snprintf(num, sizeof(num), "%u", v);

	sip_out_put(b, num, (size_t)n);
}

static int rpl_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int rpl_is_token(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-.!%*_+`'~", c) != NULL;
}

static const char *rpl_skip_ws(const char *p, const char *e)
{
	while (p < e && rpl_is_ws(*p))
		p++;
	return p;
}

static const char *rpl_skip_token(const char *p, const char *e)
{
	while (p < e && rpl_is_token(*p))
		p++;
	return p;
}

/* Past a quoted string starting at @p (on '"'); @e if it is unterminated. */
static const char *rpl_skip_quoted(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\' && p + 1 < e)
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return e;
}

/* A value for the reply's own lines: no CR or LF may sneak in. */
static int rpl_safe_text(const char *s)
{
	return s && !strpbrk(s, "\r\n");
}

static int rpl_src_init(struct rpl_src *src, const struct sockaddr *sa)
{
	static const unsigned char v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (!sa)
		return -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		src->family = AF_INET;
		memcpy(src->addr, &in->sin_addr, 4);
		src->port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)sa;
		const unsigned char *a6 = in6->sin6_addr.s6_addr;

		src->port = ntohs(in6->sin6_port);
		/* a dual-stack socket shows IPv4 peers as ::ffff:a.b.c.d, but
		 * the client wrote (and matches replies against) a.b.c.d */
		if (!memcmp(a6, v4mapped, sizeof(v4mapped))) {
			src->family = AF_INET;
			memcpy(src->addr, a6 + 12, 4);
		} else {
			src->family = AF_INET6;
			memcpy(src->addr, a6, 16);
		}
	} else {
		return -1;
	}
	if (!inet_ntop(src->family, src->addr, src->text, sizeof(src->text)))
		return -1;
	return 0;
}

/* End of the first value of a Via header: the first comma outside quotes. */
static const char *rpl_first_value_end(const char *p, const char *e)
{
	while (p < e) {
		if (*p == '"')
			p = rpl_skip_quoted(p, e);
		else if (*p == ',')
			return p;
		else
			p++;
	}
	return e;
}

/* sent-protocol LWS sent-by: on success @v gets the host, returns the end. */
static const char *rpl_via_sent_by(struct rpl_via *v)
{
	const char *p = rpl_skip_ws(v->s, v->e), *q;
	int i;

	for (i = 0; i < 3; i++) {
		q = rpl_skip_token(p, v->e);
		if (q == p)
			return NULL;
		p = rpl_skip_ws(q, v->e);
		if (i < 2) {
			if (p >= v->e || *p != '/')
				return NULL;
			p = rpl_skip_ws(p + 1, v->e);
		}
	}
	if (p == q)
		return NULL; /* LWS required between transport and sent-by */
	if (p < v->e && *p == '[') {
		q = memchr(p, ']', (size_t)(v->e - p));
		if (!q)
			return NULL;
		v->host = p + 1;
		v->host_v6 = 1;
		p = q + 1;
	} else {
		v->host = p;
		while (p < v->e && !rpl_is_ws(*p) && !strchr(":;,", *p))
			p++;
	}
	v->hostlen = (size_t)(p - v->host - v->host_v6);
	if (v->hostlen == 0)
		return NULL;
	q = rpl_skip_ws(p, v->e);
	if (q < v->e && *q == ':') {
		p = rpl_skip_ws(q + 1, v->e);
		q = p;
		while (p < v->e && *p >= '0' && *p <= '9')
			p++;
		if (p == q)
			return NULL;
	}
	return p;
}

/* ";name[=value]" parameters after sent-by; stops at what it cannot read. */
static void rpl_via_params(struct rpl_via *v, const char *p)
{
	const char *start, *name, *name_e;

	for (;;) {
		p = rpl_skip_ws(p, v->e);
		if (p >= v->e || *p != ';')
			return;
		start = p;
		name = rpl_skip_ws(p + 1, v->e);
		name_e = rpl_skip_token(name, v->e);
		if (name_e == name)
			return;
		p = rpl_skip_ws(name_e, v->e);
		if (p < v->e && *p == '=') {
			p = rpl_skip_ws(p + 1, v->e);
			if (p < v->e && *p == '"')
				p = rpl_skip_quoted(p, v->e);
			else
				while (p < v->e && !rpl_is_ws(*p) && *p != ';')
					p++;
		} else {
			p = name_e;
		}
		if (sip_caseeq(name, (size_t)(name_e - name), "rport", 5)) {
			v->rport = start;
			v->rport_e = p;
		} else if (sip_caseeq(name, (size_t)(name_e - name),
				      "received", 8)) {
			v->recv = start;
			v->recv_e = p;
		}
	}
}

static void rpl_via_parse(struct rpl_via *v, struct sc_str val)
{
	const char *after;

	memset(v, 0, sizeof(*v));
	v->s = val.s;
	v->e = rpl_first_value_end(val.s, val.s + val.len);
	while (v->e > v->s && rpl_is_ws(v->e[-1]))
		v->e--;
	after = rpl_via_sent_by(v);
	if (!after)
		return;
	v->parsed = 1;
	rpl_via_params(v, after);
}

/* Is the sent-by host the source address itself (RFC 3261 18.2.1)? */
static int rpl_host_is_src(const struct rpl_via *v, const struct rpl_src *src)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char a[16];

	if (!v->parsed || v->hostlen >= sizeof(tmp))
		return 0;
	memcpy(tmp, v->host, v->hostlen);
	tmp[v->hostlen] = '\0';
	if (src->family == AF_INET6)
		return v->host_v6 && inet_pton(AF_INET6, tmp, a) == 1 &&
		       !memcmp(a, src->addr, 16);
	return !v->host_v6 && inet_pton(AF_INET, tmp, a) == 1 &&
	       !memcmp(a, src->addr, 4);
}

/*
 * received= carries the bare address, also for IPv6: RFC 3261's via-received
 * is IPv4address / IPv6address (no brackets), and RFC 5118 4.5 says
 * implementations "must not put the delimiting [ and ] tokens" when sending
 * (while accepting both forms on receipt).
 */
static void rpl_put_received(struct sip_out *b, const struct rpl_src *src)
{
	sip_out_puts(b, ";received=");
	sip_out_puts(b, src->text);
}

/* Copy [s, e) of the top Via with the spans in @v rewritten. */
static void rpl_put_top_via(struct sip_out *b, const struct rpl_via *v,
			    const struct rpl_src *src, int add_received)
{
	const char *p = v->s;
	int rport_first = v->rport && (!v->recv || v->rport < v->recv);
	int i;

	for (i = 0; i < 2; i++) {
		int is_rport = (i == 0) == rport_first;
		const char *s = is_rport ? v->rport : v->recv;
		const char *e = is_rport ? v->rport_e : v->recv_e;

		if (!s)
			continue;
		sip_out_put_unfolded(b, p, s);
		if (is_rport) {
			/* RFC 3581 4: the source port, even over a stale one */
			sip_out_puts(b, ";rport=");
			rpl_put_uint(b, src->port);
		} else {
			rpl_put_received(b, src);
		}
		p = e;
	}
	sip_out_put_unfolded(b, p, v->e);
	if (add_received && !v->recv)
		rpl_put_received(b, src);
}

/* Every Via header in order; the top value edited. */
static void rpl_put_vias(struct sip_out *b, const struct sc_sip_msg *req,
			 const struct rpl_src *src)
{
	const struct sip_hdr *h;
	struct rpl_via v;
	int add_received, top = 1;
	unsigned i;

	for (i = 0; i < req->nhdrs; i++) {
		h = &req->hdrs[i];
		if (h->id != SIP_H_VIA)
			continue;
		sip_out_puts(b, "Via: ");
		if (top) {
			rpl_via_parse(&v, h->value);
			/* RFC 3581 4: with rport, received is always added */
			add_received = v.rport || !rpl_host_is_src(&v, src);
			rpl_put_top_via(b, &v, src, add_received);
			sip_out_put_unfolded(b, v.e, h->value.s + h->value.len);
			top = 0;
		} else {
			sip_out_put_unfolded(b, h->value.s,
					 h->value.s + h->value.len);
		}
		sip_out_puts(b, "\r\n");
	}
}

/*
 * Has the To header a tag parameter? Header parameters follow the closing
 * '>' of a name-addr; without angle brackets every ';' parameter belongs to
 * the header (RFC 3261 20). Quoted display names are skipped, so a "<" or
 * ";tag" inside them does not count, nor does a tag inside <...>.
 */
static int rpl_to_has_tag(struct sc_str to)
{
	const char *p = to.s, *e = to.s + to.len, *name, *name_e;

	while (p < e && *p != '<' && *p != ';') {
		if (*p == '"')
			p = rpl_skip_quoted(p, e);
		else
			p++;
	}
	if (p < e && *p == '<') {
		p = memchr(p, '>', (size_t)(e - p));
		if (!p)
			return 0;
	}
	for (; p < e; p++) {
		if (*p == '"') {
			p = rpl_skip_quoted(p, e) - 1;
			continue;
		}
		if (*p != ';')
			continue;
		name = rpl_skip_ws(p + 1, e);
		name_e = rpl_skip_token(name, e);
		if (sip_caseeq(name, (size_t)(name_e - name), "tag", 3))
			return 1;
	}
	return 0;
}

static void rpl_put_hdr(struct sip_out *b, const char *name,
			const struct sip_hdr *h)
{
	sip_out_puts(b, name);
	sip_out_puts(b, ": ");
	sip_out_put_unfolded(b, h->value.s, h->value.s + h->value.len);
	sip_out_puts(b, "\r\n");
}

static void rpl_put_to(struct sip_out *b, const struct sip_hdr *h,
		       const char *totag)
{
	sip_out_puts(b, "To: ");
	sip_out_put_unfolded(b, h->value.s, h->value.s + h->value.len);
	if (totag && *totag && !rpl_to_has_tag(h->value)) {
		sip_out_puts(b, ";tag=");
		sip_out_puts(b, totag);
	}
	sip_out_puts(b, "\r\n");
}

static void rpl_put_extra(struct sip_out *b, const char *extra)
{
	size_t n;

	if (!extra || !*extra)
		return;
	n = strlen(extra);
	sip_out_put(b, extra, n);
	/* a last line without its CRLF would swallow Content-Length */
	if (extra[n - 1] != '\n')
		sip_out_puts(b, "\r\n");
}

int sip_reply_build(const struct sc_sip_msg *req, const struct sockaddr *src,
		    int code, const char *reason, const char *totag,
		    const char *server, const char *extra,
		    char *out, size_t outlen)
{
	/* one byte kept back for the final NUL */
	struct sip_out b = { out, outlen ? outlen - 1 : 0, 0, 0 };
	struct rpl_src from;
	int ifrom, ito, icid, icseq;

	if (!req || !req->is_request || !out || outlen == 0 ||
	    code < 100 || code > 699)
		return -1;
	if (!reason)
		reason = sip_reason_phrase(code);
	if (!rpl_safe_text(reason) || (totag && !rpl_safe_text(totag)) ||
	    (server && !rpl_safe_text(server)))
		return -1;
	ifrom = sip_find_hdr(req, SIP_H_FROM);
	ito = sip_find_hdr(req, SIP_H_TO);
	icid = sip_find_hdr(req, SIP_H_CALLID);
	icseq = sip_find_hdr(req, SIP_H_CSEQ);
	if (sip_find_hdr(req, SIP_H_VIA) < 0 || ifrom < 0 || ito < 0 ||
	    icid < 0 || icseq < 0)
		return -1;
	if (rpl_src_init(&from, src) < 0)
		return -1;

	sip_out_puts(&b, "SIP/2.0 ");
	rpl_put_uint(&b, (unsigned)code);
	sip_out_puts(&b, " ");
	sip_out_puts(&b, reason);
	sip_out_puts(&b, "\r\n");
	rpl_put_vias(&b, req, &from);
	rpl_put_hdr(&b, "From", &req->hdrs[ifrom]);
	rpl_put_to(&b, &req->hdrs[ito], totag);
	rpl_put_hdr(&b, "Call-ID", &req->hdrs[icid]);
	rpl_put_hdr(&b, "CSeq", &req->hdrs[icseq]);
	if (server && *server) {
		sip_out_puts(&b, "Server: ");
		sip_out_puts(&b, server);
		sip_out_puts(&b, "\r\n");
	}
	rpl_put_extra(&b, extra);
	sip_out_puts(&b, "Content-Length: 0\r\n\r\n");
	if (b.full)
		return -1;
	out[b.len] = '\0';
	return (int)b.len;
}

const char *sip_reason_phrase(int code)
{
	switch (code) {
	case 100: return "Trying";
	case 180: return "Ringing";
	case 181: return "Call Is Being Forwarded";
	case 182: return "Queued";
	case 183: return "Session Progress";
	case 199: return "Early Dialog Terminated";
	case 200: return "OK";
	case 202: return "Accepted";
	case 204: return "No Notification";
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Moved Temporarily";
	case 305: return "Use Proxy";
	case 380: return "Alternative Service";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 410: return "Gone";
	case 412: return "Conditional Request Failed";
	case 413: return "Request Entity Too Large";
	case 414: return "Request-URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Unsupported URI Scheme";
	case 417: return "Unknown Resource-Priority";
	case 420: return "Bad Extension";
	case 421: return "Extension Required";
	case 422: return "Session Interval Too Small";
	case 423: return "Interval Too Brief";
	case 424: return "Bad Location Information";
	case 428: return "Use Identity Header";
	case 429: return "Provide Referrer Identity";
	case 430: return "Flow Failed";
	case 433: return "Anonymity Disallowed";
	case 436: return "Bad Identity-Info";
	case 437: return "Unsupported Certificate";
	case 438: return "Invalid Identity Header";
	case 439: return "First Hop Lacks Outbound Support";
	case 440: return "Max-Breadth Exceeded";
	case 469: return "Bad Info Package";
	case 470: return "Consent Needed";
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 482: return "Loop Detected";
	case 483: return "Too Many Hops";
	case 484: return "Address Incomplete";
	case 485: return "Ambiguous";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 488: return "Not Acceptable Here";
	case 489: return "Bad Event";
	case 491: return "Request Pending";
	case 493: return "Undecipherable";
	case 494: return "Security Agreement Required";
	case 500: return "Server Internal Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Server Time-out";
	case 505: return "Version Not Supported";
	case 513: return "Message Too Large";
	case 555: return "Push Notification Service Not Supported";
	case 580: return "Precondition Failure";
	case 600: return "Busy Everywhere";
	case 603: return "Decline";
	case 604: return "Does Not Exist Anywhere";
	case 606: return "Not Acceptable";
	case 607: return "Unwanted";
	case 608: return "Rejected";
	default: return "";
	}
}

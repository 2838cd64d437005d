/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: SIP parser, stream framer, stateless replies (prefix: t_).
 *
 * Inputs are copied into malloc'd buffers of their exact size, so that a
 * read past the end is caught when this runs under AddressSanitizer.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_msg.h"

#define T_MAX_BUFS 4096

static char *t_bufs[T_MAX_BUFS];
static int t_nbufs;

static void t_setup(void)
{
	t_nbufs = 0;
}

static void t_teardown(void)
{
	while (t_nbufs > 0)
		free(t_bufs[--t_nbufs]);
}

/* An exact-size heap buffer, freed by the fixture. */
static char *t_alloc(size_t n)
{
	char *p = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_lt(t_nbufs, T_MAX_BUFS);
	t_bufs[t_nbufs++] = p;
	return p;
}

static char *t_dup(const char *s, size_t n)
{
	char *p = t_alloc(n);

	memcpy(p, s, n);
	return p;
}

static int t_parse_n(struct sc_sip_msg *m, const char *s, size_t n,
		     const char **why)
{
	return sip_parse(m, t_dup(s, n), n, why);
}

static int t_parse(struct sc_sip_msg *m, const char *s, const char **why)
{
	return t_parse_n(m, s, strlen(s), why);
}

static enum sip_frame_ret t_frame_n(const char *s, size_t n, size_t max,
				    size_t *used, const char **why)
{
	return sip_frame(t_dup(s, n), n, max, used, why);
}

static enum sip_frame_ret t_frame(const char *s, size_t max, size_t *used,
				  const char **why)
{
	return t_frame_n(s, strlen(s), max, used, why);
}

#define ck_sc_str(sv, lit)                                                    \
	do {                                                                   \
		struct sc_str _v = (sv);                                       \
		const char *_l = (lit);                                        \
		ck_assert_msg(_v.len == strlen(_l) &&                          \
				      memcmp(_v.s, _l, _v.len) == 0,           \
			      "got '%.*s', want '%s'", (int)_v.len, _v.s, _l); \
	} while (0)

#define ck_hdr(m, id, lit)                                                    \
	do {                                                                   \
		int _h = sip_find_hdr((m), (id));                              \
		ck_assert_int_ge(_h, 0);                                       \
		ck_sc_str((m)->hdrs[_h].value, (lit));                         \
	} while (0)

/* ------------------------------------------------------------------ */
/* parser */

static const char t_invite[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TLS client.atlanta.example.com:5061;branch=z9hG4bK74bf9\r\n"
	"Max-Forwards: 70\r\n"
	"From: Alice <sips:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
	"To: Bob <sips:bob@biloxi.example.com>\r\n"
	"Call-ID: 3848276298220188511@atlanta.example.com\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sips:alice@client.atlanta.example.com>\r\n"
	"Route: <sips:ss1.example.com;lr>\r\n"
	"Record-Route: <sips:ss2.example.com;lr>\r\n"
	"X-Custom: anything goes\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 4\r\n"
	"\r\n"
	"v=0\n";

START_TEST(t_parse_request)
{
	struct sc_sip_msg m;
	const char *why = "unset";
	struct sc_str v;

	ck_assert_int_eq(t_parse(&m, t_invite, &why), 0);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(m.is_request, 1);
	ck_sc_str(m.method, "INVITE");
	ck_sc_str(m.ruri, "sip:bob@biloxi.example.com");
	ck_assert_uint_eq(m.nhdrs, 12);
	ck_hdr(&m, SIP_H_VIA,
	       "SIP/2.0/TLS client.atlanta.example.com:5061;branch=z9hG4bK74bf9");
	ck_hdr(&m, SIP_H_MAXFWD, "70");
	ck_hdr(&m, SIP_H_FROM,
	       "Alice <sips:alice@atlanta.example.com>;tag=9fxced76sl");
	ck_hdr(&m, SIP_H_TO, "Bob <sips:bob@biloxi.example.com>");
	ck_hdr(&m, SIP_H_CALLID, "3848276298220188511@atlanta.example.com");
	ck_hdr(&m, SIP_H_CSEQ, "1 INVITE");
	ck_hdr(&m, SIP_H_CONTACT, "<sips:alice@client.atlanta.example.com>");
	ck_hdr(&m, SIP_H_ROUTE, "<sips:ss1.example.com;lr>");
	ck_hdr(&m, SIP_H_RECROUTE, "<sips:ss2.example.com;lr>");
	ck_hdr(&m, SIP_H_CTYPE, "application/sdp");
	ck_hdr(&m, SIP_H_CLEN, "4");
	ck_assert_int_eq(m.hdrs[9].id, SIP_H_OTHER);
	ck_sc_str(m.hdrs[9].name, "X-Custom");
	ck_sc_str(m.hdrs[9].line, "X-Custom: anything goes");
	ck_assert_int_eq(m.content_length, 4);
	ck_sc_str(m.body, "v=0\n");

	/* the module-facing accessors */
	ck_assert_int_eq(sc_sip_is_request(&m), 1);
	ck_sc_str(sc_sip_method(&m), "INVITE");
	ck_assert_int_eq(sc_sip_status(&m), 0);
	ck_sc_str(sc_sip_body(&m), "v=0\n");
	ck_assert_uint_eq(sc_sip_raw(&m).len, strlen(t_invite));
	ck_assert_int_eq(memcmp(sc_sip_raw(&m).s, t_invite, strlen(t_invite)),
			 0);
	ck_assert_int_eq(sc_sip_header(&m, "call-id", &v), 0);
	ck_sc_str(v, "3848276298220188511@atlanta.example.com");
	ck_assert_int_eq(sc_sip_header(&m, "i", &v), 0);
	ck_sc_str(v, "3848276298220188511@atlanta.example.com");
	ck_assert_int_eq(sc_sip_header(&m, "x-custom", &v), 0);
	ck_sc_str(v, "anything goes");
	ck_assert_int_eq(sc_sip_header(&m, "X-Absent", &v), -1);
	ck_assert_int_eq(sc_sip_header(&m, "k", &v), -1);
	ck_assert_int_eq(sip_find_hdr(&m, SIP_H_OTHER), -1);
}
END_TEST

START_TEST(t_parse_reply)
{
	struct sc_sip_msg m;
	const char *why;

	ck_assert_int_eq(t_parse(&m,
				 "SIP/2.0 180 Ringing\r\n"
				 "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
				 "CSeq: 2 INVITE\r\n"
				 "\r\n", &why), 0);
	ck_assert_int_eq(m.is_request, 0);
	ck_assert_int_eq(m.status, 180);
	ck_sc_str(m.reason, "Ringing");
	ck_assert_int_eq(sc_sip_is_request(&m), 0);
	ck_assert_int_eq(sc_sip_status(&m), 180);
	ck_sc_str(sc_sip_method(&m), "");
	ck_assert_int_eq(m.content_length, -1);
	ck_assert_uint_eq(m.body.len, 0);

	ck_assert_int_eq(t_parse(&m, "SIP/2.0 404 Not  Found here\r\n\r\n",
				 &why), 0);
	ck_assert_int_eq(m.status, 404);
	ck_sc_str(m.reason, "Not  Found here");
	ck_assert_int_eq(t_parse(&m, "SIP/2.0 200 \r\n\r\n", &why), 0);
	ck_assert_int_eq(m.status, 200);
	ck_sc_str(m.reason, "");
	ck_assert_int_eq(t_parse(&m, "SIP/2.0 699\r\n\r\n", &why), 0);
	ck_assert_int_eq(m.status, 699);
	ck_assert_int_eq(t_parse(&m, "sip/2.0 100 Trying\r\n\r\n", &why), 0);
	ck_assert_int_eq(m.status, 100);
}
END_TEST

START_TEST(t_parse_compact)
{
	struct sc_sip_msg m;
	const char *why;
	struct sc_str v;

	ck_assert_int_eq(t_parse(&m,
				 "MESSAGE sip:b@example.com SIP/2.0\r\n"
				 "v: SIP/2.0/TCP h.example.com;branch=z9hG4bKx\r\n"
				 "f:<sip:a@example.com>;tag=1\r\n"
				 "T : <sip:b@example.com>\r\n"
				 "i:\tcid-1\r\n"
				 "CSEQ: 5 MESSAGE\r\n"
				 "m: <sip:a@h.example.com>\r\n"
				 "c: text/plain\r\n"
				 "k: path\r\n"
				 "L: 2\r\n"
				 "\r\n"
				 "hi", &why), 0);
	ck_hdr(&m, SIP_H_VIA, "SIP/2.0/TCP h.example.com;branch=z9hG4bKx");
	ck_hdr(&m, SIP_H_FROM, "<sip:a@example.com>;tag=1");
	ck_hdr(&m, SIP_H_TO, "<sip:b@example.com>");
	ck_sc_str(m.hdrs[2].name, "T");
	ck_hdr(&m, SIP_H_CALLID, "cid-1");
	ck_hdr(&m, SIP_H_CSEQ, "5 MESSAGE");
	ck_hdr(&m, SIP_H_CONTACT, "<sip:a@h.example.com>");
	ck_hdr(&m, SIP_H_CTYPE, "text/plain");
	ck_assert_int_eq(m.content_length, 2);
	ck_sc_str(m.body, "hi");

	/* full-name lookups find compact headers and the other way round */
	ck_assert_int_eq(sc_sip_header(&m, "Via", &v), 0);
	ck_sc_str(v, "SIP/2.0/TCP h.example.com;branch=z9hG4bKx");
	ck_assert_int_eq(sc_sip_header(&m, "CONTENT-LENGTH", &v), 0);
	ck_sc_str(v, "2");
	ck_assert_int_eq(sc_sip_header(&m, "Supported", &v), 0);
	ck_sc_str(v, "path");
	ck_assert_int_eq(sc_sip_header(&m, "CSeq", &v), 0);
	ck_sc_str(v, "5 MESSAGE");
	ck_assert_int_eq(sc_sip_header(&m, "Subject", &v), -1);
	ck_assert_int_eq(sc_sip_header(&m, "", &v), -1);
	ck_assert_int_eq(sc_sip_header(&m, NULL, &v), -1);
}
END_TEST

START_TEST(t_parse_first_occurrence)
{
	struct sc_sip_msg m;
	const char *why;
	struct sc_str v;

	ck_assert_int_eq(t_parse(&m,
				 "BYE sip:b@example.com SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP one;branch=z9hG4bK1\r\n"
				 "v: SIP/2.0/UDP two;branch=z9hG4bK2\r\n"
				 "\r\n", &why), 0);
	ck_assert_int_eq(sc_sip_header(&m, "v", &v), 0);
	ck_sc_str(v, "SIP/2.0/UDP one;branch=z9hG4bK1");
	ck_assert_int_eq(sip_find_hdr(&m, SIP_H_VIA), 0);
}
END_TEST

START_TEST(t_parse_folded)
{
	struct sc_sip_msg m;
	const char *why;

	ck_assert_int_eq(t_parse(&m,
				 "OPTIONS sip:x@example.com SIP/2.0\r\n"
				 "Subject: I know you're there,\r\n"
				 "     pick up the phone   \r\n"
				 "\tand talk to me!\r\n"
				 "Via:\r\n"
				 " SIP/2.0/UDP h.example.com;branch=z9hG4bK9\r\n"
				 "Content-Length:\r\n \r\n 0\r\n"
				 "Max-Forwards: 70\r\n"
				 "\r\n", &why), 0);
	ck_assert_uint_eq(m.nhdrs, 4);
	ck_sc_str(m.hdrs[0].value, "I know you're there,\r\n"
		  "     pick up the phone   \r\n\tand talk to me!");
	ck_sc_str(m.hdrs[0].line, "Subject: I know you're there,\r\n"
		  "     pick up the phone   \r\n\tand talk to me!");
	ck_hdr(&m, SIP_H_VIA, "SIP/2.0/UDP h.example.com;branch=z9hG4bK9");
	ck_sc_str(m.hdrs[1].line,
		  "Via:\r\n SIP/2.0/UDP h.example.com;branch=z9hG4bK9");
	ck_assert_int_eq(m.content_length, 0);
	ck_hdr(&m, SIP_H_MAXFWD, "70");

	/* a continuation line with no header before it */
	ck_assert_int_eq(t_parse(&m, "OPTIONS sip:x SIP/2.0\r\n"
				 " folded: no\r\n\r\n", &why), -1);
	ck_assert_str_eq(why, "bad header folding");
}
END_TEST

START_TEST(t_parse_lf_only)
{
	struct sc_sip_msg m;
	const char *why;

	ck_assert_int_eq(t_parse(&m,
				 "OPTIONS sip:x@example.com SIP/2.0\n"
				 "Via: SIP/2.0/UDP h;branch=z9hG4bK1\n"
				 "To: <sip:x@example.com>\r\n"
				 "Subject: a\n b\n"
				 "Content-Length: 3\n"
				 "\n"
				 "abcTRAILING", &why), 0);
	ck_sc_str(m.ruri, "sip:x@example.com");
	ck_hdr(&m, SIP_H_VIA, "SIP/2.0/UDP h;branch=z9hG4bK1");
	ck_hdr(&m, SIP_H_TO, "<sip:x@example.com>");
	ck_sc_str(m.hdrs[2].value, "a\n b");
	ck_sc_str(m.body, "abc");
	/* CRLF then a bare LF as the empty line */
	ck_assert_int_eq(t_parse(&m, "OPTIONS sip:x SIP/2.0\r\nA: b\r\n\nxy",
				 &why), 0);
	ck_sc_str(m.body, "xy");
}
END_TEST

START_TEST(t_parse_body)
{
	static const char bin[] = "MESSAGE sip:x SIP/2.0\r\nl: 3\r\n\r\na\0b";
	struct sc_sip_msg m;
	const char *why;

	/* no Content-Length (UDP): the rest of the datagram */
	ck_assert_int_eq(t_parse(&m, "MESSAGE sip:x SIP/2.0\r\nA: b\r\n\r\n"
				 "hello\r\nworld", &why), 0);
	ck_assert_int_eq(m.content_length, -1);
	ck_sc_str(m.body, "hello\r\nworld");
	/* Content-Length shorter than the datagram truncates */
	ck_assert_int_eq(t_parse(&m, "MESSAGE sip:x SIP/2.0\r\nl: 5\r\n\r\n"
				 "hello\r\nworld", &why), 0);
	ck_sc_str(m.body, "hello");
	ck_assert_int_eq(t_parse(&m, "MESSAGE sip:x SIP/2.0\r\nl: 0\r\n\r\n"
				 "junk", &why), 0);
	ck_assert_uint_eq(m.body.len, 0);
	ck_assert_int_eq(m.content_length, 0);
	/* exactly the body */
	ck_assert_int_eq(t_parse(&m, "MESSAGE sip:x SIP/2.0\r\nl: 5\r\n\r\n"
				 "hello", &why), 0);
	ck_sc_str(m.body, "hello");
	/* longer is an error */
	ck_assert_int_eq(t_parse(&m, "MESSAGE sip:x SIP/2.0\r\nl: 6\r\n\r\n"
				 "hello", &why), -1);
	ck_assert_str_eq(why, "body shorter than Content-Length");
	/* binary body with NULs */
	ck_assert_int_eq(t_parse_n(&m, bin, sizeof(bin) - 1, &why), 0);
	ck_assert_uint_eq(m.body.len, 3);
	ck_assert_int_eq(memcmp(m.body.s, "a\0b", 3), 0);
}
END_TEST

static const char *const t_bad_first[] = {
	"",
	"\r\n\r\n",
	"INVITE\r\n\r\n",
	"INVITE sip:a@b\r\n\r\n",
	"INVITE sip:a@b SIP/2.0 \r\n\r\n",
	"INVITE sip:a@b SIP/2.0 extra\r\n\r\n",
	"INVITE  sip:a@b SIP/2.0\r\n\r\n",
	"INVITE sip:a@b  SIP/2.0\r\n\r\n",
	"INVITE sip:a@b SIP/3.0\r\n\r\n",
	"INVITE sip:a@b SIP/2.\r\n\r\n",
	" INVITE sip:a@b SIP/2.0\r\n\r\n",
	"INV(TE sip:a@b SIP/2.0\r\n\r\n",
	"INVITE sip:a\x01@b SIP/2.0\r\n\r\n",
	"INVITE sip:a@b SIP/2.0",
	"SIP/2.0 20 OK\r\n\r\n",
	"SIP/2.0 2000 OK\r\n\r\n",
	"SIP/2.0 099 Low\r\n\r\n",
	"SIP/2.0 700 High\r\n\r\n",
	"SIP/2.0 2x0 OK\r\n\r\n",
	"SIP/2.0 200OK\r\n\r\n",
	"SIP/2.0  200 OK\r\n\r\n",
	"SIP/2.0 200 O\x02K\r\n\r\n",
	"SIP/1.0 200 OK\r\n\r\n",
	"HTTP/1.1 200 OK\r\n\r\n",
	"GET / HTTP/1.1\r\n\r\n",
};

START_TEST(t_parse_bad_first)
{
	struct sc_sip_msg m;
	const char *why = NULL;

	ck_assert_msg(t_parse(&m, t_bad_first[_i], &why) == -1,
		      "accepted \"%s\"", t_bad_first[_i]);
	ck_assert_str_eq(why, "bad first line");
}
END_TEST

static const char *const t_bad_clen[] = {
	"abc", "-1", "+1", "1000000001", "99999999999999999999", "", "1 2",
	"0x10", "1,1", "1;x",
};

START_TEST(t_parse_bad_clen)
{
	char msg[256];
	struct sc_sip_msg m;
	const char *why = NULL;

	snprintf(msg, sizeof(msg),
		 "OPTIONS sip:x SIP/2.0\r\nContent-Length: %s\r\n\r\n",
		 t_bad_clen[_i]);
	ck_assert_msg(t_parse(&m, msg, &why) == -1, "accepted CL '%s'",
		      t_bad_clen[_i]);
	ck_assert_str_eq(why, "bad Content-Length");
}
END_TEST

START_TEST(t_parse_clen_twice)
{
	struct sc_sip_msg m;
	const char *why = NULL;

	ck_assert_int_eq(t_parse(&m, "OPTIONS sip:x SIP/2.0\r\n"
				 "Content-Length: 2\r\nl: 3\r\n\r\nabc", &why),
			 -1);
	ck_assert_str_eq(why, "bad Content-Length");
	ck_assert_int_eq(t_parse(&m, "OPTIONS sip:x SIP/2.0\r\n"
				 "Content-Length: 3\r\nl: 3\r\n\r\nabc", &why),
			 0);
	ck_assert_int_eq(m.content_length, 3);
	/* the largest accepted value parses (and then wants its body) */
	ck_assert_int_eq(t_parse(&m, "OPTIONS sip:x SIP/2.0\r\n"
				 "l: 1000000000\r\n\r\nabc", &why), -1);
	ck_assert_str_eq(why, "body shorter than Content-Length");
}
END_TEST

static char *t_many_headers(unsigned n)
{
	size_t cap = 64 + (size_t)n * 16;
	char *s = malloc(cap);
	size_t len;
	unsigned i;

	ck_assert_ptr_nonnull(s);
	len = (size_t)snprintf(s, cap, "OPTIONS sip:x SIP/2.0\r\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "X-%u: %u\r\n", i,
					i);
	snprintf(s + len, cap - len, "\r\n");
	return s;
}

START_TEST(t_parse_header_limit)
{
	struct sc_sip_msg m;
	const char *why = NULL;
	char *s;

	s = t_many_headers(SIP_MAX_HEADERS);
	ck_assert_int_eq(t_parse(&m, s, &why), 0);
	ck_assert_uint_eq(m.nhdrs, SIP_MAX_HEADERS);
	free(s);
	s = t_many_headers(SIP_MAX_HEADERS + 1);
	ck_assert_int_eq(t_parse(&m, s, &why), -1);
	ck_assert_str_eq(why, "too many headers");
	free(s);
}
END_TEST

START_TEST(t_parse_bad_headers)
{
	struct sc_sip_msg m;
	const char *why = NULL;

	ck_assert_int_eq(t_parse(&m, "OPTIONS sip:x SIP/2.0\r\nNoColon\r\n\r\n",
				 &why), -1);
	ck_assert_str_eq(why, "bad header");
	ck_assert_int_eq(t_parse(&m, "OPTIONS sip:x SIP/2.0\r\n: v\r\n\r\n",
				 &why), -1);
	ck_assert_str_eq(why, "bad header");
	ck_assert_int_eq(t_parse(&m, "OPTIONS sip:x SIP/2.0\r\nA(b): v\r\n\r\n",
				 &why), -1);
	ck_assert_str_eq(why, "bad header");
	ck_assert_int_eq(t_parse(&m, "OPTIONS sip:x SIP/2.0\r\nA: b\r\n",
				 &why), -1);
	ck_assert_str_eq(why, "no end of headers");
	ck_assert_int_eq(t_parse(&m, "OPTIONS sip:x SIP/2.0\r\nA: b", &why),
			 -1);
	ck_assert_str_eq(why, "no end of headers");
	/* missing required headers are no parse error */
	ck_assert_int_eq(t_parse(&m, "OPTIONS sip:x SIP/2.0\r\n\r\n", &why), 0);
	ck_assert_uint_eq(m.nhdrs, 0);
	ck_assert_int_eq(sip_find_hdr(&m, SIP_H_VIA), -1);
	/* an empty value is fine */
	ck_assert_int_eq(t_parse(&m, "OPTIONS sip:x SIP/2.0\r\nA:\r\n\r\n",
				 &why), 0);
	ck_sc_str(m.hdrs[0].value, "");
}
END_TEST

/* Every prefix of a message, each in its own exact-size heap buffer. */
START_TEST(t_parse_truncated)
{
	struct sc_sip_msg m;
	const char *why;
	size_t n = strlen(t_invite), hdr_end, i;
	static const char noclen[] =
		"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\nbody";

	for (i = 0; i < n; i++)
		ck_assert_msg(t_parse_n(&m, t_invite, i, &why) == -1,
			      "prefix %zu accepted", i);
	ck_assert_int_eq(t_parse_n(&m, t_invite, n, &why), 0);

	/* without Content-Length a prefix is whole once the headers are */
	hdr_end = (size_t)(strstr(noclen, "\r\n\r\n") - noclen) + 4;
	for (i = 0; i <= strlen(noclen); i++) {
		int r = t_parse_n(&m, noclen, i, &why);

		ck_assert_int_eq(r, i >= hdr_end ? 0 : -1);
		if (r == 0)
			ck_assert_uint_eq(m.body.len, i - hdr_end);
	}
}
END_TEST

START_TEST(t_parse_null)
{
	struct sc_sip_msg m;
	const char *why = NULL;

	ck_assert_int_eq(sip_parse(&m, NULL, 10, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(sip_parse(NULL, "x", 1, &why), -1);
	ck_assert_int_eq(sip_parse(&m, "SIP/2.0 200 OK\r\n\r\n", 18, NULL), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* framer */

#define T_MAX 65536

static const char t_msg_body[] =
	"MESSAGE sip:b@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TLS h.example.com;branch=z9hG4bK1\r\n"
	"Content-Length: 11\r\n"
	"\r\n"
	"hello world";

static const char t_msg_nobody[] =
	"OPTIONS sip:b@example.com SIP/2.0\r\n"
	"l: 0\r\n"
	"\r\n";

START_TEST(t_frame_bytewise)
{
	size_t n = strlen(t_msg_body), i, used;
	const char *why;

	for (i = 0; i < n; i++) {
		used = 99;
		ck_assert_msg(t_frame_n(t_msg_body, i, T_MAX, &used, &why) ==
				      SIP_FRAME_MORE,
			      "prefix %zu not MORE", i);
		ck_assert_uint_eq(used, 0);
	}
	ck_assert_int_eq(t_frame_n(t_msg_body, n, T_MAX, &used, &why),
			 SIP_FRAME_MSG);
	ck_assert_uint_eq(used, n);
}
END_TEST

START_TEST(t_frame_pipelined)
{
	char buf[1024];
	size_t len, off = 0, used;
	const char *why;
	struct sc_sip_msg m;
	static const enum sip_frame_ret want[] = {
		SIP_FRAME_MSG, SIP_FRAME_PING, SIP_FRAME_MSG, SIP_FRAME_SKIP,
		SIP_FRAME_MSG, SIP_FRAME_MORE,
	};
	static const size_t want_used[] = {
		sizeof(t_msg_body) - 1, 4, sizeof(t_msg_nobody) - 1, 2,
		sizeof(t_msg_body) - 1, 0,
	};
	unsigned i;

	len = (size_t)snprintf(buf, sizeof(buf), "%s\r\n\r\n%s\r\n%sOPT",
			       t_msg_body, t_msg_nobody, t_msg_body);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		enum sip_frame_ret r =
			t_frame_n(buf + off, len - off, T_MAX, &used, &why);

		ck_assert_msg(r == want[i], "step %u: got %d want %d", i, r,
			      want[i]);
		ck_assert_uint_eq(used, want_used[i]);
		if (r == SIP_FRAME_MSG) {
			ck_assert_int_eq(t_parse_n(&m, buf + off, used, &why),
					 0);
			ck_assert_int_eq(m.is_request, 1);
		}
		off += used;
	}
	ck_assert_uint_eq(len - off, 3);
}
END_TEST

START_TEST(t_frame_body_split)
{
	size_t n = strlen(t_msg_body), hlen, used;
	const char *why;

	hlen = n - 11;
	ck_assert_int_eq(t_frame_n(t_msg_body, hlen, T_MAX, &used, &why),
			 SIP_FRAME_MORE);
	ck_assert_int_eq(t_frame_n(t_msg_body, hlen + 5, T_MAX, &used, &why),
			 SIP_FRAME_MORE);
	ck_assert_int_eq(t_frame_n(t_msg_body, n - 1, T_MAX, &used, &why),
			 SIP_FRAME_MORE);
	ck_assert_int_eq(t_frame_n(t_msg_body, n, T_MAX, &used, &why),
			 SIP_FRAME_MSG);
	ck_assert_uint_eq(used, n);
}
END_TEST

static enum sip_frame_ret t_frame_hdr(const char *hdrs, const char *rest,
				      size_t max, size_t *used,
				      const char **why)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "OPTIONS sip:x SIP/2.0\r\n%s\r\n%s", hdrs,
		 rest);
	return t_frame(buf, max, used, why);
}

START_TEST(t_frame_clen)
{
	const size_t base = strlen("OPTIONS sip:x SIP/2.0\r\n\r\n");
	size_t used;
	const char *why;

	ck_assert_int_eq(t_frame_hdr("Content-Length: 0\r\n", "NEXT", T_MAX,
				     &used, &why), SIP_FRAME_MSG);
	ck_assert_uint_eq(used, base + 19);
	ck_assert_int_eq(t_frame_hdr("l: 3\r\n", "abcd", T_MAX, &used, &why),
			 SIP_FRAME_MSG);
	ck_assert_uint_eq(used, base + 6 + 3);
	ck_assert_int_eq(t_frame_hdr("L:3\r\n", "abc", T_MAX, &used, &why),
			 SIP_FRAME_MSG);
	ck_assert_int_eq(t_frame_hdr("content-length: 3\r\n", "abc", T_MAX,
				     &used, &why), SIP_FRAME_MSG);
	ck_assert_int_eq(t_frame_hdr("CONTENT-LENGTH \t: 3 \r\n", "abc",
				     T_MAX, &used, &why), SIP_FRAME_MSG);
	ck_assert_int_eq(t_frame_hdr("Content-Length:\r\n 3\r\n", "abc", T_MAX,
				     &used, &why), SIP_FRAME_MSG);
	ck_assert_uint_eq(used, base + 21 + 3);
	/* equal duplicates are fine */
	ck_assert_int_eq(t_frame_hdr("l: 3\r\nContent-Length: 3\r\n", "abc",
				     T_MAX, &used, &why), SIP_FRAME_MSG);

	/* missing: also when it only appears in the body or in other names */
	ck_assert_int_eq(t_frame_hdr("Via: x\r\n", "", T_MAX, &used, &why),
			 SIP_FRAME_BAD);
	ck_assert_str_eq(why, "missing Content-Length on a stream");
	ck_assert_int_eq(t_frame_hdr("Via: x\r\n",
				     "Content-Length: 5\r\n\r\nabcde", T_MAX,
				     &used, &why), SIP_FRAME_BAD);
	ck_assert_str_eq(why, "missing Content-Length on a stream");
	ck_assert_int_eq(t_frame_hdr("X-Content-Length: 1\r\n"
				     "Content-Length-X: 1\r\n"
				     "Subject: x\r\n Content-Length: 1\r\n"
				     "lx: 1\r\n", "a", T_MAX, &used, &why),
			 SIP_FRAME_BAD);
	ck_assert_str_eq(why, "missing Content-Length on a stream");
	/* a body that looks like headers does not change the length */
	ck_assert_int_eq(t_frame_hdr("l: 30\r\n", "Content-Length: 0\r\n\r\n",
				     T_MAX, &used, &why), SIP_FRAME_MORE);

	/* invalid values */
	ck_assert_int_eq(t_frame_hdr("Content-Length: abc\r\n", "", T_MAX,
				     &used, &why), SIP_FRAME_BAD);
	ck_assert_str_eq(why, "bad Content-Length");
	ck_assert_int_eq(t_frame_hdr("Content-Length: -1\r\n", "", T_MAX,
				     &used, &why), SIP_FRAME_BAD);
	ck_assert_int_eq(t_frame_hdr("Content-Length: 3x\r\n", "abc", T_MAX,
				     &used, &why), SIP_FRAME_BAD);
	ck_assert_int_eq(t_frame_hdr("Content-Length:\r\n", "", T_MAX, &used,
				     &why), SIP_FRAME_BAD);
	ck_assert_int_eq(t_frame_hdr("Content-Length: 99999999999999999999\r\n",
				     "", T_MAX, &used, &why), SIP_FRAME_BAD);
	ck_assert_str_eq(why, "bad Content-Length");
	ck_assert_int_eq(t_frame_hdr("l: 2\r\nl: 3\r\n", "abc", T_MAX, &used,
				     &why), SIP_FRAME_BAD);
	ck_assert_str_eq(why, "bad Content-Length");
}
END_TEST

START_TEST(t_frame_too_big)
{
	size_t used, n = strlen(t_msg_body);
	const char *why;

	/* within max exactly */
	ck_assert_int_eq(t_frame(t_msg_body, n, &used, &why), SIP_FRAME_MSG);
	/* the body pushes it over */
	ck_assert_int_eq(t_frame(t_msg_body, n - 1, &used, &why),
			 SIP_FRAME_TOO_BIG);
	/* a large Content-Length is refused before its body arrives */
	ck_assert_int_eq(t_frame_hdr("Content-Length: 5000000\r\n", "",
				     T_MAX, &used, &why), SIP_FRAME_TOO_BIG);
	ck_assert_int_eq(t_frame_hdr("Content-Length: 1000000000\r\n", "",
				     T_MAX, &used, &why), SIP_FRAME_TOO_BIG);
	/* headers without an end, up to max */
	ck_assert_int_eq(t_frame_n(t_msg_body, 40, 41, &used, &why),
			 SIP_FRAME_MORE);
	ck_assert_int_eq(t_frame_n(t_msg_body, 41, 41, &used, &why),
			 SIP_FRAME_TOO_BIG);
	/* headers that end, but past max */
	ck_assert_int_eq(t_frame_n(t_msg_body, n - 11, n - 12, &used, &why),
			 SIP_FRAME_TOO_BIG);
}
END_TEST

START_TEST(t_frame_keepalive)
{
	size_t used;
	const char *why;

	ck_assert_int_eq(t_frame_n("", 0, T_MAX, &used, &why), SIP_FRAME_MORE);
	ck_assert_int_eq(t_frame("\r", T_MAX, &used, &why), SIP_FRAME_MORE);
	ck_assert_int_eq(t_frame("\r\n", T_MAX, &used, &why), SIP_FRAME_MORE);
	ck_assert_int_eq(t_frame("\r\n\r", T_MAX, &used, &why),
			 SIP_FRAME_MORE);
	ck_assert_int_eq(t_frame("\r\n\r\n", T_MAX, &used, &why),
			 SIP_FRAME_PING);
	ck_assert_uint_eq(used, 4);
	ck_assert_int_eq(t_frame("\r\n\r\nOPTIONS", T_MAX, &used, &why),
			 SIP_FRAME_PING);
	ck_assert_uint_eq(used, 4);
	ck_assert_int_eq(t_frame("\r\nOPTIONS", T_MAX, &used, &why),
			 SIP_FRAME_SKIP);
	ck_assert_uint_eq(used, 2);
	ck_assert_int_eq(t_frame("\r\nO", T_MAX, &used, &why),
			 SIP_FRAME_SKIP);
	ck_assert_uint_eq(used, 2);
	ck_assert_int_eq(t_frame("\r\n\rX", T_MAX, &used, &why),
			 SIP_FRAME_SKIP);
	ck_assert_uint_eq(used, 2);
	ck_assert_int_eq(t_frame("\r\n\n", T_MAX, &used, &why),
			 SIP_FRAME_SKIP);
	ck_assert_uint_eq(used, 2);
	ck_assert_int_eq(t_frame("\n", T_MAX, &used, &why), SIP_FRAME_SKIP);
	ck_assert_uint_eq(used, 1);
	/* a CR that starts no line end is left to the parser */
	ck_assert_int_eq(t_frame("\rX", T_MAX, &used, &why), SIP_FRAME_MORE);
}
END_TEST

/* Framer and parser agree on the boundary, also with bare-LF lines. */
START_TEST(t_frame_parse_agree)
{
	static const char *const msgs[] = {
		"OPTIONS sip:x SIP/2.0\nl: 2\n\nab",
		"OPTIONS sip:x SIP/2.0\r\nl: 2\n\r\nab",
		"OPTIONS sip:x SIP/2.0\r\nSubject: a\r\n b\r\nl:\r\n\t2\r\n\r\nab",
	};
	struct sc_sip_msg m;
	size_t used, n;
	const char *why;
	unsigned i;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		char buf[256];

		n = (size_t)snprintf(buf, sizeof(buf), "%sNEXT MESSAGE",
				     msgs[i]);
		ck_assert_int_eq(t_frame_n(buf, n, T_MAX, &used, &why),
				 SIP_FRAME_MSG);
		ck_assert_uint_eq(used, strlen(msgs[i]));
		ck_assert_int_eq(t_parse_n(&m, buf, used, &why), 0);
		ck_assert_int_eq(m.content_length, 2);
		ck_assert_ptr_eq(m.body.s + m.body.len, m.buf + used);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* replies */

static struct sockaddr_storage t_ss;

static const struct sockaddr *t_v4(const char *ip, unsigned port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&t_ss;

	memset(&t_ss, 0, sizeof(t_ss));
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	ck_assert_int_eq(inet_pton(AF_INET, ip, &in->sin_addr), 1);
	return (const struct sockaddr *)&t_ss;
}

static const struct sockaddr *t_v6(const char *ip, unsigned port)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&t_ss;

	memset(&t_ss, 0, sizeof(t_ss));
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((uint16_t)port);
	ck_assert_int_eq(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
	return (const struct sockaddr *)&t_ss;
}

static const char t_options[] =
	"OPTIONS sip:edge.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bK776asdhds;rport\r\n"
	"Max-Forwards: 70\r\n"
	"To: <sip:edge.example.com>\r\n"
	"From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
	"CSeq: 63104 OPTIONS\r\n"
	"Contact: <sip:alice@pc33.example.com>\r\n"
	"Accept: application/sdp\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

START_TEST(t_reply_options_exact)
{
	static const char want[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bK776asdhds;"
		"rport=40001;received=198.51.100.7\r\n"
		"From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
		"To: <sip:edge.example.com>;tag=sc-abc\r\n"
		"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
		"CSeq: 63104 OPTIONS\r\n"
		"Server: sipcore/0.1\r\n"
		"Allow: INVITE, ACK, OPTIONS\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	struct sc_sip_msg m, r;
	char out[1024];
	const char *why;
	int n;

	ck_assert_int_eq(t_parse(&m, t_options, &why), 0);
	n = sip_reply_build(&m, t_v4("198.51.100.7", 40001), 200, NULL,
			    "sc-abc", "sipcore/0.1",
			    "Allow: INVITE, ACK, OPTIONS\r\n", out,
			    sizeof(out));
	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert_str_eq(out, want);
	/* and it parses as a reply */
	ck_assert_int_eq(sip_parse(&r, out, (size_t)n, &why), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.content_length, 0);
}
END_TEST

/* Build a reply to @req from @src and return the text of line @line. */
static const char *t_reply(const char *req, const struct sockaddr *src,
			   const char *totag, char *out, size_t outlen)
{
	struct sc_sip_msg m;
	const char *why;

	ck_assert_int_eq(t_parse(&m, req, &why), 0);
	ck_assert_int_gt(sip_reply_build(&m, src, 200, NULL, totag, NULL,
					 NULL, out, outlen), 0);
	return out;
}

#define T_REQ(via, to)                                                        \
	"OPTIONS sip:x SIP/2.0\r\n" via "From: <sip:a@x>;tag=f\r\n"           \
	"To: " to "\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n"

/* The Via lines of a reply, joined. */
static void t_vias(const char *reply, char *vias, size_t cap)
{
	const char *p = reply;
	size_t len = 0;

	vias[0] = '\0';
	while ((p = strstr(p, "\r\nVia: "))) {
		const char *e = strstr(p + 2, "\r\n");

		len += (size_t)snprintf(vias + len, cap - len, "%.*s|",
					(int)(e - p - 2), p + 2);
		p = e;
	}
}

START_TEST(t_reply_vias_in_order)
{
	char out[2048], vias[1024];

	t_reply(T_REQ("Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
		      "Max-Forwards: 70\r\n"
		      "v: SIP/2.0/TCP b.example.com;branch=z9hG4bK2, "
		      "SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n"
		      "Via: SIP/2.0/UDP d.example.com;branch=z9hG4bK4;"
		      "rport;received=1.2.3.4\r\n",
		      "<sip:x>"),
		t_v4("192.0.2.1", 5060), NULL, out, sizeof(out));
	t_vias(out, vias, sizeof(vias));
	/* only the top value is edited; compact names come out in full */
	ck_assert_str_eq(vias,
			 "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1|"
			 "Via: SIP/2.0/TCP b.example.com;branch=z9hG4bK2, "
			 "SIP/2.0/UDP c.example.com;branch=z9hG4bK3|"
			 "Via: SIP/2.0/UDP d.example.com;branch=z9hG4bK4;"
			 "rport;received=1.2.3.4|");
}
END_TEST

START_TEST(t_reply_multi_value_top)
{
	char out[2048], vias[1024];

	t_reply(T_REQ("Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1 , "
		      "SIP/2.0/UDP b.example.com;branch=z9hG4bK2;rport\r\n",
		      "<sip:x>"),
		t_v4("203.0.113.5", 5062), NULL, out, sizeof(out));
	t_vias(out, vias, sizeof(vias));
	ck_assert_str_eq(vias,
			 "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1;"
			 "received=203.0.113.5 , SIP/2.0/UDP b.example.com;"
			 "branch=z9hG4bK2;rport|");
}
END_TEST

struct t_via_case {
	const char *via;
	const char *ip;
	unsigned port;
	const char *want;
};

static const struct t_via_case t_via_cases[] = {
	/* sent-by is the source: nothing to add (RFC 3261 18.2.1) */
	{ "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1", "192.0.2.1", 5060,
	  "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1" },
	{ "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1", "192.0.2.1", 7000,
	  "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1" },
	/* differs, or a name: received */
	{ "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1", "192.0.2.99", 5060,
	  "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;received=192.0.2.99" },
	{ "SIP/2.0/TLS pc.example.com;branch=z9hG4bK1", "192.0.2.1", 5061,
	  "SIP/2.0/TLS pc.example.com;branch=z9hG4bK1;received=192.0.2.1" },
	/* rport (any case): its value, and received even when the host
	 * matches */
	{ "SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK1", "192.0.2.1",
	  5070,
	  "SIP/2.0/UDP 192.0.2.1:5060;rport=5070;branch=z9hG4bK1;"
	  "received=192.0.2.1" },
	{ "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;RPort", "192.0.2.7",
	  1024,
	  "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport=1024;"
	  "received=192.0.2.7" },
	{ "SIP/2.0/UDP 10.0.0.1;rport=1;branch=z9hG4bK1", "192.0.2.7", 9,
	  "SIP/2.0/UDP 10.0.0.1;rport=9;branch=z9hG4bK1;received=192.0.2.7" },
	/* an existing received is replaced, in place */
	{ "SIP/2.0/UDP 10.0.0.1;received=1.1.1.1;branch=z9hG4bK1", "192.0.2.7",
	  5060,
	  "SIP/2.0/UDP 10.0.0.1;received=192.0.2.7;branch=z9hG4bK1" },
	{ "SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK1;received=1.1.1.1;rport",
	  "192.0.2.7", 5080,
	  "SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK1;received=192.0.2.7;"
	  "rport=5080" },
	/* blanks the grammar allows around separators */
	{ "SIP / 2.0 / UDP 192.0.2.1 : 5060 ; branch=z9hG4bK1 ; rport",
	  "192.0.2.1", 6000,
	  "SIP / 2.0 / UDP 192.0.2.1 : 5060 ; branch=z9hG4bK1 ;rport=6000;"
	  "received=192.0.2.1" },
	/* IPv6: compared as addresses, received without brackets */
	{ "SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bK1", "2001:db8::1",
	  5061, "SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bK1" },
	{ "SIP/2.0/TLS [2001:DB8:0:0::1];branch=z9hG4bK1", "2001:db8::1",
	  5061, "SIP/2.0/TLS [2001:DB8:0:0::1];branch=z9hG4bK1" },
	{ "SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bK1", "2001:db8::2",
	  5061,
	  "SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bK1;"
	  "received=2001:db8::2" },
	{ "SIP/2.0/TCP [::1];rport;branch=z9hG4bK1", "::1", 40000,
	  "SIP/2.0/TCP [::1];rport=40000;branch=z9hG4bK1;received=::1" },
	{ "SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1;received=[2001:db8::9]",
	  "2001:db8::2", 5060,
	  "SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1;received=2001:db8::2" },
	/* an IPv4 peer on a dual-stack socket */
	{ "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1", "::ffff:192.0.2.1", 5060,
	  "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1" },
	{ "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1;rport", "::ffff:192.0.2.1",
	  5060,
	  "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1;rport=5060;"
	  "received=192.0.2.1" },
	/* a quoted parameter value with a comma stays in the top value */
	{ "SIP/2.0/UDP h.example.com;x=\"a,b\";rport,SIP/2.0/UDP other",
	  "192.0.2.1", 1,
	  "SIP/2.0/UDP h.example.com;x=\"a,b\";rport=1;received=192.0.2.1,"
	  "SIP/2.0/UDP other" },
	/* a Via it cannot read still gets received */
	{ "garbage", "192.0.2.1", 1, "garbage;received=192.0.2.1" },
	/* folded: unfolded in the reply */
	{ "SIP/2.0/UDP 192.0.2.1\r\n ;branch=z9hG4bK1", "192.0.2.1", 1,
	  "SIP/2.0/UDP 192.0.2.1 ;branch=z9hG4bK1" },
};

START_TEST(t_reply_received_rport)
{
	const struct t_via_case *c = &t_via_cases[_i];
	char req[512], out[2048], vias[1024], want[512];
	const struct sockaddr *src;

	snprintf(req, sizeof(req), T_REQ("Via: %s\r\n", "<sip:x>"), c->via);
	src = strchr(c->ip, ':') ? t_v6(c->ip, c->port) : t_v4(c->ip, c->port);
	t_reply(req, src, NULL, out, sizeof(out));
	t_vias(out, vias, sizeof(vias));
	snprintf(want, sizeof(want), "Via: %s|", c->want);
	ck_assert_str_eq(vias, want);
}
END_TEST

struct t_to_case {
	const char *to;
	const char *want;
};

static const struct t_to_case t_to_cases[] = {
	{ "<sip:b@x>", "To: <sip:b@x>;tag=T1" },
	{ "Bob <sip:b@x>;tag=abc", "To: Bob <sip:b@x>;tag=abc" },
	{ "<sip:b@x> ; TAG = abc", "To: <sip:b@x> ; TAG = abc" },
	{ "<sip:b@x;tag=inuri>", "To: <sip:b@x;tag=inuri>;tag=T1" },
	{ "\"x;tag=1 <y>\" <sip:b@x>", "To: \"x;tag=1 <y>\" <sip:b@x>;tag=T1" },
	{ "sip:b@x;tag=abc", "To: sip:b@x;tag=abc" },
	{ "sip:b@x", "To: sip:b@x;tag=T1" },
	{ "<sip:b@x>;tagx=1", "To: <sip:b@x>;tagx=1;tag=T1" },
	{ "<sip:b@x>;\r\n tag=1", "To: <sip:b@x>; tag=1" },
};

START_TEST(t_reply_to_tag)
{
	const struct t_to_case *c = &t_to_cases[_i];
	char req[512], out[2048], want[256];

	snprintf(req, sizeof(req), T_REQ("Via: SIP/2.0/UDP h\r\n", "%s"),
		 c->to);
	t_reply(req, t_v4("192.0.2.1", 5060), "T1", out, sizeof(out));
	snprintf(want, sizeof(want), "\r\n%s\r\n", c->want);
	ck_assert_msg(strstr(out, want) != NULL, "want %s in:\n%s", c->want,
		      out);
}
END_TEST

START_TEST(t_reply_no_totag)
{
	char out[2048];

	t_reply(T_REQ("Via: SIP/2.0/UDP h\r\n", "<sip:b@x>"),
		t_v4("192.0.2.1", 5060), NULL, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "\r\nTo: <sip:b@x>\r\n"));
	t_reply(T_REQ("Via: SIP/2.0/UDP h\r\n", "<sip:b@x>"),
		t_v4("192.0.2.1", 5060), "", out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "\r\nTo: <sip:b@x>\r\n"));
}
END_TEST

START_TEST(t_reply_missing)
{
	static const char *const reqs[] = {
		"OPTIONS sip:x SIP/2.0\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\n"
		"CSeq: 1 OPTIONS\r\n\r\n",
		"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: b\r\n"
		"Call-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
		"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: a\r\n"
		"Call-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
		"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: a\r\n"
		"To: b\r\nCSeq: 1 OPTIONS\r\n\r\n",
		"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: a\r\n"
		"To: b\r\nCall-ID: c\r\n\r\n",
	};
	static const char full[] =
		"OPTIONS sip:x SIP/2.0\r\nv: SIP/2.0/UDP h\r\nf: a\r\nt: b\r\n"
		"i: c\r\nCSeq: 1 OPTIONS\r\n\r\n";
	struct sc_sip_msg m;
	const char *why;
	char out[1024];
	unsigned i;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		ck_assert_int_eq(t_parse(&m, reqs[i], &why), 0);
		ck_assert_int_eq(sip_reply_build(&m, t_v4("192.0.2.1", 1), 400,
						 NULL, "t", NULL, NULL, out,
						 sizeof(out)), -1);
	}
	/* compact forms satisfy the builder, and come out in full */
	ck_assert_int_eq(t_parse(&m, full, &why), 0);
	ck_assert_int_gt(sip_reply_build(&m, t_v4("192.0.2.1", 1), 400, NULL,
					 "t", NULL, NULL, out, sizeof(out)),
			 0);
	ck_assert_str_eq(out, "SIP/2.0 400 Bad Request\r\n"
			 "Via: SIP/2.0/UDP h;received=192.0.2.1\r\n"
			 "From: a\r\nTo: b;tag=t\r\nCall-ID: c\r\n"
			 "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
}
END_TEST

START_TEST(t_reply_small_buffer)
{
	struct sc_sip_msg m;
	const char *why;
	char big[1024], *out;
	size_t need, len;
	int n;

	ck_assert_int_eq(t_parse(&m, t_options, &why), 0);
	n = sip_reply_build(&m, t_v4("198.51.100.7", 40001), 486, NULL, "x",
			    "srv", "Retry-After: 5\r\n", big, sizeof(big));
	ck_assert_int_gt(n, 0);
	need = (size_t)n + 1; /* the text and its NUL */
	for (len = 0; len <= need; len++) {
		out = t_alloc(len);
		n = sip_reply_build(&m, t_v4("198.51.100.7", 40001), 486, NULL,
				    "x", "srv", "Retry-After: 5\r\n", out, len);
		if (len < need) {
			ck_assert_msg(n == -1, "outlen %zu gave %d", len, n);
		} else {
			ck_assert_int_eq(n, (int)need - 1);
			ck_assert_str_eq(out, big);
		}
	}
}
END_TEST

START_TEST(t_reply_misc)
{
	struct sc_sip_msg m;
	const char *why;
	char out[1024];

	ck_assert_int_eq(t_parse(&m, t_options, &why), 0);
	/* own reason, unknown code, default reason */
	ck_assert_int_gt(sip_reply_build(&m, t_v4("192.0.2.10", 1), 480,
					 "Gone Fishing", NULL, NULL, NULL, out,
					 sizeof(out)), 0);
	ck_assert_int_eq(strncmp(out, "SIP/2.0 480 Gone Fishing\r\n", 26), 0);
	ck_assert_int_gt(sip_reply_build(&m, t_v4("192.0.2.10", 1), 299, NULL,
					 NULL, NULL, NULL, out, sizeof(out)),
			 0);
	ck_assert_int_eq(strncmp(out, "SIP/2.0 299 \r\n", 14), 0);
	ck_assert_int_gt(sip_reply_build(&m, t_v4("192.0.2.10", 1), 513, NULL,
					 NULL, "", NULL, out, sizeof(out)), 0);
	ck_assert_int_eq(strncmp(out, "SIP/2.0 513 Message Too Large\r\n", 31),
			 0);
	ck_assert_ptr_null(strstr(out, "Server:"));
	/* an extra block without its final CRLF gets one */
	ck_assert_int_gt(sip_reply_build(&m, t_v4("192.0.2.10", 1), 200, NULL,
					 NULL, NULL, "Allow: OPTIONS", out,
					 sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out,
				     "\r\nAllow: OPTIONS\r\nContent-Length: 0"));

	/* refused: line breaks in our own texts, bad codes, no source */
	ck_assert_int_eq(sip_reply_build(&m, t_v4("192.0.2.10", 1), 200,
					 "OK\r\nX: y", NULL, NULL, NULL, out,
					 sizeof(out)), -1);
	ck_assert_int_eq(sip_reply_build(&m, t_v4("192.0.2.10", 1), 200, NULL,
					 "a\nb", NULL, NULL, out, sizeof(out)),
			 -1);
	ck_assert_int_eq(sip_reply_build(&m, t_v4("192.0.2.10", 1), 200, NULL,
					 NULL, "s\r", NULL, out, sizeof(out)),
			 -1);
	ck_assert_int_eq(sip_reply_build(&m, t_v4("192.0.2.10", 1), 99, NULL,
					 NULL, NULL, NULL, out, sizeof(out)),
			 -1);
	ck_assert_int_eq(sip_reply_build(&m, t_v4("192.0.2.10", 1), 700, NULL,
					 NULL, NULL, NULL, out, sizeof(out)),
			 -1);
	ck_assert_int_eq(sip_reply_build(&m, NULL, 200, NULL, NULL, NULL, NULL,
					 out, sizeof(out)), -1);
	/* no reply to a reply */
	ck_assert_int_eq(t_parse(&m, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n"
				 "From: a\r\nTo: b\r\nCall-ID: c\r\n"
				 "CSeq: 1 OPTIONS\r\n\r\n", &why), 0);
	ck_assert_int_eq(sip_reply_build(&m, t_v4("192.0.2.10", 1), 200, NULL,
					 NULL, NULL, NULL, out, sizeof(out)),
			 -1);
}
END_TEST

START_TEST(t_reason_phrases)
{
	ck_assert_str_eq(sip_reason_phrase(100), "Trying");
	ck_assert_str_eq(sip_reason_phrase(180), "Ringing");
	ck_assert_str_eq(sip_reason_phrase(200), "OK");
	ck_assert_str_eq(sip_reason_phrase(302), "Moved Temporarily");
	ck_assert_str_eq(sip_reason_phrase(407),
			 "Proxy Authentication Required");
	ck_assert_str_eq(sip_reason_phrase(420), "Bad Extension");
	ck_assert_str_eq(sip_reason_phrase(421), "Extension Required");
	ck_assert_str_eq(sip_reason_phrase(481),
			 "Call/Transaction Does Not Exist");
	ck_assert_str_eq(sip_reason_phrase(494),
			 "Security Agreement Required");
	ck_assert_str_eq(sip_reason_phrase(501), "Not Implemented");
	ck_assert_str_eq(sip_reason_phrase(504), "Server Time-out");
	ck_assert_str_eq(sip_reason_phrase(513), "Message Too Large");
	ck_assert_str_eq(sip_reason_phrase(603), "Decline");
	ck_assert_str_eq(sip_reason_phrase(606), "Not Acceptable");
	ck_assert_str_eq(sip_reason_phrase(0), "");
	ck_assert_str_eq(sip_reason_phrase(299), "");
	ck_assert_str_eq(sip_reason_phrase(-1), "");
}
END_TEST

static Suite *t_suite(void)
{
	Suite *s = suite_create("sip");
	TCase *tp = tcase_create("parse");
	TCase *tf = tcase_create("frame");
	TCase *tr = tcase_create("reply");

	tcase_add_checked_fixture(tp, t_setup, t_teardown);
	tcase_add_test(tp, t_parse_request);
	tcase_add_test(tp, t_parse_reply);
	tcase_add_test(tp, t_parse_compact);
	tcase_add_test(tp, t_parse_first_occurrence);
	tcase_add_test(tp, t_parse_folded);
	tcase_add_test(tp, t_parse_lf_only);
	tcase_add_test(tp, t_parse_body);
	tcase_add_loop_test(tp, t_parse_bad_first, 0,
			    sizeof(t_bad_first) / sizeof(t_bad_first[0]));
	tcase_add_loop_test(tp, t_parse_bad_clen, 0,
			    sizeof(t_bad_clen) / sizeof(t_bad_clen[0]));
	tcase_add_test(tp, t_parse_clen_twice);
	tcase_add_test(tp, t_parse_header_limit);
	tcase_add_test(tp, t_parse_bad_headers);
	tcase_add_test(tp, t_parse_truncated);
	tcase_add_test(tp, t_parse_null);
	suite_add_tcase(s, tp);

	tcase_add_checked_fixture(tf, t_setup, t_teardown);
	tcase_add_test(tf, t_frame_bytewise);
	tcase_add_test(tf, t_frame_pipelined);
	tcase_add_test(tf, t_frame_body_split);
	tcase_add_test(tf, t_frame_clen);
	tcase_add_test(tf, t_frame_too_big);
	tcase_add_test(tf, t_frame_keepalive);
	tcase_add_test(tf, t_frame_parse_agree);
	suite_add_tcase(s, tf);

	tcase_add_checked_fixture(tr, t_setup, t_teardown);
	tcase_add_test(tr, t_reply_options_exact);
	tcase_add_test(tr, t_reply_vias_in_order);
	tcase_add_test(tr, t_reply_multi_value_top);
	tcase_add_loop_test(tr, t_reply_received_rport, 0,
			    sizeof(t_via_cases) / sizeof(t_via_cases[0]));
	tcase_add_loop_test(tr, t_reply_to_tag, 0,
			    sizeof(t_to_cases) / sizeof(t_to_cases[0]));
	tcase_add_test(tr, t_reply_no_totag);
	tcase_add_test(tr, t_reply_missing);
	tcase_add_test(tr, t_reply_small_buffer);
	tcase_add_test(tr, t_reply_misc);
	tcase_add_test(tr, t_reason_phrases);
	suite_add_tcase(s, tr);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(t_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

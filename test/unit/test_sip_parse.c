/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the SIP parser (core/sip_msg.c) (prefix: t_). */
#include "sip_test.h"

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
	ck_str_eq(m.method, "INVITE");
	ck_str_eq(m.ruri, "sip:bob@biloxi.example.com");
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
	ck_str_eq(m.hdrs[9].name, "X-Custom");
	ck_str_eq(m.hdrs[9].line, "X-Custom: anything goes");
	ck_assert_int_eq(m.content_length, 4);
	ck_str_eq(m.body, "v=0\n");

	/* the module-facing accessors */
	ck_assert_int_eq(sc_sip_is_request(&m), 1);
	ck_str_eq(sc_sip_method(&m), "INVITE");
	ck_assert_int_eq(sc_sip_status(&m), 0);
	ck_str_eq(sc_sip_body(&m), "v=0\n");
	ck_assert_uint_eq(sc_sip_raw(&m).len, strlen(t_invite));
	ck_assert_int_eq(memcmp(sc_sip_raw(&m).s, t_invite, strlen(t_invite)),
			 0);
	ck_assert_int_eq(sc_sip_header(&m, "call-id", &v), 0);
	ck_str_eq(v, "3848276298220188511@atlanta.example.com");
	ck_assert_int_eq(sc_sip_header(&m, "i", &v), 0);
	ck_str_eq(v, "3848276298220188511@atlanta.example.com");
	ck_assert_int_eq(sc_sip_header(&m, "x-custom", &v), 0);
	ck_str_eq(v, "anything goes");
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
	ck_str_eq(m.reason, "Ringing");
	ck_assert_int_eq(sc_sip_is_request(&m), 0);
	ck_assert_int_eq(sc_sip_status(&m), 180);
	ck_str_eq(sc_sip_method(&m), "");
	ck_assert_int_eq(m.content_length, -1);
	ck_assert_uint_eq(m.body.len, 0);

	ck_assert_int_eq(t_parse(&m, "SIP/2.0 404 Not  Found here\r\n\r\n",
				 &why), 0);
	ck_assert_int_eq(m.status, 404);
	ck_str_eq(m.reason, "Not  Found here");
	ck_assert_int_eq(t_parse(&m, "SIP/2.0 200 \r\n\r\n", &why), 0);
	ck_assert_int_eq(m.status, 200);
	ck_str_eq(m.reason, "");
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
	ck_str_eq(m.hdrs[2].name, "T");
	ck_hdr(&m, SIP_H_CALLID, "cid-1");
	ck_hdr(&m, SIP_H_CSEQ, "5 MESSAGE");
	ck_hdr(&m, SIP_H_CONTACT, "<sip:a@h.example.com>");
	ck_hdr(&m, SIP_H_CTYPE, "text/plain");
	ck_assert_int_eq(m.content_length, 2);
	ck_str_eq(m.body, "hi");

	/* full-name lookups find compact headers and the other way round */
	ck_assert_int_eq(sc_sip_header(&m, "Via", &v), 0);
	ck_str_eq(v, "SIP/2.0/TCP h.example.com;branch=z9hG4bKx");
	ck_assert_int_eq(sc_sip_header(&m, "CONTENT-LENGTH", &v), 0);
	ck_str_eq(v, "2");
	ck_assert_int_eq(sc_sip_header(&m, "Supported", &v), 0);
	ck_str_eq(v, "path");
	ck_assert_int_eq(sc_sip_header(&m, "CSeq", &v), 0);
	ck_str_eq(v, "5 MESSAGE");
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
	ck_str_eq(v, "SIP/2.0/UDP one;branch=z9hG4bK1");
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
	ck_str_eq(m.hdrs[0].value, "I know you're there,\r\n"
		  "     pick up the phone   \r\n\tand talk to me!");
	ck_str_eq(m.hdrs[0].line, "Subject: I know you're there,\r\n"
		  "     pick up the phone   \r\n\tand talk to me!");
	ck_hdr(&m, SIP_H_VIA, "SIP/2.0/UDP h.example.com;branch=z9hG4bK9");
	ck_str_eq(m.hdrs[1].line,
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
	ck_str_eq(m.ruri, "sip:x@example.com");
	ck_hdr(&m, SIP_H_VIA, "SIP/2.0/UDP h;branch=z9hG4bK1");
	ck_hdr(&m, SIP_H_TO, "<sip:x@example.com>");
	ck_str_eq(m.hdrs[2].value, "a\n b");
	ck_str_eq(m.body, "abc");
	/* CRLF then a bare LF as the empty line */
	ck_assert_int_eq(t_parse(&m, "OPTIONS sip:x SIP/2.0\r\nA: b\r\n\nxy",
				 &why), 0);
	ck_str_eq(m.body, "xy");
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
	ck_str_eq(m.body, "hello\r\nworld");
	/* Content-Length shorter than the datagram truncates */
	ck_assert_int_eq(t_parse(&m, "MESSAGE sip:x SIP/2.0\r\nl: 5\r\n\r\n"
				 "hello\r\nworld", &why), 0);
	ck_str_eq(m.body, "hello");
	ck_assert_int_eq(t_parse(&m, "MESSAGE sip:x SIP/2.0\r\nl: 0\r\n\r\n"
				 "junk", &why), 0);
	ck_assert_uint_eq(m.body.len, 0);
	ck_assert_int_eq(m.content_length, 0);
	/* exactly the body */
	ck_assert_int_eq(t_parse(&m, "MESSAGE sip:x SIP/2.0\r\nl: 5\r\n\r\n"
				 "hello", &why), 0);
	ck_str_eq(m.body, "hello");
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
	"abc", "-1", "+1", "", "1 2", "0x10", "1,1", "1;x",
};

START_TEST(t_parse_huge_clen)
{
	static const char *const v[] = { "1000000001", "99999999999999999999",
					  "18446744073709551616" };
	char msg[256];
	struct sc_sip_msg m;
	const char *why = NULL;

	snprintf(msg, sizeof(msg),
		 "OPTIONS sip:x SIP/2.0\r\nContent-Length: %s\r\n\r\n", v[_i]);
	ck_assert_int_eq(t_parse(&m, msg, &why), -1);
	ck_assert_str_eq(why, "Content-Length too large");
}
END_TEST

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
	ck_str_eq(m.hdrs[0].value, "");
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

int main(void)
{
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, t_parse_request);
	tcase_add_test(tc, t_parse_reply);
	tcase_add_test(tc, t_parse_compact);
	tcase_add_test(tc, t_parse_first_occurrence);
	tcase_add_test(tc, t_parse_folded);
	tcase_add_test(tc, t_parse_lf_only);
	tcase_add_test(tc, t_parse_body);
	tcase_add_loop_test(tc, t_parse_bad_first, 0,
			    sizeof(t_bad_first) / sizeof(t_bad_first[0]));
	tcase_add_loop_test(tc, t_parse_bad_clen, 0,
			    sizeof(t_bad_clen) / sizeof(t_bad_clen[0]));
	tcase_add_loop_test(tc, t_parse_huge_clen, 0, 3);
	tcase_add_test(tc, t_parse_clen_twice);
	tcase_add_test(tc, t_parse_header_limit);
	tcase_add_test(tc, t_parse_bad_headers);
	tcase_add_test(tc, t_parse_truncated);
	tcase_add_test(tc, t_parse_null);
	return t_run("sip_parse", tc);
}

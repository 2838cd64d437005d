/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: outgoing copies with proxy edits (prefix: t_).
 *
 * Messages are parsed from exact-size heap copies, and outputs are written
 * into exact-size heap buffers (t_buf.h): under AddressSanitizer a write
 * past the limit, or a read past the input, is caught.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_edit.h"
#include "sip_msg.h"
#include "t_buf.h"

static void t_parse(struct sc_sip_msg *m, const char *s)
{
	const char *why = NULL;

	ck_assert_msg(sip_parse(m, tb_str(s), strlen(s), &why) == 0, "%s",
		      why ? why : "?");
}

/*
 * Build @m with @e, checking the hard limit on the way: every smaller
 * buffer fails, the exact size works. Returns the output (NUL-terminated
 * copy), or NULL when the build fails at every size.
 */
static const char *t_build(const struct sc_sip_msg *m,
			   const struct sip_edit *e)
{
	static char big[8192];
	char *exact, *res;
	int n, k;

	n = sip_edit_build(m, e, big, sizeof(big));
	if (n < 0)
		return NULL;
	for (k = 0; k < n; k++) {
		char *small = malloc(k ? (size_t)k : 1);
		int r;

		ck_assert_ptr_nonnull(small);
		r = sip_edit_build(m, e, small, (size_t)k);
		free(small);
		ck_assert_msg(r == -1, "fit in %d of %d bytes", k, n);
	}
	exact = tb_alloc((size_t)n);
	ck_assert_int_eq(sip_edit_build(m, e, exact, (size_t)n), n);
	ck_assert(!memcmp(exact, big, (size_t)n));
	res = tb_alloc((size_t)n + 1);
	memcpy(res, big, (size_t)n);
	res[n] = '\0';
	return res;
}

/* The output parses again, with the same body. */
static void t_reparse(const char *out, const struct sc_sip_msg *orig)
{
	struct sc_sip_msg m;

	t_parse(&m, out);
	ck_assert_uint_eq(m.body.len, orig->body.len);
	ck_assert(!memcmp(m.body.s, orig->body.s, m.body.len));
}

#define T_SDP                                                                  \
	"v=0\r\n"                                                              \
	"o=alice 2890844526 2890844526 IN IP4 client.atlanta.example.com\r\n" \
	"s=-\r\n"                                                              \
	"c=IN IP4 192.0.2.101\r\n"                                             \
	"t=0 0\r\n"                                                            \
	"m=audio 49172 RTP/AVP 0\r\n"

static const char t_invite[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TLS client.atlanta.example.com:5061;branch=z9hG4bK74bf9"
	";rport\r\n"
	"Max-Forwards: 70\r\n"
	"Route: <sip:edge.example.com;lr>, <sip:core.example.com;lr>\r\n"
	"Route: <sip:last.example.com;lr>\r\n"
	"From: Alice <sips:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
	"To: Bob <sips:bob@biloxi.example.com>\r\n"
	"Call-ID: 3848276298220188511@atlanta.example.com\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sips:alice@client.atlanta.example.com;transport=tls>\r\n"
	"X-Peer-Cert: forged\r\n"
	"Subject: a folded\r\n"
	"  header line\r\n"
	"x-peer-cert: forged again\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 129\r\n"
	"\r\n"
	T_SDP;

START_TEST(t_copy)
{
	struct sc_sip_msg m;
	struct sip_edit e;
	const char *out;

	t_parse(&m, t_invite);
	ck_assert_uint_eq(m.body.len, 129);
	sip_edit_init(&e);
	out = t_build(&m, &e);
	ck_assert_ptr_nonnull(out);
	/* a plain copy only unfolds */
	ck_assert_str_eq(out,
		"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/TLS client.atlanta.example.com:5061;"
		"branch=z9hG4bK74bf9;rport\r\n"
		"Max-Forwards: 70\r\n"
		"Route: <sip:edge.example.com;lr>, <sip:core.example.com;lr>\r\n"
		"Route: <sip:last.example.com;lr>\r\n"
		"From: Alice <sips:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
		"To: Bob <sips:bob@biloxi.example.com>\r\n"
		"Call-ID: 3848276298220188511@atlanta.example.com\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sips:alice@client.atlanta.example.com;transport=tls>"
		"\r\n"
		"X-Peer-Cert: forged\r\n"
		"Subject: a folded  header line\r\n"
		"x-peer-cert: forged again\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 129\r\n"
		"\r\n"
		T_SDP);
	t_reparse(out, &m);
}
END_TEST

/* What the edge does to an INVITE from a TLS client going inside. */
START_TEST(t_invite_outward)
{
	struct sc_sip_msg m;
	struct sip_edit e;
	const char *out;

	t_parse(&m, t_invite);
	sip_edit_init(&e);
	e.via = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-abcdefghijklmnop";
	e.rr[0] = "<sip:tok@192.0.2.1;transport=udp;lr>";
	e.rr[1] = "<sips:tok@edge.example.com;lr>";
	e.drop_first_route = 1;
	e.maxfwd = 69;
	e.remove[0] = "X-Peer-Cert";
	e.add = "X-Peer-Cert: verified=1\r\n";
	out = t_build(&m, &e);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out,
		"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;"
		"branch=z9hG4bK-abcdefghijklmnop\r\n"
		"Record-Route: <sip:tok@192.0.2.1;transport=udp;lr>\r\n"
		"Record-Route: <sips:tok@edge.example.com;lr>\r\n"
		"Via: SIP/2.0/TLS client.atlanta.example.com:5061;"
		"branch=z9hG4bK74bf9;rport\r\n"
		"Max-Forwards: 69\r\n"
		"Route: <sip:core.example.com;lr>\r\n"
		"Route: <sip:last.example.com;lr>\r\n"
		"From: Alice <sips:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
		"To: Bob <sips:bob@biloxi.example.com>\r\n"
		"Call-ID: 3848276298220188511@atlanta.example.com\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sips:alice@client.atlanta.example.com;transport=tls>"
		"\r\n"
		"Subject: a folded  header line\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 129\r\n"
		"X-Peer-Cert: verified=1\r\n"
		"\r\n"
		T_SDP);
	t_reparse(out, &m);
}
END_TEST

/* Strict-router fix-up (RFC 3261 16.4): the last Route becomes the R-URI. */
START_TEST(t_strict_router)
{
	struct sc_sip_msg m;
	struct sip_edit e;
	const char *out;

	t_parse(&m, t_invite);
	sip_edit_init(&e);
	e.ruri.s = "sip:last.example.com;lr";
	e.ruri.len = strlen(e.ruri.s);
	e.drop_last_route = 1;
	out = t_build(&m, &e);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(strncmp(out, "INVITE sip:last.example.com;lr "
				 "SIP/2.0\r\n", 40), 0);
	ck_assert_ptr_nonnull(strstr(out, "\r\nRoute: <sip:edge.example.com;"
				     "lr>, <sip:core.example.com;lr>\r\nFrom:"));
	ck_assert_ptr_null(strstr(out, "last.example.com;lr>"));
	t_reparse(out, &m);

	/* both ends of a two-value list, and of a one-value list */
	t_parse(&m, "OPTIONS sip:me SIP/2.0\r\n"
		"Route: <sip:a;lr>, <sip:b;lr>\r\nCall-ID: c\r\n\r\n");
	e.drop_first_route = 1;
	out = t_build(&m, &e);
	ck_assert_str_eq(out, "OPTIONS sip:last.example.com;lr SIP/2.0\r\n"
			 "Call-ID: c\r\n\r\n");
	t_parse(&m, "OPTIONS sip:me SIP/2.0\r\n"
		"Route: <sip:a;lr>\r\nCall-ID: c\r\n\r\n");
	out = t_build(&m, &e);
	ck_assert_str_eq(out, "OPTIONS sip:last.example.com;lr SIP/2.0\r\n"
			 "Call-ID: c\r\n\r\n");
	t_parse(&m, "OPTIONS sip:me SIP/2.0\r\n"
		"Route: <sip:a;lr>, \"x,y\" <sip:b;lr>, <sip:c>\r\n\r\n");
	out = t_build(&m, &e);
	ck_assert_str_eq(out, "OPTIONS sip:last.example.com;lr SIP/2.0\r\n"
			 "Route: \"x,y\" <sip:b;lr>\r\n\r\n");
}
END_TEST

/* Compact forms, several Vias on one line, no Max-Forwards. */
START_TEST(t_compact)
{
	struct sc_sip_msg m;
	struct sip_edit e;
	const char *out;

	t_parse(&m, "INVITE sip:bob@h SIP/2.0\r\n"
		"v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1 ,\r\n"
		"   SIP/2.0/UDP b.example.com;branch=z9hG4bK2,"
		"SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n"
		"v: SIP/2.0/UDP d.example.com;branch=z9hG4bK4\r\n"
		"f: <sip:a@h>;tag=1\r\n"
		"t: <sip:b@h>\r\n"
		"i: cid\r\n"
		"CSeq: 1 INVITE\r\n"
		"m: <sip:a@192.0.2.4>\r\n"
		"l: 4\r\n"
		"\r\n"
		"body");
	sip_edit_init(&e);
	e.drop_top_via = 1;
	e.maxfwd = SIP_EDIT_MAXFWD_DEFAULT;
	e.ensure_clen = 1;
	out = t_build(&m, &e);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "INVITE sip:bob@h SIP/2.0\r\n"
		"Max-Forwards: 70\r\n"
		"v: SIP/2.0/UDP b.example.com;branch=z9hG4bK2, "
		"SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n"
		"v: SIP/2.0/UDP d.example.com;branch=z9hG4bK4\r\n"
		"f: <sip:a@h>;tag=1\r\n"
		"t: <sip:b@h>\r\n"
		"i: cid\r\n"
		"CSeq: 1 INVITE\r\n"
		"m: <sip:a@192.0.2.4>\r\n"
		"l: 4\r\n"
		"\r\n"
		"body");
	t_reparse(out, &m);

	/* removal matches the exact name only: "m" is not "Contact" */
	sip_edit_init(&e);
	e.remove[0] = "Contact";
	out = t_build(&m, &e);
	ck_assert_ptr_nonnull(strstr(out, "\r\nm: <sip:a@192.0.2.4>\r\n"));
	e.remove[1] = "M";
	out = t_build(&m, &e);
	ck_assert_ptr_null(strstr(out, "sip:a@192.0.2.4"));
}
END_TEST

START_TEST(t_register_path)
{
	struct sc_sip_msg m;
	struct sip_edit e;
	const char *out;

	t_parse(&m, "REGISTER sips:registrar.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/TLS [2001:db8::9]:49152;branch=z9hG4bKnashds7;"
		"rport;alias\r\n"
		"Max-Forwards: 5\r\n"
		"Max-Forwards: 50\r\n"
		"To: Bob <sips:bob@example.com>\r\n"
		"From: Bob <sips:bob@example.com>;tag=a73kszlfl\r\n"
		"Call-ID: 1j9FpLxk3uxtm8tn@[2001:db8::9]\r\n"
		"CSeq: 1 REGISTER\r\n"
		"Supported: path, outbound\r\n"
		"Contact: <sips:bob@[2001:db8::9]:49152;transport=tls>\r\n"
		"\t;reg-id=1\r\n"
		"\t;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-"
		"AABBCCDDEEFF>\"\r\n"
		"Content-Length: 0\r\n"
		"\r\n");
	ck_assert_int_eq(sip_edit_maxfwd(&m), 5);
	sip_edit_init(&e);
	e.via = "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-x";
	e.path[0] = "<sip:flowtoken@192.0.2.1;lr;ob>";
	e.maxfwd = sip_edit_maxfwd(&m) - 1;
	out = t_build(&m, &e);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "REGISTER sips:registrar.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-x\r\n"
		"Path: <sip:flowtoken@192.0.2.1;lr;ob>\r\n"
		"Via: SIP/2.0/TLS [2001:db8::9]:49152;branch=z9hG4bKnashds7;"
		"rport;alias\r\n"
		"Max-Forwards: 4\r\n"
		"To: Bob <sips:bob@example.com>\r\n"
		"From: Bob <sips:bob@example.com>;tag=a73kszlfl\r\n"
		"Call-ID: 1j9FpLxk3uxtm8tn@[2001:db8::9]\r\n"
		"CSeq: 1 REGISTER\r\n"
		"Supported: path, outbound\r\n"
		"Contact: <sips:bob@[2001:db8::9]:49152;transport=tls>"
		"\t;reg-id=1"
		"\t;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-"
		"AABBCCDDEEFF>\"\r\n"
		"Content-Length: 0\r\n"
		"\r\n");
	t_reparse(out, &m);
	/* two Path values, in order */
	e.path[1] = "<sip:second@192.0.2.1;lr>";
	out = t_build(&m, &e);
	ck_assert_ptr_nonnull(strstr(out, "Path: <sip:flowtoken@192.0.2.1;lr;"
				     "ob>\r\nPath: <sip:second@192.0.2.1;lr>"
				     "\r\nVia: SIP/2.0/TLS"));
}
END_TEST

/* A reply on its way back: our Via comes off. */
START_TEST(t_reply)
{
	struct sc_sip_msg m;
	struct sip_edit e;
	const char *out;

	t_parse(&m, "SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-x;received=192.0.2.1"
		", SIP/2.0/TLS client.example.com:5061;branch=z9hG4bK74bf9;"
		"rport=49152;received=198.51.100.7\r\n"
		"Via: SIP/2.0/UDP older.example.com;branch=z9hG4bKo\r\n"
		"Record-Route: <sip:tok@192.0.2.1;lr>\r\n"
		"From: <sip:a@h>;tag=1\r\n"
		"To: <sip:b@h>;tag=2\r\n"
		"Call-ID: cid\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 129\r\n"
		"\r\n"
		T_SDP);
	sip_edit_init(&e);
	e.drop_top_via = 1;
	out = t_build(&m, &e);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/TLS client.example.com:5061;branch=z9hG4bK74bf9;"
		"rport=49152;received=198.51.100.7\r\n"
		"Via: SIP/2.0/UDP older.example.com;branch=z9hG4bKo\r\n"
		"Record-Route: <sip:tok@192.0.2.1;lr>\r\n"
		"From: <sip:a@h>;tag=1\r\n"
		"To: <sip:b@h>;tag=2\r\n"
		"Call-ID: cid\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 129\r\n"
		"\r\n"
		T_SDP);
	t_reparse(out, &m);

	/* a one-value line goes as a whole */
	t_parse(&m, "SIP/2.0 180 Ringing\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-x\r\n"
		"Via: SIP/2.0/TLS c.example.com;branch=z9hG4bK2\r\n"
		"Content-Length: 0\r\n\r\n");
	out = t_build(&m, &e);
	ck_assert_str_eq(out, "SIP/2.0 180 Ringing\r\n"
		"Via: SIP/2.0/TLS c.example.com;branch=z9hG4bK2\r\n"
		"Content-Length: 0\r\n\r\n");
	/* no new Request-URI for a reply */
	e.ruri.s = "sip:x";
	e.ruri.len = 5;
	ck_assert_ptr_null(t_build(&m, &e));
}
END_TEST

/* UDP: no Content-Length; the stream copy gets one. Bare LF lines too. */
START_TEST(t_udp_clen)
{
	struct sc_sip_msg m;
	struct sip_edit e;
	const char *out;

	t_parse(&m, "MESSAGE sip:b@h SIP/2.0\n"
		"Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKm\n"
		"From: <sip:a@h>;tag=1\n"
		"To: <sip:b@h>\n"
		"Call-ID: m1\n"
		"CSeq: 7 MESSAGE\n"
		"Content-Type: text/plain\n"
		"\n"
		"hello\n");
	sip_edit_init(&e);
	out = t_build(&m, &e);
	ck_assert_ptr_null(strstr(out, "Content-Length"));
	e.ensure_clen = 1;
	out = t_build(&m, &e);
	ck_assert_str_eq(out, "MESSAGE sip:b@h SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKm\r\n"
		"From: <sip:a@h>;tag=1\r\n"
		"To: <sip:b@h>\r\n"
		"Call-ID: m1\r\n"
		"CSeq: 7 MESSAGE\r\n"
		"Content-Type: text/plain\r\n"
		"Content-Length: 6\r\n"
		"\r\n"
		"hello\n");
	t_reparse(out, &m);

	/* a datagram longer than its Content-Length: the body is cut */
	t_parse(&m, "MESSAGE sip:b@h SIP/2.0\r\nCall-ID: m1\r\n"
		"Content-Length: 2\r\n\r\nhello");
	out = t_build(&m, &e);
	ck_assert_str_eq(out, "MESSAGE sip:b@h SIP/2.0\r\nCall-ID: m1\r\n"
			 "Content-Length: 2\r\n\r\nhe");
}
END_TEST

START_TEST(t_bad_edits)
{
	struct sc_sip_msg m, nv, bad;
	struct sip_edit e;
	char out[4096];
	static const char *const bad_adds[] = {
		"X-A: 1", "X-A: 1\n", "X-A: 1\r\n\r\n", "\r\n", "X-A 1\r\n",
		": 1\r\n", " X-A: 1\r\n", "X-A: 1\r\n folded\r\n",
		"X-A: 1\rX-B: 2\r\n", "X@A: 1\r\n",
	};
	size_t i;

	t_parse(&m, t_invite);
	t_parse(&nv, "OPTIONS sip:h SIP/2.0\r\nCall-ID: c\r\n\r\n");
	t_parse(&bad, "OPTIONS sip:h SIP/2.0\r\n"
		"Via: SIP/2.0/UDP a,,SIP/2.0/UDP b\r\n"
		"Route: <sip:a;lr>,\r\n\r\n");

#define T_FAILS(msg, field, value)                                             \
	do {                                                                   \
		sip_edit_init(&e);                                             \
		e.field = value;                                               \
		ck_assert_int_eq(sip_edit_build(msg, &e, out, sizeof(out)),    \
				 -1);                                          \
	} while (0)

	T_FAILS(&m, via, "SIP/2.0/UDP h\r\nX-Evil: 1");
	T_FAILS(&m, via, "SIP/2.0/UDP h\n");
	T_FAILS(&m, via, "");
	T_FAILS(&m, rr[0], "<sip:h;lr>\r\n");
	T_FAILS(&m, rr[1], "\n");
	T_FAILS(&m, path[0], "<sip:h;lr>\r");
	T_FAILS(&m, maxfwd, 256);
	T_FAILS(&m, maxfwd, -2);
	T_FAILS(&nv, drop_top_via, 1);
	T_FAILS(&nv, drop_first_route, 1);
	T_FAILS(&nv, drop_last_route, 1);
	T_FAILS(&bad, drop_top_via, 1);
	T_FAILS(&bad, drop_first_route, 1);
	for (i = 0; i < sizeof(bad_adds) / sizeof(bad_adds[0]); i++)
		T_FAILS(&m, add, bad_adds[i]);
#undef T_FAILS

	sip_edit_init(&e);
	e.ruri.s = "sip:a b";
	e.ruri.len = 7;
	ck_assert_int_eq(sip_edit_build(&m, &e, out, sizeof(out)), -1);
	e.ruri.s = "sip:a\x01";
	e.ruri.len = 6;
	ck_assert_int_eq(sip_edit_build(&m, &e, out, sizeof(out)), -1);
	e.ruri.s = "";
	e.ruri.len = 0;
	ck_assert_int_eq(sip_edit_build(&m, &e, out, sizeof(out)), -1);

	/* a removed Via is no Via to cut */
	sip_edit_init(&e);
	e.remove[0] = "via";
	e.drop_top_via = 1;
	ck_assert_int_eq(sip_edit_build(&m, &e, out, sizeof(out)), -1);
	/* good edits on a message whose untouched lists are malformed */
	sip_edit_init(&e);
	e.via = "SIP/2.0/UDP h";
	ck_assert_int_gt(sip_edit_build(&bad, &e, out, sizeof(out)), 0);

	sip_edit_init(&e);
	ck_assert_int_eq(sip_edit_build(NULL, &e, out, sizeof(out)), -1);
	ck_assert_int_eq(sip_edit_build(&m, NULL, out, sizeof(out)), -1);
	ck_assert_int_eq(sip_edit_build(&m, &e, NULL, sizeof(out)), -1);
	ck_assert_int_eq(sip_edit_build(&m, &e, out, 0), -1);
}
END_TEST

START_TEST(t_remove_all)
{
	struct sc_sip_msg m;
	struct sip_edit e;
	const char *out;

	t_parse(&m, "OPTIONS sip:h SIP/2.0\r\n"
		"X-Id: 1\r\nCall-ID: c\r\nx-id: 2\r\nX-ID\t: 3\r\n"
		"X-Idx: keep\r\nX-Other: keep\r\n\r\n");
	sip_edit_init(&e);
	e.remove[0] = "X-Other";
	e.remove[1] = "x-Id";
	out = t_build(&m, &e);
	ck_assert_str_eq(out, "OPTIONS sip:h SIP/2.0\r\nCall-ID: c\r\n"
			 "X-Idx: keep\r\n\r\n");
	/* the full set of removals */
	sip_edit_init(&e);
	e.remove[SIP_EDIT_MAX_REMOVE - 1] = "Call-ID";
	out = t_build(&m, &e);
	ck_assert_ptr_nonnull(strstr(out, "Call-ID"));
	e.remove[0] = "Call-ID";
	out = t_build(&m, &e);
	ck_assert_ptr_null(strstr(out, "Call-ID"));
}
END_TEST

START_TEST(t_maxfwd)
{
	static const struct {
		const char *hdr;
		int want;
	} c[] = {
		{ "Max-Forwards: 70\r\n", 70 }, { "Max-Forwards: 0\r\n", 0 },
		{ "max-forwards:255\r\n", 255 }, { "Max-Forwards: 0070\r\n", 70 },
		{ "", SIP_EDIT_KEEP }, { "Max-Forwards: 256\r\n", -2 },
		{ "Max-Forwards: abc\r\n", -2 }, { "Max-Forwards:\r\n", -2 },
		{ "Max-Forwards: 7 0\r\n", -2 }, { "Max-Forwards: -1\r\n", -2 },
		{ "Max-Forwards: 99999999999\r\n", -2 },
	};
	struct sc_sip_msg m;
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(buf, sizeof(buf), "OPTIONS sip:h SIP/2.0\r\n%s"
			 "Call-ID: c\r\n\r\n", c[i].hdr);
		t_parse(&m, buf);
		ck_assert_msg(sip_edit_maxfwd(&m) == c[i].want, "'%s': %d",
			      c[i].hdr, sip_edit_maxfwd(&m));
	}
}
END_TEST

/* Many headers and a big body: the limit holds at every size. */
START_TEST(t_limit_big)
{
	char msg[6000];
	struct sc_sip_msg m;
	struct sip_edit e;
	const char *out;
	size_t n = 0;
	int i;

	n += (size_t)snprintf(msg + n, sizeof(msg) - n,
			      "INVITE sip:b@h SIP/2.0\r\n"
			      "Via: SIP/2.0/UDP a;branch=z9hG4bK1, "
			      "SIP/2.0/UDP b;branch=z9hG4bK2\r\n");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n,
				      "X-H%d: %d\r\n", i, i);
	n += (size_t)snprintf(msg + n, sizeof(msg) - n,
			      "Content-Length: 1000\r\n\r\n");
	memset(msg + n, 'b', 1000);
	n += 1000;
	msg[n] = '\0';
	t_parse(&m, msg);
	sip_edit_init(&e);
	e.via = "SIP/2.0/TLS edge.example.com;branch=z9hG4bK-q";
	e.drop_top_via = 1;
	e.maxfwd = 70;
	e.rr[0] = "<sip:x@edge.example.com;lr>";
	e.add = "X-Added: yes\r\n";
	out = t_build(&m, &e);
	ck_assert_ptr_nonnull(out);
	t_reparse(out, &m);
}
END_TEST

/*
 * Mutated messages: whatever sip_parse() accepts, the edits either fail or
 * give a message that parses again with the same body, at every size.
 */
START_TEST(t_mutations)
{
	static const char alpha[] = "\r\n :;,<>\"\\\t=vlmV1a";
	uint32_t x = 88172645u;
	size_t len = strlen(t_invite), pos;
	struct sc_sip_msg m, again;
	struct sip_edit e;
	char *in, *out;
	int i, j, n, built = 0;
	const char *why;

	sip_edit_init(&e);
	e.via = "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-m";
	e.rr[0] = "<sip:192.0.2.1;lr>";
	e.drop_top_via = 1;
	e.drop_first_route = 1;
	e.maxfwd = 69;
	e.remove[0] = "X-Peer-Cert";
	e.ensure_clen = 1;
	for (i = 0; i < 4000; i++) {
		in = malloc(len);
		ck_assert_ptr_nonnull(in);
		memcpy(in, t_invite, len);
		for (j = 0; j < 1 + i % 4; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			pos = x % (len - 129);
			in[pos] = alpha[(x >> 16) % (sizeof(alpha) - 1)];
		}
		if (sip_parse(&m, in, len, &why) < 0) {
			free(in);
			continue;
		}
		ck_assert_int_eq(sip_edit_build(&m, &e, NULL, 0), -1);
		out = malloc(8192);
		ck_assert_ptr_nonnull(out);
		n = sip_edit_build(&m, &e, out, 8192);
		if (n > 0) {
			char *exact = malloc((size_t)n);

			built++;
			ck_assert_ptr_nonnull(exact);
			ck_assert_int_eq(sip_edit_build(&m, &e, exact,
							(size_t)n), n);
			ck_assert_int_eq(sip_edit_build(&m, &e, exact,
							(size_t)n - 1), -1);
			ck_assert_msg(sip_parse(&again, exact, (size_t)n,
						&why) == 0,
				      "output does not parse: %s", why);
			ck_assert_uint_eq(again.body.len, m.body.len);
			free(exact);
		}
		free(out);
		free(in);
	}
	ck_assert_int_gt(built, 100);
}
END_TEST

static Suite *t_suite(void)
{
	Suite *s = suite_create("sip_edit");
	TCase *tc = tcase_create("edit");

	tcase_add_checked_fixture(tc, tb_setup, tb_teardown);
	tcase_add_test(tc, t_copy);
	tcase_add_test(tc, t_invite_outward);
	tcase_add_test(tc, t_strict_router);
	tcase_add_test(tc, t_compact);
	tcase_add_test(tc, t_register_path);
	tcase_add_test(tc, t_reply);
	tcase_add_test(tc, t_udp_clen);
	tcase_add_test(tc, t_bad_edits);
	tcase_add_test(tc, t_remove_all);
	tcase_add_test(tc, t_maxfwd);
	tcase_add_test(tc, t_limit_big);
	tcase_add_test(tc, t_mutations);
	suite_add_tcase(s, tc);
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

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: stateless replies (core/sip_reply.c) (prefix: t_). */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "sip_test.h"

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
		out = tb_alloc(len);
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

int main(void)
{
	TCase *tc = tcase_create("reply");

	tcase_add_test(tc, t_reply_options_exact);
	tcase_add_test(tc, t_reply_vias_in_order);
	tcase_add_test(tc, t_reply_multi_value_top);
	tcase_add_loop_test(tc, t_reply_received_rport, 0,
			    sizeof(t_via_cases) / sizeof(t_via_cases[0]));
	tcase_add_loop_test(tc, t_reply_to_tag, 0,
			    sizeof(t_to_cases) / sizeof(t_to_cases[0]));
	tcase_add_test(tc, t_reply_no_totag);
	tcase_add_test(tc, t_reply_missing);
	tcase_add_test(tc, t_reply_small_buffer);
	tcase_add_test(tc, t_reply_misc);
	tcase_add_test(tc, t_reason_phrases);
	return t_run("sip_reply", tc);
}

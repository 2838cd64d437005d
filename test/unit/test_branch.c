/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: stateless branches (prefix: t_).
 *
 * Messages are parsed from exact-size heap copies (t_buf.h).
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sipcore/conn.h>

#include "branch.h"
#include "sip_msg.h"
#include "sip_via.h"
#include "t_buf.h"

static const char t_secret[] = "a secret of at least thirty-two bytes";

static void t_setup(void)
{
	tb_setup();
	ck_assert_int_eq(flow_init(t_secret, sizeof(t_secret) - 1), 0);
}

static void t_teardown(void)
{
	tb_teardown();
	flow_wipe();
}

/* An INVITE-shaped request with the given parts. */
static void t_req(struct sc_sip_msg *m, const char *method, const char *ruri,
		  const char *via, const char *callid, const char *from,
		  const char *to, const char *cseq)
{
	char buf[2048];
	const char *why = NULL;
	int n;

	n = snprintf(buf, sizeof(buf),
		     "%s %s SIP/2.0\r\n"
		     "Via: %s\r\n"
		     "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: %s\r\n"
		     "To: %s\r\n"
		     "Call-ID: %s\r\n"
		     "CSeq: %s\r\n"
		     "Content-Length: 0\r\n\r\n",
		     method, ruri, via, from, to, callid, cseq);
	ck_assert_int_lt(n, (int)sizeof(buf));
	ck_assert_msg(sip_parse(m, tb_dup(buf, (size_t)n), (size_t)n,
				&why) == 0, "%s", why ? why : "?");
}

#define T_RURI "sip:bob@biloxi.example.com"
#define T_VIA "SIP/2.0/TLS client.atlanta.example.com:5061;" \
	      "branch=z9hG4bK74bf9;rport"
#define T_CID "3848276298220188511@atlanta.example.com"
#define T_FROM "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl"
#define T_TO "Bob <sip:bob@biloxi.example.com>"

static void t_invite(struct sc_sip_msg *m)
{
	t_req(m, "INVITE", T_RURI, T_VIA, T_CID, T_FROM, T_TO, "1 INVITE");
}

static void t_parse_req(struct sc_sip_msg *m, const char *s)
{
	const char *why = NULL;

	ck_assert_msg(sip_parse(m, tb_str(s), strlen(s), &why) == 0, "%s",
		      why ? why : "?");
}

/* branch_make() with edits @fwd into @out (BRANCH_MAX + 1). */
static int t_make_fwd(const struct sc_sip_msg *m, const struct sip_edit *fwd,
		      char *out)
{
	int n = branch_make(m, fwd, NULL, out, BRANCH_MAX + 1);

	ck_assert_int_gt(n, 0);
	return n;
}

/* branch_make() for @m (flow @in or NULL) into @out (BRANCH_MAX + 1). */
static int t_make(const struct sc_sip_msg *m, const struct flow *in,
		  char *out)
{
	int n = branch_make(m, NULL, in, out, BRANCH_MAX + 1);

	ck_assert_int_gt(n, 0);
	return n;
}

static struct flow t_flow(int v6)
{
	struct sockaddr_in6 in6;
	struct sockaddr_in in;
	struct flow f;

	memset(&f, 0, sizeof(f));
	f.conn_id = 4711;
	f.rank = 2;
	f.proto = SC_PROTO_TLS;
	if (v6) {
		memset(&in6, 0, sizeof(in6));
		in6.sin6_family = AF_INET6;
		in6.sin6_port = htons(65535);
		inet_pton(AF_INET6, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
			  &in6.sin6_addr);
		ck_assert_int_eq(flow_set_peer(&f, (struct sockaddr *)&in6),
				 0);
	} else {
		memset(&in, 0, sizeof(in));
		in.sin_family = AF_INET;
		in.sin_port = htons(50123);
		inet_pton(AF_INET, "198.51.100.7", &in.sin_addr);
		ck_assert_int_eq(flow_set_peer(&f, (struct sockaddr *)&in), 0);
	}
	return f;
}

START_TEST(t_retransmission)
{
	struct sc_sip_msg a, b;
	char ba[BRANCH_MAX + 1], bb[BRANCH_MAX + 1];
	struct flow f = t_flow(0);

	t_invite(&a);
	t_invite(&b);
	t_make(&a, NULL, ba);
	t_make(&b, NULL, bb);
	ck_assert_str_eq(ba, bb);
	t_make(&a, &f, ba);
	t_make(&b, &f, bb);
	ck_assert_str_eq(ba, bb);
	ck_assert_int_eq(strncmp(ba, "z9hG4bK-", 8), 0);
}
END_TEST

/* CANCEL and the ACK for a non-2xx reply get the INVITE's branch. */
START_TEST(t_cancel_ack)
{
	struct sc_sip_msg inv, m;
	char bi[BRANCH_MAX + 1], bo[BRANCH_MAX + 1];
	struct flow f = t_flow(1);

	t_invite(&inv);
	t_make(&inv, &f, bi);

	t_req(&m, "CANCEL", T_RURI, T_VIA, T_CID, T_FROM, T_TO, "1 CANCEL");
	t_make(&m, &f, bo);
	ck_assert_str_eq(bi, bo);

	/* the ACK carries the To tag of the 487 it acknowledges */
	t_req(&m, "ACK", T_RURI, T_VIA, T_CID, T_FROM, T_TO ";tag=8321234356",
	      "1 ACK");
	t_make(&m, &f, bo);
	ck_assert_str_eq(bi, bo);

	/* the same Via written differently: spacing, case, param order */
	t_req(&m, "CANCEL", T_RURI,
	      "SIP / 2.0 / tls  CLIENT.atlanta.example.com : 5061 ; rport ; "
	      "branch=z9hG4bK74bf9", T_CID, T_FROM, T_TO, "1   CANCEL");
	t_make(&m, &f, bo);
	ck_assert_str_eq(bi, bo);

	/* the From written differently, same tag */
	t_req(&m, "CANCEL", T_RURI, T_VIA, T_CID,
	      "\"Alice\" <sip:alice@atlanta.example.com> ; tag=9fxced76sl",
	      T_TO, "1 CANCEL");
	t_make(&m, &f, bo);
	ck_assert_str_eq(bi, bo);
}
END_TEST

START_TEST(t_differs)
{
	struct sc_sip_msg inv, m;
	char bi[BRANCH_MAX + 1], bo[BRANCH_MAX + 1];

	t_invite(&inv);
	t_make(&inv, NULL, bi);

#define T_DIFFERENT(method, ruri, via, cid, from, to, cseq)                   \
	do {                                                                   \
		t_req(&m, method, ruri, via, cid, from, to, cseq);             \
		t_make(&m, NULL, bo);                                          \
		ck_assert_str_ne(bi, bo);                                      \
	} while (0)

	T_DIFFERENT("INVITE", T_RURI, T_VIA, T_CID, T_FROM, T_TO, "2 INVITE");
	T_DIFFERENT("INVITE", T_RURI, T_VIA, "x" T_CID, T_FROM, T_TO,
		    "1 INVITE");
	/* Call-ID compares case-sensitively */
	T_DIFFERENT("INVITE", T_RURI, T_VIA,
		    "3848276298220188511@ATLANTA.example.com", T_FROM, T_TO,
		    "1 INVITE");
	T_DIFFERENT("INVITE", "sip:carol@biloxi.example.com", T_VIA, T_CID,
		    T_FROM, T_TO, "1 INVITE");
	T_DIFFERENT("INVITE", T_RURI, T_VIA, T_CID,
		    "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sm",
		    T_TO, "1 INVITE");
	T_DIFFERENT("INVITE", T_RURI, T_VIA, T_CID,
		    "Alice <sip:alice@atlanta.example.com>", T_TO, "1 INVITE");
	/* a 2xx ACK is its own transaction: its own Via branch */
	T_DIFFERENT("ACK", T_RURI,
		    "SIP/2.0/TLS client.atlanta.example.com:5061;"
		    "branch=z9hG4bK74bfa;rport", T_CID, T_FROM,
		    T_TO ";tag=8321234356", "1 ACK");
	T_DIFFERENT("INVITE", T_RURI,
		    "SIP/2.0/TLS client.atlanta.example.com:5062;"
		    "branch=z9hG4bK74bf9;rport", T_CID, T_FROM, T_TO,
		    "1 INVITE");
	T_DIFFERENT("INVITE", T_RURI,
		    "SIP/2.0/TCP client.atlanta.example.com:5061;"
		    "branch=z9hG4bK74bf9;rport", T_CID, T_FROM, T_TO,
		    "1 INVITE");
	T_DIFFERENT("INVITE", T_RURI,
		    "SIP/2.0/TLS client2.atlanta.example.com:5061;"
		    "branch=z9hG4bK74bf9;rport", T_CID, T_FROM, T_TO,
		    "1 INVITE");
	T_DIFFERENT("INVITE", T_RURI,
		    "SIP/2.0/TLS client.atlanta.example.com:5061", T_CID,
		    T_FROM, T_TO, "1 INVITE");
#undef T_DIFFERENT
}
END_TEST

/* Fields that do not name the transaction do not change the branch. */
START_TEST(t_same_despite)
{
	struct sc_sip_msg inv, m;
	char bi[BRANCH_MAX + 1], bo[BRANCH_MAX + 1];

	t_invite(&inv);
	t_make(&inv, NULL, bi);
	/* the To tag (a non-2xx ACK), the method, To's display name */
	t_req(&m, "BYE", T_RURI, T_VIA, T_CID, T_FROM,
	      "\"B\" <sip:bob@biloxi.example.com>;tag=1", "1 BYE");
	t_make(&m, NULL, bo);
	ck_assert_str_eq(bi, bo);
	/* the CSeq number as a number */
	t_req(&m, "INVITE", T_RURI, T_VIA, T_CID, T_FROM, T_TO, "0001 INVITE");
	t_make(&m, NULL, bo);
	ck_assert_str_eq(bi, bo);
}
END_TEST

START_TEST(t_layout)
{
	struct sc_sip_msg m;
	char b[BRANCH_MAX + 1];
	struct flow f4 = t_flow(0), f6 = t_flow(1);
	const struct flow *fl[3] = { NULL, &f4, &f6 };
	static const int want[3] = { 32, 77, 96 };
	int i, n;
	size_t k;

	t_invite(&m);
	for (i = 0; i < 3; i++) {
		n = t_make(&m, fl[i], b);
		ck_assert_int_eq(n, want[i]);
		ck_assert_int_lt(n, 100);
		ck_assert_int_le(n, BRANCH_MAX);
		ck_assert_uint_eq(strlen(b), (size_t)n);
		for (k = 0; k < (size_t)n; k++)
			ck_assert_msg((b[k] >= 'a' && b[k] <= 'z') ||
				      (b[k] >= 'A' && b[k] <= 'Z') ||
				      (b[k] >= '0' && b[k] <= '9') ||
				      b[k] == '-', "bad char in %s", b);
		ck_assert_int_eq(strncmp(b, BRANCH_COOKIE, 7), 0);
	}
	/* the output limit */
	ck_assert_int_eq(branch_make(&m, NULL, &f6, b, 96), -1);
	ck_assert_int_eq(branch_make(&m, NULL, &f6, b, 97), 96);
	ck_assert_int_eq(branch_make(&m, NULL, NULL, b, 32), -1);
	ck_assert_int_eq(branch_make(&m, NULL, NULL, NULL, 100), -1);
}
END_TEST

START_TEST(t_parse_own)
{
	struct sc_sip_msg m;
	char b[BRANCH_MAX + 1];
	struct branch_info bi;
	uint8_t hash[BRANCH_HASH_LEN];
	struct flow f = t_flow(1);
	int n;
	size_t k;

	t_invite(&m);
	ck_assert_int_eq(branch_hash(&m, hash), 0);
	n = t_make(&m, NULL, b);
	ck_assert_int_eq(branch_parse(tb_dup(b, (size_t)n), (size_t)n, &bi),
			 BRANCH_OK);
	ck_assert_int_eq(bi.has_flow, 0);
	ck_assert(!memcmp(bi.hash, hash, sizeof(hash)));

	n = t_make(&m, &f, b);
	ck_assert_int_eq(branch_parse(tb_dup(b, (size_t)n), (size_t)n, &bi),
			 BRANCH_OK);
	ck_assert_int_eq(bi.has_flow, 1);
	ck_assert(!memcmp(bi.hash, hash, sizeof(hash)));
	ck_assert_uint_eq(bi.flow.conn_id, 4711);
	ck_assert_uint_eq(bi.flow.rank, 2);
	ck_assert_uint_eq(bi.flow.port, 65535);
	ck_assert_uint_eq(bi.flow.proto, SC_PROTO_TLS);
	ck_assert(!memcmp(bi.flow.addr, f.addr, 16));

	/* a branch is a token: case-insensitive */
	for (k = 0; k < (size_t)n; k++)
		if (b[k] >= 'A' && b[k] <= 'Z')
			b[k] = (char)(b[k] - 'A' + 'a');
	ck_assert_int_eq(branch_parse(tb_dup(b, (size_t)n), (size_t)n, &bi),
			 BRANCH_OK);
	ck_assert_int_eq(bi.has_flow, 1);
	for (k = 0; k < (size_t)n; k++)
		if (b[k] >= 'a' && b[k] <= 'z')
			b[k] = (char)(b[k] - 'a' + 'A');
	ck_assert_int_eq(branch_parse(tb_dup(b, (size_t)n), (size_t)n, &bi),
			 BRANCH_OK);
}
END_TEST

/* Every other character at every place of a flow branch: never OK. */
START_TEST(t_tampered)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567-.!";
	struct sc_sip_msg m;
	char b[BRANCH_MAX + 1];
	struct branch_info bi;
	struct flow f = t_flow(0);
	int n, k;
	size_t c;
	char orig;

	t_invite(&m);
	n = t_make(&m, &f, b);
	for (k = 8; k < n; k++) {
		orig = b[k];
		for (c = 0; c < sizeof(alpha) - 1; c++) {
			if (alpha[c] == orig)
				continue;
			b[k] = alpha[c];
			ck_assert_msg(branch_parse(b, (size_t)n, &bi) !=
					      BRANCH_OK,
				      "accepted %s", b);
		}
		b[k] = orig;
	}
	ck_assert_int_eq(branch_parse(b, (size_t)n, &bi), BRANCH_OK);
	/* a change to the hash alone is FORGED, not misread */
	b[10] = b[10] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(branch_parse(b, (size_t)n, &bi), BRANCH_FORGED);
}
END_TEST

/* Parts of two genuine branches, or a Record-Route token, do not make one. */
START_TEST(t_spliced)
{
	struct sc_sip_msg a, c;
	char ba[BRANCH_MAX + 1], bc[BRANCH_MAX + 1], tok[FLOW_TOKEN_MAX + 1];
	char mix[BRANCH_MAX + 1];
	struct branch_info bi;
	struct flow f = t_flow(0), g = t_flow(0);
	int n;

	g.conn_id = 4712;
	t_invite(&a);
	t_req(&c, "INVITE", T_RURI, T_VIA, T_CID, T_FROM, T_TO, "2 INVITE");
	n = t_make(&a, &f, ba);
	ck_assert_int_eq(t_make(&c, &g, bc), n);
	/* id of a, flow of c */
	memcpy(mix, ba, 33);
	memcpy(mix + 33, bc + 33, (size_t)n - 33 + 1);
	ck_assert_int_eq(branch_parse(mix, (size_t)n, &bi), BRANCH_FORGED);
	/* a genuine plain flow token (as in Path) in place of the flow */
	ck_assert_int_eq(flow_encode(&f, tok, sizeof(tok)), 44);
	memcpy(mix, ba, 33);
	memcpy(mix + 33, tok, 45);
	ck_assert_int_eq(branch_parse(mix, (size_t)n, &bi), BRANCH_FORGED);
	/* another secret */
	ck_assert_int_eq(flow_init("another secret, thirty-two bytes long",
				   37), 0);
	ck_assert_int_eq(branch_parse(ba, (size_t)n, &bi), BRANCH_FORGED);
	/* a plain branch has nothing to verify: still ours by its layout */
	ck_assert_int_eq(branch_parse(ba, 32, &bi), BRANCH_OK);
}
END_TEST

static const char *const t_bad_branches[] = {
	"", "z9hG4bK", "z9hG4bK-", "z9hG4bK776asdhds",
	"z9hG4bK-abcdefghijklmnop",
	"z9hG4bK-abcdefghijklmnopqrstuvw", "z9hG4bK-abcdefghijklmnopqrstuvw1",
	"z9hG4bK-abcdefghijklmnopqrstuvwx-",
	"z9hG4bK-abcdefghijklmnopqrstuvwxy",
	"z9hG4bK-abcdefghijklmnopqrstuvwx+x",
	"z9hG4bKxabcdefghijklmnopqrstuvwx",
	"z9hG4bK-abcdefghijklmnopqrstuvwx-abc",
	"x9hG4bK-abcdefghijklmnopqrstuvwx",
	"z9hG4bK-abcdefghijklmnopqrstuv==",
	/* one string (the parentheses tell clang it is meant) */
	("z9hG4bK-abcdefghijklmnopqrstuvwx-"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"),
};

START_TEST(t_parse_bad)
{
	const char *s = t_bad_branches[_i];
	struct branch_info bi;

	ck_assert_msg(branch_parse(tb_str(s), strlen(s), &bi) ==
			      BRANCH_MALFORMED, "'%s' not malformed", s);
}
END_TEST

START_TEST(t_parse_args)
{
	struct branch_info bi;

	ck_assert_int_eq(branch_parse(NULL, 24, &bi), BRANCH_MALFORMED);
	ck_assert_int_eq(branch_parse("z9hG4bK-abcdefghijklmnopqrstuvwx", 32,
				      NULL), BRANCH_MALFORMED);
	/* 24 characters carry exactly the 15 bytes: no unused bits */
	ck_assert_int_eq(branch_parse("z9hG4bK-abcdefghijklmnopqrstuvwx", 32,
				      &bi), BRANCH_OK);
	ck_assert_int_eq(bi.has_flow, 0);
}
END_TEST

START_TEST(t_needs)
{
	static const char *const reqs[] = {
		/* no top Via */
		"INVITE sip:b@h SIP/2.0\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>"
		"\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n",
		/* a malformed one */
		"INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP\r\nFrom: <sip:a@h>"
		";tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n",
		/* no Call-ID */
		"INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>"
		";tag=1\r\nTo: <sip:b@h>\r\nCSeq: 1 INVITE\r\n\r\n",
		/* empty Call-ID */
		"INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>"
		";tag=1\r\nTo: <sip:b@h>\r\nCall-ID:\r\nCSeq: 1 INVITE\r\n\r\n",
		/* no From */
		"INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:b@h>"
		"\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n",
		/* From with an unterminated quote */
		"INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: \"a "
		"<sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 "
		"INVITE\r\n\r\n",
		/* no CSeq */
		"INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>"
		";tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\n\r\n",
		/* a reply */
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1"
		"\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n",
	};
	static const char *const cseqs[] = {
		"x INVITE", "1", "1 ", "INVITE", "2147483648 INVITE",
		"99999999999 INVITE", "1 INVITE x", "-1 INVITE", "1 INV@TE",
	};
	struct sc_sip_msg m;
	uint8_t hash[BRANCH_HASH_LEN];
	char b[BRANCH_MAX + 1];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		ck_assert_int_eq(sip_parse(&m, tb_str(reqs[i]),
					   strlen(reqs[i]), &why), 0);
		ck_assert_msg(branch_make(&m, NULL, NULL, b, sizeof(b)) == -1,
			      "made a branch for request %zu", i);
	}
	for (i = 0; i < sizeof(cseqs) / sizeof(cseqs[0]); i++) {
		t_req(&m, "INVITE", T_RURI, T_VIA, T_CID, T_FROM, T_TO,
		      cseqs[i]);
		ck_assert_msg(branch_hash(&m, hash) == -1, "took CSeq '%s'",
			      cseqs[i]);
	}
	t_req(&m, "INVITE", T_RURI, T_VIA, T_CID, T_FROM, T_TO,
	      "2147483647 INVITE");
	ck_assert_int_eq(branch_hash(&m, hash), 0);
	/* From need not be a SIP URI */
	t_req(&m, "INVITE", T_RURI, T_VIA, T_CID, "<tel:+15551234>;tag=77",
	      T_TO, "1 INVITE");
	ck_assert_int_eq(branch_hash(&m, hash), 0);
	ck_assert_int_eq(branch_hash(NULL, hash), -1);
	/* no key, no branch */
	flow_wipe();
	t_invite(&m);
	ck_assert_int_eq(branch_make(&m, NULL, NULL, b, sizeof(b)), -1);
}
END_TEST

/* ---- loops --------------------------------------------------------------- */

/*
 * Pass @m through a hop: the copy @e makes, with @via on top, parsed
 * again into @out as the next element receives it.
 */
static void t_hop(const struct sc_sip_msg *m, struct sip_edit *e,
		  const char *via, struct sc_sip_msg *out)
{
	char buf[4096];
	const char *why = NULL;
	int n;

	e->via = via;
	n = sip_edit_build(m, e, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_msg(sip_parse(out, tb_dup(buf, (size_t)n), (size_t)n,
				&why) == 0, "%s", why ? why : "?");
}

/* We forward @in with @fwd; the result comes back through @back. */
static int t_loop_after(const struct sc_sip_msg *in, struct sip_edit *fwd,
			struct sip_edit *back)
{
	char br[BRANCH_MAX + 1], via[BRANCH_MAX + 64];
	struct sc_sip_msg ours, again;
	struct branch_info bi;
	struct sip_via_iter it;
	struct sip_via v;

	t_make_fwd(in, fwd, br);
	snprintf(via, sizeof(via), "SIP/2.0/UDP 192.0.2.1;branch=%s", br);
	t_hop(in, fwd, via, &ours);
	t_hop(&ours, back, "SIP/2.0/UDP core.example.com;branch=z9hG4bKc",
	      &again);
	/* the engine looks for its own Via below the top one */
	sip_via_iter_init(&it, &again);
	ck_assert_int_eq(sip_via_iter_next(&it, &v), 1);
	ck_assert_int_eq(sip_via_iter_next(&it, &v), 1);
	ck_str_eq(v.host, "192.0.2.1");
	ck_assert_int_eq(branch_parse(v.branch.s, v.branch.len, &bi),
			 BRANCH_OK);
	return branch_is_loop(&again, &bi);
}

START_TEST(t_loop_plain)
{
	struct sc_sip_msg m;
	struct sip_edit fwd, back;

	t_invite(&m);
	sip_edit_init(&fwd);
	fwd.maxfwd = 69;
	sip_edit_init(&back);
	/* sent straight back: a loop */
	ck_assert_int_eq(t_loop_after(&m, &fwd, &back), 1);
	/* retargeted on the way (a registrar to the contact): a spiral */
	back.ruri.s = "sip:bob@192.0.2.99:5060;transport=tcp";
	back.ruri.len = strlen(back.ruri.s);
	ck_assert_int_eq(t_loop_after(&m, &fwd, &back), 0);
	/* a Route added on the way: a spiral */
	sip_edit_init(&back);
	back.add = "Route: <sip:app.example.com;lr>\r\n";
	ck_assert_int_eq(t_loop_after(&m, &fwd, &back), 0);
	/* other headers changed on the way: still a loop */
	back.add = "X-Seen: core\r\n";
	back.maxfwd = 3;
	ck_assert_int_eq(t_loop_after(&m, &fwd, &back), 1);
}
END_TEST

START_TEST(t_loop_routes)
{
	struct sc_sip_msg m, folded;
	struct sip_edit fwd, back;

	t_parse_req(&m, "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
		    "Via: SIP/2.0/TLS c.example.com;branch=z9hG4bK1\r\n"
		    "Route: <sip:edge.example.com;lr>, <sip:core.example.com;lr>"
		    "\r\nRoute: <sip:last.example.com;lr>\r\n"
		    "From: <sip:a@atlanta.example.com>;tag=1\r\n"
		    "To: <sip:bob@biloxi.example.com>\r\n"
		    "Call-ID: loop1\r\nCSeq: 5 INVITE\r\n\r\n");
	/* loose routing: our Route value comes off */
	sip_edit_init(&fwd);
	fwd.drop_first_route = 1;
	sip_edit_init(&back);
	ck_assert_int_eq(t_loop_after(&m, &fwd, &back), 1);
	/* the next hop takes its own Route value off: a spiral */
	back.drop_first_route = 1;
	ck_assert_int_eq(t_loop_after(&m, &fwd, &back), 0);

	/* strict-router fix-up: the last Route value becomes the R-URI */
	sip_edit_init(&fwd);
	fwd.ruri.s = "sip:last.example.com;lr";
	fwd.ruri.len = strlen(fwd.ruri.s);
	fwd.drop_last_route = 1;
	sip_edit_init(&back);
	ck_assert_int_eq(t_loop_after(&m, &fwd, &back), 1);

	/* folding on the way in is gone on the way out: still a loop */
	t_parse_req(&folded, "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
		    "Via: SIP/2.0/TLS c.example.com;branch=z9hG4bK1\r\n"
		    "Route: <sip:edge.example.com;lr>,\r\n"
		    "  <sip:core.example.com;\r\n lr>\r\n"
		    "From: <sip:a@atlanta.example.com>;tag=1\r\n"
		    "To: <sip:bob@biloxi.example.com>\r\n"
		    "Call-ID: loop1\r\nCSeq: 5 INVITE\r\n\r\n");
	sip_edit_init(&fwd);
	sip_edit_init(&back);
	ck_assert_int_eq(t_loop_after(&folded, &fwd, &back), 1);
	/* Route headers removed by name are not routed on */
	fwd.remove[0] = "Route";
	ck_assert_int_eq(t_loop_after(&folded, &fwd, &back), 1);
}
END_TEST

/* The loop part follows the routing, and CANCEL gets the INVITE's. */
START_TEST(t_loop_hash)
{
	struct sc_sip_msg inv, can, noroute, bad;
	struct sip_edit fwd;
	uint8_t a[BRANCH_LOOP_LEN], b[BRANCH_LOOP_LEN];
	char bi[BRANCH_MAX + 1], bc[BRANCH_MAX + 1];

	t_parse_req(&inv, "INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP c;"
		    "branch=z9hG4bK1\r\nRoute: <sip:e;lr>, <sip:f;lr>\r\n"
		    "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
		    "Call-ID: c1\r\nCSeq: 5 INVITE\r\n\r\n");
	t_parse_req(&can, "CANCEL sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP c;"
		    "branch=z9hG4bK1\r\nRoute: <sip:e;lr>,<sip:f;lr>\r\n"
		    "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
		    "Call-ID: c1\r\nCSeq: 5 CANCEL\r\n\r\n");
	t_parse_req(&noroute, "INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP c;"
		    "branch=z9hG4bK1\r\n"
		    "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
		    "Call-ID: c1\r\nCSeq: 5 INVITE\r\n\r\n");
	sip_edit_init(&fwd);
	fwd.drop_first_route = 1;
	ck_assert_int_eq(branch_make(&inv, &fwd, NULL, bi, sizeof(bi)), 32);
	ck_assert_int_eq(branch_make(&can, &fwd, NULL, bc, sizeof(bc)), 32);
	ck_assert_str_eq(bi, bc);

	ck_assert_int_eq(branch_loop_hash(&inv, NULL, a), 0);
	ck_assert_int_eq(branch_loop_hash(&inv, &fwd, b), 0);
	ck_assert(memcmp(a, b, sizeof(a)));
	fwd.drop_last_route = 1;
	ck_assert_int_eq(branch_loop_hash(&inv, &fwd, a), 0);
	ck_assert_int_eq(branch_loop_hash(&noroute, NULL, b), 0);
	ck_assert(!memcmp(a, b, sizeof(a)));
	/* the transaction part does not depend on the routing */
	ck_assert_int_eq(branch_make(&inv, &fwd, NULL, bc, sizeof(bc)), 32);
	ck_assert_int_eq(strncmp(bi, bc, 24), 0);
	ck_assert_str_ne(bi, bc);

	t_parse_req(&bad, "INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP c\r\n"
		    "Route: <sip:e;lr>,,<sip:f>\r\n"
		    "From: <sip:a@h>;tag=1\r\nCall-ID: c1\r\n"
		    "CSeq: 5 INVITE\r\n\r\n");
	ck_assert_int_eq(branch_make(&bad, NULL, NULL, bc, sizeof(bc)), -1);
	t_parse_req(&bad, "INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP c\r\n"
		    "Route:\r\nFrom: <sip:a@h>;tag=1\r\nCall-ID: c1\r\n"
		    "CSeq: 5 INVITE\r\n\r\n");
	ck_assert_int_eq(branch_make(&bad, NULL, NULL, bc, sizeof(bc)), -1);
	ck_assert_int_eq(branch_is_loop(&bad, NULL), -1);
}
END_TEST

/* Mutated requests: a branch is made or refused, never anything else. */
START_TEST(t_mutations)
{
	static const char base[] =
		"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/TLS c.example.com:5061;branch=z9hG4bK1;rport\r\n"
		"Route: <sip:edge.example.com;lr>, <sip:core.example.com;lr>\r\n"
		"From: \"A\" <sip:a@atlanta.example.com>;tag=1\r\n"
		"To: <sip:bob@biloxi.example.com>\r\n"
		"Call-ID: mut1\r\nCSeq: 5 INVITE\r\n\r\n";
	static const char alpha[] = "\r\n :;,<>\"\\=ab1-";
	uint32_t x = 2891336453u;
	size_t len = sizeof(base) - 1;
	struct sc_sip_msg m;
	struct sip_edit fwd;
	struct branch_info bi;
	struct flow f = t_flow(1);
	char out[BRANCH_MAX + 1], *in;
	const char *why;
	int i, j, n, made = 0;

	sip_edit_init(&fwd);
	fwd.drop_first_route = 1;
	for (i = 0; i < 4000; i++) {
		in = malloc(len);
		ck_assert_ptr_nonnull(in);
		memcpy(in, base, len);
		for (j = 0; j < 1 + i % 3; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			in[x % len] = alpha[(x >> 16) % (sizeof(alpha) - 1)];
		}
		if (sip_parse(&m, in, len, &why) == 0) {
			n = branch_make(&m, &fwd, &f, out, sizeof(out));
			if (n > 0) {
				made++;
				ck_assert_int_le(n, BRANCH_MAX);
				ck_assert_int_eq(branch_parse(out, (size_t)n,
							      &bi), BRANCH_OK);
				ck_assert_int_eq(bi.has_flow, 1);
				ck_assert_int_ge(branch_is_loop(&m, &bi), 0);
			}
		}
		free(in);
	}
	ck_assert_int_gt(made, 100);
}
END_TEST

static Suite *t_suite(void)
{
	Suite *s = suite_create("branch");
	TCase *tm = tcase_create("make");
	TCase *tp = tcase_create("parse");

	tcase_add_checked_fixture(tm, t_setup, t_teardown);
	tcase_add_test(tm, t_retransmission);
	tcase_add_test(tm, t_cancel_ack);
	tcase_add_test(tm, t_differs);
	tcase_add_test(tm, t_same_despite);
	tcase_add_test(tm, t_layout);
	tcase_add_test(tm, t_needs);
	tcase_add_test(tm, t_loop_plain);
	tcase_add_test(tm, t_loop_routes);
	tcase_add_test(tm, t_loop_hash);
	tcase_add_test(tm, t_mutations);
	suite_add_tcase(s, tm);

	tcase_add_checked_fixture(tp, t_setup, t_teardown);
	tcase_add_test(tp, t_parse_own);
	tcase_add_test(tp, t_tampered);
	tcase_add_test(tp, t_spliced);
	tcase_add_loop_test(tp, t_parse_bad, 0,
			    sizeof(t_bad_branches) / sizeof(t_bad_branches[0]));
	tcase_add_test(tp, t_parse_args);
	suite_add_tcase(s, tp);
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

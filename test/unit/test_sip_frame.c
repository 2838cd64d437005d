/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the stream framer (core/sip_frame.c) (prefix: t_). */
#include "sip_test.h"

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
	/* too many digits: too big, not malformed, so that it gets a 513 */
	ck_assert_int_eq(t_frame_hdr("Content-Length: 99999999999999999999\r\n",
				     "", T_MAX, &used, &why), SIP_FRAME_TOO_BIG);
	ck_assert_str_eq(why, "message too big");
	ck_assert_int_eq(t_frame_hdr("Content-Length: 18446744073709551616\r\n",
				     "", T_MAX, &used, &why), SIP_FRAME_TOO_BIG);
	ck_assert_int_eq(t_frame_hdr("Content-Length: 99999999999\r\n", "",
				     T_MAX, &used, &why), SIP_FRAME_TOO_BIG);
	ck_assert_int_eq(t_frame_hdr("l: 99999999999\r\nl: 999999999999\r\n",
				     "", T_MAX, &used, &why), SIP_FRAME_TOO_BIG);
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

int main(void)
{
	TCase *tc = tcase_create("frame");

	tcase_add_test(tc, t_frame_bytewise);
	tcase_add_test(tc, t_frame_pipelined);
	tcase_add_test(tc, t_frame_body_split);
	tcase_add_test(tc, t_frame_clen);
	tcase_add_test(tc, t_frame_too_big);
	tcase_add_test(tc, t_frame_keepalive);
	tcase_add_test(tc, t_frame_parse_agree);
	return t_run("sip_frame", tc);
}

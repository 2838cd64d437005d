/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one Content-Length rule (core/sip_clen.c): the same header lines fed
 * to the framer, the parser and the 513 path, which must agree on each.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "cfg.h"
#include "core.h"
#include "sip_core.h"
#include "sip_msg.h"

enum t_kind { T_VALUE, T_TOO_BIG, T_BAD, T_NOT_CLEN };

static const struct {
	const char *hdr;
	enum t_kind kind;
	long value;
} t_cases[] = {
	{ "Content-Length: 5", T_VALUE, 5 },
	{ "content-length:5", T_VALUE, 5 },
	{ "CONTENT-LENGTH :  5  ", T_VALUE, 5 },
	{ "Content-Length\t:\t5", T_VALUE, 5 },
	{ "l: 5", T_VALUE, 5 },
	{ "L:5", T_VALUE, 5 },
	{ "Content-Length:\r\n 5", T_VALUE, 5 },
	{ "Content-Length: 5\r\n\t", T_VALUE, 5 },
	{ "Content-Length: 0005", T_VALUE, 5 },
	{ "Content-Length: 5\r\nl: 5", T_VALUE, 5 },
	{ "Content-Length: 0", T_VALUE, 0 },
	{ "Content-Length: 99999999999", T_TOO_BIG, 0 },
	{ "l: 18446744073709551616", T_TOO_BIG, 0 },
	{ "Content-Length:\r\n 99999999999", T_TOO_BIG, 0 },
	{ "Content-Length: 1000000001", T_TOO_BIG, 0 },
	{ "Content-Length: 5x", T_BAD, 0 },
	{ "Content-Length: x", T_BAD, 0 },
	{ "Content-Length:", T_BAD, 0 },
	{ "l: 5 5", T_BAD, 0 },
	{ "Content-Length: -5", T_BAD, 0 },
	{ "Content-Length: +5", T_BAD, 0 },
	{ "Content-Length: 5\r\nl: 6", T_BAD, 0 },
	{ "Content-Length: 5;x", T_BAD, 0 },
	{ "Content-Lengthx: 5", T_NOT_CLEN, 0 },
	{ "lx: 5", T_NOT_CLEN, 0 },
	{ "xl: 5", T_NOT_CLEN, 0 },
	{ "Content-Length-X: 5", T_NOT_CLEN, 0 },
	{ "X-Content-Length: 5", T_NOT_CLEN, 0 },
};

static char t_sent[4096];
static unsigned t_nsent;
static struct core_shared t_shared;

static int t_sender(const struct sc_rcv_info *ri, const void *buf, size_t len)
{
	(void)ri;
	ck_assert_uint_lt(len, sizeof(t_sent));
	memcpy(t_sent, buf, len);
	t_sent[len] = '\0';
	t_nsent++;
	return 0;
}

static size_t t_msg(char *buf, size_t cap, const char *hdr, size_t *hlen)
{
	int n = snprintf(buf, cap,
			 "INVITE sip:x@127.0.0.1 SIP/2.0\r\n"
			 "Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKc\r\n"
			 "From: <sip:a@example.com>;tag=f1\r\n"
			 "To: <sip:x@example.com>\r\n"
			 "Call-ID: clen@x\r\nCSeq: 1 INVITE\r\n"
			 "%s\r\n\r\n", hdr);

	ck_assert_int_gt(n, 0);
	*hlen = (size_t)n;
	/* a body of 5 bytes, then the start of a next message */
	n += snprintf(buf + n, cap - (size_t)n, "v=0\r\nOPTIONS");
	return (size_t)n;
}

START_TEST(t_agree)
{
	const char *hdr = t_cases[_i].hdr, *why = NULL;
	enum t_kind kind = t_cases[_i].kind;
	char buf[1024];
	size_t hlen, len = t_msg(buf, sizeof(buf), hdr, &hlen), used = 0;
	enum sip_frame_ret fr = sip_frame(buf, len, 4096, &used, &why);
	struct sc_sip_msg m;
	struct sc_rcv_info ri;
	struct sockaddr_in *in = (struct sockaddr_in *)&ri.src;
	int pr;

	/* the framer */
	switch (kind) {
	case T_VALUE:
		ck_assert_msg(fr == SIP_FRAME_MSG, "%s: framer %d", hdr, fr);
		ck_assert_uint_eq(used, hlen + (size_t)t_cases[_i].value);
		break;
	case T_TOO_BIG:
		ck_assert_msg(fr == SIP_FRAME_TOO_BIG, "%s: framer %d", hdr,
			      fr);
		break;
	case T_BAD:
	case T_NOT_CLEN:
		ck_assert_msg(fr == SIP_FRAME_BAD, "%s: framer %d", hdr, fr);
		break;
	}

	/* the parser, on what the framer delimits (or everything) */
	pr = sip_parse(&m, buf, kind == T_VALUE ? used : len, &why);
	switch (kind) {
	case T_VALUE:
		ck_assert_msg(pr == 0, "%s: parser: %s", hdr, why);
		ck_assert_int_eq(m.content_length, t_cases[_i].value);
		ck_assert_uint_eq(m.body.len, (size_t)t_cases[_i].value);
		break;
	case T_TOO_BIG:
		ck_assert_int_eq(pr, -1);
		ck_assert_str_eq(why, "Content-Length too large");
		break;
	case T_BAD:
		ck_assert_int_eq(pr, -1);
		ck_assert_str_eq(why, "bad Content-Length");
		break;
	case T_NOT_CLEN:
		ck_assert_msg(pr == 0, "%s: parser: %s", hdr, why);
		ck_assert_int_eq(m.content_length, -1);
		break;
	}

	/*
	 * The 513 path: it must blank exactly the values the parser reads,
	 * or the header block it parses still claims the refused body and
	 * no 513 goes out. (It runs only on what the framer found too big;
	 * a valid value is blanked the same way.)
	 */
	memset(&ri, 0, sizeof(ri));
	in->sin_family = AF_INET;
	ri.srclen = sizeof(*in);
	ri.udp_fd = -1;
	t_nsent = 0;
	sip_core_reply_too_big(buf, len, &ri);
	if (kind == T_TOO_BIG || kind == T_VALUE) {
		ck_assert_msg(t_nsent == 1, "%s: no 513", hdr);
		ck_assert_msg(strncmp(t_sent, "SIP/2.0 513 ", 12) == 0, "%s",
			      t_sent);
	}
}
END_TEST

START_TEST(t_value_rules)
{
	static const char folded[] = " \r\n\t 42 \r\n";
	static const char max[] = "1000000000", over[] = "1000000001";
	const char *stop;

	ck_assert_int_eq(sip_clen_value(folded, folded + sizeof(folded) - 1,
					&stop), 42);
	ck_assert_ptr_eq(stop, folded + 8); /* the final CRLF ends it */
	ck_assert_int_eq(sip_clen_value("", "", NULL), -1);
	ck_assert_int_eq(sip_clen_value(max, max + 10, NULL), SIP_CLEN_MAX);
	ck_assert_int_eq(sip_clen_value(over, over + 10, NULL),
			 SIP_CLEN_MAX + 1);
	ck_assert(sip_clen_is_name("l", 1));
	ck_assert(sip_clen_is_name("cOnTeNt-LeNgTh", 14));
	ck_assert(!sip_clen_is_name("c", 1));
	ck_assert(!sip_clen_is_name("Content-Lengt", 13));
}
END_TEST

static struct cfg t_cfg;

static void t_setup(void)
{
	ck_assert_int_eq(cfg_defaults(&t_cfg), 0);
	core_cfg = t_cfg.core;
	core_shared = &t_shared;
	sip_core_set_sender(t_sender);
}

static void t_teardown(void)
{
	sip_core_set_sender(NULL);
	cfg_free(&t_cfg);
}

int main(void)
{
	Suite *s = suite_create("sip_clen");
	TCase *tc = tcase_create("clen");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_loop_test(tc, t_agree, 0,
			    sizeof(t_cases) / sizeof(t_cases[0]));
	tcase_add_test(tc, t_value_rules);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the core does with a message (core/sip_core.c), with a fake sender
 * that keeps what would have gone out.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <sipcore/sip.h>

#include "cfg.h"
#include "core.h"
#include "sip_core.h"

#define T_MAX_SENT 4

static char t_sent[T_MAX_SENT][4096];
static unsigned t_nsent;
static int t_hook_mode; /* 0: no opinion, 1: take everything */
static unsigned t_hook_calls;
static struct core_shared t_shared;
static struct cfg t_cfg;

static int t_sender(const struct sc_rcv_info *ri, const void *buf, size_t len)
{
	ck_assert_ptr_nonnull(ri);
	ck_assert_uint_lt(t_nsent, T_MAX_SENT);
	ck_assert_uint_lt(len, sizeof(t_sent[0]));
	memcpy(t_sent[t_nsent], buf, len);
	t_sent[t_nsent][len] = '\0';
	t_nsent++;
	return 0;
}

static int t_hook(struct sc_sip_msg *m, const struct sc_rcv_info *ri)
{
	(void)m;
	(void)ri;
	t_hook_calls++;
	return t_hook_mode ? SC_SIP_DONE : SC_SIP_CONTINUE;
}

static void t_setup(void)
{
	static int hooked;

	ck_assert_int_eq(cfg_defaults(&t_cfg), 0);
	core_cfg = t_cfg.core;
	t_shared.tag_secret = 0x1234;
	core_shared = &t_shared;
	t_nsent = 0;
	t_hook_mode = 0;
	t_hook_calls = 0;
	sip_core_set_sender(t_sender);
	if (!hooked++)
		ck_assert_int_eq(sc_sip_add_hook(t_hook), 0);
}

static void t_teardown(void)
{
	sip_core_set_sender(NULL);
	cfg_free(&t_cfg);
}

static void t_ri(struct sc_rcv_info *ri)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&ri->src;

	memset(ri, 0, sizeof(*ri));
	in->sin_family = AF_INET;
	in->sin_port = htons(5999);
	in->sin_addr.s_addr = htonl(0x7f000001);
	ri->srclen = sizeof(*in);
	ri->udp_fd = -1;
}

static int t_handle(const char *method, const char *extra)
{
	char buf[2048];
	struct sc_rcv_info ri;
	int n;

	n = snprintf(buf, sizeof(buf),
		     "%s sip:x@127.0.0.1 SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKt1;rport\r\n"
		     "From: <sip:a@example.com>;tag=f1\r\n"
		     "To: <sip:x@example.com>\r\n"
		     "Call-ID: core-test@x\r\n"
		     "CSeq: 7 %s\r\n%s"
		     "Content-Length: 0\r\n\r\n", method, method,
		     extra ? extra : "");
	t_ri(&ri);
	return sip_core_handle(buf, (size_t)n, &ri);
}

static const char *t_to_tag(const char *reply)
{
	static char tag[64];
	const char *p = strstr(reply, "\r\nTo: ");
	const char *t = p ? strstr(p, ";tag=") : NULL;
	size_t n;

	ck_assert_ptr_nonnull(t);
	t += 5;
	n = strcspn(t, "\r\n;");
	ck_assert_uint_lt(n, sizeof(tag));
	memcpy(tag, t, n);
	tag[n] = '\0';
	return tag;
}

START_TEST(t_options_200_stable_tag)
{
	char tag[64];

	ck_assert_int_eq(t_handle("OPTIONS", NULL), 0);
	ck_assert_uint_eq(t_nsent, 1);
	ck_assert_msg(strncmp(t_sent[0], "SIP/2.0 200 OK\r\n", 16) == 0,
		      "%s", t_sent[0]);
	ck_assert_ptr_nonnull(strstr(t_sent[0], "CSeq: 7 OPTIONS\r\n"));
	ck_assert_ptr_nonnull(strstr(t_sent[0], ";rport=5999;received="
				     "127.0.0.1"));
	snprintf(tag, sizeof(tag), "%s", t_to_tag(t_sent[0]));
	/* the retransmission gets the same tag */
	ck_assert_int_eq(t_handle("OPTIONS", NULL), 0);
	ck_assert_uint_eq(t_nsent, 2);
	ck_assert_str_eq(t_to_tag(t_sent[1]), tag);
	ck_assert_uint_eq(t_hook_calls, 2);
}
END_TEST

START_TEST(t_other_requests_reply_code)
{
	ck_assert_int_eq(t_handle("INVITE", NULL), 0);
	ck_assert_uint_eq(t_nsent, 1);
	ck_assert_msg(strncmp(t_sent[0], "SIP/2.0 501 Not Implemented\r\n",
			      29) == 0, "%s", t_sent[0]);
	core_cfg.reply_code = 403;
	core_cfg.reply_reason = (char *)"Forbidden";
	ck_assert_int_eq(t_handle("REGISTER", NULL), 0);
	ck_assert_uint_eq(t_nsent, 2);
	ck_assert_msg(strncmp(t_sent[1], "SIP/2.0 403 Forbidden\r\n", 23) == 0,
		      "%s", t_sent[1]);
	ck_assert_ptr_nonnull(strstr(t_sent[1], "Server: sipcore\r\n"));
}
END_TEST

START_TEST(t_ack_and_replies_silent)
{
	struct sc_rcv_info ri;
	static const char reply[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKt1\r\n"
		"From: <sip:a@example.com>;tag=f1\r\n"
		"To: <sip:x@example.com>;tag=t2\r\n"
		"Call-ID: core-test@x\r\nCSeq: 7 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n";

	ck_assert_int_eq(t_handle("ACK", NULL), 0);
	t_ri(&ri);
	ck_assert_int_eq(sip_core_handle(reply, sizeof(reply) - 1, &ri), 0);
	ck_assert_uint_eq(t_nsent, 0);
	ck_assert_uint_eq(t_hook_calls, 2);
}
END_TEST

START_TEST(t_hook_takes_it)
{
	t_hook_mode = 1;
	ck_assert_int_eq(t_handle("OPTIONS", NULL), 0);
	ck_assert_uint_eq(t_nsent, 0);
	ck_assert_uint_eq(t_hook_calls, 1);
}
END_TEST

START_TEST(t_unparseable)
{
	static const char junk[] = "HELLO\r\n\r\n";
	struct sc_rcv_info ri;

	t_ri(&ri);
	ck_assert_int_eq(sip_core_handle(junk, sizeof(junk) - 1, &ri), -1);
	ck_assert_uint_eq(t_nsent, 0);
	ck_assert_uint_eq(t_hook_calls, 0);
}
END_TEST

START_TEST(t_too_big_513)
{
	static const char head[] =
		"INVITE sip:x@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKt3\r\n"
		"From: <sip:a@example.com>;tag=f1\r\n"
		"To: <sip:x@example.com>\r\n"
		"Call-ID: big@x\r\nCSeq: 1 INVITE\r\n"
		"Content-Length: 99999999999\r\n\r\nv=0\r\n";
	struct sc_rcv_info ri;

	t_ri(&ri);
	sip_core_reply_too_big(head, sizeof(head) - 1, &ri);
	ck_assert_uint_eq(t_nsent, 1);
	ck_assert_msg(strncmp(t_sent[0], "SIP/2.0 513 Message Too Large\r\n",
			      31) == 0, "%s", t_sent[0]);
	ck_assert_ptr_nonnull(strstr(t_sent[0], "Content-Length: 0\r\n"));
	/* without the end of the headers there is nothing to answer */
	sip_core_reply_too_big(head, 60, &ri);
	ck_assert_uint_eq(t_nsent, 1);
}
END_TEST

static Suite *t_suite(void)
{
	Suite *s = suite_create("sip_core");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_test(tc, t_options_200_stable_tag);
	tcase_add_test(tc, t_other_requests_reply_code);
	tcase_add_test(tc, t_ack_and_replies_silent);
	tcase_add_test(tc, t_hook_takes_it);
	tcase_add_test(tc, t_unparseable);
	tcase_add_test(tc, t_too_big_513);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(t_suite());
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

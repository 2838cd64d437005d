/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers of the SIP unit tests (test_sip_parse.c, test_sip_frame.c,
 * test_sip_reply.c; prefix: t_).
 *
 * Inputs are copied into exact-size heap buffers (t_buf.h), so that a
 * read past the end is caught when this runs under AddressSanitizer.
 */
#ifndef T_SIP_TEST_H
#define T_SIP_TEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_msg.h"
#include "t_buf.h"

#define T_MAX 65536 /* the framer's max_msg_size in these tests */

static inline int t_parse_n(struct sc_sip_msg *m, const char *s, size_t n,
		     const char **why)
{
	return sip_parse(m, tb_dup(s, n), n, why);
}

static inline int t_parse(struct sc_sip_msg *m, const char *s, const char **why)
{
	return t_parse_n(m, s, strlen(s), why);
}

static inline enum sip_frame_ret t_frame_n(const char *s, size_t n, size_t max,
				    size_t *used, const char **why)
{
	return sip_frame(tb_dup(s, n), n, max, used, why);
}

static inline enum sip_frame_ret t_frame(const char *s, size_t max, size_t *used,
				  const char **why)
{
	return t_frame_n(s, strlen(s), max, used, why);
}

#define ck_hdr(m, id, lit)                                                    \
	do {                                                                   \
		int hdr_i_ = sip_find_hdr((m), (id));                              \
		ck_assert_int_ge(hdr_i_, 0);                                       \
		ck_str_eq((m)->hdrs[hdr_i_].value, (lit));                         \
	} while (0)

/* ------------------------------------------------------------------ */

/* Run one suite of @name made of @tc, with the buffer fixture. */
static inline int t_run(const char *name, TCase *tc)
{
	Suite *s = suite_create(name);
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, tb_setup, tb_teardown);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers of the SIP unit tests (test_sip_parse.c, test_sip_frame.c,
 * test_sip_reply.c; prefix: t_).
 *
 * Inputs are copied into malloc'd buffers of their exact size, so that a
 * read past the end is caught when this runs under AddressSanitizer.
 */
#ifndef T_SIP_TEST_H
#define T_SIP_TEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_msg.h"

#define T_MAX_BUFS 4096
#define T_MAX 65536 /* the framer's max_msg_size in these tests */

static char *t_bufs[T_MAX_BUFS];
static int t_nbufs;

static inline void t_setup(void)
{
	t_nbufs = 0;
}

static inline void t_teardown(void)
{
	while (t_nbufs > 0)
		free(t_bufs[--t_nbufs]);
}

/* An exact-size heap buffer, freed by the fixture. */
static inline char *t_alloc(size_t n)
{
	char *p = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_lt(t_nbufs, T_MAX_BUFS);
	t_bufs[t_nbufs++] = p;
	return p;
}

static inline char *t_dup(const char *s, size_t n)
{
	char *p = t_alloc(n);

	memcpy(p, s, n);
	return p;
}

static inline int t_parse_n(struct sc_sip_msg *m, const char *s, size_t n,
		     const char **why)
{
	return sip_parse(m, t_dup(s, n), n, why);
}

static inline int t_parse(struct sc_sip_msg *m, const char *s, const char **why)
{
	return t_parse_n(m, s, strlen(s), why);
}

static inline enum sip_frame_ret t_frame_n(const char *s, size_t n, size_t max,
				    size_t *used, const char **why)
{
	return sip_frame(t_dup(s, n), n, max, used, why);
}

static inline enum sip_frame_ret t_frame(const char *s, size_t max, size_t *used,
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
		int hdr_i_ = sip_find_hdr((m), (id));                              \
		ck_assert_int_ge(hdr_i_, 0);                                       \
		ck_sc_str((m)->hdrs[hdr_i_].value, (lit));                         \
	} while (0)

/* ------------------------------------------------------------------ */

/* Run one suite of @name made of @tc, with the buffer fixture. */
static inline int t_run(const char *name, TCase *tc)
{
	Suite *s = suite_create(name);
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif

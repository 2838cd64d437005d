/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exact-size heap copies for the SIP unit tests (prefix: tb_).
 *
 * Every input is copied into a malloc'd buffer of exactly its length, so
 * a read one byte past the end is caught under AddressSanitizer. The
 * buffers are freed by tb_teardown() (a Check fixture).
 */
#ifndef T_BUF_H
#define T_BUF_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sipcore/sip.h>

#define TB_MAX_BUFS 8192

static char *tb_bufs[TB_MAX_BUFS];
static int tb_nbufs;

static inline void tb_setup(void)
{
	tb_nbufs = 0;
}

static inline void tb_teardown(void)
{
	while (tb_nbufs > 0)
		free(tb_bufs[--tb_nbufs]);
}

/* An exact-size heap buffer, freed by the fixture. */
static inline char *tb_alloc(size_t n)
{
	char *p = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_lt(tb_nbufs, TB_MAX_BUFS);
	tb_bufs[tb_nbufs++] = p;
	return p;
}

static inline char *tb_dup(const char *s, size_t n)
{
	char *p = tb_alloc(n);

	memcpy(p, s, n);
	return p;
}

static inline const char *tb_str(const char *s)
{
	return tb_dup(s, strlen(s));
}

/* An sc_str equals a C string literal. */
#define ck_str_eq(sv, lit)                                                     \
	do {                                                                   \
		struct sc_str _v = (sv);                                       \
		const char *_l = (lit);                                        \
		ck_assert_msg(_v.len == strlen(_l) &&                          \
				      (_v.len == 0 ||                          \
				       memcmp(_v.s, _l, _v.len) == 0),         \
			      "'%.*s' != '%s'", (int)_v.len, _v.s, _l);        \
	} while (0)

/* An sc_str lies inside the buffer [b, b+n). */
#define ck_str_within(sv, b, n)                                                \
	do {                                                                   \
		struct sc_str _w = (sv);                                       \
		uintptr_t _s = (uintptr_t)_w.s, _b = (uintptr_t)(b);           \
		ck_assert_msg(_s >= _b && _s + _w.len <= _b + (n),             \
			      "span outside its buffer");                      \
	} while (0)

#endif

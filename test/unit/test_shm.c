/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the shared-memory arena (prefix: t_).
 *
 * Every test runs in its own arena (checked fixture) and ends with
 * shm_check() == 0 in the teardown. Blocks are filled with a byte pattern
 * derived from a per-block seed, so any overlap between two blocks, or a
 * copy that loses data, shows up as a pattern mismatch.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sipcore/log.h>
#include <sipcore/shm.h>

#include "shm_int.h"

#define T_ARENA		((size_t)4 << 20)
#define T_NPROC		4
#define T_OPS		20000
#define T_SLOTS		64

static void t_setup(void)
{
	ck_assert_int_eq(shm_init(T_ARENA), 0);
	ck_assert_int_eq(shm_initialized(), 1);
}

static void t_teardown(void)
{
	ck_assert_int_eq(shm_check(), 0);
	shm_destroy();
}

static uint8_t t_pat(uint32_t seed, size_t i)
{
	uint32_t h = seed * 2654435761u ^ (uint32_t)i * 40503u;

	h ^= h >> 15;
	h *= 2246822519u;
	h ^= h >> 13;
	return (uint8_t)h;
}

static void t_fill(void *p, size_t n, uint32_t seed)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = t_pat(seed, i);
}

static int t_verify(const void *p, size_t n, uint32_t seed)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != t_pat(seed, i))
			return 0;
	return 1;
}

static struct shm_stats t_stats(void)
{
	struct shm_stats st;

	shm_get_stats(&st);
	return st;
}

/* stderr capture, to assert what was logged */
static FILE *cap_file;
static int cap_saved = -1;
static char cap_buf[16384];

static void t_cap_begin(void)
{
	cap_file = tmpfile();
	ck_assert_ptr_nonnull(cap_file);
	fflush(stderr);
	cap_saved = dup(STDERR_FILENO);
	ck_assert_int_ge(cap_saved, 0);
	ck_assert_int_ge(dup2(fileno(cap_file), STDERR_FILENO), 0);
}

static const char *t_cap_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(cap_saved, STDERR_FILENO);
	close(cap_saved);
	rewind(cap_file);
	n = fread(cap_buf, 1, sizeof(cap_buf) - 1, cap_file);
	cap_buf[n] = '\0';
	fclose(cap_file);
	return cap_buf;
}

static int t_count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* ---- basic ---- */

START_TEST(test_fresh_stats)
{
	struct shm_stats st = t_stats();

	ck_assert_uint_gt(st.total, T_ARENA - 4096);
	ck_assert_uint_le(st.total, T_ARENA);
	ck_assert_uint_eq(st.used, 0);
	ck_assert_uint_eq(st.free, st.total);
	ck_assert_uint_eq(st.largest_free, st.total);
	ck_assert_uint_eq(st.free_blocks, 1);
	ck_assert_uint_eq(st.allocs, 0);
	ck_assert_uint_eq(st.failures, 0);
}
END_TEST

START_TEST(test_basic_patterns)
{
	enum { N = 300 };
	void *p[N];
	size_t sz[N];
	struct shm_stats st;
	int i;

	for (i = 0; i < N; i++) {
		sz[i] = (size_t)(i * 37) % 1000 + 1;
		p[i] = shm_malloc(sz[i]);
		ck_assert_ptr_nonnull(p[i]);
		t_fill(p[i], sz[i], i);
	}
	for (i = 0; i < N; i++)
		ck_assert_msg(t_verify(p[i], sz[i], i), "block %d overwritten",
			      i);
	st = t_stats();
	ck_assert_uint_eq(st.allocs, N);
	ck_assert_uint_gt(st.used, N * 24);
	ck_assert_uint_eq(st.used + st.free, st.total);
	ck_assert_uint_eq(st.max_used, st.used);
	ck_assert_int_eq(shm_check(), 0);

	/* free every third, refill the holes with other sizes */
	for (i = 0; i < N; i += 3)
		shm_free(p[i]);
	for (i = 0; i < N; i += 3) {
		sz[i] = (size_t)(i * 53) % 700 + 1;
		p[i] = shm_malloc(sz[i]);
		ck_assert_ptr_nonnull(p[i]);
		t_fill(p[i], sz[i], i + 1000);
	}
	for (i = 0; i < N; i++)
		ck_assert_msg(t_verify(p[i], sz[i], i % 3 ? i : i + 1000),
			      "block %d overwritten", i);
	ck_assert_int_eq(shm_check(), 0);
	for (i = 0; i < N; i++)
		shm_free(p[i]);
	st = t_stats();
	ck_assert_uint_eq(st.used, 0);
	ck_assert_uint_eq(st.frees, st.allocs);
	ck_assert_uint_ge(st.max_used, N * 24);
}
END_TEST

START_TEST(test_zero_and_null)
{
	void *a = shm_malloc(0), *b = shm_malloc(0);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_ne(a, b);
	shm_free(NULL);
	shm_free(a);
	shm_free(b);
	ck_assert_uint_eq(t_stats().frees, 2);
}
END_TEST

START_TEST(test_init_twice_and_no_arena)
{
	ck_assert_int_eq(shm_init(T_ARENA), -1);
	ck_assert_int_eq(shm_initialized(), 1);
	shm_destroy();
	ck_assert_int_eq(shm_initialized(), 0);
	ck_assert_ptr_null(shm_malloc(16));
	ck_assert_int_eq(shm_check(), -1);
	ck_assert_int_eq(shm_init(16), -1);
	/* the teardown needs an arena */
	ck_assert_int_eq(shm_init(T_ARENA), 0);
}
END_TEST

START_TEST(test_bad_free)
{
	char *a = shm_malloc(100), *b = shm_malloc(100), *c = shm_malloc(100);
	char *d;
	int local;
	struct shm_stats before, after;
	const char *log;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	t_fill(c, 100, 7);
	shm_free(b);
	before = t_stats();

	t_cap_begin();
	shm_free(b);			/* double free, b still a block */
	shm_free(&local);		/* outside the arena */
	shm_free(c + 16);		/* interior pointer */
	shm_free(c + 1);		/* misaligned */
	ck_assert_ptr_null(shm_realloc(&local, 10));
	log = t_cap_end();

	ck_assert_int_eq(t_count(log, "double free"), 1);
	ck_assert_int_eq(t_count(log, "outside the shared memory arena"), 2);
	ck_assert_int_eq(t_count(log, "not an allocated block"), 2);
	after = t_stats();
	ck_assert_uint_eq(after.frees, before.frees);
	ck_assert_uint_eq(after.used, before.used);
	ck_assert_int_eq(shm_check(), 0);
	ck_assert(t_verify(c, 100, 7));

	/* a merges with the free b: b's header is gone, still detected */
	shm_free(a);
	t_cap_begin();
	shm_free(b);
	log = t_cap_end();
	ck_assert_int_eq(t_count(log, "not an allocated block"), 1);
	ck_assert_int_eq(shm_check(), 0);
	shm_free(c);

	/*
	 * Three-way merge: b's header and footer both survive inside the
	 * merged block, still saying "in use"; it must not pass as a block.
	 */
	a = shm_malloc(100);
	b = shm_malloc(100);
	c = shm_malloc(100);
	d = shm_malloc(100);	/* keeps c off the tail */
	ck_assert_ptr_nonnull(d);
	shm_free(a);
	shm_free(c);
	shm_free(b);
	before = t_stats();
	t_cap_begin();
	shm_free(b);
	log = t_cap_end();
	ck_assert_int_eq(t_count(log, "not an allocated block"), 1);
	ck_assert_uint_eq(t_stats().frees, before.frees);
	ck_assert_int_eq(shm_check(), 0);
	shm_free(d);
}
END_TEST

START_TEST(test_check_detects_corruption)
{
	char *p = shm_malloc(40), *q = shm_malloc(40);
	unsigned char saved[16];
	const char *log;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(q);
	ck_assert(q >= p + 40 + sizeof(saved));
	/* a stray write over q's header (the 16 bytes before q) */
	memcpy(saved, q - sizeof(saved), sizeof(saved));
	memset(q - sizeof(saved), 0x5a, sizeof(saved));
	t_cap_begin();
	ck_assert_int_eq(shm_check(), -1);
	shm_free(p);	/* its right neighbour is unreadable: refused */
	shm_free(q);
	ck_assert_ptr_null(shm_realloc(p, 4000));
	log = t_cap_end();
	ck_assert_int_eq(t_count(log, "bad boundary tags"), 1);
	ck_assert_int_eq(t_count(log, "next to this block are corrupt"), 2);
	ck_assert_int_eq(t_count(log, "not an allocated block"), 1);
	ck_assert_uint_eq(t_stats().frees, 0);
	memcpy(q - sizeof(saved), saved, sizeof(saved));
	ck_assert_int_eq(shm_check(), 0);
	shm_free(p);
	shm_free(q);
	ck_assert_uint_eq(t_stats().used, 0);
}
END_TEST

/* ---- alignment ---- */

START_TEST(test_alignment)
{
	static void *p[1100];
	size_t i, n = 0;

	for (i = 0; i <= 1024; i++) {
		p[n] = shm_malloc(i);
		ck_assert_ptr_nonnull(p[n]);
		ck_assert_uint_eq((uintptr_t)p[n] % 16, 0);
		t_fill(p[n], i, (uint32_t)i);
		n++;
	}
	for (i = 0; i < n; i += 2) {
		p[i] = shm_realloc(p[i], i * 3 + 5);
		ck_assert_ptr_nonnull(p[i]);
		ck_assert_uint_eq((uintptr_t)p[i] % 16, 0);
		ck_assert(t_verify(p[i], i, (uint32_t)i));
	}
	for (i = 1; i < n; i += 2)
		ck_assert(t_verify(p[i], i, (uint32_t)i));
	p[n] = shm_calloc(3, 7);
	ck_assert_uint_eq((uintptr_t)p[n] % 16, 0);
	n++;
	for (i = 0; i < n; i++)
		shm_free(p[i]);
}
END_TEST

/* ---- coalescing ---- */

enum t_order { O_FWD, O_REV, O_ODD_EVEN, O_EVEN_ODD, O_SHUFFLE, O_MIDDLE_OUT,
	       O_COUNT };

static void t_free_in_order(void **p, int n, enum t_order o)
{
	int idx[512];
	unsigned seed = 12345;
	int i, k = 0;

	ck_assert_int_le(n, 512);
	switch (o) {
	case O_FWD:
		for (i = 0; i < n; i++)
			idx[k++] = i;
		break;
	case O_REV:
		for (i = n - 1; i >= 0; i--)
			idx[k++] = i;
		break;
	case O_ODD_EVEN:
	case O_EVEN_ODD:
		for (i = o == O_ODD_EVEN; i < n; i += 2)
			idx[k++] = i;
		for (i = o != O_ODD_EVEN; i < n; i += 2)
			idx[k++] = i;
		break;
	case O_SHUFFLE:
		for (i = 0; i < n; i++)
			idx[k++] = i;
		for (i = n - 1; i > 0; i--) {
			int j = rand_r(&seed) % (i + 1), t = idx[i];

			idx[i] = idx[j];
			idx[j] = t;
		}
		break;
	default:
		for (i = 0; i < n / 2 + 1; i++) {
			if (n / 2 - i >= 0)
				idx[k++] = n / 2 - i;
			if (i && n / 2 + i < n)
				idx[k++] = n / 2 + i;
		}
		break;
	}
	ck_assert_int_eq(k, n);
	for (i = 0; i < k; i++) {
		shm_free(p[idx[i]]);
		if (i == k / 2)
			ck_assert_int_eq(shm_check(), 0);
	}
}

START_TEST(test_coalesce_orders)
{
	enum { N = 400 };
	void *p[N];
	struct shm_stats st;
	int i;

	for (i = 0; i < N; i++) {
		p[i] = shm_malloc((size_t)(i * 91) % 3000 + 1);
		ck_assert_ptr_nonnull(p[i]);
	}
	st = t_stats();
	ck_assert_uint_eq(st.free_blocks, 1);
	t_free_in_order(p, N, (enum t_order)_i);
	st = t_stats();
	ck_assert_uint_eq(st.used, 0);
	ck_assert_uint_eq(st.free_blocks, 1);
	ck_assert_uint_eq(st.largest_free, st.free);
	ck_assert_uint_eq(st.free, st.total);
}
END_TEST

START_TEST(test_coalesce_both_sides)
{
	void *a = shm_malloc(200), *b = shm_malloc(200), *c = shm_malloc(200);
	void *d = shm_malloc(200);

	ck_assert_ptr_nonnull(d);
	shm_free(a);
	shm_free(c);
	ck_assert_uint_eq(t_stats().free_blocks, 3);	/* a, c, tail */
	shm_free(b);
	ck_assert_uint_eq(t_stats().free_blocks, 2);	/* a+b+c, tail */
	/* the merged block serves a request none of a, b, c could */
	a = shm_malloc(600);
	ck_assert_ptr_nonnull(a);
	ck_assert((char *)(a) < (char *)(d));
	shm_free(d);
	shm_free(a);
	ck_assert_uint_eq(t_stats().free_blocks, 1);
}
END_TEST

/* ---- fragmentation ---- */

START_TEST(test_fragmentation)
{
	static void *p[8192];
	struct shm_stats st;
	void *big;
	int i, n = 0;

	t_cap_begin();
	while ((p[n] = shm_malloc(1000)))
		n++;
	t_cap_end();
	ck_assert_int_gt(n, 1000);
	for (i = 0; i < n; i += 2)
		shm_free(p[i]);
	st = t_stats();
	/* half the arena is free, but in pieces */
	ck_assert_uint_gt(st.free, st.total / 3);
	ck_assert_uint_lt(st.largest_free, 3000);
	t_cap_begin();
	ck_assert_ptr_null(shm_malloc(3000));
	t_cap_end();
	/* 0..4 become one free run */
	shm_free(p[1]);
	shm_free(p[3]);
	big = shm_malloc(3000);
	ck_assert_ptr_eq(big, p[0]);
	t_fill(big, 3000, 99);
	shm_free(big);
	for (i = 5; i < n; i += 2)
		shm_free(p[i]);
	st = t_stats();
	ck_assert_uint_eq(st.used, 0);
	ck_assert_uint_eq(st.free_blocks, 1);
}
END_TEST

/* ---- exhaustion ---- */

static int t_fill_arena(void **p, int max, size_t size)
{
	int n = 0;

	while (n < max && (p[n] = shm_malloc(size)))
		n++;
	return n;
}

START_TEST(test_exhaustion)
{
	static void *p[4096];
	struct shm_stats st;
	const char *log;
	int i, n, m;

	t_cap_begin();
	n = t_fill_arena(p, 4096, 4096);
	log = t_cap_end();
	ck_assert_int_lt(n, 4096);
	ck_assert_int_gt(n, 900);
	st = t_stats();
	ck_assert_uint_eq(st.failures, 1);
	ck_assert_uint_lt(st.largest_free, 4096);
	ck_assert_int_eq(t_count(log, "ERROR"), 1);
	ck_assert_int_eq(t_count(log, "shm_malloc(4096)"), 1);

	/* a request bigger than the arena, and one that overflows size_t */
	t_cap_begin();
	ck_assert_ptr_null(shm_malloc(st.total));
	ck_assert_ptr_null(shm_malloc(SIZE_MAX));
	log = t_cap_end();
	ck_assert_int_eq(t_count(log, "ERROR"), 2);
	ck_assert_uint_eq(t_stats().failures, 3);

	for (i = 0; i < n; i++)
		shm_free(p[i]);
	ck_assert_uint_eq(t_stats().used, 0);
	t_cap_begin();
	m = t_fill_arena(p, 4096, 4096);
	t_cap_end();
	ck_assert_int_eq(m, n);
	ck_assert_uint_eq(t_stats().failures, 4);
	for (i = 0; i < m; i++)
		shm_free(p[i]);
}
END_TEST

/* ---- realloc ---- */

START_TEST(test_realloc_grow_in_place)
{
	char *a = shm_malloc(100), *b = shm_malloc(100), *c = shm_malloc(100);
	struct shm_stats before, after;
	char *r;

	ck_assert_ptr_nonnull(c);
	t_fill(a, 100, 1);
	t_fill(c, 100, 3);
	shm_free(b);
	before = t_stats();
	r = shm_realloc(a, 150);	/* part of b, rest of b stays free */
	ck_assert_ptr_eq(r, a);
	ck_assert(t_verify(a, 100, 1));
	after = t_stats();
	ck_assert_uint_eq(after.allocs, before.allocs);
	ck_assert_uint_eq(after.frees, before.frees);
	ck_assert_uint_gt(after.used, before.used);
	ck_assert_uint_eq(after.free_blocks, before.free_blocks);
	ck_assert_int_eq(shm_check(), 0);

	r = shm_realloc(a, 220);	/* all of b: no free block left there */
	ck_assert_ptr_eq(r, a);
	ck_assert(t_verify(a, 100, 1));
	ck_assert_uint_eq(t_stats().free_blocks, before.free_blocks - 1);
	ck_assert(t_verify(c, 100, 3));
	shm_free(a);
	shm_free(c);
}
END_TEST

START_TEST(test_realloc_move)
{
	char *a = shm_malloc(100), *b = shm_malloc(100), *r, *again;
	struct shm_stats before, after;

	ck_assert_ptr_nonnull(b);
	t_fill(a, 100, 1);
	t_fill(b, 100, 2);
	before = t_stats();
	r = shm_realloc(a, 5000);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_ne(r, a);
	ck_assert(t_verify(r, 100, 1));
	ck_assert(t_verify(b, 100, 2));
	after = t_stats();
	ck_assert_uint_eq(after.allocs, before.allocs + 1);
	ck_assert_uint_eq(after.frees, before.frees + 1);
	/* the old place was given back: first fit hands it out again */
	again = shm_malloc(100);
	ck_assert_ptr_eq(again, a);
	shm_free(again);
	shm_free(r);
	shm_free(b);
}
END_TEST

START_TEST(test_realloc_shrink)
{
	char *a = shm_malloc(8000), *b = shm_malloc(16), *r, *mid;
	struct shm_stats before, after;

	ck_assert_ptr_nonnull(b);
	t_fill(a, 8000, 5);
	before = t_stats();
	r = shm_realloc(a, 100);
	ck_assert_ptr_eq(r, a);
	ck_assert(t_verify(a, 100, 5));
	after = t_stats();
	ck_assert_uint_ge(before.used - after.used, 7800);
	ck_assert_uint_eq(after.free_blocks, before.free_blocks + 1);
	/* the tail is usable between a and b */
	mid = shm_malloc(4000);
	ck_assert((char *)(mid) > (char *)(a));
	ck_assert((char *)(mid) < (char *)(b));
	shm_free(mid);
	shm_free(b);

	/* shrinking next to free space merges the tail into it */
	before = t_stats();
	ck_assert_uint_eq(before.free_blocks, 1);
	r = shm_realloc(a, 40);
	ck_assert_ptr_eq(r, a);
	ck_assert_uint_eq(t_stats().free_blocks, 1);
	ck_assert_uint_lt(t_stats().used, before.used);
	/* a shrink too small to split keeps the block as it is */
	before = t_stats();
	ck_assert_ptr_eq(shm_realloc(a, 33), a);
	ck_assert_uint_eq(t_stats().used, before.used);
	ck_assert(t_verify(a, 33, 5));
	shm_free(a);
}
END_TEST

START_TEST(test_realloc_failure_keeps_data)
{
	char *a = shm_malloc(1000);
	struct shm_stats before, after;
	const char *log;

	ck_assert_ptr_nonnull(a);
	t_fill(a, 1000, 9);
	before = t_stats();
	t_cap_begin();
	ck_assert_ptr_null(shm_realloc(a, before.total));
	ck_assert_ptr_null(shm_realloc(a, SIZE_MAX));
	log = t_cap_end();
	ck_assert_int_eq(t_count(log, "shm_realloc("), 2);
	after = t_stats();
	ck_assert_uint_eq(after.failures, before.failures + 2);
	ck_assert_uint_eq(after.used, before.used);
	ck_assert(t_verify(a, 1000, 9));
	ck_assert_int_eq(shm_check(), 0);
	shm_free(a);
	ck_assert_uint_eq(t_stats().used, 0);
}
END_TEST

START_TEST(test_realloc_edges)
{
	char *a = shm_realloc(NULL, 50), *r;

	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(t_stats().allocs, 1);
	t_fill(a, 50, 4);
	r = shm_realloc(a, 50);
	ck_assert_ptr_eq(r, a);
	r = shm_realloc(a, 0);
	ck_assert_ptr_eq(r, a);
	ck_assert_uint_eq(t_stats().frees, 0);
	shm_free(r);
}
END_TEST

/* ---- calloc, strdup, memdup ---- */

START_TEST(test_calloc)
{
	unsigned char *p = shm_malloc(1000), *q;
	const char *log;
	size_t i;

	ck_assert_ptr_nonnull(p);
	memset(p, 0xaa, 1000);
	shm_free(p);
	q = shm_calloc(10, 100);
	ck_assert_ptr_eq(q, p);		/* the dirty block, reused */
	for (i = 0; i < 1000; i++)
		ck_assert_uint_eq(q[i], 0);
	shm_free(q);

	t_cap_begin();
	ck_assert_ptr_null(shm_calloc(SIZE_MAX / 2 + 1, 2));
	ck_assert_ptr_null(shm_calloc(SIZE_MAX, SIZE_MAX));
	ck_assert_ptr_null(shm_calloc(2, SIZE_MAX / 2 + 1));
	log = t_cap_end();
	ck_assert_int_eq(t_count(log, "overflows"), 3);
	ck_assert_uint_eq(t_stats().allocs, 2);
	ck_assert_uint_eq(t_stats().failures, 0);

	q = shm_calloc(0, 10);
	ck_assert_ptr_nonnull(q);
	shm_free(q);
}
END_TEST

START_TEST(test_dup)
{
	char *s = shm_strdup("sip:alice@example.com"), *e = shm_strdup("");
	char *m = shm_memdup("ab\0cd", 5), *z = shm_memdup(NULL, 0);

	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "sip:alice@example.com");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e, "");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(memcmp(m, "ab\0cd", 5), 0);
	ck_assert_int_eq(m[5], '\0');
	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(z[0], '\0');
	t_cap_begin();
	ck_assert_ptr_null(shm_strdup(NULL));
	ck_assert_ptr_null(shm_memdup(NULL, 3));
	t_cap_end();
	shm_free(s);
	shm_free(e);
	shm_free(m);
	shm_free(z);
	ck_assert_uint_eq(t_stats().used, 0);
}
END_TEST

/* ---- several processes ---- */

struct t_slot {
	unsigned char *p;
	size_t size;
	uint32_t seed;
};

/* A child's random workload; returns an exit status (0: all good). */
static int t_child_work(int id)
{
	struct t_slot s[T_SLOTS] = { { 0 } };
	unsigned rs = 1000u + (unsigned)id;
	uint32_t next_seed = (uint32_t)id << 24;
	int i, err = 0;

	for (i = 0; i < T_OPS && !err; i++) {
		struct t_slot *sl = &s[rand_r(&rs) % T_SLOTS];
		size_t size = (size_t)(rand_r(&rs) % 4000) + 1;
		unsigned char *np;

		if (!sl->p) {
			sl->p = shm_malloc(size);
			if (!sl->p)
				return 2;
		} else if (!t_verify(sl->p, sl->size, sl->seed)) {
			return 1;
		} else if (rand_r(&rs) % 2) {
			np = shm_realloc(sl->p, size);
			if (!np)
				return 3;
			if (!t_verify(np, size < sl->size ? size : sl->size,
				      sl->seed))
				return 4;
			sl->p = np;
		} else {
			shm_free(sl->p);
			sl->p = NULL;
			continue;
		}
		sl->size = size;
		sl->seed = ++next_seed;
		t_fill(sl->p, size, sl->seed);
	}
	for (i = 0; i < T_SLOTS; i++) {
		if (s[i].p && !t_verify(s[i].p, s[i].size, s[i].seed))
			err = 5;
		shm_free(s[i].p);
	}
	return err;
}

START_TEST(test_processes)
{
	pid_t pid[T_NPROC];
	struct shm_stats base, st;
	void *keep = shm_malloc(777);
	int i, status;

	ck_assert_ptr_nonnull(keep);
	t_fill(keep, 777, 77);
	base = t_stats();
	for (i = 0; i < T_NPROC; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] == 0)
			_exit(t_child_work(i));
	}
	for (i = 0; i < T_NPROC; i++) {
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "child %d: status 0x%x", i, status);
	}
	ck_assert_int_eq(shm_check(), 0);
	st = t_stats();
	ck_assert_uint_eq(st.used, base.used);
	ck_assert_uint_gt(st.allocs, base.allocs + T_NPROC * 1000);
	ck_assert_uint_eq(st.failures, 0);
	ck_assert(t_verify(keep, 777, 77));
	shm_free(keep);
}
END_TEST

/* ---- locks ---- */

START_TEST(test_lock_robust)
{
	shm_lock_t *l = shm_malloc(sizeof(*l));
	const char *log;
	pid_t pid;
	int status;

	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(shm_lock_init(l), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		shm_lock(l);
		_exit(0);		/* dies holding it */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	t_cap_begin();
	shm_lock(l);
	log = t_cap_end();
	ck_assert_int_eq(t_count(log, "died holding it"), 1);
	ck_assert_int_eq(pthread_mutex_trylock(&l->m), EBUSY);
	shm_unlock(l);

	/* made consistent: another process takes it normally */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		alarm(5);
		shm_lock(l);
		shm_unlock(l);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(pthread_mutex_trylock(&l->m), 0);
	shm_unlock(l);
	shm_lock_destroy(l);
	shm_free(l);
}
END_TEST

struct t_counter {
	shm_lock_t lock;
	volatile long n;
};

START_TEST(test_lock_excludes)
{
	struct t_counter *c = shm_calloc(1, sizeof(*c));
	pid_t pid[T_NPROC];
	int i, k, status;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(shm_lock_init(&c->lock), 0);
	for (i = 0; i < T_NPROC; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] != 0)
			continue;
		for (k = 0; k < 20000; k++) {
			long v;

			shm_lock(&c->lock);
			v = c->n;
			if (k % 64 == 0)
				sched_yield();
			c->n = v + 1;
			shm_unlock(&c->lock);
		}
		_exit(0);
	}
	for (i = 0; i < T_NPROC; i++) {
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_int_eq(c->n, T_NPROC * 20000L);
	shm_lock_destroy(&c->lock);
	shm_free(c);
}
END_TEST

/* Is @pid asleep (state S) in the kernel? */
static int t_sleeping(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

/*
 * A process dies holding the arena lock. The allocator logs a bad free
 * while it holds the lock; with stderr a full pipe that write blocks, and
 * the child is killed there. The next user of the arena must recover.
 */
START_TEST(test_arena_owner_dead)
{
	char junk[4096];
	void *a = shm_malloc(64), *b;
	int fds[2], local, status, tries;
	const char *log;
	pid_t pid;

	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
	memset(junk, 'x', sizeof(junk));
	while (write(fds[1], junk, sizeof(junk)) > 0)
		;
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(fcntl(fds[1], F_SETFL, 0), 0);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		shm_free(&local);	/* blocks in the log write, locked */
		_exit(0);
	}
	for (tries = 0; tries < 500 && !t_sleeping(pid); tries++)
		usleep(10000);
	ck_assert_msg(t_sleeping(pid), "child never blocked");
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	close(fds[0]);
	close(fds[1]);

	t_cap_begin();
	b = shm_malloc(64);
	log = t_cap_end();
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(t_count(log, "checks out"), 1);
	ck_assert_int_eq(shm_check(), 0);
	shm_free(a);
	shm_free(b);
}
END_TEST

static Suite *t_suite(void)
{
	Suite *s = suite_create("shm");
	TCase *tc;

	tc = tcase_create("basic");
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_test(tc, test_fresh_stats);
	tcase_add_test(tc, test_basic_patterns);
	tcase_add_test(tc, test_zero_and_null);
	tcase_add_test(tc, test_init_twice_and_no_arena);
	tcase_add_test(tc, test_bad_free);
	tcase_add_test(tc, test_check_detects_corruption);
	suite_add_tcase(s, tc);

	tc = tcase_create("alignment");
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_test(tc, test_alignment);
	suite_add_tcase(s, tc);

	tc = tcase_create("coalesce");
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_loop_test(tc, test_coalesce_orders, 0, O_COUNT);
	tcase_add_test(tc, test_coalesce_both_sides);
	tcase_add_test(tc, test_fragmentation);
	suite_add_tcase(s, tc);

	tc = tcase_create("exhaustion");
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_test(tc, test_exhaustion);
	suite_add_tcase(s, tc);

	tc = tcase_create("realloc");
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_test(tc, test_realloc_grow_in_place);
	tcase_add_test(tc, test_realloc_move);
	tcase_add_test(tc, test_realloc_shrink);
	tcase_add_test(tc, test_realloc_failure_keeps_data);
	tcase_add_test(tc, test_realloc_edges);
	suite_add_tcase(s, tc);

	tc = tcase_create("calloc_dup");
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_test(tc, test_calloc);
	tcase_add_test(tc, test_dup);
	suite_add_tcase(s, tc);

	tc = tcase_create("processes");
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_processes);
	tcase_add_test(tc, test_lock_robust);
	tcase_add_test(tc, test_lock_excludes);
	tcase_add_test(tc, test_arena_owner_dead);
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

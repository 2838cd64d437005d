/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: per-worker timers (core/timer.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sipcore/timer.h>

#include "timer_int.h"

static int fired[64];
static int order[64], norder;

static void cb(struct sc_timer *t, void *arg)
{
	int i = (int)(long)arg;

	(void)t;
	fired[i]++;
	order[norder++] = i;
}

static void reset(void)
{
	timer_reset();
	memset(fired, 0, sizeof(fired));
	norder = 0;
}

START_TEST(fires_in_order)
{
	struct sc_timer t[5];
	int i;

	reset();
	for (i = 0; i < 5; i++) {
		sc_timer_init(&t[i], cb, (void *)(long)i);
		ck_assert_int_eq(sc_timer_add(&t[i], (uint64_t)(50 - i * 10)),
				 0);
	}
	ck_assert_uint_eq(timer_count(), 5);
	usleep(60 * 1000);
	ck_assert_uint_eq(timer_run(), 5);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(order[i], 4 - i);
	ck_assert_uint_eq(timer_count(), 0);
}
END_TEST

START_TEST(not_before_time)
{
	struct sc_timer t;

	reset();
	sc_timer_init(&t, cb, (void *)0L);
	sc_timer_add(&t, 200);
	ck_assert_uint_eq(timer_run(), 0);
	ck_assert_int_eq(fired[0], 0);
	ck_assert_int_gt(timer_next_ms(1000), 100);
	ck_assert_int_le(timer_next_ms(1000), 200);
	ck_assert_int_eq(timer_next_ms(50), 50);
	sc_timer_del(&t);
	ck_assert_int_eq(timer_next_ms(1000), 1000);
}
END_TEST

START_TEST(cancel_and_rearm)
{
	struct sc_timer t[3];
	int i;

	reset();
	for (i = 0; i < 3; i++) {
		sc_timer_init(&t[i], cb, (void *)(long)i);
		sc_timer_add(&t[i], 10);
	}
	sc_timer_del(&t[1]);
	ck_assert(!sc_timer_armed(&t[1]));
	sc_timer_del(&t[1]); /* twice is harmless */
	sc_timer_add(&t[0], 100000); /* re-arm later */
	usleep(20 * 1000);
	ck_assert_uint_eq(timer_run(), 1);
	ck_assert_int_eq(fired[2], 1);
	ck_assert_int_eq(fired[0], 0);
	ck_assert_int_eq(fired[1], 0);
	ck_assert(sc_timer_armed(&t[0]));
	sc_timer_add(&t[0], 0); /* re-arm earlier */
	ck_assert_uint_eq(timer_run(), 1);
	ck_assert_int_eq(fired[0], 1);
}
END_TEST

/* Random inserts, deletes and re-arms: every live timer fires exactly once,
 * deleted ones never, and they fire in expiry order. */
enum { STRESS_N = 3000 };
static uint64_t stress_exp[STRESS_N];
static int stress_fired[STRESS_N], stress_n;

static void stress_cb(struct sc_timer *t, void *arg)
{
	int i = (int)(long)arg;

	stress_fired[i]++;
	stress_exp[stress_n++] = t->expires;
}

START_TEST(heap_stress)
{
	struct sc_timer *t = calloc(STRESS_N, sizeof(*t));
	int i, live = 0;

	reset();
	ck_assert_ptr_nonnull(t);
	srand(7);
	stress_n = 0;
	memset(stress_fired, 0, sizeof(stress_fired));
	for (i = 0; i < STRESS_N; i++) {
		sc_timer_init(&t[i], stress_cb, (void *)(long)i);
		ck_assert_int_eq(sc_timer_add(&t[i], (uint64_t)(rand() % 40)),
				 0);
	}
	for (i = 0; i < STRESS_N; i += 3)
		sc_timer_del(&t[i]);
	for (i = 1; i < STRESS_N; i += 3)
		sc_timer_add(&t[i], (uint64_t)(rand() % 40));
	for (i = 0; i < STRESS_N; i++)
		live += sc_timer_armed(&t[i]);
	ck_assert_uint_eq(timer_count(), (unsigned)live);
	usleep(60 * 1000);
	ck_assert_uint_eq(timer_run(), (unsigned)live);
	ck_assert_int_eq(stress_n, live);
	for (i = 1; i < stress_n; i++)
		ck_assert_uint_le(stress_exp[i - 1], stress_exp[i]);
	for (i = 0; i < STRESS_N; i++)
		ck_assert_int_eq(stress_fired[i], i % 3 == 0 ? 0 : 1);
	ck_assert_uint_eq(timer_count(), 0);
	free(t);
}
END_TEST

static int self_rearm_count;
static void self_rearm(struct sc_timer *t, void *arg)
{
	(void)arg;
	if (++self_rearm_count < 3)
		sc_timer_add(t, 0);
}

START_TEST(rearm_from_callback)
{
	struct sc_timer t;

	reset();
	self_rearm_count = 0;
	sc_timer_init(&t, self_rearm, NULL);
	sc_timer_add(&t, 0);
	timer_run();
	timer_run();
	timer_run();
	ck_assert_int_eq(self_rearm_count, 3);
	ck_assert(!sc_timer_armed(&t));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("timer");
	TCase *tc = tcase_create("heap");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, fires_in_order);
	tcase_add_test(tc, not_before_time);
	tcase_add_test(tc, cancel_and_rearm);
	tcase_add_test(tc, heap_stress);
	tcase_add_test(tc, rearm_from_callback);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? 1 : 0;
}

/* test_gen_timer.c: pmtcp-gen's timeout wheel against a naive model, on an injected clock. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gen_timer.h"

#define MS 1000000ull

START_TEST(fires_after_deadline_not_before)
{
	struct gen_tw tw;
	uint32_t out[8];

	ck_assert_int_eq(gen_tw_init(&tw, 4, 16, MS, 1000 * MS), 0);
	gen_tw_arm(&tw, 2, 1005 * MS + 300);
	ck_assert(gen_tw_armed(&tw, 2));
	/* Its tick (1005) has not passed by 1005.9 ms. */
	ck_assert_uint_eq(gen_tw_expire(&tw, 1005 * MS + 900000, out, 8), 0);
	ck_assert_uint_eq(gen_tw_expire(&tw, 1006 * MS, out, 8), 1);
	ck_assert_uint_eq(out[0], 2);
	ck_assert(!gen_tw_armed(&tw, 2));
	ck_assert_uint_eq(tw.armed, 0);
	gen_tw_fini(&tw);
}
END_TEST

/*
 * Ticks are kept in 32 bits: deadlines on both sides of the 2^32nd tick
 * (49.7 days of 1-ms ticks after the clock's zero) fire in order, none
 * early, and gen_tw_when() reads them back whole; the tick that is 0 mod
 * 2^32 ("not armed") fires one tick later.
 */
START_TEST(ticks_wrap_at_32_bits)
{
	const uint64_t wrap = UINT64_C(1) << 32;	/* in ticks */
	struct gen_tw tw;
	uint32_t out[8];
	uint64_t t, seen[4] = { 0 };
	unsigned int i, n;

	ck_assert_int_eq(gen_tw_init(&tw, 4, 16, MS, (wrap - 6) * MS), 0);
	gen_tw_arm(&tw, 0, (wrap - 3) * MS + 7);
	gen_tw_arm(&tw, 1, wrap * MS);		/* tick 0 mod 2^32 */
	gen_tw_arm(&tw, 2, (wrap + 2) * MS + 999999);
	gen_tw_arm(&tw, 3, (wrap + 40) * MS);	/* past one turn of 16 */
	ck_assert_uint_eq(gen_tw_when(&tw, 0), (wrap - 3) * MS);
	ck_assert_uint_eq(gen_tw_when(&tw, 1), (wrap + 1) * MS);
	ck_assert_uint_eq(gen_tw_when(&tw, 2), (wrap + 2) * MS);
	ck_assert_uint_eq(gen_tw_when(&tw, 3), (wrap + 40) * MS);
	for (t = wrap - 6; t <= wrap + 45; t++) {
		n = gen_tw_expire(&tw, t * MS, out, 8);
		for (i = 0; i < n; i++)
			seen[out[i]] = t;
	}
	/* Each fires once the whole of its tick has passed. */
	ck_assert_uint_eq(seen[0], wrap - 2);
	ck_assert_uint_eq(seen[1], wrap + 2);
	ck_assert_uint_eq(seen[2], wrap + 3);
	ck_assert_uint_eq(seen[3], wrap + 41);
	ck_assert_uint_eq(tw.armed, 0);
	/* Further than GEN_TW_MAX_TICKS out: armed at that distance. */
	gen_tw_arm(&tw, 0, (wrap + 45 + 3 * (uint64_t)GEN_TW_MAX_TICKS) * MS);
	ck_assert_uint_eq(gen_tw_when(&tw, 0),
			  (tw.cur + GEN_TW_MAX_TICKS) * MS);
	gen_tw_fini(&tw);
}
END_TEST

START_TEST(far_deadline_waits_its_turn)
{
	struct gen_tw tw;
	uint32_t out[8];
	uint64_t t;

	/* 16 slots of 1 ms: a 100 ms deadline shares buckets with nearer ones. */
	ck_assert_int_eq(gen_tw_init(&tw, 4, 16, MS, 0), 0);
	gen_tw_arm(&tw, 0, 100 * MS);
	gen_tw_arm(&tw, 1, 4 * MS);	/* same bucket as 100 ms (100 % 16 == 4) */
	for (t = 1; t <= 100; t++)
		if (gen_tw_expire(&tw, t * MS, out, 8) != 0)
			break;
	ck_assert_uint_eq(t, 5);
	ck_assert_uint_eq(out[0], 1);
	for (t = 6; t <= 101; t++)
		if (gen_tw_expire(&tw, t * MS, out, 8) != 0)
			break;
	ck_assert_uint_eq(t, 101);
	ck_assert_uint_eq(out[0], 0);
	gen_tw_fini(&tw);
}
END_TEST

START_TEST(cancel_and_rearm)
{
	struct gen_tw tw;
	uint32_t out[8];

	ck_assert_int_eq(gen_tw_init(&tw, 4, 16, MS, 0), 0);
	gen_tw_arm(&tw, 0, 3 * MS);
	gen_tw_arm(&tw, 1, 3 * MS);
	gen_tw_arm(&tw, 2, 3 * MS);
	gen_tw_cancel(&tw, 1);
	gen_tw_cancel(&tw, 1);		/* twice: harmless */
	gen_tw_arm(&tw, 2, 9 * MS);	/* moved later */
	ck_assert_uint_eq(gen_tw_expire(&tw, 5 * MS, out, 8), 1);
	ck_assert_uint_eq(out[0], 0);
	ck_assert_uint_eq(gen_tw_expire(&tw, 10 * MS, out, 8), 1);
	ck_assert_uint_eq(out[0], 2);
	ck_assert_uint_eq(tw.armed, 0);
	gen_tw_fini(&tw);
}
END_TEST

START_TEST(bounded_calls_lose_nothing)
{
	struct gen_tw tw;
	uint32_t out[3], seen = 0, k;
	unsigned int n;

	ck_assert_int_eq(gen_tw_init(&tw, 32, 8, MS, 0), 0);
	for (k = 0; k < 32; k++)
		gen_tw_arm(&tw, k, (1 + k % 2) * MS);
	/* Three at a time, and a node armed into the paused bucket. */
	n = gen_tw_expire(&tw, 5 * MS, out, 3);
	ck_assert_uint_eq(n, 3);
	seen += n;
	gen_tw_arm(&tw, out[0], 1 * MS);
	seen--;
	while ((n = gen_tw_expire(&tw, 5 * MS, out, 3)) > 0)
		seen += n;
	ck_assert_uint_eq(seen, 32);
	ck_assert_uint_eq(tw.armed, 0);
	gen_tw_fini(&tw);
}
END_TEST

START_TEST(long_stall_visits_one_turn)
{
	struct gen_tw tw;
	uint32_t out[64];

	ck_assert_int_eq(gen_tw_init(&tw, 8, 16, MS, 0), 0);
	gen_tw_arm(&tw, 0, 2 * MS);
	gen_tw_arm(&tw, 1, 1000 * MS);
	gen_tw_arm(&tw, 2, 5000 * MS);
	/* An hour later, at once: both past deadlines, not the future one. */
	ck_assert_uint_eq(gen_tw_expire(&tw, 2000 * MS, out, 64), 2);
	ck_assert_uint_eq(tw.armed, 1);
	ck_assert_uint_eq(gen_tw_expire(&tw, 5001 * MS, out, 64), 1);
	ck_assert_uint_eq(out[0], 2);
	gen_tw_fini(&tw);
}
END_TEST

/* Random arms, cancels and clock steps (seeded) against a plain array. */
START_TEST(matches_model)
{
	enum { N = 200 };
	struct gen_tw tw;
	uint64_t model[N] = { 0 }, now = 7 * MS;
	uint32_t out[N];
	unsigned int step, i, n;

	srand(4242);
	ck_assert_int_eq(gen_tw_init(&tw, N, 64, MS, now), 0);
	for (step = 0; step < 20000; step++) {
		uint32_t id = (uint32_t)rand() % N;

		switch (rand() % 4) {
		case 0:
		case 1:
			model[id] = now + 1 + (uint64_t)(rand() % 300) * MS / 2;
			gen_tw_arm(&tw, id, model[id]);
			break;
		case 2:
			model[id] = 0;
			gen_tw_cancel(&tw, id);
			break;
		default:
			now += (uint64_t)(rand() % 5000) * 1000;
			n = gen_tw_expire(&tw, now, out, N);
			for (i = 0; i < n; i++) {
				/* never early, at most one tick late */
				ck_assert_uint_ne(model[out[i]], 0);
				ck_assert_uint_lt(model[out[i]], now / MS * MS);
				model[out[i]] = 0;
			}
			for (i = 0; i < N; i++)
				ck_assert(model[i] == 0 ||
					  model[i] >= now / MS * MS);
			break;
		}
	}
	gen_tw_fini(&tw);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("gen_timer");
	TCase *tc = tcase_create("wheel");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, fires_after_deadline_not_before);
	tcase_add_test(tc, far_deadline_waits_its_turn);
	tcase_add_test(tc, ticks_wrap_at_32_bits);
	tcase_add_test(tc, cancel_and_rearm);
	tcase_add_test(tc, bounded_calls_lose_nothing);
	tcase_add_test(tc, long_stall_visits_one_turn);
	tcase_add_test(tc, matches_model);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

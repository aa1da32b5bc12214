/* test_gen.c: unit tests of pmtcp-gen's histogram and rate limiter (HTTP: test_http.c). */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_hist.h"
#include "gen_rate.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NS_PER_S UINT64_C(1000000000)
#define HOUR_NS (UINT64_C(3600) * NS_PER_S)

/* splitmix64: a seeded generator, so every run sees the same numbers. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static uint64_t
rnd_range(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return lo + rnd(s) % (hi - lo + 1);
}

/* Uniform in (0, 1]. */
static double
rnd_unit(uint64_t *s)
{
	return ((double)(rnd(s) >> 11) + 1.0) / 9007199254740992.0;
}

/* ---- histogram ---- */

static const double pcts[] = { 0, 1, 10, 50, 90, 99, 99.9, 100 };

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Record @v[0..n) and check count, exact min/max/mean and every
 * percentile against the sorted samples (nearest rank, as documented):
 * within 1%, and within the documented 1/256 bound.
 */
static void
check_hist(const uint64_t *v, size_t n)
{
	struct gen_hist *h = malloc(sizeof(*h));
	uint64_t *s = malloc(n * sizeof(*s));
	unsigned __int128 sum = 0;
	size_t i;

	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(s);
	gen_hist_init(h);
	for (i = 0; i < n; i++) {
		gen_hist_record(h, v[i]);
		s[i] = v[i];
		sum += v[i];
	}
	qsort(s, n, sizeof(*s), cmp_u64);
	ck_assert_uint_eq(gen_hist_count(h), n);
	ck_assert_uint_eq(gen_hist_min(h), s[0]);
	ck_assert_uint_eq(gen_hist_max(h), s[n - 1]);
	ck_assert_double_eq_tol(gen_hist_mean(h), (double)sum / (double)n,
				1e-9 * ((double)sum / (double)n) + 1e-9);
	for (i = 0; i < ARRAY_LEN(pcts); i++) {
		double r = ceil(pcts[i] / 100.0 * (double)n);
		size_t rank = r < 1.0 ? 1 : (size_t)r;
		uint64_t want = s[(rank > n ? n : rank) - 1];
		uint64_t got = gen_hist_percentile(h, pcts[i]);
		uint64_t err = got > want ? got - want : want - got;

		ck_assert_msg((double)err <= 0.01 * (double)want,
			      "p%g: got %" PRIu64 " want %" PRIu64, pcts[i],
			      got, want);
		ck_assert_msg(err * 256 <= want,
			      "p%g: got %" PRIu64 " want %" PRIu64
			      " beyond 1/256", pcts[i], got, want);
	}
	free(s);
	free(h);
}

START_TEST(hist_empty)
{
	struct gen_hist h;

	gen_hist_init(&h);
	ck_assert_uint_eq(gen_hist_count(&h), 0);
	ck_assert_uint_eq(gen_hist_min(&h), 0);
	ck_assert_uint_eq(gen_hist_max(&h), 0);
	ck_assert_double_eq(gen_hist_mean(&h), 0.0);
	ck_assert_uint_eq(gen_hist_percentile(&h, 50), 0);
	ck_assert_uint_eq(gen_hist_percentile(&h, 100), 0);
}
END_TEST

START_TEST(hist_zero)
{
	uint64_t v[1000] = { 0 };

	check_hist(v, ARRAY_LEN(v));
}
END_TEST

START_TEST(hist_constant)
{
	static const uint64_t c[] = { 1, 127, 128, 255, 256, 257, 1000003,
				      123456789, HOUR_NS };
	uint64_t v[500];
	size_t i, k;

	for (k = 0; k < ARRAY_LEN(c); k++) {
		for (i = 0; i < ARRAY_LEN(v); i++)
			v[i] = c[k];
		check_hist(v, ARRAY_LEN(v));
	}
}
END_TEST

START_TEST(hist_extremes)
{
	uint64_t v[1001];
	size_t i;

	/* Half at 1 ns, half at 1 hour, one in between. */
	for (i = 0; i < 500; i++) {
		v[2 * i] = 1;
		v[2 * i + 1] = HOUR_NS;
	}
	v[1000] = 5 * NS_PER_S;
	check_hist(v, ARRAY_LEN(v));
	/* And just the two. */
	v[0] = 1;
	v[1] = HOUR_NS;
	check_hist(v, 2);
}
END_TEST

START_TEST(hist_small_exact)
{
	struct gen_hist h;
	uint64_t v;

	/* Values below 256 have buckets of their own. */
	gen_hist_init(&h);
	for (v = 0; v < 256; v++)
		gen_hist_record(&h, v);
	ck_assert_uint_eq(gen_hist_percentile(&h, 50), 127);
	ck_assert_uint_eq(gen_hist_percentile(&h, 25), 63);
	ck_assert_uint_eq(gen_hist_percentile(&h, 1), 2);
	ck_assert_uint_eq(gen_hist_percentile(&h, 0), 0);
	ck_assert_uint_eq(gen_hist_percentile(&h, 100), 255);
}
END_TEST

START_TEST(hist_uniform)
{
	size_t n = 200000, i;
	uint64_t *v = malloc(n * sizeof(*v)), seed = 1;

	ck_assert_ptr_nonnull(v);
	for (i = 0; i < n; i++)
		v[i] = rnd_range(&seed, 1, NS_PER_S);
	check_hist(v, n);
	for (i = 0; i < n; i++)
		v[i] = rnd_range(&seed, 0, 1000);
	check_hist(v, n);
	free(v);
}
END_TEST

START_TEST(hist_exponential)
{
	size_t n = 200000, i;
	uint64_t *v = malloc(n * sizeof(*v)), seed = 2;

	ck_assert_ptr_nonnull(v);
	/* Mean 250 us: the usual shape of a latency tail. */
	for (i = 0; i < n; i++)
		v[i] = (uint64_t)(-log(rnd_unit(&seed)) * 250000.0);
	check_hist(v, n);
	free(v);
}
END_TEST

START_TEST(hist_log_uniform)
{
	size_t n = 100000, i;
	uint64_t *v = malloc(n * sizeof(*v)), seed = 3;

	ck_assert_ptr_nonnull(v);
	/* Every power of two from 1 ns to about an hour. */
	for (i = 0; i < n; i++)
		v[i] = (uint64_t)exp2(rnd_unit(&seed) * 41.7);
	check_hist(v, n);
	free(v);
}
END_TEST

START_TEST(hist_index_layout)
{
	uint64_t v, seed = 4;
	unsigned int prev = 0, i, b;

	/* Contiguous and monotonic: each step of v moves at most one bucket. */
	for (v = 1; v < (UINT64_C(1) << 20); v++) {
		i = gen_hist_index(v);
		ck_assert_uint_le(i - prev, 1);
		prev = i;
	}
	ck_assert_uint_eq(gen_hist_index(GEN_HIST_MAX_VALUE), GEN_HIST_BUCKETS - 1);
	for (v = 0; v < 256; v++)
		ck_assert_uint_eq(gen_hist_index(v), v);
	/* Every bucket's width is at most 1/128 of its lower bound. */
	for (b = 8; b <= GEN_HIST_MAX_BIT; b++) {
		uint64_t lo = UINT64_C(1) << b;
		uint64_t w = UINT64_C(1) << (b - GEN_HIST_SUB_BITS);

		ck_assert_uint_eq(gen_hist_index(lo - 1) + 1, gen_hist_index(lo));
		ck_assert_uint_eq(gen_hist_index(lo), gen_hist_index(lo + w - 1));
		ck_assert_uint_eq(gen_hist_index(lo) + 1, gen_hist_index(lo + w));
	}
	for (i = 0; i < 100000; i++) {
		v = rnd(&seed) >> (rnd(&seed) % 64);
		if (v <= GEN_HIST_MAX_VALUE)
			ck_assert_uint_lt(gen_hist_index(v), GEN_HIST_BUCKETS);
	}
}
END_TEST

START_TEST(hist_clamped)
{
	struct gen_hist h;
	uint64_t big = UINT64_C(1) << 50;

	gen_hist_init(&h);
	gen_hist_record(&h, 10);
	gen_hist_record(&h, big);
	gen_hist_record(&h, UINT64_MAX);
	ck_assert_uint_eq(h.clamped, 2);
	ck_assert_uint_eq(gen_hist_max(&h), UINT64_MAX);
	ck_assert_uint_eq(gen_hist_min(&h), 10);
	ck_assert_double_eq_tol(gen_hist_mean(&h),
				((double)big + (double)UINT64_MAX + 10) / 3,
				1e6);
	ck_assert_uint_eq(gen_hist_percentile(&h, 100), UINT64_MAX);
	ck_assert_uint_eq(gen_hist_percentile(&h, 0), 10);
}
END_TEST

START_TEST(hist_merge_equals_one)
{
	struct gen_hist *all = malloc(sizeof(*all));
	struct gen_hist *part = malloc(4 * sizeof(*part));
	struct gen_hist *sum = malloc(sizeof(*sum));
	uint64_t seed = 5, v;
	size_t i;

	ck_assert_ptr_nonnull(all);
	ck_assert_ptr_nonnull(part);
	ck_assert_ptr_nonnull(sum);
	gen_hist_init(all);
	gen_hist_init(sum);
	for (i = 0; i < 4; i++)
		gen_hist_init(&part[i]);
	/* Lcore 3 records nothing: an empty histogram merges as nothing. */
	for (i = 0; i < 100000; i++) {
		v = (uint64_t)(-log(rnd_unit(&seed)) * 1e6);
		gen_hist_record(all, v);
		gen_hist_record(&part[rnd(&seed) % 3], v);
	}
	gen_hist_record(all, HOUR_NS);
	gen_hist_record(&part[1], HOUR_NS);
	gen_hist_record(all, 0);
	gen_hist_record(&part[2], 0);
	for (i = 0; i < 4; i++)
		gen_hist_merge(sum, &part[i]);
	ck_assert_mem_eq(sum, all, sizeof(*all));
	ck_assert_uint_eq(gen_hist_min(sum), 0);
	ck_assert_uint_eq(gen_hist_max(sum), HOUR_NS);
	for (i = 0; i < ARRAY_LEN(pcts); i++)
		ck_assert_uint_eq(gen_hist_percentile(sum, pcts[i]),
				  gen_hist_percentile(all, pcts[i]));
	free(sum);
	free(part);
	free(all);
}
END_TEST

START_TEST(hist_reset_and_mean)
{
	struct gen_hist h;

	gen_hist_init(&h);
	gen_hist_record(&h, 5);
	gen_hist_reset(&h);
	ck_assert_uint_eq(gen_hist_count(&h), 0);
	gen_hist_record(&h, 1000);
	gen_hist_record(&h, 2000);
	gen_hist_record(&h, 3001);
	ck_assert_double_eq_tol(gen_hist_mean(&h), 2000.333333333, 1e-6);
	ck_assert_uint_eq(gen_hist_min(&h), 1000);
	ck_assert_uint_eq(gen_hist_max(&h), 3001);
	/* Out-of-range p is clamped. */
	ck_assert_uint_eq(gen_hist_percentile(&h, -5), 1000);
	ck_assert_uint_eq(gen_hist_percentile(&h, 250), 3001);
}
END_TEST

/* ---- rate limiter ---- */

static const uint64_t rates[] = { 1, 10, 1000, 100000, 10000000 };

/*
 * Run @r from @t0 for @dur ns in random steps of 1 us .. 10 ms, taking
 * up to @max (or everything when @max is 0) each step. Returns events.
 */
static uint64_t
drive(struct gen_rate *r, uint64_t *seed, uint64_t t0, uint64_t dur,
      uint64_t max)
{
	uint64_t t = t0, total = 0, m;

	while (t < t0 + dur) {
		t += rnd_range(seed, 1000, 10000000);
		if (t > t0 + dur)
			t = t0 + dur;
		m = max == 0 ? UINT64_MAX : rnd_range(seed, 0, max);
		total += gen_rate_take(r, t, m);
	}
	return total;
}

static void
assert_near(uint64_t got, uint64_t want)
{
	uint64_t err = got > want ? got - want : want - got;

	ck_assert_msg(err <= 1, "got %" PRIu64 ", want %" PRIu64 " +- 1", got,
		      want);
	ck_assert_msg((double)err <= 0.02 * (double)want, "beyond 2%%");
}

START_TEST(rate_random_steps_exact)
{
	struct gen_rate r;
	uint64_t seed = 11 + (uint64_t)_i, t0 = 123456789, got;
	uint64_t rate = rates[_i];

	/* Burst of one second: steps never overflow it. */
	gen_rate_init(&r, rate, rate + 1, t0);
	got = drive(&r, &seed, t0, 5 * NS_PER_S, 0);
	assert_near(got, rate * 5);
	ck_assert_uint_eq(r.missed, 0);
}
END_TEST

START_TEST(rate_limited_takes_catch_up)
{
	struct gen_rate r;
	uint64_t seed = 21 + (uint64_t)_i, t0 = 0, got;
	uint64_t rate = rates[_i];

	/* The caller takes fewer than offered; the rest waits in the bucket. */
	gen_rate_init(&r, rate, UINT64_MAX, t0);
	got = drive(&r, &seed, t0, 5 * NS_PER_S, rate / 1000 + 1);
	got += gen_rate_take(&r, t0 + 5 * NS_PER_S, UINT64_MAX);
	assert_near(got, rate * 5);
}
END_TEST

START_TEST(rate_set_changes_slope)
{
	struct gen_rate r;
	uint64_t seed = 31, a, b;

	gen_rate_init(&r, 1000, 1000000, 0);
	a = drive(&r, &seed, 0, 2 * NS_PER_S, 0);
	assert_near(a, 2000);
	gen_rate_set(&r, 5000, 2 * NS_PER_S);
	b = drive(&r, &seed, 2 * NS_PER_S, 3 * NS_PER_S, 0);
	assert_near(b, 15000);
	assert_near(a + b, 17000);
	/* Down to 1/s: one event in the next second, none before. */
	gen_rate_set(&r, 1, 5 * NS_PER_S);
	ck_assert_uint_eq(gen_rate_take(&r, 5 * NS_PER_S + NS_PER_S - 1,
					UINT64_MAX), 0);
	ck_assert_uint_eq(gen_rate_take(&r, 6 * NS_PER_S, UINT64_MAX), 1);
}
END_TEST

START_TEST(rate_set_keeps_earned_tokens)
{
	struct gen_rate r;

	/* 1.5 tokens at 1/s; then at 1000/s the half token counts. */
	gen_rate_init(&r, 1, 100, 0);
	gen_rate_set(&r, 1000, 1500000000);
	ck_assert_uint_eq(gen_rate_take(&r, 1500000000, UINT64_MAX), 1);
	ck_assert_uint_eq(gen_rate_take(&r, 1500500000, UINT64_MAX), 1);
	ck_assert_uint_eq(gen_rate_take(&r, 1501000000, UINT64_MAX), 0);
	ck_assert_uint_eq(gen_rate_take(&r, 1501500000, UINT64_MAX), 1);
}
END_TEST

START_TEST(rate_burst_cap)
{
	struct gen_rate r;

	gen_rate_init(&r, 1000, 50, 0);
	/* Idle 10 s: only the burst is granted; the rest is counted. */
	ck_assert_uint_eq(gen_rate_take(&r, 10 * NS_PER_S, UINT64_MAX), 50);
	ck_assert_uint_eq(r.missed, 10000 - 50);
	ck_assert_uint_eq(gen_rate_take(&r, 10 * NS_PER_S, UINT64_MAX), 0);
	ck_assert_uint_eq(gen_rate_take(&r, 10 * NS_PER_S + 999999, 10), 0);
	ck_assert_uint_eq(gen_rate_take(&r, 10 * NS_PER_S + 1000000, 10), 1);
	/* max limits a grant without losing the rest. */
	ck_assert_uint_eq(gen_rate_take(&r, 10 * NS_PER_S + 11000000, 4), 4);
	ck_assert_uint_eq(gen_rate_take(&r, 10 * NS_PER_S + 11000000, 100), 6);
	/* A burst of 0 means 1. */
	gen_rate_init(&r, 1000, 0, 0);
	ck_assert_uint_eq(gen_rate_take(&r, NS_PER_S, UINT64_MAX), 1);
}
END_TEST

START_TEST(rate_zero_and_backwards)
{
	struct gen_rate r;

	gen_rate_init(&r, 0, 10, 1000);
	ck_assert_uint_eq(gen_rate_take(&r, 100 * NS_PER_S, UINT64_MAX), 0);
	gen_rate_set(&r, 1000, 100 * NS_PER_S);
	/* A clock that steps back adds nothing and loses nothing. */
	ck_assert_uint_eq(gen_rate_take(&r, 50 * NS_PER_S, UINT64_MAX), 0);
	ck_assert_uint_eq(gen_rate_take(&r, 100 * NS_PER_S + 3000000,
					UINT64_MAX), 3);
}
END_TEST

START_TEST(rate_huge_and_long)
{
	struct gen_rate r;
	uint64_t seed = 41, got, t;

	/* 100M/s over 5 s in random steps. */
	gen_rate_init(&r, 100000000, 100000000, 0);
	got = drive(&r, &seed, 0, 5 * NS_PER_S, 0);
	assert_near(got, 500000000);
	/* 10^12/s after a 10 s idle: 10^22 overflows 64 bits; exact anyway. */
	gen_rate_init(&r, 1000000000000, UINT64_MAX, 0);
	ck_assert_uint_eq(gen_rate_take(&r, 10 * NS_PER_S, UINT64_MAX),
			  UINT64_C(10000000000000));
	/* 1/s for a simulated day in 7 ms steps: exact. */
	gen_rate_init(&r, 1, 10, 0);
	got = 0;
	for (t = 7000000; t <= 86400 * NS_PER_S; t += 7000000)
		got += gen_rate_take(&r, t, UINT64_MAX);
	ck_assert_uint_eq(got, 86399);	/* the last step ends at 86399.999 s */
}
END_TEST

START_TEST(rate_ramp_values)
{
	uint64_t t, prev = 0, v;

	ck_assert_uint_eq(gen_rate_ramp(0, 1000, 10 * NS_PER_S, 0), 0);
	ck_assert_uint_eq(gen_rate_ramp(0, 1000, 10 * NS_PER_S, 5 * NS_PER_S),
			  500);
	ck_assert_uint_eq(gen_rate_ramp(0, 1000, 10 * NS_PER_S, 2500000000),
			  250);
	ck_assert_uint_eq(gen_rate_ramp(0, 1000, 10 * NS_PER_S,
					10 * NS_PER_S - 1), 999);
	ck_assert_uint_eq(gen_rate_ramp(0, 1000, 10 * NS_PER_S,
					10 * NS_PER_S), 1000);
	ck_assert_uint_eq(gen_rate_ramp(0, 1000, 10 * NS_PER_S,
					99 * NS_PER_S), 1000);
	ck_assert_uint_eq(gen_rate_ramp(100, 1100, 4 * NS_PER_S,
					2 * NS_PER_S), 600);
	ck_assert_uint_eq(gen_rate_ramp(1000, 0, 10 * NS_PER_S, 5 * NS_PER_S),
			  500);
	ck_assert_uint_eq(gen_rate_ramp(1000, 0, 10 * NS_PER_S, 1), 999);
	ck_assert_uint_eq(gen_rate_ramp(7, 42, 0, 0), 42);
	/* 100M/s over an hour: no overflow, monotonic. */
	for (t = 0; t <= HOUR_NS; t += HOUR_NS / 1000) {
		v = gen_rate_ramp(0, 100000000, HOUR_NS, t);
		ck_assert_uint_ge(v, prev);
		prev = v;
	}
	ck_assert_uint_eq(prev, 100000000);
}
END_TEST

START_TEST(rate_ramp_driven)
{
	struct gen_rate r;
	uint64_t t, got = 0;

	/* 0 -> 10000/s over 10 s, re-set every ms: about the area, 50000. */
	gen_rate_init(&r, 0, 1000000, 0);
	for (t = 1000000; t <= 10 * NS_PER_S; t += 1000000) {
		got += gen_rate_take(&r, t, UINT64_MAX);
		gen_rate_set(&r, gen_rate_ramp(0, 10000, 10 * NS_PER_S, t), t);
	}
	ck_assert_msg(got >= 49000 && got <= 50000, "got %" PRIu64, got);
}
END_TEST

static Suite *
gen_suite(void)
{
	Suite *s = suite_create("gen");
	TCase *tc;

	tc = tcase_create("hist");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hist_empty);
	tcase_add_test(tc, hist_zero);
	tcase_add_test(tc, hist_constant);
	tcase_add_test(tc, hist_extremes);
	tcase_add_test(tc, hist_small_exact);
	tcase_add_test(tc, hist_uniform);
	tcase_add_test(tc, hist_exponential);
	tcase_add_test(tc, hist_log_uniform);
	tcase_add_test(tc, hist_index_layout);
	tcase_add_test(tc, hist_clamped);
	tcase_add_test(tc, hist_merge_equals_one);
	tcase_add_test(tc, hist_reset_and_mean);
	suite_add_tcase(s, tc);

	tc = tcase_create("rate");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, rate_random_steps_exact, 0, ARRAY_LEN(rates));
	tcase_add_loop_test(tc, rate_limited_takes_catch_up, 0,
			    ARRAY_LEN(rates));
	tcase_add_test(tc, rate_set_changes_slope);
	tcase_add_test(tc, rate_set_keeps_earned_tokens);
	tcase_add_test(tc, rate_burst_cap);
	tcase_add_test(tc, rate_zero_and_backwards);
	tcase_add_test(tc, rate_huge_and_long);
	tcase_add_test(tc, rate_ramp_values);
	tcase_add_test(tc, rate_ramp_driven);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(gen_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

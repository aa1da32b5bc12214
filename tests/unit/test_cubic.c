/* test_cubic.c: CUBIC (RFC 9438) in integers against the RFC's formulas in floating point, on an injected clock. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "tcp/pmt_tcp_cubic.h"

#define MSS 1448u

START_TEST(cube_root)
{
	uint64_t x;
	uint32_t r;

	ck_assert_uint_eq(pmt_cubic_cbrt(0), 0);
	ck_assert_uint_eq(pmt_cubic_cbrt(7), 1);
	ck_assert_uint_eq(pmt_cubic_cbrt(8), 2);
	ck_assert_uint_eq(pmt_cubic_cbrt(UINT64_MAX), 2642245);
	srand(99);
	for (int i = 0; i < 100000; i++) {
		x = ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 11) ^
		    (uint64_t)rand();
		r = pmt_cubic_cbrt(x);
		ck_assert((uint64_t)r * r * r <= x);
		ck_assert((uint64_t)(r + 1) * (r + 1) * (r + 1) > x);
	}
}
END_TEST

/* After a loss at 100 segments: ssthresh 70, K = cbrt(30 / 0.4) s. */
START_TEST(loss_and_curve)
{
	struct pmt_cubic cs;
	uint32_t w = 100 * MSS, ss;
	double k;

	pmt_cubic_init(&cs);
	ss = pmt_cubic_loss(&cs, w, MSS);
	ck_assert_uint_eq(ss, (uint32_t)((uint64_t)w * 717 / 1024));
	ck_assert_uint_eq(cs.w_max, w);
	/* The first ACK in congestion avoidance starts the epoch. */
	(void)pmt_cubic_ack(&cs, ss, MSS, MSS, 1000000, 10000);
	k = cbrt((double)(w - ss) / MSS / 0.4) * 1000;
	ck_assert_uint_le((uint32_t)fabs(cs.k_ms - k), 1);
	/* W(t) against eq. 1 within a byte per segment. */
	for (uint64_t t = 0; t < 10000000; t += 250000) {
		double ref = 0.4 * pow((t / 1000 - (double)cs.k_ms) / 1000.0, 3) *
			MSS + w;

		ck_assert_msg(fabs((double)pmt_cubic_w(&cs, MSS, t) - ref) <= 100,
			      "t=%llu: %llu vs %f", (unsigned long long)t,
			      (unsigned long long)pmt_cubic_w(&cs, MSS, t), ref);
	}
	/* Fast convergence: a loss before regaining W_max aims lower. */
	ss = pmt_cubic_loss(&cs, 90 * MSS, MSS);
	ck_assert_uint_eq(cs.w_max, (uint32_t)((uint64_t)90 * MSS * 1741 / 2048));
	ck_assert_uint_eq(cs.epoch_us, 0);
}
END_TEST

/*
 * A flow at a 100 ms RTT, one ACK per 2 segments, after a loss at 1000
 * segments: from 700 back to W_max along the curve (K = cbrt(300 / 0.4)
 * = 9.09 s), concave, then convex; the Reno estimate (5 segments a
 * second here) stays below it. The window never grows more than 1.5x a
 * round, nor shrinks.
 */
START_TEST(grows_along_the_curve)
{
	struct pmt_cubic cs;
	uint32_t cwnd = 1000 * MSS, rtt = 100000, prev;
	uint64_t now = 5000000, start;
	double k = cbrt(300.0 / 0.4), t, ref;

	pmt_cubic_init(&cs);
	cwnd = pmt_cubic_loss(&cs, cwnd, MSS);
	start = now;
	while (now - start < (uint64_t)(2 * k * 1e6)) {
		uint32_t acks = cwnd / (2 * MSS), a;

		prev = cwnd;
		for (a = 0; a < acks; a++)
			cwnd = pmt_cubic_ack(&cs, cwnd, MSS, 2 * MSS,
					     now + (uint64_t)a * rtt / acks, rtt);
		now += rtt;
		ck_assert_uint_le(cwnd, prev * 3 / 2 + MSS);
		ck_assert_uint_ge(cwnd, prev);
		/* Against eq. 1 one RTT ahead, within 3 %, once a second. */
		t = (double)(now - start) / 1e6;
		if ((now - start) % 1000000 == 0) {
			ref = (0.4 * pow(t - k, 3) + 1000) * MSS;
			ck_assert_msg(fabs(cwnd - ref) < 0.03 * ref,
				      "t=%.1f s: cwnd %u, eq. 1 %.0f", t, cwnd, ref);
		}
	}
	/* Convex after K: past W_max by 2K (eq. 1: 1300 segments). */
	ck_assert_uint_gt(cwnd, 1250 * MSS);
}
END_TEST

/*
 * At a short RTT, Reno's estimate leads (RFC 9438 4.3): after a loss at
 * 20 segments, five 10 ms rounds bring W_est to 14 + 5 x 0.529 = 16.6
 * segments while W_cubic is still near 14.3: the window follows W_est.
 */
START_TEST(reno_friendly_region)
{
	struct pmt_cubic cs;
	uint32_t cwnd = 20 * MSS, rtt = 10000;
	uint64_t now = 1000000;
	int round;

	pmt_cubic_init(&cs);
	cwnd = pmt_cubic_loss(&cs, cwnd, MSS);
	for (round = 0; round < 5; round++) {
		uint32_t acks = cwnd / MSS, a;

		for (a = 0; a < acks; a++)
			cwnd = pmt_cubic_ack(&cs, cwnd, MSS, MSS, now, rtt);
		now += rtt;
	}
	ck_assert_uint_gt(pmt_cubic_w(&cs, MSS, now - 1000000), 14 * MSS);
	ck_assert_uint_lt(pmt_cubic_w(&cs, MSS, now - 1000000), 15 * MSS);
	ck_assert_msg(cwnd >= (uint32_t)(16.1 * MSS) &&
		      cwnd <= (uint32_t)(17.1 * MSS), "cwnd %u = %.2f segments",
		      cwnd, (double)cwnd / MSS);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cubic");
	TCase *tc = tcase_create("rfc9438");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, cube_root);
	tcase_add_test(tc, loss_and_curve);
	tcase_add_test(tc, grows_along_the_curve);
	tcase_add_test(tc, reno_friendly_region);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

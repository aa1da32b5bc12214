/* wheel_bench.c: throughput of pmt_wheel against DPDK's rte_timer on one lcore. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_timer.h>

#include "timer/pmt_wheel.h"

/*
 * What is measured, identically for both:
 *
 * arm+cancel: POP timers are armed, then OPS times a random timer is
 * cancelled and armed again with a random delay in [1 us, 2^18 us]; one
 * op is that cancel+arm pair. The clock is not advanced (rte_timer keeps
 * reading the TSC inside reset; nothing is ever run).
 *
 * arm+expire: a poll loop like an engine's. Each turn arms up to BATCH new
 * timers with random delays in [1, 256] us from now, then lets the timer
 * code run what is due: pmt_wheel_advance() with the TSC converted to
 * 1 us ticks, or rte_timer_manage(). It stops once OPS timers have run;
 * one op is the arm and the expiry of one timer. Both see the same
 * delays in real time, so the steady population is throughput times the
 * mean delay; the 256 us tail is negligible against the run.
 *
 * Each figure is the median of REPS runs.
 */
#define POP 65536u
#define OPS 1000000u
#define BATCH 32u
#define REPS 3
#define TICK_NS 1000u
#define MAX_DELAY_US_CANCEL (UINT64_C(1) << 18)
#define MAX_DELAY_US_EXPIRE 256u

struct bench_timer {
	struct pmt_timer tm;
	uint64_t *fired;
};

struct bench {
	uint64_t hz;
	uint64_t cyc_per_tick;		/* TSC cycles per wheel tick (1 us) */
	uint32_t *idx;			/* OPS random timer indexes */
	uint64_t *delay_us;		/* OPS random delays */
	struct bench_timer *wt;		/* POP wheel timers */
	struct rte_timer *rt;		/* POP DPDK timers */
	struct pmt_wheel wheel;
	uint64_t fired;
};

/* splitmix64, so both contenders get the same sequence on every run. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void
fill_random(struct bench *b, uint64_t max_delay_us, uint64_t seed)
{
	unsigned int k;

	for (k = 0; k < OPS; k++) {
		b->idx[k] = (uint32_t)(rng_next(&seed) % POP);
		b->delay_us[k] = 1 + rng_next(&seed) % max_delay_us;
	}
}

static void
wheel_fire(struct pmt_wheel *w, struct pmt_timer *tm, uint64_t now)
{
	struct bench_timer *t = container_of(tm, struct bench_timer, tm);

	RTE_SET_USED(w);
	RTE_SET_USED(now);
	(*t->fired)++;
}

static void
rte_fire(struct rte_timer *tim, void *arg)
{
	RTE_SET_USED(tim);
	(*(uint64_t *)arg)++;
}

static uint64_t
now_tick(const struct bench *b, uint64_t t0)
{
	return (rte_rdtsc() - t0) / b->cyc_per_tick;
}

static double
wheel_arm_cancel(struct bench *b)
{
	struct pmt_wheel *w = &b->wheel;
	uint64_t start, end;
	unsigned int k;

	pmt_wheel_init(w, 0, wheel_fire);
	for (k = 0; k < POP; k++)
		pmt_wheel_arm(w, &b->wt[k].tm, b->delay_us[k]);
	start = rte_rdtsc();
	for (k = 0; k < OPS; k++) {
		struct pmt_timer *t = &b->wt[b->idx[k]].tm;

		pmt_wheel_cancel(w, t);
		pmt_wheel_arm(w, t, b->delay_us[k]);
	}
	end = rte_rdtsc();
	for (k = 0; k < POP; k++)
		pmt_wheel_cancel(w, &b->wt[k].tm);
	return (double)OPS * (double)b->hz / (double)(end - start) / 1e6;
}

static double
rte_arm_cancel(struct bench *b)
{
	unsigned int lcore = rte_lcore_id();
	uint64_t start, end;
	unsigned int k;

	for (k = 0; k < POP; k++)
		rte_timer_reset(&b->rt[k], b->delay_us[k] * b->cyc_per_tick,
				SINGLE, lcore, rte_fire, &b->fired);
	start = rte_rdtsc();
	for (k = 0; k < OPS; k++) {
		struct rte_timer *t = &b->rt[b->idx[k]];

		rte_timer_stop(t);
		if (rte_timer_reset(t, b->delay_us[k] * b->cyc_per_tick,
				    SINGLE, lcore, rte_fire, &b->fired) != 0)
			rte_exit(EXIT_FAILURE, "rte_timer_reset failed\n");
	}
	end = rte_rdtsc();
	for (k = 0; k < POP; k++)
		rte_timer_stop(&b->rt[k]);
	return (double)OPS * (double)b->hz / (double)(end - start) / 1e6;
}

static double
wheel_arm_expire(struct bench *b)
{
	struct pmt_wheel *w = &b->wheel;
	uint64_t t0 = rte_rdtsc(), end, now = 0;
	unsigned int armed = 0;

	b->fired = 0;
	pmt_wheel_init(w, 0, wheel_fire);
	while (b->fired < OPS) {
		unsigned int n;

		for (n = 0; n < BATCH && armed < OPS; n++, armed++) {
			struct pmt_timer *t = &b->wt[armed % POP].tm;

			/* Pool slot still busy: let time pass first. */
			if (pmt_timer_armed(t))
				break;
			pmt_wheel_arm(w, t, now + b->delay_us[armed]);
		}
		now = now_tick(b, t0);
		pmt_wheel_advance(w, now);
	}
	end = rte_rdtsc();
	return (double)OPS * (double)b->hz / (double)(end - t0) / 1e6;
}

static double
rte_arm_expire(struct bench *b)
{
	unsigned int lcore = rte_lcore_id();
	uint64_t t0 = rte_rdtsc(), end;
	unsigned int armed = 0;

	b->fired = 0;
	while (b->fired < OPS) {
		unsigned int n;

		for (n = 0; n < BATCH && armed < OPS; n++, armed++) {
			struct rte_timer *t = &b->rt[armed % POP];

			if (rte_timer_pending(t))
				break;
			if (rte_timer_reset(t, b->delay_us[armed] *
					    b->cyc_per_tick, SINGLE, lcore,
					    rte_fire, &b->fired) != 0)
				rte_exit(EXIT_FAILURE, "rte_timer_reset failed\n");
		}
		rte_timer_manage();
	}
	end = rte_rdtsc();
	return (double)OPS * (double)b->hz / (double)(end - t0) / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double (*fn)(struct bench *), struct bench *b)
{
	double v[REPS];
	int r;

	for (r = 0; r < REPS; r++)
		v[r] = fn(b);
	qsort(v, REPS, sizeof(v[0]), cmp_double);
	return v[REPS / 2];
}

static void
report(const char *what, double wheel, double rte)
{
	printf("wheel %s: %.2f Mops/s  rte_timer: %.2f Mops/s  ratio: %.2f\n",
	       what, wheel, rte, wheel / rte);
}

int
main(int argc, char **argv)
{
	struct bench *b;
	double wm, rm;
	unsigned int k;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed: %s\n",
			 rte_strerror(rte_errno));
	ret = rte_timer_subsystem_init();
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "rte_timer init failed: %d\n", ret);

	b = calloc(1, sizeof(*b));
	if (b == NULL)
		rte_exit(EXIT_FAILURE, "out of memory\n");
	b->idx = calloc(OPS, sizeof(*b->idx));
	b->delay_us = calloc(OPS, sizeof(*b->delay_us));
	b->wt = calloc(POP, sizeof(*b->wt));
	b->rt = calloc(POP, sizeof(*b->rt));
	if (b->idx == NULL || b->delay_us == NULL || b->wt == NULL ||
	    b->rt == NULL)
		rte_exit(EXIT_FAILURE, "out of memory\n");
	b->hz = rte_get_tsc_hz();
	b->cyc_per_tick = b->hz / (1000000000u / TICK_NS);
	if (b->cyc_per_tick == 0)
		b->cyc_per_tick = 1;
	for (k = 0; k < POP; k++) {
		b->wt[k].fired = &b->fired;
		pmt_timer_init(&b->wt[k].tm);
		rte_timer_init(&b->rt[k]);
	}

	printf("# TSC %.3f GHz, wheel tick %u ns (%" PRIu64 " cycles), "
	       "median of %d runs\n", (double)b->hz / 1e9, TICK_NS,
	       b->cyc_per_tick, REPS);
	printf("# arm+cancel: %u cancel+re-arm pairs over %u armed timers, "
	       "delays 1..%" PRIu64 " us\n", OPS, POP, MAX_DELAY_US_CANCEL);
	printf("# arm+expire: %u timers armed %u per poll turn, delays "
	       "1..%u us, run on the TSC until all fired\n", OPS, BATCH,
	       MAX_DELAY_US_EXPIRE);
	fflush(stdout);

	fill_random(b, MAX_DELAY_US_CANCEL, 1);
	wm = median(wheel_arm_cancel, b);
	rm = median(rte_arm_cancel, b);
	report("arm+cancel", wm, rm);
	fflush(stdout);

	fill_random(b, MAX_DELAY_US_EXPIRE, 2);
	wm = median(wheel_arm_expire, b);
	rm = median(rte_arm_expire, b);
	report("arm+expire", wm, rm);

	free(b->idx);
	free(b->delay_us);
	free(b->wt);
	free(b->rt);
	free(b);
	rte_timer_subsystem_finalize();
	rte_eal_cleanup();
	return 0;
}

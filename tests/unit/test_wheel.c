/* test_wheel.c: unit tests of the timing wheel, checked against a reference model. */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timer/pmt_wheel.h"

#define TW_CONTAINER_OF(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

/*
 * ck_assert() records a mark point on every call, which dominates loops of
 * millions of checks; this one only costs the comparison.
 */
#define REQUIRE(cond, ...) do {						\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

#define P2(k) (UINT64_C(1) << (k))

/* splitmix64: tiny, seedable, and the same sequence on every machine. */
struct rng {
	uint64_t s;
};

static uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static uint64_t
rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
	uint64_t span = hi - lo + 1;

	return span == 0 ? rng_next(r) : lo + rng_next(r) % span;
}

static double
mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * Reference model. Model time is an unwrapped counter; the wheel sees
 * base + model time, with base chosen so that the wheel's clock crosses
 * 2^64 early in the run. The model knows, for each timer, the tick it must
 * run on: its expiry, or the first tick processed after it was armed if
 * that expiry was already past.
 */
struct mt {
	struct pmt_timer tm;
	struct model *m;
	uint32_t id;
	bool armed;
	uint64_t exp;		/* model time of the expiry */
	uint64_t eff;		/* model time of the tick it must run on */
};

struct fire {
	uint32_t id;
	uint64_t tick;		/* model time */
};

struct model {
	struct pmt_wheel w;
	uint64_t base;
	uint64_t clk;		/* model time of the next tick to process */
	uint64_t now;		/* model time given to the advance running */
	uint64_t last_tick;	/* tick of the last callback */
	unsigned int n;
	unsigned int n_armed;
	struct mt *t;
	struct fire *log;
	struct fire *due;	/* what the model predicts for one advance */
	size_t n_log;
	size_t cap_log;
	struct rng rng;
	/* Callbacks arm and cancel timers; the model then validates. */
	bool act;
	uint64_t n_fired;
};

/* Start model time here so that expiries in the past stay positive. */
#define MODEL_T0 P2(21)

static void mt_fire(struct pmt_wheel *w, struct pmt_timer *tm, uint64_t now);

static void
model_init(struct model *m, unsigned int n, uint64_t seed, bool act)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->base = 0 - P2(30) - MODEL_T0;
	m->clk = MODEL_T0;
	m->n = n;
	m->t = calloc(n, sizeof(*m->t));
	ck_assert_ptr_nonnull(m->t);
	m->cap_log = 4096;
	m->log = malloc(m->cap_log * sizeof(*m->log));
	ck_assert_ptr_nonnull(m->log);
	m->due = malloc(n * sizeof(*m->due));
	ck_assert_ptr_nonnull(m->due);
	m->rng.s = seed;
	m->act = act;
	pmt_wheel_init(&m->w, m->base + m->clk, mt_fire);
	for (i = 0; i < n; i++) {
		m->t[i].m = m;
		m->t[i].id = i;
		pmt_timer_init(&m->t[i].tm);
	}
}

static void
model_fini(struct model *m)
{
	free(m->t);
	free(m->log);
	free(m->due);
}

static void
model_arm(struct model *m, unsigned int i, uint64_t exp)
{
	struct mt *t = &m->t[i];

	if (!t->armed)
		m->n_armed++;
	t->armed = true;
	t->exp = exp;
	t->eff = exp < m->clk ? m->clk : exp;
	pmt_wheel_arm(&m->w, &t->tm, m->base + exp);
}

static void
model_cancel(struct model *m, unsigned int i)
{
	struct mt *t = &m->t[i];

	if (t->armed)
		m->n_armed--;
	t->armed = false;
	pmt_wheel_cancel(&m->w, &t->tm);
}

/* A mix of past, short, medium, level-boundary, far and beyond-range expiries. */
static uint64_t
random_expiry(struct rng *r, uint64_t clk)
{
	uint64_t p = rng_range(r, 0, 99);

	if (p < 5)
		return clk - rng_range(r, 1, 1000);
	if (p < 35)
		return clk + rng_range(r, 0, 255);
	if (p < 55)
		return clk + rng_range(r, 256, P2(20));
	if (p < 65)
		return clk + P2(rng_range(r, 8, 40)) + rng_range(r, 0, 2) - 1;
	if (p < 78)
		return clk + rng_range(r, P2(20), P2(26));
	if (p < 90)
		return clk + rng_range(r, P2(26) + 1, P2(32));
	return clk + rng_range(r, P2(32) + 1, P2(40));
}

static uint64_t
model_min_expiry(const struct model *m, bool *any)
{
	uint64_t min = UINT64_MAX;
	unsigned int i;

	*any = false;
	for (i = 0; i < m->n; i++) {
		if (m->t[i].armed && m->t[i].exp < min) {
			min = m->t[i].exp;
			*any = true;
		}
	}
	return min;
}

static void
model_check_deadline(const struct model *m)
{
	bool any;
	uint64_t min = model_min_expiry(m, &any);
	uint64_t dl = pmt_wheel_next_deadline(&m->w);

	REQUIRE(m->w.n_armed == m->n_armed, "n_armed %" PRIu64 " != %u",
		m->w.n_armed, m->n_armed);
	if (!any)
		REQUIRE(dl == UINT64_MAX, "empty wheel: deadline %" PRIu64, dl);
	else
		REQUIRE(dl == m->base + min,
			"deadline %" PRIu64 " != model %" PRIu64,
			dl - m->base, min);
}

static void
mt_fire(struct pmt_wheel *w, struct pmt_timer *tm, uint64_t now)
{
	struct mt *t = TW_CONTAINER_OF(tm, struct mt, tm);
	struct model *m = t->m;
	uint64_t tick = now - m->base;
	unsigned int i;

	REQUIRE(w == &m->w, "fired by another wheel");
	REQUIRE(!pmt_timer_armed(tm), "timer %u still armed in its callback",
		t->id);
	REQUIRE(tm->expires == m->base + t->exp, "timer %u: expires changed",
		t->id);
	REQUIRE(tick >= m->last_tick, "timer %u ran at %" PRIu64
		" after a callback at %" PRIu64, t->id, tick, m->last_tick);
	REQUIRE(tick <= m->now, "timer %u ran at %" PRIu64 " past now %" PRIu64,
		t->id, tick, m->now);
	m->last_tick = tick;
	m->n_fired++;
	if (m->n_log == m->cap_log) {
		m->cap_log *= 2;
		m->log = realloc(m->log, m->cap_log * sizeof(*m->log));
		REQUIRE(m->log != NULL, "out of memory");
	}
	m->log[m->n_log].id = t->id;
	m->log[m->n_log].tick = tick;
	m->n_log++;
	if (!m->act)
		return;

	/*
	 * Validating mode: the firing order among equal ticks decides what
	 * the callbacks do, so the model follows the wheel's order and
	 * checks that each timer is due now and that none was missed.
	 */
	REQUIRE(t->armed && t->eff == tick, "timer %u ran at %" PRIu64
		", model says armed=%d at %" PRIu64, t->id, tick, t->armed,
		t->eff);
	for (i = 0; i < m->n; i++)
		REQUIRE(!m->t[i].armed || m->t[i].eff >= tick,
			"timer %u (due %" PRIu64 ") missed at tick %" PRIu64,
			i, m->t[i].eff, tick);
	t->armed = false;
	m->n_armed--;
	REQUIRE(m->w.n_armed == m->n_armed, "n_armed in callback");
	/* What the wheel's clock is during callbacks. */
	m->clk = tick + 1;

	if (rng_range(&m->rng, 0, 99) < 40)
		model_arm(m, t->id, tick + rng_range(&m->rng, 0, 600) - 3);
	if (rng_range(&m->rng, 0, 99) < 25)
		model_cancel(m, (unsigned int)rng_range(&m->rng, 0, m->n - 1));
	if (rng_range(&m->rng, 0, 99) < 25)
		model_arm(m, (unsigned int)rng_range(&m->rng, 0, m->n - 1),
			  random_expiry(&m->rng, m->clk));
	if (rng_range(&m->rng, 0, 99) < 5)
		model_cancel(m, t->id);
}

static int
fire_cmp(const void *a, const void *b)
{
	const struct fire *x = a, *y = b;

	if (x->tick != y->tick)
		return x->tick < y->tick ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Advance both to model time @now and compare what ran. */
static void
model_advance(struct model *m, uint64_t now)
{
	struct fire *due = m->due;
	size_t n_due = 0, k;
	unsigned int i, fired;

	if (!m->act) {
		/* Predict: everything due, ordered by tick (ties by id). */
		for (i = 0; i < m->n; i++) {
			struct mt *t = &m->t[i];

			if (t->armed && t->eff <= now) {
				due[n_due].id = t->id;
				due[n_due].tick = t->eff;
				n_due++;
				t->armed = false;
				m->n_armed--;
			}
		}
		qsort(due, n_due, sizeof(*due), fire_cmp);
	}
	m->n_log = 0;
	m->now = now;
	fired = pmt_wheel_advance(&m->w, m->base + now);
	REQUIRE(fired == m->n_log, "advance returned %u, %zu callbacks ran",
		fired, m->n_log);
	if (now >= m->clk)
		m->clk = now + 1;
	REQUIRE(m->w.clk == m->base + m->clk, "clock %" PRIu64 " != %" PRIu64,
		m->w.clk - m->base, m->clk);
	if (!m->act) {
		/* The log is in firing order; ties may come in any order. */
		qsort(m->log, m->n_log, sizeof(*m->log), fire_cmp);
		REQUIRE(m->n_log == n_due, "advance to %" PRIu64 ": %zu fired,"
			" model %zu", now, m->n_log, n_due);
		for (k = 0; k < n_due; k++)
			REQUIRE(m->log[k].id == due[k].id &&
				m->log[k].tick == due[k].tick,
				"fire %zu: timer %u at %" PRIu64 ", model timer %u"
				" at %" PRIu64, k, m->log[k].id, m->log[k].tick,
				due[k].id, due[k].tick);
	} else {
		for (i = 0; i < m->n; i++)
			REQUIRE(!m->t[i].armed || m->t[i].eff > now,
				"timer %u due %" PRIu64 " left after now %" PRIu64,
				i, m->t[i].eff, now);
	}
	model_check_deadline(m);
}

static uint64_t
random_step(struct rng *r)
{
	uint64_t p = rng_range(r, 0, 99);

	if (p < 5)
		return 0;
	if (p < 55)
		return rng_range(r, 1, 16);
	if (p < 80)
		return rng_range(r, 1, 512);
	if (p < 92)
		return rng_range(r, 1, P2(16));
	if (p < 98)
		return rng_range(r, 1, P2(24));
	return rng_range(r, 1, P2(36));
}

static void
run_random(unsigned int n_timers, unsigned long steps, uint64_t seed,
	   bool act)
{
	struct model m;
	unsigned long s;

	model_init(&m, n_timers, seed, act);
	for (s = 0; s < steps; s++) {
		uint64_t p = rng_range(&m.rng, 0, 99);
		unsigned int i = (unsigned int)rng_range(&m.rng, 0, n_timers - 1);

		if (p < 45) {
			model_arm(&m, i, random_expiry(&m.rng, m.clk));
		} else if (p < 60) {
			model_cancel(&m, i);
		} else {
			/* A step of 0 is an advance to clk - 1: a no-op. */
			model_advance(&m, m.clk - 1 + random_step(&m.rng));
			continue;
		}
		if ((s & 15) == 0)
			model_check_deadline(&m);
	}
	/* Drain: everything, including beyond-range timers, must still fire. */
	model_advance(&m, m.clk + P2(41));
	ck_assert_uint_eq(m.n_armed, 0);
	ck_assert_uint_eq(m.w.n_armed, 0);
	/* The run must have crossed 2^64 and gone far beyond 2^32 ticks. */
	ck_assert_uint_gt(m.clk, P2(30) + MODEL_T0 + P2(40));
	ck_assert_uint_gt(m.n_fired, steps / 10);
	model_fini(&m);
}

START_TEST(random_vs_model)
{
	run_random(2000, 1000000, UINT64_C(0x5eed0001), false);
}
END_TEST

START_TEST(random_callbacks_vs_model)
{
	run_random(256, 500000, UINT64_C(0x5eed0002), true);
}
END_TEST

/* Simple recorder for the directed tests. */
struct rec {
	struct pmt_timer tm;
	struct pmt_wheel *w;
	uint64_t fired_at;
	unsigned int n_fired;
	uint64_t adv_now;	/* now of the advance running the callback */
	uint64_t adv_prev;	/* now of the previous advance */
	/* Optional behaviour. */
	uint64_t period;
	unsigned int max_fires;
	struct rec *victim;	/* cancelled by this callback */
	struct rec *mover;	/* re-armed by this callback to move_to */
	uint64_t move_to;
	struct rec *spawn;	/* armed by this callback at spawn_at */
	uint64_t spawn_at;
	bool self_cancel;
	uint64_t *ticks;	/* every tick this timer ran at */
	bool log_advance;	/* rec_fire_log_advance() instead */
};

static void rec_fire_log_advance(struct pmt_timer *tm, uint64_t now);

/* The directed tests' wheel callback. */
static void
rec_fire(struct pmt_wheel *w, struct pmt_timer *tm, uint64_t now)
{
	struct rec *r = TW_CONTAINER_OF(tm, struct rec, tm);

	REQUIRE(r->w == w, "fired by another wheel");
	if (r->log_advance) {
		rec_fire_log_advance(tm, now);
		return;
	}

	REQUIRE(!pmt_timer_armed(tm), "armed in callback");
	if (r->ticks != NULL)
		r->ticks[r->n_fired] = now;
	r->fired_at = now;
	r->n_fired++;
	if (r->victim != NULL)
		pmt_wheel_cancel(r->w, &r->victim->tm);
	if (r->mover != NULL)
		pmt_wheel_arm(r->w, &r->mover->tm, r->move_to);
	if (r->spawn != NULL)
		pmt_wheel_arm(r->w, &r->spawn->tm, r->spawn_at);
	if (r->period != 0 && r->n_fired < r->max_fires)
		pmt_wheel_arm(r->w, tm, now + r->period);
	if (r->self_cancel)
		pmt_wheel_cancel(r->w, tm);
}

static void
rec_init(struct rec *r, struct pmt_wheel *w)
{
	memset(r, 0, sizeof(*r));
	r->w = w;
	pmt_timer_init(&r->tm);
}

static const uint64_t level_deltas[] = {
	0, 1, 2, 254, 255, 256, 257, 16383, 16384, 16385,
	P2(20) - 1, P2(20), P2(20) + 1, P2(26) - 1, P2(26), P2(26) + 1,
	P2(32) - 1, P2(32), P2(32) + 1, P2(33) + 12345, P2(40),
};
#define N_DELTAS (sizeof(level_deltas) / sizeof(level_deltas[0]))

static const uint64_t level_starts[] = {
	0, 1, 200, 255, 256, P2(14) - 1, P2(14), P2(26) + 5, P2(32) - 3,
	UINT64_C(123456789), 0 - P2(33), 0 - 1,
};

/* Each timer alone: silent one tick before, fires on its tick. */
START_TEST(levels_one_by_one)
{
	size_t si, di;

	for (si = 0; si < sizeof(level_starts) / sizeof(level_starts[0]); si++) {
		for (di = 0; di < N_DELTAS; di++) {
			uint64_t start = level_starts[si];
			uint64_t exp = start + level_deltas[di];
			struct pmt_wheel w;
			struct rec r;

			pmt_wheel_init(&w, start, rec_fire);
			rec_init(&r, &w);
			pmt_wheel_arm(&w, &r.tm, exp);
			ck_assert_uint_eq(pmt_wheel_next_deadline(&w), exp);
			if (exp != start) {
				/* Once as a single jump, once as two steps. */
				pmt_wheel_advance(&w, exp - 1 - (exp - start) / 2);
				ck_assert_uint_eq(r.n_fired, 0);
				ck_assert_uint_eq(pmt_wheel_next_deadline(&w), exp);
				pmt_wheel_advance(&w, exp - 1);
				ck_assert_uint_eq(r.n_fired, 0);
				ck_assert_uint_eq(pmt_wheel_next_deadline(&w), exp);
			}
			ck_assert_uint_eq(pmt_wheel_advance(&w, exp), 1);
			ck_assert_uint_eq(r.n_fired, 1);
			ck_assert_uint_eq(r.fired_at, exp);
			ck_assert_uint_eq(w.n_armed, 0);
			ck_assert_uint_eq(pmt_wheel_next_deadline(&w), UINT64_MAX);
		}
	}
}
END_TEST

static void
rec_fire_log_advance(struct pmt_timer *tm, uint64_t now)
{
	struct rec *r = TW_CONTAINER_OF(tm, struct rec, tm);

	r->n_fired++;
	r->fired_at = now;
	/* now in (adv_prev, adv_now], measured from adv_prev across a wrap. */
	REQUIRE(now - r->adv_prev >= 1 &&
		now - r->adv_prev <= r->adv_now - r->adv_prev,
		"ran at %" PRIu64 " in advance (%" PRIu64 ", %" PRIu64 "]",
		now, r->adv_prev, r->adv_now);
}

/*
 * All level boundaries in one wheel, advanced in random steps, some one
 * tick at a time: each timer runs in the advance whose now first reaches
 * its tick, on that tick, and next_deadline tracks the earliest left.
 */
START_TEST(levels_together)
{
	size_t si, di;
	struct rng rng = { .s = 77 };

	for (si = 0; si < sizeof(level_starts) / sizeof(level_starts[0]); si++) {
		uint64_t start = level_starts[si];
		struct rec r[N_DELTAS];
		struct pmt_wheel w;
		uint64_t now = start - 1;
		unsigned int left = N_DELTAS;

		pmt_wheel_init(&w, start, rec_fire);
		for (di = 0; di < N_DELTAS; di++) {
			rec_init(&r[di], &w);
			r[di].log_advance = true;
			pmt_wheel_arm(&w, &r[di].tm, start + level_deltas[di]);
		}
		while (left > 0) {
			uint64_t prev = now, min_d = UINT64_MAX;
			uint64_t p = rng_range(&rng, 0, 9);

			if (p < 3)
				now += 1;
			else if (p < 6)
				now += rng_range(&rng, 1, 300);
			else
				now += rng_range(&rng, 1, P2(rng_range(&rng, 1, 38)));
			for (di = 0; di < N_DELTAS; di++) {
				r[di].adv_prev = prev;
				r[di].adv_now = now;
			}
			pmt_wheel_advance(&w, now);
			left = 0;
			for (di = 0; di < N_DELTAS; di++) {
				uint64_t exp = start + level_deltas[di];

				if (exp - start <= now - start) {
					ck_assert_uint_eq(r[di].n_fired, 1);
					ck_assert_uint_eq(r[di].fired_at, exp);
				} else {
					ck_assert_uint_eq(r[di].n_fired, 0);
					if (level_deltas[di] < min_d)
						min_d = level_deltas[di];
					left++;
				}
			}
			ck_assert_uint_eq(w.n_armed, left);
			ck_assert_uint_eq(pmt_wheel_next_deadline(&w),
					  left ? start + min_d : UINT64_MAX);
		}
	}
}
END_TEST

/* The clock starts just below 2^64; timers on both sides of the wrap. */
START_TEST(clock_wrap)
{
	static const uint64_t deltas[] = {
		0, 1, 999, 1000, 1001, 1002, 1500, 70000, P2(20) + 7,
		P2(26) + 3, P2(33),
	};
	enum { N = sizeof(deltas) / sizeof(deltas[0]) };
	uint64_t start = UINT64_MAX - 1000;
	struct rec r[N + 1];
	struct pmt_wheel w;
	uint64_t now;
	unsigned int i;

	pmt_wheel_init(&w, start, rec_fire);
	for (i = 0; i < N; i++) {
		rec_init(&r[i], &w);
		pmt_wheel_arm(&w, &r[i].tm, start + deltas[i]);
	}
	/* Armed in the past: runs on the first tick processed. */
	rec_init(&r[N], &w);
	pmt_wheel_arm(&w, &r[N].tm, start - 5);
	ck_assert_uint_eq(pmt_wheel_next_deadline(&w), start - 5);

	/* One tick at a time across the wrap, then in big jumps. */
	for (now = start; now != start + 3000; now++) {
		pmt_wheel_advance(&w, now);
		for (i = 0; i < N; i++)
			ck_assert_uint_eq(r[i].n_fired,
					  deltas[i] <= now - start ? 1 : 0);
	}
	ck_assert_uint_eq(r[N].n_fired, 1);
	ck_assert_uint_eq(r[N].fired_at, start);
	ck_assert_uint_eq(pmt_wheel_next_deadline(&w), start + 70000);
	for (; now - start < P2(34); now += P2(20) + 17)
		pmt_wheel_advance(&w, now);
	for (i = 0; i < N; i++) {
		ck_assert_uint_eq(r[i].n_fired, 1);
		ck_assert_uint_eq(r[i].fired_at, start + deltas[i]);
	}
	ck_assert_uint_eq(w.n_armed, 0);
}
END_TEST

START_TEST(periodic_self_rearm)
{
	struct pmt_wheel w;
	struct rec r;
	uint64_t ticks[1000];
	unsigned int k;
	uint64_t now;
	struct rng rng = { .s = 5 };

	pmt_wheel_init(&w, 1000, rec_fire);
	rec_init(&r, &w);
	r.period = 7;
	r.max_fires = 1000;
	r.ticks = ticks;
	pmt_wheel_arm(&w, &r.tm, 1007);
	/* One coarse advance runs every period in it, in phase. */
	ck_assert_uint_eq(pmt_wheel_advance(&w, 1000 + 700), 100);
	ck_assert_uint_eq(r.n_fired, 100);
	ck_assert(pmt_timer_armed(&r.tm));
	ck_assert_uint_eq(pmt_wheel_next_deadline(&w), 1000 + 707);
	for (now = 1700; r.n_fired < 1000; ) {
		now += rng_range(&rng, 0, 40);
		pmt_wheel_advance(&w, now);
	}
	for (k = 0; k < 1000; k++)
		ck_assert_uint_eq(ticks[k], 1000 + 7 * (k + 1));
	ck_assert(!pmt_timer_armed(&r.tm));
	ck_assert_uint_eq(w.n_armed, 0);
}
END_TEST

/* A callback cancels one timer, moves another and arms a third. */
START_TEST(callback_cancels_and_moves)
{
	struct pmt_wheel w;
	struct rec a, b, c, d;

	pmt_wheel_init(&w, 0, rec_fire);
	rec_init(&a, &w);
	rec_init(&b, &w);
	rec_init(&c, &w);
	rec_init(&d, &w);
	a.victim = &b;
	a.mover = &c;
	a.move_to = 55;
	a.spawn = &d;
	a.spawn_at = 50;	/* its own tick: runs on the next one */
	pmt_wheel_arm(&w, &a.tm, 50);
	pmt_wheel_arm(&w, &b.tm, 60);
	pmt_wheel_arm(&w, &c.tm, 100);
	ck_assert_uint_eq(pmt_wheel_advance(&w, 200), 3);
	ck_assert_uint_eq(a.n_fired, 1);
	ck_assert_uint_eq(a.fired_at, 50);
	ck_assert_uint_eq(b.n_fired, 0);
	ck_assert_uint_eq(c.n_fired, 1);
	ck_assert_uint_eq(c.fired_at, 55);
	ck_assert_uint_eq(d.n_fired, 1);
	ck_assert_uint_eq(d.fired_at, 51);
	ck_assert_uint_eq(w.n_armed, 0);

	/* Same for a victim further out, in a higher level. */
	rec_init(&a, &w);
	rec_init(&b, &w);
	a.victim = &b;
	pmt_wheel_arm(&w, &a.tm, 300);
	pmt_wheel_arm(&w, &b.tm, 300 + P2(27));
	pmt_wheel_advance(&w, 300);
	ck_assert_uint_eq(a.n_fired, 1);
	ck_assert(!pmt_timer_armed(&b.tm));
	ck_assert_uint_eq(pmt_wheel_next_deadline(&w), UINT64_MAX);
	pmt_wheel_advance(&w, 300 + P2(28));
	ck_assert_uint_eq(b.n_fired, 0);
}
END_TEST

/* Two timers on one tick cancel each other: exactly one runs. */
START_TEST(callback_cancels_same_tick)
{
	struct pmt_wheel w;
	struct rec x, y;

	pmt_wheel_init(&w, 0, rec_fire);
	rec_init(&x, &w);
	rec_init(&y, &w);
	x.victim = &y;
	y.victim = &x;
	pmt_wheel_arm(&w, &x.tm, 10);
	pmt_wheel_arm(&w, &y.tm, 10);
	ck_assert_uint_eq(pmt_wheel_advance(&w, 10), 1);
	ck_assert_uint_eq(x.n_fired + y.n_fired, 1);
	ck_assert_uint_eq(w.n_armed, 0);
}
END_TEST

/* Re-arming in the callback and then cancelling leaves nothing armed. */
START_TEST(callback_rearm_then_cancel_self)
{
	struct pmt_wheel w;
	struct rec r;

	pmt_wheel_init(&w, 0, rec_fire);
	rec_init(&r, &w);
	r.period = 1;
	r.max_fires = 100;
	r.self_cancel = true;
	pmt_wheel_arm(&w, &r.tm, 5);
	ck_assert_uint_eq(pmt_wheel_advance(&w, 1000), 1);
	ck_assert(!pmt_timer_armed(&r.tm));
	ck_assert_uint_eq(w.n_armed, 0);
}
END_TEST

/*
 * A callback re-arming a full turn of level 0 later lands in the slot
 * being run, which must not run it again on this tick.
 */
START_TEST(callback_rearm_into_running_slot)
{
	struct pmt_wheel w;
	struct rec r, s;
	uint64_t ticks[4];

	pmt_wheel_init(&w, 0, rec_fire);
	rec_init(&r, &w);
	rec_init(&s, &w);
	r.period = 256;
	r.max_fires = 4;
	r.ticks = ticks;
	r.spawn = &s;
	r.spawn_at = 40 + 257;
	pmt_wheel_arm(&w, &r.tm, 40);
	ck_assert_uint_eq(pmt_wheel_advance(&w, 40 + 255), 1);
	ck_assert_uint_eq(pmt_wheel_advance(&w, 40 + 256), 1);
	ck_assert_uint_eq(pmt_wheel_advance(&w, 40 + 257), 1);
	ck_assert_uint_eq(s.fired_at, 40 + 257);
	pmt_wheel_advance(&w, 10000);
	ck_assert_uint_eq(r.n_fired, 4);
	ck_assert_uint_eq(ticks[3], 40 + 3 * 256);
}
END_TEST

START_TEST(cancel_not_armed)
{
	struct pmt_wheel w;
	struct rec r;

	pmt_wheel_init(&w, 0, rec_fire);
	rec_init(&r, &w);
	pmt_wheel_cancel(&w, &r.tm);
	ck_assert(!pmt_timer_armed(&r.tm));
	ck_assert_uint_eq(w.n_armed, 0);
	pmt_wheel_arm(&w, &r.tm, 10);
	pmt_wheel_cancel(&w, &r.tm);
	pmt_wheel_cancel(&w, &r.tm);
	ck_assert_uint_eq(w.n_armed, 0);
	ck_assert_uint_eq(pmt_wheel_advance(&w, 100), 0);
	/* After firing, cancel is also harmless. */
	pmt_wheel_arm(&w, &r.tm, 150);
	ck_assert_uint_eq(pmt_wheel_advance(&w, 200), 1);
	pmt_wheel_cancel(&w, &r.tm);
	ck_assert_uint_eq(w.n_armed, 0);
}
END_TEST

START_TEST(rearm_moves)
{
	struct pmt_wheel w;
	struct rec r;

	pmt_wheel_init(&w, 0, rec_fire);
	rec_init(&r, &w);
	/* Earlier, within level 0. */
	pmt_wheel_arm(&w, &r.tm, 100);
	pmt_wheel_arm(&w, &r.tm, 50);
	ck_assert_uint_eq(w.n_armed, 1);
	ck_assert_uint_eq(pmt_wheel_next_deadline(&w), 50);
	ck_assert_uint_eq(pmt_wheel_advance(&w, 49), 0);
	ck_assert_uint_eq(pmt_wheel_advance(&w, 50), 1);
	ck_assert_uint_eq(pmt_wheel_advance(&w, 200), 0);
	/* Later, into another level. */
	pmt_wheel_arm(&w, &r.tm, 300);
	pmt_wheel_arm(&w, &r.tm, 5000);
	ck_assert_uint_eq(pmt_wheel_advance(&w, 4999), 0);
	ck_assert_uint_eq(pmt_wheel_advance(&w, 5000), 1);
	ck_assert_uint_eq(r.fired_at, 5000);
	/* From a far level back into the past: runs on the next tick. */
	pmt_wheel_arm(&w, &r.tm, P2(35));
	pmt_wheel_arm(&w, &r.tm, 4000);
	ck_assert_uint_eq(w.n_armed, 1);
	ck_assert_uint_eq(pmt_wheel_next_deadline(&w), 4000);
	ck_assert_uint_eq(pmt_wheel_advance(&w, 5001), 1);
	ck_assert_uint_eq(r.fired_at, 5001);
	ck_assert_uint_eq(r.n_fired, 3);
	ck_assert_uint_eq(pmt_wheel_advance(&w, P2(36)), 0);
}
END_TEST

/*
 * A parked timer can sit in a top-level slot reached before the slot of a
 * nearer timer armed later: next_deadline must not stop at the first
 * non-empty top-level slot.
 */
START_TEST(deadline_with_parked)
{
	struct pmt_wheel w;
	struct rec p, q, s;

	pmt_wheel_init(&w, 0, rec_fire);
	rec_init(&p, &w);
	rec_init(&q, &w);
	rec_init(&s, &w);
	pmt_wheel_arm(&w, &p.tm, P2(40));
	ck_assert_uint_eq(pmt_wheel_next_deadline(&w), P2(40));
	pmt_wheel_advance(&w, P2(26) + 5);
	pmt_wheel_arm(&w, &q.tm, P2(32) + 5);
	ck_assert_uint_eq(pmt_wheel_next_deadline(&w), P2(32) + 5);
	pmt_wheel_arm(&w, &s.tm, P2(26) + 1);	/* in the past */
	ck_assert_uint_eq(pmt_wheel_next_deadline(&w), P2(26) + 1);
	pmt_wheel_advance(&w, P2(26) + 6);
	ck_assert_uint_eq(s.fired_at, P2(26) + 6);
	ck_assert_uint_eq(pmt_wheel_next_deadline(&w), P2(32) + 5);
	pmt_wheel_advance(&w, P2(40));
	ck_assert_uint_eq(q.fired_at, P2(32) + 5);
	ck_assert_uint_eq(p.fired_at, P2(40));
}
END_TEST

/* Idle gaps are jumped, not walked. */
START_TEST(empty_and_sparse_fast)
{
	struct pmt_wheel w;
	struct rec r[100];
	struct rng rng = { .s = 99 };
	double t0 = mono_seconds();
	uint64_t now;
	unsigned int i;

	pmt_wheel_init(&w, 0, rec_fire);
	ck_assert_uint_eq(pmt_wheel_advance(&w, P2(40)), 0);
	ck_assert_uint_eq(w.clk, P2(40) + 1);
	pmt_wheel_advance(&w, P2(62));
	ck_assert_uint_eq(w.clk, P2(62) + 1);
	ck_assert_double_lt(mono_seconds() - t0, 0.05);

	/* One parked timer, re-parked ~2^10 times on the way. */
	t0 = mono_seconds();
	pmt_wheel_init(&w, 0, rec_fire);
	rec_init(&r[0], &w);
	pmt_wheel_arm(&w, &r[0].tm, P2(42) + 3);
	ck_assert_uint_eq(pmt_wheel_advance(&w, P2(43)), 1);
	ck_assert_uint_eq(r[0].fired_at, P2(42) + 3);
	ck_assert_double_lt(mono_seconds() - t0, 0.1);

	/* 100 timers spread over 2^40 ticks, advanced in 1000 jumps. */
	t0 = mono_seconds();
	pmt_wheel_init(&w, 0, rec_fire);
	for (i = 0; i < 100; i++) {
		rec_init(&r[i], &w);
		r[i].log_advance = true;
		pmt_wheel_arm(&w, &r[i].tm, rng_range(&rng, 1, P2(40)));
	}
	for (now = 0; now < P2(41); ) {
		uint64_t prev = now;

		now += rng_range(&rng, 1, P2(32));
		for (i = 0; i < 100; i++) {
			r[i].adv_prev = prev;
			r[i].adv_now = now;
		}
		pmt_wheel_advance(&w, now);
	}
	for (i = 0; i < 100; i++) {
		ck_assert_uint_eq(r[i].n_fired, 1);
		ck_assert_uint_eq(r[i].fired_at, r[i].tm.expires);
	}
	ck_assert_double_lt(mono_seconds() - t0, 1.0);

	/* A poll loop one tick at a time past a single far timer. */
	t0 = mono_seconds();
	pmt_wheel_init(&w, 0, rec_fire);
	rec_init(&r[0], &w);
	pmt_wheel_arm(&w, &r[0].tm, 1000000);
	for (now = 0; now <= 1000000; now++)
		pmt_wheel_advance(&w, now);
	ck_assert_uint_eq(r[0].fired_at, 1000000);
	ck_assert_double_lt(mono_seconds() - t0, 2.0);
}
END_TEST

static Suite *
wheel_suite(void)
{
	Suite *s = suite_create("wheel");
	TCase *tc;

	tc = tcase_create("model");
	/* Generous for sanitizer builds; a release build needs ~1 s. */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, random_vs_model);
	tcase_add_test(tc, random_callbacks_vs_model);
	suite_add_tcase(s, tc);

	tc = tcase_create("levels");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, levels_one_by_one);
	tcase_add_test(tc, levels_together);
	tcase_add_test(tc, clock_wrap);
	tcase_add_test(tc, deadline_with_parked);
	suite_add_tcase(s, tc);

	tc = tcase_create("callbacks");
	tcase_add_test(tc, periodic_self_rearm);
	tcase_add_test(tc, callback_cancels_and_moves);
	tcase_add_test(tc, callback_cancels_same_tick);
	tcase_add_test(tc, callback_rearm_then_cancel_self);
	tcase_add_test(tc, callback_rearm_into_running_slot);
	tcase_add_test(tc, cancel_not_armed);
	tcase_add_test(tc, rearm_moves);
	suite_add_tcase(s, tc);

	tc = tcase_create("speed");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, empty_and_sparse_fast);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(wheel_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* wheel.c: the per-lcore cascading timing wheel declared in pmt_wheel.h. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pmt_wheel.h"

/*
 * Placement (as in Linux's timer wheel before 4.8): with delta =
 * expires - clk, a timer goes to level 0 slot (expires & 255) when
 * delta < 2^8, else to level L (1..4) slot ((expires >> s_L) & 63), with
 * s_L = 8 + 6 (L - 1), for the L with 2^s_L <= delta < 2^(s_L + 6).
 * Level L slot j is cascaded (its timers placed again, relative to the
 * clock of that moment) on the ticks that are multiples of 2^s_L and
 * whose level-L index is j. A timer in level L is therefore cascaded on
 * the tick (expires & ~(2^s_L - 1)): never after its expiry, and from
 * there it lands one level lower, until level 0 runs it on its exact
 * tick. Order of the cascades within one tick does not matter, because a
 * cascaded timer is placed relative to the clock, never into a slot that
 * is being cascaded on that tick.
 */

#define L0_MASK (PMT_WHEEL_L0_SIZE - 1)
#define LN_MASK (PMT_WHEEL_LN_SIZE - 1)

_Static_assert(PMT_WHEEL_L0_BITS + (PMT_WHEEL_LEVELS - 1) *
	       PMT_WHEEL_LN_BITS < 64, "the wheel must span less than 2^64");
_Static_assert(PMT_WHEEL_MAX_DELTA == UINT32_MAX,
	       "the 256 + 4 x 64 layout covers exactly 2^32 ticks");

/* log2 of the tick span of one slot of w->ln[lvl]. */
static inline unsigned int
ln_shift(unsigned int lvl)
{
	return PMT_WHEEL_L0_BITS + lvl * PMT_WHEEL_LN_BITS;
}

/* Wrap-safe a < b; valid while the two are less than 2^63 apart. */
static inline bool
tick_before(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

static inline void
timer_link(struct pmt_timer **head, struct pmt_timer *t)
{
	t->next = *head;
	if (t->next != NULL)
		t->next->pprev = &t->next;
	*head = t;
	t->pprev = head;
}

static inline void
timer_unlink(struct pmt_timer *t)
{
	*t->pprev = t->next;
	if (t->next != NULL)
		t->next->pprev = t->pprev;
	t->next = NULL;
	t->pprev = NULL;
}

static struct pmt_timer **
slot_for(struct pmt_wheel *w, uint64_t expires)
{
	uint64_t delta = expires - w->clk;
	unsigned int lvl;

	/* Already due: the next tick processed is the earliest it can run. */
	if ((int64_t)delta < 0)
		return &w->l0[w->clk & L0_MASK];
	if (delta < PMT_WHEEL_L0_SIZE)
		return &w->l0[expires & L0_MASK];
	/*
	 * Too far for any slot: park it in the top-level slot cascaded last.
	 * That slot is cascaded within MAX_DELTA ticks, before the real
	 * expiry, and the cascade places the timer again by t->expires.
	 */
	if (delta > PMT_WHEEL_MAX_DELTA) {
		expires = w->clk + PMT_WHEEL_MAX_DELTA;
		delta = PMT_WHEEL_MAX_DELTA;
	}
	/* The highest set bit (8..31) picks the level directly. */
	lvl = (unsigned int)(63 - __builtin_clzll(delta) - PMT_WHEEL_L0_BITS) /
		PMT_WHEEL_LN_BITS;
	return &w->ln[lvl][(expires >> ln_shift(lvl)) & LN_MASK];
}

void
pmt_wheel_init(struct pmt_wheel *w, uint64_t now, pmt_timer_fn fn)
{
	memset(w, 0, sizeof(*w));
	w->clk = now;
	w->fn = fn;
}

void
pmt_timer_init(struct pmt_timer *t)
{
	t->next = NULL;
	t->pprev = NULL;
	t->expires = 0;
}

void
pmt_wheel_arm(struct pmt_wheel *w, struct pmt_timer *t, uint64_t expires)
{
	if (pmt_timer_armed(t))
		timer_unlink(t);
	else
		w->n_armed++;
	t->expires = expires;
	timer_link(slot_for(w, expires), t);
}

void
pmt_wheel_cancel(struct pmt_wheel *w, struct pmt_timer *t)
{
	if (!pmt_timer_armed(t))
		return;
	timer_unlink(t);
	w->n_armed--;
}

/* Called with w->clk == tick, a multiple of 256. */
static void
cascade(struct pmt_wheel *w, uint64_t tick)
{
	unsigned int lvl;

	for (lvl = 0; lvl < PMT_WHEEL_LEVELS - 1; lvl++) {
		unsigned int idx = (tick >> ln_shift(lvl)) & LN_MASK;
		struct pmt_timer *t = w->ln[lvl][idx];
		struct pmt_timer *next;

		w->ln[lvl][idx] = NULL;
		for (; t != NULL; t = next) {
			next = t->next;
			timer_link(slot_for(w, t->expires), t);
		}
		/* The next level only turns when this one wraps to 0. */
		if (idx != 0)
			break;
	}
}

/*
 * Distance from @tick to the first later tick on which processing does
 * anything (runs a non-empty level-0 slot or cascades a non-empty slot),
 * or UINT64_MAX if there is none within @limit ticks. May answer early
 * (processing an idle tick is harmless), never late. Bounding the scan
 * by @limit keeps a poll loop that advances one tick at a time cheap.
 */
static uint64_t
next_event(const struct pmt_wheel *w, uint64_t tick, uint64_t limit)
{
	unsigned int i = tick & L0_MASK;
	uint64_t to_wrap = PMT_WHEEL_L0_SIZE - i;	/* ticks to next cascade */
	uint64_t best = UINT64_MAX;
	uint64_t b = tick + to_wrap;
	uint64_t j, end;
	unsigned int lvl;

	end = limit < to_wrap - 1 ? limit : to_wrap - 1;
	for (j = 1; j <= end; j++)
		if (w->l0[i + j] != NULL)
			return j;
	if (limit < to_wrap)
		return UINT64_MAX;
	/* Level-0 timers left belong to the next turn: let it run. */
	for (j = 0; j <= i; j++)
		if (w->l0[j] != NULL)
			return to_wrap;

	for (lvl = 0; lvl < PMT_WHEEL_LEVELS - 1; lvl++) {
		unsigned int s = ln_shift(lvl);
		/* First tick >= b on which this level cascades, and its slot. */
		uint64_t t0 = b + ((0 - b) & ((UINT64_C(1) << s) - 1));
		unsigned int i0 = (t0 >> s) & LN_MASK;
		unsigned int k;

		for (k = 0; k < PMT_WHEEL_LN_SIZE; k++) {
			if (w->ln[lvl][(i0 + k) & LN_MASK] != NULL) {
				uint64_t d = t0 + ((uint64_t)k << s) - tick;

				if (d < best)
					best = d;
				break;
			}
		}
	}
	return best <= limit ? best : UINT64_MAX;
}

unsigned int
pmt_wheel_advance(struct pmt_wheel *w, uint64_t now)
{
	unsigned int fired = 0;

	while (!tick_before(now, w->clk)) {
		uint64_t tick = w->clk;
		struct pmt_timer *head;
		uint64_t d;

		if (w->n_armed == 0) {
			w->clk = now + 1;
			break;
		}
		if ((tick & L0_MASK) == 0)
			cascade(w, tick);
		head = w->l0[tick & L0_MASK];
		if (head == NULL) {
			/* Jump over idle ticks instead of walking them. */
			d = next_event(w, tick, now - tick);
			if (d == UINT64_MAX) {
				w->clk = now + 1;
				break;
			}
			w->clk = tick + d;
			continue;
		}
		/*
		 * Run the slot from a private list: a callback may re-arm into
		 * this same slot (a full turn later) or cancel a timer still
		 * on the list, which unlinks it from the local head.
		 */
		w->l0[tick & L0_MASK] = NULL;
		head->pprev = &head;
		w->clk = tick + 1;
		while (head != NULL) {
			struct pmt_timer *t = head;

			timer_unlink(t);
			w->n_armed--;
			fired++;
			w->fn(w, t, tick);
		}
	}
	return fired;
}

/*
 * Earliest expiry in @slots, a level of @n slots of 2^@s ticks each,
 * folded into *best_d (a distance from clk, negative for timers armed in
 * the past). Slots are visited in the order they are reached; every
 * timer in a slot expires no earlier than the tick the slot is reached,
 * so the walk stops once that tick is not before the best so far. Parked
 * timers break the stronger rule "the first non-empty slot holds the
 * level's minimum" (a parked timer may sit in a slot reached before
 * that of a nearer timer), hence the running bound.
 */
static void
level_min(struct pmt_timer *const *slots, unsigned int n, unsigned int s,
	  uint64_t clk, int64_t *best_d, bool *found)
{
	uint64_t t0 = clk + ((0 - clk) & ((UINT64_C(1) << s) - 1));
	unsigned int i0 = (t0 >> s) & (n - 1);
	unsigned int k;

	for (k = 0; k < n; k++) {
		int64_t reached_d = (int64_t)(t0 + ((uint64_t)k << s) - clk);
		const struct pmt_timer *t;

		if (*found && *best_d <= reached_d)
			return;
		for (t = slots[(i0 + k) & (n - 1)]; t != NULL; t = t->next) {
			int64_t d = (int64_t)(t->expires - clk);

			if (!*found || d < *best_d) {
				*best_d = d;
				*found = true;
			}
		}
	}
}

uint64_t
pmt_wheel_next_deadline(const struct pmt_wheel *w)
{
	int64_t best_d = 0;
	bool found = false;
	unsigned int lvl;

	if (w->n_armed == 0)
		return UINT64_MAX;
	level_min(w->l0, PMT_WHEEL_L0_SIZE, 0, w->clk, &best_d, &found);
	for (lvl = 0; lvl < PMT_WHEEL_LEVELS - 1; lvl++)
		level_min(w->ln[lvl], PMT_WHEEL_LN_SIZE, ln_shift(lvl), w->clk,
			  &best_d, &found);
	return w->clk + (uint64_t)best_d;
}

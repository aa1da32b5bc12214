/* pmt_wheel.h: the per-lcore hierarchical hashed timing wheel (internal API). */
#ifndef PMT_WHEEL_H
#define PMT_WHEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A cascading hierarchical wheel after Varghese & Lauck: level 0 has
 * 256 one-tick slots, levels 1..4 have 64 slots each, every level 64
 * times coarser than the one below, so 2^32 ticks are covered exactly.
 * A timer further out is parked in the last slot of the top level and
 * placed again each time that slot cascades. Timers fire on the exact
 * tick they were armed for (never early, never later than the tick in
 * which the clock passes them).
 *
 * Time is whatever unit the owner passes as "now" (the engine passes
 * TSC-derived ticks, tests pass a counter). Times are uint64_t and all
 * comparisons are wrap-safe, so the tick counter may wrap; the price is
 * that every expiry and every "now" must be within 2^63 ticks of the
 * wheel's clock.
 *
 * pmt_wheel_advance() behaves as if it were called once per tick: each
 * callback is passed the tick being processed (its timer's expiry, or
 * for a timer armed in the past the first tick processed after arming),
 * so a periodic timer re-armed at now + period keeps its phase however
 * coarsely the wheel is advanced. A timer that a callback arms for its
 * own tick or earlier runs on the next tick (in the same call if @now
 * reaches it).
 *
 * The timer node is embedded in its owner (no allocation); the owner
 * finds itself with container_of() in the callback. The callback is the
 * wheel's, not the node's: a node is three words, and an engine with a
 * million TCBs keeps a million of them (the callback tells its kinds of
 * owner apart, as the engine's does ARP entries from TCBs).
 */

#define PMT_WHEEL_L0_BITS 8
#define PMT_WHEEL_LN_BITS 6
#define PMT_WHEEL_LEVELS 5
#define PMT_WHEEL_L0_SIZE (1u << PMT_WHEEL_L0_BITS)
#define PMT_WHEEL_LN_SIZE (1u << PMT_WHEEL_LN_BITS)
/* Largest delta that is placed exactly; beyond it a timer is re-placed. */
#define PMT_WHEEL_MAX_DELTA ((UINT64_C(1) << \
	(PMT_WHEEL_L0_BITS + (PMT_WHEEL_LEVELS - 1) * PMT_WHEEL_LN_BITS)) - 1)

struct pmt_timer;
struct pmt_wheel;

/**
 * Called when a timer of @w expires; the timer is already disarmed. @now
 * is the tick being processed, not the @now given to pmt_wheel_advance().
 */
typedef void (*pmt_timer_fn)(struct pmt_wheel *w, struct pmt_timer *t,
			     uint64_t now);

struct pmt_timer {
	struct pmt_timer *next;
	struct pmt_timer **pprev;	/* NULL when not armed */
	uint64_t expires;
};

struct pmt_wheel {
	uint64_t clk;		/* next tick to be processed */
	uint64_t n_armed;
	pmt_timer_fn fn;	/* every timer's callback */
	struct pmt_timer *l0[PMT_WHEEL_L0_SIZE];
	struct pmt_timer *ln[PMT_WHEEL_LEVELS - 1][PMT_WHEEL_LN_SIZE];
};

/** Initialise an empty wheel whose clock starts at @now; @fn runs expired timers. */
void pmt_wheel_init(struct pmt_wheel *w, uint64_t now, pmt_timer_fn fn);

/** Prepare a timer node; must be called once before the first arm. */
void pmt_timer_init(struct pmt_timer *t);

static inline bool
pmt_timer_armed(const struct pmt_timer *t)
{
	return t->pprev != NULL;
}

/**
 * Arm (or re-arm) @t to fire at absolute time @expires. An expiry in the
 * past fires on the next pmt_wheel_advance(). O(1).
 */
void pmt_wheel_arm(struct pmt_wheel *w, struct pmt_timer *t,
		   uint64_t expires);

/** Disarm @t if armed; harmless otherwise. O(1). */
void pmt_wheel_cancel(struct pmt_wheel *w, struct pmt_timer *t);

/**
 * Run every timer whose expiry is <= @now, in expiry order (timers with
 * the same expiry in unspecified order). Callbacks may arm and cancel any
 * timer, including the one running, but must not advance the wheel.
 * Returns the number of timers fired.
 */
unsigned int pmt_wheel_advance(struct pmt_wheel *w, uint64_t now);

/**
 * The earliest expiry of any armed timer, or UINT64_MAX when none is
 * armed. Exact, not a lower bound (so it is before the clock when a timer
 * was armed in the past); costs a scan of the slots.
 */
uint64_t pmt_wheel_next_deadline(const struct pmt_wheel *w);

#endif /* PMT_WHEEL_H */

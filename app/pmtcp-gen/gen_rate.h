/* gen_rate.h: pmtcp-gen's token-bucket rate limiter with an injected clock. */
#ifndef GEN_RATE_H
#define GEN_RATE_H

#include <stdint.h>

/*
 * Tokens accrue at rate_per_s, counted exactly: each refill adds
 * elapsed_ns * rate_per_s units of 10^-9 token to a remainder (with
 * 128-bit arithmetic) and moves the whole tokens out. So while the
 * bucket stays below its cap, the tokens handed out plus those held are
 * exactly floor(elapsed_ns * rate / 10^9) after any sequence of calls:
 * no drift however small the steps, from 1/s to well past 100M/s.
 *
 * The bucket starts empty: the first event may start 1/rate after
 * gen_rate_init(). Tokens beyond @burst are discarded and counted in
 * gen_rate.missed (the caller did not keep up with the rate).
 *
 * Time is the caller's nanosecond clock (a TSC conversion in the
 * generator, a counter in tests). A clock that goes backwards adds
 * nothing. One instance per lcore; no locks.
 */

/* Units of the fractional remainder per token. */
#define GEN_RATE_NS_PER_S UINT64_C(1000000000)

struct gen_rate {
	uint64_t rate;		/* events per second */
	uint64_t burst;		/* most tokens held, at least 1 */
	uint64_t tokens;	/* whole tokens available */
	uint64_t frac;		/* part token, in 10^-9 tokens: < 10^9 */
	uint64_t last_ns;	/* clock at the last refill */
	uint64_t missed;	/* tokens discarded at the burst cap */
};

/**
 * Start an empty bucket at @now.
 *
 * @param rate_per_s
 *   Events per second; 0 stops events until gen_rate_set().
 * @param burst
 *   Most events gen_rate_take() can grant at once after idling
 *   (0 is taken as 1).
 */
void gen_rate_init(struct gen_rate *r, uint64_t rate_per_s, uint64_t burst,
		   uint64_t now);

/**
 * Change the rate at @now (for ramps): tokens earned up to @now at the
 * old rate are kept, those after it accrue at the new one.
 */
void gen_rate_set(struct gen_rate *r, uint64_t rate_per_s, uint64_t now);

/**
 * Refill up to @now, then take and return the number of events that may
 * start now, at most @max.
 */
uint64_t gen_rate_take(struct gen_rate *r, uint64_t now, uint64_t max);

/**
 * Target rate at @t_ns into a linear ramp from @start_rate to
 * @target_rate over @ramp_ns (either direction), rounded down; the
 * target from @ramp_ns on, or at once if @ramp_ns is 0. The caller
 * feeds it to gen_rate_set() every few milliseconds.
 */
uint64_t gen_rate_ramp(uint64_t start_rate, uint64_t target_rate,
		       uint64_t ramp_ns, uint64_t t_ns);

#endif /* GEN_RATE_H */

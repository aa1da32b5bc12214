/* gen_rate.c: exact token accrual, the burst cap and the linear ramp. */
#include "gen_rate.h"

/* GCC and Clang have it on every 64-bit target DPDK supports. */
__extension__ typedef unsigned __int128 u128;

/*
 * Credit the tokens earned since last_ns. The product elapsed * rate
 * fits 64 bits on the hot path (microsecond steps at any sane rate); the
 * 128-bit division is only needed after long idles or at huge rates.
 */
static void
refill(struct gen_rate *r, uint64_t now)
{
	uint64_t dt, prod, whole, room;
	u128 acc;

	if (now <= r->last_ns)
		return;
	dt = now - r->last_ns;
	r->last_ns = now;
	if (!__builtin_mul_overflow(dt, r->rate, &prod) &&
	    !__builtin_add_overflow(prod, r->frac, &prod)) {
		whole = prod / GEN_RATE_NS_PER_S;
		r->frac = prod % GEN_RATE_NS_PER_S;
	} else {
		acc = (u128)dt * r->rate + r->frac;
		r->frac = (uint64_t)(acc % GEN_RATE_NS_PER_S);
		acc /= GEN_RATE_NS_PER_S;
		whole = acc > UINT64_MAX ? UINT64_MAX : (uint64_t)acc;
	}
	room = r->burst - r->tokens;
	if (whole >= room) {
		/* A full bucket holds no part token either. */
		r->missed += whole - room;
		r->tokens = r->burst;
		r->frac = 0;
	} else {
		r->tokens += whole;
	}
}

void
gen_rate_init(struct gen_rate *r, uint64_t rate_per_s, uint64_t burst,
	      uint64_t now)
{
	r->rate = rate_per_s;
	r->burst = burst == 0 ? 1 : burst;
	r->tokens = 0;
	r->frac = 0;
	r->last_ns = now;
	r->missed = 0;
}

void
gen_rate_set(struct gen_rate *r, uint64_t rate_per_s, uint64_t now)
{
	refill(r, now);
	r->rate = rate_per_s;
}

uint64_t
gen_rate_take(struct gen_rate *r, uint64_t now, uint64_t max)
{
	uint64_t n;

	refill(r, now);
	n = r->tokens < max ? r->tokens : max;
	r->tokens -= n;
	return n;
}

uint64_t
gen_rate_ramp(uint64_t start_rate, uint64_t target_rate, uint64_t ramp_ns,
	      uint64_t t_ns)
{
	u128 d;

	if (t_ns >= ramp_ns)
		return target_rate;
	if (target_rate >= start_rate) {
		d = (u128)(target_rate - start_rate) * t_ns / ramp_ns;
		return start_rate + (uint64_t)d;
	}
	/* Going down: round the drop up so the rate itself rounds down. */
	d = ((u128)(start_rate - target_rate) * t_ns + ramp_ns - 1) /
	    ramp_ns;
	return start_rate - (uint64_t)d;
}

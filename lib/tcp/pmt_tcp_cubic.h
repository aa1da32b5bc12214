/* pmt_tcp_cubic.h: CUBIC congestion avoidance (RFC 9438) as integer arithmetic on bytes and microseconds (internal). */
#ifndef PMT_TCP_CUBIC_H
#define PMT_TCP_CUBIC_H

#include <stdint.h>

/*
 * RFC 9438 with its constants: C = 0.4, beta_cubic = 0.7, fast
 * convergence on, alpha_cubic = 3 (1 - beta) / (1 + beta) for the
 * Reno-friendly estimate. Windows are in bytes (one SMSS is @mss),
 * time in microseconds from the caller's clock; no floating point, no
 * clock read, so it runs per ACK and is tested on an injected clock.
 *
 * Slow start is the caller's (RFC 5681, or HyStart++); these functions
 * cover congestion avoidance and the reaction to a congestion event.
 */
struct pmt_cubic {
	uint32_t w_max;		/* window before the last reduction, bytes */
	uint32_t cwnd_epoch;	/* cwnd when this epoch began */
	uint32_t w_est;		/* Reno-friendly estimate, bytes */
	uint32_t k_ms;		/* time from the epoch to reach w_max, ms */
	uint64_t epoch_us;	/* start of this congestion avoidance; 0 = none */
	uint64_t acc;		/* growth owed, in bytes x cwnd (fractions kept) */
	uint64_t acc_est;	/* the same for w_est, x 1024 */
};

_Static_assert(sizeof(struct pmt_cubic) == 40, "CUBIC state is 40 bytes");

/* RFC 9438 4.7: beta_cubic = 0.7, as a fraction of 1024. */
#define PMT_CUBIC_BETA_1024 717u

void pmt_cubic_init(struct pmt_cubic *cs);

/**
 * A congestion event (RFC 9438 4.6; fast convergence, 4.7):
 * @return the new ssthresh (bytes), at least 2 * @mss; the caller sets
 * cwnd from it as its recovery requires.
 */
uint32_t pmt_cubic_loss(struct pmt_cubic *cs, uint32_t cwnd, uint32_t mss);

/**
 * An ACK of @acked new bytes in congestion avoidance at @now_us with
 * smoothed RTT @srtt_us: @return the new cwnd (RFC 9438 4.2-4.4: the
 * cubic target one RTT ahead, clamped to [cwnd, 1.5 cwnd], reached by
 * (target - cwnd) / cwnd per SMSS acked; or the Reno-friendly
 * estimate when it is larger).
 */
uint32_t pmt_cubic_ack(struct pmt_cubic *cs, uint32_t cwnd, uint32_t mss,
		       uint32_t acked, uint64_t now_us, uint32_t srtt_us);

/* W_cubic(t) (RFC 9438 eq. 1) in bytes, t = @t_us since the epoch. */
uint64_t pmt_cubic_w(const struct pmt_cubic *cs, uint32_t mss, uint64_t t_us);

/* Integer cube root, floor. */
uint32_t pmt_cubic_cbrt(uint64_t x);

#endif /* PMT_TCP_CUBIC_H */

/* tcp_cubic.c: CUBIC congestion avoidance (RFC 9438): the cubic window, the Reno-friendly estimate, fast convergence. */
#include <string.h>

#include "tcp/pmt_tcp_cubic.h"

/* alpha_cubic = 3 (1 - 0.7) / (1 + 0.7) = 0.529, as a fraction of 1024. */
#define ALPHA_1024 542u
/* Past a minute from K, the cubic term is beyond any window we keep. */
#define MAX_DELTA_MS 60000

void
pmt_cubic_init(struct pmt_cubic *cs)
{
	memset(cs, 0, sizeof(*cs));
}

uint32_t
pmt_cubic_cbrt(uint64_t x)
{
	uint64_t r = 0;
	int shift;

	/* Bit by bit from the top: r^3 <= x for the largest r. */
	for (shift = 63; shift >= 0; shift -= 3) {
		uint64_t b;

		r <<= 1;
		b = 3 * r * (r + 1) + 1;	/* (r+1)^3 - r^3 */
		if ((x >> shift) >= b) {
			x -= b << shift;
			r++;
		}
	}
	return (uint32_t)r;
}

uint32_t
pmt_cubic_loss(struct pmt_cubic *cs, uint32_t cwnd, uint32_t mss)
{
	uint32_t ssthresh;

	/* RFC 9438 4.7: fast convergence, when the window did not get
	 * back to the last W_max: give others room by aiming lower. */
	if (cwnd < cs->w_max)
		cs->w_max = (uint32_t)((uint64_t)cwnd *
				       (1024 + PMT_CUBIC_BETA_1024) / 2048);
	else
		cs->w_max = cwnd;
	/* RFC 9438 4.6: ssthresh = cwnd * beta_cubic. */
	ssthresh = (uint32_t)((uint64_t)cwnd * PMT_CUBIC_BETA_1024 / 1024);
	if (ssthresh < 2 * mss)
		ssthresh = 2 * mss;
	cs->epoch_us = 0;	/* the next ACK in congestion avoidance starts one */
	return ssthresh;
}

uint64_t
pmt_cubic_w(const struct pmt_cubic *cs, uint32_t mss, uint64_t t_us)
{
	int64_t d = (int64_t)(t_us / 1000) - (int64_t)cs->k_ms, d3, w;

	if (d > MAX_DELTA_MS)
		d = MAX_DELTA_MS;
	if (d < -MAX_DELTA_MS)
		d = -MAX_DELTA_MS;
	/* RFC 9438 eq. 1: C (t - K)^3 + W_max, C = 0.4 segments / s^3. */
	d3 = d * d * d;				/* ms^3, below 2.2e14 */
	w = (int64_t)cs->w_max + d3 * (int64_t)mss / 10 * 4 / 1000000000;
	return w > 0 ? (uint64_t)w : 0;
}

/* A new epoch: the curve's origin is W_max, reached K from now. */
static void
epoch_start(struct pmt_cubic *cs, uint32_t cwnd, uint32_t mss, uint64_t now)
{
	cs->epoch_us = now ? now : 1;
	cs->cwnd_epoch = cwnd;
	if (cs->w_max < cwnd)
		cs->w_max = cwnd;	/* no loss behind: grow from here */
	/* RFC 9438 eq. 2: K = cbrt((W_max - cwnd_epoch) / C), in ms:
	 * bytes / mss / 0.4 s^3 = bytes * 2.5e9 / mss ms^3. */
	cs->k_ms = pmt_cubic_cbrt((uint64_t)(cs->w_max - cwnd) * 2500000000ull /
				  mss);
	cs->w_est = cwnd;
	cs->acc = 0;
	cs->acc_est = 0;
}

uint32_t
pmt_cubic_ack(struct pmt_cubic *cs, uint32_t cwnd, uint32_t mss,
	      uint32_t acked, uint64_t now_us, uint32_t srtt_us)
{
	uint64_t t, target, wc, inc;
	uint32_t alpha;

	if (cs->epoch_us == 0)
		epoch_start(cs, cwnd, mss, now_us);
	/* Serial arithmetic: the engine's clock may start anywhere. */
	t = (int64_t)(now_us - cs->epoch_us) > 0 ? now_us - cs->epoch_us : 0;

	/*
	 * RFC 9438 4.3: the Reno-friendly estimate grows alpha_cubic
	 * segments per window acked (1 once it passes W_max).
	 */
	alpha = cs->w_est >= cs->w_max ? 1024 : ALPHA_1024;
	cs->acc_est += (uint64_t)alpha * acked * mss;
	inc = cs->acc_est / ((uint64_t)cwnd * 1024);
	cs->acc_est -= inc * cwnd * 1024;
	cs->w_est += (uint32_t)inc;

	wc = pmt_cubic_w(cs, mss, t);
	if (wc < cs->w_est) {
		/* Reno-friendly region: at least what Reno would have. */
		cs->acc = 0;
		return cs->w_est > cwnd ? cs->w_est : cwnd;
	}
	/* RFC 9438 4.4, 4.5: aim at W_cubic one RTT ahead, within
	 * [cwnd, 1.5 cwnd], at (target - cwnd) / cwnd per byte acked. */
	target = pmt_cubic_w(cs, mss, t + srtt_us);
	if (target < cwnd)
		target = cwnd;
	if (target > (uint64_t)cwnd * 3 / 2)
		target = (uint64_t)cwnd * 3 / 2;
	cs->acc += (target - cwnd) * acked;
	inc = cs->acc / cwnd;
	cs->acc -= inc * cwnd;
	inc += cwnd;
	return inc < (1u << 30) ? (uint32_t)inc : 1u << 30;
}

/* tcp_cc.c: congestion control per socket: CUBIC (RFC 9438) with HyStart++ (RFC 9406), or NewReno (RFC 5681, 6582, 6928). */
#include <errno.h>
#include <string.h>

#include "engine/pmt_engine.h"
#include "tcp/pmt_tcp.h"

/*
 * What is shared and what is the algorithm's.
 *
 * Shared (the pmt_cc_* entry points): the initial window (RFC 6928),
 * NewReno's fast recovery mechanics (RFC 6582: inflation, partial and
 * full acknowledgments; SACK recovery replaces them where the peer
 * SACKs) and the loss window after an RTO. RFC 9438 1 leaves recovery
 * to the sender's loss-recovery algorithm, and so does Linux.
 *
 * The algorithm's (struct cc_ops): growth on an ACK in slow start and in
 * congestion avoidance, ssthresh at a congestion event and at an RTO,
 * and undoing a spurious RTO's reduction.
 *
 * The choice is one TCB flag (PMT_TF_CC_NEWRENO; CUBIC when clear), so
 * the TCB does not grow. CUBIC's and HyStart++'s state lives in the
 * connection's struct pmt_tcp_ext, which a connection takes only once
 * slow start grows past the initial window or at its first congestion
 * event: a request/response exchange of a few segments never takes one.
 * Without an ext (the engine's slab is exhausted; or the ext went back
 * at idle compaction or TIME-WAIT) a CUBIC connection grows and backs
 * off as Reno until it gets one, then starts CUBIC afresh (W_max
 * unknown: the curve's origin is the window of that moment, K = 0).
 */

/* RFC 9406 4.3, the recommended constants. */
#define HY_MIN_RTT_THRESH 4000u		/* us */
#define HY_MAX_RTT_THRESH 16000u	/* us */
#define HY_MIN_RTT_DIVISOR 8u
#define HY_N_RTT_SAMPLE 8u
#define HY_CSS_GROWTH_DIVISOR 4u
#define HY_CSS_ROUNDS 5u
/* RFC 9406 4.2: L = 8 for a sender that does not pace (we do not). */
#define HY_L 8u
#define HY_INF UINT32_MAX

/* RFC 3465 2.2: slow start grows by at most L = 2 SMSS per ACK. */
#define ABC_L 2u

/* Never let cwnd run into the 32-bit sequence space. */
#define CWND_MAX (1u << 30)

struct cc_ops {
	/* Slow start (cwnd < ssthresh): @acked new bytes. */
	void (*slow_start)(struct pmt_tcb *tcb, uint32_t acked);
	/* Congestion avoidance (cwnd >= ssthresh): @acked new bytes. */
	void (*cong_avoid)(struct pmt_tcb *tcb, uint32_t acked);
	/* A congestion event with @flight bytes in flight: the new ssthresh. */
	uint32_t (*ssthresh)(struct pmt_tcb *tcb, uint32_t flight);
	/* The first RTO of a loss with @flight in flight: the new ssthresh. */
	uint32_t (*rto)(struct pmt_tcb *tcb, uint32_t flight);
	/* The RTO was spurious: put the algorithm's state back. */
	void (*undo)(struct pmt_tcb *tcb);
	/* A fresh ext, or the algorithm was (re)chosen: its state afresh. */
	void (*init)(struct pmt_tcb *tcb, struct pmt_tcp_ext *x);
};

static uint32_t
initial_window(uint32_t mss)
{
	/* RFC 6928: IW = min(10 * MSS, max(2 * MSS, 14600)). */
	return RTE_MIN(10 * mss, RTE_MAX(2 * mss, 14600u));
}

static void
cwnd_add(struct pmt_tcb *tcb, uint32_t incr)
{
	tcb->cwnd = (uint32_t)RTE_MIN((uint64_t)tcb->cwnd + incr,
				      (uint64_t)RTE_MAX(tcb->cwnd, CWND_MAX));
}

/* --- Reno: NewReno's growth and reduction, CUBIC's fallback --- */

static void
reno_slow_start(struct pmt_tcb *tcb, uint32_t acked)
{
	/* RFC 5681 3.1 slow start, with appropriate byte counting
	 * (RFC 3465, L = 2 * SMSS). */
	cwnd_add(tcb, RTE_MIN(acked, ABC_L * tcb->t_maxseg));
}

static void
reno_cong_avoid(struct pmt_tcb *tcb, uint32_t acked)
{
	uint32_t mss = tcb->t_maxseg;

	RTE_SET_USED(acked);
	/* RFC 5681 3.1 eq. 3: about one SMSS per RTT. */
	cwnd_add(tcb, RTE_MAX(1u, (uint32_t)((uint64_t)mss * mss / tcb->cwnd)));
}

static uint32_t
reno_ssthresh(struct pmt_tcb *tcb, uint32_t flight)
{
	/* RFC 5681 3.1 eq. 4: ssthresh = max(FlightSize / 2, 2 * SMSS). */
	return RTE_MAX(flight / 2, 2u * tcb->t_maxseg);
}

static void
reno_undo(struct pmt_tcb *tcb)
{
	RTE_SET_USED(tcb);	/* no state beyond cwnd and ssthresh */
}

static void
reno_init(struct pmt_tcb *tcb, struct pmt_tcp_ext *x)
{
	RTE_SET_USED(tcb);
	x->hy.phase = PMT_HY_DONE;
}

static const struct cc_ops newreno_ops = {
	.slow_start = reno_slow_start,
	.cong_avoid = reno_cong_avoid,
	.ssthresh = reno_ssthresh,
	.rto = reno_ssthresh,
	.undo = reno_undo,
	.init = reno_init,
};

/* --- CUBIC's ext --- */

/*
 * The connection's ext for CUBIC. @must (a congestion event): ask the
 * engine, which counts tcp_ext_none when it has none: that event is
 * handled as Reno would. Otherwise (growth on an ACK) only when the
 * slab has room, so an exhausted slab is not asked, and counted, on
 * every ACK.
 */
static struct pmt_tcp_ext *
cubic_ext(struct pmt_tcb *tcb, bool must)
{
	struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);
	const struct pmt_tcp_engine *te = &pmt_tcb_eng(tcb)->tcp;

	if (x != NULL)
		return x;
	if (!must && pmt_tcp_ext_in_use(pmt_tcb_eng(tcb)) >= te->exts.cap)
		return NULL;
	return pmt_tcp_ext_get(tcb);	/* initialised by pmt_cc_ext_init() */
}

/* --- HyStart++ (RFC 9406) --- */

/* RFC 9406 4.2, "at the start of each round". */
static void
hystart_round(struct pmt_tcb *tcb, struct pmt_hystart *h)
{
	h->last_min_rtt = h->cur_min_rtt;
	h->cur_min_rtt = HY_INF;
	h->samples = 0;
	/* RFC 9406 4.2: windowEnd = SND.NXT; the round ends when it is
	 * acknowledged. SND.MAX: in slow start they differ only after an
	 * RTO, and then HyStart++ is over. */
	h->window_end = tcb->snd_max;
}

/* Start HyStart++ in the initial slow start: a first round, no history. */
static void
hystart_start(struct pmt_tcb *tcb, struct pmt_hystart *h, uint8_t phase)
{
	h->phase = phase;
	h->cur_min_rtt = HY_INF;
	h->css_base_rtt = phase == PMT_HY_CSS ? h->css_base_rtt : HY_INF;
	h->css_rounds = 0;
	hystart_round(tcb, h);
}

/*
 * An ACK of @acked new bytes in the initial slow start (RFC 9406 4.2):
 * cwnd += min(N, L * SMSS) in slow start, that divided by
 * CSS_GROWTH_DIVISOR in CSS; at the end of a round, a new round, and
 * after CSS_ROUNDS rounds of CSS, congestion avoidance (ssthresh =
 * cwnd). The RTT side of the algorithm is in pmt_cc_rtt_sample(): this
 * ACK's sample, if it gave one, was taken before this call.
 */
static void
hystart_ack(struct pmt_tcb *tcb, struct pmt_hystart *h, uint32_t acked)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	uint32_t incr = RTE_MIN(acked, HY_L * tcb->t_maxseg);

	if (h->phase == PMT_HY_CSS)
		incr /= HY_CSS_GROWTH_DIVISOR;
	cwnd_add(tcb, incr);
	if (pmt_seq_lt(tcb->snd_una, h->window_end))
		return;
	/* A round ended. */
	if (h->phase == PMT_HY_CSS && ++h->css_rounds > HY_CSS_ROUNDS) {
		/* RFC 9406 4.2: "If CSS_ROUNDS rounds are complete, enter
		 * congestion avoidance by setting the ssthresh to the
		 * current cwnd." */
		tcb->ssthresh = tcb->cwnd;
		h->phase = PMT_HY_DONE;
		PMT_STAT_INC(eng, tcp_hystart_ca);
		return;
	}
	hystart_round(tcb, h);
}

void
pmt_cc_rtt_sample(struct pmt_tcb *tcb, uint32_t rtt_us)
{
	struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);
	struct pmt_hystart *h;
	uint32_t thresh;

	/*
	 * The samples are those of the RTT estimator: pmt_tcp_rtt_update()
	 * (tcp_timer.c) calls this for each one it takes, from
	 * tcp_input.c's rtt_sample(): the timed segment (RFC 6298, Karn)
	 * or, while none is timed, the echoed timestamp of an ACK (RFC
	 * 7323 4.3, ms resolution). HyStart++ wants one per ACK; it only
	 * judges a round that gave N_RTT_SAMPLE of them.
	 */
	if (x == NULL || (x->hy.phase != PMT_HY_SS && x->hy.phase != PMT_HY_CSS))
		return;
	h = &x->hy;
	h->cur_min_rtt = RTE_MIN(h->cur_min_rtt, rtt_us);
	if (h->samples < UINT8_MAX)
		h->samples++;
	if (h->samples < HY_N_RTT_SAMPLE || h->cur_min_rtt == HY_INF ||
	    h->last_min_rtt == HY_INF)
		return;
	if (h->phase == PMT_HY_SS) {
		/*
		 * RFC 9406 4.2: RttThresh = max(MIN_RTT_THRESH,
		 * min(lastRoundMinRTT / MIN_RTT_DIVISOR, MAX_RTT_THRESH));
		 * a round whose minimum RTT grew by that much is a queue
		 * building: leave slow start for CSS.
		 */
		thresh = RTE_MAX(HY_MIN_RTT_THRESH,
				 RTE_MIN(h->last_min_rtt / HY_MIN_RTT_DIVISOR,
					 HY_MAX_RTT_THRESH));
		if ((uint64_t)h->cur_min_rtt >= (uint64_t)h->last_min_rtt + thresh) {
			h->css_base_rtt = h->cur_min_rtt;
			h->css_rounds = 0;
			h->phase = PMT_HY_CSS;
			PMT_STAT_INC(pmt_tcb_eng(tcb), tcp_hystart_css);
		}
	} else if (h->cur_min_rtt < h->css_base_rtt) {
		/* RFC 9406 4.2: the increase was spurious: resume slow start. */
		h->css_base_rtt = HY_INF;
		h->phase = PMT_HY_SS;
		PMT_STAT_INC(pmt_tcb_eng(tcb), tcp_hystart_ss_resume);
	}
}

/* --- CUBIC (RFC 9438) --- */

static void
cubic_slow_start(struct pmt_tcb *tcb, uint32_t acked)
{
	struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);
	uint32_t mss = tcb->t_maxseg;

	/*
	 * A connection that has more than the initial window in flight
	 * moves enough data to need HyStart++ (and later CUBIC): take the
	 * ext the first time that happens (a round starts there), and
	 * later whenever the slab has room again. A request/response
	 * exchange that fits in the initial window never takes one.
	 */
	if (x == NULL &&
	    (uint64_t)pmt_tcp_flight(tcb) + acked > initial_window(mss))
		x = cubic_ext(tcb, false);
	if (x != NULL && x->hy.phase != PMT_HY_DONE)
		hystart_ack(tcb, &x->hy, acked);
	else
		reno_slow_start(tcb, acked);	/* RFC 5681 after an RTO */
}

static void
cubic_cong_avoid(struct pmt_tcb *tcb, uint32_t acked)
{
	struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);
	uint64_t now = pmt_tcb_eng(tcb)->now;
	uint32_t mss = tcb->t_maxseg, now_ms = (uint32_t)(now / 1000), idle;

	/* As in slow start: only a connection that uses more than the
	 * initial window takes an ext here (after an RTO, after its ext
	 * went back, when the slab had none). */
	if (x == NULL &&
	    (uint64_t)pmt_tcp_flight(tcb) + acked > initial_window(mss))
		x = cubic_ext(tcb, false);
	if (x == NULL) {
		reno_cong_avoid(tcb, acked);
		return;
	}
	/*
	 * RFC 9438 5.8 (application-limited flows, RFC 7661): no growth
	 * unless the window was in use (what was in flight before this
	 * ACK came within an SMSS of cwnd), and the time it was not is
	 * kept out of t by moving the epoch on, as Linux does on restart.
	 */
	if ((uint64_t)pmt_tcp_flight(tcb) + acked + mss <= tcb->cwnd) {
		idle = now_ms - x->cc_ack_ms;	/* serial: the clock wraps */
		if (x->cubic.epoch_us != 0 && x->cc_ack_ms != 0 &&
		    (int32_t)idle > 0) {
			x->cubic.epoch_us += (uint64_t)idle * 1000;
			if (x->cubic.epoch_us == 0)
				x->cubic.epoch_us = 1;
		}
		x->cc_ack_ms = now_ms;
		return;
	}
	x->cc_ack_ms = now_ms;
	if (x->hy.rto & PMT_CC_RTO) {
		/* RFC 9438 4.8: the first congestion avoidance after an
		 * RTO: W_max = cwnd now, K = 0 (epoch_start()). */
		x->cubic.w_max = 0;
		x->hy.rto = 0;
	}
	/* RFC 9438 4.2-4.5: W_cubic(t + RTT), the Reno-friendly W_est. */
	tcb->cwnd = pmt_cubic_ack(&x->cubic, tcb->cwnd, mss, acked, now,
				  tcb->srtt >> 3);
}

static uint32_t
cubic_ssthresh(struct pmt_tcb *tcb, uint32_t flight)
{
	struct pmt_tcp_ext *x = cubic_ext(tcb, true);

	if (x == NULL)
		return reno_ssthresh(tcb, flight);
	/* RFC 9406 4.2: a loss ends HyStart++, SS or CSS, for good. */
	x->hy.phase = PMT_HY_DONE;
	x->hy.rto = 0;	/* this loss sets W_max, whatever an RTO left */
	/*
	 * RFC 9438 4.6, 4.7: W_max (with fast convergence) and ssthresh =
	 * FlightSize * beta_cubic, at least 2 SMSS; the epoch restarts at
	 * the next ACK in congestion avoidance. FlightSize, not cwnd: cwnd
	 * can be above what is used (4.6 asks implementations that use
	 * cwnd to stop it growing when it is not used; we do that too,
	 * but slow start and NewReno do not).
	 */
	return pmt_cubic_loss(&x->cubic, flight, tcb->t_maxseg);
}

static uint32_t
cubic_rto(struct pmt_tcb *tcb, uint32_t flight)
{
	struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);
	uint32_t ss;

	/*
	 * No ext is taken for a timeout: after one CUBIC starts afresh
	 * (below), which is what a new ext does; a connection without one
	 * has no W_max to forget or restore, and backs off as Reno (the
	 * SYN's timeouts, a short exchange's tail loss).
	 */
	if (x == NULL)
		return reno_ssthresh(tcb, flight);
	/*
	 * RFC 9438 4.8: ssthresh with beta_cubic as at a loss; in the
	 * first congestion avoidance after the timeout K = 0, W_max and
	 * W_est are the window at its start: marked here, applied there,
	 * so that until then an undo (RFC 4015) finds W_max as it was.
	 */
	x->hy.rto = PMT_CC_RTO | (x->hy.phase & PMT_CC_RTO_PHASE);
	x->hy.phase = PMT_HY_DONE;
	x->cubic.epoch_us = 0;
	ss = (uint32_t)((uint64_t)flight * PMT_CUBIC_BETA_1024 / 1024);
	return RTE_MAX(ss, 2u * tcb->t_maxseg);
}

static void
cubic_undo(struct pmt_tcb *tcb)
{
	struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);
	uint8_t phase;

	if (x == NULL || !(x->hy.rto & PMT_CC_RTO))
		return;	/* no ext at the RTO: Reno state only */
	/*
	 * The timeout was spurious: W_max stays what it was, so the
	 * curve aims at the window before it again (Linux keeps nothing:
	 * it undoes cwnd and ssthresh only and, since the RTO reset its
	 * state, starts a new curve at W_max = cwnd). A new epoch starts
	 * from the restored cwnd at the next ACK in congestion avoidance:
	 * the one before the RTO counted time the RTO spent. HyStart++
	 * resumes if the RTO came in the initial slow start, with a new
	 * round.
	 */
	phase = x->hy.rto & PMT_CC_RTO_PHASE;
	x->hy.rto = 0;
	x->cubic.epoch_us = 0;
	if (phase != PMT_HY_DONE && tcb->ssthresh == UINT32_MAX)
		hystart_start(tcb, &x->hy, phase);
}

static void
cubic_init(struct pmt_tcb *tcb, struct pmt_tcp_ext *x)
{
	pmt_cubic_init(&x->cubic);
	/* RFC 9406 4.1: HyStart++ only in the initial slow start. */
	if (tcb->ssthresh == UINT32_MAX &&
	    !(tcb->flags & PMT_TF_IN_RECOVERY) && tcb->rxtshift == 0)
		hystart_start(tcb, &x->hy, PMT_HY_SS);
	else
		x->hy.phase = PMT_HY_DONE;
}

static const struct cc_ops cubic_ops = {
	.slow_start = cubic_slow_start,
	.cong_avoid = cubic_cong_avoid,
	.ssthresh = cubic_ssthresh,
	.rto = cubic_rto,
	.undo = cubic_undo,
	.init = cubic_init,
};

static const struct cc_ops *
ops_of(const struct pmt_tcb *tcb)
{
	return (tcb->flags & PMT_TF_CC_NEWRENO) ? &newreno_ops : &cubic_ops;
}

/* --- the entry points --- */

int
pmt_cc_algo(const struct pmt_tcb *tcb)
{
	return (tcb->flags & PMT_TF_CC_NEWRENO) ? PMT_CC_NEWRENO : PMT_CC_CUBIC;
}

void
pmt_cc_ext_init(struct pmt_tcb *tcb, struct pmt_tcp_ext *x)
{
	pmt_cubic_init(&x->cubic);
	memset(&x->hy, 0, sizeof(x->hy));
	x->cc_ack_ms = 0;
	ops_of(tcb)->init(tcb, x);
}

int
pmt_cc_select(struct pmt_tcb *tcb, int algo)
{
	struct pmt_tcp_ext *x;

	if (algo != PMT_CC_CUBIC && algo != PMT_CC_NEWRENO)
		return -EINVAL;
	if (algo == pmt_cc_algo(tcb))
		return 0;
	if (algo == PMT_CC_NEWRENO)
		tcb->flags |= PMT_TF_CC_NEWRENO;
	else
		tcb->flags &= ~(uint32_t)PMT_TF_CC_NEWRENO;
	/*
	 * On an open connection the new algorithm takes over cwnd and
	 * ssthresh as they are (and a recovery under way, whose mechanics
	 * are shared) with its own state new: CUBIC's curve starts at this
	 * window (K = 0), HyStart++ only while still in the initial slow
	 * start. Linux's tcp_reinit_congestion_control() does the same.
	 */
	x = pmt_tcp_ext_of(tcb);
	if (x != NULL)
		pmt_cc_ext_init(tcb, x);
	return 0;
}

void
pmt_cc_init(struct pmt_tcb *tcb)
{
	struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);

	tcb->cwnd = initial_window(tcb->t_maxseg);
	tcb->ssthresh = UINT32_MAX;
	tcb->dupacks = 0;
	/* RFC 6582 3.2 step 1: recover starts at the initial sequence. */
	tcb->recover = tcb->snd_una;
	if (x != NULL)
		pmt_cc_ext_init(tcb, x);
}

void
pmt_cc_ack(struct pmt_tcb *tcb, uint32_t acked)
{
	if (tcb->cwnd < tcb->ssthresh)
		ops_of(tcb)->slow_start(tcb, acked);
	else
		ops_of(tcb)->cong_avoid(tcb, acked);
}

uint32_t
pmt_cc_ssthresh(struct pmt_tcb *tcb, uint32_t lt_bytes)
{
	uint32_t flight = pmt_tcp_flight(tcb);

	/* RFC 5681 3.2: "additional data sent in limited transmit MUST
	 * NOT be included" (RFC 3042). */
	flight -= RTE_MIN(flight, lt_bytes);
	return ops_of(tcb)->ssthresh(tcb, flight);
}

/*
 * RFC 6582 3.2 step 2 (RFC 5681 3.2 step 2): the third duplicate ACK.
 * ssthresh from the algorithm; recover = the highest sequence sent;
 * cwnd = ssthresh + 3 * SMSS.
 */
void
pmt_cc_enter_recovery(struct pmt_tcb *tcb, uint32_t lt_bytes)
{
	tcb->ssthresh = pmt_cc_ssthresh(tcb, lt_bytes);
	tcb->recover = tcb->snd_max;
	tcb->cwnd = tcb->ssthresh + 3u * tcb->t_maxseg;
	tcb->flags |= PMT_TF_IN_RECOVERY;
	tcb->flags &= ~(uint32_t)PMT_TF_PARTIAL;
}

void
pmt_cc_dupack(struct pmt_tcb *tcb)
{
	/* RFC 5681 3.2 step 4: each further duplicate ACK is a segment
	 * that left the network: inflate by one SMSS. */
	cwnd_add(tcb, tcb->t_maxseg);
}

void
pmt_cc_partial_ack(struct pmt_tcb *tcb, uint32_t acked)
{
	uint32_t mss = tcb->t_maxseg;

	/*
	 * RFC 6582 3.2 step 3, partial acknowledgments: "Deflate the
	 * congestion window by the amount of new data acknowledged ...
	 * If the partial ACK acknowledges at least one SMSS of new data,
	 * then add back SMSS bytes". Never below one segment: the hole's
	 * retransmission must still be allowed out.
	 */
	tcb->cwnd = tcb->cwnd > acked ? tcb->cwnd - acked : 0;
	if (acked >= mss)
		tcb->cwnd += mss;
	tcb->cwnd = RTE_MAX(tcb->cwnd, mss);
}

void
pmt_cc_recovery_done(struct pmt_tcb *tcb, bool prr)
{
	/*
	 * Called once SND.UNA has moved. SACK recovery ran PRR, which
	 * brings pipe to ssthresh as recovery ends: RFC 6937 3 then sets
	 * cwnd = ssthresh (Linux's tcp_end_cwnd_reduction() too). NewReno
	 * ran on inflation, which says nothing of what is out: RFC 6582
	 * 3.2 step 3, full acknowledgment, cwnd = min(ssthresh,
	 * max(FlightSize, SMSS) + SMSS), option (1), which sends no burst
	 * whatever was left in flight. Option (1) after PRR cost most of
	 * the window: a recovery whose last ACKs cover nearly all that was
	 * out left cwnd at 2 SMSS, and at 5 % loss every next window was
	 * that small (a tail of one or two segments whose ACK is lost
	 * waits for a probe or the RTO).
	 */
	if (prr)
		tcb->cwnd = tcb->ssthresh;
	else
		tcb->cwnd = RTE_MIN(tcb->ssthresh,
				    RTE_MAX(pmt_tcp_flight(tcb), tcb->t_maxseg) +
				    tcb->t_maxseg);
	tcb->flags &= ~(uint32_t)(PMT_TF_IN_RECOVERY | PMT_TF_PARTIAL);
	tcb->dupacks = 0;
}

void
pmt_cc_timeout(struct pmt_tcb *tcb)
{
	/* RFC 5681 3.1 eq. 4 (RFC 9438 4.8: with beta_cubic), only on the
	 * first timeout of a loss. */
	if (tcb->rxtshift <= 1)
		tcb->ssthresh = ops_of(tcb)->rto(tcb, pmt_tcp_flight(tcb));
	tcb->cwnd = tcb->t_maxseg;	/* loss window: one segment */
	tcb->flags &= ~(uint32_t)(PMT_TF_IN_RECOVERY | PMT_TF_PARTIAL);
	/* RFC 6582 3.2 step 4: duplicate ACKs for data sent before the
	 * timeout must not start a fast retransmit. */
	tcb->recover = tcb->snd_max;
}

void
pmt_cc_spurious_rto(struct pmt_tcb *tcb, uint32_t acked)
{
	/*
	 * RFC 4015 3.2 step (5), the Eifel response: no congestion was
	 * signalled, so take back the reduction, without a burst:
	 * cwnd = FlightSize + min(bytes_acked, IW), ssthresh = pipe_prev
	 * (FlightSize after this ACK: SND.UNA has moved); and the
	 * algorithm's own state.
	 */
	tcb->cwnd = pmt_tcp_flight(tcb) +
		RTE_MIN(acked, initial_window(tcb->t_maxseg));
	tcb->ssthresh = tcb->pipe_prev;
	tcb->recover = tcb->snd_una;
	ops_of(tcb)->undo(tcb);
}

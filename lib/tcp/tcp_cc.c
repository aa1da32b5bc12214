/* tcp_cc.c: congestion control: slow start, congestion avoidance and NewReno recovery (RFC 5681, 6582, 6928). */
#include "engine/pmt_engine.h"
#include "tcp/pmt_tcp.h"

void
pmt_cc_init(struct pmt_tcb *tcb)
{
	uint32_t mss = tcb->t_maxseg;

	/* RFC 6928: IW = min(10 * MSS, max(2 * MSS, 14600)). */
	tcb->cwnd = RTE_MIN(10 * mss, RTE_MAX(2 * mss, 14600u));
	tcb->ssthresh = UINT32_MAX;
	tcb->dupacks = 0;
	/* RFC 6582 3.2 step 1: recover starts at the initial sequence. */
	tcb->recover = tcb->snd_una;
}

void
pmt_cc_ack(struct pmt_tcb *tcb, uint32_t acked)
{
	uint32_t mss = tcb->t_maxseg, incr;

	if (tcb->cwnd < tcb->ssthresh) {
		/* RFC 5681 3.1 slow start, with appropriate byte counting
		 * (RFC 3465, L = 2 * SMSS). */
		incr = RTE_MIN(acked, 2 * mss);
	} else {
		/* Congestion avoidance: about one MSS per RTT. */
		incr = RTE_MAX(1u, (uint32_t)((uint64_t)mss * mss / tcb->cwnd));
	}
	/* Never grow what we are not using: no credit for idle windows. */
	if (tcb->cwnd < (1u << 30))
		tcb->cwnd += incr;
}

/*
 * RFC 6582 3.2 step 2 (RFC 5681 3.2 step 2): the third duplicate ACK.
 * ssthresh = max(FlightSize / 2, 2 * SMSS), where "additional data sent
 * in limited transmit MUST NOT be included" (RFC 5681 3.2, RFC 3042);
 * recover = the highest sequence sent; cwnd = ssthresh + 3 * SMSS.
 */
void
pmt_cc_enter_recovery(struct pmt_tcb *tcb, uint32_t lt_bytes)
{
	uint32_t mss = tcb->t_maxseg, flight = pmt_tcp_flight(tcb);

	flight -= RTE_MIN(flight, lt_bytes);
	tcb->ssthresh = RTE_MAX(flight / 2, 2 * mss);
	tcb->recover = tcb->snd_max;
	tcb->cwnd = tcb->ssthresh + 3 * mss;
	tcb->flags |= PMT_TF_IN_RECOVERY;
	tcb->flags &= ~(uint32_t)PMT_TF_PARTIAL;
}

void
pmt_cc_dupack(struct pmt_tcb *tcb)
{
	/* RFC 5681 3.2 step 4: each further duplicate ACK is a segment
	 * that left the network: inflate by one SMSS. */
	if (tcb->cwnd < (1u << 30))
		tcb->cwnd += tcb->t_maxseg;
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
pmt_cc_recovery_done(struct pmt_tcb *tcb)
{
	/*
	 * RFC 6582 3.2 step 3, full acknowledgment (called once SND.UNA
	 * has moved): cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS),
	 * option (1), which sends no burst whatever was left in flight.
	 */
	tcb->cwnd = RTE_MIN(tcb->ssthresh,
			    RTE_MAX(pmt_tcp_flight(tcb), tcb->t_maxseg) +
			    tcb->t_maxseg);
	tcb->flags &= ~(uint32_t)(PMT_TF_IN_RECOVERY | PMT_TF_PARTIAL);
	tcb->dupacks = 0;
}

void
pmt_cc_timeout(struct pmt_tcb *tcb)
{
	uint32_t mss = tcb->t_maxseg;

	/* RFC 5681 3.1 eq. 4, only on the first timeout of a loss. */
	if (tcb->rxtshift <= 1)
		tcb->ssthresh = RTE_MAX(pmt_tcp_flight(tcb) / 2, 2 * mss);
	tcb->cwnd = mss;	/* loss window: one segment */
	tcb->flags &= ~(uint32_t)(PMT_TF_IN_RECOVERY | PMT_TF_PARTIAL);
	/* RFC 6582 3.2 step 4: duplicate ACKs for data sent before the
	 * timeout must not start a fast retransmit. */
	tcb->recover = tcb->snd_max;
}

void
pmt_cc_spurious_rto(struct pmt_tcb *tcb, uint32_t acked)
{
	uint32_t mss = tcb->t_maxseg;
	uint32_t iw = RTE_MIN(10 * mss, RTE_MAX(2 * mss, 14600u));

	/*
	 * RFC 4015 3.2 step (5), the Eifel response: no congestion was
	 * signalled, so take back the reduction, without a burst:
	 * cwnd = FlightSize + min(bytes_acked, IW), ssthresh = pipe_prev
	 * (FlightSize after this ACK: SND.UNA has moved).
	 */
	tcb->cwnd = pmt_tcp_flight(tcb) + RTE_MIN(acked, iw);
	tcb->ssthresh = tcb->pipe_prev;
	tcb->recover = tcb->snd_una;
}

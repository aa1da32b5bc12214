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

void
pmt_cc_dupack(struct pmt_tcb *tcb)
{
	uint32_t mss = tcb->t_maxseg;

	if (!(tcb->flags & PMT_TF_IN_RECOVERY)) {
		/* RFC 6582 3.2 step 2: enter recovery. */
		tcb->ssthresh = RTE_MAX(pmt_tcp_flight(tcb) / 2, 2 * mss);
		tcb->recover = tcb->snd_max;
		tcb->cwnd = tcb->ssthresh + 3 * mss;
		tcb->flags |= PMT_TF_IN_RECOVERY;
	} else {
		/* Step 3: inflate for each further duplicate. */
		tcb->cwnd += mss;
	}
}

void
pmt_cc_partial_ack(struct pmt_tcb *tcb, uint32_t acked)
{
	uint32_t mss = tcb->t_maxseg;

	/* RFC 6582 3.2 step 5: deflate by what was acked, add one MSS. */
	tcb->cwnd = tcb->cwnd > acked ? tcb->cwnd - acked : mss;
	tcb->cwnd += mss;
}

void
pmt_cc_recovery_done(struct pmt_tcb *tcb)
{
	/* Step 6: full acknowledgment: deflate to ssthresh. */
	tcb->cwnd = RTE_MIN(tcb->ssthresh,
			    RTE_MAX(pmt_tcp_flight(tcb), tcb->t_maxseg) +
			    tcb->t_maxseg);
	tcb->flags &= ~(uint32_t)PMT_TF_IN_RECOVERY;
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
	tcb->flags &= ~(uint32_t)PMT_TF_IN_RECOVERY;
	tcb->recover = tcb->snd_max;
}

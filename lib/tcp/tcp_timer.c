/* tcp_timer.c: TCP timers on one wheel node per TCB: retransmit, persist, delayed ACK, flush, keepalive, 2MSL. */
#include <errno.h>

#include "engine/pmt_engine.h"
#include "tcp/pmt_tcp.h"

/*
 * Each TCB has one wheel timer armed for the earliest of its deadlines
 * (as FreeBSD 14 does with its single callout): arming is O(1), a
 * cancel only clears the deadline (the node fires early at worst and
 * re-arms), and an idle connection costs one node.
 */

/*
 * Deadlines are 32 bits. Bit 31 picks the unit: clear, the low 31 bits
 * of the engine clock's microseconds, for a timer due within 2^30 us
 * (17.9 minutes: every RTO, delayed ACK, flush, TIME-WAIT and the
 * tests' keepalives, to the microsecond); set, the low 31 bits of the
 * clock in units of 1024 us, good for 12 days (keepalive idles at most
 * a day, and fires up to a millisecond late). 1024, not 1000: the clock
 * may wrap (the tests start it 5000 s short of 2^64), and a shift wraps
 * with it where a division would jump. 0 is "off": a deadline that
 * falls on 0 moves a microsecond later, never earlier.
 */
#define TMR_LONG 0x80000000u
#define TMR_LOW31 0x7fffffffu
#define TMR_NEAR_US (UINT64_C(1) << 30)
#define TMR_LONG_SHIFT 10

/*
 * The clock may also jump: a process stopped for minutes runs its next
 * turn that much later. A deadline left behind by more than 2^30 us
 * would read as one in the future, so a turn whose clock moved more
 * than PMT_TCP_TMR_JUMP_US first restates every deadline against the
 * new clock (pmt_tcp_timer_clock_jump); any smaller step leaves each
 * overdue deadline well inside the range until the wheel runs it.
 */

/* @d - @now in 31-bit serial arithmetic, sign-extended. */
static inline int64_t
tmr_delta31(uint32_t d, uint64_t now)
{
	return (int32_t)(((d - (uint32_t)now) & TMR_LOW31) << 1) >> 1;
}

/* Deadline @d (non-zero) on the clock, read at @now. */
uint64_t
pmt_tcp_tmr_decode(uint32_t d, uint64_t now)
{
	uint64_t now_k;

	if (!(d & TMR_LONG))
		return now + (uint64_t)tmr_delta31(d, now);
	now_k = now >> TMR_LONG_SHIFT;
	return (now_k + (uint64_t)tmr_delta31(d, now_k)) << TMR_LONG_SHIFT;
}

/* Deadline @when (not before @now) in 32 bits; *@at: when it fires. */
uint32_t
pmt_tcp_tmr_encode(uint64_t when, uint64_t now, uint64_t *at)
{
	uint32_t d;

	if (when - now < TMR_NEAR_US) {
		d = (uint32_t)when & TMR_LOW31;
		if (d == 0)
			d = (uint32_t)++when & TMR_LOW31;
	} else {
		/* Rounded up: a timer never fires before its time. */
		uint64_t k = (when + (1u << TMR_LONG_SHIFT) - 1) >> TMR_LONG_SHIFT;

		d = ((uint32_t)k & TMR_LOW31) | TMR_LONG;
		when = k << TMR_LONG_SHIFT;
	}
	*at = when;
	return d;
}

uint64_t
pmt_tcp_timer_deadline(const struct pmt_tcb *tcb, enum pmt_tcpt kind)
{
	uint32_t d = tcb->tmr[kind];

	return d == 0 ? 0 : pmt_tcp_tmr_decode(d, pmt_tcb_eng(tcb)->now);
}

static int
restate(void *arg, const struct pmt_flow_key *k, void *value)
{
	const uint64_t *clk = arg;	/* old, new */
	struct pmt_tcb *tcb = value;
	unsigned int i;
	uint64_t d, at;

	RTE_SET_USED(k);
	if (pmt_tcb_is_idle(value))
		return 0;		/* an idle form has no timer */
	for (i = 0; i < PMT_TCPT_N; i++) {
		if (tcb->tmr[i] == 0)
			continue;
		d = pmt_tcp_tmr_decode(tcb->tmr[i], clk[0]);
		if ((int64_t)(d - clk[1]) < 0)
			d = clk[1];	/* overdue: due at once */
		tcb->tmr[i] = pmt_tcp_tmr_encode(d, clk[1], &at);
	}
	return 0;
}

void
pmt_tcp_timer_clock_jump(struct pmt_engine *eng, uint64_t old, uint64_t now)
{
	uint64_t clk[2] = { old, now };

	/* Every TCB with a timer is in the table (closing cancels them). */
	pmt_sockt_walk(eng->tcp.table, restate, clk);
}

void
pmt_tcp_timer_init(struct pmt_tcb *tcb)
{
	pmt_timer_init(&tcb->timer);
}

static void
resched(struct pmt_tcb *tcb)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	uint64_t first = 0, d;
	unsigned int k;

	for (k = 0; k < PMT_TCPT_N; k++) {
		d = pmt_tcp_timer_deadline(tcb, k);
		if (d != 0 && (first == 0 || (int64_t)(d - first) < 0))
			first = d;
	}
	if (first == 0) {
		pmt_wheel_cancel(&eng->wheel, &tcb->timer);
		/* Nothing left to do: time it for its idle form. */
		pmt_tcp_idle_arm(tcb);
	} else if (!pmt_timer_armed(&tcb->timer) || tcb->timer.expires != first)
		pmt_wheel_arm(&eng->wheel, &tcb->timer, first);
}

void
pmt_tcp_timer_arm(struct pmt_tcb *tcb, enum pmt_tcpt kind, uint64_t delay_us)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	uint64_t when = eng->now + delay_us;
	uint32_t d;

	if (kind == PMT_TCPT_REXMT)
		tcb->flags &= ~(uint32_t)PMT_TF_PTO;

	d = pmt_tcp_tmr_encode(when, eng->now, &when);
	tcb->tmr[kind] = d;
	if (!pmt_timer_armed(&tcb->timer) ||
	    (int64_t)(when - tcb->timer.expires) < 0)
		pmt_wheel_arm(&eng->wheel, &tcb->timer, when);
}

void
pmt_tcp_timer_cancel(struct pmt_tcb *tcb, enum pmt_tcpt kind)
{
	if (kind == PMT_TCPT_REXMT)
		tcb->flags &= ~(uint32_t)(PMT_TF_PTO | PMT_TF_REO);
	tcb->tmr[kind] = 0;
}

/* RFC 8985 7.2 WCDelAckT: a peer may hold the ACK of a lone segment. */
#define TLP_WC_DELACK_US 200000u
/*
 * Probes in a row that drew no answer before only the RTO is left; each
 * waits twice as long as the one before, and none is later than the
 * RTO (rexmt_sooner()), so on a slow path fewer go.
 */
#define TLP_MAX_PROBES 6

/*
 * Added to 2 SRTT when more than a segment is out: room for a turn of
 * the peer's stack (RFC 8985 7.2 adds nothing). Linux adds
 * TCP_TIMEOUT_MIN, two ticks of its jiffies clock (2 ms at HZ=1000),
 * for its timer's granularity; ours fires on the microsecond, and on a
 * LAN path of 100 us those 2 ms were most of every probe's wait: at
 * 10 % loss both ways, 500 us took a 50 MiB transfer from 7 s to 3 s.
 */
#define TLP_SLACK_US 500u

/*
 * The slack outside recovery, where nothing is known lost and a probe
 * is a guess: Linux's two ticks (TCP_TIMEOUT_MIN, 2 ms at HZ=1000). A
 * host's scheduling hiccup of a millisecond (a VM's vCPU, the peer's
 * process off its core) outlasts 2 SRTT + 500 us on a LAN path and made
 * probes that only duplicated data: a clean 10 MiB upload to the kernel
 * retransmitted one segment in CI (D-SACKed). In recovery, where the
 * probes above pay off, the short slack stays.
 */
#define TLP_SLACK_OPEN_US 2000u

/*
 * RFC 8985 7.2: a probe may stand in for the RTO when SACK is on (the
 * probe's answer must say what it found), nothing is being recovered
 * (no recovery, no timeout's backoff or Eifel check, no persist), data
 * is out, and no probe is out already.
 */
static bool
pto_allowed(const struct pmt_tcb *tcb)
{
	const struct pmt_tcp_ext *x;

	if (!(tcb->flags & PMT_TF_SACK_PERMIT) || tcb->rxtshift != 0 ||
	    (tcb->flags & (PMT_TF_PERSIST | PMT_TF_EIFEL)) ||
	    !PMT_TCPS_HAVE_ESTABLISHED(tcb->state) ||
	    tcb->snd_una == tcb->snd_max || tcb->snd_nxt != tcb->snd_max)
		return false;
	x = pmt_tcp_ext_of(tcb);
	/*
	 * Also in SACK recovery, where RFC 8985 7.2 arms none: a window of
	 * a few segments whose last ACK is lost (the one that would show a
	 * retransmission arrived) has nothing else to wake it but the RTO,
	 * 200 ms at least; a probe after 2 SRTT costs one segment. QUIC's
	 * PTO (RFC 9002 6.2) runs in recovery likewise.
	 */
	if ((tcb->flags & PMT_TF_IN_RECOVERY) &&
	    (x == NULL || !(x->rack_flags & PMT_REC_SACK)))
		return false;
	if (x == NULL || !(x->rack_flags & PMT_REC_TLP_OUT))
		return true;
	/*
	 * A probe that drew no answer may be followed by another, backed
	 * off, a few times before the RTO (QUIC's PTO, RFC 9002 6.2, never
	 * gives way to one). RFC 8985 7.3 sends one probe, then waits for
	 * the RTO: when the probe's ACK is lost too (at 5 % ACK loss, one
	 * probe in 20), that is 200 ms at least on a path of 100 us.
	 */
	return x->pto_n < TLP_MAX_PROBES;
}

/* RFC 8985 7.2: PTO = 2 SRTT + WCDelAckT for a lone segment (else the
 * slack of the state), 1 s unmeasured. */
static uint64_t
pto_of(const struct pmt_tcb *tcb)
{
	uint64_t pto;

	const struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);

	if (tcb->srtt == 0)
		return 1000000;
	pto = 2 * (uint64_t)(tcb->srtt >> 3);
	pto += pmt_tcp_flight(tcb) <= tcb->t_maxseg ? TLP_WC_DELACK_US :
		(tcb->flags & PMT_TF_IN_RECOVERY) ? TLP_SLACK_US :
		TLP_SLACK_OPEN_US;
	return x != NULL ? pto << x->pto_n : pto;
}

/*
 * Put the probe or reordering timer (@flag) in the REXMT slot @us from
 * now, if that is sooner than what the slot holds: the RTO it stands in
 * for is never moved later.
 */
static void
rexmt_sooner(struct pmt_tcb *tcb, uint64_t us, uint32_t flag)
{
	if (pmt_tcp_timer_on(tcb, PMT_TCPT_REXMT) &&
	    (int64_t)(pmt_tcb_eng(tcb)->now + us -
		      pmt_tcp_timer_deadline(tcb, PMT_TCPT_REXMT)) >= 0)
		return;
	pmt_tcp_timer_arm(tcb, PMT_TCPT_REXMT, us);
	tcb->flags |= flag;
}

void
pmt_tcp_timer_pto_sooner(struct pmt_tcb *tcb)
{
	if (pmt_tcp_timer_on(tcb, PMT_TCPT_REXMT) && pto_allowed(tcb))
		rexmt_sooner(tcb, pto_of(tcb), PMT_TF_PTO);
}

void
pmt_tcp_timer_reo(struct pmt_tcb *tcb, uint64_t us)
{
	rexmt_sooner(tcb, us, PMT_TF_REO);
}

void
pmt_tcp_timer_rexmt(struct pmt_tcb *tcb, uint64_t rto_us)
{
	uint64_t pto;

	if (!pto_allowed(tcb)) {
		pmt_tcp_timer_arm(tcb, PMT_TCPT_REXMT, rto_us);
		return;
	}
	pto = pto_of(tcb);
	if (pto >= rto_us) {
		pmt_tcp_timer_arm(tcb, PMT_TCPT_REXMT, rto_us);
		return;
	}
	pmt_tcp_timer_arm(tcb, PMT_TCPT_REXMT, pto);
	tcb->flags |= PMT_TF_PTO;
}

/*
 * RFC 8985 7.3: the PTO fired. The first probe in a row is one segment
 * of new data if the windows let it go, else the last segment again;
 * a probe after one that drew no answer is always the last segment
 * again (in recovery, the hole at SND.UNA). New data answers a lost
 * tail, but when what was lost is the ACKs, the peer holds the new
 * segment as in order and may delay its ACK (Linux 40 ms, RFC 1122 up
 * to 500 ms); a duplicate is answered at once (RFC 9293 3.10.7.4, an
 * unacceptable segment), with a D-SACK that shows nothing was lost.
 * Then the RTO, or the next probe. The probe's answer shows what was
 * lost at the tail (tcp_input.c).
 */
static void
timer_tlp(struct pmt_tcb *tcb)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	struct pmt_tcp_ext *x = pmt_tcp_ext_get(tcb);
	uint32_t mss = tcb->t_maxseg, max = tcb->snd_max, cwnd = tcb->cwnd;
	uint32_t sent = pmt_tcp_data_out(tcb);
	bool retx = false, first = x == NULL || x->pto_n == 0;

	PMT_STAT_INC(eng, tcp_tlp_probes);
	if (x != NULL && x->pto_n < 8)
		x->pto_n++;
	if (first && tcb->snd_q_len > sent &&
	    tcb->snd_wnd >= sent + RTE_MIN(tcb->snd_q_len - sent, mss)) {
		tcb->cwnd = pmt_tcp_flight(tcb) + mss;
		pmt_tcp_output_flush(tcb);
		tcb->cwnd = cwnd;
		if (tcb->state == PMT_TCPS_CLOSED)
			return;
	}
	if (!pmt_seq_gt(tcb->snd_max, max)) {
		/* The last segment sent: the queue may hold more, unsent
		 * (the peer's window): never a byte past SND.MAX. */
		uint32_t sent_data = RTE_MIN(tcb->snd_q_len, sent);
		uint32_t len = RTE_MIN(mss, sent_data);
		uint32_t off = sent_data - len;

		/* In recovery the hole at SND.UNA is what stalls: its
		 * retransmission, or the ACK of it, was lost. */
		if ((tcb->flags & PMT_TF_IN_RECOVERY) && x != NULL &&
		    (x->rack_flags & PMT_REC_SACK) &&
		    pmt_sack_next_unsacked(&x->sb, tcb->snd_una, tcb->snd_una,
					   mss, &off, &len))
			off -= tcb->snd_una;
		retx = true;
		PMT_STAT_INC(eng, tcp_tx_rexmit_segs);
		PMT_STAT_INC(eng, tcp_tx_rexmit_tlp);
		PMT_STAT_ADD(eng, tcp_tx_rexmit_bytes, len);
		if (len > 0)
			pmt_tcp_send_data(tcb, tcb->snd_una + off, off, len);
		else	/* only our FIN is out */
			pmt_tcp_respond_tcb(tcb, tcb->snd_max - 1,
					    PMT_TH_FIN | PMT_TH_ACK);
	}
	if (x != NULL) {
		x->tlp_end_seq = tcb->snd_max;
		x->rack_flags = (uint8_t)((x->rack_flags | PMT_REC_TLP_OUT) &
					  ~(PMT_REC_TLP_RETX | PMT_REC_TLP_DSACK));
		if (retx)
			x->rack_flags |= PMT_REC_TLP_RETX;
	}
	pmt_tcp_timer_arm(tcb, PMT_TCPT_REXMT, pmt_tcp_rto_backoff(tcb));
	/* Another probe may come first (pto_allowed()). */
	pmt_tcp_timer_pto_sooner(tcb);
}

void
pmt_tcp_timer_2msl(struct pmt_tcb *tcb)
{
	pmt_tcp_timer_arm(tcb, PMT_TCPT_2MSL,
			  (uint64_t)pmt_tcb_eng(tcb)->stack->cfg.tcp_time_wait_ms * 1000);
}

void
pmt_tcp_timer_fin_wait2(struct pmt_tcb *tcb)
{
	/* Both share the slot: an orphan's FIN-WAIT-2 ends as TIME-WAIT does. */
	pmt_tcp_timer_arm(tcb, PMT_TCPT_2MSL,
			  (uint64_t)pmt_tcb_eng(tcb)->stack->cfg.tcp_fin_wait2_ms * 1000);
}

void
pmt_tcp_timer_cancel_all(struct pmt_tcb *tcb)
{
	unsigned int k;

	for (k = 0; k < PMT_TCPT_N; k++)
		tcb->tmr[k] = 0;
	pmt_wheel_cancel(&pmt_tcb_eng(tcb)->wheel, &tcb->timer);
}

void
pmt_tcp_rtt_update(struct pmt_tcb *tcb, uint32_t rtt_us)
{
	const struct pmt_config *cfg = &pmt_tcb_eng(tcb)->stack->cfg;
	uint64_t rto;

	if (rtt_us == 0)
		rtt_us = 1;
	if (tcb->srtt == 0) {
		/* RFC 6298 2.2: SRTT = R, RTTVAR = R/2. */
		tcb->srtt = rtt_us << 3;
		tcb->rttvar = rtt_us << 1;
	} else {
		/* RFC 6298 2.3, alpha = 1/8, beta = 1/4, in fixed point. */
		int32_t delta = (int32_t)rtt_us - (int32_t)(tcb->srtt >> 3);

		tcb->srtt = (uint32_t)((int32_t)tcb->srtt + delta);
		if (delta < 0)
			delta = -delta;
		tcb->rttvar = (uint32_t)((int32_t)tcb->rttvar +
					 (delta - (int32_t)(tcb->rttvar >> 2)));
	}
	/* RTO = SRTT + max(G, 4 * RTTVAR); G is our 1 us clock. */
	rto = (tcb->srtt >> 3) + RTE_MAX((uint32_t)1, tcb->rttvar);
	rto = RTE_MAX(rto, (uint64_t)cfg->tcp_rto_min_ms * 1000);
	rto = RTE_MIN(rto, (uint64_t)cfg->tcp_rto_max_ms * 1000);
	tcb->rto = (uint32_t)rto;
	pmt_cc_rtt_sample(tcb, rtt_us);	/* HyStart++ (RFC 9406) */
}

uint32_t
pmt_tcp_rto_backoff(const struct pmt_tcb *tcb)
{
	const struct pmt_config *cfg = &pmt_tcb_eng(tcb)->stack->cfg;
	uint64_t rto = (uint64_t)tcb->rto << RTE_MIN(tcb->rxtshift, 30);

	/* RFC 6298 5.5: double, up to the maximum. */
	return (uint32_t)RTE_MIN(rto, (uint64_t)cfg->tcp_rto_max_ms * 1000);
}

static void
timer_rexmt(struct pmt_tcb *tcb)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	const struct pmt_config *cfg = &eng->stack->cfg;
	struct pmt_tcp_ext *x;
	unsigned int limit;

	if (tcb->flags & PMT_TF_PTO) {
		tcb->flags &= ~(uint32_t)PMT_TF_PTO;
		timer_tlp(tcb);
		return;
	}
	if (tcb->flags & PMT_TF_REO) {
		tcb->flags &= ~(uint32_t)PMT_TF_REO;
		/* The RTO it stood in for starts again after it, and a
		 * probe before that, if what it sent draws no answer. */
		pmt_tcp_timer_arm(tcb, PMT_TCPT_REXMT, pmt_tcp_rto_backoff(tcb));
		pmt_tcp_rack_timeout(tcb);
		if (tcb->state != PMT_TCPS_CLOSED)
			pmt_tcp_timer_pto_sooner(tcb);
		return;
	}
	if (tcb->flags & PMT_TF_PERSIST) {
		/*
		 * RFC 9293 3.8.6.1: probe a zero window, backing off like
		 * the RTO, for as long as the peer keeps answering. RFC
		 * 1122 4.2.2.17 keeps the connection open only while "the
		 * receiving TCP continues to send acknowledgments in
		 * response to the probe segments": a peer that answers
		 * none of tcp_retries probes is gone, as after as many
		 * retransmissions (Linux: icsk_probes_out).
		 */
		if (++tcb->probes > cfg->tcp_retries) {
			PMT_STAT_INC(eng, tcp_conn_timeouts);
			pmt_tcb_drop(tcb, ETIMEDOUT);
			return;
		}
		if (tcb->rxtshift < 30)
			tcb->rxtshift++;
		tcb->flags |= PMT_TF_ACKNOW;
		PMT_STAT_INC(eng, tcp_tx_window_probes);
		pmt_tcp_output_probe(tcb);
		if (tcb->state != PMT_TCPS_CLOSED &&
		    (tcb->flags & PMT_TF_PERSIST))
			pmt_tcp_timer_arm(tcb, PMT_TCPT_REXMT,
					  pmt_tcp_rto_backoff(tcb));
		return;
	}
	PMT_STAT_INC(eng, tcp_rto_timeouts);
	limit = tcb->state < PMT_TCPS_ESTABLISHED ? cfg->tcp_syn_retries :
		cfg->tcp_retries;
	if (++tcb->rxtshift > limit) {
		/* RFC 9293 3.8.3: R2 reached; tell the application why. */
		PMT_STAT_INC(eng, tcp_conn_timeouts);
		pmt_tcb_drop(tcb, ETIMEDOUT);
		return;
	}
	tcb->flags &= ~(uint32_t)PMT_TF_RTT_TIMING;	/* Karn */
	if (tcb->rxtshift == 1 && (tcb->flags & PMT_TF_TS) &&
	    PMT_TCPS_HAVE_ESTABLISHED(tcb->state) &&
	    tcb->snd_una != tcb->snd_max) {
		/*
		 * RFC 3522 3.2 step (1), Eifel detection: remember the
		 * TSval of this first retransmission; an ACK that echoes
		 * an older one was sent for the original, and the timeout
		 * was spurious (tcp_input.c). RFC 4015 3.2 step (1): what
		 * undoes the reduction, pipe_prev = max(FlightSize,
		 * ssthresh). Later timeouts keep the first one's values.
		 */
		tcb->flags |= PMT_TF_EIFEL;
		tcb->rexmit_ts = pmt_tcp_ts_now(tcb);
		tcb->pipe_prev = RTE_MAX(pmt_tcp_flight(tcb), tcb->ssthresh);
	}
	/* RFC 6298 5.4-5.6: back off, go back to SND.UNA. */
	pmt_cc_timeout(tcb);
	x = pmt_tcp_ext_of(tcb);
	if (x != NULL) {
		/*
		 * RFC 6675 5.1: the go-back-N skips what the scoreboard
		 * says the peer holds (tcp_output.c). A receiver may
		 * renege on its SACKs (RFC 2018 8): after a second timeout
		 * in a row, nothing SACKed is trusted.
		 */
		x->rack_flags &= (uint8_t)~(PMT_REC_SACK | PMT_REC_RESCUED |
					    PMT_REC_TLP_OUT | PMT_REC_TLP_RETX |
					    PMT_REC_TLP_DSACK);
		x->high_rxt = tcb->snd_una;
		x->rack_lost_below = tcb->snd_una;
		x->n_rxt = 0;
		x->pto_n = 0;
		if (tcb->rxtshift >= 2)
			pmt_sack_init(&x->sb);
	}
	tcb->snd_nxt = tcb->snd_una;
	tcb->dupacks = 0;
	tcb->flags &= ~(uint32_t)PMT_TF_LT_MASK;
	/* A FIN already sent goes again with the data before it. */
	tcb->flags &= ~(uint32_t)PMT_TF_FIN_SENT;
	pmt_tcp_timer_arm(tcb, PMT_TCPT_REXMT, pmt_tcp_rto_backoff(tcb));
	pmt_tcp_output(tcb);
}

static void
timer_keep(struct pmt_tcb *tcb)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	const struct pmt_config *cfg = &eng->stack->cfg;

	if (!(tcb->flags & PMT_TF_KEEPALIVE) ||
	    tcb->state < PMT_TCPS_ESTABLISHED ||
	    tcb->state > PMT_TCPS_CLOSE_WAIT)
		return;
	if (tcb->keep_probes >= cfg->tcp_keep_probes) {
		PMT_STAT_INC(eng, tcp_conn_timeouts);
		pmt_tcb_drop(tcb, ETIMEDOUT);
		return;
	}
	/* RFC 9293 3.8.4: a segment with SEG.SEQ = SND.NXT - 1, no data. */
	tcb->keep_probes++;
	PMT_STAT_INC(eng, tcp_tx_keepalives);
	pmt_tcp_respond_tcb(tcb, tcb->snd_una - 1, PMT_TH_ACK);
	pmt_tcp_timer_arm(tcb, PMT_TCPT_KEEP,
			  (uint64_t)cfg->tcp_keep_intvl_s * 1000000);
}

void
pmt_tcp_timer_fire(struct pmt_timer *t, uint64_t now)
{
	struct pmt_tcb *tcb = container_of(t, struct pmt_tcb, timer);
	unsigned int k;

	RTE_SET_USED(now);
	for (k = 0; k < PMT_TCPT_N; k++) {
		/* The engine's clock, not the tick: deadlines are in its units. */
		if (tcb->state == PMT_TCPS_CLOSED)
			return;
		if (tcb->tmr[k] == 0 ||
		    (int64_t)(pmt_tcp_timer_deadline(tcb, k) -
			      pmt_tcb_eng(tcb)->now) > 0)
			continue;
		tcb->tmr[k] = 0;
		switch (k) {
		case PMT_TCPT_REXMT:
			timer_rexmt(tcb);
			break;
		case PMT_TCPT_DELACK:
			if (tcb->flags & PMT_TF_DELACK) {
				tcb->flags |= PMT_TF_ACKNOW;
				pmt_tcp_output(tcb);
			}
			break;
		case PMT_TCPT_FLUSH:
			pmt_tcp_output_flush(tcb);
			break;
		case PMT_TCPT_KEEP:
			/* Without keepalive, KEEP is the idle timer. */
			if (tcb->flags & PMT_TF_KEEPALIVE)
				timer_keep(tcb);
			else if (pmt_tcp_idle_try(tcb))
				return;	/* the TCB is on the reap list */
			break;
		case PMT_TCPT_2MSL:
			/* TIME-WAIT over, or FIN-WAIT-2 given up on. */
			pmt_tcb_close(tcb, 0);
			return;
		}
	}
	if (tcb->state != PMT_TCPS_CLOSED)
		resched(tcb);
}

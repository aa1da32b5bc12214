/* pmt_tcp_ext.h: per-connection loss-recovery and congestion-control state, held only by connections that need it (internal). */
#ifndef PMT_TCP_EXT_H
#define PMT_TCP_EXT_H

#include <stdint.h>

#include "tcp/pmt_tcp_cubic.h"
#include "tcp/pmt_tcp_sack.h"

/*
 * HyStart++ (RFC 9406), the initial slow start's exit (tcp_cc.c). RTTs
 * in microseconds; UINT32_MAX stands for the RFC's "infinity".
 */
enum pmt_hystart_phase {
	PMT_HY_DONE = 0,	/* not in the initial slow start (or NewReno) */
	PMT_HY_SS,		/* standard slow start, watching the RTT */
	PMT_HY_CSS,		/* Conservative Slow Start (RFC 9406 4.2) */
};

struct pmt_hystart {
	uint32_t window_end;	/* the round ends when SND.UNA passes it */
	uint32_t last_min_rtt;	/* lastRoundMinRTT */
	uint32_t cur_min_rtt;	/* currentRoundMinRTT */
	uint32_t css_base_rtt;	/* cssBaselineMinRtt */
	uint8_t samples;	/* rttSampleCount (saturates) */
	uint8_t css_rounds;	/* rounds begun in CSS */
	uint8_t phase;		/* enum pmt_hystart_phase */
	uint8_t rto;		/* PMT_CC_RTO | the phase before the RTO */
};

/*
 * hy.rto: an RTO reset CUBIC's curve (RFC 9438 4.8: K = 0 from the
 * window at the start of the next congestion avoidance), which the next
 * ACK in congestion avoidance applies; until then W_max is kept, so
 * that a spurious RTO's undo (RFC 4015) loses nothing. The low bits
 * keep the HyStart++ phase the RTO ended, for the same undo.
 */
#define PMT_CC_RTO 0x80
#define PMT_CC_RTO_PHASE 0x03

_Static_assert(sizeof(struct pmt_hystart) == 20, "HyStart++ state is 20 bytes");

/*
 * What a connection needs once it moves enough data to lose some: the
 * SACK scoreboard (RFC 6675), RACK-TLP (RFC 8985) and the congestion
 * controller's state (CUBIC, RFC 9438; HyStart++, RFC 9406). A
 * request/response connection of a few segments never loses, so this
 * is not in the TCB (issue 10 wants the TCB smaller, not larger): an
 * engine-owned slab hands one out when a connection first needs it
 * (a SACK block arrives, a loss is detected, slow start grows past
 * its initial window) and takes it back when the connection closes,
 * enters TIME-WAIT or is compacted to its idle form. The TCB keeps its
 * slab index in 32 bits. When the slab is exhausted the connection runs
 * without one: NewReno from duplicate ACKs and Reno growth, correct and
 * only slower (tcp_ext_none counts it).
 */
/* rack_flags */
#define PMT_REC_SACK 0x01	/* in RFC 6675 loss recovery */
#define PMT_REC_RESCUED 0x02	/* this recovery's rescue retransmission went */
#define PMT_REC_PTO 0x04	/* the REXMT slot holds RFC 8985's PTO, not the RTO */
#define PMT_REC_TLP_RETX 0x08	/* the probe out (tlp_end_seq) was a retransmission */
#define PMT_REC_TLP_DSACK 0x10	/* a D-SACK answered the probe: the original arrived */
#define PMT_REC_TLP_OUT 0x20	/* a probe is out, up to tlp_end_seq */

/*
 * A retransmission in flight in SACK recovery: its bytes and SND.MAX
 * when it went. Data sent after it (above @mark) that the peer SACKs
 * arrived, and so would have the retransmission: when IsLost() holds
 * above @mark, it was lost too (the "sent after" rule of RACK, RFC 8985
 * 6.2, in sequence space: the send queue keeps no per-segment clock).
 */
struct pmt_rxt_rec {
	uint32_t seq;
	uint32_t mark;
	uint16_t len;
	uint16_t reserved;
};

/* Six: with the send-queue cursor, the ext's five cache lines are full. */
#define PMT_RXT_RECS 6

struct pmt_tcp_ext {
	struct pmt_sack_sb sb;		/* RFC 6675 scoreboard */
	uint32_t high_rxt;		/* RFC 6675 HighRxt */
	uint32_t rack_lost_below;	/* RFC 8985: every hole below is lost */
	uint32_t recovery_point;	/* RFC 6675 RecoveryPoint */
	uint32_t tlp_end_seq;		/* RFC 8985 TLP.end_seq (PMT_REC_TLP_OUT) */
	uint8_t rack_flags;		/* PMT_REC_* */
	uint8_t n_rxt;			/* records in rxt[] */
	uint8_t pto_n;			/* probes in a row in recovery, unanswered */
	uint8_t reserved0;
	struct pmt_rxt_rec rxt[PMT_RXT_RECS];	/* oldest first */
	/* RFC 6937 Proportional Rate Reduction, in SACK recovery. */
	uint32_t prr_delivered;		/* bytes the peer got since recovery began */
	uint32_t prr_out;		/* bytes sent since */
	uint32_t recover_fs;		/* RecoverFS: FlightSize when it began */

	/*
	 * Send-queue cursor (tcp_output.c): the mbuf that held the last
	 * segment's first byte, and its offset from SND.UNA. The next
	 * segment starts from it instead of walking the queue from its
	 * head, which with a window of hundreds of mbufs is quadratic.
	 * NULL: none; pmt_tcp_sndq_drop() moves or clears it.
	 */
	struct rte_mbuf *snd_cur;
	uint32_t snd_cur_off;

	/* --- congestion control (tcp_cc.c) --- */
	struct pmt_cubic cubic;
	struct pmt_hystart hy;
	uint32_t cc_ack_ms;		/* last ACK in congestion avoidance (engine clock, ms) */
};

#endif /* PMT_TCP_EXT_H */

/* tcp_input.c: segment arrival (RFC 9293 3.10.7): input -> lookup -> listen / syn-sent / synchronized processing. */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "engine/pmt_engine.h"
#include "net/pmt_net.h"
#include "tcp/pmt_tcp.h"

/*
 * The chain: pmt_tcp_input() checks and parses the segment into a
 * struct pmt_tcp_seg and finds the TCB; then tcp_closed() (no socket),
 * tcp_listen() (a SYN for a listener), tcp_syn_sent(), or
 * tcp_synchronized(), which takes the RFC's checks in order: sequence
 * number, RST, SYN, ACK, text, FIN. Output happens once at the end.
 */

/* The engine clock in ts_recent_age's units (pmt_tcp.h). */
static inline uint16_t
ts_age_now(const struct pmt_engine *eng)
{
	return (uint16_t)((eng->now / 1000) >> PMT_TS_AGE_SHIFT);
}

static inline uint32_t
seg_space(const struct pmt_tcp_seg *seg)
{
	return seg->len + ((seg->flags & PMT_TH_SYN) ? 1 : 0) +
		((seg->flags & PMT_TH_FIN) ? 1 : 0);
}

/* The smallest shift that lets our whole buffer be offered (RFC 7323 2.3). */
uint8_t
pmt_tcp_wscale_for(uint32_t buf)
{
	uint8_t s = 0;

	while (s < PMT_TCP_MAX_WSCALE && (buf >> s) > UINT16_MAX)
		s++;
	return s;
}

uint8_t
pmt_tcp_rcv_wscale(const struct pmt_tcb *tcb)
{
	return pmt_tcp_wscale_for(tcb->rcv_buf);
}

/* Options of a SYN: RFC 9293 3.7.1 (MSS), RFC 7323, RFC 2018. */
void
pmt_tcp_syn_options(struct pmt_tcb *tcb, const struct pmt_tcp_seg *seg,
		    bool active)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	uint16_t ours = pmt_tcp_mss_of(eng, tcb->iface);

	uint16_t peer_mss = 536;	/* RFC 9293 3.7.1: without the option */

	if (seg->opts & PMT_TO_MSS)
		/* A tiny MSS only makes us slow and busy: clamp it. */
		peer_mss = RTE_MAX(seg->mss, (uint16_t)64);
	tcb->t_maxseg = RTE_MIN(peer_mss, ours);
	/* Scaling needs both sides' option; an active open offered ours. */
	if (seg->opts & PMT_TO_WSCALE) {
		tcb->flags |= PMT_TF_WS;
		tcb->snd_wscale = seg->wscale;
		if (!active)
			tcb->rcv_wscale = pmt_tcp_wscale_for(tcb->rcv_buf);
	} else {
		tcb->flags &= ~(uint32_t)PMT_TF_WS;
		tcb->snd_wscale = 0;
		tcb->rcv_wscale = 0;
	}
	if (seg->opts & PMT_TO_TS) {
		tcb->flags |= PMT_TF_TS;
		tcb->ts_recent = seg->tsval;
		tcb->ts_recent_age = ts_age_now(eng);
		/* RFC 9293 3.7.1: options come out of the MSS. */
		tcb->t_maxseg = (uint16_t)(tcb->t_maxseg - 12);
	} else {
		tcb->flags &= ~(uint32_t)PMT_TF_TS;
	}
	/* tcp-sack=0: the SYN we sent (or answer) offered none. */
	if ((seg->opts & PMT_TO_SACK_PERM) && eng->stack->cfg.tcp_sack)
		tcb->flags |= PMT_TF_SACK_PERMIT;
	else
		tcb->flags &= ~(uint32_t)PMT_TF_SACK_PERMIT;
}

/* RFC 9293 3.10.7.1: no socket. */
static void
tcp_closed(struct pmt_engine *eng, const struct pmt_flow_key *k,
	   const struct pmt_tcp_seg *seg)
{
	PMT_STAT_INC(eng, tcp_rx_no_socket);
	if (seg->flags & PMT_TH_RST) {
		PMT_STAT_INC(eng, tcp_rx_rst);
		return;
	}
	if (seg->flags & PMT_TH_ACK)
		pmt_tcp_respond(eng, k, seg->ack, 0, PMT_TH_RST);
	else
		pmt_tcp_respond(eng, k, 0, seg->seq + seg_space(seg),
				PMT_TH_RST | PMT_TH_ACK);
}

static void tcp_synchronized(struct pmt_tcb *tcb, struct pmt_tcp_seg *seg,
			     struct rte_mbuf **mp);

/* Is @a a broadcast address of any of our subnets? */
static bool
addr_is_broadcast(const struct pmt_engine *eng, uint32_t a)
{
	unsigned int i;

	for (i = 0; i < eng->stack->n_ifaces; i++)
		if (pmt_iface_is_broadcast(&eng->stack->ifaces[i], a))
			return true;
	return false;
}

/*
 * RFC 9293 3.10.7.2: a segment for a listener. A SYN goes to the
 * syncache (an entry, or a cookie), never to a TCB; a segment with ACK
 * or RST finds its entry or cookie there, and a completed handshake
 * comes back as a child TCB that the SYN-RECEIVED processing takes to
 * ESTABLISHED and the accept queue.
 */
static void
tcp_listen(struct pmt_engine *eng, struct pmt_tcb *l, uint16_t iface,
	   const struct pmt_flow_key *k, struct pmt_tcp_seg *seg,
	   struct rte_mbuf **mp)
{
	struct pmt_tcb *tcb;

	if (seg->flags & (PMT_TH_RST | PMT_TH_ACK)) {
		tcb = pmt_syncache_ack(eng, l, iface, k, seg);
		if (tcb != NULL)
			tcp_synchronized(tcb, seg, mp);
		return;
	}
	if (!(seg->flags & PMT_TH_SYN)) {
		PMT_STAT_INC(eng, tcp_rx_no_socket);
		return;
	}
	/*
	 * SYN and FIN together mean nothing a real peer sends, only a
	 * scan or an attempt on stacks that mishandle it: Linux and
	 * FreeBSD (net.inet.tcp.drop_synfin) drop it in LISTEN.
	 */
	if (seg->flags & PMT_TH_FIN) {
		PMT_STAT_INC(eng, tcp_rx_syn_fin);
		return;
	}
	/*
	 * RFC 9293 3.10.7.2: "If the SYN bit is set, ... the SYN is for a
	 * broadcast/multicast address -> drop" (IP drops those before us;
	 * this keeps TCP's own word). A SYN from an address of the port it
	 * came in on can only be forged (the LAND attack and its kin): we
	 * would answer ourselves. An address of another port is a real
	 * peer: one process may talk to itself across a link (pmtcp-gen
	 * --role both), as a host may through two of its interfaces.
	 */
	if (!pmt_ipv4_unicast(k->laddr) || addr_is_broadcast(eng, k->laddr) ||
	    !pmt_ipv4_unicast(k->raddr) || addr_is_broadcast(eng, k->raddr)) {
		PMT_STAT_INC(eng, tcp_rx_syn_not_unicast);
		return;
	}
	if (k->raddr == k->laddr ||
	    pmt_iface_addr_index(&eng->stack->ifaces[iface], k->raddr) >= 0) {
		PMT_STAT_INC(eng, tcp_rx_syn_own_src);
		return;
	}
	pmt_syncache_syn(eng, l, iface, k, seg);
}

static void output_after_burst(struct pmt_tcb *tcb);

/* RFC 9293 3.10.7.3. */
static void
tcp_syn_sent(struct pmt_tcb *tcb, const struct pmt_tcp_seg *seg)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	bool ack = seg->flags & PMT_TH_ACK;

	if (ack && (pmt_seq_leq(seg->ack, tcb->iss) ||
		    pmt_seq_gt(seg->ack, tcb->snd_max))) {
		if (!(seg->flags & PMT_TH_RST))
			pmt_tcp_respond(eng, &tcb->key, seg->ack, 0, PMT_TH_RST);
		PMT_STAT_INC(eng, tcp_rx_bad_ack);
		return;
	}
	if (seg->flags & PMT_TH_RST) {
		PMT_STAT_INC(eng, tcp_rx_rst);
		/* "error: connection reset": only with an acceptable ACK. */
		if (ack) {
			PMT_STAT_INC(eng, tcp_conn_refused);
			pmt_tcb_close(tcb, ECONNREFUSED);
		}
		return;
	}
	if (!(seg->flags & PMT_TH_SYN))
		return;
	tcb->irs = seg->seq;
	tcb->rcv_nxt = seg->seq + 1;
	tcb->rcv_adv = tcb->rcv_nxt;
	pmt_tcp_syn_options(tcb, seg, true);
	if (tcb->flags & PMT_TF_TS)
		tcb->ts_recent = seg->tsval;
	if (ack) {
		if ((tcb->flags & PMT_TF_RTT_TIMING) && tcb->rxtshift == 0)
			pmt_tcp_rtt_update(tcb, (uint32_t)(eng->now - tcb->rttime));
		tcb->flags &= ~(uint32_t)PMT_TF_RTT_TIMING;
		tcb->snd_una = seg->ack;
		if (pmt_seq_lt(tcb->snd_nxt, tcb->snd_una))
			tcb->snd_nxt = tcb->snd_una;
		tcb->rxtshift = 0;
		pmt_tcp_timer_cancel(tcb, PMT_TCPT_REXMT);
		tcb->snd_wnd = seg->wnd;	/* a SYN's window is not scaled */
		tcb->max_sndwnd = seg->wnd;
		tcb->snd_wl1 = seg->seq;
		tcb->snd_wl2 = seg->ack;
		tcb->state = PMT_TCPS_ESTABLISHED;
		pmt_cc_init(tcb);
		PMT_STAT_INC(eng, tcp_conn_established);
		if (tcb->flags & PMT_TF_KEEPALIVE)
			pmt_tcp_timer_arm(tcb, PMT_TCPT_KEEP,
					  (uint64_t)eng->stack->cfg.tcp_keep_idle_s * 1000000);
		pmt_tcb_event(tcb, PMT_EV_OUT);
		tcb->flags |= PMT_TF_ACKNOW;
	} else {
		/* Simultaneous open: our SYN goes again, now with an ACK. */
		tcb->state = PMT_TCPS_SYN_RECEIVED;
		tcb->snd_nxt = tcb->iss;
		tcb->snd_wnd = seg->wnd;
		tcb->snd_wl1 = seg->seq;
	}
	/* The handshake's ACK may ride on the application's first write. */
	output_after_burst(tcb);
}

static void
rcv_append(struct pmt_tcb *tcb, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_data_len(m);

	if (len == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	m->next = NULL;
	if (tcb->rcv_tail != NULL)
		tcb->rcv_tail->next = m;
	else
		tcb->rcv_head = m;
	tcb->rcv_tail = m;
	tcb->rcv_q_len += len;
	tcb->rcv_nxt += len;
}

/*
 * RFC 2883: bytes [left, right) arrived a second time. Noted for the
 * D-SACK block of the ACK this segment makes (tcp_output.c reports it
 * and the engine forgets it after the segment); one range per segment,
 * the first, grown when a later duplicate of the segment touches it.
 */
static void
dup_note(struct pmt_tcb *tcb, uint32_t left, uint32_t right)
{
	struct pmt_tcp_engine *te = &pmt_tcb_eng(tcb)->tcp;

	if (!pmt_seq_lt(left, right))
		return;
	if (te->dsack.tcb == tcb) {
		if (right == te->dsack.left)
			te->dsack.left = left;
		else if (left == te->dsack.right)
			te->dsack.right = right;
		return;
	}
	PMT_STAT_INC(pmt_tcb_eng(tcb), tcp_rx_dup_segs);
	te->dsack.tcb = tcb;
	te->dsack.left = left;
	te->dsack.right = right;
	/* A D-SACK is worth only as much as it is prompt: ACK now. */
	if (tcb->flags & PMT_TF_SACK_PERMIT)
		tcb->flags |= PMT_TF_ACKNOW;
}

/* The data of @seg below RCV.NXT, if any, arrived before. */
static void
dup_note_old(struct pmt_tcb *tcb, const struct pmt_tcp_seg *seg)
{
	uint32_t left = seg->seq + ((seg->flags & PMT_TH_SYN) ? 1 : 0);
	uint32_t right = left + seg->len;

	if (seg->len == 0 || !pmt_seq_lt(left, tcb->rcv_nxt))
		return;
	if (pmt_seq_gt(right, tcb->rcv_nxt))
		right = tcb->rcv_nxt;
	dup_note(tcb, left, right);
}

static void
ooo_unlink_free(struct pmt_tcb *tcb, struct rte_mbuf **pp)
{
	struct rte_mbuf *m = *pp;

	*pp = m->next;
	m->next = NULL;
	tcb->ooo_len -= rte_pktmbuf_data_len(m);
	tcb->ooo_n--;
	pmt_tcb_eng(tcb)->tcp.ooo_mbufs--;
	rte_pktmbuf_free(m);
}

/* Which limit an out-of-order segment ran into. */
enum ooo_cap {
	OOO_FITS = 0,
	OOO_CAP_SEGS,		/* tcp-ooo-max-segs */
	OOO_CAP_BYTES,		/* tcp-ooo-max-bytes, the receive buffer */
	OOO_CAP_ENGINE,		/* tcp-ooo-engine-mbufs, all connections */
};

static void
ooo_count_drop(struct pmt_engine *eng, enum ooo_cap cap, uint32_t segs)
{
	switch (cap) {
	case OOO_CAP_SEGS:
		PMT_STAT_ADD(eng, tcp_rx_ooo_drop_segs, segs);
		break;
	case OOO_CAP_BYTES:
		PMT_STAT_ADD(eng, tcp_rx_ooo_drop_bytes, segs);
		break;
	case OOO_CAP_ENGINE:
		PMT_STAT_ADD(eng, tcp_rx_ooo_drop_engine, segs);
		break;
	default:
		break;
	}
}

/* The limits on one connection's out-of-order queue. */
struct ooo_limits {
	uint32_t segs;
	uint32_t bytes;
	uint32_t others;	/* engine budget left to this connection */
};

/* Would @n segments of @bytes fit? Which cap fails first if not. */
static enum ooo_cap
ooo_fits(const struct ooo_limits *lim, uint32_t n, uint32_t bytes)
{
	if (n > lim->segs)
		return OOO_CAP_SEGS;
	if (bytes > lim->bytes)
		return OOO_CAP_BYTES;
	if (n > lim->others)
		return OOO_CAP_ENGINE;
	return OOO_FITS;
}

/*
 * Keep an out-of-order segment, sorted by sequence, trimmed so no byte
 * is held twice (bytes we held already are noted for a D-SACK). Bounded
 * per connection in segments and bytes, per engine in mbufs. When a
 * bound is hit the segments farthest from RCV.NXT give way, the new one
 * itself if it is the farthest: those are needed last, and RFC 2018 8
 * lets a receiver discard data it has SACKed (the sender keeps it until
 * cumulatively acknowledged). One walk over the queue: a segment costs
 * at most tcp-ooo-max-segs (<= 1024) steps, however the peer cuts them.
 * Takes the mbuf (*mp = NULL) when queued.
 */
static void
ooo_insert(struct pmt_tcb *tcb, struct rte_mbuf **mp, uint32_t seq, bool fin)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	const struct pmt_config *cfg = &eng->stack->cfg;
	struct rte_mbuf *m = *mp, **pp = &tcb->ooo_head, *prev = NULL, *n;
	uint32_t len = rte_pktmbuf_data_len(m), end = seq + len;
	uint32_t pred_n = 0, pred_len = 0, others, kept_n, kept_len;
	struct ooo_limits lim;
	enum ooo_cap cap;

	while (*pp != NULL && pmt_seq_leq(PMT_OOO_SEQ(*pp), seq)) {
		prev = *pp;
		pred_n++;
		pred_len += rte_pktmbuf_data_len(prev);
		pp = &prev->next;
	}
	if (prev != NULL) {
		uint32_t pend = PMT_OOO_SEQ(prev) + rte_pktmbuf_data_len(prev);

		if (pmt_seq_gt(pend, seq)) {
			dup_note(tcb, seq, pmt_seq_lt(pend, end) ? pend : end);
			if (pmt_seq_geq(pend, end) &&
			    !(fin && pend == end && !PMT_OOO_FIN(prev)))
				return;	/* all of it is here already */
			rte_pktmbuf_adj(m, (uint16_t)(pend - seq));
			seq = pend;
			len = end - seq;
		}
	}
	while ((n = *pp) != NULL) {
		uint32_t nend = PMT_OOO_SEQ(n) + rte_pktmbuf_data_len(n);

		if (pmt_seq_leq(nend, end) &&
		    !(PMT_OOO_FIN(n) && nend == end && !fin)) {
			/* Covered by the new one. */
			dup_note(tcb, PMT_OOO_SEQ(n), nend);
			ooo_unlink_free(tcb, pp);
			continue;
		}
		if (pmt_seq_lt(PMT_OOO_SEQ(n), end)) {
			dup_note(tcb, PMT_OOO_SEQ(n), end);
			rte_pktmbuf_trim(m, (uint16_t)(end - PMT_OOO_SEQ(n)));
			len = PMT_OOO_SEQ(n) - seq;
			end = PMT_OOO_SEQ(n);
			fin = false;
		}
		break;
	}
	if (len == 0 && !fin)
		return;		/* nothing new left */

	/* The limits, with the new segment counted in. */
	lim.segs = cfg->tcp_ooo_max_segs;
	lim.bytes = tcb->rcv_buf > tcb->rcv_q_len ? tcb->rcv_buf - tcb->rcv_q_len : 0;
	if (cfg->tcp_ooo_max_bytes != 0 && cfg->tcp_ooo_max_bytes < lim.bytes)
		lim.bytes = cfg->tcp_ooo_max_bytes;
	/* What the engine's budget leaves after the other connections. */
	others = eng->tcp.ooo_mbufs - tcb->ooo_n;
	lim.others = eng->tcp.ooo_mbufs_max > others ?
		eng->tcp.ooo_mbufs_max - others : 0;
	if (ooo_fits(&lim, tcb->ooo_n + 1, tcb->ooo_len + len) != OOO_FITS) {
		/* Room only by dropping what lies beyond the new segment. */
		cap = ooo_fits(&lim, pred_n + 1, pred_len + len);
		if (cap != OOO_FITS) {
			ooo_count_drop(eng, cap, 1);
			return;
		}
		kept_n = pred_n + 1;
		kept_len = pred_len + len;
		n = *pp;
		while (n != NULL) {
			cap = ooo_fits(&lim, kept_n + 1,
				       kept_len + rte_pktmbuf_data_len(n));
			if (cap != OOO_FITS)
				break;
			kept_n++;
			kept_len += rte_pktmbuf_data_len(n);
			n = n->next;
		}
		/* Drop n and all after it. */
		if (n != NULL) {
			struct rte_mbuf **cut = pp;
			uint32_t dropped = 0;

			while (*cut != n)
				cut = &(*cut)->next;
			while (*cut != NULL) {
				ooo_unlink_free(tcb, cut);
				dropped++;
			}
			ooo_count_drop(eng, cap, dropped);
		}
	}
	PMT_OOO_SEQ(m) = seq;
	PMT_OOO_WORD(m) = (eng->tcp.ooo_stamp++ << 1) | (fin ? 1u : 0u);
	m->next = *pp;
	*pp = m;
	*mp = NULL;
	tcb->ooo_len += len;
	tcb->ooo_n++;
	eng->tcp.ooo_mbufs++;
}

/* Move what became in-order to the receive queue; true if a FIN did. */
static bool
ooo_pull(struct pmt_tcb *tcb)
{
	struct rte_mbuf *m;

	while ((m = tcb->ooo_head) != NULL &&
	       pmt_seq_leq(PMT_OOO_SEQ(m), tcb->rcv_nxt)) {
		uint32_t len = rte_pktmbuf_data_len(m);
		uint32_t end = PMT_OOO_SEQ(m) + len;
		bool fin = PMT_OOO_FIN(m);

		tcb->ooo_head = m->next;
		m->next = NULL;
		tcb->ooo_len -= len;
		tcb->ooo_n--;
		pmt_tcb_eng(tcb)->tcp.ooo_mbufs--;
		/* What the in-order segment brought again (RFC 2883). */
		dup_note(tcb, PMT_OOO_SEQ(m),
			 pmt_seq_lt(end, tcb->rcv_nxt) ? end : tcb->rcv_nxt);
		if (pmt_seq_lt(end, tcb->rcv_nxt) ||
		    (end == tcb->rcv_nxt && !fin)) {
			rte_pktmbuf_free(m);
			continue;
		}
		rte_pktmbuf_adj(m, (uint16_t)(tcb->rcv_nxt - PMT_OOO_SEQ(m)));
		rcv_append(tcb, m);
		if (fin)
			return true;
	}
	return false;
}

static void
challenge_ack(struct pmt_tcb *tcb)
{
	/* RFC 5961 3.2 / 4.2: make a blind attacker's guess cost a round trip. */
	PMT_STAT_INC(pmt_tcb_eng(tcb), tcp_challenge_acks);
	tcb->flags |= PMT_TF_ACKNOW;
}

/* RFC 9293 3.10.7.4 eighth: the FIN, once everything before it arrived. */
static void
fin_received(struct pmt_tcb *tcb)
{
	tcb->rcv_nxt++;
	tcb->flags |= PMT_TF_ACKNOW | PMT_TF_RCVD_FIN;
	switch (tcb->state) {
	case PMT_TCPS_SYN_RECEIVED:
	case PMT_TCPS_ESTABLISHED:
		tcb->state = PMT_TCPS_CLOSE_WAIT;
		break;
	case PMT_TCPS_FIN_WAIT_1:
		/* Our FIN is not acked yet (else FIN-WAIT-2). */
		tcb->state = PMT_TCPS_CLOSING;
		break;
	case PMT_TCPS_FIN_WAIT_2:
		pmt_tcb_time_wait(tcb);
		break;
	default:
		break;
	}
	pmt_tcb_event(tcb, PMT_EV_IN | PMT_EV_HUP);
}

/* RFC 5681 / RFC 6675 DupThresh. */
#define DUPTHRESH 3

/*
 * Take an ACK's SACK blocks into the scoreboard (RFC 2018, RFC 2883),
 * made on the first block a connection receives. @return the
 * connection's pmt_tcp_ext when it recovers by SACK, NULL otherwise
 * (SACK not negotiated, or no state left: then NewReno).
 */
static struct pmt_tcp_ext *
sack_update(struct pmt_tcb *tcb, const struct pmt_tcp_seg *seg)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	struct pmt_sack_update res;
	struct pmt_tcp_ext *x;
	uint32_t una;

	if (!(tcb->flags & PMT_TF_SACK_PERMIT))
		return NULL;
	x = pmt_tcp_ext_of(tcb);
	una = pmt_seq_gt(seg->ack, tcb->snd_una) ? seg->ack : tcb->snd_una;
	if (!(seg->opts & PMT_TO_SACK) || seg->n_sack == 0) {
		if (x != NULL)
			pmt_sack_advance(&x->sb, una);
		return x;
	}
	if (x == NULL && (x = pmt_tcp_ext_get(tcb)) == NULL)
		return NULL;
	pmt_sack_advance(&x->sb, una);
	pmt_sack_take(&x->sb, una, tcb->snd_max,
		      (const uint32_t (*)[2])(const void *)seg->sack,
		      seg->n_sack, &res);
	PMT_STAT_ADD(eng, tcp_rx_sack_blocks, seg->n_sack);
	PMT_STAT_ADD(eng, tcp_rx_sack_ignored, res.ignored);
	PMT_STAT_ADD(eng, tcp_rx_sack_forgotten, res.forgotten);
	if (res.dsack) {
		PMT_STAT_INC(eng, tcp_rx_dsack);
		if (x->tlp_end_seq != 0)
			x->rack_flags |= PMT_REC_TLP_DSACK;
	}
	return x;
}

/* Send again @len queued bytes at @seq, counted as SACK recovery's. */
static void
len_send(struct pmt_tcb *tcb, uint32_t seq, uint32_t len)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);

	if (x != NULL)
		x->prr_out += len;	/* RFC 6937 prr_out */

	PMT_STAT_INC(eng, tcp_tx_rexmit_segs);
	PMT_STAT_INC(eng, tcp_tx_rexmit_fast);
	PMT_STAT_INC(eng, tcp_tx_rexmit_sack);
	PMT_STAT_ADD(eng, tcp_tx_rexmit_bytes, len);
	pmt_tcp_send_data(tcb, seq, seq - tcb->snd_una, len);
}

/* Retransmit [@seq, @seq + @len) in SACK recovery; false if nothing went. */
static bool
sack_rexmit(struct pmt_tcb *tcb, struct pmt_tcp_ext *x, uint32_t seq,
	    uint32_t len)
{
	uint32_t off = seq - tcb->snd_una;

	/* A FIN alone is the RTO's to resend; data only here. */
	if (off >= tcb->snd_q_len)
		return false;
	len = RTE_MIN(len, tcb->snd_q_len - off);
	len_send(tcb, seq, len);
	if (pmt_seq_gt(seq + len, x->high_rxt))
		x->high_rxt = seq + len;
	/* Remember it for lost-retransmission detection (the oldest
	 * record gives way: its loss is then the RTO's to find). */
	if (x->n_rxt == PMT_RXT_RECS) {
		memmove(&x->rxt[0], &x->rxt[1],
			(PMT_RXT_RECS - 1) * sizeof(x->rxt[0]));
		x->n_rxt--;
	}
	x->rxt[x->n_rxt].seq = seq;
	x->rxt[x->n_rxt].len = (uint16_t)RTE_MIN(len, (uint32_t)UINT16_MAX);
	x->rxt[x->n_rxt].mark = tcb->snd_max;
	x->n_rxt++;
	return true;
}

/*
 * Rule 0, before RFC 6675's: a lost retransmission goes again at once
 * (RFC 6675 alone finds one only by the RTO). One is lost when a later
 * transmission overtook it, the "sent after" rule of RACK (RFC 8985
 * 6.2) in send order rather than time: a retransmission sent after it
 * was delivered, or data sent after it (above its mark) makes IsLost()
 * true. @return true if one went (pipe changed).
 */
static bool
rxt_lost_resend(struct pmt_tcb *tcb, struct pmt_tcp_ext *x)
{
	struct pmt_rxt_rec keep[PMT_RXT_RECS], r;
	unsigned int i, n = 0, before = 0;

	/* Delivered records go; those kept ahead of one were overtaken. */
	for (i = 0; i < x->n_rxt; i++) {
		uint32_t end = x->rxt[i].seq + x->rxt[i].len;

		if (pmt_seq_leq(end, tcb->snd_una) ||
		    (pmt_sack_has(&x->sb, x->rxt[i].seq) &&
		     pmt_sack_has(&x->sb, end - 1))) {
			before = n;
			continue;
		}
		keep[n++] = x->rxt[i];
	}
	memcpy(x->rxt, keep, n * sizeof(keep[0]));
	x->n_rxt = (uint8_t)n;
	for (i = 0; i < n; i++) {
		uint32_t seq, off, end;

		if (i >= before &&
		    !pmt_sack_is_lost(&x->sb, x->rxt[i].mark, tcb->t_maxseg,
				      DUPTHRESH))
			continue;
		r = x->rxt[i];
		end = r.seq + r.len;
		seq = pmt_seq_lt(r.seq, tcb->snd_una) ? tcb->snd_una : r.seq;
		off = seq - tcb->snd_una;
		/* It goes again: now the newest transmission. */
		memmove(&x->rxt[i], &x->rxt[i + 1],
			(n - i - 1) * sizeof(x->rxt[0]));
		if (off >= tcb->snd_q_len) {
			x->n_rxt--;
			continue;
		}
		PMT_STAT_INC(pmt_tcb_eng(tcb), tcp_rexmit_lost_rexmit);
		r.mark = tcb->snd_max;
		x->rxt[n - 1] = r;
		len_send(tcb, seq, RTE_MIN(end - seq, tcb->snd_q_len - off));
		return true;
	}
	return false;
}


/*
 * SetPipe(), with what we retransmitted, or RACK's timer found lost,
 * held lost: RFC 6675 counts a hole entered by DupThresh duplicates
 * (not IsLost) twice, which stalls a small window until the
 * retransmission is acknowledged, and the RTO if it is lost.
 */
static uint32_t
sack_pipe(const struct pmt_tcb *tcb, const struct pmt_tcp_ext *x)
{
	uint32_t mss = tcb->t_maxseg;
	uint32_t held = pmt_seq_gt(x->rack_lost_below, x->high_rxt) ?
		x->rack_lost_below : x->high_rxt;

	return pmt_sack_pipe(&x->sb, tcb->snd_una, tcb->snd_max, x->high_rxt,
			     mss, DUPTHRESH) -
		pmt_sack_rxt_unlost(&x->sb, tcb->snd_una, held, mss,
				    DUPTHRESH);
}

/*
 * RFC 6675 5 step (C): while cwnd - pipe >= 1 SMSS, send what NextSeg()
 * returns: a lost hole (rule 1), new data (rule 2), a hole not yet
 * lost below a SACKed range (rule 3), and once per recovery a rescue
 * retransmission (rule 4) of the last segment, which keeps the ACK
 * clock going when the tail was lost. Bounded per ACK: at most 64
 * sends, each costing O(ranges^2) with at most 16 ranges.
 */
static void
sack_send(struct pmt_tcb *tcb, struct pmt_tcp_ext *x)
{
	uint32_t mss = tcb->t_maxseg, seq, len, pipe, cwnd, max, sent;
	unsigned int n;

	for (n = 0; n < 64 && tcb->state != PMT_TCPS_CLOSED; n++) {
		if (pmt_seq_lt(x->high_rxt, tcb->snd_una))
			x->high_rxt = tcb->snd_una;
		if (pmt_seq_lt(x->rack_lost_below, tcb->snd_una))
			x->rack_lost_below = tcb->snd_una;
		pipe = sack_pipe(tcb, x);
		if ((uint64_t)pipe + mss > tcb->cwnd)
			return;
		if (rxt_lost_resend(tcb, x))
			continue;
		if (pmt_sack_next_seg(&x->sb, tcb->snd_una, x->high_rxt, mss,
				      DUPTHRESH, &seq, &len) &&
		    sack_rexmit(tcb, x, seq, len))
			continue;
		/* Rule 1 for what RACK's timer found lost (RFC 8985 6.3). */
		if (pmt_seq_gt(x->rack_lost_below, x->high_rxt) &&
		    pmt_sack_next_unsacked(&x->sb, tcb->snd_una, x->high_rxt,
					   mss, &seq, &len) &&
		    pmt_seq_lt(seq, x->rack_lost_below) &&
		    sack_rexmit(tcb, x, seq,
				RTE_MIN(len, x->rack_lost_below - seq)))
			continue;
		/* Rule 2: new data, within the peer's window. */
		if (tcb->snd_q_len > pmt_tcp_flight(tcb) &&
		    tcb->snd_nxt == tcb->snd_max) {
			cwnd = tcb->cwnd;
			max = tcb->snd_max;
			tcb->cwnd = pmt_tcp_flight(tcb) + (cwnd - pipe);
			pmt_tcp_output(tcb);
			tcb->cwnd = cwnd;
			if (pmt_seq_gt(tcb->snd_max, max)) {
				x->prr_out += tcb->snd_max - max;
				continue;
			}
		}
		if (pmt_sack_next_unsacked(&x->sb, tcb->snd_una, x->high_rxt,
					   mss, &seq, &len) &&
		    sack_rexmit(tcb, x, seq, len))
			continue;
		/* Rule 4: the rescue, once, of the last segment sent (the
		 * queue may hold more, unsent: never past SND.MAX). */
		sent = RTE_MIN(tcb->snd_q_len, pmt_tcp_data_out(tcb));
		if (!(x->rack_flags & PMT_REC_RESCUED) && sent > 0 &&
		    pmt_seq_lt(x->high_rxt, tcb->snd_una + sent)) {
			uint32_t end = tcb->snd_una + sent;

			x->rack_flags |= PMT_REC_RESCUED;
			len = RTE_MIN(mss, sent);
			seq = end - len;
			if (pmt_sack_has(&x->sb, seq))
				return;
			sack_rexmit(tcb, x, seq, len);
		}
		return;
	}
}

/* RFC 6675 5 step (4): a loss is detected; recovery starts. */
static void
sack_enter_recovery(struct pmt_tcb *tcb, struct pmt_tcp_ext *x)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	uint32_t lt = ((tcb->flags & PMT_TF_LT_MASK) >> PMT_TF_LT_SHIFT) *
		(uint32_t)tcb->t_maxseg;

	if (pmt_seq_lt(tcb->snd_una, tcb->recover)) {
		/*
		 * A loss in data sent before an earlier reduction (a
		 * tail-loss probe's repair, an RTO's go-back-N) that is
		 * not yet all acknowledged: the window was cut for that
		 * flight already (RFC 5681 3.2, RFC 6582 "careful": once
		 * per window of data). The hole is repaired, the window is
		 * left as it is. Refusing the recovery, as RFC 6582 does
		 * for its duplicate ACKs, left the hole to the RTO, and
		 * each probe meanwhile sent one new segment: at 0.1 % loss
		 * a connection crept for 5 s at one segment per probe.
		 */
		tcb->recover = tcb->snd_max;
		tcb->flags |= PMT_TF_IN_RECOVERY;
		tcb->flags &= ~(uint32_t)PMT_TF_PARTIAL;
	} else {
		/* ssthresh as the congestion controller says; no
		 * inflation: the window is cwnd = ssthresh against pipe
		 * (RFC 6675 5 step 4.2). */
		pmt_cc_enter_recovery(tcb, lt);
		tcb->cwnd = tcb->ssthresh;
	}
	tcb->flags &= ~(uint32_t)PMT_TF_RTT_TIMING;	/* Karn */
	x->rack_flags = (uint8_t)((x->rack_flags | PMT_REC_SACK) &
				  ~PMT_REC_RESCUED);
	x->recovery_point = tcb->snd_max;
	x->high_rxt = tcb->snd_una;
	x->n_rxt = 0;
	/* RFC 6937 3: RecoverFS = SND.NXT - SND.UNA; nothing counted yet. */
	x->recover_fs = pmt_tcp_flight(tcb);
	x->prr_delivered = 0;
	x->prr_out = 0;
	/* A tail-loss probe's episode ends in this recovery's reduction. */
	x->rack_flags &= (uint8_t)~PMT_REC_TLP_RETX;
	PMT_STAT_INC(eng, tcp_tx_fast_rexmit);
	PMT_STAT_INC(eng, tcp_sack_recoveries);
	/* Step (4.3): the first segment presumed lost goes at once. */
	sack_rexmit(tcb, x, tcb->snd_una,
		    RTE_MIN((uint32_t)tcb->t_maxseg, tcb->snd_q_len));
	sack_send(tcb, x);
	if (tcb->state != PMT_TCPS_CLOSED) {
		pmt_tcp_timer_arm(tcb, PMT_TCPT_REXMT, pmt_tcp_rto_backoff(tcb));
		pmt_tcp_timer_pto_sooner(tcb);
	}
}

/*
 * RFC 8985 6.3, RACK's reordering timer, in the small: a hole below
 * SACKed data was sent before what was SACKed (first transmissions go
 * in sequence order); once a reordering window (RACK.reo_wnd, SRTT / 4,
 * at least 1 ms) passes with the hole still there, it is lost, however
 * few segments were SACKed above it (RFC 6675's DupThresh needs three,
 * which a small window never has). The window starts at the SACK,
 * later than RACK's own (from the hole's transmission): never sooner.
 */
static void
rack_arm(struct pmt_tcb *tcb, struct pmt_tcp_ext *x)
{
	uint32_t high = pmt_sack_high(&x->sb, tcb->snd_una);

	if (tcb->state == PMT_TCPS_CLOSED || x->sb.n == 0 ||
	    !pmt_seq_gt(high, x->rack_lost_below) ||
	    pmt_seq_lt(tcb->snd_nxt, tcb->snd_max) ||
	    (tcb->flags & PMT_TF_REO))
		return;
	pmt_tcp_timer_reo(tcb, RTE_MAX((uint64_t)(tcb->srtt >> 3) / 4,
				       (uint64_t)1000));
}

/*
 * RFC 6937 Proportional Rate Reduction, per ACK in SACK recovery: what
 * may go is proportional to what the peer got (DeliveredData), so the
 * window comes down to ssthresh across the recovery instead of stopping
 * dead while pipe is above it; below ssthresh, slow start back up to it
 * with at most one segment more than was delivered (PRR-SSRB). The
 * result is cwnd = pipe + sndcnt, which sack_send() then spends. The
 * ACK clock keeps running, and with it the SACKs that find lost
 * retransmissions.
 */
static void
prr_cwnd(struct pmt_tcb *tcb, struct pmt_tcp_ext *x, int64_t delivered)
{
	uint32_t mss = tcb->t_maxseg, ss = tcb->ssthresh, pipe;
	int64_t sndcnt;

	if (delivered > 0)
		x->prr_delivered += (uint32_t)delivered;
	else
		delivered = 0;
	pipe = sack_pipe(tcb, x);
	if (pipe > ss) {
		uint64_t fs = RTE_MAX(x->recover_fs, 1u);

		sndcnt = (int64_t)(((uint64_t)x->prr_delivered * ss + fs - 1) /
				   fs) - x->prr_out;
	} else {
		int64_t limit = RTE_MAX((int64_t)x->prr_delivered - x->prr_out,
					delivered) + mss;

		sndcnt = RTE_MIN((int64_t)(ss - pipe), limit);
	}
	tcb->cwnd = pipe + (uint32_t)RTE_MAX(sndcnt, (int64_t)0);
}

/*
 * After an ACK is taken whole (SND.UNA, scoreboard, window): in
 * recovery, send what pipe allows; else start recovery when
 * DupThresh duplicates arrived or the scoreboard says SND.UNA's
 * segment is lost (RFC 6675 5 step 3: a stretch ACK may SACK three
 * segments at once). Not while an RTO's go-back-N is under way (SND.NXT
 * below SND.MAX): that resends the holes already, skipping what the
 * scoreboard holds. Below recover it repairs without a new reduction
 * (sack_enter_recovery()).
 */
static void
sack_after_ack(struct pmt_tcb *tcb, struct pmt_tcp_ext *x, int64_t delivered)
{
	if (tcb->state == PMT_TCPS_CLOSED)
		return;
	if (x->rack_flags & PMT_REC_SACK) {
		prr_cwnd(tcb, x, delivered);
		sack_send(tcb, x);
		rack_arm(tcb, x);
		pmt_tcp_timer_pto_sooner(tcb);
		return;
	}
	if ((tcb->flags & PMT_TF_IN_RECOVERY) ||
	    tcb->snd_una == tcb->snd_max || tcb->snd_q_len == 0 ||
	    (tcb->flags & PMT_TF_PERSIST) ||
	    pmt_seq_lt(tcb->snd_nxt, tcb->snd_max))
		return;
	/*
	 * RFC 8985 7.4: a tail-loss probe the peer SACKs went after
	 * everything still unSACKed below it: that was lost.
	 */
	if (tcb->dupacks >= DUPTHRESH ||
	    pmt_sack_is_lost(&x->sb, tcb->snd_una, tcb->t_maxseg, DUPTHRESH) ||
	    ((x->rack_flags & PMT_REC_TLP_OUT) &&
	     pmt_sack_has(&x->sb, x->tlp_end_seq - 1))) {
		if (x->rack_flags & PMT_REC_TLP_OUT)
			PMT_STAT_INC(pmt_tcb_eng(tcb), tcp_tlp_recovered);
		sack_enter_recovery(tcb, x);
		return;
	}
	rack_arm(tcb, x);
}

void
pmt_tcp_rack_timeout(struct pmt_tcb *tcb)
{
	struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);
	uint32_t high;

	if (x == NULL || tcb->snd_una == tcb->snd_max ||
	    pmt_seq_lt(tcb->snd_nxt, tcb->snd_max))
		return;
	high = pmt_sack_high(&x->sb, tcb->snd_una);
	if (!pmt_seq_gt(high, tcb->snd_una) ||
	    !pmt_seq_gt(high, x->rack_lost_below))
		return;
	/* Every hole below the highest SACKed byte went before it and
	 * was not delivered within the reordering window: lost. */
	x->rack_lost_below = high;
	PMT_STAT_INC(pmt_tcb_eng(tcb), tcp_rack_reo_timeouts);
	if (x->rack_flags & PMT_REC_SACK)
		sack_send(tcb, x);
	else if (!(tcb->flags & PMT_TF_IN_RECOVERY) &&
		 !(tcb->flags & PMT_TF_PERSIST) && tcb->snd_q_len > 0)
		sack_enter_recovery(tcb, x);
}

/*
 * RFC 8985 7.4: the probe's episode ends when SND.UNA passes it. A
 * probe that retransmitted and drew no D-SACK repaired a loss: the
 * congestion controller reduces once, as for any loss.
 */
static void
tlp_after_ack(struct pmt_tcb *tcb, struct pmt_tcp_ext *x)
{
	if (!(x->rack_flags & PMT_REC_TLP_OUT) ||
	    pmt_seq_lt(tcb->snd_una, x->tlp_end_seq))
		return;
	if ((x->rack_flags & (PMT_REC_TLP_RETX | PMT_REC_TLP_DSACK)) ==
	    PMT_REC_TLP_RETX && !(tcb->flags & PMT_TF_IN_RECOVERY)) {
		PMT_STAT_INC(pmt_tcb_eng(tcb), tcp_tlp_recovered);
		pmt_cc_enter_recovery(tcb, 0);
		pmt_cc_recovery_done(tcb, true);
	}
	x->rack_flags &= (uint8_t)~(PMT_REC_TLP_OUT | PMT_REC_TLP_RETX |
				    PMT_REC_TLP_DSACK);
}

/*
 * RFC 5681 2, "DUPLICATE ACKNOWLEDGMENT", as real peers send them: the
 * receiver has outstanding data (not only a zero-window probe), the
 * ACK carries no data and neither SYN nor FIN, and it acknowledges
 * SND.UNA. Condition (e), an unchanged window, is relaxed: a Linux
 * receiver grows its window on the duplicate ACKs themselves (its
 * tcp_grow_window() runs for out-of-order segments in SACK flows, and
 * the window moves whenever the application reads or the buffer is
 * autotuned), so an exact-window test throws most of its duplicates
 * away and recovery falls to the RTO. FreeBSD likewise ignores the
 * window when SACK is on (tiwin == snd_wnd || TF_SACK_PERMIT). What
 * (e) guards against is a pure window update taken for a loss signal;
 * a receiver sends one only to open a window that had closed on the
 * sender (RFC 1122 4.2.3.3: Linux when its window fell to half its
 * clamp), so without SACK a changed window disqualifies the ACK only
 * when it opens a window that was limiting us.
 */
static bool
dupack_counts(const struct pmt_tcb *tcb, uint32_t swnd)
{
	uint32_t flight = pmt_tcp_flight(tcb);

	if (swnd == tcb->snd_wnd || (tcb->flags & PMT_TF_SACK_PERMIT))
		return true;
	return !(swnd > tcb->snd_wnd &&
		 tcb->snd_wnd < flight + tcb->t_maxseg);
}

/* Retransmit the first unacknowledged segment (fast retransmit, partial ACK). */
static void
rexmit_first(struct pmt_tcb *tcb)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	uint32_t len = RTE_MIN((uint32_t)tcb->t_maxseg, tcb->snd_q_len);

	if (len == 0)
		return;		/* only a FIN is out: the RTO resends it */
	PMT_STAT_INC(eng, tcp_tx_rexmit_segs);
	PMT_STAT_INC(eng, tcp_tx_rexmit_fast);
	PMT_STAT_ADD(eng, tcp_tx_rexmit_bytes, len);
	pmt_tcp_send_data(tcb, tcb->snd_una, 0, len);
}

/*
 * RFC 3042 Limited Transmit, on the first and second duplicate ACK:
 * one segment of new data, if the peer's window allows it and the data
 * outstanding stays within cwnd + 2 * SMSS. Only from SND.MAX: during a
 * go-back-N after a timeout the duplicates are its own echo.
 */
static void
limited_transmit(struct pmt_tcb *tcb)
{
	uint32_t mss = tcb->t_maxseg, flight = pmt_tcp_flight(tcb);
	uint32_t n = (tcb->flags & PMT_TF_LT_MASK) >> PMT_TF_LT_SHIFT;
	uint32_t cwnd = tcb->cwnd, max = tcb->snd_max;

	if (n >= 2 || tcb->snd_nxt != tcb->snd_max ||
	    tcb->snd_q_len <= flight ||
	    (uint64_t)flight + mss > (uint64_t)cwnd + tcb->dupacks * mss)
		return;
	/* cwnd lets exactly one more segment out, then is put back. */
	tcb->cwnd = RTE_MAX(cwnd, flight + mss);
	pmt_tcp_output(tcb);
	tcb->cwnd = cwnd;
	if (tcb->state != PMT_TCPS_CLOSED && pmt_seq_gt(tcb->snd_max, max)) {
		PMT_STAT_INC(pmt_tcb_eng(tcb), tcp_limited_transmit);
		tcb->flags = (tcb->flags & ~(uint32_t)PMT_TF_LT_MASK) |
			((n + 1) << PMT_TF_LT_SHIFT);
	}
}

/*
 * A counted duplicate ACK: Limited Transmit, fast retransmit, inflation.
 * With a scoreboard (@x) loss recovery is RFC 6675's, entered and run
 * from sack_after_ack() once the whole ACK is taken.
 */
static void
dupack_received(struct pmt_tcb *tcb, const struct pmt_tcp_seg *seg,
		struct pmt_tcp_ext *x)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	uint32_t lt;

	PMT_STAT_INC(eng, tcp_dupacks_counted);
	if (tcb->dupacks < UINT8_MAX)
		tcb->dupacks++;
	if (tcb->flags & PMT_TF_IN_RECOVERY) {
		/* RFC 6675 does not inflate: pipe counts what left. */
		if (x == NULL || !(x->rack_flags & PMT_REC_SACK))
			pmt_cc_dupack(tcb);
		return;
	}
	if (x != NULL) {
		if (tcb->dupacks < DUPTHRESH &&
		    !pmt_sack_is_lost(&x->sb, tcb->snd_una, tcb->t_maxseg,
				      DUPTHRESH))
			limited_transmit(tcb);
		return;
	}
	if (tcb->dupacks < DUPTHRESH) {
		limited_transmit(tcb);
		return;
	}
	/*
	 * RFC 6582 3.2 step 2, the "careful" variant: fast retransmit
	 * only if the ACK covers more than recover; after a timeout,
	 * duplicates of the go-back-N retransmissions do not (recover
	 * is one past the highest sequence sent, so: ack >= recover).
	 */
	if (tcb->dupacks != DUPTHRESH || pmt_seq_lt(seg->ack, tcb->recover))
		return;
	lt = ((tcb->flags & PMT_TF_LT_MASK) >> PMT_TF_LT_SHIFT) *
		(uint32_t)tcb->t_maxseg;
	pmt_cc_enter_recovery(tcb, lt);
	tcb->flags &= ~(uint32_t)PMT_TF_RTT_TIMING;	/* Karn */
	PMT_STAT_INC(eng, tcp_tx_fast_rexmit);
	rexmit_first(tcb);
	pmt_tcp_timer_arm(tcb, PMT_TCPT_REXMT, pmt_tcp_rto_backoff(tcb));
}

/*
 * RFC 7323 4.3: the RTT the segment's TSecr tells, in microseconds at
 * our clock's millisecond. False without one, or for an echo from the
 * future or older than any RTO: not ours.
 */
static bool
ts_echo_us(const struct pmt_tcb *tcb, const struct pmt_tcp_seg *seg,
	   uint32_t *us)
{
	uint32_t ms;

	if (!(tcb->flags & PMT_TF_TS) || !(seg->opts & PMT_TO_TS) ||
	    seg->tsecr == 0)
		return false;
	ms = pmt_tcp_ts_now(tcb) - seg->tsecr;
	if ((int32_t)ms < 0 || ms > pmt_tcb_eng(tcb)->stack->cfg.tcp_rto_max_ms)
		return false;
	*us = ms * 1000;
	return true;
}

/*
 * RTT samples of an ACK that advances SND.UNA. The timed segment gives
 * one per RTT at the clock's resolution (RFC 6298, Karn: never a
 * retransmitted one). Without it (a retransmission stopped the timing,
 * or nothing new went out since), RFC 7323 4.3: the echoed TSecr is
 * the TSval of the segment that made the peer ACK, retransmitted or
 * not; our TS clock ticks in milliseconds.
 */
static void
rtt_sample(struct pmt_tcb *tcb, const struct pmt_tcp_seg *seg)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	uint32_t us;

	if (tcb->flags & PMT_TF_RTT_TIMING) {
		if (pmt_seq_gt(seg->ack, tcb->rtseq)) {
			pmt_tcp_rtt_update(tcb, (uint32_t)(eng->now - tcb->rttime));
			tcb->flags &= ~(uint32_t)PMT_TF_RTT_TIMING;
		} else if (ts_echo_us(tcb, seg, &us)) {
			/* HyStart++ judges a round by 8 samples or more
			 * (RFC 9406 4.2): every ACK's echo is one, for it
			 * alone (the RTO keeps one sample per round). */
			pmt_cc_rtt_sample(tcb, us);
		}
		return;
	}
	/*
	 * Karn for the handshake: an ACK of only our SYN after the SYN or
	 * SYN-ACK went again gives no sample. Its echo may well be the
	 * first one's TSval: a peer answers our duplicate SYN-ACK with an
	 * ACK that does not update TS.Recent (RFC 7323 4.3, the segment is
	 * not acceptable), and a second of SYN backoff would become SRTT.
	 */
	if (tcb->snd_una == tcb->iss)
		return;
	if (ts_echo_us(tcb, seg, &us))
		pmt_tcp_rtt_update(tcb, us);
}

/*
 * RFC 3522 3.2, Eifel detection, on the first ACK of new data after an
 * RTO retransmission: if it echoes a TSval older than the
 * retransmission's, the original arrived, and the timeout was spurious.
 */
static bool
rto_was_spurious(struct pmt_tcb *tcb, const struct pmt_tcp_seg *seg)
{
	if (!(tcb->flags & PMT_TF_EIFEL))
		return false;
	tcb->flags &= ~(uint32_t)PMT_TF_EIFEL;
	/* Step (3): no timestamp, no verdict. */
	return (seg->opts & PMT_TO_TS) && seg->tsecr != 0 &&
		(int32_t)(seg->tsecr - tcb->rexmit_ts) < 0;
}

/*
 * RFC 4015 3.2: the response to a spurious timeout, steps (4) and (5).
 * Not step (6), which raises SRTT and RTTVAR to the time the original
 * took to be acknowledged: that time is the path's only when its ACK
 * was late. When the ACKs were lost (what makes most spurious timeouts
 * on a LAN, where no delay reaches a 200 ms RTO) it is the RTO itself,
 * and every later probe and RTO waited hundreds of times the path's
 * RTT: at 10 % loss both ways a 1.6 s "sample" on a 50 us tap made the
 * RTO 5.8 s. Linux and FreeBSD do not adapt the RTO here either; the
 * ACKs that follow give real samples.
 */
static void
rto_undo(struct pmt_tcb *tcb, uint32_t acked)
{
	PMT_STAT_INC(pmt_tcb_eng(tcb), tcp_spurious_rto);
	/* Step (4): no go-back-N: carry on from SND.MAX, FIN and all. */
	tcb->snd_nxt = tcb->snd_max;
	if ((tcb->flags & PMT_TF_FIN_QUEUED) &&
	    pmt_tcp_flight(tcb) > tcb->snd_q_len)
		tcb->flags |= PMT_TF_FIN_SENT;
	pmt_cc_spurious_rto(tcb, acked);	/* step (5) */
}

/* Fifth check, SND side: returns false if the segment must be dropped. */
static bool
ack_received(struct pmt_tcb *tcb, const struct pmt_tcp_seg *seg,
	     bool *closed)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	uint32_t swnd = (uint32_t)seg->wnd << tcb->snd_wscale;
	uint32_t acked, data_acked;
	bool fin_acked = false, spurious, partial = false;
	struct pmt_tcp_ext *x;
	uint32_t una0, sacked0;

	*closed = false;
	if (pmt_seq_gt(seg->ack, tcb->snd_max)) {
		/* RFC 9293: ACK for something not yet sent: ACK, drop. */
		PMT_STAT_INC(eng, tcp_rx_bad_ack);
		tcb->flags |= PMT_TF_ACKNOW;
		return false;
	}
	if (pmt_seq_lt(seg->ack, tcb->snd_una - tcb->max_sndwnd)) {
		/* RFC 5961 5.2: too old to be real. */
		PMT_STAT_INC(eng, tcp_rx_bad_ack);
		challenge_ack(tcb);
		return false;
	}
	/* An acceptable ACK answers our zero-window probes. */
	if (tcb->flags & PMT_TF_PERSIST)
		tcb->probes = 0;
	x = pmt_tcp_ext_of(tcb);
	una0 = tcb->snd_una;
	sacked0 = x != NULL ? x->sb.sacked : 0;
	x = sack_update(tcb, seg);

	if (pmt_seq_leq(seg->ack, tcb->snd_una)) {
		/*
		 * A duplicate (RFC 5681 2). Not the answer to a zero-window
		 * probe: the probe byte is outstanding but no loss
		 * (FreeBSD: only with the REXMT timer on). An older ACK
		 * (reordered) or a segment with data leaves the count as
		 * it is: neither says anything about loss.
		 */
		if (seg->ack == tcb->snd_una && seg->len == 0 &&
		    !(seg->flags & (PMT_TH_SYN | PMT_TH_FIN)) &&
		    tcb->snd_max != tcb->snd_una &&
		    !(tcb->flags & PMT_TF_PERSIST)) {
			PMT_STAT_INC(eng, tcp_rx_dupacks);
			if (dupack_counts(tcb, swnd))
				dupack_received(tcb, seg, x);
		}
		goto window;
	}

	/* New data acknowledged. */
	acked = seg->ack - tcb->snd_una;
	spurious = rto_was_spurious(tcb, seg);
	if (!spurious)
		rtt_sample(tcb, seg);
	tcb->rxtshift = 0;

	data_acked = acked;
	if (tcb->snd_una == tcb->iss && data_acked > 0)
		data_acked--;		/* our SYN */
	if (data_acked > tcb->snd_q_len) {
		/* Past the data only our FIN (the ACK is <= SND.MAX), even
		 * if a timeout since cleared PMT_TF_FIN_SENT to resend it. */
		fin_acked = true;
		data_acked = tcb->snd_q_len;
	}
	pmt_tcp_sndq_drop(tcb, data_acked);
	tcb->snd_una = seg->ack;
	if (pmt_seq_lt(tcb->snd_nxt, tcb->snd_una))
		tcb->snd_nxt = tcb->snd_una;
	if (data_acked > 0 && (tcb->flags & PMT_TF_WANT_OUT)) {
		tcb->flags &= ~(uint32_t)PMT_TF_WANT_OUT;
		pmt_tcb_event(tcb, PMT_EV_OUT);
	}

	/* Congestion control, SND.UNA moved (FlightSize is what is left). */
	if (spurious) {
		rto_undo(tcb, acked);
	} else if (tcb->flags & PMT_TF_IN_RECOVERY) {
		if (pmt_seq_geq(seg->ack, tcb->recover)) {
			/* RFC 6582 3.2 step 3 / RFC 6675 5 step (A):
			 * recovery is over. */
			pmt_cc_recovery_done(tcb, x != NULL &&
					     (x->rack_flags & PMT_REC_SACK));
			if (x != NULL) {
				x->rack_flags &= (uint8_t)~(PMT_REC_SACK |
							    PMT_REC_RESCUED);
				x->n_rxt = 0;
			}
		} else if (x != NULL && (x->rack_flags & PMT_REC_SACK)) {
			/* RFC 6675: no deflation; pipe decides (below). */
		} else {
			/* Partial: the next hole goes now. */
			partial = true;
			pmt_cc_partial_ack(tcb, acked);
			rexmit_first(tcb);
		}
	} else {
		/* RFC 5681 3.1: data grows cwnd; the ACK of our SYN does not. */
		uint32_t cc_acked = data_acked + (fin_acked ? 1 : 0);

		if (cc_acked > 0)
			pmt_cc_ack(tcb, cc_acked);
	}
	if (!(tcb->flags & PMT_TF_IN_RECOVERY)) {
		tcb->dupacks = 0;
		tcb->flags &= ~(uint32_t)PMT_TF_LT_MASK;
		/* recover trails SND.UNA, so the careful check of a later
		 * loss never compares across half the sequence space. */
		if (pmt_seq_lt(tcb->recover, tcb->snd_una))
			tcb->recover = tcb->snd_una;
	}

	/*
	 * RFC 6298 5.2 / 5.3: off when all is acknowledged, else restarted
	 * by an ACK of new data. In recovery, RFC 6582 4 ("Impatient"):
	 * only the first partial ACK restarts it, so a window with many
	 * losses falls back on the RTO instead of one hole per RTT.
	 */
	if (tcb->snd_una == tcb->snd_max) {
		pmt_tcp_timer_cancel(tcb, PMT_TCPT_REXMT);
	} else if (!partial || !(tcb->flags & PMT_TF_PARTIAL)) {
		pmt_tcp_timer_rexmt(tcb, tcb->rto);
	}
	if (partial)
		tcb->flags |= PMT_TF_PARTIAL;

	if (fin_acked) {
		switch (tcb->state) {
		case PMT_TCPS_FIN_WAIT_1:
			tcb->state = PMT_TCPS_FIN_WAIT_2;
			/* Nobody can read what might still come: bound it. */
			if (tcb->flags & PMT_TF_APP_CLOSED)
				pmt_tcp_timer_fin_wait2(tcb);
			break;
		case PMT_TCPS_CLOSING:
			pmt_tcb_time_wait(tcb);
			break;
		case PMT_TCPS_LAST_ACK:
			pmt_tcb_close(tcb, 0);
			*closed = true;
			return false;
		default:
			break;
		}
	}

window:
	/* RFC 9293 3.10.7.4: update the send window from newer segments. */
	if (pmt_seq_lt(tcb->snd_wl1, seg->seq) ||
	    (tcb->snd_wl1 == seg->seq && pmt_seq_leq(tcb->snd_wl2, seg->ack))) {
		tcb->snd_wnd = swnd;
		tcb->snd_wl1 = seg->seq;
		tcb->snd_wl2 = seg->ack;
		if (swnd > tcb->max_sndwnd)
			tcb->max_sndwnd = swnd;
		if (swnd > 0 && (tcb->flags & PMT_TF_PERSIST)) {
			tcb->flags &= ~(uint32_t)PMT_TF_PERSIST;
			tcb->rxtshift = 0;
			pmt_tcp_timer_cancel(tcb, PMT_TCPT_REXMT);
			if (tcb->snd_una != tcb->snd_max)
				pmt_tcp_timer_arm(tcb, PMT_TCPT_REXMT, tcb->rto);
		}
	}
	if (x != NULL) {
		/* RFC 6937 DeliveredData: SND.UNA's move and the SACKed
		 * bytes' (less when the ACK covers what was SACKed). */
		int64_t delivered = (int64_t)(tcb->snd_una - una0) +
			(int64_t)x->sb.sacked - (int64_t)sacked0;

		if (delivered > 0)
			x->pto_n = 0;	/* the path answers: no backoff */
		tlp_after_ack(tcb, x);
		sack_after_ack(tcb, x, delivered);
	}
	return true;
}

/* Seventh check: text. Returns true if an in-order FIN is now due. */
static bool
text_received(struct pmt_tcb *tcb, struct pmt_tcp_seg *seg,
	      struct rte_mbuf **mp)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	bool fin = (seg->flags & PMT_TH_FIN) != 0;
	struct rte_mbuf *m = *mp;

	if (seg->len == 0)
		return fin && seg->seq == tcb->rcv_nxt;
	if (seg->seq == tcb->rcv_nxt && tcb->ooo_head == NULL) {
		*mp = NULL;
		rcv_append(tcb, m);
		/* RFC 5681 4.2: ACK at least every second segment. */
		if (tcb->flags & PMT_TF_DELACK) {
			tcb->flags |= PMT_TF_ACKNOW;
		} else {
			tcb->flags |= PMT_TF_DELACK;
			pmt_tcp_timer_arm(tcb, PMT_TCPT_DELACK,
					  (uint64_t)eng->stack->cfg.tcp_delack_ms * 1000);
		}
		pmt_tcb_event(tcb, PMT_EV_IN);
		return fin;
	}
	/* Out of order, or filling a hole: ACK at once (RFC 5681 4.2). */
	tcb->flags |= PMT_TF_ACKNOW;
	if (seg->seq == tcb->rcv_nxt) {
		*mp = NULL;
		rcv_append(tcb, m);
		if (fin)	/* anything queued beyond a FIN is garbage */
			pmt_tcb_flush_ooo(tcb);
		fin = ooo_pull(tcb) || fin;
		pmt_tcb_event(tcb, PMT_EV_IN);
		return fin;
	}
	PMT_STAT_INC(eng, tcp_rx_ooo_segs);
	ooo_insert(tcb, mp, seg->seq, fin);
	return false;
}

/*
 * An ACK that may wait for the application's turn: the ACK of the
 * handshake (nothing received beyond the SYN) or of the peer's FIN, on
 * a connection with an event for the application and nothing to send
 * or resend. The application is likely to answer at once: the request
 * after the connect, the close after the reply's FIN; its write or
 * close then carries the ACK, one segment fewer; if it does neither,
 * the next engine turn sends the ACK (pmt_tcp_flush_late). Not the
 * ACKs of data: a receiver may work long on what it read (hashing it,
 * say) and its peer would wait that long for them (measured: a 64 MiB
 * transfer under loss took 2-3x as long).
 */
static bool
ack_may_wait(const struct pmt_tcb *tcb)
{
	return tcb->ev_queued && (tcb->flags & PMT_TF_ACKNOW) &&
	       ((tcb->state == PMT_TCPS_ESTABLISHED &&
		 tcb->rcv_nxt == tcb->irs + 1) ||
		tcb->state == PMT_TCPS_CLOSE_WAIT) &&
	       !(tcb->flags & (PMT_TF_FIN_QUEUED | PMT_TF_PERSIST |
			       PMT_TF_IN_RECOVERY)) &&
	       tcb->snd_nxt == tcb->snd_max &&
	       tcb->snd_max - tcb->snd_una == tcb->snd_q_len &&
	       tcb->ooo_head == NULL;
}

/* Most full-sized segments one deferred ACK covers (see below). */
#define PMT_TCP_ACK_STRETCH 8u

/*
 * A segment's output: at once outside a burst; in one, queued for the
 * burst's end (pmt_tcp_input_burst), so that the in-order segments of
 * one connection in one burst get one ACK (RFC 5681 4.2 asks for one at
 * least every second full-sized segment; GRO makes the kernel's the
 * same stretch ACK) and the ACKs one transmission. The wait is the
 * rest of a burst of at most PMT_TCP_RX_BATCH segments: microseconds.
 * What reports one segment goes at once, as the kernel's GRO does not
 * merge it either: a duplicate's D-SACK (RFC 2883) and the ACK of each
 * segment while the out-of-order queue holds data (RFC 5681 4.2: the
 * sender counts them, as duplicate ACKs or by their SACK blocks).
 */
static void
output_after_burst(struct pmt_tcb *tcb)
{
	struct pmt_tcp_engine *te = &pmt_tcb_eng(tcb)->tcp;
	unsigned int i;

	if (!te->out_defer || te->dsack.tcb == tcb || tcb->ooo_head != NULL ||
	    te->out_n == RTE_DIM(te->out_q)) {
		pmt_tcp_output(tcb);
		return;
	}
	if (!(tcb->flags & PMT_TF_OUTQ)) {
		tcb->flags |= PMT_TF_OUTQ;
		te->out_rcv[te->out_n] = tcb->rcv_nxt;
		te->out_q[te->out_n++] = tcb;
		return;
	}
	/*
	 * No more than PMT_TCP_ACK_STRETCH segments' worth in one ACK: a
	 * sender grows its window by at most L SMSS an ACK in slow start
	 * (RFC 3465 2.2, RFC 9406 4.2: ours is 8), so a longer stretch
	 * would slow its start.
	 */
	for (i = 0; i < te->out_n && te->out_q[i] != tcb; i++)
		;
	if (i < te->out_n && tcb->rcv_nxt - te->out_rcv[i] >=
	    PMT_TCP_ACK_STRETCH * (uint32_t)tcb->t_maxseg) {
		pmt_tcp_output(tcb);
		te->out_rcv[i] = tcb->rcv_nxt;
	}
}

/* RFC 9293 3.10.7.4: SYN-RECEIVED and every synchronized state. */
static void
tcp_synchronized(struct pmt_tcb *tcb, struct pmt_tcp_seg *seg,
		 struct rte_mbuf **mp)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	uint32_t wnd, space, adv;
	bool ok, closed, fin_due;

	/* SYN-RECEIVED: the peer repeats its SYN: repeat our SYN-ACK. */
	if (tcb->state == PMT_TCPS_SYN_RECEIVED &&
	    (seg->flags & (PMT_TH_SYN | PMT_TH_ACK | PMT_TH_RST)) == PMT_TH_SYN &&
	    seg->seq == tcb->irs) {
		tcb->snd_nxt = tcb->iss;
		pmt_tcp_output(tcb);
		return;
	}
	/*
	 * RFC 9293 3.5 figure 8, simultaneous open: in SYN-RECEIVED the
	 * peer's SYN-ACK repeats its SYN at IRS. That SYN is old (we
	 * have it) and would make the whole segment unacceptable; the
	 * ACK in it is new and completes the handshake. Drop the SYN.
	 */
	if (tcb->state == PMT_TCPS_SYN_RECEIVED &&
	    (seg->flags & (PMT_TH_SYN | PMT_TH_ACK | PMT_TH_RST)) ==
	    (PMT_TH_SYN | PMT_TH_ACK) && seg->seq == tcb->irs) {
		seg->flags &= (uint8_t)~PMT_TH_SYN;
		seg->seq++;
	}

	/* RFC 7323 5.3 PAWS: an older timestamp is an old duplicate. */
	if ((tcb->flags & PMT_TF_TS) && (seg->opts & PMT_TO_TS) &&
	    !(seg->flags & PMT_TH_RST) &&
	    (int32_t)(seg->tsval - tcb->ts_recent) < 0 &&
	    (uint16_t)(ts_age_now(eng) - tcb->ts_recent_age) < PMT_TS_AGE_24D) {
		PMT_STAT_INC(eng, tcp_rx_paws_drop);
		dup_note_old(tcb, seg);
		tcb->flags |= PMT_TF_ACKNOW;
		goto out;
	}

	/* First: is the segment in the window (RFC 9293 3.10.7.4 table)? */
	adv = pmt_seq_gt(tcb->rcv_adv, tcb->rcv_nxt) ? tcb->rcv_adv - tcb->rcv_nxt : 0;
	space = pmt_tcp_rcv_space(tcb);
	wnd = RTE_MAX(adv, space);
	{
		uint32_t slen = seg_space(seg);

		if (slen == 0)
			ok = wnd == 0 ? seg->seq == tcb->rcv_nxt :
				pmt_seq_geq(seg->seq, tcb->rcv_nxt) &&
				pmt_seq_lt(seg->seq, tcb->rcv_nxt + wnd);
		else
			ok = wnd != 0 &&
				((pmt_seq_geq(seg->seq, tcb->rcv_nxt) &&
				  pmt_seq_lt(seg->seq, tcb->rcv_nxt + wnd)) ||
				 (pmt_seq_geq(seg->seq + slen - 1, tcb->rcv_nxt) &&
				  pmt_seq_lt(seg->seq + slen - 1, tcb->rcv_nxt + wnd)));
	}
	if (!ok) {
		PMT_STAT_INC(eng, tcp_rx_unacceptable);
		if (seg->flags & PMT_TH_RST)
			return;
		dup_note_old(tcb, seg);
		if (tcb->state == PMT_TCPS_TIME_WAIT && (seg->flags & PMT_TH_FIN))
			/* A repeated FIN: ACK it and wait 2MSL again. */
			pmt_tcp_timer_2msl(tcb);
		tcb->flags |= PMT_TF_ACKNOW;
		goto out;
	}
	/* Record the timestamp to echo (RFC 7323 4.3, simplified: on the
	 * segment at the left edge). */
	if ((tcb->flags & PMT_TF_TS) && (seg->opts & PMT_TO_TS) &&
	    pmt_seq_leq(seg->seq, tcb->rcv_nxt)) {
		tcb->ts_recent = seg->tsval;
		tcb->ts_recent_age = ts_age_now(eng);
	}
	/* Trim what we already have from the front... */
	if (pmt_seq_lt(seg->seq, tcb->rcv_nxt)) {
		uint32_t todrop = tcb->rcv_nxt - seg->seq;

		if (!(seg->flags & PMT_TH_RST))
			dup_note_old(tcb, seg);
		if (seg->flags & PMT_TH_SYN) {
			seg->flags &= (uint8_t)~PMT_TH_SYN;
			seg->seq++;
			todrop--;
		}
		if (todrop >= seg->len) {
			if (todrop > seg->len)
				seg->flags &= (uint8_t)~PMT_TH_FIN;
			todrop = seg->len;
			tcb->flags |= PMT_TF_ACKNOW;	/* a duplicate */
		}
		if (todrop) {
			rte_pktmbuf_adj(*mp, (uint16_t)todrop);
			seg->seq += todrop;
			seg->len -= todrop;
		}
	}
	/* ...and what lies beyond the window from the back. */
	if (pmt_seq_gt(seg->seq + seg->len, tcb->rcv_nxt + wnd)) {
		uint32_t excess = seg->seq + seg->len - (tcb->rcv_nxt + wnd);

		if (excess > seg->len)
			excess = seg->len;
		rte_pktmbuf_trim(*mp, (uint16_t)excess);
		seg->len -= excess;
		seg->flags &= (uint8_t)~PMT_TH_FIN;
		tcb->flags |= PMT_TF_ACKNOW;
	}

	/* Second: RST (RFC 5961 3.2: only an exact match resets). */
	if (seg->flags & PMT_TH_RST) {
		PMT_STAT_INC(eng, tcp_rx_rst);
		if (seg->seq != tcb->rcv_nxt) {
			challenge_ack(tcb);
			goto out;
		}
		switch (tcb->state) {
		case PMT_TCPS_SYN_RECEIVED:
			/* Passive: back to LISTEN, i.e. the child goes.
			 * Active (simultaneous open): refused. */
			pmt_tcb_close(tcb, tcb->parent != 0 ? 0 : ECONNREFUSED);
			return;
		case PMT_TCPS_ESTABLISHED:
		case PMT_TCPS_FIN_WAIT_1:
		case PMT_TCPS_FIN_WAIT_2:
		case PMT_TCPS_CLOSE_WAIT:
			PMT_STAT_INC(eng, tcp_conn_resets);
			pmt_tcb_close(tcb, ECONNRESET);
			return;
		default:
			pmt_tcb_close(tcb, 0);
			return;
		}
	}
	/* Fourth: a SYN in a synchronized state (RFC 5961 4.2). */
	if (seg->flags & PMT_TH_SYN) {
		PMT_STAT_INC(eng, tcp_rx_syn_in_window);
		challenge_ack(tcb);
		goto out;
	}
	/* Fifth: ACK. */
	if (!(seg->flags & PMT_TH_ACK))
		goto out;
	if (tcb->state == PMT_TCPS_SYN_RECEIVED) {
		if (!(pmt_seq_lt(tcb->snd_una, seg->ack) &&
		      pmt_seq_leq(seg->ack, tcb->snd_max))) {
			pmt_tcp_respond(eng, &tcb->key, seg->ack, 0, PMT_TH_RST);
			return;
		}
		tcb->state = PMT_TCPS_ESTABLISHED;
		/* Take the window from this ACK (its window is scaled). */
		tcb->snd_wl1 = seg->seq - 1;
		PMT_STAT_INC(eng, tcp_conn_established);
		if (tcb->flags & PMT_TF_KEEPALIVE)
			pmt_tcp_timer_arm(tcb, PMT_TCPT_KEEP,
					  (uint64_t)eng->stack->cfg.tcp_keep_idle_s * 1000000);
		if (tcb->parent != 0)
			pmt_listen_established(tcb);
		else
			pmt_tcb_event(tcb, PMT_EV_OUT);
	}
	if (!ack_received(tcb, seg, &closed)) {
		if (closed)
			return;
		goto out;
	}
	if ((tcb->flags & PMT_TF_KEEPALIVE) && tcb->state <= PMT_TCPS_CLOSE_WAIT) {
		tcb->keep_probes = 0;
		pmt_tcp_timer_arm(tcb, PMT_TCPT_KEEP,
				  (uint64_t)eng->stack->cfg.tcp_keep_idle_s * 1000000);
	}

	/* Seventh: text. Sixth (URG) is not implemented (RFC 6093). */
	fin_due = false;
	switch (tcb->state) {
	case PMT_TCPS_ESTABLISHED:
	case PMT_TCPS_FIN_WAIT_1:
	case PMT_TCPS_FIN_WAIT_2:
		if (seg->len > 0 && (tcb->flags & PMT_TF_APP_CLOSED)) {
			/* Nobody will read it: RFC 9293 3.10.7.4 allows a
			 * reset, and it frees the peer at once (as Linux). */
			PMT_STAT_INC(eng, tcp_rx_after_close);
			pmt_tcb_drop(tcb, 0);
			return;
		}
		fin_due = text_received(tcb, seg, mp);
		break;
	case PMT_TCPS_CLOSE_WAIT:
	case PMT_TCPS_CLOSING:
	case PMT_TCPS_LAST_ACK:
	case PMT_TCPS_TIME_WAIT:
		/* The peer's FIN came already: ignore text and FIN,
		 * but a repeated FIN in TIME-WAIT restarts 2MSL. */
		if ((seg->flags & PMT_TH_FIN) && tcb->state == PMT_TCPS_TIME_WAIT) {
			tcb->flags |= PMT_TF_ACKNOW;
			pmt_tcp_timer_2msl(tcb);
		}
		break;
	default:
		break;
	}
	/* Eighth: FIN. */
	if (fin_due)
		fin_received(tcb);
	if (tcb->state == PMT_TCPS_TIME_WAIT &&
	    eng->stack->cfg.tcp_time_wait_ms == 0) {
		pmt_tcp_output(tcb);
		pmt_tcb_close(tcb, 0);
		return;
	}
out:
	output_after_burst(tcb);
}

/*
 * Check and parse one segment; on success the mbuf holds only the
 * payload and @seg, @k describe it. Returns false if it was dropped.
 */
static bool
tcp_prepare(struct pmt_engine *eng, struct rte_mbuf *m,
	    const struct pmt_ipv4_info *ip, struct pmt_tcp_seg *seg,
	    struct pmt_flow_key *k)
{
	struct rte_ipv4_hdr *iph = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t tcp_len = (uint32_t)ip->total_len - ip->hdr_len;
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	const uint8_t *th = (const uint8_t *)iph + ip->hdr_len;

	PMT_STAT_INC(eng, tcp_rx_segs);
	switch (pmt_tcp_parse(th, tcp_len, seg)) {
	case PMT_TCP_OK:
		break;
	case PMT_TCP_SHORT:
		PMT_STAT_INC(eng, tcp_rx_short);
		goto drop;
	case PMT_TCP_BAD_OFF:
		PMT_STAT_INC(eng, tcp_rx_bad_off);
		goto drop;
	case PMT_TCP_BAD_OPT:
		/* RFC 9293 3.1: survive it; use what parsed. */
		PMT_STAT_INC(eng, tcp_rx_bad_opt);
		break;
	}
	if (ck != RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
	    (ck == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
	     !pmt_tcp_cksum_ok(iph, th, tcp_len))) {
		PMT_STAT_INC(eng, tcp_rx_bad_cksum);
		goto drop;
	}
	k->laddr = ip->dst;
	k->raddr = ip->src;
	k->lport = rte_cpu_to_be_16(seg->dport);
	k->rport = rte_cpu_to_be_16(seg->sport);
	/* From here on the mbuf holds only the payload. */
	rte_pktmbuf_adj(m, (uint16_t)(ip->hdr_len + seg->payload_off));
	return true;
drop:
	rte_pktmbuf_free(m);
	return false;
}

/*
 * May a new incarnation take this TIME-WAIT pair? RFC 6191 2: with
 * timestamps on both, when the SYN's is newer than TS.Recent; without,
 * RFC 1122 4.2.2.13: when its sequence number is past the old one.
 */
static bool
time_wait_reusable(const struct pmt_tcb *tcb, const struct pmt_tcp_seg *seg)
{
	if ((tcb->flags & PMT_TF_TS) && (seg->opts & PMT_TO_TS))
		return (int32_t)(seg->tsval - tcb->ts_recent) > 0;
	return pmt_seq_gt(seg->seq, tcb->rcv_nxt);
}

/*
 * The segment's connection: @hint from the burst's bulk lookup, unless
 * an earlier segment of the same burst opened or closed one.
 */
static void
tcp_dispatch(struct pmt_engine *eng, uint16_t iface, struct rte_mbuf *m,
	     struct pmt_tcp_seg *seg, const struct pmt_flow_key *k,
	     struct pmt_tcb *tcb)
{
	/*
	 * The hint may be stale: closed, recycled for another pair, or an
	 * idle form woken by an earlier segment of the burst.
	 */
	if (tcb == NULL || pmt_tcb_is_idle(tcb) || tcb->tbl != PMT_TBL_IN ||
	    memcmp(&tcb->key, k, sizeof(*k)) != 0)
		tcb = pmt_sockt_lookup(eng->tcp.table, k);
	if (tcb != NULL && pmt_tcb_is_idle(tcb)) {
		tcb = pmt_tcp_idle_wake(eng, tcb);
		if (tcb == NULL)
			goto drop;	/* no TCB: the peer retransmits */
	}
	if (tcb != NULL)
		tcb->t_active = (uint32_t)(eng->now / 1000);
	if (tcb != NULL && tcb->state == PMT_TCPS_TIME_WAIT &&
	    (seg->flags & (PMT_TH_SYN | PMT_TH_ACK | PMT_TH_RST)) == PMT_TH_SYN &&
	    time_wait_reusable(tcb, seg)) {
		PMT_STAT_INC(eng, tcp_time_wait_reuse);
		pmt_tcb_close(tcb, 0);
		tcb = NULL;
	}
	if (tcb == NULL) {
		struct pmt_tcb *l = pmt_tcp_listener(eng, k->laddr, k->lport);

		if (l != NULL)
			tcp_listen(eng, l, iface, k, seg, &m);
		else
			tcp_closed(eng, k, seg);
		goto drop;
	}
	if (tcb->state == PMT_TCPS_SYN_SENT)
		tcp_syn_sent(tcb, seg);
	else
		tcp_synchronized(tcb, seg, &m);
drop:
	/* A D-SACK is for the ACK of its own segment only. */
	eng->tcp.dsack.tcb = NULL;
	if (m != NULL)
		rte_pktmbuf_free(m);
}

void
pmt_tcp_input(struct pmt_engine *eng, uint16_t iface, struct rte_mbuf *m,
	      const struct pmt_ipv4_info *ip)
{
	struct pmt_flow_key k;
	struct pmt_tcp_seg seg;

	if (tcp_prepare(eng, m, ip, &seg, &k))
		tcp_dispatch(eng, iface, m, &seg, &k, NULL);
}

void
pmt_tcp_input_burst(struct pmt_engine *eng, struct pmt_tcp_rx *rx,
		    unsigned int n)
{
	struct pmt_flow_key keys[PMT_TCP_RX_BATCH];
	const struct pmt_flow_key *kp[PMT_TCP_RX_BATCH];
	struct pmt_tcp_seg segs[PMT_TCP_RX_BATCH];
	void *tcbs[PMT_TCP_RX_BATCH];
	struct pmt_tcp_engine *te = &eng->tcp;
	unsigned int i, j = 0;

	/* Parse the whole burst, look every connection up at once. */
	for (i = 0; i < n; i++) {
		if (!tcp_prepare(eng, rx[i].m, &rx[i].ip, &segs[j], &keys[j]))
			continue;
		rx[j].m = rx[i].m;
		rx[j].iface = rx[i].iface;
		kp[j] = &keys[j];
		j++;
	}
	if (j == 0)
		return;
	pmt_sockt_lookup_bulk(eng->tcp.table, kp, j, tcbs);
	te->out_defer = true;
	for (i = 0; i < j; i++)
		tcp_dispatch(eng, rx[i].iface, rx[i].m, &segs[i], &keys[i],
			     tcbs[i]);
	te->out_defer = false;
	/* TCBs are freed only at the end of the turn (tcp_tcb.c): every
	 * entry is still one, though it may have closed since. */
	for (i = 0; i < te->out_n; i++) {
		struct pmt_tcb *tcb = te->out_q[i];

		tcb->flags &= ~(uint32_t)PMT_TF_OUTQ;
		if (tcb->state == PMT_TCPS_CLOSED)
			continue;
		if (ack_may_wait(tcb) && te->late_n < RTE_DIM(te->late_q)) {
			tcb->flags |= PMT_TF_LATEQ;
			te->late_q[te->late_n++] = tcb;
			continue;
		}
		pmt_tcp_output(tcb);
	}
	te->out_n = 0;
}

void
pmt_tcp_flush_late(struct pmt_engine *eng)
{
	struct pmt_tcp_engine *te = &eng->tcp;
	unsigned int i;

	for (i = 0; i < te->late_n; i++) {
		struct pmt_tcb *tcb = te->late_q[i];

		if (tcb == NULL)
			continue;	/* freed meanwhile (tcb_put) */
		tcb->flags &= ~(uint32_t)PMT_TF_LATEQ;
		if (tcb->state != PMT_TCPS_CLOSED)
			pmt_tcp_output(tcb);
	}
	te->late_n = 0;
}

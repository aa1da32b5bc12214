/* tcp_output.c: the only place segments are built: what to send now, the zero-copy segmenter, bare replies. */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "engine/pmt_engine.h"
#include "net/pmt_net.h"
#include "tcp/pmt_tcp.h"

/*
 * tcp_output() decides, tcp_send_segment() builds. A data segment is a
 * header mbuf (IP + TCP, Ethernet prepended later) chained to indirect
 * mbufs attached to the send queue's mbufs and windowed onto the bytes
 * [off, off + len) from SND.UNA: no payload byte is copied, and a
 * retransmission cuts again from the same queue.
 */

uint16_t
pmt_tcp_mss_of(const struct pmt_engine *eng, uint16_t iface)
{
	/* RFC 9293 3.7.1: MTU minus the fixed IP and TCP headers. */
	return (uint16_t)(eng->stack->ifaces[iface].mtu - 40);
}

uint32_t
pmt_tcp_rcv_space(const struct pmt_tcb *tcb)
{
	uint32_t used = tcb->rcv_q_len + tcb->ooo_len;

	return tcb->rcv_buf > used ? tcb->rcv_buf - used : 0;
}

uint32_t
pmt_tcp_ts_now(const struct pmt_tcb *tcb)
{
	/* RFC 7323 5.4: a 1 ms clock with a per-connection offset. */
	return (uint32_t)(pmt_tcb_eng(tcb)->now / 1000) + tcb->ts_offset;
}

/* The window to advertise now, in bytes, and the field that carries it. */
static uint16_t
rcv_window(struct pmt_tcb *tcb, bool syn, uint32_t *adv)
{
	uint32_t space = pmt_tcp_rcv_space(tcb);
	uint8_t shift = syn ? 0 : tcb->rcv_wscale;
	uint32_t max = (uint32_t)UINT16_MAX << shift;

	/* RFC 1122 4.2.3.3: no window a sliver wide (receiver SWS). */
	if (space < tcb->rcv_buf / 4 && space < tcb->t_maxseg)
		space = 0;
	if (space > max)
		space = max;
	/* RFC 9293 3.8.6.2.2: never take back window already offered. */
	if (!syn && pmt_seq_lt(tcb->rcv_nxt + space, tcb->rcv_adv))
		space = tcb->rcv_adv - tcb->rcv_nxt;
	space = (space >> shift) << shift;
	*adv = tcb->rcv_nxt + space;
	return (uint16_t)(space >> shift);
}

struct rte_mbuf *
pmt_mbuf_window(struct rte_mempool *pool, struct rte_mbuf *src, uint64_t off,
		uint64_t len)
{
	struct rte_mbuf *s = src, *head = NULL, *last = NULL;
	uint64_t pos = 0;

	while (s != NULL && pos + s->data_len <= off) {
		pos += s->data_len;
		s = s->next;
	}
	while (len > 0) {
		struct rte_mbuf *mi;
		uint64_t skip;
		uint16_t n;

		if (s == NULL) {
			rte_errno = EINVAL;	/* asked past the chain */
			goto fail;
		}
		skip = off - pos;
		n = (uint16_t)RTE_MIN((uint64_t)s->data_len - skip, len);
		mi = rte_pktmbuf_alloc(pool);
		if (mi == NULL) {
			rte_errno = ENOBUFS;
			goto fail;
		}
		rte_pktmbuf_attach(mi, s);
		mi->data_off = (uint16_t)(mi->data_off + skip);
		mi->data_len = n;
		mi->pkt_len = n;
		if (head == NULL) {
			head = mi;
		} else {
			last->next = mi;
			head->nb_segs++;
			head->pkt_len += n;
		}
		last = mi;
		off += n;
		len -= n;
		pos += s->data_len;
		s = s->next;
	}
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

/*
 * The send-queue mbuf holding byte @off (from SND.UNA), its first byte's
 * offset in @pos: from the ext's cursor when it is at or before @off
 * (new segments go out in order, so that is one or two steps), else
 * from the head. NULL past the queue's end.
 */
static struct rte_mbuf *
sndq_seek(struct pmt_tcb *tcb, uint32_t off, uint32_t *pos)
{
	struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);
	struct rte_mbuf *s = tcb->snd_head;
	uint32_t p = 0;

	if (x != NULL && x->snd_cur != NULL && x->snd_cur_off <= off) {
		s = x->snd_cur;
		p = x->snd_cur_off;
	}
	while (s != NULL && p + s->data_len <= off) {
		p += s->data_len;
		s = s->next;
	}
	/* Only forward: a retransmission low in the window must not send
	 * the next new segment back on the long walk. */
	if (x != NULL && s != NULL &&
	    (x->snd_cur == NULL || p >= x->snd_cur_off)) {
		x->snd_cur = s;
		x->snd_cur_off = p;
	}
	*pos = p;
	return s;
}

/* Chain indirect mbufs windowing bytes [off, off + len) of the send queue. */
static int
attach_payload(struct pmt_tcb *tcb, struct rte_mbuf *hdr, uint32_t off,
	       uint32_t len)
{
	uint32_t pos;
	struct rte_mbuf *s = sndq_seek(tcb, off, &pos);
	struct rte_mbuf *chain;

	if (s == NULL)
		return -EINVAL;	/* asked past the queue */
	chain = pmt_mbuf_window(pmt_tcb_eng(tcb)->tcp.clone_pool, s, off - pos, len);

	if (chain == NULL)
		return -rte_errno;
	hdr->next = chain;
	hdr->nb_segs = (uint16_t)(hdr->nb_segs + chain->nb_segs);
	hdr->pkt_len += chain->pkt_len;
	return 0;
}

/*
 * Payloads up to this many bytes are copied behind the headers instead
 * of attached: a short answer (an HTTP response, a request) then leaves
 * as one mbuf, with one allocation instead of two or three, no
 * reference-count updates on the send queue and a checksum over one
 * piece. Past it, zero copy wins.
 */
#define TX_COPY_MAX 256

/* Copy bytes [off, off + len) of the send queue behind @hdr's headers. */
static int
copy_payload(struct pmt_tcb *tcb, struct rte_mbuf *hdr, uint32_t off,
	     uint32_t len)
{
	uint32_t pos;
	struct rte_mbuf *s = sndq_seek(tcb, off, &pos);
	char *dst;

	if (s == NULL)
		return -EINVAL;	/* asked past the queue */
	dst = rte_pktmbuf_append(hdr, (uint16_t)len);
	if (dst == NULL)
		return -ENOBUFS;
	off -= pos;
	while (len > 0) {
		uint32_t n;

		if (s == NULL)
			return -EINVAL;
		n = RTE_MIN((uint32_t)s->data_len - off, len);
		rte_memcpy(dst, rte_pktmbuf_mtod_offset(s, char *, off), n);
		dst += n;
		len -= n;
		off = 0;
		s = s->next;
	}
	return 0;
}

/* A SACK block of the out-of-order queue, with its newest segment's stamp. */
struct sack_run {
	uint32_t left;
	uint32_t right;
	uint32_t stamp;
};

/*
 * RFC 2018 4: the SACK blocks of an ACK. "The first SACK block ... MUST
 * specify the contiguous block of data containing the segment which
 * triggered this ACK", the others the most recent ones: blocks of the
 * out-of-order queue ordered by the arrival of their newest segment. A
 * D-SACK goes first (RFC 2883 4), and the block holding the duplicate,
 * if it lies above RCV.NXT, second. As many as fit: 3 beside
 * timestamps, 4 without (RFC 2018 3). Built from the queue each time,
 * so no block outlives the data it reports.
 */
static void
fill_sack(struct pmt_tcb *tcb, struct pmt_tcp_out_opts *o)
{
	struct pmt_tcp_engine *te = &pmt_tcb_eng(tcb)->tcp;
	uint32_t fit = (o->opts & PMT_TO_TS) ? 3 : PMT_TCP_MAX_SACK;
	bool dsack = te->dsack.tcb == tcb;
	struct sack_run top[PMT_TCP_MAX_SACK], run;
	const struct rte_mbuf *m = tcb->ooo_head;
	uint32_t n = 0, ntop = 0, i, j;

	o->n_sack = 0;
	if (dsack) {
		o->sack[n].left = te->dsack.left;
		o->sack[n].right = te->dsack.right;
		n++;
		te->dsack.tcb = NULL;	/* reported once (RFC 2883 4) */
		PMT_STAT_INC(pmt_tcb_eng(tcb), tcp_rx_dsack_sent);
	}
	while (m != NULL) {
		run.left = PMT_OOO_SEQ(m);
		run.right = run.left;
		run.stamp = PMT_OOO_STAMP(m);
		do {
			run.right += rte_pktmbuf_data_len(m) +
				(PMT_OOO_FIN(m) ? 1 : 0);
			if (pmt_ooo_stamp_newer(PMT_OOO_STAMP(m), run.stamp))
				run.stamp = PMT_OOO_STAMP(m);
			m = m->next;
		} while (m != NULL && PMT_OOO_SEQ(m) == run.right);
		if (dsack && pmt_seq_geq(te->dsack.left, run.left) &&
		    pmt_seq_leq(te->dsack.right, run.right)) {
			o->sack[n].left = run.left;
			o->sack[n].right = run.right;
			n++;
			continue;
		}
		/* Insertion into the few newest: the list is at most 4 long. */
		for (i = 0; i < ntop; i++)
			if (pmt_ooo_stamp_newer(run.stamp, top[i].stamp))
				break;
		if (i >= fit)
			continue;
		if (ntop < fit)
			ntop++;
		for (j = ntop - 1; j > i; j--)
			top[j] = top[j - 1];
		top[i] = run;
	}
	for (i = 0; i < ntop && n < fit; i++) {
		o->sack[n].left = top[i].left;
		o->sack[n].right = top[i].right;
		n++;
	}
	if (n > 0) {
		o->opts |= PMT_TO_SACK;
		o->n_sack = (uint8_t)n;
		PMT_STAT_ADD(pmt_tcb_eng(tcb), tcp_tx_sack_blocks, n);
	}
}

static void
fill_options(struct pmt_tcb *tcb, uint8_t flags, struct pmt_tcp_out_opts *o)
{
	o->opts = 0;
	if (flags & PMT_TH_SYN) {
		bool active = tcb->state == PMT_TCPS_SYN_SENT;

		o->opts |= PMT_TO_MSS;
		o->mss = pmt_tcp_mss_of(pmt_tcb_eng(tcb), tcb->iface);
		/* A passive open answers only what the peer offered. */
		if (active || (tcb->flags & PMT_TF_WS)) {
			o->opts |= PMT_TO_WSCALE;
			o->wscale = tcb->rcv_wscale;
		}
		if ((active && pmt_tcb_eng(tcb)->stack->cfg.tcp_sack) ||
		    (tcb->flags & PMT_TF_SACK_PERMIT))
			o->opts |= PMT_TO_SACK_PERM;
		if (active || (tcb->flags & PMT_TF_TS))
			o->opts |= PMT_TO_TS;
	} else if (tcb->flags & PMT_TF_TS) {
		o->opts |= PMT_TO_TS;
	}
	if (o->opts & PMT_TO_TS) {
		o->tsval = pmt_tcp_ts_now(tcb);
		/* RFC 7323 3.2: TSecr is 0 unless ACK is set. */
		o->tsecr = (flags & PMT_TH_ACK) ? tcb->ts_recent : 0;
	}
	if ((tcb->flags & PMT_TF_SACK_PERMIT) &&
	    (flags & (PMT_TH_ACK | PMT_TH_SYN | PMT_TH_RST)) == PMT_TH_ACK &&
	    (tcb->ooo_head != NULL || pmt_tcb_eng(tcb)->tcp.dsack.tcb == tcb))
		fill_sack(tcb, o);
}

/*
 * A piece of odd length before the last one makes the next piece's
 * words byte-swapped in the sum. DPDK 22.11 gets that wrong (its
 * rte_raw_cksum_mbuf() and net_tap's software offload swap a sum before
 * reducing it), and the peer drops the segment: we sum such chains.
 */
static bool
chain_has_odd_piece(const struct rte_mbuf *m)
{
	for (; m->next != NULL; m = m->next)
		if (m->data_len & 1)
			return true;
	return false;
}

/* Put IP header and checksum on a segment and hand it to IP output. */
static void
finish_and_send(struct pmt_engine *eng, uint16_t iface, struct rte_mbuf *m,
		const struct pmt_flow_key *k, uint16_t tcp_hlen)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint32_t tcp_len = m->pkt_len - sizeof(*ip);

	pmt_ipv4_build(ip, k->laddr, k->raddr, IPPROTO_TCP, (uint16_t)tcp_len,
		       eng->ip_id++);
	m->l3_len = sizeof(*ip);
	m->l4_len = tcp_hlen;
	th->cksum = 0;
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
		/* TSO: the port fills in lengths and sums per segment. */
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else if (eng->stack->ifaces[iface].tx_tcp_cksum &&
		   !chain_has_odd_piece(m)) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else if (m->nb_segs == 1) {
		th->cksum = pmt_tcp_cksum(ip, th, tcp_len);
	} else {
		th->cksum = pmt_tcp_cksum_mbuf(ip, m, sizeof(*ip));
	}
	PMT_STAT_INC(eng, tcp_tx_segs);
	pmt_ipv4_output(eng, m, k->raddr);
}

static int
tcp_send_segment(struct pmt_tcb *tcb, uint32_t seq, uint32_t off,
		 uint32_t len, uint8_t flags)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	struct pmt_tcp_out_opts o;
	struct rte_mbuf *m;
	uint16_t olen, hlen, win;
	uint32_t adv;
	char *p;

	m = rte_pktmbuf_alloc(eng->pool);
	if (m == NULL) {
		PMT_STAT_INC(eng, tcp_tx_no_mbuf);
		return -ENOBUFS;
	}
	fill_options(tcb, flags, &o);
	olen = pmt_tcp_opts_len(&o);
	p = rte_pktmbuf_append(m, (uint16_t)(sizeof(struct rte_ipv4_hdr) +
					     sizeof(struct rte_tcp_hdr) + olen));
	win = rcv_window(tcb, (flags & PMT_TH_SYN) != 0, &adv);
	hlen = pmt_tcp_build(p + sizeof(struct rte_ipv4_hdr),
			     rte_be_to_cpu_16(tcb->key.lport),
			     rte_be_to_cpu_16(tcb->key.rport), seq,
			     (flags & PMT_TH_ACK) ? tcb->rcv_nxt : 0, flags,
			     win, &o);
	if (len > 0) {
		int ret = len <= TX_COPY_MAX ? copy_payload(tcb, m, off, len) :
			  attach_payload(tcb, m, off, len);

		if (ret != 0) {
			PMT_STAT_INC(eng, tcp_tx_no_mbuf);
			rte_pktmbuf_free(m);
			return ret;
		}
		if (len > tcb->t_maxseg) {
			/*
			 * One frame the port cuts at the MSS. Ports sum
			 * odd pieces wrongly (see chain_has_odd_piece):
			 * the caller sends those one MSS at a time.
			 */
			if (chain_has_odd_piece(m)) {
				rte_pktmbuf_free(m);
				return -EAGAIN;
			}
			m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
			m->tso_segsz = tcb->t_maxseg;
			m->l2_len = RTE_ETHER_HDR_LEN;
			PMT_STAT_INC(eng, tcp_tx_tso_frames);
		}
		PMT_STAT_INC(eng, tcp_tx_data_segs);
	}
	if (flags & PMT_TH_ACK) {
		if (pmt_seq_gt(adv, tcb->rcv_adv))
			tcb->rcv_adv = adv;
		/* This segment carries the ACK we owed. */
		tcb->flags &= ~(uint32_t)(PMT_TF_ACKNOW | PMT_TF_DELACK);
		pmt_tcp_timer_cancel(tcb, PMT_TCPT_DELACK);
	}
	finish_and_send(eng, tcb->iface, m, &tcb->key, hlen);
	return 0;
}

/* One decision of RFC 9293 3.10 SEND / 3.8.6: returns 1 if data went out. */
static int
output_one(struct pmt_tcb *tcb, bool force)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	uint32_t off = tcb->snd_nxt - tcb->snd_una;
	uint32_t data = tcb->snd_q_len, win, len = 0, mss = tcb->t_maxseg;
	uint32_t tso_max = mss, sack_lim = 0, sack_credit = 0;
	uint8_t flags = PMT_TH_ACK;
	bool syn = false, fin = false, idle, send = false, new_data;
	uint32_t seq;
	int ret;

	switch (tcb->state) {
	case PMT_TCPS_CLOSED:
	case PMT_TCPS_LISTEN:
		return 0;
	case PMT_TCPS_SYN_SENT:
		if (tcb->snd_nxt != tcb->iss)
			return 0;
		flags = PMT_TH_SYN;
		syn = true;
		break;
	case PMT_TCPS_SYN_RECEIVED:
		if (tcb->snd_nxt == tcb->iss) {
			flags = PMT_TH_SYN | PMT_TH_ACK;
			syn = true;
		}
		break;
	default:
		break;
	}

	idle = tcb->snd_max == tcb->snd_una;
	if (pmt_seq_lt(tcb->snd_nxt, tcb->snd_max) && tcb->ext != 0 &&
	    !(tcb->flags & PMT_TF_PERSIST)) {
		/*
		 * A go-back-N after a timeout resends only what the peer
		 * does not hold (RFC 6675 5.1): past SACKed ranges, up to
		 * the next; never past the data (the FIN goes again).
		 */
		const struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);
		uint32_t lim, nxt = pmt_sack_skip(&x->sb, tcb->snd_nxt, &lim);

		if (pmt_seq_gt(nxt, tcb->snd_una + data))
			nxt = tcb->snd_una + data;
		if (nxt != tcb->snd_nxt) {
			PMT_STAT_ADD(eng, tcp_tx_rexmit_skipped,
				     nxt - tcb->snd_nxt);
			tcb->snd_nxt = nxt;
			off = nxt - tcb->snd_una;
		}
		if (pmt_seq_gt(lim, nxt))
			sack_lim = lim - nxt;
		/* cwnd bounds what is in flight (RFC 6675 5.1: pipe):
		 * bytes the peer holds below SND.NXT are not. */
		sack_credit = pmt_sack_below(&x->sb, nxt);
	}
	/* Up to 44 segments per frame: under 64 KiB with headers. */
	if (eng->stack->ifaces[tcb->iface].tso &&
	    !(tcb->flags & PMT_TF_PERSIST))
		tso_max = mss * RTE_MIN(44u, 62000u / mss);
	win = RTE_MIN(tcb->snd_wnd,
		      (uint32_t)RTE_MIN((uint64_t)tcb->cwnd + sack_credit,
					(uint64_t)UINT32_MAX));
	if (!syn && PMT_TCPS_HAVE_ESTABLISHED(tcb->state)) {
		if (tcb->snd_wnd == 0 && data > 0) {
			/*
			 * Zero window: go back to SND.UNA (a probe byte may
			 * be out) and let the persist timer probe.
			 */
			tcb->snd_nxt = tcb->snd_una;
			off = 0;
			if (!(tcb->flags & PMT_TF_PERSIST)) {
				tcb->flags |= PMT_TF_PERSIST;
				tcb->rxtshift = 0;
				tcb->probes = 0;
				pmt_tcp_timer_arm(tcb, PMT_TCPT_REXMT,
						  pmt_tcp_rto_backoff(tcb));
			}
		}
		if (RTE_MIN(data, win) > off)
			len = RTE_MIN(data, win) - off;
		if (sack_lim != 0 && len > sack_lim)
			len = sack_lim;
		if (len > tso_max) {
			len = tso_max;
		} else if (len > mss && tso_max > mss && off + len < data) {
			/* The partial tail goes by the Nagle rules below. */
			len -= len % mss;
		}
		/*
		 * Our FIN rides on the segment that ends the data, until
		 * it is acknowledged (the states that follow those three).
		 */
		if ((tcb->flags & PMT_TF_FIN_QUEUED) &&
		    (tcb->state == PMT_TCPS_FIN_WAIT_1 ||
		     tcb->state == PMT_TCPS_CLOSING ||
		     tcb->state == PMT_TCPS_LAST_ACK) &&
		    tcb->snd_nxt + len == tcb->snd_una + data)
			fin = true;
	}

	if (syn || fin)
		send = true;
	if (len > 0) {
		bool all = off + len >= data;

		if (len >= mss)
			send = true;
		/* Nagle (RFC 896, RFC 1122 4.2.3.4): small segments only
		 * when nothing is outstanding, unless NODELAY; never while
		 * corked. The flush timer overrides both. */
		else if (all && !(tcb->flags & (PMT_TF_MORE | PMT_TF_CORK)) &&
			 (idle || (tcb->flags & PMT_TF_NODELAY)))
			send = true;
		else if (force)
			send = true;
		/* Sender SWS avoidance: half the peer's largest window. */
		else if (tcb->max_sndwnd && len >= tcb->max_sndwnd / 2)
			send = true;
		else if (pmt_seq_lt(tcb->snd_nxt, tcb->snd_max))
			send = true;
	}
	/*
	 * A window update alone only after a read that may matter to the
	 * peer (pmt_recv, socket.c's after_read()): only reads open the
	 * window. Input-driven output has its ACK rules; and after the
	 * handshake, where the window grows from the SYN's unscaled 65535
	 * to the buffer, an update would be one more segment on every
	 * connection for nothing (the peer's first flight is far below
	 * 64 KiB, and the ACKs of its data carry the larger window).
	 * Linux too updates the window from the read path only.
	 */
	if (!send && eng->tcp.after_read &&
	    PMT_TCPS_HAVE_ESTABLISHED(tcb->state) &&
	    !PMT_TCPS_HAVE_RCVD_FIN(tcb->state)) {
		/* A window update worth sending (RFC 1122 4.2.3.3), of
		 * what the field can carry: unscaled, 64 KiB at most. */
		uint32_t adv = tcb->rcv_nxt +
			RTE_MIN(pmt_tcp_rcv_space(tcb),
				(uint32_t)UINT16_MAX << tcb->rcv_wscale);
		uint32_t inc = pmt_seq_gt(adv, tcb->rcv_adv) ?
			adv - tcb->rcv_adv : 0;

		if (inc >= 2 * mss || 2 * inc >= tcb->rcv_buf)
			send = true;
	}
	if (tcb->flags & PMT_TF_ACKNOW)
		send = true;
	if (!send) {
		/* Held by Nagle or cork: the flush timer bounds the wait. */
		if (len > 0 && !pmt_tcp_timer_on(tcb, PMT_TCPT_FLUSH))
			pmt_tcp_timer_arm(tcb, PMT_TCPT_FLUSH,
					  eng->stack->cfg.tcp_flush_us);
		return 0;
	}

	seq = tcb->snd_nxt;
	if (fin)
		flags |= PMT_TH_FIN;
	if (len > 0 && off + len == data)
		flags |= PMT_TH_PSH;
	ret = tcp_send_segment(tcb, seq, off, len, flags);
	if (ret == -EAGAIN && len > mss) {
		/* Odd pieces: this frame goes as one segment. */
		len = mss;
		flags &= (uint8_t)~(PMT_TH_FIN | PMT_TH_PSH);
		fin = false;
		ret = tcp_send_segment(tcb, seq, off, len, flags);
	}
	if (ret != 0) {
		/* Out of mbufs: a timer brings us back. */
		if (!pmt_tcp_timer_on(tcb, PMT_TCPT_REXMT))
			pmt_tcp_timer_arm(tcb, PMT_TCPT_REXMT, tcb->rto);
		return 0;
	}
	/*
	 * Retransmissions: data, and a SYN or FIN sent again, all count.
	 * Those of the go-back-N after an RTO count as such too (fast
	 * retransmits go from tcp_input.c; the rest are handshake
	 * repeats and data behind a window that had closed).
	 */
	if ((len > 0 || syn || fin) && pmt_seq_lt(seq, tcb->snd_max)) {
		PMT_STAT_INC(eng, tcp_tx_rexmit_segs);
		/* Below recover outside fast recovery: an RTO's go-back-N. */
		if (pmt_seq_lt(seq, tcb->recover) &&
		    !(tcb->flags & PMT_TF_IN_RECOVERY))
			PMT_STAT_INC(eng, tcp_tx_rexmit_rto);
		PMT_STAT_ADD(eng, tcp_tx_rexmit_bytes, len);
	}
	tcb->snd_nxt += len + (syn ? 1 : 0) + (fin ? 1 : 0);
	new_data = len > 0 && pmt_seq_gt(tcb->snd_nxt, tcb->snd_max);
	if (fin)
		tcb->flags |= PMT_TF_FIN_SENT;
	if (pmt_seq_gt(tcb->snd_nxt, tcb->snd_max)) {
		/*
		 * RFC 6298 / Karn: time one new segment per RTT, from its
		 * first new byte (a segment may start with bytes sent
		 * before); not while an RTO's Eifel state holds rttime.
		 */
		if (!(tcb->flags & (PMT_TF_RTT_TIMING | PMT_TF_EIFEL))) {
			tcb->flags |= PMT_TF_RTT_TIMING;
			tcb->rtseq = pmt_seq_lt(seq, tcb->snd_max) ?
				tcb->snd_max : seq;
			tcb->rttime = (uint32_t)eng->now;
		}
		tcb->snd_max = tcb->snd_nxt;
	}
	if ((len > 0 || syn || fin) && !pmt_tcp_timer_on(tcb, PMT_TCPT_REXMT)) {
		/* RFC 6298 5.1 (or the PTO in its place, RFC 8985 7.2). */
		tcb->flags &= ~(uint32_t)PMT_TF_PERSIST;
		pmt_tcp_timer_rexmt(tcb, pmt_tcp_rto_backoff(tcb));
	} else if (new_data && (tcb->flags & PMT_TF_PTO)) {
		/* RFC 8985 7.2: new data restarts the PTO. */
		pmt_tcp_timer_rexmt(tcb, tcb->rto);
	} else if (new_data) {
		pmt_tcp_timer_pto_sooner(tcb);
	}
	if (len > 0)
		pmt_tcp_timer_cancel(tcb, PMT_TCPT_FLUSH);
	return len > 0 ? 1 : 0;
}

static int
tcp_output(struct pmt_tcb *tcb, bool force)
{
	/* Bounded: each pass sends one segment of the queue. */
	while (output_one(tcb, force) > 0)
		;
	return 0;
}

int
pmt_tcp_output(struct pmt_tcb *tcb)
{
	return tcp_output(tcb, false);
}

void
pmt_tcp_output_flush(struct pmt_tcb *tcb)
{
	tcp_output(tcb, true);
}

void
pmt_tcp_output_probe(struct pmt_tcb *tcb)
{
	if (tcb->snd_q_len > 0 && tcb->snd_wnd == 0) {
		/* RFC 9293 3.8.6.1: one byte at SND.UNA, past the window. */
		if (tcp_send_segment(tcb, tcb->snd_una, 0, 1, PMT_TH_ACK) != 0)
			return;
		if (pmt_seq_lt(tcb->snd_nxt, tcb->snd_una + 1))
			tcb->snd_nxt = tcb->snd_una + 1;
		if (pmt_seq_lt(tcb->snd_max, tcb->snd_nxt))
			tcb->snd_max = tcb->snd_nxt;
		return;
	}
	tcb->flags |= PMT_TF_ACKNOW;
	pmt_tcp_output(tcb);
}

void
pmt_tcp_respond_tcb(struct pmt_tcb *tcb, uint32_t seq, uint8_t flags)
{
	tcp_send_segment(tcb, seq, 0, 0, flags);
}

void
pmt_tcp_respond_opts(struct pmt_engine *eng, const struct pmt_flow_key *k,
		     uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
		     const struct pmt_tcp_out_opts *o)
{
	uint16_t olen = pmt_tcp_opts_len(o);
	struct rte_mbuf *m;
	uint32_t nh, src;
	uint16_t iface;
	char *p;

	if (pmt_route(eng, k->raddr, k->laddr, &iface, &nh, &src) != 0) {
		PMT_STAT_INC(eng, ip_tx_no_route);
		return;
	}
	m = rte_pktmbuf_alloc(eng->pool);
	if (m == NULL) {
		PMT_STAT_INC(eng, tcp_tx_no_mbuf);
		return;
	}
	p = rte_pktmbuf_append(m, (uint16_t)(sizeof(struct rte_ipv4_hdr) +
					     sizeof(struct rte_tcp_hdr) + olen));
	pmt_tcp_build(p + sizeof(struct rte_ipv4_hdr),
		      rte_be_to_cpu_16(k->lport), rte_be_to_cpu_16(k->rport),
		      seq, ack, flags, wnd, o);
	if (flags & PMT_TH_RST)
		PMT_STAT_INC(eng, tcp_tx_rst);
	finish_and_send(eng, iface, m, k,
			(uint16_t)(sizeof(struct rte_tcp_hdr) + olen));
}

void
pmt_tcp_respond(struct pmt_engine *eng, const struct pmt_flow_key *k,
		uint32_t seq, uint32_t ack, uint8_t flags)
{
	pmt_tcp_respond_opts(eng, k, seq, ack, flags, 0, NULL);
}

void
pmt_tcp_send_data(struct pmt_tcb *tcb, uint32_t seq, uint32_t off,
		  uint32_t len)
{
	uint8_t flags = PMT_TH_ACK;

	if (off + len == tcb->snd_q_len)
		flags |= PMT_TH_PSH;
	tcp_send_segment(tcb, seq, off, len, flags);
}

void
pmt_tcp_sndq_drop(struct pmt_tcb *tcb, uint32_t n)
{
	struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);
	struct rte_mbuf *m;

	if (x != NULL && x->snd_cur != NULL) {
		/* Offsets move down by n; a cursor on a freed mbuf goes, one
		 * on the trimmed head stays at 0. */
		if (x->snd_cur_off >= n)
			x->snd_cur_off -= n;
		else if (x->snd_cur_off + x->snd_cur->data_len > n)
			x->snd_cur_off = 0;
		else
			x->snd_cur = NULL;
	}
	tcb->snd_q_len -= n;
	while (n > 0 && (m = tcb->snd_head) != NULL) {
		if (m->data_len > n) {
			/* Clones in flight keep their own window on the data. */
			m->data_off = (uint16_t)(m->data_off + n);
			m->data_len = (uint16_t)(m->data_len - n);
			return;
		}
		n -= m->data_len;
		tcb->snd_head = m->next;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
	}
	if (tcb->snd_head == NULL)
		tcb->snd_tail = NULL;
}

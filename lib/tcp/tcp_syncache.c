/* tcp_syncache.c: half-open passive connections: the syncache of compact entries, SYN-ACK retransmission, SYN cookies (RFC 4987). */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_jhash.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "engine/pmt_engine.h"
#include "tcp/pmt_tcp.h"

/*
 * RFC 4987 (TCP SYN flooding attacks and common mitigations) 3.2-3.3,
 * as FreeBSD's tcp_syncache.c does it: a SYN for a listener costs one
 * 64-byte entry here and a SYN-ACK, never a TCB; the third segment of
 * the handshake makes the TCB, straight into the accept queue. When
 * the cache (or the entry's hash bucket) is full, the SYN-ACK carries
 * a SYN cookie instead and nothing is kept at all: a flood then costs
 * us one hash per SYN and no memory.
 *
 * Entries live in one array sized at start (tcp-syncache-entries),
 * chained per hash bucket (at most PMT_SYNCACHE_BUCKET_LIMIT deep) and
 * on one FIFO per retransmission level (see pmt_tcp_syncache.h). A
 * listener's backlog counts completed connections only, as Linux's
 * does: half-open ones are bounded here, not there.
 */

#define NIL 0u

static inline struct pmt_syncache_entry *
ent(struct pmt_syncache *sc, uint32_t i)
{
	return &sc->ent[i - 1];
}

static inline uint32_t
idx_of(const struct pmt_syncache *sc, const struct pmt_syncache_entry *e)
{
	return (uint32_t)(e - sc->ent) + 1;
}

static inline uint32_t
bucket_of(const struct pmt_syncache *sc, const struct pmt_flow_key *k)
{
	uint32_t ports = (uint32_t)k->lport << 16 | k->rport;

	return rte_jhash_3words(k->laddr, k->raddr, ports, sc->seed) & sc->mask;
}

static inline bool
key_eq(const struct pmt_flow_key *a, const struct pmt_flow_key *b)
{
	return a->laddr == b->laddr && a->raddr == b->raddr &&
		a->lport == b->lport && a->rport == b->rport;
}

int
pmt_syncache_init(struct pmt_engine *eng)
{
	const struct pmt_config *cfg = &eng->stack->cfg;
	struct pmt_syncache *sc = &eng->tcp.syncache;
	int socket = (int)rte_lcore_to_socket_id(eng->lcore_id);
	uint32_t i, nb = 16;

	memset(sc, 0, sizeof(*sc));
	sc->cap = cfg->tcp_syncache_entries;
	sc->retries = (uint8_t)RTE_MIN(cfg->tcp_syncache_retries,
				       (unsigned int)PMT_SYNCACHE_MAX_RETRIES);
	sc->cookies = (uint8_t)cfg->tcp_syncookies;
	/* Two entries a bucket on average; PMT_SYNCACHE_BUCKET_LIMIT at most. */
	while (nb < sc->cap / 2)
		nb <<= 1;
	sc->mask = nb - 1;
	sc->seed = (uint32_t)rte_rand();
	sc->ent = rte_zmalloc_socket("pmt_syncache",
				     (size_t)sc->cap * sizeof(*sc->ent),
				     RTE_CACHE_LINE_SIZE, socket);
	sc->bucket = rte_zmalloc_socket("pmt_syncache_b",
					(size_t)nb * sizeof(*sc->bucket),
					RTE_CACHE_LINE_SIZE, socket);
	if (sc->ent == NULL || sc->bucket == NULL) {
		RTE_LOG(ERR, USER1,
			"pmtcp: engine %u: no memory for %u syncache entries\n",
			eng->idx, sc->cap);
		pmt_syncache_fini(eng);
		return -ENOMEM;
	}
	for (i = sc->cap; i > 0; i--) {
		ent(sc, i)->hnext = sc->free_head;
		sc->free_head = i;
	}
	return 0;
}

void
pmt_syncache_fini(struct pmt_engine *eng)
{
	struct pmt_syncache *sc = &eng->tcp.syncache;

	/* Entries hold nothing but their slot: the arrays go whole. */
	rte_free(sc->ent);
	rte_free(sc->bucket);
	memset(sc, 0, sizeof(*sc));
}

uint32_t
pmt_syncache_in_use(const struct pmt_engine *eng)
{
	return eng->tcp.syncache.n;
}

/* The entry of @k in bucket @b, and how many the bucket chains. */
static struct pmt_syncache_entry *
lookup(struct pmt_syncache *sc, const struct pmt_flow_key *k, uint32_t b,
       unsigned int *depth)
{
	unsigned int d = 0;
	uint32_t i;

	for (i = sc->bucket[b]; i != NIL; i = ent(sc, i)->hnext, d++)
		if (key_eq(&ent(sc, i)->key, k)) {
			if (depth != NULL)
				*depth = d;
			return ent(sc, i);
		}
	if (depth != NULL)
		*depth = d;
	return NULL;
}

static void
fifo_append(struct pmt_syncache *sc, struct pmt_syncache_entry *e)
{
	struct pmt_syncache_fifo *f = &sc->fifo[e->rexmits];
	uint32_t i = idx_of(sc, e);

	e->fnext = NIL;
	e->fprev = f->tail;
	if (f->tail != NIL)
		ent(sc, f->tail)->fnext = i;
	else
		f->head = i;
	f->tail = i;
}

static void
fifo_unlink(struct pmt_syncache *sc, struct pmt_syncache_entry *e)
{
	struct pmt_syncache_fifo *f = &sc->fifo[e->rexmits];

	if (e->fprev != NIL)
		ent(sc, e->fprev)->fnext = e->fnext;
	else
		f->head = e->fnext;
	if (e->fnext != NIL)
		ent(sc, e->fnext)->fprev = e->fprev;
	else
		f->tail = e->fprev;
	e->fnext = e->fprev = NIL;
}

static void
entry_remove(struct pmt_engine *eng, struct pmt_syncache_entry *e)
{
	struct pmt_syncache *sc = &eng->tcp.syncache;
	uint32_t i = idx_of(sc, e), *pp = &sc->bucket[bucket_of(sc, &e->key)];

	while (*pp != NIL && *pp != i)
		pp = &ent(sc, *pp)->hnext;
	if (*pp == i)
		*pp = e->hnext;
	fifo_unlink(sc, e);
	e->listener = NULL;
	e->hnext = sc->free_head;
	sc->free_head = i;
	sc->n--;
	eng->stats.tcp_syncache_entries--;	/* a gauge */
}

/* The window a SYN-ACK offers: never scaled (RFC 7323 2.2). */
static uint16_t
synack_window(const struct pmt_tcb *l)
{
	return (uint16_t)RTE_MIN(l->rcv_buf, (uint32_t)UINT16_MAX);
}

/* Our SYN-ACK (or, @flags ACK alone, a challenge ACK) for entry @e. */
static void
entry_send(struct pmt_engine *eng, const struct pmt_syncache_entry *e,
	   uint8_t flags)
{
	struct pmt_tcp_out_opts o;

	memset(&o, 0, sizeof(o));
	if (flags & PMT_TH_SYN) {
		/* A passive open answers only what the peer offered. */
		o.opts = PMT_TO_MSS;
		o.mss = pmt_tcp_mss_of(eng, e->iface);
		if (e->flags & PMT_SC_WS) {
			o.opts |= PMT_TO_WSCALE;
			o.wscale = e->our_wscale;
		}
		if (e->flags & PMT_SC_SACK)
			o.opts |= PMT_TO_SACK_PERM;
	}
	if (e->flags & PMT_SC_TS) {
		/* RFC 7323 5.4: the TCB's clock, offset by our ISS. */
		o.opts |= PMT_TO_TS;
		o.tsval = (uint32_t)(eng->now / 1000) + e->iss;
		o.tsecr = e->ts_recent;
	}
	pmt_tcp_respond_opts(eng, &e->key, (flags & PMT_TH_SYN) ? e->iss :
			     e->iss + 1, e->irs + 1, flags,
			     synack_window(e->listener), &o);
}

/*
 * The TSval offset of a cookie's connection: a keyed hash of the pair,
 * so the ACK finds it again without state (RFC 7323 5.4 asks for a
 * per-connection offset).
 */
static uint32_t
cookie_ts_offset(const struct pmt_engine *eng, const struct pmt_flow_key *k)
{
	return pmt_tcp_isn(&eng->tcp.secret, k, 0);
}

/* Answer @seg with a SYN cookie: nothing is kept. */
static void
cookie_send(struct pmt_engine *eng, struct pmt_tcb *l, uint16_t iface,
	    const struct pmt_flow_key *k, const struct pmt_tcp_seg *seg)
{
	struct pmt_syncache *sc = &eng->tcp.syncache;
	struct pmt_tcp_out_opts o;
	uint16_t mss = 536;	/* RFC 9293 3.7.1: without the option */
	uint32_t iss;

	if (seg->opts & PMT_TO_MSS)
		mss = RTE_MAX(seg->mss, (uint16_t)64);
	iss = pmt_syncookie_make(&eng->tcp.secret, k, seg->seq,
				 pmt_syncookie_mss_index(mss), eng->now);
	memset(&o, 0, sizeof(o));
	o.opts = PMT_TO_MSS;
	o.mss = pmt_tcp_mss_of(eng, iface);
	if (seg->opts & PMT_TO_TS) {
		/*
		 * Window scale and SACK-permitted ride in the low bits of
		 * our TSval, which the peer echoes on its ACK (Linux's
		 * cookie_init_timestamp()). The TSval is taken back to
		 * the last multiple of 64 ms before those bits go in, so
		 * the connection's later TSvals never run backwards.
		 */
		uint32_t off = cookie_ts_offset(eng, k);
		uint32_t clock = (uint32_t)(eng->now / 1000) + off;
		uint32_t bits = PMT_SYNCOOKIE_TS_NO_WS, ts;

		if (seg->opts & PMT_TO_WSCALE) {
			bits = seg->wscale;
			o.opts |= PMT_TO_WSCALE;
			o.wscale = pmt_tcp_wscale_for(l->rcv_buf);
		}
		if ((seg->opts & PMT_TO_SACK_PERM) && eng->stack->cfg.tcp_sack) {
			bits |= PMT_SYNCOOKIE_TS_SACK;
			o.opts |= PMT_TO_SACK_PERM;
		}
		ts = (clock & ~PMT_SYNCOOKIE_TS_MASK) | bits;
		if (pmt_seq_gt(ts, clock))
			ts -= PMT_SYNCOOKIE_TS_MASK + 1;
		o.opts |= PMT_TO_TS;
		o.tsval = ts;
		o.tsecr = seg->tsval;
	}
	/*
	 * Without timestamps there is nowhere to keep the peer's window
	 * scale and SACK-permitted: the SYN-ACK offers neither, and the
	 * connection goes unscaled and without SACK (docs/syncache.md).
	 */
	pmt_tcp_respond_opts(eng, k, iss, seg->seq + 1, PMT_TH_SYN | PMT_TH_ACK,
			     synack_window(l), &o);
	PMT_STAT_INC(eng, tcp_syncookies_sent);
	sc->cookie_recent = true;
	sc->cookie_sent = eng->now;
}

void
pmt_syncache_syn(struct pmt_engine *eng, struct pmt_tcb *l, uint16_t iface,
		 const struct pmt_flow_key *k, const struct pmt_tcp_seg *seg)
{
	struct pmt_syncache *sc = &eng->tcp.syncache;
	struct pmt_syncache_entry *e;
	unsigned int depth = 0;
	uint32_t b, i;

	if (sc->cookies == 2) {
		cookie_send(eng, l, iface, k, seg);
		return;
	}
	b = bucket_of(sc, k);
	e = lookup(sc, k, b, &depth);
	if (e != NULL && e->listener == l && e->irs == seg->seq) {
		/*
		 * The peer repeats its SYN: our SYN-ACK was lost. Send it
		 * again; its retransmission schedule stays as it was.
		 */
		PMT_STAT_INC(eng, tcp_syncache_dup_syn);
		if ((e->flags & PMT_SC_TS) && (seg->opts & PMT_TO_TS))
			e->ts_recent = seg->tsval;
		/* Karn: which SYN-ACK the ACK answers is unknown now. */
		e->flags |= PMT_SC_RESENT;
		entry_send(eng, e, PMT_TH_SYN | PMT_TH_ACK);
		return;
	}
	if (e != NULL) {
		/*
		 * A SYN with another ISN (the peer started over), or for a
		 * listener that replaced the entry's: RFC 9293 3.10.7.4
		 * fourth, SYN-RECEIVED of a passive OPEN: "return this
		 * connection to the LISTEN state", where this SYN starts
		 * a new one.
		 */
		PMT_STAT_INC(eng, tcp_syncache_aborted);
		entry_remove(eng, e);
		depth = 0;
		lookup(sc, k, b, &depth);
	}
	if (sc->n == sc->cap || depth >= PMT_SYNCACHE_BUCKET_LIMIT ||
	    sc->free_head == NIL) {
		PMT_STAT_INC(eng, tcp_syncache_overflow);
		if (sc->cookies)
			cookie_send(eng, l, iface, k, seg);
		/* else dropped (counted): the peer sends its SYN again */
		return;
	}
	i = sc->free_head;
	e = ent(sc, i);
	sc->free_head = e->hnext;
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->irs = seg->seq;
	e->iss = pmt_tcp_isn(&eng->tcp.secret, k, eng->now);
	e->listener = l;
	e->iface = (uint8_t)iface;
	e->sent = eng->now;
	if (seg->opts & PMT_TO_MSS) {
		e->flags |= PMT_SC_MSS;
		e->peer_mss = seg->mss;
	}
	if (seg->opts & PMT_TO_WSCALE) {
		e->flags |= PMT_SC_WS;
		e->wscale = seg->wscale;
		e->our_wscale = pmt_tcp_wscale_for(l->rcv_buf);
	}
	if ((seg->opts & PMT_TO_SACK_PERM) && eng->stack->cfg.tcp_sack)
		e->flags |= PMT_SC_SACK;
	if (seg->opts & PMT_TO_TS) {
		e->flags |= PMT_SC_TS;
		e->ts_recent = seg->tsval;
	}
	e->hnext = sc->bucket[b];
	sc->bucket[b] = i;
	fifo_append(sc, e);
	sc->n++;
	PMT_STAT_INC(eng, tcp_syncache_added);
	PMT_STAT_INC(eng, tcp_syncache_entries);
	if (eng->stats.tcp_syncache_entries > eng->stats.tcp_syncache_peak)
		eng->stats.tcp_syncache_peak = eng->stats.tcp_syncache_entries;
	/* Data on the SYN is not taken (no TFO); the peer sends it again. */
	entry_send(eng, e, PMT_TH_SYN | PMT_TH_ACK);
}

/* What the handshake settled, from an entry or a cookie. */
struct child_params {
	uint32_t iss;
	uint32_t irs;
	uint32_t ts_offset;
	uint64_t sent;			/* our SYN-ACK, for an RTT sample */
	bool rtt_ok;			/* sent once (Karn) */
	struct pmt_tcp_seg syn;		/* the SYN's options, as it had them */
	int16_t our_wscale;		/* -1: from the listener's buffer */
};

/*
 * The TCB of a completed handshake, in SYN-RECEIVED as if it had been
 * there all along; the caller's segment takes it to ESTABLISHED.
 * NULL when no TCB or table slot is left.
 */
static struct pmt_tcb *
child_make(struct pmt_tcb *l, uint16_t iface,
	   const struct pmt_flow_key *k, const struct child_params *p)
{
	struct pmt_tcb *tcb = pmt_listen_child(l, k);

	if (tcb == NULL)
		return NULL;
	tcb->iface = (uint8_t)iface;
	tcb->irs = p->irs;
	tcb->rcv_nxt = p->irs + 1;
	tcb->rcv_adv = tcb->rcv_nxt + synack_window(l);
	pmt_tcp_syn_options(tcb, &p->syn, false);
	if ((tcb->flags & PMT_TF_WS) && p->our_wscale >= 0)
		tcb->rcv_wscale = (uint8_t)p->our_wscale;
	tcb->iss = p->iss;
	tcb->ts_offset = p->ts_offset;
	tcb->snd_una = p->iss;
	tcb->snd_nxt = tcb->snd_max = p->iss + 1;	/* our SYN went */
	tcb->snd_wl1 = p->irs;
	tcb->snd_wl2 = p->iss;
	tcb->state = PMT_TCPS_SYN_RECEIVED;
	pmt_cc_init(tcb);
	if (p->rtt_ok) {
		tcb->flags |= PMT_TF_RTT_TIMING;
		tcb->rtseq = p->iss;
		tcb->rttime = (uint32_t)p->sent;
	}
	return tcb;
}

/*
 * No TCB for a completed handshake (tcp-max-sockets reached, nothing
 * to recycle). Treated as a full accept queue is, and as Linux treats
 * both: the ACK is dropped and counted, the entry (or the cookie) stays
 * good, and the peer's next segment (its retransmitted request, or the
 * answer to our SYN-ACK retransmission) tries again when a TCB is free.
 * A RST here would fail a client at once for what is usually a moment's
 * shortage: a server that sheds idle or slow connections frees TCBs
 * within milliseconds. An entry that never gets one expires as usual.
 */
static void
no_tcb(struct pmt_engine *eng)
{
	PMT_STAT_INC(eng, tcp_listen_no_tcb);
}

/* RFC 9293 3.10.7.4 first check, for an entry: RCV.NXT = IRS + 1. */
static bool
entry_seq_ok(const struct pmt_syncache_entry *e, const struct pmt_tcp_seg *seg)
{
	uint32_t off = seg->seq - (e->irs + 1);
	uint32_t wnd = synack_window(e->listener);

	if (seg->len == 0 && !(seg->flags & PMT_TH_FIN))
		return off < wnd;
	return off < wnd ||
		seg->seq + seg->len + ((seg->flags & PMT_TH_FIN) ? 1 : 0) - 1 -
		(e->irs + 1) < wnd;
}

static struct pmt_tcb *
entry_ack(struct pmt_engine *eng, struct pmt_syncache_entry *e,
	  const struct pmt_flow_key *k, const struct pmt_tcp_seg *seg)
{
	struct pmt_tcb *l = e->listener, *tcb;
	struct child_params p;

	/* RFC 9293 3.10.7.4 fifth, SYN-RECEIVED: an ACK of something else. */
	if (seg->ack != e->iss + 1) {
		PMT_STAT_INC(eng, tcp_syncache_bad_ack);
		pmt_tcp_respond(eng, k, seg->ack, 0, PMT_TH_RST);
		return NULL;
	}
	if (!entry_seq_ok(e, seg)) {
		/* First check: unacceptable: <SEQ=SND.NXT><ACK=RCV.NXT><ACK>. */
		PMT_STAT_INC(eng, tcp_rx_unacceptable);
		entry_send(eng, e, PMT_TH_ACK);
		return NULL;
	}
	if (l->q_len >= l->backlog) {
		/*
		 * The accept queue is full: drop the ACK, keep the entry
		 * (as Linux): the peer's next segment, or our SYN-ACK
		 * retransmission and its answer, tries again.
		 */
		PMT_STAT_INC(eng, tcp_listen_overflow);
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.iss = e->iss;
	p.irs = e->irs;
	p.ts_offset = e->iss;
	p.sent = e->sent;
	p.rtt_ok = e->rexmits == 0 && !(e->flags & PMT_SC_RESENT);
	p.our_wscale = e->our_wscale;
	if (e->flags & PMT_SC_MSS) {
		p.syn.opts |= PMT_TO_MSS;
		p.syn.mss = e->peer_mss;
	}
	if (e->flags & PMT_SC_WS) {
		p.syn.opts |= PMT_TO_WSCALE;
		p.syn.wscale = e->wscale;
	}
	if (e->flags & PMT_SC_SACK)
		p.syn.opts |= PMT_TO_SACK_PERM;
	if (e->flags & PMT_SC_TS) {
		p.syn.opts |= PMT_TO_TS;
		p.syn.tsval = e->ts_recent;
	}
	tcb = child_make(l, e->iface, k, &p);
	if (tcb == NULL) {
		no_tcb(eng);
		return NULL;
	}
	entry_remove(eng, e);
	PMT_STAT_INC(eng, tcp_syncache_completed);
	return tcb;
}

/* May an ACK without an entry be a cookie's? Only while we sent some. */
static bool
cookies_live(const struct pmt_syncache *sc, uint64_t now)
{
	if (sc->cookies == 2)
		return true;
	return sc->cookies != 0 && sc->cookie_recent &&
		now - sc->cookie_sent <
		PMT_SYNCOOKIE_MAX_AGE * PMT_SYNCOOKIE_PERIOD_US;
}

/*
 * The ACK of a cookie (RFC 4987 3.3): valid when ACK - 1 is a cookie
 * we made for this pair and SEQ - 1. The TCB is made from what the
 * cookie and the echoed TSval carry.
 */
static struct pmt_tcb *
cookie_ack(struct pmt_engine *eng, struct pmt_tcb *l, uint16_t iface,
	   const struct pmt_flow_key *k, const struct pmt_tcp_seg *seg,
	   bool *valid)
{
	struct child_params p;
	struct pmt_tcb *tcb;
	int mss_idx;

	mss_idx = pmt_syncookie_check(&eng->tcp.secret, k, seg->seq - 1,
				      seg->ack - 1, eng->now);
	*valid = mss_idx >= 0;
	if (mss_idx < 0)
		return NULL;
	if (l->q_len >= l->backlog) {
		/* As for an entry: the peer's next segment carries it again. */
		PMT_STAT_INC(eng, tcp_listen_overflow);
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.iss = seg->ack - 1;
	p.irs = seg->seq - 1;
	p.our_wscale = -1;
	p.syn.opts = PMT_TO_MSS;
	p.syn.mss = pmt_syncookie_mss[mss_idx];
	p.ts_offset = p.iss;
	if (seg->opts & PMT_TO_TS) {
		uint32_t bits = seg->tsecr & PMT_SYNCOOKIE_TS_MASK;
		uint32_t ws = bits & PMT_SYNCOOKIE_TS_WS_MASK;

		p.ts_offset = cookie_ts_offset(eng, k);
		p.syn.opts |= PMT_TO_TS;
		p.syn.tsval = seg->tsval;
		if (ws != PMT_SYNCOOKIE_TS_NO_WS) {
			p.syn.opts |= PMT_TO_WSCALE;
			p.syn.wscale = (uint8_t)RTE_MIN(ws,
					(uint32_t)PMT_TCP_MAX_WSCALE);
		}
		if (bits & PMT_SYNCOOKIE_TS_SACK)
			p.syn.opts |= PMT_TO_SACK_PERM;
	}
	tcb = child_make(l, iface, k, &p);
	if (tcb == NULL) {
		no_tcb(eng);
		return NULL;
	}
	PMT_STAT_INC(eng, tcp_syncookies_accepted);
	return tcb;
}

struct pmt_tcb *
pmt_syncache_ack(struct pmt_engine *eng, struct pmt_tcb *l, uint16_t iface,
		 const struct pmt_flow_key *k, const struct pmt_tcp_seg *seg)
{
	struct pmt_syncache *sc = &eng->tcp.syncache;
	struct pmt_syncache_entry *e = NULL;
	struct pmt_tcb *tcb;
	bool valid;

	if (sc->n > 0) {
		e = lookup(sc, k, bucket_of(sc, k), NULL);
		if (e != NULL && e->listener != l) {
			/* Its listener was replaced by a closer match. */
			PMT_STAT_INC(eng, tcp_syncache_aborted);
			entry_remove(eng, e);
			e = NULL;
		}
	}
	if (seg->flags & PMT_TH_RST) {
		PMT_STAT_INC(eng, tcp_rx_rst);
		if (e == NULL) {
			PMT_STAT_INC(eng, tcp_rx_no_socket);
			return NULL;
		}
		/*
		 * RFC 5961 3.2 (RFC 9293 3.10.7.4 second): only a RST at
		 * exactly RCV.NXT resets; one elsewhere in the window gets
		 * a challenge ACK; one outside it is dropped.
		 */
		if (seg->seq == e->irs + 1) {
			PMT_STAT_INC(eng, tcp_syncache_reset);
			entry_remove(eng, e);
		} else if (entry_seq_ok(e, seg)) {
			PMT_STAT_INC(eng, tcp_challenge_acks);
			entry_send(eng, e, PMT_TH_ACK);
		} else {
			PMT_STAT_INC(eng, tcp_rx_unacceptable);
		}
		return NULL;
	}
	if (!(seg->flags & PMT_TH_SYN)) {
		if (e != NULL)
			return entry_ack(eng, e, k, seg);
		if (cookies_live(sc, eng->now)) {
			tcb = cookie_ack(eng, l, iface, k, seg, &valid);
			if (valid)
				return tcb;
			PMT_STAT_INC(eng, tcp_syncookies_rejected);
		}
	}
	/*
	 * RFC 9293 3.10.7.2 LISTEN, second: "Any acknowledgment is bad if
	 * it arrives on a connection still in the LISTEN state. An
	 * acceptable reset segment should be formed for any arriving
	 * ACK-bearing segment": <SEQ=SEG.ACK><CTL=RST>. Linux and FreeBSD
	 * answer a bad cookie the same way.
	 */
	PMT_STAT_INC(eng, tcp_rx_no_socket);
	pmt_tcp_respond(eng, k, seg->ack, 0, PMT_TH_RST);
	return NULL;
}

void
pmt_syncache_run(struct pmt_engine *eng)
{
	struct pmt_syncache *sc = &eng->tcp.syncache;
	uint64_t rto = (uint64_t)eng->stack->cfg.tcp_rto_init_ms * 1000;
	unsigned int budget = PMT_SYNCACHE_TIMER_BUDGET, r;

	if (sc->cookie_recent && eng->now - sc->cookie_sent >=
	    PMT_SYNCOOKIE_MAX_AGE * PMT_SYNCOOKIE_PERIOD_US)
		sc->cookie_recent = false;
	if (sc->n == 0)
		return;
	for (r = 0; r <= sc->retries && budget > 0; r++) {
		struct pmt_syncache_fifo *f = &sc->fifo[r];
		uint64_t wait = rto << r;

		while (f->head != NIL && budget > 0) {
			struct pmt_syncache_entry *e = ent(sc, f->head);

			if ((int64_t)(eng->now - (e->sent + wait)) < 0)
				break;	/* sorted: the rest are later */
			budget--;
			if (e->rexmits >= sc->retries) {
				/* RFC 9293 3.8.3 R2 for a SYN: give up. */
				PMT_STAT_INC(eng, tcp_syncache_expired);
				entry_remove(eng, e);
				continue;
			}
			/* RFC 6298 5.5: back off, send our SYN-ACK again. */
			fifo_unlink(sc, e);
			e->rexmits++;
			e->sent = eng->now;
			fifo_append(sc, e);
			PMT_STAT_INC(eng, tcp_syncache_retransmits);
			entry_send(eng, e, PMT_TH_SYN | PMT_TH_ACK);
		}
	}
}

void
pmt_syncache_listener_gone(struct pmt_engine *eng, struct pmt_tcb *l)
{
	struct pmt_syncache *sc = &eng->tcp.syncache;
	unsigned int r;

	/* Rare (a listener closes): a walk of every entry is fine. */
	for (r = 0; r <= PMT_SYNCACHE_MAX_RETRIES; r++) {
		uint32_t i = sc->fifo[r].head;

		while (i != NIL) {
			struct pmt_syncache_entry *e = ent(sc, i);

			i = e->fnext;
			if (e->listener == l) {
				PMT_STAT_INC(eng, tcp_syncache_aborted);
				entry_remove(eng, e);
			}
		}
	}
}

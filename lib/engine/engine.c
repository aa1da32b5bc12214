/* engine.c: the per-lcore engine and its loop: rx burst, classify, handle, timers, TX drain. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "engine/pmt_engine.h"
#include "net/pmt_net.h"

/* The engine's hot state must not drift into the counters' lines. */
_Static_assert(offsetof(struct pmt_engine, tx) % RTE_CACHE_LINE_SIZE == 0,
	       "TX buffers start a cache line");
_Static_assert(offsetof(struct pmt_engine, tx) <= 2 * RTE_CACHE_LINE_SIZE,
	       "read-mostly engine fields fit in two cache lines");
_Static_assert(offsetof(struct pmt_engine, stats) % RTE_CACHE_LINE_SIZE == 0,
	       "counters start a cache line of their own");
_Static_assert(PMT_MAX_PORTS <= 8, "impair_rx / impair_tx have a bit per port");

/*
 * Impairment stages for the configured ports that ask for one. Each has
 * its own generator: the same seed, port, direction and lcore give the
 * same decisions on every run (docs/impairment.md).
 */
static int
impair_init(struct pmt_engine *eng, int socket)
{
	const struct pmt_config *cfg = &eng->stack->cfg;
	unsigned int i, d;

	for (i = 0; i < cfg->n_ports && i < PMT_MAX_PORTS; i++)
		for (d = 0; d < 2; d++) {
			const struct pmt_impair_spec *sp = &cfg->impair[i][d];

			if (!pmt_impair_spec_on(sp))
				continue;
			eng->impair[i][d] = pmt_impair_create(sp, d,
				pmt_impair_seed(cfg->impair_seed, (uint16_t)i, d,
						eng->lcore_id),
				eng->pool, &eng->stats, socket);
			if (eng->impair[i][d] == NULL) {
				RTE_LOG(ERR, USER1,
					"pmtcp: no memory for the impairment of port %u %s\n",
					i, d == PMT_IMPAIR_RX ? "rx" : "tx");
				return -ENOMEM;
			}
			if (d == PMT_IMPAIR_RX)
				eng->impair_rx |= (uint8_t)(1u << i);
			else
				eng->impair_tx |= (uint8_t)(1u << i);
		}
	return 0;
}

void
pmt_engine_impair_fini(struct pmt_engine *eng)
{
	unsigned int i, d;

	eng->impair_rx = 0;
	eng->impair_tx = 0;
	for (i = 0; i < PMT_MAX_PORTS; i++)
		for (d = 0; d < 2; d++) {
			pmt_impair_free(eng->impair[i][d]);
			eng->impair[i][d] = NULL;
		}
}

struct pmt_engine *pmt_engine_slots[PMT_ENGINE_SLOTS];

/* A TCB names its engine by slot (a byte), not by pointer. */
static int
slot_take(struct pmt_engine *eng)
{
	unsigned int i;

	for (i = 0; i < PMT_ENGINE_SLOTS; i++)
		if (pmt_engine_slots[i] == NULL) {
			pmt_engine_slots[i] = eng;
			eng->slot = (uint8_t)i;
			return 0;
		}
	return -1;
}

/* The wheel's callback: its timers are ARP entries' and TCBs'. */
static void
engine_timer_fire(struct pmt_wheel *w, struct pmt_timer *t, uint64_t now)
{
	struct pmt_engine *eng = container_of(w, struct pmt_engine, wheel);

	if (pmt_arp_owns_timer(eng, t))
		pmt_arp_timer_fire(eng, t, now);
	else
		pmt_tcp_timer_fire(t, now);
}

struct pmt_engine *
pmt_engine_create(struct pmt_stack *st, uint16_t idx, unsigned int lcore_id,
		  uint64_t now)
{
	int socket = (int)rte_lcore_to_socket_id(lcore_id);
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t buf_size;
	struct pmt_engine *eng;

	eng = rte_zmalloc_socket("pmt_engine", sizeof(*eng), RTE_CACHE_LINE_SIZE,
				 socket);
	if (eng == NULL) {
		RTE_LOG(ERR, USER1, "pmtcp: no memory for engine %u\n", idx);
		return NULL;
	}
	if (slot_take(eng) != 0) {
		RTE_LOG(ERR, USER1, "pmtcp: more than %u engines in one process\n",
			PMT_ENGINE_SLOTS);
		rte_free(eng);
		return NULL;
	}
	eng->stack = st;
	eng->idx = idx;
	eng->lcore_id = (uint16_t)lcore_id;
	eng->n_ifaces = (uint16_t)st->n_ifaces;
	eng->tsc_hz = rte_get_tsc_hz();
	eng->tsc_per_us = eng->tsc_hz / 1000000 ? eng->tsc_hz / 1000000 : 1;
	/* microseconds = tsc * 10^6 / hz = (tsc * us_mult) >> 40 */
	eng->us_mult = (uint64_t)(((unsigned __int128)1000000 << 40) / eng->tsc_hz);
	eng->now = now;

	snprintf(name, sizeof(name), "pmt_mbuf_%u", idx);
	/*
	 * A per-lcore cache makes alloc/free touch no shared ring. Room
	 * for a whole frame of the MTU (Ethernet header, a VLAN tag, the
	 * CRC): scatter RX is off, and a jumbo frame a PMD hands over in
	 * pieces would be copied into one (eth.c) or, not fitting, dropped.
	 */
	buf_size = RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE,
			   RTE_PKTMBUF_HEADROOM + st->cfg.mtu +
			   RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN);
	eng->pool = rte_pktmbuf_pool_create(name, st->cfg.mbufs_per_lcore,
					    256, 0, (uint16_t)buf_size,
					    socket);
	if (eng->pool == NULL) {
		RTE_LOG(ERR, USER1,
			"pmtcp: cannot create %u mbufs for engine %u: %s "
			"(raise -m or lower --mbufs)\n",
			st->cfg.mbufs_per_lcore, idx, rte_strerror(rte_errno));
		goto fail;
	}
	snprintf(name, sizeof(name), "pmt_arps_%u", idx);
	eng->arp_sync = rte_ring_create_elem(name, sizeof(struct pmt_arp_sync_msg),
					     1024, socket, RING_F_SC_DEQ);
	if (eng->arp_sync == NULL) {
		RTE_LOG(ERR, USER1, "pmtcp: cannot create ring %s: %s\n",
			name, rte_strerror(rte_errno));
		goto fail;
	}
	snprintf(name, sizeof(name), "pmt_handoff_%u", idx);
	eng->handoff = rte_ring_create(name, 4096, socket, RING_F_SC_DEQ);
	if (eng->handoff == NULL) {
		RTE_LOG(ERR, USER1, "pmtcp: cannot create ring %s: %s\n",
			name, rte_strerror(rte_errno));
		goto fail;
	}
	if (impair_init(eng, socket) != 0)
		goto fail;
	pmt_wheel_init(&eng->wheel, now, engine_timer_fire);
	if (pmt_arp_init(eng, st->cfg.arp_entries) != 0) {
		RTE_LOG(ERR, USER1, "pmtcp: no memory for ARP cache\n");
		goto fail;
	}
	if (pmt_tcp_engine_init(eng) != 0)
		goto fail;
	return eng;
fail:
	pmt_engine_free(eng);
	return NULL;
}

void
pmt_engine_free(struct pmt_engine *eng)
{
	unsigned int i;

	if (eng == NULL)
		return;
	pmt_tcp_engine_fini(eng);
	pmt_arp_fini(eng);
	pmt_engine_impair_fini(eng);
	for (i = 0; i < PMT_MAX_PORTS; i++) {
		rte_pktmbuf_free_bulk(eng->tx[i].pkts, eng->tx[i].n);
		eng->tx[i].n = 0;
	}
	rte_ring_free(eng->arp_sync);
	if (eng->handoff != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(eng->handoff, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(eng->handoff);
	}
	rte_mempool_free(eng->pool);
	if (pmt_engine_slots[eng->slot] == eng)
		pmt_engine_slots[eng->slot] = NULL;
	rte_free(eng);
}

uint64_t
pmt_engine_clock(const struct pmt_engine *eng)
{
	/* A multiply and a shift, not a division, on every turn. */
	return (uint64_t)(((unsigned __int128)rte_rdtsc() * eng->us_mult) >> 40);
}

/*
 * Hand buffered packets to the port. What a full TX ring refuses stays
 * buffered, in order, for the next turn: a transient full ring (memif
 * whose peer is busy) costs latency, not loss. Returns what is left.
 */
/*
 * Send what an impairment stage has ready. What the port refuses stays
 * ready, in order, for the next turn (the stage bounds it).
 */
static void
impair_tx_send(struct pmt_engine *eng, uint16_t iface)
{
	struct pmt_impair *imp = eng->impair[iface][PMT_IMPAIR_TX];
	struct rte_mbuf **p;
	unsigned int k, i;
	uint16_t sent;
	uint64_t bytes;

	while ((k = pmt_impair_ready(imp, eng->now, &p)) > 0) {
		sent = pmt_port_tx(eng, iface, p, (uint16_t)RTE_MIN(k, 65535u));
		bytes = 0;
		for (i = 0; i < sent; i++)
			bytes += rte_pktmbuf_pkt_len(p[i]);
		PMT_STAT_ADD(eng, tx_pkts, sent);
		PMT_STAT_ADD(eng, tx_bytes, bytes);
		pmt_impair_consume(imp, sent);
		if (sent < k)
			break;
	}
}

/* The TX buffer goes into the impairment stage, which now owns it. */
static uint16_t
impair_tx_flush(struct pmt_engine *eng, uint16_t iface)
{
	struct pmt_txbuf *b = &eng->tx[iface];

	pmt_impair_push(eng->impair[iface][PMT_IMPAIR_TX], b->pkts, b->n,
			eng->now);
	b->n = 0;
	impair_tx_send(eng, iface);
	return 0;
}

static uint16_t
txbuf_flush(struct pmt_engine *eng, uint16_t iface)
{
	struct pmt_txbuf *b = &eng->tx[iface];
	uint16_t sent = 0, n = b->n, i;
	unsigned int tries = 0;
	uint64_t bytes = 0;

	if (unlikely(eng->impair_tx & (1u << iface)))
		return impair_tx_flush(eng, iface);
	while (sent < n && tries++ < 2)
		sent += pmt_port_tx(eng, iface, b->pkts + sent, n - sent);
	for (i = 0; i < sent; i++)
		bytes += rte_pktmbuf_pkt_len(b->pkts[i]);
	PMT_STAT_ADD(eng, tx_pkts, sent);
	PMT_STAT_ADD(eng, tx_bytes, bytes);
	if (unlikely(sent < n))
		memmove(b->pkts, b->pkts + sent, (n - sent) * sizeof(b->pkts[0]));
	b->n = (uint16_t)(n - sent);
	return b->n;
}

struct rte_mbuf *
pmt_engine_linearize(struct pmt_engine *eng, struct rte_mbuf *m,
		     uint64_t keep_flags)
{
	uint32_t room = rte_pktmbuf_data_room_size(eng->pool) -
			RTE_PKTMBUF_HEADROOM;
	struct rte_mbuf *n = NULL, *s;
	uint32_t left;
	char *dst;

	if (m->pkt_len <= room) {
		n = rte_pktmbuf_alloc(eng->pool);
		if (n == NULL)
			PMT_STAT_INC(eng, mbuf_alloc_fail);
	}
	if (n == NULL)
		goto fail;
	dst = rte_pktmbuf_append(n, (uint16_t)m->pkt_len);
	/* pkt_len bounds the copy, whatever the pieces claim. */
	for (s = m, left = m->pkt_len; s != NULL && left > 0; s = s->next) {
		uint32_t piece = RTE_MIN((uint32_t)s->data_len, left);

		rte_memcpy(dst, rte_pktmbuf_mtod(s, void *), piece);
		dst += piece;
		left -= piece;
	}
	if (left > 0) {
		rte_pktmbuf_free(n);	/* the pieces hold less than pkt_len */
		goto fail;
	}
	n->port = m->port;
	n->packet_type = m->packet_type;
	n->ol_flags = m->ol_flags & keep_flags;
	n->tx_offload = m->tx_offload;
	rte_pktmbuf_free(m);
	return n;
fail:
	rte_pktmbuf_free(m);
	return NULL;
}

/*
 * A chain longer than the port takes (one segment on a port without
 * RTE_ETH_TX_OFFLOAD_MULTI_SEGS, such as net_af_xdp, which would send
 * the first piece's bytes for the whole length) is copied into one
 * mbuf. @return the frame to send, or NULL (dropped and counted).
 */
static struct rte_mbuf *
tx_fit_segs(struct pmt_engine *eng, const struct pmt_iface *ifc,
	    struct rte_mbuf *m)
{
	uint16_t lim = (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) ?
		       ifc->tx_max_segs_tso : ifc->tx_max_segs;

	if (m->nb_segs <= lim)
		return m;
	m = pmt_engine_linearize(eng, m, RTE_MBUF_F_TX_OFFLOAD_MASK);
	if (m == NULL)
		PMT_STAT_INC(eng, eth_tx_multiseg_drop);
	else
		PMT_STAT_INC(eng, eth_tx_linearized);
	return m;
}

void
pmt_engine_tx(struct pmt_engine *eng, uint16_t iface, struct rte_mbuf *m)
{
	struct pmt_txbuf *b = &eng->tx[iface];
	const struct pmt_iface *ifc = &eng->stack->ifaces[iface];

	if (unlikely(m->nb_segs > ifc->tx_max_segs)) {
		m = tx_fit_segs(eng, ifc, m);
		if (m == NULL)
			return;
	}

	if (!eng->tx_pending) {
		eng->tx_pending = true;
		eng->tx_deadline = eng->now + eng->stack->cfg.tx_drain_us;
	}
	if (unlikely(b->n == PMT_TXBUF_CAP) &&
	    txbuf_flush(eng, iface) == PMT_TXBUF_CAP) {
		/* The port has taken nothing for a whole buffer: drop. */
		PMT_STAT_INC(eng, tx_drop_full);
		rte_pktmbuf_free(m);
		return;
	}
	b->pkts[b->n++] = m;
	if (b->n >= PMT_TX_BURST)
		txbuf_flush(eng, iface);
}

unsigned int
pmt_engine_tx_backlog(const struct pmt_engine *eng)
{
	unsigned int n = 0;
	uint16_t i;

	for (i = 0; i < eng->n_ifaces; i++)
		n += eng->tx[i].n;
	return n;
}

void
pmt_engine_tx_flush(struct pmt_engine *eng)
{
	bool left = false;
	uint16_t i;

	for (i = 0; i < eng->n_ifaces; i++)
		if (eng->tx[i].n && txbuf_flush(eng, i) > 0)
			left = true;
	eng->tx_pending = left;
}

/* A burst is classified: its TCP segments go, with one bulk lookup. */
static void
tcp_batch_end(struct pmt_engine *eng)
{
	eng->tcp_batching = false;
	if (eng->n_tcp_rx > 0) {
		pmt_tcp_input_burst(eng, eng->tcp_rx, eng->n_tcp_rx);
		eng->n_tcp_rx = 0;
	}
}

void
pmt_engine_input(struct pmt_engine *eng, uint16_t iface,
		 struct rte_mbuf **pkts, unsigned int n)
{
	unsigned int i;

	PMT_STAT_ADD(eng, rx_pkts, n);
	for (i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	/* Classify the burst; TCP segments gather for one bulk lookup. */
	eng->tcp_batching = true;
	for (i = 0; i < n; i++) {
		PMT_STAT_ADD(eng, rx_bytes, rte_pktmbuf_pkt_len(pkts[i]));
		pmt_eth_input(eng, iface, pkts[i]);
	}
	tcp_batch_end(eng);
}

/* RX through the impairment stage: what it lets out, in bursts. */
static unsigned int
impair_rx(struct pmt_engine *eng, uint16_t iface, struct rte_mbuf **pkts,
	  uint16_t n)
{
	struct pmt_impair *imp = eng->impair[iface][PMT_IMPAIR_RX];
	struct rte_mbuf **p;
	unsigned int k, total = 0;

	pmt_impair_push(imp, pkts, n, eng->now);
	while ((k = pmt_impair_ready(imp, eng->now, &p)) > 0) {
		k = RTE_MIN(k, (unsigned int)PMT_RX_BURST);
		pmt_engine_input(eng, iface, p, k);
		pmt_impair_consume(imp, k);
		total += k;
	}
	return total;
}

unsigned int
pmt_engine_turn(struct pmt_engine *eng, uint64_t now)
{
	struct rte_mbuf *pkts[PMT_RX_BURST];
	unsigned int total = 0;
	bool busy = false;
	uint16_t i, n;

	/* A stopped process wakes minutes later: timers keep their sense. */
	if (now - eng->now > PMT_TCP_TMR_JUMP_US)
		pmt_tcp_timer_clock_jump(eng, eng->now, now);
	eng->now = now;
	/* The application has had its turn: ACKs it did not carry go. */
	if (eng->tcp.late_n > 0)
		pmt_tcp_flush_late(eng);
	pmt_arp_sync(eng);
	/* Segments of our flows that arrived on other lcores' queues. */
	n = (uint16_t)rte_ring_sc_dequeue_burst(eng->handoff, (void **)pkts,
						PMT_RX_BURST, NULL);
	eng->tcp_batching = true;
	for (i = 0; i < n; i++) {
		PMT_STAT_INC(eng, tcp_handoff_in);
		pmt_ipv4_input(eng, pkts[i]->port, pkts[i], false);
	}
	tcp_batch_end(eng);
	for (i = 0; i < eng->n_ifaces; i++) {
		n = pmt_port_rx(eng, i, pkts, PMT_RX_BURST);
		/* One predictable branch per burst when nothing is impaired. */
		if (unlikely(eng->impair_rx & (1u << i))) {
			/* Even an empty burst: held frames come due. */
			total += impair_rx(eng, i, pkts, n);
			busy |= n == PMT_RX_BURST;
			continue;
		}
		if (n == 0)
			continue;
		pmt_engine_input(eng, i, pkts, n);
		total += n;
		busy |= n == PMT_RX_BURST;
	}
	pmt_wheel_advance(&eng->wheel, now);
	pmt_syncache_run(eng);
	pmt_tcp_reap(eng);
	if (unlikely(eng->impair_tx))
		for (i = 0; i < eng->n_ifaces; i++)
			if (eng->impair_tx & (1u << i))
				impair_tx_send(eng, i);
	/*
	 * Drain when the queues ran dry (nothing to batch with: send now
	 * for latency) or when the oldest buffered packet reached its
	 * deadline (under load: batch, but bound the wait).
	 */
	if (eng->tx_pending &&
	    (!busy || (int64_t)(now - eng->tx_deadline) >= 0))
		pmt_engine_tx_flush(eng);
	return total;
}

unsigned int
pmt_engine_poll(struct pmt_engine *eng)
{
	return pmt_engine_turn(eng, pmt_engine_clock(eng));
}

unsigned int
pmt_engine_poll_tsc(struct pmt_engine *eng, uint64_t tsc)
{
	return pmt_engine_turn(eng, (uint64_t)(((unsigned __int128)tsc *
						eng->us_mult) >> 40));
}

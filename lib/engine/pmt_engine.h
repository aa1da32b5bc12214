/* pmt_engine.h: the stack, its interfaces and the per-lcore engine (internal). */
#ifndef PMT_ENGINE_H
#define PMT_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "pmtcp.h"
#include "stats/pmt_stats.h"
#include "timer/pmt_wheel.h"
#include "net/pmt_arp.h"
#include "tcp/pmt_tcp.h"
#include "engine/pmt_impair.h"

#define PMT_RX_BURST 32
#define PMT_TX_BURST 32
/* Packets a port may hold back before we drop: a full ring's backlog. */
#define PMT_TXBUF_CAP PMT_TX_BACKLOG_MAX

/* What the stack knows of one port: read-mostly after start-up. */
struct pmt_iface {
	uint16_t port_id;
	uint16_t mtu;
	struct rte_ether_addr mac;
	unsigned int n_addrs;
	struct pmt_ipv4_prefix addrs[PMT_MAX_ADDRS_PER_PORT];
	bool tx_ip_cksum;	/* port computes the IPv4 header checksum */
	bool rx_ip_cksum;	/* port reports IPv4 checksum state in ol_flags */
	bool tx_tcp_cksum;	/* port computes the TCP checksum */
	bool tso;		/* port cuts large TCP frames (TSO) */
	bool rx_tcp_cksum;	/* port reports TCP checksum state in ol_flags */
	uint16_t tx_max_segs;	/* mbufs a frame may span (1: no chains) */
	uint16_t tx_max_segs_tso; /* the same for a TSO frame */
};

struct pmt_engine;

/* The process-wide stack: configuration and the engine table. */
struct pmt_stack {
	struct pmt_config cfg;
	unsigned int n_ifaces;
	struct pmt_iface ifaces[PMT_MAX_PORTS];
	unsigned int n_engines;
	struct pmt_engine *engines[RTE_MAX_LCORE];	/* by engine index */
	struct pmt_engine *by_lcore[RTE_MAX_LCORE];
	volatile bool stop;
	bool ports_started;
};

struct pmt_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[PMT_TXBUF_CAP];
};

/*
 * One engine per lcore. Layout: the read-mostly fields a packet needs
 * come first so they share the first cache lines; the counters, written
 * on every packet, sit apart from them.
 */
struct pmt_engine {
	/* read-mostly */
	struct pmt_stack *stack;
	struct rte_mempool *pool;
	struct rte_ring *arp_sync;	/* ARP learnings from other engines */
	struct rte_ring *handoff;	/* TCP segments other engines steered here */
	uint64_t tsc_hz;
	uint64_t tsc_per_us;
	uint64_t us_mult;		/* TSC to microseconds, shifted 40 */
	uint16_t idx;			/* engine index = queue id */
	uint8_t slot;			/* in pmt_engine_slots[] */
	uint16_t lcore_id;
	uint16_t n_ifaces;
	/* Ports whose RX / TX pass an impairment stage: one bit each. */
	uint8_t impair_rx;
	uint8_t impair_tx;

	/* per-packet mutable state */
	uint64_t now;			/* microseconds, set by each turn */
	uint64_t tx_deadline;		/* now value at which TX must drain */
	uint16_t ip_id;
	bool tx_pending;		/* some TX buffer holds packets */
	struct pmt_txbuf tx[PMT_MAX_PORTS] __rte_cache_aligned;

	struct pmt_wheel wheel __rte_cache_aligned;
	struct pmt_arp_table arp;
	struct pmt_tcp_engine tcp;
	/* TCP segments of the burst being classified, for one bulk lookup. */
	bool tcp_batching;
	uint16_t n_tcp_rx;
	struct pmt_tcp_rx tcp_rx[PMT_TCP_RX_BATCH];
	/* Impairment stages by port and direction; NULL when off. */
	struct pmt_impair *impair[PMT_MAX_PORTS][2];
	struct pmt_stats stats __rte_cache_aligned;
};

/*
 * The engine that owns a TCP flow. Symmetric in the two ends, so both
 * directions agree, and computed in software: devices without usable
 * RSS (memif, tap on this kernel) spread flows over queues as they
 * like, and a segment on the wrong lcore is handed to its owner.
 * Addresses and ports as on the wire.
 */
static inline uint16_t
pmt_flow_owner(const struct pmt_stack *st, uint32_t a1, uint32_t a2,
	       uint16_t p1, uint16_t p2)
{
	uint32_t h = (a1 ^ a2) ^ ((uint32_t)(p1 ^ p2) * 0x10001u);

	if (st->n_engines <= 1)
		return 0;
	h *= 2654435761u;
	return (uint16_t)((h >> 16) % st->n_engines);
}

#define PMT_STAT_INC(eng, name) ((eng)->stats.name++)
#define PMT_STAT_ADD(eng, name, v) ((eng)->stats.name += (v))

/* Create an engine for queue @idx on @lcore_id; NULL and a log on error. */
struct pmt_engine *pmt_engine_create(struct pmt_stack *st, uint16_t idx,
				     unsigned int lcore_id, uint64_t now);
void pmt_engine_free(struct pmt_engine *eng);

/* Free the impairment stages and every packet they hold (teardown). */
void pmt_engine_impair_fini(struct pmt_engine *eng);

/* One turn at time @now (microseconds): the loop body, clock injected. */
unsigned int pmt_engine_turn(struct pmt_engine *eng, uint64_t now);

/* Classify and handle received frames (RX side of one turn). */
void pmt_engine_input(struct pmt_engine *eng, uint16_t iface,
		      struct rte_mbuf **pkts, unsigned int n);

/*
 * Copy a chained frame into one mbuf of the engine's pool, keeping the
 * offload lengths and the ol_flags in keep_flags. @return the new mbuf,
 * or NULL (too long for one mbuf, no mbuf, or pieces shorter than
 * pkt_len); the chain is freed either way.
 */
struct rte_mbuf *pmt_engine_linearize(struct pmt_engine *eng,
				      struct rte_mbuf *m, uint64_t keep_flags);

/* Queue @m for transmission on @iface; drains when the buffer fills. */
void pmt_engine_tx(struct pmt_engine *eng, uint16_t iface,
		   struct rte_mbuf *m);

/* Hand every buffered packet to the ports now. */
void pmt_engine_tx_flush(struct pmt_engine *eng);

/* Microseconds since an arbitrary epoch, from the TSC. */
uint64_t pmt_engine_clock(const struct pmt_engine *eng);

/* The process's stack (set by pmt_stack_init; tests set their own). */
extern struct pmt_stack *pmt_the_stack;

/* Port layer: the only code that touches rte_ethdev. */
int pmt_port_setup(struct pmt_stack *st);
void pmt_port_close(struct pmt_stack *st);
uint16_t pmt_port_rx(struct pmt_engine *eng, uint16_t iface,
		     struct rte_mbuf **pkts, uint16_t n);
uint16_t pmt_port_tx(struct pmt_engine *eng, uint16_t iface,
		     struct rte_mbuf **pkts, uint16_t n);

#endif /* PMT_ENGINE_H */

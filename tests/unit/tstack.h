/* tstack.h: the unit-test stack: one engine on a net_ring port, frames as bytes, a hand-driven clock. */
#ifndef PMT_TSTACK_H
#define PMT_TSTACK_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "engine/pmt_engine.h"
#include "net/pmt_net.h"
#include "tcp/pmt_tcp_wire.h"

/* Start every test near the 2^64 wrap of the clock, as nothing else would. */
#define TSTACK_T0 (UINT64_MAX - 5000000000ull)

#define TS_OUR_IP "198.18.0.2"
#define TS_PEER_IP "198.18.0.1"
#define TS_GW_IP "198.18.0.254"

extern const struct rte_ether_addr ts_peer_mac;
extern const struct rte_ether_addr ts_gw_mac;
extern const struct rte_ether_addr ts_our_mac;

struct tstack {
	struct pmt_stack *st;
	struct pmt_engine *eng;
	struct rte_ring *rx;		/* what the port "receives" */
	struct rte_ring *tx;		/* what the port "sent" */
	uint16_t port;
	uint64_t now;
	struct pmt_stats mark;		/* counters at the last mark */
	/* The test acts as the application between turns: ACKs that wait
	 * for it go with its writes, or at the next turn. */
	bool app_acts;
};

/* A counter and how much it must have moved since the mark. */
struct tstack_count {
	const char *name;
	uint64_t delta;
};

/* EAL once per process: --no-huge --no-pci -m 256 --file-prefix @suite. */
void tstack_eal_init(const char *suite);

/*
 * A stack with one port addressed TS_OUR_IP/24, gateway TS_GW_IP; @cfg_fn
 * may change the configuration first (NULL: defaults).
 */
struct tstack *tstack_new(void (*cfg_fn)(struct pmt_config *cfg));

/*
 * Teardown: asserts no TX left unread and no injected frame left
 * unreceived; then closes what the test left open (descriptors abort
 * with SO_LINGER 0, connections without one close silently), runs a
 * turn so the stack reaps, and asserts that no mbuf, no clone mbuf and
 * no TCB leaked; frees all.
 */
void tstack_free(struct tstack *t);

/*
 * Checked-fixture teardown: frees the stack of a test that failed before
 * its tstack_free() (Check runs in-process), so one failure stays one.
 */
void tstack_reap(void);

/* Put one frame on the wire towards the stack and run one turn. */
void tstack_inject(struct tstack *t, const void *frame, size_t len);

/* Put one frame on the wire with RX offload flags @ol_flags; run one turn. */
void tstack_inject_flags(struct tstack *t, const void *frame, size_t len,
			 uint64_t ol_flags);

/* Put one frame on the wire without running a turn (for bursts). */
void tstack_enqueue(struct tstack *t, const void *frame, size_t len,
		    uint64_t ol_flags);

/* Move the clock by @us and run one turn. */
void tstack_advance(struct tstack *t, uint64_t us);

/* Next transmitted frame (caller frees), or NULL. */
struct rte_mbuf *tstack_tx(struct tstack *t);

/* Assert nothing (more) was transmitted. */
void tstack_expect_nothing(struct tstack *t);

/* Counter by name, summed over the stack's engine. */
uint64_t tstack_stat(struct tstack *t, const char *name);

/* Remember every counter; tstack_expect_stats() compares against it. */
void tstack_mark(struct tstack *t);

/*
 * Assert that since the mark each listed counter moved by exactly its
 * delta and every other counter did not move (rx_bytes and tx_bytes are
 * exempt unless listed); then mark again. @where names the caller. The
 * list ends after @n entries or at a NULL name.
 */
void tstack_expect_stats_at(struct tstack *t, const char *where,
			    const struct tstack_count *c, size_t n);
#define tstack_expect_stats(t, ...) do {				\
	const struct tstack_count tstack_c_[] = { __VA_ARGS__ };	\
	tstack_expect_stats_at((t), __FILE__ ":" RTE_STR(__LINE__),	\
			       tstack_c_, RTE_DIM(tstack_c_));		\
} while (0)

/* Our MAC, as the port reports it. */
const struct rte_ether_addr *tstack_mac(struct tstack *t);

uint32_t ts_ip(const char *dotted);

/* Frame builders: write into @buf, return the length. */
size_t ts_arp(uint8_t *buf, const struct rte_ether_addr *eth_dst,
	      const struct rte_ether_addr *eth_src, uint16_t op,
	      const struct rte_ether_addr *sha, uint32_t spa,
	      const struct rte_ether_addr *tha, uint32_t tpa);
/* Ethernet + IPv4 (20 bytes + @opt_len bytes of NOP options) + ICMP echo request. */
size_t ts_echo(uint8_t *buf, const struct rte_ether_addr *eth_dst,
	       const struct rte_ether_addr *eth_src, uint32_t src, uint32_t dst,
	       uint16_t id, uint16_t seq, const void *payload, size_t plen,
	       size_t opt_len);

/* A TCP segment to put on the wire: addresses network order, the rest host order. */
struct ts_tcp {
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;			/* PMT_TH_* */
	uint16_t wnd;
	struct pmt_tcp_out_opts o;	/* options, as pmt_tcp_build() writes them */
	const void *data;
	uint32_t len;
};

/* Ethernet + IPv4 + TCP, checksums right, into @buf; returns the length. */
size_t ts_tcp(uint8_t *buf, const struct rte_ether_addr *eth_dst,
	      const struct rte_ether_addr *eth_src, const struct ts_tcp *s);

/*
 * Next transmitted frame, which must be TCP in IPv4 from our MAC and
 * address: checks the Ethernet and IP headers and the TCP checksum (the
 * whole sum in software, or only the pseudo-header sum when the mbuf
 * asks the port for it), parses the segment into @seg and copies its
 * payload (at most @cap bytes) to @payload. Returns the frame (the
 * caller frees it), or NULL when nothing was sent.
 */
struct rte_mbuf *tstack_tcp_tx(struct tstack *t, struct pmt_tcp_seg *seg,
			       void *payload, size_t cap);

/* TCBs taken from the engine's pool (allocated, not yet reaped). */
unsigned int tstack_tcbs(struct tstack *t);

#endif /* PMT_TSTACK_H */

/* pmt_tcp_syncache.h: the syncache of half-open passive connections and its SYN-ACK timers (internal). */
#ifndef PMT_TCP_SYNCACHE_H
#define PMT_TCP_SYNCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "sock/pmt_sockt.h"
#include "tcp/pmt_tcp_wire.h"

struct pmt_engine;
struct pmt_tcb;

/*
 * A SYN for a listener makes one of these, not a TCB (FreeBSD's
 * syncache): what the SYN said and what our SYN-ACK said, in one cache
 * line. The TCB is made when the final ACK of the handshake arrives.
 * Links are entry indexes + 1 (0: none).
 */
struct pmt_syncache_entry {
	struct pmt_flow_key key;
	uint32_t iss;			/* our ISN */
	uint32_t irs;			/* the peer's ISN */
	uint32_t ts_recent;		/* the peer's TSval, to echo */
	uint64_t sent;			/* us: our last SYN-ACK */
	struct pmt_tcb *listener;
	uint32_t hnext;			/* bucket chain; free list when free */
	uint32_t fnext;			/* FIFO of its retransmission level */
	uint32_t fprev;
	uint16_t peer_mss;		/* 0: the SYN had no MSS option */
	uint8_t wscale;			/* the peer's shift, if PMT_SC_WS */
	uint8_t flags;			/* PMT_SC_* */
	uint8_t rexmits;		/* SYN-ACKs sent again; its FIFO level */
	uint8_t iface;
	uint8_t our_wscale;		/* the shift our SYN-ACK announced */
};

#define PMT_SC_WS 0x01			/* the SYN had a window scale */
#define PMT_SC_SACK 0x02		/* ... SACK permitted */
#define PMT_SC_TS 0x04			/* ... timestamps */
#define PMT_SC_MSS 0x08			/* ... an MSS option */
#define PMT_SC_RESENT 0x10		/* our SYN-ACK went again for a repeated SYN */

_Static_assert(sizeof(struct pmt_syncache_entry) <= 64,
	       "syncache entry budget: one cache line");

/* Highest tcp-syncache-retries: one FIFO per level, plus the last wait. */
#define PMT_SYNCACHE_MAX_RETRIES 7
/* Entries one hash bucket may chain: bounds a lookup; past it, cookies. */
#define PMT_SYNCACHE_BUCKET_LIMIT 16
/*
 * Expired SYN-ACK timers handled per engine turn: a flood's entries
 * come due in bursts, and a turn must stay short (the rest wait a turn;
 * a late retransmission is harmless). With the RX burst (PMT_RX_BURST
 * per port and per handoff ring), this bounds the SYN-ACKs one turn
 * sends: 32 x (ports + 1) answers to SYNs + 64 retransmissions.
 */
#define PMT_SYNCACHE_TIMER_BUDGET 64

/*
 * Retransmission: an entry whose SYN-ACK went r times again waits on
 * FIFO r for rto_init << r. Every entry of a FIFO waits the same time
 * and is appended when its SYN-ACK is sent, so each FIFO is sorted by
 * construction (dperf's TIME-WAIT lists): the head is the next due.
 */
struct pmt_syncache_fifo {
	uint32_t head;
	uint32_t tail;
};

struct pmt_syncache {
	struct pmt_syncache_entry *ent;
	uint32_t *bucket;		/* chain heads */
	uint32_t mask;			/* buckets - 1 */
	uint32_t cap;
	uint32_t n;			/* entries in use */
	uint32_t free_head;
	uint32_t seed;			/* bucket hash: keyed, an attacker cannot aim */
	uint8_t retries;
	uint8_t cookies;		/* tcp-syncookies */
	bool cookie_recent;		/* a cookie went out lately */
	uint64_t cookie_sent;		/* when the last one did */
	struct pmt_syncache_fifo fifo[PMT_SYNCACHE_MAX_RETRIES + 1];
};

int pmt_syncache_init(struct pmt_engine *eng);
void pmt_syncache_fini(struct pmt_engine *eng);

/* RFC 9293 3.10.7.2 LISTEN, third: a SYN for @l. Answers it. */
void pmt_syncache_syn(struct pmt_engine *eng, struct pmt_tcb *l,
		      uint16_t iface, const struct pmt_flow_key *k,
		      const struct pmt_tcp_seg *seg);

/*
 * A segment with ACK or RST for listener @l and no connection: the
 * end of a handshake (entry or cookie), a reset of an entry, or
 * nothing of ours (answered as RFC 9293 3.10.7.2 says). @return a new
 * child TCB in SYN-RECEIVED, on @l's accept count, for the caller to
 * pass the segment through the SYN-RECEIVED processing (which makes it
 * ESTABLISHED and queues it for accept()); NULL when the segment was
 * dealt with here.
 */
struct pmt_tcb *pmt_syncache_ack(struct pmt_engine *eng, struct pmt_tcb *l,
				 uint16_t iface, const struct pmt_flow_key *k,
				 const struct pmt_tcp_seg *seg);

/* Retransmit and expire what is due: at most PMT_SYNCACHE_TIMER_BUDGET. */
void pmt_syncache_run(struct pmt_engine *eng);

/* Listener @l is closing: its entries go (no word on the wire). */
void pmt_syncache_listener_gone(struct pmt_engine *eng, struct pmt_tcb *l);

/* Entries in use (a leak check at teardown). */
uint32_t pmt_syncache_in_use(const struct pmt_engine *eng);

#endif /* PMT_TCP_SYNCACHE_H */

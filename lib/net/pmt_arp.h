/* pmt_arp.h: the per-engine ARP cache and its resolver (internal). */
#ifndef PMT_ARP_H
#define PMT_ARP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "timer/pmt_wheel.h"

#define PMT_ARP_PENDING_MAX 16

struct pmt_engine;

enum pmt_arp_state {
	PMT_ARP_FREE = 0,
	PMT_ARP_INCOMPLETE,	/* requests sent, packets waiting */
	PMT_ARP_REACHABLE,	/* confirmed within arp_reachable_ms */
	PMT_ARP_PROBE,		/* in use past reachable: unicast re-check */
};

/*
 * One cache entry. Entries never move (their timer is linked into the
 * wheel), so the hash is chained through indices, not open addressing.
 */
struct pmt_arp_entry {
	uint32_t ip;			/* network order */
	uint32_t next;			/* hash chain / free list, index + 1 */
	uint16_t iface;
	uint8_t state;
	uint8_t tries;			/* requests sent in this state */
	uint8_t n_pending;
	bool was_used;			/* "used" is valid */
	struct rte_ether_addr mac;
	uint64_t used;			/* now of the last transmit through it */
	struct pmt_timer timer;
	struct rte_mbuf *pending[PMT_ARP_PENDING_MAX];
};

struct pmt_arp_table {
	uint32_t n_entries;		/* capacity, a power of two */
	uint32_t n_used;
	uint32_t free_head;		/* index + 1, 0 = none */
	uint32_t *buckets;		/* index + 1, 0 = empty */
	struct pmt_arp_entry *entries;
};

struct pmt_engine;

int pmt_arp_init(struct pmt_engine *eng, unsigned int n_entries);
void pmt_arp_fini(struct pmt_engine *eng);

/* Timers the ARP cache has armed on the engine's wheel. */
uint32_t pmt_arp_timers_armed(const struct pmt_engine *eng);
/* The engine's wheel callback: is @tm an ARP entry's, and run it. */
bool pmt_arp_owns_timer(const struct pmt_engine *eng, const struct pmt_timer *tm);
void pmt_arp_timer_fire(struct pmt_engine *eng, struct pmt_timer *tm,
			uint64_t now);

/* Handle a received ARP frame (Ethernet header still on); consumes @m. */
void pmt_arp_input(struct pmt_engine *eng, uint16_t iface,
		   struct rte_mbuf *m);

/*
 * Send @m (an IPv4 packet without Ethernet header room filled) to
 * @nexthop on @iface: prepend Ethernet at once when the MAC is known,
 * otherwise queue it (bounded) and resolve. Consumes @m.
 */
void pmt_arp_output(struct pmt_engine *eng, uint16_t iface,
		    uint32_t nexthop, struct rte_mbuf *m);

/* Start resolving @ip on @iface now, unless known or in progress. */
void pmt_arp_resolve(struct pmt_engine *eng, uint16_t iface, uint32_t ip);

/* Broadcast a gratuitous ARP for each address of @iface. */
void pmt_arp_announce(struct pmt_engine *eng, uint16_t iface);

/* Take learnings other engines posted to our sync ring. */
void pmt_arp_sync(struct pmt_engine *eng);

/* The cached MAC of @ip on @iface, if resolved. */
bool pmt_arp_lookup(struct pmt_engine *eng, uint16_t iface, uint32_t ip,
		    struct rte_ether_addr *mac);

/* One line per cache entry, for shutdown reports and tests. */
void pmt_arp_print(struct pmt_engine *eng, FILE *f);

/* Message other engines receive when one learns a mapping. */
struct pmt_arp_sync_msg {
	uint32_t ip;
	uint16_t iface;
	struct rte_ether_addr mac;
	uint32_t pad;
};

#endif /* PMT_ARP_H */

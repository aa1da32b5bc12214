/* pmt_tcp_subr.h: initial sequence numbers (RFC 6528) and ephemeral ports (RFC 6056) (internal). */
#ifndef PMT_TCP_SUBR_H
#define PMT_TCP_SUBR_H

#include <stdbool.h>
#include <stdint.h>

#include "sock/pmt_sockt.h"

/* The secret behind ISNs and port offsets; random at start, fixed in tests. */
struct pmt_tcp_secret {
	uint8_t isn_key[16];
	uint8_t port_key[16];
};

/* Fill @s from the system's CSPRNG. 0 or a negative errno. */
int pmt_tcp_secret_init(struct pmt_tcp_secret *s);

/*
 * RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secret),
 * M a 4-microsecond timer (@now_us), F SipHash-2-4 keyed by isn_key.
 */
uint32_t pmt_tcp_isn(const struct pmt_tcp_secret *s,
		     const struct pmt_flow_key *k, uint64_t now_us);

/*
 * Ephemeral port state: RFC 6056 algorithm 3 (hash-based offset), and
 * what the last fruitless search learned. A search that finds no port
 * tries every port of the range (tens of thousands of table lookups); a
 * client that opens faster than TIME-WAIT frees its pairs would repeat
 * it for every connect and stall its engine for milliseconds each time.
 * So the remote end that exhausted the range is remembered with a count
 * of the ports known to be taken for it: only a connection to that end
 * leaving the table (pmt_port_note) lowers the count, and while it
 * equals the range a search for that end fails at once.
 */
struct pmt_port_alloc {
	uint16_t min;		/* host order, inclusive */
	uint16_t max;		/* host order, inclusive */
	uint32_t next;		/* "next_ephemeral", kept mod the range */
	uint32_t full_laddr;	/* the exhausted (laddr, raddr, rport), */
	uint32_t full_raddr;	/* network order, valid when full_taken */
	uint16_t full_rport;	/* is non-zero */
	uint16_t pad;
	uint32_t full_taken;	/* ports known taken for it; 0: none known */
};

void pmt_port_alloc_init(struct pmt_port_alloc *pa, uint16_t min,
			 uint16_t max, uint32_t start);

/*
 * Choose a local port (host order) for a connection to @k's remote end
 * from @k->laddr: offset = SipHash(laddr, raddr, rport; port_key), then
 * try min + (offset + next) % range for each candidate until @usable
 * accepts one (the caller checks the socket table and that the reply
 * steers back to this lcore). Returns 0 when no port in the range is
 * usable.
 */
uint16_t pmt_port_pick(struct pmt_port_alloc *pa,
		       const struct pmt_tcp_secret *s,
		       const struct pmt_flow_key *k,
		       bool (*usable)(void *arg, uint16_t port), void *arg);

/*
 * A connection with key @k entered (@delta 1) or left (-1) the socket
 * table: keeps the count of an exhausted remote end (above) exact. Every
 * insertion and removal of a TCP key must be told.
 */
void pmt_port_note(struct pmt_port_alloc *pa, const struct pmt_flow_key *k,
		   int delta);

/* Usability changed some other way (a listener went): forget. */
void pmt_port_forget(struct pmt_port_alloc *pa);

#endif /* PMT_TCP_SUBR_H */

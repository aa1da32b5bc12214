/* pmt_tcp_subr.h: initial sequence numbers (RFC 6528), SYN cookies (RFC 4987) and ephemeral ports (RFC 6056) (internal). */
#ifndef PMT_TCP_SUBR_H
#define PMT_TCP_SUBR_H

#include <stdbool.h>
#include <stdint.h>

#include "sock/pmt_sockt.h"

/* The secret behind ISNs and port offsets; random at start, fixed in tests. */
struct pmt_tcp_secret {
	uint8_t isn_key[16];
	uint8_t port_key[16];
	uint8_t cookie_key[16];
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
 * SYN cookies (RFC 4987 3.3), our ISS when the syncache has no room:
 *
 *   bits 31..5  the top 27 bits of SipHash-2-4(cookie_key; laddr, lport,
 *               raddr, rport, the peer's ISN, count, MSS index)
 *   bits  4..3  count mod 4, count = now / PMT_SYNCOOKIE_PERIOD_US
 *   bits  2..0  the MSS index into pmt_syncookie_mss[]
 *
 * A returning ACK is valid when ACK - 1 decodes to a count of one of the
 * last PMT_SYNCOOKIE_MAX_AGE periods (the current or the previous: a
 * cookie lives 64 to 128 s) whose hash matches: a blind guess succeeds
 * once in 2^27.
 */
#define PMT_SYNCOOKIE_PERIOD_US (64ull * 1000000)
#define PMT_SYNCOOKIE_MAX_AGE 2		/* periods: 64 to 128 s */
#define PMT_SYNCOOKIE_N_MSS 8
extern const uint16_t pmt_syncookie_mss[PMT_SYNCOOKIE_N_MSS];

/* Index of the largest table MSS not above @mss (0 for the smallest). */
unsigned int pmt_syncookie_mss_index(uint16_t mss);

/* The cookie ISS for a SYN on @k with ISN @irs at @now_us. */
uint32_t pmt_syncookie_make(const struct pmt_tcp_secret *s,
			    const struct pmt_flow_key *k, uint32_t irs,
			    unsigned int mss_idx, uint64_t now_us);

/*
 * Check the cookie @iss (the ACK's ack - 1) of @k whose peer ISN was
 * @irs (the ACK's seq - 1) at @now_us. @return the MSS index, or -1.
 */
int pmt_syncookie_check(const struct pmt_tcp_secret *s,
			const struct pmt_flow_key *k, uint32_t irs,
			uint32_t iss, uint64_t now_us);

/*
 * Options a cookie cannot hold in the ISS ride in the low 6 bits of our
 * TSval (as Linux does), when the peer sent timestamps: it echoes them.
 */
#define PMT_SYNCOOKIE_TS_BITS 6
#define PMT_SYNCOOKIE_TS_MASK ((1u << PMT_SYNCOOKIE_TS_BITS) - 1)
#define PMT_SYNCOOKIE_TS_WS_MASK 0x0fu	/* the peer's shift; 0xf: no WS */
#define PMT_SYNCOOKIE_TS_NO_WS 0x0fu
#define PMT_SYNCOOKIE_TS_SACK 0x10u	/* the peer offered SACK */

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

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

/* Ephemeral port state: RFC 6056 algorithm 3 (hash-based offset). */
struct pmt_port_alloc {
	uint16_t min;		/* host order, inclusive */
	uint16_t max;		/* host order, inclusive */
	uint32_t next;		/* "next_ephemeral", kept mod the range */
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

#endif /* PMT_TCP_SUBR_H */

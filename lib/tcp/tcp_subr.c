/* tcp_subr.c: initial sequence numbers (RFC 6528), SYN cookies (RFC 4987) and ephemeral port choice (RFC 6056 algorithm 3). */
#include <errno.h>
#include <string.h>

#include <sodium.h>
#include <rte_byteorder.h>

#include "pmt_tcp_subr.h"

_Static_assert(crypto_shorthash_siphash24_KEYBYTES ==
	       sizeof(((struct pmt_tcp_secret *)0)->isn_key),
	       "SipHash-2-4 takes a 128-bit key");

/* SipHash-2-4 of @len bytes under @key, as the 64-bit integer it defines. */
static uint64_t
siphash(const uint8_t key[16], const uint8_t *in, size_t len)
{
	uint8_t out[crypto_shorthash_siphash24_BYTES];
	uint64_t h = 0;
	int i;

	crypto_shorthash_siphash24(out, in, len, key);
	/* The output is little-endian by definition, whatever the host. */
	for (i = 7; i >= 0; i--)
		h = h << 8 | out[i];
	return h;
}

int
pmt_tcp_secret_init(struct pmt_tcp_secret *s)
{
	/* Seeds libsodium's CSPRNG; safe to call more than once. */
	if (sodium_init() < 0)
		return -EIO;
	randombytes_buf(s, sizeof(*s));
	return 0;
}

uint32_t
pmt_tcp_isn(const struct pmt_tcp_secret *s, const struct pmt_flow_key *k,
	    uint64_t now_us)
{
	uint8_t in[12];

	/*
	 * RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport,
	 * secretkey), "M is the 4 microsecond timer". The fields go in that
	 * order, in network byte order as on the wire.
	 */
	memcpy(in, &k->laddr, 4);
	memcpy(in + 4, &k->lport, 2);
	memcpy(in + 6, &k->raddr, 4);
	memcpy(in + 10, &k->rport, 2);
	return (uint32_t)(now_us / 4) +
		(uint32_t)siphash(s->isn_key, in, sizeof(in));
}

/*
 * MSS values a cookie can name (FreeBSD's choice of common ones, with
 * 64, our floor for a peer's MSS, first and jumbo frames last); the
 * cookie rounds the peer's MSS down to one of them.
 */
const uint16_t pmt_syncookie_mss[PMT_SYNCOOKIE_N_MSS] = {
	64, 536, 1200, 1360, 1440, 1460, 4096, 8960,
};

unsigned int
pmt_syncookie_mss_index(uint16_t mss)
{
	unsigned int i = PMT_SYNCOOKIE_N_MSS - 1;

	while (i > 0 && pmt_syncookie_mss[i] > mss)
		i--;
	return i;
}

/* The 27-bit MAC of a cookie. */
static uint32_t
cookie_mac(const struct pmt_tcp_secret *s, const struct pmt_flow_key *k,
	   uint32_t irs, uint32_t count, unsigned int mss_idx)
{
	uint8_t in[21];

	memcpy(in, &k->laddr, 4);
	memcpy(in + 4, &k->lport, 2);
	memcpy(in + 6, &k->raddr, 4);
	memcpy(in + 10, &k->rport, 2);
	memcpy(in + 12, &irs, 4);
	memcpy(in + 16, &count, 4);
	in[20] = (uint8_t)mss_idx;
	return (uint32_t)(siphash(s->cookie_key, in, sizeof(in)) >> 37);
}

uint32_t
pmt_syncookie_make(const struct pmt_tcp_secret *s,
		   const struct pmt_flow_key *k, uint32_t irs,
		   unsigned int mss_idx, uint64_t now_us)
{
	uint32_t count = (uint32_t)(now_us / PMT_SYNCOOKIE_PERIOD_US);

	return cookie_mac(s, k, irs, count, mss_idx) << 5 |
		(count & 3u) << 3 | (mss_idx & 7u);
}

int
pmt_syncookie_check(const struct pmt_tcp_secret *s,
		    const struct pmt_flow_key *k, uint32_t irs, uint32_t iss,
		    uint64_t now_us)
{
	uint32_t now_count = (uint32_t)(now_us / PMT_SYNCOOKIE_PERIOD_US);
	unsigned int mss_idx = iss & 7u, age;

	/*
	 * The count's low two bits tell which of the last periods made
	 * it; older than PMT_SYNCOOKIE_MAX_AGE periods is no cookie of
	 * ours (RFC 4987 3.3: the counter bounds a cookie's life).
	 */
	age = (now_count - (iss >> 3)) & 3u;
	if (age >= PMT_SYNCOOKIE_MAX_AGE)
		return -1;
	if (cookie_mac(s, k, irs, now_count - age, mss_idx) != iss >> 5)
		return -1;
	return (int)mss_idx;
}

void
pmt_port_alloc_init(struct pmt_port_alloc *pa, uint16_t min, uint16_t max,
		    uint32_t start)
{
	memset(pa, 0, sizeof(*pa));
	pa->min = min;
	pa->max = max;
	/* RFC 6056 3.3.3: "next_ephemeral = 0; Could be random". */
	pa->next = start;
}

static bool
port_full_is(const struct pmt_port_alloc *pa, const struct pmt_flow_key *k)
{
	return pa->full_taken != 0 && pa->full_laddr == k->laddr &&
		pa->full_raddr == k->raddr && pa->full_rport == k->rport;
}

void
pmt_port_note(struct pmt_port_alloc *pa, const struct pmt_flow_key *k,
	      int delta)
{
	uint16_t lport = rte_be_to_cpu_16(k->lport);

	if (!port_full_is(pa, k) || lport < pa->min || lport > pa->max)
		return;
	if (delta > 0)
		pa->full_taken++;
	else if (--pa->full_taken == 0)
		pmt_port_forget(pa);
}

void
pmt_port_forget(struct pmt_port_alloc *pa)
{
	pa->full_taken = 0;
}

uint16_t
pmt_port_pick(struct pmt_port_alloc *pa, const struct pmt_tcp_secret *s,
	      const struct pmt_flow_key *k,
	      bool (*usable)(void *arg, uint16_t port), void *arg)
{
	uint32_t num, offset, count, port;
	uint8_t in[10];

	if (pa->min > pa->max)
		return 0;
	num = (uint32_t)pa->max - pa->min + 1;
	/* Every port still taken since the last search found none. */
	if (port_full_is(pa, k) && pa->full_taken >= num)
		return 0;
	/*
	 * RFC 6056 3.3.3:
	 *	offset = F(local_IP, remote_IP, remote_port, secret_key);
	 */
	memcpy(in, &k->laddr, 4);
	memcpy(in + 4, &k->raddr, 4);
	memcpy(in + 8, &k->rport, 2);
	offset = (uint32_t)(siphash(s->port_key, in, sizeof(in)) % num);
	/*
	 * Only next_ephemeral mod num matters: keeping it reduced makes the
	 * sequence wrap exactly (a raw 32-bit counter would jump at 2^32).
	 */
	pa->next %= num;
	/*
	 * RFC 6056 3.3.3, algorithm 3:
	 *	count = num_ephemeral;
	 *	do {
	 *		port = min_ephemeral + (next_ephemeral + offset)
	 *			% num_ephemeral;
	 *		next_ephemeral++;
	 *		if (check_suitable_port(port))
	 *			return port;
	 *		count--;
	 *	} while (count > 0);
	 * Successive connections to one remote end take successive ports;
	 * different remote ends start at unrelated points of the range.
	 */
	for (count = num; count > 0; count--) {
		port = pa->min + (pa->next + offset) % num;
		pa->next = (pa->next + 1) % num;
		/* Port 0 is never a source port (RFC 6335 6). */
		if (port != 0 && usable(arg, (uint16_t)port))
			return (uint16_t)port;
	}
	/*
	 * RFC 6056 3.3.3 ends here with failure. Remember it: until a
	 * connection to this end leaves the table, searching again is
	 * wasted (the count starts at the whole range).
	 */
	pa->full_laddr = k->laddr;
	pa->full_raddr = k->raddr;
	pa->full_rport = k->rport;
	pa->full_taken = num;
	return 0;
}

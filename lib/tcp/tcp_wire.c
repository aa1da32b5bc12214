/* tcp_wire.c: the TCP header and options on the wire: parse into pmt_tcp_seg, build for output, checksum. */
#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>

#include "net/pmt_net.h"
#include "tcp/pmt_tcp_wire.h"

/* RFC 9293 3.1: the fixed header, and the most options can take. */
#define TCP_HDR_LEN 20u
#define TCP_OPT_SPACE 40u

/* Option kinds (IANA "TCP Option Kind Numbers"). */
#define TCPOPT_EOL 0	/* RFC 9293 3.1 */
#define TCPOPT_NOP 1	/* RFC 9293 3.1 */
#define TCPOPT_MSS 2	/* RFC 9293 3.1 */
#define TCPOPT_WSCALE 3	/* RFC 7323 2.2 */
#define TCPOPT_SACK_PERM 4	/* RFC 2018 2 */
#define TCPOPT_SACK 5	/* RFC 2018 3 */
#define TCPOPT_TS 8	/* RFC 7323 3.2 */

#define TCPOLEN_MSS 4
#define TCPOLEN_WSCALE 3
#define TCPOLEN_SACK_PERM 2
#define TCPOLEN_SACK_BASE 2
#define TCPOLEN_SACK_BLOCK 8
#define TCPOLEN_TS 10

/*
 * Sizes of the aligned groups pmt_tcp_build() writes; each a multiple
 * of 4 so the options stay word-aligned and never need EOL padding.
 */
#define TCPOLEN_MSS_ALIGNED 4		/* MSS */
#define TCPOLEN_TS_ALIGNED 12		/* SACKOK TS, or NOP NOP TS */
#define TCPOLEN_SACK_PERM_ALIGNED 4	/* NOP NOP SACKOK */
#define TCPOLEN_WSCALE_ALIGNED 4	/* NOP WS */
#define TCPOLEN_SACK_ALIGNED_BASE 4	/* NOP NOP SACK, then the blocks */

/*
 * Byte-wise big-endian access: the header may sit at any alignment in
 * the mbuf, and reading byte by byte keeps every access provably inside
 * the bounds checked just before it.
 */
static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}

static inline uint8_t *
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static inline uint8_t *
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static inline uint8_t *
wr4(uint8_t *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	p[0] = a;
	p[1] = b;
	p[2] = c;
	p[3] = d;
	return p + 4;
}

/*
 * One option whose kind and length byte have been checked to lie inside
 * the option area (2 <= @olen <= bytes left). A known kind with a length
 * other than its own is ignored: the length still lets us step over it,
 * so there is no reason to give up on the options after it.
 * A kind seen twice: the later one wins, as in Linux and FreeBSD.
 */
static void
parse_one(const uint8_t *o, uint32_t olen, struct pmt_tcp_seg *seg)
{
	uint32_t n, i;

	switch (o[0]) {
	case TCPOPT_MSS:
		/* RFC 9293 3.7.1: kind 2, length 4, a 16-bit MSS. */
		if (olen != TCPOLEN_MSS)
			return;
		seg->mss = rd16(o + 2);
		seg->opts |= PMT_TO_MSS;
		break;
	case TCPOPT_WSCALE:
		/*
		 * RFC 7323 2.3: "If a Window Scale option is received with a
		 * shift.cnt value larger than 14, the TCP SHOULD log the error
		 * but MUST use 14 instead of the specified value."
		 */
		if (olen != TCPOLEN_WSCALE)
			return;
		seg->wscale = RTE_MIN(o[2], (uint8_t)PMT_TCP_MAX_WSCALE);
		seg->opts |= PMT_TO_WSCALE;
		break;
	case TCPOPT_SACK_PERM:
		/* RFC 2018 2: kind 4, length 2, no data. */
		if (olen != TCPOLEN_SACK_PERM)
			return;
		seg->opts |= PMT_TO_SACK_PERM;
		break;
	case TCPOPT_SACK:
		/*
		 * RFC 2018 3: length 2 + 8n, one (left, right) pair of 32-bit
		 * edges per block, at least one block. The 40-byte option
		 * space holds at most 4 blocks, so the clamp only guards the
		 * array should that bound ever change.
		 */
		if (olen < TCPOLEN_SACK_BASE + TCPOLEN_SACK_BLOCK ||
		    (olen - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_BLOCK != 0)
			return;
		n = (olen - TCPOLEN_SACK_BASE) / TCPOLEN_SACK_BLOCK;
		n = RTE_MIN(n, (uint32_t)PMT_TCP_MAX_SACK);
		for (i = 0; i < n; i++) {
			const uint8_t *b = o + TCPOLEN_SACK_BASE +
				i * TCPOLEN_SACK_BLOCK;

			seg->sack[i].left = rd32(b);
			seg->sack[i].right = rd32(b + 4);
		}
		seg->n_sack = (uint8_t)n;
		seg->opts |= PMT_TO_SACK;
		break;
	case TCPOPT_TS:
		/* RFC 7323 3.2: kind 8, length 10, TSval then TSecr. */
		if (olen != TCPOLEN_TS)
			return;
		seg->tsval = rd32(o + 2);
		seg->tsecr = rd32(o + 6);
		seg->opts |= PMT_TO_TS;
		break;
	default:
		/*
		 * RFC 9293 3.1 (MUST-6): "A TCP implementation MUST ignore
		 * without error any TCP option it does not implement,
		 * assuming that the option has a length field."
		 */
		break;
	}
}

/*
 * Walk the @len bytes of options at @o. Never looks at a byte at or past
 * @o + @len: the kind is read only while i < len, the length byte only
 * once 2 bytes are left, and an option's data only once its length has
 * been checked against what is left.
 */
static enum pmt_tcp_verdict
parse_opts(const uint8_t *o, uint32_t len, struct pmt_tcp_seg *seg)
{
	uint32_t i = 0;

	while (i < len) {
		uint32_t olen;

		/* RFC 9293 3.1: End of Option List ends the options. */
		if (o[i] == TCPOPT_EOL)
			break;
		/* RFC 9293 3.1: No-Operation is one byte, for alignment. */
		if (o[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		/*
		 * RFC 9293 3.1 (MUST-7): "a TCP implementation MUST be
		 * prepared to handle an illegal option length (e.g., zero)".
		 * A length byte missing, below 2 (the option could not even
		 * hold itself, and 0 would loop forever) or running past the
		 * header leaves no way to find the next option: stop, keep
		 * what was parsed, and let the caller count it.
		 */
		if (len - i < 2)
			return PMT_TCP_BAD_OPT;
		olen = o[i + 1];
		if (olen < 2 || olen > len - i)
			return PMT_TCP_BAD_OPT;
		parse_one(o + i, olen, seg);
		i += olen;
	}
	return PMT_TCP_OK;
}

enum pmt_tcp_verdict
pmt_tcp_parse(const void *hdr, uint32_t len, struct pmt_tcp_seg *seg)
{
	const uint8_t *p = hdr;
	uint32_t hlen;

	memset(seg, 0, sizeof(*seg));
	if (len < TCP_HDR_LEN)
		return PMT_TCP_SHORT;

	/* RFC 9293 3.1: the fixed 20 bytes, in network order. */
	seg->sport = rd16(p + 0);
	seg->dport = rd16(p + 2);
	seg->seq = rd32(p + 4);
	seg->ack = rd32(p + 8);
	seg->flags = p[13];
	seg->wnd = rd16(p + 14);

	/*
	 * RFC 9293 3.1: "Data Offset: 4 bits. The number of 32-bit words in
	 * the TCP header." Below 5 the header could not hold its own fixed
	 * part; past @len it claims bytes the IP datagram does not carry.
	 */
	hlen = (uint32_t)(p[12] >> 4) * 4;
	if (hlen < TCP_HDR_LEN || hlen > len)
		return PMT_TCP_BAD_OFF;
	seg->payload_off = (uint16_t)hlen;
	seg->len = len - hlen;

	return parse_opts(p + TCP_HDR_LEN, hlen - TCP_HDR_LEN, seg);
}

/*
 * Bytes of options pmt_tcp_build() writes for @o, and in @n_sack how
 * many SACK blocks among them. The blocks are what gives way when the
 * 40 bytes run short (RFC 2018 3: "a maximum of 4 blocks", and "a
 * maximum of 3 SACK blocks" beside timestamps); the first ones are
 * kept, since RFC 2018 4 puts the block of the newest segment first.
 */
static uint16_t
opts_plan(const struct pmt_tcp_out_opts *o, uint8_t *n_sack)
{
	uint16_t len = 0;
	uint32_t fit;

	*n_sack = 0;
	if (o == NULL)
		return 0;
	if (o->opts & PMT_TO_MSS)
		len += TCPOLEN_MSS_ALIGNED;
	if (o->opts & PMT_TO_TS)
		len += TCPOLEN_TS_ALIGNED;	/* carries SACKOK if asked */
	else if (o->opts & PMT_TO_SACK_PERM)
		len += TCPOLEN_SACK_PERM_ALIGNED;
	if (o->opts & PMT_TO_WSCALE)
		len += TCPOLEN_WSCALE_ALIGNED;
	/* At most 20 bytes so far: room for one block is always left. */
	if ((o->opts & PMT_TO_SACK) && o->n_sack > 0) {
		fit = (TCP_OPT_SPACE - len - TCPOLEN_SACK_ALIGNED_BASE) /
			TCPOLEN_SACK_BLOCK;
		fit = RTE_MIN(fit, (uint32_t)PMT_TCP_MAX_SACK);
		*n_sack = (uint8_t)RTE_MIN((uint32_t)o->n_sack, fit);
		len += TCPOLEN_SACK_ALIGNED_BASE +
			*n_sack * TCPOLEN_SACK_BLOCK;
	}
	return len;
}

uint16_t
pmt_tcp_opts_len(const struct pmt_tcp_out_opts *o)
{
	uint8_t n_sack;

	return opts_plan(o, &n_sack);
}

/*
 * The option layout is Linux's (tcp_options_write()), the most common
 * on the wire, in which each group is 4 bytes or a multiple of 4:
 *
 *   MSS                  02 04 mm mm
 *   TS with SACKOK       04 02 08 0a vvvvvvvv eeeeeeee
 *   TS alone             01 01 08 0a vvvvvvvv eeeeeeee
 *   SACKOK alone         01 01 04 02
 *   WS                   01 03 03 ss
 *   SACK, n blocks       01 01 05 (2+8n) (llllllll rrrrrrrr)*n
 *
 * A SYN with everything is MSS, SACKOK TS, NOP WS: 20 bytes.
 */
uint16_t
pmt_tcp_build(void *hdr, uint16_t sport, uint16_t dport,
	      uint32_t seq, uint32_t ack, uint8_t flags,
	      uint16_t wnd, const struct pmt_tcp_out_opts *o)
{
	uint8_t *p = hdr;
	uint8_t *q = p + TCP_HDR_LEN;
	uint8_t n_sack;
	uint16_t hlen = TCP_HDR_LEN + opts_plan(o, &n_sack);
	uint8_t i;

	/* RFC 9293 3.1: the fixed header; options follow at byte 20. */
	wr16(p + 0, sport);
	wr16(p + 2, dport);
	wr32(p + 4, seq);
	wr32(p + 8, ack);
	p[12] = (uint8_t)((hlen / 4) << 4);
	p[13] = flags;
	wr16(p + 14, wnd);
	wr16(p + 16, 0);	/* checksum: pmt_tcp_cksum() or the NIC */
	wr16(p + 18, 0);	/* urgent pointer: we never send URG */

	if (o == NULL)
		return hlen;

	if (o->opts & PMT_TO_MSS) {
		q = wr4(q, TCPOPT_MSS, TCPOLEN_MSS, 0, 0);
		wr16(q - 2, o->mss);	/* RFC 9293 3.7.1 */
	}
	if (o->opts & PMT_TO_TS) {
		/* RFC 7323 3.2: TSval, then TSecr (0 unless ACK is set). */
		if (o->opts & PMT_TO_SACK_PERM)
			q = wr4(q, TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM,
				TCPOPT_TS, TCPOLEN_TS);
		else
			q = wr4(q, TCPOPT_NOP, TCPOPT_NOP,
				TCPOPT_TS, TCPOLEN_TS);
		q = wr32(q, o->tsval);
		q = wr32(q, o->tsecr);
	} else if (o->opts & PMT_TO_SACK_PERM) {
		q = wr4(q, TCPOPT_NOP, TCPOPT_NOP,
			TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM);
	}
	if (o->opts & PMT_TO_WSCALE) {
		/* RFC 7323 2.3: a shift above 14 is not a valid offer. */
		q = wr4(q, TCPOPT_NOP, TCPOPT_WSCALE, TCPOLEN_WSCALE,
			RTE_MIN(o->wscale, (uint8_t)PMT_TCP_MAX_WSCALE));
	}
	if (n_sack > 0) {
		q = wr4(q, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK,
			(uint8_t)(TCPOLEN_SACK_BASE +
				  n_sack * TCPOLEN_SACK_BLOCK));
		for (i = 0; i < n_sack; i++) {
			q = wr32(q, o->sack[i].left);
			q = wr32(q, o->sack[i].right);
		}
	}
	RTE_ASSERT(q == p + hlen);
	return hlen;
}

/*
 * RFC 9293 3.1: "The checksum also covers a pseudo-header ... the
 * Source Address, the Destination Address, the Protocol number, and TCP
 * length." Summed as the words sit in memory, like rte_raw_cksum(), so
 * the folded result is in network order with no swapping.
 */
static uint16_t
cksum_sum(const struct rte_ipv4_hdr *ip, const void *tcp, uint32_t tcp_len)
{
	uint32_t a, b, sum;

	/* src_addr and dst_addr: two 32-bit words, each two 16-bit ones. */
	memcpy(&a, &ip->src_addr, 4);
	memcpy(&b, &ip->dst_addr, 4);
	sum = (a & 0xffff) + (a >> 16) + (b & 0xffff) + (b >> 16);
	sum += rte_cpu_to_be_16(IPPROTO_TCP);
	sum += rte_cpu_to_be_16((uint16_t)tcp_len);
	return pmt_cksum_fold(tcp, tcp_len, sum);
}

uint16_t
pmt_tcp_cksum(const struct rte_ipv4_hdr *ip, const void *tcp, uint32_t tcp_len)
{
	/* RFC 9293 3.1: "the 16-bit ones' complement of the ones'
	 * complement sum of all 16-bit words in the header and text". */
	return (uint16_t)~cksum_sum(ip, tcp, tcp_len);
}

bool
pmt_tcp_cksum_ok(const struct rte_ipv4_hdr *ip, const void *tcp,
		 uint32_t tcp_len)
{
	/* Summing the stored checksum too gives all ones when it holds. */
	return cksum_sum(ip, tcp, tcp_len) == 0xffff;
}

uint16_t
pmt_tcp_cksum_mbuf(const struct rte_ipv4_hdr *ip, const struct rte_mbuf *m,
		   uint32_t l4_off)
{
	uint32_t tcp_len = m->pkt_len - l4_off, done = 0, sum, part;
	const struct rte_mbuf *s;

	sum = __rte_raw_cksum(&ip->src_addr, 2 * sizeof(ip->src_addr), 0);
	sum += rte_cpu_to_be_16(IPPROTO_TCP);
	sum += rte_cpu_to_be_16((uint16_t)tcp_len);
	sum = __rte_raw_cksum_reduce(sum);
	for (s = m; s != NULL; s = s->next) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);
		uint32_t len = s->data_len;

		if (l4_off >= len) {
			l4_off -= len;
			continue;
		}
		p += l4_off;
		len -= l4_off;
		l4_off = 0;
		/*
		 * A piece that starts at an odd offset adds its words
		 * byte-swapped (RFC 1071 2(B)). Reduce to 16 bits before
		 * the swap: DPDK 22.11's rte_raw_cksum_mbuf() swaps the
		 * unreduced sum and loses the carries.
		 */
		part = pmt_cksum_fold(p, len, 0);
		if (done & 1)
			part = rte_bswap16((uint16_t)part);
		sum = __rte_raw_cksum_reduce(sum + part);
		done += len;
	}
	return (uint16_t)~sum;
}

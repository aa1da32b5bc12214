/* test_wire.c: unit tests of the Ethernet and IPv4 wire formats and address helpers, no EAL. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "engine/pmt_engine.h"
#include "net/pmt_net.h"

/* DPDK 22.11's RTE_IPV4 shifts a signed int (UB for 128 and up): ours is unsigned. */
#define PMT_T_IPV4(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | \
	 (uint32_t)(d))

/* Network-order address from dotted parts. */
#define IP(a, b, c, d) rte_cpu_to_be_32(PMT_T_IPV4(a, b, c, d))

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct rte_ether_addr our_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
static const struct rte_ether_addr peer_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } };
static const struct rte_ether_addr other_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 } };
static const struct rte_ether_addr bcast_mac = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const struct rte_ether_addr mcast_mac = {
	.addr_bytes = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } };
static const struct rte_ether_addr zero_mac;

/*
 * Guard page: test bytes are copied so that they end where an unmapped
 * page begins, so a parser that reads one byte past the length it was
 * given faults (and Check, in fork mode, reports the crash).
 */
static uint8_t *guard_area;
static size_t page_size;

static void
guard_setup(void)
{
	page_size = (size_t)sysconf(_SC_PAGESIZE);
	guard_area = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(guard_area, MAP_FAILED);
	ck_assert_int_eq(mprotect(guard_area + page_size, page_size,
				  PROT_NONE), 0);
}

static void
guard_teardown(void)
{
	munmap(guard_area, 2 * page_size);
}

static const void *
at_edge(const void *src, uint32_t len)
{
	uint8_t *p = guard_area + page_size - len;

	ck_assert_uint_le(len, page_size);
	memcpy(p, src, len);
	return p;
}

/* RFC 1071 reference, written independently of the stack: big-endian. */
static uint16_t
ref_cksum(const uint8_t *b, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void
put16(uint8_t *b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)(v >> 8);
	b[off + 1] = (uint8_t)v;
}

static void
put32(uint8_t *b, size_t off, uint32_t v)
{
	put16(b, off, (uint16_t)(v >> 16));
	put16(b, off + 2, (uint16_t)v);
}

/* The bytes a uint16_t returned in memory order holds, as a big-endian value. */
static uint16_t
mem16(uint16_t v)
{
	uint8_t b[2];

	memcpy(b, &v, sizeof(b));
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* ---- Ethernet ---- */

static uint32_t
eth_frame(uint8_t *f, const struct rte_ether_addr *dst,
	  const struct rte_ether_addr *src, uint16_t type)
{
	memcpy(f, dst->addr_bytes, 6);
	memcpy(f + 6, src->addr_bytes, 6);
	put16(f, 12, type);
	memset(f + 14, 0x5a, 46);
	return 60;
}

START_TEST(eth_ours_unicast)
{
	struct pmt_eth_info info;
	uint8_t f[60];
	uint32_t n = eth_frame(f, &our_mac, &peer_mac, 0x0800);

	memset(&info, 0xee, sizeof(info));
	ck_assert_int_eq(pmt_eth_parse(f, n, &our_mac, &info), PMT_ETH_OK);
	ck_assert_uint_eq(info.ether_type, 0x0800);
	ck_assert(!info.broadcast);
	/* Exactly a header, nothing after it, is still a header. */
	ck_assert_int_eq(pmt_eth_parse(at_edge(f, 14), 14, &our_mac, &info),
			 PMT_ETH_OK);
	ck_assert_uint_eq(info.ether_type, 0x0800);
}
END_TEST

START_TEST(eth_broadcast)
{
	struct pmt_eth_info info;
	uint8_t f[60];
	uint32_t n = eth_frame(f, &bcast_mac, &peer_mac, 0x0806);

	memset(&info, 0, sizeof(info));
	ck_assert_int_eq(pmt_eth_parse(f, n, &our_mac, &info), PMT_ETH_OK);
	ck_assert_uint_eq(info.ether_type, 0x0806);
	ck_assert(info.broadcast);
}
END_TEST

START_TEST(eth_other_unicast_and_multicast)
{
	struct pmt_eth_info info;
	uint8_t f[60];
	uint32_t n;

	n = eth_frame(f, &other_mac, &peer_mac, 0x0800);
	ck_assert_int_eq(pmt_eth_parse(f, n, &our_mac, &info),
			 PMT_ETH_NOT_OURS);
	/* We join no multicast group: not ours either. */
	n = eth_frame(f, &mcast_mac, &peer_mac, 0x0800);
	ck_assert_int_eq(pmt_eth_parse(f, n, &our_mac, &info),
			 PMT_ETH_NOT_OURS);
	/* Differs from ours in the last bit of the last byte only. */
	n = eth_frame(f, &our_mac, &peer_mac, 0x0800);
	f[5] ^= 0x01;
	ck_assert_int_eq(pmt_eth_parse(f, n, &our_mac, &info),
			 PMT_ETH_NOT_OURS);
	/* ...and in the first byte only (0x03 is still unicast). */
	f[5] ^= 0x01;
	f[0] ^= 0x01 << 1;
	ck_assert_int_eq(pmt_eth_parse(f, n, &our_mac, &info),
			 PMT_ETH_NOT_OURS);
}
END_TEST

START_TEST(eth_every_truncation)
{
	struct pmt_eth_info info;
	uint8_t f[60];
	uint32_t len;

	eth_frame(f, &our_mac, &peer_mac, 0x0800);
	for (len = 0; len < RTE_ETHER_HDR_LEN; len++)
		ck_assert_msg(pmt_eth_parse(at_edge(f, len), len, &our_mac,
					    &info) == PMT_ETH_SHORT,
			      "length %u not SHORT", len);
	eth_frame(f, &bcast_mac, &peer_mac, 0x0806);
	for (len = 0; len < RTE_ETHER_HDR_LEN; len++)
		ck_assert_msg(pmt_eth_parse(at_edge(f, len), len, &our_mac,
					    &info) == PMT_ETH_SHORT,
			      "broadcast, length %u not SHORT", len);
}
END_TEST

START_TEST(eth_vlan_tags)
{
	static const uint16_t tags[] = { 0x8100, 0x88a8, 0x9100 };
	struct pmt_eth_info info;
	uint8_t f[60];
	uint32_t n;
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(tags); i++) {
		n = eth_frame(f, &our_mac, &peer_mac, tags[i]);
		/* An inner IPv4 type behind the tag changes nothing. */
		put16(f, 16, 0x0800);
		ck_assert_msg(pmt_eth_parse(f, n, &our_mac, &info) ==
			      PMT_ETH_VLAN, "type %#x not VLAN", tags[i]);
		n = eth_frame(f, &bcast_mac, &peer_mac, tags[i]);
		ck_assert_msg(pmt_eth_parse(f, n, &our_mac, &info) ==
			      PMT_ETH_VLAN, "bcast type %#x not VLAN",
			      tags[i]);
	}
}
END_TEST

START_TEST(eth_other_types_pass)
{
	static const uint16_t types[] = { 0x0800, 0x0806, 0x86dd, 0x88cc,
					  0x0000, 0x05dc, 0xffff };
	struct pmt_eth_info info;
	uint8_t f[60];
	uint32_t n;
	unsigned int i;

	/* Dispatch by type is the input function's job, not the parser's. */
	for (i = 0; i < ARRAY_LEN(types); i++) {
		n = eth_frame(f, &our_mac, &peer_mac, types[i]);
		ck_assert_int_eq(pmt_eth_parse(f, n, &our_mac, &info),
				 PMT_ETH_OK);
		ck_assert_uint_eq(info.ether_type, types[i]);
	}
}
END_TEST

START_TEST(eth_bad_source)
{
	static const struct rte_ether_addr *bad[] = {
		&mcast_mac, &bcast_mac, &zero_mac };
	struct rte_ether_addr group = peer_mac;
	struct pmt_eth_info info;
	uint8_t f[60];
	uint32_t n;
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		n = eth_frame(f, &our_mac, bad[i], 0x0800);
		ck_assert_msg(pmt_eth_parse(f, n, &our_mac, &info) ==
			      PMT_ETH_BAD_SRC, "unicast, source %u", i);
		n = eth_frame(f, &bcast_mac, bad[i], 0x0806);
		ck_assert_msg(pmt_eth_parse(f, n, &our_mac, &info) ==
			      PMT_ETH_BAD_SRC, "broadcast, source %u", i);
	}
	/* The group bit alone makes a source bad. */
	group.addr_bytes[0] |= 0x01;
	n = eth_frame(f, &our_mac, &group, 0x0800);
	ck_assert_int_eq(pmt_eth_parse(f, n, &our_mac, &info),
			 PMT_ETH_BAD_SRC);
	/* A locally administered, non-zero source is fine. */
	n = eth_frame(f, &our_mac, &other_mac, 0x0800);
	ck_assert_int_eq(pmt_eth_parse(f, n, &our_mac, &info), PMT_ETH_OK);
}
END_TEST

/* ---- Internet checksum ---- */

START_TEST(cksum_rfc1071_example)
{
	/* RFC 1071 section 3: these words sum to 0xddf2. */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t c = pmt_inet_cksum(b, sizeof(b));
	uint8_t with[10];

	ck_assert_uint_eq(mem16(c), 0x220d);
	ck_assert_uint_eq(ref_cksum(b, sizeof(b)), 0x220d);
	/* Stored as is, the checksum makes the whole verify to zero. */
	memcpy(with, b, sizeof(b));
	memcpy(with + sizeof(b), &c, sizeof(c));
	ck_assert_uint_eq(pmt_inet_cksum(with, sizeof(with)), 0);
}
END_TEST

START_TEST(cksum_odd_lengths)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0xf7 };
	static const uint8_t one = 0xab;

	/* The odd byte is padded with a zero on the right (RFC 1071). */
	ck_assert_uint_eq(mem16(pmt_inet_cksum(b, 3)), 0x0dfe);
	ck_assert_uint_eq(mem16(pmt_inet_cksum(b, 7)), 0x2304);
	ck_assert_uint_eq(mem16(pmt_inet_cksum(&one, 1)), 0x54ff);
	ck_assert_uint_eq(mem16(pmt_inet_cksum(b, 0)), 0xffff);
	ck_assert_uint_eq(ref_cksum(b, 3), 0x0dfe);
	ck_assert_uint_eq(ref_cksum(b, 7), 0x2304);
}
END_TEST

/*
 * pmt_cksum_fold() against DPDK's two-bytes-a-step sum: the same folded
 * value for every alignment, for lengths on both sides of
 * PMT_CKSUM_WIDE, and for the starting sums the stack passes
 * (pseudo-header sums).
 */
START_TEST(cksum_fold_matches_dpdk)
{
	static uint8_t buf[2048 + 8];
	uint32_t x = 0x9e3779b9, seed;
	unsigned int i, off, len, k;

	for (i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (off = 0; off < 8; off++)
		for (len = 0; len <= 2048; len += (len < 96 ? 1 : 37))
			for (k = 0; k < 3; k++) {
				x = x * 1103515245u + 12345u;
				seed = k == 0 ? 0 : k == 1 ? 0x3fffc : (x >> 12);
				ck_assert_msg(pmt_cksum_fold(buf + off, len, seed) ==
					      __rte_raw_cksum_reduce(__rte_raw_cksum(buf + off, len, seed)),
					      "off %u len %u seed %#x", off, len, seed);
			}
	/* All ones and all zeroes, short and long: -0 is 0xffff, +0 is 0. */
	memset(buf, 0xff, sizeof(buf));
	ck_assert_uint_eq(pmt_cksum_fold(buf, 40, 0), 0xffff);
	ck_assert_uint_eq(pmt_cksum_fold(buf, 2048, 0), 0xffff);
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(pmt_cksum_fold(buf, 40, 0), 0);
	ck_assert_uint_eq(pmt_cksum_fold(buf, 2048, 0), 0);
}
END_TEST

START_TEST(cksum_vs_reference)
{
	static uint8_t buf[2048 + 8];
	uint32_t x = 0x12345678;
	unsigned int i, off, len;

	for (i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	/* Every alignment, lengths around the sizes the stack sees. */
	for (off = 0; off < 8; off++)
		for (len = 0; len <= 2048; len += (len < 80 ? 1 : 61))
			ck_assert_msg(mem16(pmt_inet_cksum(buf + off, len)) ==
				      ref_cksum(buf + off, len),
				      "offset %u length %u", off, len);
	/* All ones: the sum is 0xffff (-0), so the checksum is 0. */
	memset(buf, 0xff, 1500);
	ck_assert_uint_eq(pmt_inet_cksum(buf, 1500), 0);
	ck_assert_uint_eq(mem16(pmt_inet_cksum(at_edge(buf, 1499), 1499)),
			  ref_cksum(buf, 1499));
}
END_TEST

/* ---- IPv4 ---- */

#define IP_ID 0x1234

/*
 * An IPv4 packet of IHL @ihl (options are NOPs) and @payload bytes at @b:
 * TTL 64, ICMP, 198.18.0.1 -> 198.18.0.2, checksum right. @return length.
 */
static uint32_t
ip_pkt(uint8_t *b, unsigned int ihl, unsigned int payload)
{
	uint32_t n = ihl * 4 + payload;

	memset(b, 0, 20);
	b[0] = (uint8_t)(0x40 | ihl);
	put16(b, 2, (uint16_t)n);
	put16(b, 4, IP_ID);
	b[8] = 64;
	b[9] = IPPROTO_ICMP;
	put32(b, 12, PMT_T_IPV4(198, 18, 0, 1));
	put32(b, 16, PMT_T_IPV4(198, 18, 0, 2));
	if (ihl > 5)
		memset(b + 20, 0x01, ihl * 4 - 20);
	memset(b + ihl * 4, 0xa5, payload);
	put16(b, 10, 0);
	put16(b, 10, ref_cksum(b, (b[0] & 0xf) * 4u));
	return n;
}

/* Recompute the checksum after a change, so only the change is wrong. */
static void
ip_fix(uint8_t *b)
{
	unsigned int hl = (b[0] & 0xf) * 4u;

	if (hl < 20)
		hl = 20;
	put16(b, 10, 0);
	put16(b, 10, ref_cksum(b, hl));
}

static enum pmt_ipv4_verdict
ip_parse(const uint8_t *b, uint32_t len, struct pmt_ipv4_info *info)
{
	return pmt_ipv4_parse(at_edge(b, len), len, false, info);
}

START_TEST(ipv4_valid)
{
	struct pmt_ipv4_info info;
	uint8_t b[128];
	uint32_t n = ip_pkt(b, 5, 36);

	memset(&info, 0xee, sizeof(info));
	ck_assert_int_eq(ip_parse(b, n, &info), PMT_IPV4_OK);
	ck_assert_uint_eq(info.src, IP(198, 18, 0, 1));
	ck_assert_uint_eq(info.dst, IP(198, 18, 0, 2));
	ck_assert_uint_eq(info.hdr_len, 20);
	ck_assert_uint_eq(info.total_len, 56);
	ck_assert_uint_eq(info.proto, IPPROTO_ICMP);
	ck_assert_uint_eq(info.ttl, 64);
	/* A header alone, no payload. */
	n = ip_pkt(b, 5, 0);
	ck_assert_int_eq(ip_parse(b, n, &info), PMT_IPV4_OK);
	ck_assert_uint_eq(info.total_len, 20);
	/* TTL 0 and 255 are the caller's business. */
	b[8] = 0;
	ip_fix(b);
	ck_assert_int_eq(ip_parse(b, n, &info), PMT_IPV4_OK);
	ck_assert_uint_eq(info.ttl, 0);
	b[8] = 255;
	b[9] = IPPROTO_TCP;
	ip_fix(b);
	ck_assert_int_eq(ip_parse(b, n, &info), PMT_IPV4_OK);
	ck_assert_uint_eq(info.ttl, 255);
	ck_assert_uint_eq(info.proto, IPPROTO_TCP);
}
END_TEST

START_TEST(ipv4_ethernet_padding)
{
	struct pmt_ipv4_info info;
	uint8_t b[128];
	uint32_t n = ip_pkt(b, 5, 8);

	/* A 28-byte datagram in a minimum frame comes with 18 pad bytes. */
	memset(b + n, 0, 18);
	ck_assert_int_eq(ip_parse(b, n + 18, &info), PMT_IPV4_OK);
	ck_assert_uint_eq(info.total_len, 28);
}
END_TEST

START_TEST(ipv4_every_truncation)
{
	struct pmt_ipv4_info info;
	uint8_t b[64];
	uint32_t len;

	ip_pkt(b, 5, 0);
	for (len = 0; len < 20; len++)
		ck_assert_msg(ip_parse(b, len, &info) == PMT_IPV4_SHORT,
			      "length %u not SHORT", len);
}
END_TEST

START_TEST(ipv4_bad_version)
{
	struct pmt_ipv4_info info;
	uint8_t b[64];
	uint32_t n;
	unsigned int v;

	for (v = 0; v < 16; v++) {
		if (v == 4)
			continue;
		n = ip_pkt(b, 5, 8);
		b[0] = (uint8_t)(v << 4 | 5);
		ip_fix(b);
		ck_assert_msg(ip_parse(b, n, &info) == PMT_IPV4_BAD_VERSION,
			      "version %u", v);
	}
}
END_TEST

START_TEST(ipv4_bad_ihl)
{
	struct pmt_ipv4_info info;
	uint8_t b[128];
	uint32_t n;
	unsigned int ihl;

	/* IHL below 5 cannot hold the fixed header. */
	for (ihl = 0; ihl < 5; ihl++) {
		n = ip_pkt(b, 5, 40);
		b[0] = (uint8_t)(0x40 | ihl);
		ip_fix(b);
		ck_assert_msg(ip_parse(b, n, &info) == PMT_IPV4_BAD_IHL,
			      "IHL %u", ihl);
	}
	/* A header longer than the bytes there are: one byte short. */
	for (ihl = 6; ihl <= 15; ihl++) {
		n = ip_pkt(b, ihl, 0);
		ck_assert_msg(ip_parse(b, n - 1, &info) == PMT_IPV4_BAD_IHL,
			      "IHL %u, %u bytes", ihl, n - 1);
		ck_assert_msg(ip_parse(b, 20, &info) == PMT_IPV4_BAD_IHL,
			      "IHL %u, 20 bytes", ihl);
	}
}
END_TEST

START_TEST(ipv4_bad_total_length)
{
	struct pmt_ipv4_info info;
	uint8_t b[128];
	uint32_t n;
	unsigned int t;

	/* Total length below the header length. */
	for (t = 0; t < 20; t++) {
		n = ip_pkt(b, 5, 8);
		put16(b, 2, (uint16_t)t);
		ip_fix(b);
		ck_assert_msg(ip_parse(b, n, &info) == PMT_IPV4_BAD_LEN,
			      "total length %u, IHL 5", t);
	}
	for (t = 20; t < 24; t++) {
		n = ip_pkt(b, 6, 8);
		put16(b, 2, (uint16_t)t);
		ip_fix(b);
		ck_assert_msg(ip_parse(b, n, &info) == PMT_IPV4_BAD_LEN,
			      "total length %u, IHL 6", t);
	}
	/* Total length beyond the bytes received. */
	n = ip_pkt(b, 5, 8);
	put16(b, 2, (uint16_t)(n + 1));
	ip_fix(b);
	ck_assert_int_eq(ip_parse(b, n, &info), PMT_IPV4_BAD_LEN);
	put16(b, 2, 0xffff);
	ip_fix(b);
	ck_assert_int_eq(ip_parse(b, n, &info), PMT_IPV4_BAD_LEN);
	/* Exactly the header length is fine. */
	n = ip_pkt(b, 6, 0);
	ck_assert_int_eq(ip_parse(b, n, &info), PMT_IPV4_OK);
	ck_assert_uint_eq(info.total_len, 24);
}
END_TEST

START_TEST(ipv4_bad_cksum)
{
	struct pmt_ipv4_info info;
	uint8_t b[64];
	uint32_t n = ip_pkt(b, 5, 8);
	unsigned int byte, bit;

	b[11] ^= 0x01;
	ck_assert_int_eq(ip_parse(b, n, &info), PMT_IPV4_BAD_CKSUM);
	/* The checksum field all zeroes ("not computed") is wrong too. */
	put16(b, 10, 0);
	ck_assert_int_eq(ip_parse(b, n, &info), PMT_IPV4_BAD_CKSUM);
	/* Every single-bit error in the header is caught. */
	for (byte = 0; byte < 20; byte++) {
		for (bit = 0; bit < 8; bit++) {
			enum pmt_ipv4_verdict v;

			ip_pkt(b, 5, 8);
			b[byte] ^= (uint8_t)(1u << bit);
			v = ip_parse(b, n, &info);
			ck_assert_msg(v != PMT_IPV4_OK,
				      "bit %u of byte %u passed", bit, byte);
			/* Beyond version, IHL and length it is the sum. */
			if (byte == 1 || byte >= 4)
				ck_assert_msg(v == PMT_IPV4_BAD_CKSUM,
					      "bit %u of byte %u: %d", bit,
					      byte, v);
		}
	}
	/* Options are covered by the checksum. */
	n = ip_pkt(b, 7, 8);
	b[25] ^= 0x10;
	ck_assert_int_eq(ip_parse(b, n, &info), PMT_IPV4_BAD_CKSUM);
	/* The payload is not. */
	n = ip_pkt(b, 5, 8);
	b[24] ^= 0xff;
	ck_assert_int_eq(ip_parse(b, n, &info), PMT_IPV4_OK);
}
END_TEST

START_TEST(ipv4_cksum_checked_skips_sum)
{
	struct pmt_ipv4_info info;
	uint8_t b[64];
	uint32_t n = ip_pkt(b, 5, 8);

	put16(b, 10, 0xbeef);
	ck_assert_int_eq(pmt_ipv4_parse(at_edge(b, n), n, true, &info),
			 PMT_IPV4_OK);
	ck_assert_uint_eq(info.src, IP(198, 18, 0, 1));
	ck_assert_int_eq(pmt_ipv4_parse(at_edge(b, n), n, false, &info),
			 PMT_IPV4_BAD_CKSUM);
	/* The other checks still apply. */
	b[0] = 0x44;
	ck_assert_int_eq(pmt_ipv4_parse(at_edge(b, n), n, true, &info),
			 PMT_IPV4_BAD_IHL);
}
END_TEST

START_TEST(ipv4_fragments)
{
	static const struct {
		uint16_t frag;
		enum pmt_ipv4_verdict want;
	} cases[] = {
		{ 0x2000, PMT_IPV4_FRAGMENT },	/* MF: first fragment */
		{ 0x0001, PMT_IPV4_FRAGMENT },	/* offset 8: last fragment */
		{ 0x2001, PMT_IPV4_FRAGMENT },	/* middle */
		{ 0x1fff, PMT_IPV4_FRAGMENT },	/* largest offset */
		{ 0x1000, PMT_IPV4_FRAGMENT },
		{ 0x6000, PMT_IPV4_FRAGMENT },	/* DF with MF is still MF */
		{ 0x4001, PMT_IPV4_FRAGMENT },
		{ 0x4000, PMT_IPV4_OK },	/* DF alone */
		{ 0x0000, PMT_IPV4_OK },
	};
	struct pmt_ipv4_info info;
	uint8_t b[64];
	uint32_t n;
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		n = ip_pkt(b, 5, 8);
		put16(b, 6, cases[i].frag);
		ip_fix(b);
		ck_assert_msg(ip_parse(b, n, &info) == cases[i].want,
			      "fragment field %#06x", cases[i].frag);
	}
}
END_TEST

START_TEST(ipv4_options)
{
	struct pmt_ipv4_info info;
	uint8_t b[128];
	uint32_t n;
	unsigned int ihl;

	for (ihl = 5; ihl <= 15; ihl++) {
		n = ip_pkt(b, ihl, 8);
		memset(&info, 0, sizeof(info));
		ck_assert_msg(ip_parse(b, n, &info) == PMT_IPV4_OK,
			      "IHL %u", ihl);
		ck_assert_uint_eq(info.hdr_len, ihl * 4);
		ck_assert_uint_eq(info.total_len, ihl * 4 + 8);
		ck_assert_uint_eq(info.src, IP(198, 18, 0, 1));
		ck_assert_uint_eq(info.dst, IP(198, 18, 0, 2));
		/* All header, no payload, right to the last byte. */
		n = ip_pkt(b, ihl, 0);
		ck_assert_msg(ip_parse(b, n, &info) == PMT_IPV4_OK,
			      "IHL %u, no payload", ihl);
		ck_assert_uint_eq(info.hdr_len, n);
	}
}
END_TEST

START_TEST(ipv4_bad_source)
{
	static const uint32_t bad[] = {
		PMT_T_IPV4(0, 0, 0, 0), PMT_T_IPV4(0, 1, 2, 3),
		PMT_T_IPV4(0, 255, 255, 255), PMT_T_IPV4(127, 0, 0, 1),
		PMT_T_IPV4(127, 255, 255, 254), PMT_T_IPV4(224, 0, 0, 1),
		PMT_T_IPV4(239, 255, 255, 250), PMT_T_IPV4(240, 0, 0, 1),
		PMT_T_IPV4(255, 255, 255, 254), PMT_T_IPV4(255, 255, 255, 255),
	};
	struct pmt_ipv4_info info;
	uint8_t b[64];
	uint32_t n;
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		n = ip_pkt(b, 5, 8);
		put32(b, 12, bad[i]);
		ip_fix(b);
		ck_assert_msg(ip_parse(b, n, &info) == PMT_IPV4_BAD_SRC,
			      "source %#010x", bad[i]);
	}
	/* The destination is the input function's business. */
	n = ip_pkt(b, 5, 8);
	put32(b, 16, PMT_T_IPV4(255, 255, 255, 255));
	ip_fix(b);
	ck_assert_int_eq(ip_parse(b, n, &info), PMT_IPV4_OK);
	ck_assert_uint_eq(info.dst, UINT32_MAX);
}
END_TEST

START_TEST(ipv4_build_exact)
{
	/* Worked by hand: words sum to 0x223b0, folded 0x23b2, ~ 0xdc4d. */
	static const uint8_t want[20] = {
		0x45, 0x00, 0x00, 0x54,	/* v4, IHL 5, total 84 */
		0x12, 0x34, 0x00, 0x00,	/* id 0x1234, no flags */
		0x40, 0x01, 0xdc, 0x4d,	/* TTL 64, ICMP, checksum */
		0xc6, 0x12, 0x00, 0x02,	/* 198.18.0.2 */
		0xc6, 0x12, 0x00, 0x01,	/* 198.18.0.1 */
	};
	struct rte_ipv4_hdr ip;
	struct pmt_ipv4_info info;
	uint8_t got[20], pkt[84] = { 0 };

	RTE_BUILD_BUG_ON(sizeof(ip) != 20);
	memset(&ip, 0xee, sizeof(ip));
	pmt_ipv4_build(&ip, IP(198, 18, 0, 2), IP(198, 18, 0, 1),
		       IPPROTO_ICMP, 64, 0x1234);
	/* Every byte written; the checksum left to the output path. */
	memcpy(got, &ip, sizeof(got));
	ck_assert_mem_eq(got, want, 10);
	ck_assert_uint_eq(got[10], 0);
	ck_assert_uint_eq(got[11], 0);
	ck_assert_mem_eq(got + 12, want + 12, 8);
	/* The checksum the output path stores, as a human would. */
	ip.hdr_checksum = pmt_inet_cksum(&ip, sizeof(ip));
	memcpy(got, &ip, sizeof(got));
	ck_assert_mem_eq(got, want, sizeof(want));
	memcpy(pkt, want, sizeof(want));
	ck_assert_int_eq(pmt_ipv4_parse(pkt, sizeof(pkt), false, &info),
			 PMT_IPV4_OK);
	ck_assert_uint_eq(info.total_len, 84);
}
END_TEST

START_TEST(ipv4_build_round_trip)
{
	static const uint16_t lens[] = { 0, 1, 1460, 65515 };
	static uint8_t b[65535];
	struct pmt_ipv4_info info;
	struct rte_ipv4_hdr ip;
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(lens); i++) {
		pmt_ipv4_build(&ip, IP(198, 19, 255, 254), IP(198, 18, 0, 9),
			       IPPROTO_TCP, lens[i], (uint16_t)(0xffff - i));
		ip.hdr_checksum = pmt_inet_cksum(&ip, sizeof(ip));
		memcpy(b, &ip, sizeof(ip));
		memset(b + sizeof(ip), 0, lens[i]);
		ck_assert_int_eq(pmt_ipv4_parse(b, 20u + lens[i], false, &info),
				 PMT_IPV4_OK);
		ck_assert_uint_eq(info.total_len, 20u + lens[i]);
		ck_assert_uint_eq(info.hdr_len, 20);
		ck_assert_uint_eq(info.proto, IPPROTO_TCP);
		ck_assert_uint_eq(info.ttl, 64);
		ck_assert_uint_eq(info.src, IP(198, 19, 255, 254));
		ck_assert_uint_eq(info.dst, IP(198, 18, 0, 9));
		ck_assert_uint_eq(rte_be_to_cpu_16(ip.packet_id), 0xffff - i);
		ck_assert_uint_eq(ip.fragment_offset, 0);
		ck_assert_uint_eq(ip.type_of_service, 0);
	}
}
END_TEST

START_TEST(ipv4_unicast)
{
	static const struct {
		uint32_t a;
		bool unicast;
	} cases[] = {
		{ PMT_T_IPV4(198, 18, 0, 1), true },
		{ PMT_T_IPV4(198, 19, 255, 255), true },
		/* The class boundaries around each excluded block. */
		{ PMT_T_IPV4(0, 0, 0, 0), false },
		{ PMT_T_IPV4(0, 255, 255, 255), false },
		{ PMT_T_IPV4(1, 0, 0, 0), true },
		{ PMT_T_IPV4(126, 255, 255, 255), true },
		{ PMT_T_IPV4(127, 0, 0, 0), false },
		{ PMT_T_IPV4(127, 255, 255, 255), false },
		{ PMT_T_IPV4(128, 0, 0, 0), true },
		{ PMT_T_IPV4(223, 255, 255, 255), true },
		{ PMT_T_IPV4(224, 0, 0, 0), false },
		{ PMT_T_IPV4(239, 255, 255, 255), false },
		{ PMT_T_IPV4(240, 0, 0, 0), false },
		{ PMT_T_IPV4(255, 255, 255, 255), false },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(cases); i++)
		ck_assert_msg(pmt_ipv4_unicast(rte_cpu_to_be_32(cases[i].a)) ==
			      cases[i].unicast, "%#010x", cases[i].a);
}
END_TEST

/* ---- interface addresses ---- */

static void
iface_fill(struct pmt_iface *ifc)
{
	memset(ifc, 0, sizeof(*ifc));
	ifc->mac = our_mac;
	ifc->n_addrs = 4;
	ifc->addrs[0] = (struct pmt_ipv4_prefix){ IP(198, 18, 0, 2), 24 };
	ifc->addrs[1] = (struct pmt_ipv4_prefix){ IP(198, 18, 1, 1), 31 };
	ifc->addrs[2] = (struct pmt_ipv4_prefix){ IP(198, 18, 4, 9), 32 };
	ifc->addrs[3] = (struct pmt_ipv4_prefix){ IP(198, 18, 2, 5), 23 };
	/* Beyond n_addrs: must be ignored. */
	ifc->addrs[4] = (struct pmt_ipv4_prefix){ IP(198, 19, 1, 1), 24 };
}

START_TEST(iface_addr_index)
{
	struct pmt_iface ifc;

	iface_fill(&ifc);
	ck_assert_int_eq(pmt_iface_addr_index(&ifc, IP(198, 18, 0, 2)), 0);
	ck_assert_int_eq(pmt_iface_addr_index(&ifc, IP(198, 18, 1, 1)), 1);
	ck_assert_int_eq(pmt_iface_addr_index(&ifc, IP(198, 18, 4, 9)), 2);
	ck_assert_int_eq(pmt_iface_addr_index(&ifc, IP(198, 18, 2, 5)), 3);
	ck_assert_int_eq(pmt_iface_addr_index(&ifc, IP(198, 19, 1, 1)), -1);
	ck_assert_int_eq(pmt_iface_addr_index(&ifc, IP(198, 18, 0, 3)), -1);
	ck_assert_int_eq(pmt_iface_addr_index(&ifc, IP(198, 18, 1, 0)), -1);
	ck_assert_int_eq(pmt_iface_addr_index(&ifc, 0), -1);
	ck_assert_int_eq(pmt_iface_addr_index(&ifc, UINT32_MAX), -1);
	/* Byte order matters: the host-order value is another address. */
	ck_assert_int_eq(pmt_iface_addr_index(&ifc, PMT_T_IPV4(198, 18, 0, 2)),
			 -1);
	ifc.n_addrs = 0;
	ck_assert_int_eq(pmt_iface_addr_index(&ifc, IP(198, 18, 0, 2)), -1);
}
END_TEST

START_TEST(iface_is_broadcast)
{
	static const struct {
		uint32_t a;
		bool bcast;
	} cases[] = {
		{ PMT_T_IPV4(255, 255, 255, 255), true },	/* limited */
		{ PMT_T_IPV4(198, 18, 0, 255), true },	/* of the /24 */
		{ PMT_T_IPV4(198, 18, 0, 0), false },	/* its network */
		{ PMT_T_IPV4(198, 18, 0, 254), false },
		{ PMT_T_IPV4(198, 18, 0, 2), false },
		{ PMT_T_IPV4(198, 18, 1, 1), false },	/* /31: no broadcast */
		{ PMT_T_IPV4(198, 18, 1, 0), false },
		{ PMT_T_IPV4(198, 18, 4, 9), false },	/* /32 */
		{ PMT_T_IPV4(198, 18, 3, 255), true },	/* of the /23 */
		{ PMT_T_IPV4(198, 18, 2, 255), false },	/* inside the /23 */
		{ PMT_T_IPV4(198, 19, 1, 255), false },	/* beyond n_addrs */
		{ PMT_T_IPV4(198, 18, 5, 255), false },	/* not our subnet */
		{ PMT_T_IPV4(198, 19, 255, 255), false },
	};
	struct pmt_iface ifc;
	unsigned int i;

	iface_fill(&ifc);
	for (i = 0; i < ARRAY_LEN(cases); i++)
		ck_assert_msg(pmt_iface_is_broadcast(&ifc,
				rte_cpu_to_be_32(cases[i].a)) == cases[i].bcast,
			      "%#010x", cases[i].a);
	ifc.n_addrs = 0;
	ck_assert(pmt_iface_is_broadcast(&ifc, UINT32_MAX));
	ck_assert(!pmt_iface_is_broadcast(&ifc, IP(198, 18, 0, 255)));
}
END_TEST

static Suite *
wire_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *tc;

	tc = tcase_create("eth");
	tcase_add_checked_fixture(tc, guard_setup, guard_teardown);
	tcase_add_test(tc, eth_ours_unicast);
	tcase_add_test(tc, eth_broadcast);
	tcase_add_test(tc, eth_other_unicast_and_multicast);
	tcase_add_test(tc, eth_every_truncation);
	tcase_add_test(tc, eth_vlan_tags);
	tcase_add_test(tc, eth_other_types_pass);
	tcase_add_test(tc, eth_bad_source);
	suite_add_tcase(s, tc);

	tc = tcase_create("cksum");
	tcase_add_checked_fixture(tc, guard_setup, guard_teardown);
	tcase_add_test(tc, cksum_rfc1071_example);
	tcase_add_test(tc, cksum_odd_lengths);
	tcase_add_test(tc, cksum_vs_reference);
	tcase_add_test(tc, cksum_fold_matches_dpdk);
	suite_add_tcase(s, tc);

	tc = tcase_create("ipv4");
	tcase_add_checked_fixture(tc, guard_setup, guard_teardown);
	tcase_add_test(tc, ipv4_valid);
	tcase_add_test(tc, ipv4_ethernet_padding);
	tcase_add_test(tc, ipv4_every_truncation);
	tcase_add_test(tc, ipv4_bad_version);
	tcase_add_test(tc, ipv4_bad_ihl);
	tcase_add_test(tc, ipv4_bad_total_length);
	tcase_add_test(tc, ipv4_bad_cksum);
	tcase_add_test(tc, ipv4_cksum_checked_skips_sum);
	tcase_add_test(tc, ipv4_fragments);
	tcase_add_test(tc, ipv4_options);
	tcase_add_test(tc, ipv4_bad_source);
	tcase_add_test(tc, ipv4_build_exact);
	tcase_add_test(tc, ipv4_build_round_trip);
	tcase_add_test(tc, ipv4_unicast);
	suite_add_tcase(s, tc);

	tc = tcase_create("iface");
	tcase_add_test(tc, iface_addr_index);
	tcase_add_test(tc, iface_is_broadcast);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(wire_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

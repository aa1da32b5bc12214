/* test_engine.c: packet-level tests of the link and network layers through one engine. */
#include <string.h>

#include <rte_arp.h>
#include <rte_icmp.h>

#include "tstack.h"

static const struct rte_ether_addr bcast = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const struct rte_ether_addr zero_mac;

/* Teach the stack the peer's MAC with a request for our address. */
static void
learn_peer(struct tstack *t)
{
	uint8_t f[64];
	struct rte_mbuf *m;
	size_t n = ts_arp(f, &bcast, &ts_peer_mac, RTE_ARP_OP_REQUEST,
			  &ts_peer_mac, ts_ip(TS_PEER_IP), &zero_mac,
			  ts_ip(TS_OUR_IP));

	tstack_inject(t, f, n);
	m = tstack_tx(t);
	ck_assert_ptr_nonnull(m);
	rte_pktmbuf_free(m);
	tstack_expect_stats(t, { "rx_pkts", 1 }, { "arp_rx_requests", 1 },
			    { "arp_tx_replies", 1 }, { "arp_learned", 1 },
			    { "tx_pkts", 1 });
}

START_TEST(arp_request_gets_exact_reply)
{
	struct tstack *t = tstack_new(NULL);
	uint8_t f[64], want[64];
	struct rte_mbuf *m;
	size_t n;

	n = ts_arp(f, &bcast, &ts_peer_mac, RTE_ARP_OP_REQUEST, &ts_peer_mac,
		   ts_ip(TS_PEER_IP), &zero_mac, ts_ip(TS_OUR_IP));
	tstack_inject(t, f, n);
	m = tstack_tx(t);
	ck_assert_ptr_nonnull(m);
	n = ts_arp(want, &ts_peer_mac, tstack_mac(t), RTE_ARP_OP_REPLY,
		   tstack_mac(t), ts_ip(TS_OUR_IP), &ts_peer_mac,
		   ts_ip(TS_PEER_IP));
	ck_assert_uint_eq(rte_pktmbuf_pkt_len(m), n);
	ck_assert_mem_eq(rte_pktmbuf_mtod(m, void *), want, n);
	rte_pktmbuf_free(m);
	tstack_expect_nothing(t);
	ck_assert_uint_eq(tstack_stat(t, "arp_rx_requests"), 1);
	ck_assert_uint_eq(tstack_stat(t, "arp_tx_replies"), 1);
	ck_assert_uint_eq(tstack_stat(t, "arp_learned"), 1);
	tstack_free(t);
}
END_TEST

START_TEST(echo_request_gets_reply)
{
	struct tstack *t = tstack_new(NULL);
	static const char payload[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	uint8_t f[256];
	struct rte_mbuf *m;
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;
	size_t n;

	learn_peer(t);
	n = ts_echo(f, tstack_mac(t), &ts_peer_mac, ts_ip(TS_PEER_IP),
		    ts_ip(TS_OUR_IP), 77, 5, payload, sizeof(payload),
		    (size_t)_i * 4);
	tstack_inject(t, f, n);
	m = tstack_tx(t);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(rte_pktmbuf_pkt_len(m),
			  14 + 20 + 8 + sizeof(payload));
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	ck_assert(rte_is_same_ether_addr(&eh->dst_addr, &ts_peer_mac));
	ck_assert(rte_is_same_ether_addr(&eh->src_addr, tstack_mac(t)));
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	ck_assert_uint_eq(ip->version_ihl, 0x45);
	ck_assert_uint_eq(ip->src_addr, ts_ip(TS_OUR_IP));
	ck_assert_uint_eq(ip->dst_addr, ts_ip(TS_PEER_IP));
	ck_assert_uint_eq(ip->time_to_live, 64);
	ck_assert_uint_eq(rte_be_to_cpu_16(ip->total_length),
			  20 + 8 + sizeof(payload));
	ck_assert_uint_eq(pmt_inet_cksum(ip, 20), 0);
	ic = (struct rte_icmp_hdr *)(ip + 1);
	ck_assert_uint_eq(ic->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	ck_assert_uint_eq(rte_be_to_cpu_16(ic->icmp_ident), 77);
	ck_assert_uint_eq(rte_be_to_cpu_16(ic->icmp_seq_nb), 5);
	ck_assert_mem_eq(ic + 1, payload, sizeof(payload));
	ck_assert_uint_eq(pmt_inet_cksum(ic, 8 + sizeof(payload)), 0);
	rte_pktmbuf_free(m);
	tstack_expect_nothing(t);
	ck_assert_uint_eq(tstack_stat(t, "icmp_tx_echo_replies"), 1);
	ck_assert_uint_eq(tstack_stat(t, "ip_rx_options"), _i ? 1 : 0);
	tstack_free(t);
}
END_TEST

/* Every prefix of a valid echo frame is dropped and counted, never answered. */
START_TEST(truncated_frames_are_counted_drops)
{
	struct tstack *t = tstack_new(NULL);
	uint8_t f[256];
	size_t n, len;
	uint64_t drops = 0;
	unsigned int i;

	learn_peer(t);
	n = ts_echo(f, tstack_mac(t), &ts_peer_mac, ts_ip(TS_PEER_IP),
		    ts_ip(TS_OUR_IP), 1, 1, "abcd", 4, 8);
	for (len = 1; len < n; len++)
		tstack_inject(t, f, len);
	tstack_expect_nothing(t);
	static const char *const reasons[] = {
		"eth_rx_short", "ip_rx_short", "ip_rx_bad_ihl", "ip_rx_bad_len",
	};
	for (i = 0; i < RTE_DIM(reasons); i++)
		drops += tstack_stat(t, reasons[i]);
	ck_assert_uint_eq(drops, n - 1);
	ck_assert_uint_eq(tstack_stat(t, "eth_rx_short"), 13);
	ck_assert_uint_eq(tstack_stat(t, "ip_rx_short"), 20);
	ck_assert_uint_eq(tstack_stat(t, "icmp_rx_echo_requests"), 0);
	tstack_free(t);
}
END_TEST

/* ---- helpers for the tests below ---- */

#define MS 1000ull			/* the clock counts microseconds */
#define REACHABLE_US (30000 * MS)	/* default arp-reachable-ms */
#define RETRY_US (1000 * MS)		/* default arp-retry-ms */
#define ECHO_ID 0x4242

static const char echo_data[16] = "pmtcp echo data!";
static const struct rte_ether_addr other_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 } };
static const struct rte_ether_addr mcast_mac = {
	.addr_bytes = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } };

/* Counter deltas every delivered frame adds. */
#define RX1 { "rx_pkts", 1 }
#define IP1 RX1, { "ip_rx_pkts", 1 }
/* ... and an echo request that is answered at once. */
#define ECHO1 IP1, { "icmp_rx_echo_requests", 1 },			\
	{ "icmp_tx_echo_replies", 1 }, { "tx_pkts", 1 }

static bool
arp_knows(struct tstack *t, uint32_t ip, const struct rte_ether_addr *mac)
{
	struct rte_ether_addr got;

	if (!pmt_arp_lookup(t->eng, 0, ip, &got))
		return false;
	ck_assert_msg(mac == NULL || rte_is_same_ether_addr(&got, mac),
		      "ARP entry holds another MAC");
	return true;
}

/* An echo request from @src_mac / @src to us, our MAC as destination. */
static size_t
echo_frame(struct tstack *t, uint8_t *f, const struct rte_ether_addr *src_mac,
	   uint32_t src, uint16_t seq)
{
	return ts_echo(f, tstack_mac(t), src_mac, src, ts_ip(TS_OUR_IP),
		       ECHO_ID, seq, echo_data, sizeof(echo_data), 0);
}

static void
inject_echo(struct tstack *t, const struct rte_ether_addr *src_mac,
	    uint32_t src, uint16_t seq)
{
	uint8_t f[128];

	tstack_inject(t, f, echo_frame(t, f, src_mac, src, seq));
}

/* Any ARP frame from us (sender: our MAC and address), byte for byte. */
static void
expect_arp(struct tstack *t, const struct rte_ether_addr *eth_dst,
	   uint16_t op, const struct rte_ether_addr *tha, uint32_t tpa)
{
	uint8_t want[64];
	struct rte_mbuf *m = tstack_tx(t);
	size_t n;

	ck_assert_msg(m != NULL, "no ARP frame was sent");
	n = ts_arp(want, eth_dst, tstack_mac(t), op, tstack_mac(t),
		   ts_ip(TS_OUR_IP), tha, tpa);
	ck_assert_uint_eq(rte_pktmbuf_pkt_len(m), n);
	ck_assert_uint_eq(m->nb_segs, 1);
	ck_assert_mem_eq(rte_pktmbuf_mtod(m, void *), want, n);
	rte_pktmbuf_free(m);
}

/* A request for @tpa: broadcast, or unicast to @eth_dst when re-checking. */
static void
expect_arp_request(struct tstack *t, const struct rte_ether_addr *eth_dst,
		   uint32_t tpa)
{
	expect_arp(t, eth_dst, RTE_ARP_OP_REQUEST, &zero_mac, tpa);
}

/*
 * Check an echo reply of ours carrying echo_data. @hw_cksum: the IPv4
 * header checksum is left to the port (0 in the frame).
 */
static void
check_echo_reply(struct tstack *t, struct rte_mbuf *m,
		 const struct rte_ether_addr *eth_dst, uint32_t dst,
		 uint16_t seq, bool hw_cksum)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);

	ck_assert_uint_eq(m->nb_segs, 1);
	ck_assert_uint_eq(rte_pktmbuf_pkt_len(m),
			  14 + 20 + 8 + sizeof(echo_data));
	ck_assert(rte_is_same_ether_addr(&eh->dst_addr, eth_dst));
	ck_assert(rte_is_same_ether_addr(&eh->src_addr, tstack_mac(t)));
	ck_assert_uint_eq(rte_be_to_cpu_16(eh->ether_type),
			  RTE_ETHER_TYPE_IPV4);
	ck_assert_uint_eq(ip->version_ihl, 0x45);
	ck_assert_uint_eq(rte_be_to_cpu_16(ip->total_length),
			  20 + 8 + sizeof(echo_data));
	ck_assert_uint_eq(ip->fragment_offset, 0);
	ck_assert_uint_eq(ip->time_to_live, 64);
	ck_assert_uint_eq(ip->next_proto_id, IPPROTO_ICMP);
	ck_assert_uint_eq(ip->src_addr, ts_ip(TS_OUR_IP));
	ck_assert_uint_eq(ip->dst_addr, dst);
	if (hw_cksum) {
		ck_assert_uint_eq(ip->hdr_checksum, 0);
	} else {
		ck_assert_uint_eq(pmt_inet_cksum(ip, 20), 0);
		ck_assert_uint_eq(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM, 0);
	}
	ck_assert_uint_eq(ic->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	ck_assert_uint_eq(ic->icmp_code, 0);
	ck_assert_uint_eq(rte_be_to_cpu_16(ic->icmp_ident), ECHO_ID);
	ck_assert_uint_eq(rte_be_to_cpu_16(ic->icmp_seq_nb), seq);
	ck_assert_mem_eq(ic + 1, echo_data, sizeof(echo_data));
	ck_assert_uint_eq(pmt_inet_cksum(ic, 8 + sizeof(echo_data)), 0);
}

static void
expect_echo_reply(struct tstack *t, const struct rte_ether_addr *eth_dst,
		  uint32_t dst, uint16_t seq)
{
	struct rte_mbuf *m = tstack_tx(t);

	ck_assert_msg(m != NULL, "no echo reply was sent");
	check_echo_reply(t, m, eth_dst, dst, seq, false);
	rte_pktmbuf_free(m);
}

/* @from (at @mac) answers our request: "@from is at @mac". */
static void
inject_arp_reply(struct tstack *t, const struct rte_ether_addr *mac,
		 uint32_t from)
{
	uint8_t f[64];

	tstack_inject(t, f, ts_arp(f, tstack_mac(t), mac, RTE_ARP_OP_REPLY,
				   mac, from, tstack_mac(t),
				   ts_ip(TS_OUR_IP)));
}

static struct rte_ipv4_hdr *
ip_of(uint8_t *f)
{
	return (struct rte_ipv4_hdr *)(f + RTE_ETHER_HDR_LEN);
}

static void
ip_recksum(uint8_t *f)
{
	struct rte_ipv4_hdr *ip = ip_of(f);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = pmt_inet_cksum(ip, 20);
}

/* The ICMP message of a frame without IP options, checksum redone. */
static struct rte_icmp_hdr *
icmp_of(uint8_t *f)
{
	return (struct rte_icmp_hdr *)(ip_of(f) + 1);
}

static void
icmp_recksum(uint8_t *f)
{
	struct rte_icmp_hdr *ic = icmp_of(f);

	ic->icmp_cksum = 0;
	ic->icmp_cksum = pmt_inet_cksum(ic, (uint32_t)(
		rte_be_to_cpu_16(ip_of(f)->total_length) - 20));
}

/* ---- ARP ---- */

START_TEST(arp_request_not_for_us_is_ignored)
{
	struct tstack *t = tstack_new(NULL);
	uint8_t f[64];

	tstack_inject(t, f, ts_arp(f, &bcast, &ts_peer_mac, RTE_ARP_OP_REQUEST,
				   &ts_peer_mac, ts_ip(TS_PEER_IP), &zero_mac,
				   ts_ip("198.18.0.9")));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, RX1, { "arp_rx_requests", 1 },
			    { "arp_rx_not_for_us", 1 });
	ck_assert(!arp_knows(t, ts_ip(TS_PEER_IP), NULL));

	/* Not learned: answering the peer needs a resolution first. */
	inject_echo(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 1);
	expect_arp_request(t, &bcast, ts_ip(TS_PEER_IP));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, IP1, { "icmp_rx_echo_requests", 1 },
			    { "icmp_tx_echo_replies", 1 },
			    { "arp_tx_requests", 1 }, { "tx_pkts", 1 });
	tstack_free(t);
}
END_TEST

/* An ARP request for our address from the peer, for mangling. */
static size_t
peer_request(uint8_t *f)
{
	return ts_arp(f, &bcast, &ts_peer_mac, RTE_ARP_OP_REQUEST,
		      &ts_peer_mac, ts_ip(TS_PEER_IP), &zero_mac,
		      ts_ip(TS_OUR_IP));
}

START_TEST(arp_malformed_is_dropped_by_reason)
{
	struct tstack *t = tstack_new(NULL);
	static const struct rte_ether_addr bad_sha[] = {
		{ .addr_bytes = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } },
		{ .addr_bytes = { 0x03, 0x00, 0x00, 0x00, 0x00, 0x01 } },
		{ .addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ .addr_bytes = { 0 } },
	};
	static const char *const bad_spa[] = {
		"224.0.0.251", "255.255.255.255", "127.0.0.1", "240.0.0.1",
	};
	uint8_t f[64];
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(f + RTE_ETHER_HDR_LEN);
	size_t n, len;
	unsigned int i;

	/* Truncated anywhere from the bare Ethernet header on. */
	n = peer_request(f);
	ck_assert_uint_eq(n, 42);
	for (len = RTE_ETHER_HDR_LEN; len < n; len++)
		tstack_inject(t, f, len);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, { "rx_pkts", 28 }, { "arp_rx_short", 28 });

	/* Not Ethernet/IPv4 ARP. */
	peer_request(f);
	a->arp_hardware = rte_cpu_to_be_16(6);	/* IEEE 802 */
	tstack_inject(t, f, n);
	peer_request(f);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	tstack_inject(t, f, n);
	peer_request(f);
	a->arp_hlen = 8;
	tstack_inject(t, f, n);
	peer_request(f);
	a->arp_plen = 16;
	tstack_inject(t, f, n);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, { "rx_pkts", 4 }, { "arp_rx_bad_format", 4 });

	/* RARP request (3), and the unassigned 0. */
	peer_request(f);
	a->arp_opcode = rte_cpu_to_be_16(3);
	tstack_inject(t, f, n);
	a->arp_opcode = 0;
	tstack_inject(t, f, n);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, { "rx_pkts", 2 }, { "arp_rx_bad_op", 2 });

	/* Group or zero sender hardware address, non-unicast sender IP. */
	for (i = 0; i < RTE_DIM(bad_sha); i++) {
		peer_request(f);
		a->arp_data.arp_sha = bad_sha[i];
		tstack_inject(t, f, n);
	}
	for (i = 0; i < RTE_DIM(bad_spa); i++) {
		peer_request(f);
		a->arp_data.arp_sip = ts_ip(bad_spa[i]);
		tstack_inject(t, f, n);
	}
	tstack_expect_nothing(t);
	tstack_expect_stats(t, { "rx_pkts", 8 }, { "arp_rx_bad_sender", 8 });
	ck_assert(!arp_knows(t, ts_ip(TS_PEER_IP), NULL));
	ck_assert_uint_eq(t->eng->arp.n_used, 0);
	tstack_free(t);
}
END_TEST

/* RFC 5227 2.4: a sender using our address is a conflict, never a mapping. */
START_TEST(arp_conflict_is_counted_not_learned)
{
	struct tstack *t = tstack_new(NULL);
	uint8_t f[64];

	/* Request from our address for our address (an announcement). */
	tstack_inject(t, f, ts_arp(f, &bcast, &ts_peer_mac, RTE_ARP_OP_REQUEST,
				   &ts_peer_mac, ts_ip(TS_OUR_IP), &zero_mac,
				   ts_ip(TS_OUR_IP)));
	/* ... and from our address for the gateway. */
	tstack_inject(t, f, ts_arp(f, &bcast, &ts_peer_mac, RTE_ARP_OP_REQUEST,
				   &ts_peer_mac, ts_ip(TS_OUR_IP), &zero_mac,
				   ts_ip(TS_GW_IP)));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, { "rx_pkts", 2 }, { "arp_rx_requests", 2 },
			    { "arp_rx_conflict", 2 });
	ck_assert(!arp_knows(t, ts_ip(TS_OUR_IP), NULL));
	ck_assert_uint_eq(t->eng->arp.n_used, 0);

	/* Our own request looped back is no conflict. */
	tstack_inject(t, f, ts_arp(f, &bcast, tstack_mac(t), RTE_ARP_OP_REQUEST,
				   tstack_mac(t), ts_ip(TS_OUR_IP), &zero_mac,
				   ts_ip(TS_PEER_IP)));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, RX1, { "arp_rx_requests", 1 });
	tstack_free(t);
}
END_TEST

/* RFC 5227 2.1.1: a probe (sender IP 0) for our address is answered. */
START_TEST(arp_probe_is_answered_not_learned)
{
	struct tstack *t = tstack_new(NULL);
	uint8_t f[64];

	tstack_inject(t, f, ts_arp(f, &bcast, &ts_peer_mac, RTE_ARP_OP_REQUEST,
				   &ts_peer_mac, 0, &zero_mac,
				   ts_ip(TS_OUR_IP)));
	expect_arp(t, &ts_peer_mac, RTE_ARP_OP_REPLY, &ts_peer_mac, 0);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, RX1, { "arp_rx_requests", 1 },
			    { "arp_tx_replies", 1 }, { "tx_pkts", 1 });
	ck_assert(!arp_knows(t, 0, NULL));
	ck_assert_uint_eq(t->eng->arp.n_used, 0);
	tstack_free(t);
}
END_TEST

/* A request padded to the 60-byte minimum gets a 42-byte reply. */
START_TEST(arp_padded_request_gets_exact_reply)
{
	struct tstack *t = tstack_new(NULL);
	uint8_t f[64];
	size_t n = peer_request(f);

	memset(f + n, 0xa5, 60 - n);
	tstack_inject(t, f, 60);
	expect_arp(t, &ts_peer_mac, RTE_ARP_OP_REPLY, &ts_peer_mac,
		   ts_ip(TS_PEER_IP));
	tstack_expect_stats(t, RX1, { "arp_rx_requests", 1 },
			    { "arp_tx_replies", 1 }, { "arp_learned", 1 },
			    { "tx_pkts", 1 });
	ck_assert(arp_knows(t, ts_ip(TS_PEER_IP), &ts_peer_mac));
	tstack_free(t);
}
END_TEST

/* RFC 826 merge: a known sender's new MAC replaces the old, target or not. */
START_TEST(arp_known_sender_is_updated)
{
	static const struct rte_ether_addr moved = {
		.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 } };
	struct tstack *t = tstack_new(NULL);
	uint8_t f[64];

	learn_peer(t);
	/* Gratuitous ARP of the peer's own address, from its new NIC. */
	tstack_inject(t, f, ts_arp(f, &bcast, &moved, RTE_ARP_OP_REQUEST,
				   &moved, ts_ip(TS_PEER_IP), &zero_mac,
				   ts_ip(TS_PEER_IP)));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, RX1, { "arp_rx_requests", 1 });
	ck_assert(arp_knows(t, ts_ip(TS_PEER_IP), &moved));
	inject_echo(t, &moved, ts_ip(TS_PEER_IP), 1);
	expect_echo_reply(t, &moved, ts_ip(TS_PEER_IP), 1);
	tstack_expect_stats(t, ECHO1);
	tstack_free(t);
}
END_TEST

/* The stack learns nothing from IP: an unknown on-link peer is resolved. */
START_TEST(arp_resolves_and_releases_held_packet)
{
	struct tstack *t = tstack_new(NULL);

	inject_echo(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 1);
	expect_arp_request(t, &bcast, ts_ip(TS_PEER_IP));
	tstack_expect_nothing(t);	/* the echo reply is held */
	tstack_expect_stats(t, IP1, { "icmp_rx_echo_requests", 1 },
			    { "icmp_tx_echo_replies", 1 },
			    { "arp_tx_requests", 1 }, { "tx_pkts", 1 });
	ck_assert(!arp_knows(t, ts_ip(TS_PEER_IP), NULL));

	/* A second packet joins the queue without a second request. */
	inject_echo(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 2);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, IP1, { "icmp_rx_echo_requests", 1 },
			    { "icmp_tx_echo_replies", 1 });

	inject_arp_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP));
	expect_echo_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 1);
	expect_echo_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 2);
	tstack_expect_nothing(t);
	/* The entry was made by the resolver, so nothing counts as learned. */
	tstack_expect_stats(t, RX1, { "arp_rx_replies", 1 }, { "tx_pkts", 2 });
	ck_assert(arp_knows(t, ts_ip(TS_PEER_IP), &ts_peer_mac));

	/* From now on replies go out at once. */
	inject_echo(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 3);
	expect_echo_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 3);
	tstack_expect_stats(t, ECHO1);
	tstack_free(t);
}
END_TEST

static void
cfg_pending_two(struct pmt_config *cfg)
{
	cfg->arp_pending_max = 2;
}

START_TEST(arp_pending_queue_is_bounded)
{
	struct tstack *t = tstack_new(cfg_pending_two);
	uint16_t seq;

	for (seq = 0; seq < 5; seq++)
		inject_echo(t, &ts_peer_mac, ts_ip(TS_PEER_IP), seq);
	expect_arp_request(t, &bcast, ts_ip(TS_PEER_IP));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, { "rx_pkts", 5 }, { "ip_rx_pkts", 5 },
			    { "icmp_rx_echo_requests", 5 },
			    { "icmp_tx_echo_replies", 5 },
			    { "arp_tx_requests", 1 },
			    { "arp_pending_drop", 3 }, { "tx_pkts", 1 });

	inject_arp_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP));
	expect_echo_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 0);
	expect_echo_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 1);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, RX1, { "arp_rx_replies", 1 }, { "tx_pkts", 2 });
	tstack_free(t);
}
END_TEST

START_TEST(arp_resolution_fails_after_retries)
{
	struct tstack *t = tstack_new(NULL);
	unsigned int i;

	inject_echo(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 1);
	inject_echo(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 2);
	expect_arp_request(t, &bcast, ts_ip(TS_PEER_IP));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, { "rx_pkts", 2 }, { "ip_rx_pkts", 2 },
			    { "icmp_rx_echo_requests", 2 },
			    { "icmp_tx_echo_replies", 2 },
			    { "arp_tx_requests", 1 }, { "tx_pkts", 1 });

	/* Requests 2 and 3, each exactly arp_retry_ms after the last. */
	for (i = 0; i < 2; i++) {
		tstack_advance(t, RETRY_US - 1);
		tstack_expect_nothing(t);
		tstack_advance(t, 1);
		expect_arp_request(t, &bcast, ts_ip(TS_PEER_IP));
		tstack_expect_nothing(t);
	}
	tstack_expect_stats(t, { "arp_tx_requests", 2 }, { "tx_pkts", 2 });

	/* No fourth request: the entry gives up and drops what it held. */
	tstack_advance(t, RETRY_US - 1);
	tstack_expect_stats(t, { "arp_tx_requests", 0 });
	tstack_advance(t, 1);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, { "arp_resolve_fail", 1 },
			    { "arp_pending_drop", 2 });
	ck_assert_uint_eq(t->eng->arp.n_used, 0);
	tstack_advance(t, 10 * RETRY_US);
	tstack_expect_nothing(t);

	/* The entry is gone: a new packet starts a new resolution. */
	inject_echo(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 3);
	expect_arp_request(t, &bcast, ts_ip(TS_PEER_IP));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, IP1, { "icmp_rx_echo_requests", 1 },
			    { "icmp_tx_echo_replies", 1 },
			    { "arp_tx_requests", 1 }, { "tx_pkts", 1 });
	tstack_free(t);
}
END_TEST

START_TEST(arp_unused_entry_expires_silently)
{
	struct tstack *t = tstack_new(NULL);

	learn_peer(t);
	tstack_advance(t, REACHABLE_US - 1);
	tstack_expect_nothing(t);
	ck_assert(arp_knows(t, ts_ip(TS_PEER_IP), &ts_peer_mac));
	tstack_advance(t, 1);
	tstack_expect_nothing(t);	/* no probe for an idle entry */
	tstack_expect_stats(t, { "arp_expired", 1 });
	ck_assert(!arp_knows(t, ts_ip(TS_PEER_IP), NULL));

	inject_echo(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 1);
	expect_arp_request(t, &bcast, ts_ip(TS_PEER_IP));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, IP1, { "icmp_rx_echo_requests", 1 },
			    { "icmp_tx_echo_replies", 1 },
			    { "arp_tx_requests", 1 }, { "tx_pkts", 1 });
	tstack_free(t);
}
END_TEST

/*
 * Learn the peer, use the entry 10 s later, reach the end of the
 * reachable time: the first unicast re-check (RFC 1122 2.3.2.1) goes out.
 */
static void
used_entry_reaches_probe(struct tstack *t)
{
	learn_peer(t);
	tstack_advance(t, 10000 * MS);
	inject_echo(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 1);
	expect_echo_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 1);
	tstack_expect_stats(t, ECHO1);
	tstack_advance(t, REACHABLE_US - 10000 * MS - 1);
	tstack_expect_nothing(t);
	tstack_advance(t, 1);
	expect_arp_request(t, &ts_peer_mac, ts_ip(TS_PEER_IP));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, { "arp_tx_requests", 1 }, { "tx_pkts", 1 });
}

START_TEST(arp_used_entry_probes_then_expires)
{
	struct tstack *t = tstack_new(NULL);

	used_entry_reaches_probe(t);

	/* While re-checking, traffic still uses the cached MAC at once. */
	tstack_advance(t, RETRY_US / 2);
	inject_echo(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 2);
	expect_echo_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 2);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, ECHO1);

	/* Probes 2 and 3, then the entry goes. */
	tstack_advance(t, RETRY_US / 2);
	expect_arp_request(t, &ts_peer_mac, ts_ip(TS_PEER_IP));
	tstack_advance(t, RETRY_US);
	expect_arp_request(t, &ts_peer_mac, ts_ip(TS_PEER_IP));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, { "arp_tx_requests", 2 }, { "tx_pkts", 2 });
	tstack_advance(t, RETRY_US - 1);
	tstack_expect_nothing(t);
	ck_assert(arp_knows(t, ts_ip(TS_PEER_IP), &ts_peer_mac));
	tstack_advance(t, 1);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, { "arp_expired", 1 });
	ck_assert(!arp_knows(t, ts_ip(TS_PEER_IP), NULL));

	inject_echo(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 3);
	expect_arp_request(t, &bcast, ts_ip(TS_PEER_IP));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, IP1, { "icmp_rx_echo_requests", 1 },
			    { "icmp_tx_echo_replies", 1 },
			    { "arp_tx_requests", 1 }, { "tx_pkts", 1 });
	tstack_free(t);
}
END_TEST

START_TEST(arp_used_entry_probe_answered_stays)
{
	struct tstack *t = tstack_new(NULL);
	unsigned int i;

	used_entry_reaches_probe(t);
	tstack_advance(t, RETRY_US / 2);
	inject_arp_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, RX1, { "arp_rx_replies", 1 });

	/* Confirmed: no more probes for a full reachable time. */
	for (i = 0; i < 5; i++) {
		tstack_advance(t, RETRY_US);
		tstack_expect_nothing(t);
	}
	ck_assert(arp_knows(t, ts_ip(TS_PEER_IP), &ts_peer_mac));
	inject_echo(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 2);
	expect_echo_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 2);
	tstack_expect_stats(t, ECHO1);
	tstack_advance(t, REACHABLE_US - 5 * RETRY_US - 1);
	tstack_expect_nothing(t);

	/* Used again in this period, so re-checked again at its end. */
	tstack_advance(t, 1);
	expect_arp_request(t, &ts_peer_mac, ts_ip(TS_PEER_IP));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, { "arp_tx_requests", 1 }, { "tx_pkts", 1 });
	tstack_free(t);
}
END_TEST

static void
cfg_small_arp(struct pmt_config *cfg)
{
	cfg->arp_entries = 16;
}

START_TEST(arp_table_full_drops_and_counts)
{
	struct tstack *t = tstack_new(cfg_small_arp);
	uint32_t base = rte_be_to_cpu_32(ts_ip("198.18.0.10"));
	unsigned int i;

	ck_assert_uint_eq(t->eng->arp.n_entries, 16);
	for (i = 0; i < 16; i++) {
		uint32_t src = rte_cpu_to_be_32(base + i);

		inject_echo(t, &ts_peer_mac, src, (uint16_t)i);
		expect_arp_request(t, &bcast, src);
	}
	tstack_expect_stats(t, { "rx_pkts", 16 }, { "ip_rx_pkts", 16 },
			    { "icmp_rx_echo_requests", 16 },
			    { "icmp_tx_echo_replies", 16 },
			    { "arp_tx_requests", 16 }, { "tx_pkts", 16 });
	inject_echo(t, &ts_peer_mac, rte_cpu_to_be_32(base + 16), 16);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, IP1, { "icmp_rx_echo_requests", 1 },
			    { "icmp_tx_echo_replies", 1 },
			    { "arp_table_full", 1 }, { "arp_pending_drop", 1 });
	tstack_free(t);
}
END_TEST

/* ---- chained frames (software links hand over the sender's chains) ---- */

/* @len bytes of @f as a chain of @cut-byte segments, onto the RX ring. */
static void
enqueue_chain(struct tstack *t, const uint8_t *f, size_t len, size_t cut)
{
	struct rte_mbuf *head = NULL;
	size_t off;

	for (off = 0; off < len; off += cut) {
		size_t n = RTE_MIN(cut, len - off);
		struct rte_mbuf *m = rte_pktmbuf_alloc(t->eng->pool);

		ck_assert_ptr_nonnull(m);
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), f + off, n);
		if (head == NULL)
			head = m;
		else
			ck_assert_int_eq(rte_pktmbuf_chain(head, m), 0);
	}
	ck_assert_int_eq(rte_ring_enqueue(t->rx, head), 0);
}

START_TEST(chained_frame_is_linearized_and_answered)
{
	struct tstack *t = tstack_new(NULL);
	uint8_t f[128];
	size_t n;

	learn_peer(t);
	/* Cut inside the Ethernet, the IP and the ICMP header in turn. */
	n = echo_frame(t, f, &ts_peer_mac, ts_ip(TS_PEER_IP), 9);
	enqueue_chain(t, f, n, (size_t)(7 + _i * 11));
	pmt_engine_turn(t->eng, t->now);
	expect_echo_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 9);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, ECHO1, { "eth_rx_linearized", 1 });
	tstack_free(t);
}
END_TEST

/* A chain whose pieces hold less than its pkt_len says: dropped whole. */
START_TEST(chained_frame_shorter_than_said_is_counted_drop)
{
	struct tstack *t = tstack_new(NULL);
	struct rte_mbuf *m;
	uint8_t f[128];
	size_t n;

	learn_peer(t);
	n = echo_frame(t, f, &ts_peer_mac, ts_ip(TS_PEER_IP), 9);
	enqueue_chain(t, f, n, 40);
	ck_assert_int_eq(rte_ring_count(t->rx), 1);
	/* Peek at it on the ring and make it claim one byte more. */
	ck_assert_int_eq(rte_ring_dequeue(t->rx, (void **)&m), 0);
	m->pkt_len++;
	ck_assert_int_eq(rte_ring_enqueue(t->rx, m), 0);
	pmt_engine_turn(t->eng, t->now);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, RX1, { "eth_rx_multiseg", 1 });
	tstack_free(t);
}
END_TEST

START_TEST(chained_frame_too_long_is_counted_drop)
{
	struct tstack *t = tstack_new(NULL);
	uint16_t room = rte_pktmbuf_data_room_size(t->eng->pool) -
			RTE_PKTMBUF_HEADROOM;
	static uint8_t f[4096];
	size_t n;

	learn_peer(t);
	n = echo_frame(t, f, &ts_peer_mac, ts_ip(TS_PEER_IP), 9);
	/* A frame one byte longer than any mbuf of ours holds. */
	ck_assert_uint_lt((size_t)room + 1, sizeof(f));
	memset(f + n, 0, room + 1 - n);
	enqueue_chain(t, f, (size_t)room + 1, 1000);
	pmt_engine_turn(t->eng, t->now);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, RX1, { "eth_rx_multiseg", 1 });
	tstack_free(t);
}
END_TEST

/* ---- routing ---- */

START_TEST(offlink_reply_goes_via_gateway)
{
	struct tstack *t = tstack_new(NULL);
	uint32_t far = ts_ip("198.19.1.1");

	inject_echo(t, &ts_gw_mac, far, 1);
	expect_arp_request(t, &bcast, ts_ip(TS_GW_IP));
	tstack_expect_nothing(t);
	tstack_expect_stats(t, IP1, { "icmp_rx_echo_requests", 1 },
			    { "icmp_tx_echo_replies", 1 },
			    { "arp_tx_requests", 1 }, { "tx_pkts", 1 });

	inject_arp_reply(t, &ts_gw_mac, ts_ip(TS_GW_IP));
	expect_echo_reply(t, &ts_gw_mac, far, 1);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, RX1, { "arp_rx_replies", 1 }, { "tx_pkts", 1 });
	ck_assert(arp_knows(t, ts_ip(TS_GW_IP), &ts_gw_mac));
	ck_assert(!arp_knows(t, far, NULL));	/* no entry per far host */

	inject_echo(t, &ts_gw_mac, far, 2);
	expect_echo_reply(t, &ts_gw_mac, far, 2);
	tstack_expect_stats(t, ECHO1);
	tstack_free(t);
}
END_TEST

static void
cfg_no_gateway(struct pmt_config *cfg)
{
	cfg->gateway = 0;
}

/*
 * A second interface, in the tables only (routing reads nothing else):
 * @addr/@len on it, as two ports of one process would have.
 */
static void
add_table_iface(struct tstack *t, const char *addr, uint8_t len)
{
	struct pmt_iface *ifc = &t->st->ifaces[t->st->n_ifaces++];

	memset(ifc, 0, sizeof(*ifc));
	ifc->addrs[0].addr = ts_ip(addr);
	ifc->addrs[0].len = len;
	ifc->n_addrs = 1;
	ifc->mtu = 1500;
}

START_TEST(bound_source_picks_its_interface)
{
	struct tstack *t = tstack_new(NULL);
	uint32_t nh, src;
	uint16_t iface;

	/* Port 1 shares port 0's subnet, as a client and server linked. */
	add_table_iface(t, "198.18.0.3", 24);
	ck_assert_int_eq(pmt_route(t->eng, ts_ip(TS_PEER_IP), 0, &iface, &nh,
				   &src), 0);
	ck_assert_uint_eq(iface, 0);
	ck_assert_uint_eq(src, ts_ip(TS_OUR_IP));
	ck_assert_uint_eq(nh, ts_ip(TS_PEER_IP));
	ck_assert_int_eq(pmt_route(t->eng, ts_ip(TS_PEER_IP),
				   ts_ip("198.18.0.3"), &iface, &nh, &src), 0);
	ck_assert_uint_eq(iface, 1);
	ck_assert_uint_eq(src, ts_ip("198.18.0.3"));
	ck_assert_uint_eq(nh, ts_ip(TS_PEER_IP));
	/* Port 0's own address, from port 1: out of port 1, not to itself. */
	ck_assert_int_eq(pmt_route(t->eng, ts_ip(TS_OUR_IP),
				   ts_ip("198.18.0.3"), &iface, &nh, &src), 0);
	ck_assert_uint_eq(iface, 1);
	/* Off link: the gateway, through the bound address's port. */
	ck_assert_int_eq(pmt_route(t->eng, ts_ip("198.19.7.7"),
				   ts_ip("198.18.0.3"), &iface, &nh, &src), 0);
	ck_assert_uint_eq(iface, 1);
	ck_assert_uint_eq(nh, ts_ip(TS_GW_IP));
	ck_assert_uint_eq(src, ts_ip("198.18.0.3"));
	/* Not an address of ours. */
	ck_assert_int_eq(pmt_route(t->eng, ts_ip(TS_PEER_IP),
				   ts_ip("198.18.0.9"), &iface, &nh, &src),
			 -EADDRNOTAVAIL);
	ck_assert_int_eq(pmt_neighbor_resolve(t->eng, ts_ip(TS_PEER_IP),
					      ts_ip("198.18.0.9")),
			 -EADDRNOTAVAIL);
	t->st->n_ifaces--;
	tstack_free(t);
}
END_TEST

START_TEST(bound_source_falls_back_to_any_route)
{
	struct tstack *t = tstack_new(NULL);
	uint32_t nh, src;
	uint16_t iface;

	/* Port 1 on another subnet, without the gateway on it. */
	add_table_iface(t, "198.18.1.2", 24);
	ck_assert_int_eq(pmt_route(t->eng, ts_ip("198.18.1.1"), 0, &iface, &nh,
				   &src), 0);
	ck_assert_uint_eq(iface, 1);
	ck_assert_uint_eq(src, ts_ip("198.18.1.2"));
	/* Port 0's address to port 1's subnet: on link there, as ours. */
	ck_assert_int_eq(pmt_route(t->eng, ts_ip("198.18.1.1"),
				   ts_ip(TS_OUR_IP), &iface, &nh, &src), 0);
	ck_assert_uint_eq(iface, 0);	/* via port 0's gateway first */
	ck_assert_uint_eq(nh, ts_ip(TS_GW_IP));
	ck_assert_uint_eq(src, ts_ip(TS_OUR_IP));
	/* Port 1 has no way off its subnet: port 0's gateway serves it. */
	ck_assert_int_eq(pmt_route(t->eng, ts_ip("198.19.7.7"),
				   ts_ip("198.18.1.2"), &iface, &nh, &src), 0);
	ck_assert_uint_eq(iface, 0);
	ck_assert_uint_eq(nh, ts_ip(TS_GW_IP));
	ck_assert_uint_eq(src, ts_ip("198.18.1.2"));
	t->st->n_ifaces--;
	/* Without a gateway at all, nothing leads off link. */
	t->st->cfg.gateway = 0;
	ck_assert_int_eq(pmt_route(t->eng, ts_ip("198.19.7.7"),
				   ts_ip(TS_OUR_IP), &iface, &nh, &src),
			 -ENETUNREACH);
	ck_assert_int_eq(pmt_neighbor_resolve(t->eng, ts_ip("198.19.7.7"),
					      ts_ip(TS_OUR_IP)),
			 -ENETUNREACH);
	tstack_expect_nothing(t);
	tstack_free(t);
}
END_TEST

START_TEST(offlink_reply_without_gateway_has_no_route)
{
	struct tstack *t = tstack_new(cfg_no_gateway);

	inject_echo(t, &ts_gw_mac, ts_ip("198.19.1.1"), 1);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, IP1, { "icmp_rx_echo_requests", 1 },
			    { "icmp_tx_echo_replies", 1 },
			    { "ip_tx_no_route", 1 });
	ck_assert_uint_eq(t->eng->arp.n_used, 0);
	tstack_free(t);
}
END_TEST

/* ---- one bad frame at a time: Ethernet, IPv4, ICMP ---- */

/*
 * Each case mangles a valid echo request from the (learned) peer and
 * says which counters move; @answered: the reply must still go out.
 */
struct frame_case {
	const char *what;
	void (*mangle)(uint8_t *f, size_t *len);
	bool answered;
	struct tstack_count want[8];	/* ends at a NULL name */
};

static void
run_frame_case(const struct frame_case *c)
{
	struct tstack *t = tstack_new(NULL);
	uint8_t f[256];
	size_t n;

	learn_peer(t);
	n = echo_frame(t, f, &ts_peer_mac, ts_ip(TS_PEER_IP), 7);
	c->mangle(f, &n);
	tstack_inject(t, f, n);
	if (c->answered)
		expect_echo_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 7);
	tstack_expect_nothing(t);
	tstack_expect_stats_at(t, c->what, c->want, RTE_DIM(c->want));
	tstack_free(t);
}

static void
set_eth_dst(uint8_t *f, const struct rte_ether_addr *a)
{
	((struct rte_ether_hdr *)f)->dst_addr = *a;
}

static void
set_eth_src(uint8_t *f, const struct rte_ether_addr *a)
{
	((struct rte_ether_hdr *)f)->src_addr = *a;
}

/* Insert @n bytes of 802.1Q-style tags after the MAC addresses. */
static void
push_tags(uint8_t *f, size_t *len, const uint16_t *tpid, unsigned int n)
{
	unsigned int i;

	memmove(f + 12 + 4 * n, f + 12, *len - 12);
	for (i = 0; i < n; i++) {
		f[12 + 4 * i] = (uint8_t)(tpid[i] >> 8);
		f[13 + 4 * i] = (uint8_t)tpid[i];
		f[14 + 4 * i] = 0x00;
		f[15 + 4 * i] = 100;	/* VLAN 100 */
	}
	*len += 4 * n;
}

static void
m_eth_other_unicast(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_eth_dst(f, &other_mac);
}

static void
m_eth_multicast_dst(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_eth_dst(f, &mcast_mac);
}

static void
m_eth_vlan(uint8_t *f, size_t *len)
{
	static const uint16_t tpid[] = { RTE_ETHER_TYPE_VLAN };

	push_tags(f, len, tpid, 1);
}

static void
m_eth_qinq(uint8_t *f, size_t *len)
{
	static const uint16_t tpid[] = { RTE_ETHER_TYPE_QINQ,
					 RTE_ETHER_TYPE_VLAN };

	push_tags(f, len, tpid, 2);
}

static void
m_eth_unknown_type(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	((struct rte_ether_hdr *)f)->ether_type = rte_cpu_to_be_16(0x88b5);
}

static void
m_eth_ipv6_type(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	((struct rte_ether_hdr *)f)->ether_type =
		rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
}

static void
m_eth_multicast_src(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_eth_src(f, &mcast_mac);
}

static void
m_eth_broadcast_src(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_eth_src(f, &bcast);
}

static void
m_eth_zero_src(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_eth_src(f, &zero_mac);
}

static void
m_eth_broadcast_dst(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_eth_dst(f, &bcast);
}

#define ETH_DROP(r) { RX1, { r, 1 } }

static const struct frame_case eth_cases[] = {
	{ "eth dst another host", m_eth_other_unicast, false,
	  ETH_DROP("eth_rx_not_ours") },
	{ "eth dst multicast", m_eth_multicast_dst, false,
	  ETH_DROP("eth_rx_not_ours") },
	{ "eth 802.1Q", m_eth_vlan, false,
	  ETH_DROP("eth_rx_vlan_unsupported") },
	{ "eth 802.1ad", m_eth_qinq, false,
	  ETH_DROP("eth_rx_vlan_unsupported") },
	{ "eth type 0x88b5", m_eth_unknown_type, false,
	  ETH_DROP("eth_rx_unknown_type") },
	{ "eth type IPv6", m_eth_ipv6_type, false,
	  ETH_DROP("eth_rx_unknown_type") },
	{ "eth src multicast", m_eth_multicast_src, false,
	  ETH_DROP("eth_rx_bad_src") },
	{ "eth src broadcast", m_eth_broadcast_src, false,
	  ETH_DROP("eth_rx_bad_src") },
	{ "eth src zero", m_eth_zero_src, false,
	  ETH_DROP("eth_rx_bad_src") },
	/* RFC 1122 3.3.6: a unicast datagram via link-layer broadcast. */
	{ "eth dst broadcast, IP to us", m_eth_broadcast_dst, false,
	  { IP1, { "ip_rx_l2_broadcast", 1 } } },
};

START_TEST(eth_rx_cases)
{
	run_frame_case(&eth_cases[_i]);
}
END_TEST

static void
m_ip_bad_cksum(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	ip_of(f)->hdr_checksum ^= rte_cpu_to_be_16(0x0101);
}

static void
m_ip_version6(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	ip_of(f)->version_ihl = 0x65;
	ip_recksum(f);
}

static void
m_ip_ihl4(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	ip_of(f)->version_ihl = 0x44;
	ip_recksum(f);
}

static void
m_ip_len_beyond_frame(uint8_t *f, size_t *len)
{
	ip_of(f)->total_length = rte_cpu_to_be_16((uint16_t)(*len - 14 + 1));
	ip_recksum(f);
}

static void
m_ip_len_below_ihl(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	ip_of(f)->total_length = rte_cpu_to_be_16(19);
	ip_recksum(f);
}

static void
m_ip_more_fragments(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	ip_of(f)->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	ip_recksum(f);
}

static void
m_ip_frag_offset(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	ip_of(f)->fragment_offset = rte_cpu_to_be_16(1);	/* 8 bytes */
	ip_recksum(f);
}

static void
m_ip_dont_fragment(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	ip_of(f)->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip_recksum(f);
}

static void
set_ip_src(uint8_t *f, const char *a)
{
	ip_of(f)->src_addr = ts_ip(a);
	ip_recksum(f);
}

static void
set_ip_dst(uint8_t *f, const char *a)
{
	ip_of(f)->dst_addr = ts_ip(a);
	ip_recksum(f);
}

static void
m_ip_src_multicast(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_ip_src(f, "224.0.0.1");
}

static void
m_ip_src_limited_bcast(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_ip_src(f, "255.255.255.255");
}

static void
m_ip_src_subnet_bcast(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_ip_src(f, "198.18.0.255");
}

static void
m_ip_src_loopback(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_ip_src(f, "127.0.0.1");
}

static void
m_ip_src_zero(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_ip_src(f, "0.0.0.0");
}

static void
m_ip_src_class_e(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_ip_src(f, "240.0.0.1");
}

static void
m_ip_dst_other(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_ip_dst(f, "198.18.0.7");
}

static void
m_ip_dst_subnet_bcast(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_eth_dst(f, &bcast);
	set_ip_dst(f, "198.18.0.255");
}

static void
m_ip_dst_limited_bcast(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	set_eth_dst(f, &bcast);
	set_ip_dst(f, "255.255.255.255");
}

static void
m_ip_udp(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	ip_of(f)->next_proto_id = IPPROTO_UDP;
	ip_recksum(f);
}

static void
m_ip_ttl0(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	ip_of(f)->time_to_live = 0;
	ip_recksum(f);
}

#define IP_DROP(r) { IP1, { r, 1 } }

static const struct frame_case ip_cases[] = {
	{ "ip bad checksum", m_ip_bad_cksum, false,
	  IP_DROP("ip_rx_bad_cksum") },
	{ "ip version 6", m_ip_version6, false,
	  IP_DROP("ip_rx_bad_version") },
	{ "ip ihl 4", m_ip_ihl4, false, IP_DROP("ip_rx_bad_ihl") },
	{ "ip length beyond frame", m_ip_len_beyond_frame, false,
	  IP_DROP("ip_rx_bad_len") },
	{ "ip length below ihl", m_ip_len_below_ihl, false,
	  IP_DROP("ip_rx_bad_len") },
	{ "ip MF", m_ip_more_fragments, false, IP_DROP("ip_rx_fragment") },
	{ "ip fragment offset", m_ip_frag_offset, false,
	  IP_DROP("ip_rx_fragment") },
	{ "ip src multicast", m_ip_src_multicast, false,
	  IP_DROP("ip_rx_bad_src") },
	{ "ip src 255.255.255.255", m_ip_src_limited_bcast, false,
	  IP_DROP("ip_rx_bad_src") },
	/* RFC 1122 3.2.1.3: { <Network-number>, -1 } is never a source. */
	{ "ip src subnet broadcast", m_ip_src_subnet_bcast, false,
	  IP_DROP("ip_rx_bad_src") },
	{ "ip src loopback", m_ip_src_loopback, false,
	  IP_DROP("ip_rx_bad_src") },
	{ "ip src 0.0.0.0", m_ip_src_zero, false, IP_DROP("ip_rx_bad_src") },
	{ "ip src class E", m_ip_src_class_e, false,
	  IP_DROP("ip_rx_bad_src") },
	{ "ip dst another host", m_ip_dst_other, false,
	  IP_DROP("ip_rx_not_ours") },
	{ "ip dst subnet broadcast", m_ip_dst_subnet_bcast, false,
	  IP_DROP("ip_rx_broadcast") },
	{ "ip dst 255.255.255.255", m_ip_dst_limited_bcast, false,
	  IP_DROP("ip_rx_broadcast") },
	{ "ip proto UDP", m_ip_udp, false,
	  IP_DROP("ip_rx_proto_unsupported") },
	/* RFC 1122 3.2.1.7: a low TTL is no reason to discard. */
	{ "ip ttl 0", m_ip_ttl0, true,
	  { ECHO1, { "ip_rx_ttl_zero", 1 } } },
	{ "ip DF", m_ip_dont_fragment, true, { ECHO1 } },
};

START_TEST(ipv4_rx_cases)
{
	run_frame_case(&ip_cases[_i]);
}
END_TEST

static void
m_icmp_bad_cksum(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	icmp_of(f)->icmp_cksum ^= rte_cpu_to_be_16(0x0100);
}

static void
m_icmp_short(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	/* 4 bytes of ICMP; the frame keeps its length (as padding). */
	ip_of(f)->total_length = rte_cpu_to_be_16(20 + 4);
	ip_recksum(f);
}

static void
m_icmp_echo_reply(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	icmp_of(f)->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp_recksum(f);
}

static void
m_icmp_unreachable(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	icmp_of(f)->icmp_type = 3;
	icmp_of(f)->icmp_code = 3;
	icmp_recksum(f);
}

static void
m_icmp_timestamp(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	icmp_of(f)->icmp_type = 13;
	icmp_recksum(f);
}

static void
m_icmp_echo_code1(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	icmp_of(f)->icmp_code = 1;
	icmp_recksum(f);
}

#define ICMP_DROP(r) { IP1, { r, 1 } }

static const struct frame_case icmp_cases[] = {
	{ "icmp bad checksum", m_icmp_bad_cksum, false,
	  ICMP_DROP("icmp_rx_bad_cksum") },
	{ "icmp 4 bytes", m_icmp_short, false, ICMP_DROP("icmp_rx_short") },
	{ "icmp echo reply", m_icmp_echo_reply, false,
	  ICMP_DROP("icmp_rx_other") },
	{ "icmp unreachable", m_icmp_unreachable, false,
	  ICMP_DROP("icmp_rx_other") },
	{ "icmp timestamp", m_icmp_timestamp, false,
	  ICMP_DROP("icmp_rx_other") },
	{ "icmp echo code 1", m_icmp_echo_code1, false,
	  ICMP_DROP("icmp_rx_other") },
};

START_TEST(icmp_rx_cases)
{
	run_frame_case(&icmp_cases[_i]);
}
END_TEST

/* Ethernet pads short frames: the reply follows the IP length. */
START_TEST(ethernet_padding_is_not_echoed)
{
	struct tstack *t = tstack_new(NULL);
	uint8_t f[128];
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	size_t n;

	learn_peer(t);
	n = ts_echo(f, tstack_mac(t), &ts_peer_mac, ts_ip(TS_PEER_IP),
		    ts_ip(TS_OUR_IP), ECHO_ID, 9, "abcd", 4, 0);
	ck_assert_uint_eq(n, 46);
	memset(f + n, 0xa5, 60 - n);
	tstack_inject(t, f, 60);
	m = tstack_tx(t);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(rte_pktmbuf_pkt_len(m), 46);
	ck_assert_uint_eq(rte_pktmbuf_data_len(m), 46);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	ck_assert_uint_eq(rte_be_to_cpu_16(ip->total_length), 20 + 8 + 4);
	ck_assert_uint_eq(pmt_inet_cksum(ip, 20), 0);
	ck_assert_uint_eq(pmt_inet_cksum(ip + 1, 8 + 4), 0);
	ck_assert_mem_eq((uint8_t *)(ip + 1) + 8, "abcd", 4);
	rte_pktmbuf_free(m);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, ECHO1);
	tstack_free(t);
}
END_TEST

/* ---- checksum offload ---- */

START_TEST(tx_ip_cksum_offload_flags_the_mbuf)
{
	static const struct rte_ether_addr mac3 = {
		.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 } };
	const uint64_t want = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	struct tstack *t = tstack_new(NULL);
	uint32_t third = ts_ip("198.18.0.3");
	struct rte_mbuf *m;

	t->st->ifaces[0].tx_ip_cksum = true;
	learn_peer(t);
	inject_echo(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 1);
	m = tstack_tx(t);
	ck_assert_ptr_nonnull(m);
	check_echo_reply(t, m, &ts_peer_mac, ts_ip(TS_PEER_IP), 1, true);
	ck_assert_uint_eq(m->ol_flags & want, want);
	ck_assert_uint_eq(m->ol_flags & RTE_MBUF_F_TX_L4_MASK, 0);
	ck_assert_uint_eq(m->l2_len, 14);
	ck_assert_uint_eq(m->l3_len, 20);
	rte_pktmbuf_free(m);
	tstack_expect_stats(t, ECHO1);

	/* The flags survive a wait in the ARP queue. */
	inject_echo(t, &mac3, third, 2);
	expect_arp_request(t, &bcast, third);
	inject_arp_reply(t, &mac3, third);
	m = tstack_tx(t);
	ck_assert_ptr_nonnull(m);
	check_echo_reply(t, m, &mac3, third, 2, true);
	ck_assert_uint_eq(m->ol_flags & want, want);
	ck_assert_uint_eq(m->l2_len, 14);
	ck_assert_uint_eq(m->l3_len, 20);
	rte_pktmbuf_free(m);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, { "rx_pkts", 2 }, { "ip_rx_pkts", 1 },
			    { "icmp_rx_echo_requests", 1 },
			    { "icmp_tx_echo_replies", 1 },
			    { "arp_tx_requests", 1 }, { "arp_rx_replies", 1 },
			    { "tx_pkts", 2 });
	tstack_free(t);
}
END_TEST

START_TEST(rx_ip_cksum_flags_are_trusted)
{
	struct tstack *t = tstack_new(NULL);
	uint8_t f[128];
	size_t n;

	learn_peer(t);

	/* The port says bad: dropped though the header sum is right. */
	n = echo_frame(t, f, &ts_peer_mac, ts_ip(TS_PEER_IP), 1);
	tstack_inject_flags(t, f, n, RTE_MBUF_F_RX_IP_CKSUM_BAD);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, IP1, { "ip_rx_bad_cksum", 1 });

	/* The port verified it: a wrong sum in the header is not looked at. */
	n = echo_frame(t, f, &ts_peer_mac, ts_ip(TS_PEER_IP), 2);
	ip_of(f)->hdr_checksum ^= rte_cpu_to_be_16(0x0101);
	tstack_inject_flags(t, f, n, RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	expect_echo_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 2);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, ECHO1);

	/* Header integrity verified, sum in the data not (DPDK's NONE). */
	tstack_inject_flags(t, f, n, RTE_MBUF_F_RX_IP_CKSUM_NONE);
	expect_echo_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 2);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, ECHO1);

	/* No verdict from the port: software checks, and drops. */
	tstack_inject_flags(t, f, n, RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, IP1, { "ip_rx_bad_cksum", 1 });
	tstack_free(t);
}
END_TEST

/* ---- TX batching ---- */

START_TEST(burst_of_echoes_is_answered_in_order)
{
	struct tstack *t = tstack_new(NULL);
	uint8_t f[128];
	uint16_t seq;

	learn_peer(t);
	for (seq = 0; seq < 40; seq++)
		tstack_enqueue(t, f, echo_frame(t, f, &ts_peer_mac,
						ts_ip(TS_PEER_IP), seq), 0);
	/*
	 * One turn takes one RX burst (PMT_RX_BURST): the 32 replies fill
	 * a TX burst, which goes out at once; 8 requests wait for the next
	 * turn, which drains as the queue runs dry.
	 */
	tstack_advance(t, 0);
	ck_assert_uint_eq(rte_ring_count(t->tx), PMT_TX_BURST);
	ck_assert_uint_eq(rte_ring_count(t->rx), 40 - PMT_RX_BURST);
	tstack_advance(t, 0);
	ck_assert_uint_eq(rte_ring_count(t->tx), 40);
	ck_assert_uint_eq(rte_ring_count(t->rx), 0);
	for (seq = 0; seq < 40; seq++)
		expect_echo_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP), seq);
	tstack_expect_nothing(t);
	tstack_expect_stats(t, { "rx_pkts", 40 }, { "ip_rx_pkts", 40 },
			    { "icmp_rx_echo_requests", 40 },
			    { "icmp_tx_echo_replies", 40 },
			    { "tx_pkts", 40 });
	ck_assert_uint_eq(tstack_stat(t, "tx_pkts"), 40 + 1);
	tstack_free(t);
}
END_TEST

/* Under load TX is batched, but never held past tx-drain-us. */
START_TEST(busy_turns_drain_tx_at_deadline)
{
	struct tstack *t = tstack_new(NULL);
	uint8_t f[128], junk[128];
	size_t n, jn;
	unsigned int i;

	learn_peer(t);
	n = echo_frame(t, f, &ts_peer_mac, ts_ip(TS_PEER_IP), 1);
	jn = echo_frame(t, junk, &ts_peer_mac, ts_ip(TS_PEER_IP), 0);
	set_eth_dst(junk, &other_mac);
	tstack_enqueue(t, f, n, 0);
	for (i = 1; i < 3 * PMT_RX_BURST; i++)
		tstack_enqueue(t, junk, jn, 0);

	tstack_advance(t, 0);			/* full burst: busy */
	ck_assert_uint_eq(rte_ring_count(t->tx), 0);
	tstack_advance(t, t->st->cfg.tx_drain_us - 1);	/* busy, early */
	ck_assert_uint_eq(rte_ring_count(t->tx), 0);
	tstack_advance(t, 1);			/* busy, deadline */
	ck_assert_uint_eq(rte_ring_count(t->tx), 1);
	ck_assert_uint_eq(rte_ring_count(t->rx), 0);
	expect_echo_reply(t, &ts_peer_mac, ts_ip(TS_PEER_IP), 1);
	tstack_expect_stats(t, { "rx_pkts", 3 * PMT_RX_BURST },
			    { "eth_rx_not_ours", 3 * PMT_RX_BURST - 1 },
			    { "ip_rx_pkts", 1 },
			    { "icmp_rx_echo_requests", 1 },
			    { "icmp_tx_echo_replies", 1 }, { "tx_pkts", 1 });
	tstack_free(t);
}
END_TEST

static Suite *
engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("arp_icmp");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, NULL, tstack_reap);
	tcase_add_test(tc, arp_request_gets_exact_reply);
	tcase_add_loop_test(tc, echo_request_gets_reply, 0, 3);
	tcase_add_test(tc, truncated_frames_are_counted_drops);
	suite_add_tcase(s, tc);

	tc = tcase_create("arp");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, NULL, tstack_reap);
	tcase_add_test(tc, arp_request_not_for_us_is_ignored);
	tcase_add_test(tc, arp_malformed_is_dropped_by_reason);
	tcase_add_test(tc, arp_conflict_is_counted_not_learned);
	tcase_add_test(tc, arp_probe_is_answered_not_learned);
	tcase_add_test(tc, arp_padded_request_gets_exact_reply);
	tcase_add_test(tc, arp_known_sender_is_updated);
	tcase_add_test(tc, arp_resolves_and_releases_held_packet);
	tcase_add_test(tc, arp_pending_queue_is_bounded);
	tcase_add_test(tc, arp_resolution_fails_after_retries);
	tcase_add_test(tc, arp_unused_entry_expires_silently);
	tcase_add_test(tc, arp_used_entry_probes_then_expires);
	tcase_add_test(tc, arp_used_entry_probe_answered_stays);
	tcase_add_test(tc, arp_table_full_drops_and_counts);
	suite_add_tcase(s, tc);

	tc = tcase_create("route");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, NULL, tstack_reap);
	tcase_add_test(tc, offlink_reply_goes_via_gateway);
	tcase_add_test(tc, offlink_reply_without_gateway_has_no_route);
	tcase_add_test(tc, bound_source_picks_its_interface);
	tcase_add_test(tc, bound_source_falls_back_to_any_route);
	suite_add_tcase(s, tc);

	tc = tcase_create("rx_drops");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, NULL, tstack_reap);
	tcase_add_loop_test(tc, eth_rx_cases, 0, (int)RTE_DIM(eth_cases));
	tcase_add_loop_test(tc, ipv4_rx_cases, 0, (int)RTE_DIM(ip_cases));
	tcase_add_loop_test(tc, icmp_rx_cases, 0, (int)RTE_DIM(icmp_cases));
	tcase_add_test(tc, ethernet_padding_is_not_echoed);
	tcase_add_loop_test(tc, chained_frame_is_linearized_and_answered, 0, 4);
	tcase_add_test(tc, chained_frame_too_long_is_counted_drop);
	tcase_add_test(tc, chained_frame_shorter_than_said_is_counted_drop);
	suite_add_tcase(s, tc);

	tc = tcase_create("offload");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, NULL, tstack_reap);
	tcase_add_test(tc, tx_ip_cksum_offload_flags_the_mbuf);
	tcase_add_test(tc, rx_ip_cksum_flags_are_trusted);
	suite_add_tcase(s, tc);

	tc = tcase_create("batching");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, NULL, tstack_reap);
	tcase_add_test(tc, burst_of_echoes_is_answered_in_order);
	tcase_add_test(tc, busy_turns_drain_tx_at_deadline);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	tstack_eal_init("engine");
	sr = srunner_create(engine_suite());
	/*
	 * EAL memory (--no-huge) is a shared mapping: forked test children
	 * would corrupt the parent's heap view. Run in-process; every
	 * teardown checks for leaks, which in-process makes stricter.
	 */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

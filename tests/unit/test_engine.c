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

static Suite *
engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("arp_icmp");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, arp_request_gets_exact_reply);
	tcase_add_loop_test(tc, echo_request_gets_reply, 0, 3);
	tcase_add_test(tc, truncated_frames_are_counted_drops);
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

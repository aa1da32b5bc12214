/* fuzz_frame.c: libFuzzer harness for the RX path: one arbitrary Ethernet frame into a stack with a listener and an established connection. */
#include <string.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_mbuf.h>

#include "fuzz_stack.h"
#include "tcp/pmt_tcp_syncache.h"

/*
 * Input: byte 0 picks the RX offload flags (bits 0-1 the IPv4 header
 * checksum, bits 2-3 the L4 one: unknown, good, bad, none), byte 1
 * where the frame is cut into two mbufs (0: one mbuf), the rest is the
 * frame from the destination MAC on. Before each frame the stack has
 * learnt the peer by ARP, listens on port 80 and holds one connection
 * from the peer's port 5555, handshake done and not accepted; so a
 * frame may reach ARP, ICMP, a SYN to the listener, or the
 * ESTABLISHED path with sequence numbers in the window (the seed
 * corpus has such frames; PMT_FUZZ_SEEDS=DIR writes it). After each
 * frame every connection is aborted, the ARP cache emptied, and every
 * mbuf and TCB must be back.
 */

#define OUR_PORT 80
#define PEER_PORT 5555
#define PEER_ISS 0xfffffff0u

static struct tstack *t;
static int lfd = -1;

static void
cfg_frame(struct pmt_config *cfg)
{
	cfg->arp_reachable_ms = 86400000;
	cfg->tcp_max_sockets = 64;
}

static const uint64_t ip_flags[4] = {
	RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
	RTE_MBUF_F_RX_IP_CKSUM_BAD, RTE_MBUF_F_RX_IP_CKSUM_NONE,
};
static const uint64_t l4_flags[4] = {
	RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, RTE_MBUF_F_RX_L4_CKSUM_GOOD,
	RTE_MBUF_F_RX_L4_CKSUM_BAD, RTE_MBUF_F_RX_L4_CKSUM_NONE,
};

static size_t
peer_seg(uint8_t *f, uint32_t seq, uint32_t ack, uint8_t flags,
	 const struct pmt_tcp_out_opts *o, const char *data)
{
	struct ts_tcp s = {
		.src = ts_ip(TS_PEER_IP), .dst = ts_ip(TS_OUR_IP),
		.sport = PEER_PORT, .dport = OUR_PORT,
		.seq = seq, .ack = ack, .flags = flags, .wnd = 65535,
		.data = data, .len = data ? (uint32_t)strlen(data) : 0,
	};

	if (o != NULL)
		s.o = *o;
	return ts_tcp(f, tstack_mac(t), &ts_peer_mac, &s);
}

/* The peer's connection: SYN, our SYN-ACK, its ACK. Returns our ISS. */
static uint32_t
handshake(void)
{
	const struct pmt_tcp_out_opts syn_o = {
		.opts = PMT_TO_MSS | PMT_TO_WSCALE | PMT_TO_SACK_PERM | PMT_TO_TS,
		.mss = 1460, .wscale = 7, .tsval = 1000,
	};
	struct pmt_flow_key k = {
		.laddr = ts_ip(TS_OUR_IP), .raddr = ts_ip(TS_PEER_IP),
		.lport = rte_cpu_to_be_16(OUR_PORT),
		.rport = rte_cpu_to_be_16(PEER_PORT),
	};
	struct pmt_tcp_out_opts ack_o = { .opts = PMT_TO_TS, .tsval = 1001 };
	struct pmt_tcb *tcb;
	uint8_t f[256];
	size_t n;

	uint32_t iss;

	/* The SYN makes a syncache entry, whose ISS is RFC 6528's and
	 * whose TSval offset is that ISS (tcp_syncache.c). */
	iss = pmt_tcp_isn(&t->eng->tcp.secret, &k, t->eng->now);
	n = peer_seg(f, PEER_ISS, 0, PMT_TH_SYN, &syn_o, NULL);
	if (!fz_inject(t, f, n, 0, 0))
		FZ_FAIL("no mbuf for the SYN");
	fz_drain(t);
	if (pmt_sockt_lookup(t->eng->tcp.table, &k) != NULL ||
	    pmt_syncache_in_use(t->eng) != 1)
		FZ_FAIL("the SYN made no syncache entry (or made a TCB)");
	ack_o.tsecr = (uint32_t)(t->eng->now / 1000) + iss;
	n = peer_seg(f, PEER_ISS + 1, iss + 1, PMT_TH_ACK, &ack_o, NULL);
	if (!fz_inject(t, f, n, 0, 0))
		FZ_FAIL("no mbuf for the ACK");
	fz_drain(t);
	tcb = pmt_sockt_lookup(t->eng->tcp.table, &k);
	if (tcb == NULL || pmt_tcb_is_idle(tcb) ||
	    tcb->state != PMT_TCPS_ESTABLISHED || tcb->iss != iss)
		FZ_FAIL("the handshake did not complete");
	return tcb->iss;
}

static void
write_seed(const char *dir, const char *name, uint8_t ol, const uint8_t *f,
	   size_t n, uint8_t cut)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL)
		FZ_FAIL("%s: cannot write", path);
	fputc(ol, fp);
	fputc(cut, fp);
	fwrite(f, 1, n, fp);
	fclose(fp);
}

/* The seed corpus: a few valid frames of each kind the stack takes. */
static void
write_seeds(const char *dir, uint32_t iss)
{
	static const struct rte_ether_addr zero;
	const struct pmt_tcp_out_opts ts = {
		.opts = PMT_TO_TS, .tsval = 1002, .tsecr = iss,
	};
	struct pmt_tcp_out_opts sack = ts;
	uint8_t f[2048];
	size_t n;

	n = ts_arp(f, tstack_mac(t), &ts_peer_mac, RTE_ARP_OP_REQUEST,
		   &ts_peer_mac, ts_ip(TS_PEER_IP), &zero, ts_ip(TS_OUR_IP));
	write_seed(dir, "arp_request", 0, f, n, 0);
	n = ts_arp(f, tstack_mac(t), &ts_gw_mac, RTE_ARP_OP_REPLY, &ts_gw_mac,
		   ts_ip(TS_GW_IP), tstack_mac(t), ts_ip(TS_OUR_IP));
	write_seed(dir, "arp_reply", 0, f, n, 0);
	n = ts_echo(f, tstack_mac(t), &ts_peer_mac, ts_ip(TS_PEER_IP),
		    ts_ip(TS_OUR_IP), 7, 1, "ping", 4, 8);
	write_seed(dir, "icmp_echo_ipopts", 0, f, n, 0);
	n = ts_echo(f, tstack_mac(t), &ts_peer_mac, ts_ip(TS_PEER_IP),
		    ts_ip(TS_OUR_IP), 7, 2, "ping", 4, 0);
	write_seed(dir, "icmp_echo_cut", 0, f, n, 20);
	/* A second connection's SYN to the listener, from another port. */
	{
		const struct pmt_tcp_out_opts o = {
			.opts = PMT_TO_MSS | PMT_TO_WSCALE | PMT_TO_SACK_PERM |
				PMT_TO_TS,
			.mss = 536, .wscale = 14, .tsval = 5,
		};
		struct ts_tcp s = {
			.src = ts_ip(TS_PEER_IP), .dst = ts_ip(TS_OUR_IP),
			.sport = 6000, .dport = OUR_PORT, .seq = 12345,
			.flags = PMT_TH_SYN, .wnd = 1024, .o = o,
		};

		n = ts_tcp(f, tstack_mac(t), &ts_peer_mac, &s);
		write_seed(dir, "tcp_syn", 0, f, n, 0);
		s.dport = 81;	/* nobody listens: RST */
		n = ts_tcp(f, tstack_mac(t), &ts_peer_mac, &s);
		write_seed(dir, "tcp_syn_closed_port", 0x5, f, n, 0);
	}
	n = peer_seg(f, PEER_ISS + 1, iss + 1, PMT_TH_ACK | PMT_TH_PSH, &ts,
		     "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	write_seed(dir, "tcp_data", 0, f, n, 0);
	write_seed(dir, "tcp_data_offload_cut", 0x5, f, n, 60);
	n = peer_seg(f, PEER_ISS + 100, iss + 1, PMT_TH_ACK, &ts, "later");
	write_seed(dir, "tcp_data_ooo", 0, f, n, 0);
	n = peer_seg(f, PEER_ISS + 1, iss + 1, PMT_TH_ACK | PMT_TH_FIN, &ts,
		     NULL);
	write_seed(dir, "tcp_fin", 0, f, n, 0);
	n = peer_seg(f, PEER_ISS + 1, iss + 1, PMT_TH_RST, NULL, NULL);
	write_seed(dir, "tcp_rst", 0, f, n, 0);
	sack.opts |= PMT_TO_SACK;
	sack.n_sack = 2;
	sack.sack[0].left = iss + 1;
	sack.sack[0].right = iss + 1;
	sack.sack[1].left = 1;
	sack.sack[1].right = 0xffffffff;
	n = peer_seg(f, PEER_ISS + 1, iss + 1, PMT_TH_ACK, &sack, NULL);
	write_seed(dir, "tcp_ack_sack", 0, f, n, 0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("PMT_FUZZ_SEEDS");
	uint32_t iss;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	t = fz_stack("fzframe", cfg_frame);
	lfd = pmt_socket(t->eng);
	if (lfd < 0 || pmt_bind(t->eng, lfd, 0, OUR_PORT) != 0 ||
	    pmt_listen(t->eng, lfd, 8) != 0)
		FZ_FAIL("cannot listen on port %d", OUR_PORT);
	fz_learn_peer(t);
	iss = handshake();
	if (seeds != NULL) {
		write_seeds(seeds, iss);
		exit(0);
	}
	fz_abort_all(t, lfd);
	fz_arp_reset(t);
	fz_check_pools(t, 1, "after set-up");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t room = RTE_MBUF_DEFAULT_BUF_SIZE - RTE_PKTMBUF_HEADROOM;
	uint64_t ol;
	size_t cut;

	if (size < 2)
		return 0;
	ol = ip_flags[data[0] & 3] | l4_flags[(data[0] >> 2) & 3];
	cut = data[1];
	data += 2;
	size -= 2;
	if (size > 2 * room)
		return 0;
	if (size > room && (cut == 0 || size - cut > room))
		cut = size - room;

	fz_learn_peer(t);
	handshake();
	fz_inject(t, data, size, cut, ol);
	fz_drain(t);
	fz_events(t);
	/* A clean slate for the next input, and the leak check. */
	fz_abort_all(t, lfd);
	fz_arp_reset(t);
	fz_check_pools(t, 1, "after the frame");
	return 0;
}

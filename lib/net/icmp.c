/* icmp.c: ICMP input: echo replies (RFC 792, RFC 1122 3.2.2.6), the rest counted. */
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>

#include "engine/pmt_engine.h"
#include "net/pmt_net.h"

void
pmt_icmp_input(struct pmt_engine *eng, uint16_t iface, struct rte_mbuf *m,
	       const struct pmt_ipv4_info *ip)
{
	uint16_t icmp_len = (uint16_t)(ip->total_len - ip->hdr_len);
	uint16_t opt_len = (uint16_t)(ip->hdr_len - sizeof(struct rte_ipv4_hdr));
	struct rte_icmp_hdr *icmp;
	struct rte_ipv4_hdr *iph;

	RTE_SET_USED(iface);
	if (icmp_len < sizeof(struct rte_icmp_hdr)) {
		PMT_STAT_INC(eng, icmp_rx_short);
		goto drop;
	}
	icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, ip->hdr_len);
	if (pmt_inet_cksum(icmp, icmp_len) != 0) {
		PMT_STAT_INC(eng, icmp_rx_bad_cksum);
		goto drop;
	}
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code) {
		PMT_STAT_INC(eng, icmp_rx_other);
		goto drop;
	}
	PMT_STAT_INC(eng, icmp_rx_echo_requests);

	/*
	 * Reply in place. Options are not echoed (RFC 1122 3.2.2.6 makes
	 * that a SHOULD for route/timestamp options only): slide the fixed
	 * header over them so the reply has a plain 20-byte header.
	 */
	if (opt_len) {
		memmove(rte_pktmbuf_mtod_offset(m, char *, opt_len),
			rte_pktmbuf_mtod(m, char *),
			sizeof(struct rte_ipv4_hdr));
		rte_pktmbuf_adj(m, opt_len);
	}
	iph = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = pmt_inet_cksum(icmp, icmp_len);
	pmt_ipv4_build(iph, ip->dst, ip->src, IPPROTO_ICMP, icmp_len,
		       eng->ip_id++);
	m->ol_flags = 0;
	PMT_STAT_INC(eng, icmp_tx_echo_replies);
	pmt_ipv4_output(eng, m, ip->src);
	return;
drop:
	rte_pktmbuf_free(m);
}

/* eth.c: Ethernet framing: accept our unicast and broadcast, dispatch by type. */
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include "engine/pmt_engine.h"
#include "net/pmt_net.h"

enum pmt_eth_verdict
pmt_eth_parse(const void *frame, uint32_t len, const struct rte_ether_addr *ours,
	      struct pmt_eth_info *info)
{
	const struct rte_ether_hdr *eh = frame;
	uint16_t type;

	if (len < RTE_ETHER_HDR_LEN)
		return PMT_ETH_SHORT;
	info->broadcast = rte_is_broadcast_ether_addr(&eh->dst_addr);
	if (!info->broadcast && !rte_is_same_ether_addr(&eh->dst_addr, ours))
		return PMT_ETH_NOT_OURS;
	/* A group or zero source address is never a sender: IEEE 802.3. */
	if (rte_is_multicast_ether_addr(&eh->src_addr) ||
	    rte_is_zero_ether_addr(&eh->src_addr))
		return PMT_ETH_BAD_SRC;
	type = rte_be_to_cpu_16(eh->ether_type);
	if (type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ ||
	    type == RTE_ETHER_TYPE_QINQ1)
		return PMT_ETH_VLAN;
	info->ether_type = type;
	return PMT_ETH_OK;
}

/*
 * A chained frame into one segment. Scatter RX is off, but software
 * links (rings between ports of one process) hand over the sender's
 * chains as they are. @return the new mbuf, or NULL (chain freed).
 */
static struct rte_mbuf *
eth_linearize(struct pmt_engine *eng, struct rte_mbuf *m)
{
	m = pmt_engine_linearize(eng, m, RTE_MBUF_F_RX_IP_CKSUM_MASK |
				 RTE_MBUF_F_RX_L4_CKSUM_MASK);
	if (m == NULL)
		PMT_STAT_INC(eng, eth_rx_multiseg);
	else
		PMT_STAT_INC(eng, eth_rx_linearized);
	return m;
}

void
pmt_eth_input(struct pmt_engine *eng, uint16_t iface, struct rte_mbuf *m)
{
	const struct pmt_iface *ifc = &eng->stack->ifaces[iface];
	struct pmt_eth_info info;

	if (unlikely(m->nb_segs != 1)) {
		m = eth_linearize(eng, m);
		if (m == NULL)
			return;
	}
	switch (pmt_eth_parse(rte_pktmbuf_mtod(m, void *),
			      rte_pktmbuf_data_len(m), &ifc->mac, &info)) {
	case PMT_ETH_OK:
		break;
	case PMT_ETH_SHORT:
		PMT_STAT_INC(eng, eth_rx_short);
		goto drop;
	case PMT_ETH_NOT_OURS:
		PMT_STAT_INC(eng, eth_rx_not_ours);
		goto drop;
	case PMT_ETH_VLAN:
		PMT_STAT_INC(eng, eth_rx_vlan_unsupported);
		goto drop;
	case PMT_ETH_BAD_SRC:
		PMT_STAT_INC(eng, eth_rx_bad_src);
		goto drop;
	}

	switch (info.ether_type) {
	case RTE_ETHER_TYPE_IPV4:
		rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
		pmt_ipv4_input(eng, iface, m, info.broadcast);
		return;
	case RTE_ETHER_TYPE_ARP:
		pmt_arp_input(eng, iface, m);
		return;
	default:
		PMT_STAT_INC(eng, eth_rx_unknown_type);
		break;
	}
drop:
	rte_pktmbuf_free(m);
}

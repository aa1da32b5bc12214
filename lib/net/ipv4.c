/* ipv4.c: IPv4 header validation, addresses and routing, input and output. */
#include <errno.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "engine/pmt_engine.h"
#include "net/pmt_net.h"

uint16_t
pmt_inet_cksum(const void *buf, uint32_t len)
{
	return (uint16_t)~pmt_cksum_fold(buf, len, 0);
}

bool
pmt_ipv4_unicast(uint32_t a)
{
	uint32_t h = rte_be_to_cpu_32(a);

	/* RFC 1122 3.2.1.3 / RFC 5735: this-network, loopback, class D/E. */
	if ((h >> 24) == 0 || (h >> 24) == 127 || h >= 0xe0000000u)
		return false;
	return true;
}

static inline uint32_t
prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - len));
}

int
pmt_iface_addr_index(const struct pmt_iface *ifc, uint32_t a)
{
	unsigned int i;

	for (i = 0; i < ifc->n_addrs; i++)
		if (ifc->addrs[i].addr == a)
			return (int)i;
	return -1;
}

bool
pmt_iface_is_broadcast(const struct pmt_iface *ifc, uint32_t a)
{
	unsigned int i;

	if (a == UINT32_MAX)
		return true;
	for (i = 0; i < ifc->n_addrs; i++) {
		uint32_t mask = prefix_mask(ifc->addrs[i].len);

		if (ifc->addrs[i].len < 31 &&
		    (a & mask) == (ifc->addrs[i].addr & mask) &&
		    (a | mask) == UINT32_MAX)
			return true;
	}
	return false;
}

/*
 * First address whose subnet holds @dst, on interface @only or on any
 * (@only < 0). With @from set, that address is the source instead.
 */
static bool
on_link(const struct pmt_stack *st, int only, uint32_t dst, uint32_t from,
	uint16_t *iface, uint32_t *src)
{
	unsigned int i, j;

	for (i = 0; i < st->n_ifaces; i++) {
		const struct pmt_iface *ifc = &st->ifaces[i];

		if (only >= 0 && i != (unsigned int)only)
			continue;
		for (j = 0; j < ifc->n_addrs; j++) {
			uint32_t mask = prefix_mask(ifc->addrs[j].len);

			if ((dst & mask) == (ifc->addrs[j].addr & mask)) {
				*iface = (uint16_t)i;
				*src = from ? from : ifc->addrs[j].addr;
				return true;
			}
		}
	}
	return false;
}

/* On link through @only (or any port, -1), else through the gateway. */
static int
route_via(const struct pmt_stack *st, int only, uint32_t dst, uint32_t from,
	  uint16_t *iface, uint32_t *nexthop, uint32_t *src)
{
	if (on_link(st, only, dst, from, iface, src)) {
		*nexthop = dst;
		return 0;
	}
	if (st->cfg.gateway != 0 &&
	    on_link(st, only, st->cfg.gateway, from, iface, src)) {
		*nexthop = st->cfg.gateway;
		return 0;
	}
	return -ENETUNREACH;
}

int
pmt_route(const struct pmt_engine *eng, uint32_t dst, uint32_t from,
	  uint16_t *iface, uint32_t *nexthop, uint32_t *src)
{
	const struct pmt_stack *st = eng->stack;
	unsigned int i;

	if (from == 0)
		return route_via(st, -1, dst, 0, iface, nexthop, src);
	/*
	 * A bound source picks the interface (source-based routing): two
	 * ports on one subnet, or a client and a server of one process on
	 * two linked ports, each send from the port that owns the address.
	 * Where that port has no route, any port's will do (weak host, as
	 * Linux): one gateway may serve every port's addresses.
	 */
	for (i = 0; i < st->n_ifaces; i++)
		if (pmt_iface_addr_index(&st->ifaces[i], from) >= 0)
			break;
	if (i == st->n_ifaces)
		return -EADDRNOTAVAIL;
	if (route_via(st, (int)i, dst, from, iface, nexthop, src) == 0)
		return 0;
	return route_via(st, -1, dst, from, iface, nexthop, src);
}

enum pmt_ipv4_verdict
pmt_ipv4_parse(const void *pkt, uint32_t len, bool cksum_checked,
	       struct pmt_ipv4_info *info)
{
	const struct rte_ipv4_hdr *ip = pkt;
	uint16_t hlen, tlen, frag;

	if (len < sizeof(*ip))
		return PMT_IPV4_SHORT;
	if ((ip->version_ihl >> 4) != 4)
		return PMT_IPV4_BAD_VERSION;
	hlen = (uint16_t)((ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) *
			  RTE_IPV4_IHL_MULTIPLIER);
	if (hlen < sizeof(*ip) || hlen > len)
		return PMT_IPV4_BAD_IHL;
	/* RFC 1122 3.2.1.1 requires total length checks before use. */
	tlen = rte_be_to_cpu_16(ip->total_length);
	if (tlen < hlen || tlen > len)
		return PMT_IPV4_BAD_LEN;
	if (!cksum_checked && pmt_inet_cksum(ip, hlen) != 0)
		return PMT_IPV4_BAD_CKSUM;
	frag = rte_be_to_cpu_16(ip->fragment_offset);
	if (frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return PMT_IPV4_FRAGMENT;
	if (!pmt_ipv4_unicast(ip->src_addr) || ip->src_addr == UINT32_MAX)
		return PMT_IPV4_BAD_SRC;
	info->src = ip->src_addr;
	info->dst = ip->dst_addr;
	info->hdr_len = hlen;
	info->total_len = tlen;
	info->proto = ip->next_proto_id;
	info->ttl = ip->time_to_live;
	return PMT_IPV4_OK;
}

void
pmt_ipv4_input(struct pmt_engine *eng, uint16_t iface, struct rte_mbuf *m,
	       bool l2_bcast)
{
	const struct pmt_iface *ifc = &eng->stack->ifaces[iface];
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	struct pmt_ipv4_info ip;
	uint32_t len = rte_pktmbuf_data_len(m);
	enum pmt_ipv4_verdict v;

	PMT_STAT_INC(eng, ip_rx_pkts);
	/*
	 * GOOD and NONE (header verified, sum wrong) skip our check. BAD
	 * is applied where the parser would check the sum, after the
	 * length checks, so a frame with several faults counts under the
	 * same reason with or without the offload.
	 */
	v = pmt_ipv4_parse(rte_pktmbuf_mtod(m, void *), len,
			   ck != RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, &ip);
	if (ck == RTE_MBUF_F_RX_IP_CKSUM_BAD &&
	    (v == PMT_IPV4_OK || v == PMT_IPV4_FRAGMENT || v == PMT_IPV4_BAD_SRC))
		v = PMT_IPV4_BAD_CKSUM;
	switch (v) {
	case PMT_IPV4_OK:
		break;
	case PMT_IPV4_SHORT:
		PMT_STAT_INC(eng, ip_rx_short);
		goto drop;
	case PMT_IPV4_BAD_VERSION:
		PMT_STAT_INC(eng, ip_rx_bad_version);
		goto drop;
	case PMT_IPV4_BAD_IHL:
		PMT_STAT_INC(eng, ip_rx_bad_ihl);
		goto drop;
	case PMT_IPV4_BAD_LEN:
		PMT_STAT_INC(eng, ip_rx_bad_len);
		goto drop;
	case PMT_IPV4_BAD_CKSUM:
		PMT_STAT_INC(eng, ip_rx_bad_cksum);
		goto drop;
	case PMT_IPV4_FRAGMENT:
		PMT_STAT_INC(eng, ip_rx_fragment);
		goto drop;
	case PMT_IPV4_BAD_SRC:
		PMT_STAT_INC(eng, ip_rx_bad_src);
		goto drop;
	}
	/*
	 * RFC 1122 3.2.1.3: a host MUST silently discard a datagram whose
	 * source is invalid, and a subnet's broadcast address is one.
	 */
	if (pmt_iface_is_broadcast(ifc, ip.src)) {
		PMT_STAT_INC(eng, ip_rx_bad_src);
		goto drop;
	}
	/* Ethernet pads short frames; the IP length is the truth. */
	if (len > ip.total_len)
		rte_pktmbuf_trim(m, (uint16_t)(len - ip.total_len));
	if (ip.hdr_len > sizeof(struct rte_ipv4_hdr))
		PMT_STAT_INC(eng, ip_rx_options);
	/*
	 * RFC 1122 3.2.1.7: a host MUST NOT discard a datagram just because
	 * its TTL is below 2; we count it and go on.
	 */
	if (ip.ttl == 0)
		PMT_STAT_INC(eng, ip_rx_ttl_zero);
	if (pmt_iface_addr_index(ifc, ip.dst) < 0) {
		if (pmt_iface_is_broadcast(ifc, ip.dst))
			PMT_STAT_INC(eng, ip_rx_broadcast);
		else
			PMT_STAT_INC(eng, ip_rx_not_ours);
		goto drop;
	}

	/*
	 * RFC 1122 3.3.6: "A host SHOULD silently discard a datagram that
	 * is received via a link-layer broadcast ... but does not specify
	 * an IP multicast or broadcast destination address." (Those we
	 * have just dropped: we take neither.) Here, not in TCP: it holds
	 * for every protocol, and so no SYN sent to the broadcast MAC
	 * ever reaches a listener (RFC 9293 3.10.7.2).
	 */
	if (l2_bcast) {
		PMT_STAT_INC(eng, ip_rx_l2_broadcast);
		goto drop;
	}
	switch (ip.proto) {
	case IPPROTO_ICMP:
		pmt_icmp_input(eng, iface, m, &ip);
		return;
	case IPPROTO_TCP:
		if (eng->stack->n_engines > 1 &&
		    ip.total_len >= ip.hdr_len + 4) {
			const uint16_t *ports = rte_pktmbuf_mtod_offset(m,
				const uint16_t *, ip.hdr_len);
			uint16_t owner = pmt_flow_owner(eng->stack, ip.src,
							ip.dst, ports[0],
							ports[1]);

			if (owner != eng->idx) {
				/* m->port carries the interface index across. */
				m->port = iface;
				if (rte_ring_mp_enqueue(eng->stack->engines[owner]->handoff,
							m) != 0) {
					PMT_STAT_INC(eng, tcp_handoff_drop);
					goto drop;
				}
				PMT_STAT_INC(eng, tcp_handoff_out);
				return;
			}
		}
		if (eng->tcp_batching) {
			struct pmt_tcp_rx *rx;

			if (eng->n_tcp_rx == PMT_TCP_RX_BATCH) {
				pmt_tcp_input_burst(eng, eng->tcp_rx,
						    eng->n_tcp_rx);
				eng->n_tcp_rx = 0;
			}
			rx = &eng->tcp_rx[eng->n_tcp_rx++];
			rx->m = m;
			rx->ip = ip;
			rx->iface = iface;
			return;
		}
		pmt_tcp_input(eng, iface, m, &ip);
		return;
	default:
		PMT_STAT_INC(eng, ip_rx_proto_unsupported);
		break;
	}
drop:
	rte_pktmbuf_free(m);
}

void
pmt_ipv4_build(struct rte_ipv4_hdr *ip, uint32_t src, uint32_t dst,
	       uint8_t proto, uint16_t payload_len, uint16_t id)
{
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) +
						       payload_len));
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->hdr_checksum = 0;
	ip->src_addr = src;
	ip->dst_addr = dst;
}

void
pmt_ipv4_output(struct pmt_engine *eng, struct rte_mbuf *m, uint32_t dst)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t nexthop, src;
	uint16_t iface;
	uint16_t hlen;

	if (pmt_route(eng, dst, ip->src_addr, &iface, &nexthop, &src) != 0) {
		PMT_STAT_INC(eng, ip_tx_no_route);
		rte_pktmbuf_free(m);
		return;
	}
	hlen = (uint16_t)((ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) *
			  RTE_IPV4_IHL_MULTIPLIER);
	m->l3_len = hlen;
	ip->hdr_checksum = 0;
	if (eng->stack->ifaces[iface].tx_ip_cksum)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	else
		ip->hdr_checksum = pmt_inet_cksum(ip, hlen);
	pmt_arp_output(eng, iface, nexthop, m);
}

/* port.c: ports and queues, the only code that touches rte_ethdev. */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "engine/pmt_engine.h"

/*
 * Symmetric Toeplitz key (0x6d5a repeated): both directions of a flow
 * hash alike, so one lcore sees a connection's packets both ways.
 */
static uint8_t symmetric_rss_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

uint16_t
pmt_port_rx(struct pmt_engine *eng, uint16_t iface, struct rte_mbuf **pkts,
	    uint16_t n)
{
	return rte_eth_rx_burst(eng->stack->ifaces[iface].port_id, eng->idx,
				pkts, n);
}

uint16_t
pmt_port_tx(struct pmt_engine *eng, uint16_t iface, struct rte_mbuf **pkts,
	    uint16_t n)
{
	return rte_eth_tx_burst(eng->stack->ifaces[iface].port_id, eng->idx,
				pkts, n);
}

static int
port_configure(struct pmt_stack *st, struct pmt_iface *ifc)
{
	uint16_t pid = ifc->port_id, nq = (uint16_t)st->n_engines;
	uint16_t nrx = (uint16_t)st->cfg.rx_desc, ntx = (uint16_t)st->cfg.tx_desc;
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t q;
	int ret;

	ret = rte_eth_dev_info_get(pid, &info);
	if (ret != 0) {
		RTE_LOG(ERR, USER1, "pmtcp: port %u: no device info: %s\n",
			pid, strerror(-ret));
		return ret;
	}
	rte_eth_dev_get_name_by_port(pid, name);
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		RTE_LOG(ERR, USER1,
			"pmtcp: port %u (%s) has %u RX / %u TX queues, %u lcores need one each\n",
			pid, name, info.max_rx_queues, info.max_tx_queues, nq);
		return -EINVAL;
	}

	memset(&conf, 0, sizeof(conf));
	if (nq > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_IP)) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP);
		if (info.hash_key_size == sizeof(symmetric_rss_key)) {
			conf.rx_adv_conf.rss_conf.rss_key = symmetric_rss_key;
			conf.rx_adv_conf.rss_conf.rss_key_len =
				sizeof(symmetric_rss_key);
		}
	}
	if (!st->cfg.offloads) {
		info.rx_offload_capa = 0;
		info.tx_offload_capa &= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
		ifc->rx_ip_cksum = true;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		ifc->tx_ip_cksum = true;
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_CKSUM) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
		ifc->rx_tcp_cksum = true;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
		ifc->tx_tcp_cksum = true;
	}
	/*
	 * Zero-copy segments are chains (headers, then the send queue's
	 * data). A port without MULTI_SEGS gets each copied into one
	 * mbuf, as do chains longer than the port's descriptor limits.
	 */
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		ifc->tx_max_segs_tso = RTE_MAX(info.tx_desc_lim.nb_seg_max, 1);
		ifc->tx_max_segs = RTE_MAX(RTE_MIN(info.tx_desc_lim.nb_seg_max,
					   info.tx_desc_lim.nb_mtu_seg_max), 1);
	} else {
		ifc->tx_max_segs = 1;
		ifc->tx_max_segs_tso = 1;
		RTE_LOG(INFO, USER1,
			"pmtcp: port %u (%s) sends no chained mbufs: segments are copied whole\n",
			pid, name);
	}
	/* TSO needs the checksums it implies and chained frames. */
	if (st->cfg.tso && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
	    ifc->tx_ip_cksum && ifc->tx_tcp_cksum &&
	    (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
		ifc->tso = true;
	}

	ret = rte_eth_dev_configure(pid, nq, nq, &conf);
	if (ret != 0 && conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS) {
		/* Some virtual devices list RSS but cannot program it. */
		RTE_LOG(WARNING, USER1,
			"pmtcp: port %u (%s): RSS refused (%s), steering in software\n",
			pid, name, strerror(-ret));
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
		memset(&conf.rx_adv_conf, 0, sizeof(conf.rx_adv_conf));
		ret = rte_eth_dev_configure(pid, nq, nq, &conf);
	}
	if (ret != 0) {
		RTE_LOG(ERR, USER1, "pmtcp: port %u (%s): configure: %s\n",
			pid, name, strerror(-ret));
		return ret;
	}
	ret = rte_eth_dev_set_mtu(pid, (uint16_t)st->cfg.mtu);
	if (ret != 0 && ret != -ENOTSUP)
		RTE_LOG(WARNING, USER1, "pmtcp: port %u: MTU %u: %s\n", pid,
			st->cfg.mtu, strerror(-ret));
	ifc->mtu = (uint16_t)st->cfg.mtu;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx);
	if (ret != 0)
		return ret;
	for (q = 0; q < nq; q++) {
		struct pmt_engine *eng = st->engines[q];
		int socket = (int)rte_lcore_to_socket_id(eng->lcore_id);
		struct rte_eth_rxconf rxc = info.default_rxconf;
		struct rte_eth_txconf txc = info.default_txconf;

		rxc.offloads = conf.rxmode.offloads;
		txc.offloads = conf.txmode.offloads;
		ret = rte_eth_rx_queue_setup(pid, q, nrx, socket, &rxc, eng->pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(pid, q, ntx, socket, &txc);
		if (ret != 0) {
			RTE_LOG(ERR, USER1, "pmtcp: port %u queue %u: %s\n",
				pid, q, strerror(-ret));
			return ret;
		}
	}
	ret = rte_eth_macaddr_get(pid, &ifc->mac);
	if (ret != 0)
		return ret;
	if (rte_is_zero_ether_addr(&ifc->mac)) {
		/*
		 * Ring-backed ports have no address; a zero one would be
		 * dropped by every peer. Take a locally administered
		 * 02:70:6d:74:PP:PP ("pmt") unique to the port.
		 */
		struct rte_ether_addr mac = { .addr_bytes = {
			0x02, 0x70, 0x6d, 0x74, (uint8_t)(pid >> 8),
			(uint8_t)pid } };

		ifc->mac = mac;
		RTE_LOG(INFO, USER1, "pmtcp: port %u has no MAC address; "
			"using a local one\n", pid);
	}
	ret = rte_eth_dev_start(pid);
	if (ret != 0) {
		RTE_LOG(ERR, USER1, "pmtcp: port %u: start: %s\n", pid,
			strerror(-ret));
		return ret;
	}
	return 0;
}

static void
wait_for_links(struct pmt_stack *st)
{
	unsigned int waited = 0, i, down;
	struct rte_eth_link link;

	for (;;) {
		down = 0;
		for (i = 0; i < st->n_ifaces; i++) {
			memset(&link, 0, sizeof(link));
			if (rte_eth_link_get_nowait(st->ifaces[i].port_id,
						    &link) != 0 ||
			    link.link_status == RTE_ETH_LINK_DOWN)
				down++;
		}
		if (down == 0 || waited >= st->cfg.link_wait_ms)
			break;
		rte_delay_ms(50);
		waited += 50;
	}
	for (i = 0; i < st->n_ifaces; i++) {
		char txt[RTE_ETH_LINK_MAX_STR_LEN];
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(st->ifaces[i].port_id, &link);
		rte_eth_link_to_str(txt, sizeof(txt), &link);
		rte_ether_format_addr(mac, sizeof(mac), &st->ifaces[i].mac);
		printf("pmtcp: port %u mac %s: %s\n", st->ifaces[i].port_id,
		       mac, txt);
	}
	if (down)
		RTE_LOG(WARNING, USER1,
			"pmtcp: %u port(s) still down after %u ms; going on\n",
			down, st->cfg.link_wait_ms);
}

int
pmt_port_setup(struct pmt_stack *st)
{
	uint16_t pid, n = 0;
	unsigned int i;
	int ret;

	RTE_ETH_FOREACH_DEV(pid) {
		if (n == PMT_MAX_PORTS) {
			RTE_LOG(ERR, USER1, "pmtcp: more than %u ports\n",
				PMT_MAX_PORTS);
			return -E2BIG;
		}
		st->ifaces[n++].port_id = pid;
	}
	if (n == 0) {
		RTE_LOG(ERR, USER1,
			"pmtcp: no ports; give one, e.g. --vdev=net_tap0 or --vdev=net_memif0\n");
		return -ENODEV;
	}
	if (st->cfg.n_ports != n) {
		RTE_LOG(ERR, USER1,
			"pmtcp: %u port(s) but addresses for %u: give one --addr per port, in port order\n",
			n, st->cfg.n_ports);
		return -EINVAL;
	}
	st->n_ifaces = n;
	for (i = 0; i < n; i++) {
		struct pmt_iface *ifc = &st->ifaces[i];

		ifc->n_addrs = st->cfg.ports[i].n_addrs;
		memcpy(ifc->addrs, st->cfg.ports[i].addrs, sizeof(ifc->addrs));
	}
	for (i = 0; i < st->n_engines; i++)
		st->engines[i]->n_ifaces = (uint16_t)n;
	for (i = 0; i < n; i++) {
		ret = port_configure(st, &st->ifaces[i]);
		if (ret != 0)
			return ret;
	}
	st->ports_started = true;
	wait_for_links(st);
	return 0;
}

void
pmt_port_close(struct pmt_stack *st)
{
	unsigned int i;

	for (i = 0; i < st->n_ifaces; i++) {
		uint16_t pid = st->ifaces[i].port_id;

		if (st->ports_started)
			rte_eth_dev_stop(pid);
		rte_eth_dev_close(pid);
	}
	st->ports_started = false;
	st->n_ifaces = 0;
}

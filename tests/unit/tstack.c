/* tstack.c: the unit-test stack harness (see tstack.h). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "teal.h"
#include "tstack.h"

const struct rte_ether_addr ts_peer_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
const struct rte_ether_addr ts_our_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } };
const struct rte_ether_addr ts_gw_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe } };

static unsigned int tstack_seq;
/* The stack of the running test, for tstack_reap(). */
static struct tstack *tstack_live;

void
tstack_eal_init(const char *suite)
{
	teal_init(suite);
}

uint32_t
ts_ip(const char *dotted)
{
	uint32_t a = 0;

	ck_assert_int_eq(pmt_ipv4_parse_addr(dotted, &a), 0);
	return a;
}

struct tstack *
tstack_new(void (*cfg_fn)(struct pmt_config *cfg))
{
	struct tstack *t = calloc(1, sizeof(*t));
	char name[32];
	int ret;

	ck_assert_ptr_nonnull(t);
	t->now = TSTACK_T0;
	snprintf(name, sizeof(name), "ts_rx%u", tstack_seq);
	t->rx = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "ts_tx%u", tstack_seq);
	t->tx = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	ck_assert(t->rx != NULL && t->tx != NULL);
	snprintf(name, sizeof(name), "ts_port%u", tstack_seq++);
	ret = rte_eth_from_rings(name, &t->rx, 1, &t->tx, 1, 0);
	ck_assert_int_ge(ret, 0);
	t->port = (uint16_t)ret;

	t->st = rte_zmalloc("ts_stack", sizeof(*t->st), RTE_CACHE_LINE_SIZE);
	ck_assert_ptr_nonnull(t->st);
	pmt_config_defaults(&t->st->cfg);
	/* Small pools keep the unit tests inside -m 256. */
	t->st->cfg.mbufs_per_lcore = 4096;
	t->st->cfg.rx_desc = 256;
	t->st->cfg.tx_desc = 256;
	t->st->cfg.link_wait_ms = 0;
	ck_assert_int_eq(pmt_config_set(&t->st->cfg, NULL, "addr",
					TS_OUR_IP "/24", NULL, 0), 0);
	ck_assert_int_eq(pmt_config_set(&t->st->cfg, NULL, "gateway",
					TS_GW_IP, NULL, 0), 0);
	if (cfg_fn != NULL)
		cfg_fn(&t->st->cfg);
	ck_assert_int_eq(pmt_config_validate(&t->st->cfg, NULL, 0), 0);
	pmt_the_stack = t->st;

	t->eng = pmt_engine_create(t->st, 0, rte_lcore_id(), t->now);
	ck_assert_ptr_nonnull(t->eng);
	t->st->engines[0] = t->eng;
	t->st->by_lcore[rte_lcore_id()] = t->eng;
	t->st->n_engines = 1;
	ck_assert_int_eq(pmt_port_setup(t->st), 0);
	ck_assert_int_eq(t->st->ifaces[0].port_id, t->port);
	/* net_ring reports a zero MAC; give the stack a real one. */
	t->st->ifaces[0].mac = ts_our_mac;
	tstack_live = t;
	return t;
}

/* Give everything back; what the stack still held goes with its pool. */
static void
tstack_release(struct tstack *t)
{
	pmt_stack_close();
	rte_ring_free(t->rx);
	rte_ring_free(t->tx);
	if (tstack_live == t)
		tstack_live = NULL;
	free(t);
}

/* Free every frame in @r; returns how many there were. */
static unsigned int
drain_ring(struct rte_ring *r)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	while (rte_ring_dequeue(r, (void **)&m) == 0) {
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

struct tcb_list {
	struct pmt_tcb **v;
	uint32_t n;
	uint32_t cap;
};

static int
collect_tcb(void *arg, const struct pmt_flow_key *k, void *value)
{
	struct tcb_list *l = arg;

	RTE_SET_USED(k);
	if (l->n < l->cap)
		l->v[l->n++] = value;
	return 0;
}

/*
 * End every connection the test left behind, as the application and
 * time would: descriptors close with SO_LINGER 0 (an abort), TCBs
 * without one (TIME-WAIT, orphans of close(), children nobody
 * accepted) close without a word. Then the events are read and a turn
 * runs, so every TCB whose grace period is over goes back to its pool.
 * What this sends is dropped: it is teardown, not the test.
 */
static void
close_all(struct tstack *t)
{
	struct pmt_tcp_engine *te = &t->eng->tcp;
	struct pmt_event ev[32];
	struct tcb_list l;
	uint32_t i;

	for (i = 0; i < te->n_fds; i++)
		if (te->fds[i] != 0) {
			pmt_setsockopt(t->eng, (int)i, PMT_SO_LINGER, 0);
			pmt_close(t->eng, (int)i);
		}
	l.n = 0;
	l.cap = te->n_fds;
	l.v = calloc(l.cap, sizeof(*l.v));
	ck_assert_ptr_nonnull(l.v);
	pmt_sockt_walk(te->table, collect_tcb, &l);
	for (i = 0; i < l.n; i++)
		pmt_tcb_close(l.v[i], 0);
	free(l.v);
	while (pmt_events(t->eng, ev, (int)RTE_DIM(ev)) > 0)
		;
	pmt_engine_turn(t->eng, t->now);
	while (pmt_events(t->eng, ev, (int)RTE_DIM(ev)) > 0)
		;
	pmt_engine_turn(t->eng, t->now);
	pmt_engine_tx_flush(t->eng);
	drain_ring(t->tx);
}

unsigned int
tstack_tcbs(struct tstack *t)
{
	return pmt_tcb_in_use(t->eng);
}

void
tstack_free(struct tstack *t)
{
	unsigned int unread, unseen, in_use, clones, tcbs, idle, half, ooo, ext;

	pmt_engine_tx_flush(t->eng);
	unread = drain_ring(t->tx);
	unseen = drain_ring(t->rx);
	close_all(t);
	/* Every mbuf is back, except what the ARP cache and the
	 * impairment stages (delayed, held frames) still hold. */
	pmt_arp_fini(t->eng);
	pmt_engine_impair_fini(t->eng);
	in_use = rte_mempool_in_use_count(t->eng->pool);
	clones = rte_mempool_in_use_count(t->eng->tcp.clone_pool);
	tcbs = tstack_tcbs(t);
	idle = pmt_tcb_idle_in_use(t->eng);
	half = pmt_syncache_in_use(t->eng);
	ooo = t->eng->tcp.ooo_mbufs;
	ext = pmt_tcp_ext_in_use(t->eng);
	/* Release before asserting, so a failure here cannot cascade. */
	tstack_release(t);
	ck_assert_msg(unread == 0, "%u transmitted frame(s) left unread",
		      unread);
	ck_assert_msg(unseen == 0, "%u injected frame(s) never received",
		      unseen);
	ck_assert_msg(in_use == 0, "%u mbuf(s) leaked", in_use);
	ck_assert_msg(clones == 0, "%u clone mbuf(s) leaked", clones);
	ck_assert_msg(tcbs == 0, "%u TCB(s) leaked", tcbs);
	ck_assert_msg(idle == 0, "%u idle form(s) leaked", idle);
	ck_assert_msg(half == 0, "%u syncache entries leaked", half);
	ck_assert_msg(ooo == 0, "%u out-of-order mbuf(s) still counted", ooo);
	ck_assert_msg(ext == 0, "%u pmt_tcp_ext(s) leaked", ext);
}

void
tstack_reap(void)
{
	if (tstack_live != NULL)
		tstack_release(tstack_live);
}

void
tstack_enqueue(struct tstack *t, const void *frame, size_t len,
	       uint64_t ol_flags)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t->eng->pool);

	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(rte_pktmbuf_append(m, (uint16_t)len));
	memcpy(rte_pktmbuf_mtod(m, void *), frame, len);
	m->ol_flags = ol_flags;
	ck_assert_int_eq(rte_ring_enqueue(t->rx, m), 0);
}

/*
 * One engine turn. Then, unless the test plays the application between
 * turns (app_acts), the ACKs that waited for the application go, as the
 * next turn would send them: the test writes nothing before it looks.
 */
static void
tstack_turn(struct tstack *t)
{
	pmt_engine_turn(t->eng, t->now);
	if (!t->app_acts && t->eng->tcp.late_n > 0) {
		pmt_tcp_flush_late(t->eng);
		pmt_engine_tx_flush(t->eng);
	}
}

void
tstack_inject_flags(struct tstack *t, const void *frame, size_t len,
		    uint64_t ol_flags)
{
	tstack_enqueue(t, frame, len, ol_flags);
	tstack_turn(t);
}

void
tstack_inject(struct tstack *t, const void *frame, size_t len)
{
	tstack_inject_flags(t, frame, len, 0);
}

void
tstack_advance(struct tstack *t, uint64_t us)
{
	t->now += us;
	tstack_turn(t);
}

struct rte_mbuf *
tstack_tx(struct tstack *t)
{
	struct rte_mbuf *m;

	pmt_engine_tx_flush(t->eng);
	if (rte_ring_dequeue(t->tx, (void **)&m) != 0)
		return NULL;
	return m;
}

void
tstack_expect_nothing(struct tstack *t)
{
	struct rte_mbuf *m = tstack_tx(t);

	if (m != NULL) {
		rte_pktmbuf_free(m);
		ck_abort_msg("unexpected frame transmitted");
	}
}

uint64_t
tstack_stat(struct tstack *t, const char *name)
{
	const uint64_t *c = (const uint64_t *)&t->eng->stats;
	unsigned int i;

	for (i = 0; i < PMT_STATS_N; i++)
		if (strcmp(pmt_stats_names[i], name) == 0)
			return c[i];
	ck_abort_msg("no counter %s", name);
	return 0;
}

void
tstack_mark(struct tstack *t)
{
	t->mark = t->eng->stats;
}

void
tstack_expect_stats_at(struct tstack *t, const char *where,
		       const struct tstack_count *c, size_t n)
{
	const uint64_t *now = (const uint64_t *)&t->eng->stats;
	const uint64_t *then = (const uint64_t *)&t->mark;
	unsigned int i;
	size_t j;

	for (j = 0; j < n && c[j].name != NULL; j++) {
		for (i = 0; i < PMT_STATS_N; i++)
			if (strcmp(pmt_stats_names[i], c[j].name) == 0)
				break;
		ck_assert_msg(i < PMT_STATS_N, "%s: no counter %s", where,
			      c[j].name);
	}
	for (i = 0; i < PMT_STATS_N; i++) {
		const char *name = pmt_stats_names[i];
		uint64_t want = 0;
		bool listed = false;

		for (j = 0; j < n && c[j].name != NULL; j++)
			if (strcmp(name, c[j].name) == 0) {
				want = c[j].delta;
				listed = true;
			}
		if (!listed && (strcmp(name, "rx_bytes") == 0 ||
				strcmp(name, "tx_bytes") == 0))
			continue;
		ck_assert_msg(now[i] - then[i] == want,
			      "%s: counter %s moved by %" PRIu64
			      ", want %" PRIu64, where, name,
			      now[i] - then[i], want);
	}
	tstack_mark(t);
}

const struct rte_ether_addr *
tstack_mac(struct tstack *t)
{
	return &t->st->ifaces[0].mac;
}

size_t
ts_arp(uint8_t *buf, const struct rte_ether_addr *eth_dst,
       const struct rte_ether_addr *eth_src, uint16_t op,
       const struct rte_ether_addr *sha, uint32_t spa,
       const struct rte_ether_addr *tha, uint32_t tpa)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eh + 1);

	eh->dst_addr = *eth_dst;
	eh->src_addr = *eth_src;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = *sha;
	a->arp_data.arp_sip = spa;
	a->arp_data.arp_tha = *tha;
	a->arp_data.arp_tip = tpa;
	return sizeof(*eh) + sizeof(*a);
}

size_t
ts_echo(uint8_t *buf, const struct rte_ether_addr *eth_dst,
	const struct rte_ether_addr *eth_src, uint32_t src, uint32_t dst,
	uint16_t id, uint16_t seq, const void *payload, size_t plen,
	size_t opt_len)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_icmp_hdr *ic;
	size_t icmp_len = sizeof(*ic) + plen;

	ck_assert(opt_len % 4 == 0 && opt_len <= 40);
	eh->dst_addr = *eth_dst;
	eh->src_addr = *eth_src;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	pmt_ipv4_build(ip, src, dst, IPPROTO_ICMP,
		       (uint16_t)(opt_len + icmp_len), 0x1234);
	ip->version_ihl = (uint8_t)(0x40 | ((20 + opt_len) / 4));
	memset(ip + 1, 1 /* NOP */, opt_len);
	ip->hdr_checksum = pmt_inet_cksum(ip, (uint32_t)(20 + opt_len));
	ic = (struct rte_icmp_hdr *)((uint8_t *)(ip + 1) + opt_len);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_code = 0;
	ic->icmp_cksum = 0;
	ic->icmp_ident = rte_cpu_to_be_16(id);
	ic->icmp_seq_nb = rte_cpu_to_be_16(seq);
	memcpy(ic + 1, payload, plen);
	ic->icmp_cksum = pmt_inet_cksum(ic, (uint32_t)icmp_len);
	return sizeof(*eh) + 20 + opt_len + icmp_len;
}

size_t
ts_tcp(uint8_t *buf, const struct rte_ether_addr *eth_dst,
       const struct rte_ether_addr *eth_src, const struct ts_tcp *s)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	uint8_t *th = (uint8_t *)(ip + 1);
	uint16_t hlen;
	uint32_t tcp_len;

	eh->dst_addr = *eth_dst;
	eh->src_addr = *eth_src;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	hlen = pmt_tcp_build(th, s->sport, s->dport, s->seq, s->ack, s->flags,
			     s->wnd, &s->o);
	if (s->len > 0)
		memcpy(th + hlen, s->data, s->len);
	tcp_len = hlen + s->len;
	pmt_ipv4_build(ip, s->src, s->dst, IPPROTO_TCP, (uint16_t)tcp_len,
		       0x4321);
	ip->hdr_checksum = pmt_inet_cksum(ip, sizeof(*ip));
	((struct rte_tcp_hdr *)th)->cksum = pmt_tcp_cksum(ip, th, tcp_len);
	return sizeof(*eh) + sizeof(*ip) + tcp_len;
}

struct rte_mbuf *
tstack_tcp_tx(struct tstack *t, struct pmt_tcp_seg *seg, void *payload,
	      size_t cap)
{
	static const size_t room = 16384;
	struct rte_mbuf *m = tstack_tx(t);
	const struct rte_ether_hdr *eh;
	const struct rte_ipv4_hdr *ip;
	const uint8_t *th;
	uint32_t tcp_len;
	uint8_t *f;

	if (m == NULL)
		return NULL;
	ck_assert_msg(rte_pktmbuf_pkt_len(m) <= room, "frame of %u bytes",
		      rte_pktmbuf_pkt_len(m));
	f = malloc(room);
	ck_assert_ptr_nonnull(f);
	/* Flat, so checksums and the parser see the frame as the wire does
	 * (rte_pktmbuf_read copies only when the frame is chained). */
	eh = rte_pktmbuf_read(m, 0, rte_pktmbuf_pkt_len(m), f);
	ck_assert_ptr_nonnull(eh);
	ck_assert_msg(rte_be_to_cpu_16(eh->ether_type) == RTE_ETHER_TYPE_IPV4,
		      "sent ethertype %#x, not IPv4",
		      rte_be_to_cpu_16(eh->ether_type));
	ck_assert(rte_is_same_ether_addr(&eh->src_addr, tstack_mac(t)));
	ip = (const struct rte_ipv4_hdr *)(eh + 1);
	ck_assert_uint_eq(ip->version_ihl, 0x45);
	ck_assert_uint_eq(ip->next_proto_id, IPPROTO_TCP);
	ck_assert_uint_eq(ip->src_addr, ts_ip(TS_OUR_IP));
	ck_assert_uint_eq(rte_be_to_cpu_16(ip->total_length),
			  rte_pktmbuf_pkt_len(m) - sizeof(*eh));
	if (!(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM))
		ck_assert_uint_eq(pmt_inet_cksum(ip, sizeof(*ip)), 0);
	th = (const uint8_t *)(ip + 1);
	tcp_len = rte_be_to_cpu_16(ip->total_length) - (uint32_t)sizeof(*ip);
	ck_assert_int_eq(pmt_tcp_parse(th, tcp_len, seg), PMT_TCP_OK);
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM)
		/* The port sums the segment; the field holds the pseudo-header. */
		ck_assert_uint_eq(((const struct rte_tcp_hdr *)th)->cksum,
				  rte_ipv4_phdr_cksum(ip, 0));
	else
		ck_assert_msg(pmt_tcp_cksum_ok(ip, th, tcp_len),
			      "bad TCP checksum on seq %u", seg->seq);
	ck_assert_msg(seg->len <= cap, "%u payload bytes, room for %zu",
		      seg->len, cap);
	if (seg->len > 0)
		memcpy(payload, th + seg->payload_off, seg->len);
	free(f);
	return m;
}

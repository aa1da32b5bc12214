/* arp.c: ARP (RFC 826): answer for our addresses, resolve next hops, keep the cache. */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_malloc.h>

#include "engine/pmt_engine.h"
#include "net/pmt_arp.h"
#include "net/pmt_net.h"

/*
 * Entry life:
 *   INCOMPLETE --reply--> REACHABLE --reachable_ms, used--> PROBE --reply--> REACHABLE
 *   INCOMPLETE --retries exhausted--> freed, waiting packets dropped
 *   REACHABLE --reachable_ms, unused--> freed;  PROBE --no reply--> freed
 * PROBE keeps sending through the cached MAC while it re-checks by
 * unicast, as RFC 1122 2.3.2.1 suggests, so a busy flow never stalls.
 */

struct arp_frame {
	struct rte_ether_hdr eth;
	struct rte_arp_hdr arp;
};

_Static_assert(sizeof(struct arp_frame) == RTE_ETHER_HDR_LEN + 28,
	       "an ARP frame is 14 + 28 bytes, no padding");

static inline struct pmt_arp_entry *
entry_of(struct pmt_arp_table *t, uint32_t ref)
{
	return ref ? &t->entries[ref - 1] : NULL;
}

static inline uint32_t
bucket_of(const struct pmt_arp_table *t, uint16_t iface, uint32_t ip)
{
	uint32_t h = (ip ^ ((uint32_t)iface << 16)) * 2654435761u;

	return h & (t->n_entries - 1);
}

static struct pmt_arp_entry *
arp_find(struct pmt_arp_table *t, uint16_t iface, uint32_t ip)
{
	struct pmt_arp_entry *e = entry_of(t, t->buckets[bucket_of(t, iface, ip)]);

	while (e != NULL && (e->ip != ip || e->iface != iface))
		e = entry_of(t, e->next);
	return e;
}


static struct pmt_arp_entry *
arp_alloc(struct pmt_engine *eng, uint16_t iface, uint32_t ip)
{
	struct pmt_arp_table *t = &eng->arp;
	struct pmt_arp_entry *e = entry_of(t, t->free_head);
	uint32_t b;

	if (e == NULL) {
		PMT_STAT_INC(eng, arp_table_full);
		return NULL;
	}
	t->free_head = e->next;
	b = bucket_of(t, iface, ip);
	e->ip = ip;
	e->iface = iface;
	e->tries = 0;
	e->n_pending = 0;
	e->was_used = false;
	e->next = t->buckets[b];
	t->buckets[b] = (uint32_t)(e - t->entries) + 1;
	t->n_used++;
	return e;
}

static void
arp_drop_pending(struct pmt_engine *eng, struct pmt_arp_entry *e)
{
	if (e->n_pending) {
		rte_pktmbuf_free_bulk(e->pending, e->n_pending);
		PMT_STAT_ADD(eng, arp_pending_drop, e->n_pending);
		e->n_pending = 0;
	}
}

static void
arp_free(struct pmt_engine *eng, struct pmt_arp_entry *e)
{
	struct pmt_arp_table *t = &eng->arp;
	uint32_t ref = (uint32_t)(e - t->entries) + 1;
	uint32_t *pp = &t->buckets[bucket_of(t, e->iface, e->ip)];

	while (*pp != ref)
		pp = &entry_of(t, *pp)->next;
	*pp = e->next;
	pmt_wheel_cancel(&eng->wheel, &e->timer);
	arp_drop_pending(eng, e);
	e->state = PMT_ARP_FREE;
	e->ip = 0;
	e->next = t->free_head;
	t->free_head = ref;
	t->n_used--;
}

int
pmt_arp_init(struct pmt_engine *eng, unsigned int n_entries)
{
	struct pmt_arp_table *t = &eng->arp;
	unsigned int i;

	t->n_entries = rte_align32pow2(n_entries < 16 ? 16 : n_entries);
	t->buckets = rte_zmalloc_socket("pmt_arp", t->n_entries * sizeof(uint32_t),
					RTE_CACHE_LINE_SIZE,
					rte_lcore_to_socket_id(eng->lcore_id));
	t->entries = rte_zmalloc_socket("pmt_arp", t->n_entries * sizeof(*t->entries),
					RTE_CACHE_LINE_SIZE,
					rte_lcore_to_socket_id(eng->lcore_id));
	if (t->buckets == NULL || t->entries == NULL) {
		pmt_arp_fini(eng);
		return -ENOMEM;
	}
	for (i = 0; i < t->n_entries; i++) {
		t->entries[i].next = i + 2 <= t->n_entries ? i + 2 : 0;
		pmt_timer_init(&t->entries[i].timer);
	}
	t->free_head = 1;
	t->n_used = 0;
	return 0;
}

void
pmt_arp_fini(struct pmt_engine *eng)
{
	struct pmt_arp_table *t = &eng->arp;
	unsigned int i;

	if (t->entries != NULL)
		for (i = 0; i < t->n_entries; i++)
			if (t->entries[i].state != PMT_ARP_FREE)
				arp_free(eng, &t->entries[i]);
	rte_free(t->entries);
	rte_free(t->buckets);
	t->entries = NULL;
	t->buckets = NULL;
}

static struct rte_mbuf *
arp_frame_alloc(struct pmt_engine *eng)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(eng->pool);

	if (m == NULL) {
		PMT_STAT_INC(eng, mbuf_alloc_fail);
		return NULL;
	}
	if (rte_pktmbuf_append(m, sizeof(struct arp_frame)) == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

static void
arp_fill(struct arp_frame *f, const struct pmt_iface *ifc, uint16_t op,
	 const struct rte_ether_addr *eth_dst, uint32_t sip,
	 const struct rte_ether_addr *tha, uint32_t tip)
{
	f->eth.dst_addr = *eth_dst;
	f->eth.src_addr = ifc->mac;
	f->eth.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	f->arp.arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	f->arp.arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	f->arp.arp_hlen = RTE_ETHER_ADDR_LEN;
	f->arp.arp_plen = sizeof(uint32_t);
	f->arp.arp_opcode = rte_cpu_to_be_16(op);
	f->arp.arp_data.arp_sha = ifc->mac;
	f->arp.arp_data.arp_sip = sip;
	f->arp.arp_data.arp_tha = *tha;
	f->arp.arp_data.arp_tip = tip;
}

/* Ask who has @tip: broadcast, or unicast to @dst when re-checking. */
static void
arp_send_request(struct pmt_engine *eng, uint16_t iface, uint32_t tip,
		 const struct rte_ether_addr *dst)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const struct rte_ether_addr zero;
	const struct pmt_iface *ifc = &eng->stack->ifaces[iface];
	struct rte_mbuf *m;
	uint32_t sip;
	uint16_t oif;
	uint32_t nh;

	/* Prefer the source address of the subnet the target is on. */
	if (pmt_route(eng, tip, 0, &oif, &nh, &sip) != 0 || oif != iface)
		sip = ifc->addrs[0].addr;
	m = arp_frame_alloc(eng);
	if (m == NULL)
		return;
	arp_fill(rte_pktmbuf_mtod(m, struct arp_frame *), ifc,
		 RTE_ARP_OP_REQUEST, dst ? dst : &bcast, sip, &zero, tip);
	PMT_STAT_INC(eng, arp_tx_requests);
	pmt_engine_tx(eng, iface, m);
}

void
pmt_arp_announce(struct pmt_engine *eng, uint16_t iface)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const struct rte_ether_addr zero;
	const struct pmt_iface *ifc = &eng->stack->ifaces[iface];
	unsigned int i;

	/* RFC 5227 3: an announcement is a request with SPA = TPA = ours. */
	for (i = 0; i < ifc->n_addrs; i++) {
		struct rte_mbuf *m = arp_frame_alloc(eng);

		if (m == NULL)
			return;
		arp_fill(rte_pktmbuf_mtod(m, struct arp_frame *), ifc,
			 RTE_ARP_OP_REQUEST, &bcast, ifc->addrs[i].addr,
			 &zero, ifc->addrs[i].addr);
		PMT_STAT_INC(eng, arp_tx_gratuitous);
		pmt_engine_tx(eng, iface, m);
	}
}

static void
arp_arm(struct pmt_engine *eng, struct pmt_arp_entry *e, uint64_t delay_ms)
{
	pmt_wheel_arm(&eng->wheel, &e->timer, eng->now + delay_ms * 1000);
}

static void
arp_send_via(struct pmt_engine *eng, struct pmt_arp_entry *e,
	     struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh;

	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
	if (eh == NULL) {
		/* Every mbuf we build keeps RTE_PKTMBUF_HEADROOM. */
		PMT_STAT_INC(eng, arp_pending_drop);
		rte_pktmbuf_free(m);
		return;
	}
	eh->dst_addr = e->mac;
	eh->src_addr = eng->stack->ifaces[e->iface].mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	m->l2_len = RTE_ETHER_HDR_LEN;
	pmt_engine_tx(eng, e->iface, m);
}

/* A mapping is confirmed: by a reply, a request, or another engine. */
static void
arp_confirm(struct pmt_engine *eng, struct pmt_arp_entry *e,
	    const struct rte_ether_addr *mac)
{
	unsigned int i, n = e->n_pending;

	e->mac = *mac;
	e->state = PMT_ARP_REACHABLE;
	e->tries = 0;
	arp_arm(eng, e, eng->stack->cfg.arp_reachable_ms);
	e->n_pending = 0;
	if (n) {
		e->used = eng->now;
		e->was_used = true;
	}
	for (i = 0; i < n; i++)
		arp_send_via(eng, e, e->pending[i]);
}

/* Tell the other engines, so a flow on any lcore can use the mapping. */
static void
arp_share(struct pmt_engine *eng, uint16_t iface, uint32_t ip,
	  const struct rte_ether_addr *mac)
{
	struct pmt_stack *st = eng->stack;
	struct pmt_arp_sync_msg msg = { .ip = ip, .iface = iface, .mac = *mac };
	unsigned int i;

	for (i = 0; i < st->n_engines; i++) {
		struct pmt_engine *o = st->engines[i];

		if (o == eng || o == NULL || o->arp_sync == NULL)
			continue;
		if (rte_ring_mp_enqueue_elem(o->arp_sync, &msg, sizeof(msg)) != 0)
			PMT_STAT_INC(eng, arp_sync_drop);
	}
}

static void
arp_learn(struct pmt_engine *eng, uint16_t iface, uint32_t ip,
	  const struct rte_ether_addr *mac, bool create)
{
	struct pmt_arp_entry *e = arp_find(&eng->arp, iface, ip);

	if (e == NULL) {
		if (!create)
			return;
		e = arp_alloc(eng, iface, ip);
		if (e == NULL)
			return;
		PMT_STAT_INC(eng, arp_learned);
	}
	arp_confirm(eng, e, mac);
}

void
pmt_arp_sync(struct pmt_engine *eng)
{
	struct pmt_arp_sync_msg msg[16];
	unsigned int i, n;

	if (eng->arp_sync == NULL)
		return;
	n = rte_ring_sc_dequeue_burst_elem(eng->arp_sync, msg, sizeof(msg[0]),
					   RTE_DIM(msg), NULL);
	for (i = 0; i < n; i++)
		arp_learn(eng, msg[i].iface, msg[i].ip, &msg[i].mac, true);
}

void
pmt_arp_input(struct pmt_engine *eng, uint16_t iface, struct rte_mbuf *m)
{
	const struct pmt_iface *ifc = &eng->stack->ifaces[iface];
	struct arp_frame *f;
	struct rte_arp_ipv4 *d;
	struct rte_ether_addr sha;
	bool for_us, known;
	uint32_t spa, tpa;
	uint16_t op;

	if (rte_pktmbuf_data_len(m) < sizeof(*f)) {
		PMT_STAT_INC(eng, arp_rx_short);
		goto drop;
	}
	f = rte_pktmbuf_mtod(m, struct arp_frame *);
	if (f->arp.arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    f->arp.arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    f->arp.arp_hlen != RTE_ETHER_ADDR_LEN ||
	    f->arp.arp_plen != sizeof(uint32_t)) {
		PMT_STAT_INC(eng, arp_rx_bad_format);
		goto drop;
	}
	op = rte_be_to_cpu_16(f->arp.arp_opcode);
	if (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) {
		PMT_STAT_INC(eng, arp_rx_bad_op);
		goto drop;
	}
	d = &f->arp.arp_data;
	sha = d->arp_sha;
	spa = d->arp_sip;
	tpa = d->arp_tip;
	if (rte_is_multicast_ether_addr(&sha) || rte_is_zero_ether_addr(&sha) ||
	    (spa != 0 && !pmt_ipv4_unicast(spa))) {
		PMT_STAT_INC(eng, arp_rx_bad_sender);
		goto drop;
	}
	if (op == RTE_ARP_OP_REQUEST)
		PMT_STAT_INC(eng, arp_rx_requests);
	else
		PMT_STAT_INC(eng, arp_rx_replies);
	if (spa != 0 && pmt_iface_addr_index(ifc, spa) >= 0) {
		/* Someone else claims our address (RFC 5227 2.4): never learn it. */
		if (!rte_is_same_ether_addr(&sha, &ifc->mac))
			PMT_STAT_INC(eng, arp_rx_conflict);
		goto drop;
	}
	for_us = pmt_iface_addr_index(ifc, tpa) >= 0;

	/*
	 * RFC 826 "merge": refresh a mapping we hold whatever the target;
	 * add a new one only when the packet is for us. A sender address
	 * of 0 is a probe (RFC 5227 2.1.1) and teaches nothing.
	 */
	known = spa != 0 && arp_find(&eng->arp, iface, spa) != NULL;
	if (spa != 0 && (known || for_us)) {
		arp_learn(eng, iface, spa, &sha, for_us);
		arp_share(eng, iface, spa, &sha);
	}
	if (!for_us) {
		if (!known)
			PMT_STAT_INC(eng, arp_rx_not_for_us);
		goto drop;
	}
	if (op != RTE_ARP_OP_REQUEST)
		goto drop;

	/* Reply in place: the request already has the right shape. */
	arp_fill(f, ifc, RTE_ARP_OP_REPLY, &sha, tpa, &sha, spa);
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - sizeof(*f)));
	m->ol_flags = 0;
	PMT_STAT_INC(eng, arp_tx_replies);
	pmt_engine_tx(eng, iface, m);
	return;
drop:
	rte_pktmbuf_free(m);
}

bool
pmt_arp_lookup(struct pmt_engine *eng, uint16_t iface, uint32_t ip,
	       struct rte_ether_addr *mac)
{
	struct pmt_arp_entry *e = arp_find(&eng->arp, iface, ip);

	if (e == NULL || e->state == PMT_ARP_INCOMPLETE)
		return false;
	*mac = e->mac;
	return true;
}

void
pmt_arp_output(struct pmt_engine *eng, uint16_t iface, uint32_t nexthop,
	       struct rte_mbuf *m)
{
	struct pmt_arp_entry *e = arp_find(&eng->arp, iface, nexthop);

	if (likely(e != NULL && e->state != PMT_ARP_INCOMPLETE)) {
		e->used = eng->now;
		e->was_used = true;
		arp_send_via(eng, e, m);
		return;
	}
	if (e == NULL) {
		pmt_arp_resolve(eng, iface, nexthop);
		e = arp_find(&eng->arp, iface, nexthop);
		if (e == NULL) {
			rte_pktmbuf_free(m);
			PMT_STAT_INC(eng, arp_pending_drop);
			return;
		}
	}
	if (e->n_pending >= eng->stack->cfg.arp_pending_max) {
		PMT_STAT_INC(eng, arp_pending_drop);
		rte_pktmbuf_free(m);
		return;
	}
	e->pending[e->n_pending++] = m;
}

void
pmt_arp_resolve(struct pmt_engine *eng, uint16_t iface, uint32_t ip)
{
	struct pmt_arp_entry *e;

	if (arp_find(&eng->arp, iface, ip) != NULL)
		return;
	e = arp_alloc(eng, iface, ip);
	if (e == NULL)
		return;
	e->state = PMT_ARP_INCOMPLETE;
	e->tries = 1;
	arp_send_request(eng, iface, ip, NULL);
	arp_arm(eng, e, eng->stack->cfg.arp_retry_ms);
}

bool
pmt_arp_owns_timer(const struct pmt_engine *eng, const struct pmt_timer *tm)
{
	const struct pmt_arp_table *t = &eng->arp;
	uintptr_t a = (uintptr_t)tm, lo = (uintptr_t)t->entries;

	return t->entries != NULL && a >= lo &&
	       a < lo + (uintptr_t)t->n_entries * sizeof(t->entries[0]);
}

void
pmt_arp_timer_fire(struct pmt_engine *eng, struct pmt_timer *tm, uint64_t now)
{
	struct pmt_arp_entry *e = container_of(tm, struct pmt_arp_entry, timer);
	const struct pmt_config *cfg = &eng->stack->cfg;

	RTE_SET_USED(now);
	switch (e->state) {
	case PMT_ARP_INCOMPLETE:
		if (e->tries >= cfg->arp_retries) {
			PMT_STAT_INC(eng, arp_resolve_fail);
			arp_free(eng, e);
			return;
		}
		e->tries++;
		arp_send_request(eng, e->iface, e->ip, NULL);
		arp_arm(eng, e, cfg->arp_retry_ms);
		return;
	case PMT_ARP_REACHABLE:
		/* Re-check only what traffic still uses; let the rest go. */
		if (!e->was_used ||
		    (int64_t)(eng->now - e->used) >=
		    (int64_t)cfg->arp_reachable_ms * 1000) {
			PMT_STAT_INC(eng, arp_expired);
			arp_free(eng, e);
			return;
		}
		e->state = PMT_ARP_PROBE;
		e->tries = 1;
		arp_send_request(eng, e->iface, e->ip, &e->mac);
		arp_arm(eng, e, cfg->arp_retry_ms);
		return;
	case PMT_ARP_PROBE:
		if (e->tries >= cfg->arp_retries) {
			PMT_STAT_INC(eng, arp_expired);
			arp_free(eng, e);
			return;
		}
		e->tries++;
		arp_send_request(eng, e->iface, e->ip, &e->mac);
		arp_arm(eng, e, cfg->arp_retry_ms);
		return;
	default:
		return;
	}
}

void
pmt_arp_print(struct pmt_engine *eng, FILE *f)
{
	static const char *const names[] = {
		"free", "incomplete", "reachable", "probe" };
	struct pmt_arp_table *t = &eng->arp;
	char ip[16], mac[RTE_ETHER_ADDR_FMT_SIZE];
	unsigned int i;

	for (i = 0; i < t->n_entries; i++) {
		const struct pmt_arp_entry *e = &t->entries[i];
		uint32_t h;

		if (e->state == PMT_ARP_FREE)
			continue;
		h = rte_be_to_cpu_32(e->ip);
		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", h >> 24,
			 (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
		rte_ether_format_addr(mac, sizeof(mac), &e->mac);
		fprintf(f, "arp lcore=%u iface=%u ip=%s mac=%s state=%s\n",
			eng->lcore_id, e->iface, ip,
			e->state == PMT_ARP_INCOMPLETE ? "-" : mac,
			names[e->state]);
	}
}

uint32_t
pmt_arp_timers_armed(const struct pmt_engine *eng)
{
	const struct pmt_arp_table *t = &eng->arp;
	uint32_t i, n = 0;

	for (i = 0; i < t->n_entries; i++)
		if (pmt_timer_armed(&t->entries[i].timer))
			n++;
	return n;
}

int
pmt_neighbor_resolve(struct pmt_engine *eng, uint32_t addr, uint32_t from)
{
	struct rte_ether_addr mac;
	uint32_t nh, src;
	uint16_t iface;
	int ret;

	if (eng == NULL)
		return -EINVAL;
	ret = pmt_route(eng, addr, from, &iface, &nh, &src);
	if (ret != 0)
		return ret;
	if (pmt_arp_lookup(eng, iface, nh, &mac))
		return 0;
	eng->now = pmt_engine_clock(eng);
	pmt_arp_resolve(eng, iface, nh);
	return -EAGAIN;
}

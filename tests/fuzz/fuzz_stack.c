/* fuzz_stack.c: the test stack (tests/unit/tstack) as libFuzzer harnesses use it (see fuzz_stack.h). */
#include <stdarg.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_mempool.h>

#include "fuzz_stack.h"
#include "tcp/pmt_tcp_syncache.h"

void
fz_ck_failed(const char *file, int line, const char *expr, ...)
{
	const char *fmt;
	va_list ap;

	fprintf(stderr, "fuzz: %s:%d: %s", file, line, expr);
	va_start(ap, expr);
	fmt = va_arg(ap, const char *);
	if (fmt != NULL) {
		fputs(": ", stderr);
		vfprintf(stderr, fmt, ap);
	}
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

struct tstack *
fz_stack(const char *suite, void (*cfg_fn)(struct pmt_config *cfg))
{
	struct tstack *t;

	tstack_eal_init(suite);
	t = tstack_new(cfg_fn);
	/* ISNs and ports from a fixed key: a crash replays the same way. */
	for (unsigned int i = 0; i < 16; i++) {
		t->eng->tcp.secret.isn_key[i] = (uint8_t)i;
		t->eng->tcp.secret.port_key[i] = (uint8_t)(0x40 + i);
	}
	return t;
}

bool
fz_inject(struct tstack *t, const void *frame, size_t len, size_t cut,
	  uint64_t ol_flags)
{
	struct rte_mbuf *m, *m2 = NULL;
	const uint8_t *p = frame;
	uint16_t room;

	m = rte_pktmbuf_alloc(t->eng->pool);
	if (m == NULL)
		return false;
	room = rte_pktmbuf_tailroom(m);
	if (cut == 0 || cut >= len)
		cut = len;
	if (cut > room || len - cut > room)
		FZ_FAIL("frame of %zu bytes cut at %zu: pieces too big", len,
			cut);
	memcpy(rte_pktmbuf_append(m, (uint16_t)cut), p, cut);
	if (cut < len) {
		m2 = rte_pktmbuf_alloc(t->eng->pool);
		if (m2 == NULL) {
			rte_pktmbuf_free(m);
			return false;
		}
		memcpy(rte_pktmbuf_append(m2, (uint16_t)(len - cut)), p + cut,
		       len - cut);
		if (rte_pktmbuf_chain(m, m2) != 0)
			FZ_FAIL("cannot chain two mbufs");
	}
	m->ol_flags = ol_flags;
	if (rte_ring_enqueue(t->rx, m) != 0)
		FZ_FAIL("RX ring full");
	pmt_engine_turn(t->eng, t->now);
	if (rte_ring_count(t->rx) != 0)
		FZ_FAIL("the stack left an injected frame unreceived");
	return true;
}

unsigned int
fz_drain(struct tstack *t)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	pmt_engine_tx_flush(t->eng);
	while (rte_ring_dequeue(t->tx, (void **)&m) == 0) {
		if (rte_pktmbuf_pkt_len(m) < RTE_ETHER_HDR_LEN ||
		    rte_pktmbuf_pkt_len(m) > 16384)
			FZ_FAIL("sent a frame of %u bytes",
				rte_pktmbuf_pkt_len(m));
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

void
fz_events(struct tstack *t)
{
	struct pmt_event ev[32];
	int n;

	while ((n = pmt_events(t->eng, ev, (int)RTE_DIM(ev))) > 0)
		for (int i = 0; i < n; i++)
			if (ev[i].fd < 0 || ev[i].events == 0 ||
			    (ev[i].events & ~(uint32_t)(PMT_EV_IN | PMT_EV_OUT |
							PMT_EV_HUP | PMT_EV_ERR)))
				FZ_FAIL("event fd %d events %#x", ev[i].fd,
					ev[i].events);
}

struct tcb_list {
	struct pmt_tcb *v[256];
	uint32_t n;
};

static int
collect(void *arg, const struct pmt_flow_key *k, void *value)
{
	struct tcb_list *l = arg;

	RTE_SET_USED(k);
	if (l->n < RTE_DIM(l->v))
		l->v[l->n++] = value;
	return 0;
}

void
fz_abort_all(struct tstack *t, int keep_fd)
{
	struct pmt_tcp_engine *te = &t->eng->tcp;
	struct tcb_list l;
	uint32_t i;
	int round;

	for (i = 0; i < te->n_fds; i++)
		if (te->fds[i] != 0 && (int)i != keep_fd) {
			pmt_setsockopt(t->eng, (int)i, PMT_SO_LINGER, 0);
			pmt_close(t->eng, (int)i);
		}
	/* Half-open connections are syncache entries of the listener kept. */
	if (keep_fd >= 0 && (uint32_t)keep_fd < te->n_fds &&
	    te->fds[keep_fd] != 0 &&
	    !pmt_tcb_is_idle(pmt_fd_get(te, (uint32_t)keep_fd)))
		pmt_syncache_listener_gone(t->eng,
					   pmt_fd_get(te, (uint32_t)keep_fd));
	/* What has no descriptor: children not accepted, orphans, TIME-WAIT. */
	for (round = 0; round < 4; round++) {
		l.n = 0;
		pmt_sockt_walk(te->table, collect, &l);
		if (l.n == 0)
			break;
		for (i = 0; i < l.n; i++) {
			if (pmt_tcb_is_idle(l.v[i]))
				pmt_tcp_idle_reset(t->eng, l.v[i]);
			else
				pmt_tcb_close(l.v[i], 0);
		}
	}
	fz_events(t);
	pmt_engine_turn(t->eng, t->now);
	fz_events(t);
	pmt_engine_turn(t->eng, t->now);
	fz_drain(t);
}

void
fz_check_pools(struct tstack *t, unsigned int tcbs, const char *when)
{
	struct pmt_arp_table *a = &t->eng->arp;
	unsigned int in_use, clones, held = 0, n, idle;

	for (uint32_t i = 0; i < a->n_entries; i++)
		held += a->entries[i].n_pending;
	in_use = rte_mempool_in_use_count(t->eng->pool);
	clones = rte_mempool_in_use_count(t->eng->tcp.clone_pool);
	n = tstack_tcbs(t);
	idle = pmt_tcb_idle_in_use(t->eng);
	if (in_use != held)
		FZ_FAIL("%s: %u mbuf(s) out of the pool, %u of them in the ARP "
			"cache: %u leaked", when, in_use, held, in_use - held);
	if (clones != 0)
		FZ_FAIL("%s: %u clone mbuf(s) leaked", when, clones);
	if (n != tcbs)
		FZ_FAIL("%s: %u TCB(s) in use, want %u", when, n, tcbs);
	if (idle != 0)
		FZ_FAIL("%s: %u idle form(s) leaked", when, idle);
	if (pmt_syncache_in_use(t->eng) != 0)
		FZ_FAIL("%s: %u syncache entr(ies) left", when,
			pmt_syncache_in_use(t->eng));
}

void
fz_arp_reset(struct tstack *t)
{
	pmt_arp_fini(t->eng);
	if (pmt_arp_init(t->eng, t->st->cfg.arp_entries) != 0)
		FZ_FAIL("no memory for the ARP cache");
}

void
fz_learn_peer(struct tstack *t)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const struct rte_ether_addr zero;
	uint8_t f[64];
	size_t n;

	n = ts_arp(f, &bcast, &ts_peer_mac, RTE_ARP_OP_REQUEST, &ts_peer_mac,
		   ts_ip(TS_PEER_IP), &zero, ts_ip(TS_OUR_IP));
	if (!fz_inject(t, f, n, 0, 0))
		FZ_FAIL("no mbuf for an ARP request");
	fz_drain(t);
}

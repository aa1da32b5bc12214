/* impair.c: the impairment stage: seeded loss, Gilbert-Elliott bursts, rate policing, duplication, corruption, delay/jitter and reordering of one port direction. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_tcp.h>

#include "engine/pmt_impair.h"
#include "net/pmt_net.h"

/* Reordered packets held at once; a spec's displacement is at most this. */
#define IMPAIR_HOLD 64

/* Counters of one direction, in the order of both X-macro lists. */
enum {
	IC_DROPPED,
	IC_BURST_DROPPED,
	IC_REORDERED,
	IC_DUPLICATED,
	IC_CORRUPTED,
	IC_DELAYED,
	IC_RATE_DROPPED,
	IC_QUEUE_FULL,
	IC_SPARED,
	IC_N,
};

static const size_t ctr_off[2][IC_N] = {
	{
		offsetof(struct pmt_stats, impair_rx_dropped),
		offsetof(struct pmt_stats, impair_rx_burst_dropped),
		offsetof(struct pmt_stats, impair_rx_reordered),
		offsetof(struct pmt_stats, impair_rx_duplicated),
		offsetof(struct pmt_stats, impair_rx_corrupted),
		offsetof(struct pmt_stats, impair_rx_delayed),
		offsetof(struct pmt_stats, impair_rx_rate_dropped),
		offsetof(struct pmt_stats, impair_rx_queue_full),
		offsetof(struct pmt_stats, impair_rx_spared),
	}, {
		offsetof(struct pmt_stats, impair_tx_dropped),
		offsetof(struct pmt_stats, impair_tx_burst_dropped),
		offsetof(struct pmt_stats, impair_tx_reordered),
		offsetof(struct pmt_stats, impair_tx_duplicated),
		offsetof(struct pmt_stats, impair_tx_corrupted),
		offsetof(struct pmt_stats, impair_tx_delayed),
		offsetof(struct pmt_stats, impair_tx_rate_dropped),
		offsetof(struct pmt_stats, impair_tx_queue_full),
		offsetof(struct pmt_stats, impair_tx_spared),
	},
};

/* A delayed packet: due at @t; @seq keeps equal times in arrival order. */
struct delay_ent {
	uint64_t t;
	uint64_t seq;
	struct rte_mbuf *m;
};

/* A packet held back until @release later packets went out, or @deadline. */
struct hold_ent {
	uint64_t release;	/* value of ->emitted that frees it */
	uint64_t deadline;
	uint64_t seq;
	struct rte_mbuf *m;
};

struct pmt_impair {
	struct pmt_impair_spec spec;
	struct pmt_rng rng;
	struct rte_mempool *pool;
	struct pmt_stats *stats;
	uint64_t *ctr[IC_N];
	unsigned int dir;
	/* Probabilities scaled to 2^32: a draw's top half below it hits. */
	uint64_t thr_loss, thr_ge_p, thr_ge_r, thr_ge_bad, thr_ge_good;
	uint64_t thr_reorder, thr_dup, thr_corrupt;
	bool ge_bad;			/* Gilbert-Elliott chain state */
	uint64_t ge_bad_until;		/* with ge_r_us: the bad state's end */
	bool tb_started;
	/* Token bucket in byte-microseconds, so slow rates refill exactly. */
	uint64_t tokens;
	uint64_t tokens_max;
	uint64_t tb_last;
	/* Delay: a binary min-heap on (t, seq). */
	uint32_t heap_n;
	uint32_t heap_cap;
	uint64_t seq;
	struct delay_ent *heap;
	/* Reordering. */
	uint32_t n_held;
	uint64_t emitted;		/* packets that left the reorder step */
	struct hold_ent held[IMPAIR_HOLD];
	/* Ready FIFO: free-running indices into a power-of-two ring. */
	uint32_t r_head;
	uint32_t r_tail;
	uint32_t r_mask;
	struct rte_mbuf **ready;
};

uint64_t
pmt_impair_seed(uint64_t seed, uint16_t port, unsigned int dir, uint16_t lcore)
{
	uint64_t x = seed;

	/* Each input through its own splitmix64 round: no two collide. */
	x = pmt_splitmix64(&x) ^ port;
	x = pmt_splitmix64(&x) ^ dir;
	x = pmt_splitmix64(&x) ^ lcore;
	return pmt_splitmix64(&x);
}

static uint64_t
thr(uint32_t ppm)
{
	return ((uint64_t)ppm << 32) / 1000000u;
}

/* One Bernoulli draw; no draw at all for a zero probability. */
static inline bool
coin(struct pmt_impair *s, uint64_t t)
{
	return t != 0 && (pmt_rng_next(&s->rng) >> 32) < t;
}

#define CTR(s, i) (*(s)->ctr[(i)])

struct pmt_impair *
pmt_impair_create(const struct pmt_impair_spec *spec, unsigned int dir,
		  uint64_t seed, struct rte_mempool *pool,
		  struct pmt_stats *stats, int socket)
{
	struct pmt_impair *s;
	uint32_t rcap;
	unsigned int i;

	if (dir > PMT_IMPAIR_TX || spec->queue == 0 ||
	    spec->reorder_max > IMPAIR_HOLD)
		return NULL;
	s = rte_zmalloc_socket("pmt_impair", sizeof(*s), RTE_CACHE_LINE_SIZE,
			       socket);
	if (s == NULL)
		return NULL;
	s->spec = *spec;
	s->dir = dir;
	s->pool = pool;
	s->stats = stats;
	for (i = 0; i < IC_N; i++)
		s->ctr[i] = (uint64_t *)((char *)stats + ctr_off[dir][i]);
	pmt_rng_seed(&s->rng, seed);
	s->thr_loss = thr(spec->loss_ppm);
	s->thr_ge_p = thr(spec->ge_p_ppm);
	s->thr_ge_r = thr(spec->ge_r_ppm);
	s->thr_ge_bad = thr(spec->ge_bad_loss_ppm);
	s->thr_ge_good = thr(spec->ge_good_loss_ppm);
	s->thr_reorder = spec->reorder_max ? thr(spec->reorder_ppm) : 0;
	s->thr_dup = thr(spec->dup_ppm);
	s->thr_corrupt = thr(spec->corrupt_ppm);
	s->tokens_max = (uint64_t)spec->rate_burst * 1000000u;
	s->tokens = s->tokens_max;
	s->heap_cap = spec->queue;
	/* What the consumer has not taken yet: a queue and two bursts' worth. */
	rcap = rte_align32pow2(spec->queue + 2 * PMT_TX_BACKLOG_MAX);
	s->r_mask = rcap - 1;
	s->heap = rte_zmalloc_socket("pmt_impair_q",
				     sizeof(s->heap[0]) * s->heap_cap, 0, socket);
	s->ready = rte_zmalloc_socket("pmt_impair_r",
				      sizeof(s->ready[0]) * rcap, 0, socket);
	if (s->heap == NULL || s->ready == NULL) {
		pmt_impair_free(s);
		return NULL;
	}
	return s;
}

void
pmt_impair_free(struct pmt_impair *s)
{
	uint32_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->heap_n; i++)
		rte_pktmbuf_free(s->heap[i].m);
	for (i = 0; i < s->n_held; i++)
		rte_pktmbuf_free(s->held[i].m);
	for (; s->r_head != s->r_tail; s->r_head++)
		rte_pktmbuf_free(s->ready[s->r_head & s->r_mask]);
	rte_free(s->heap);
	rte_free(s->ready);
	rte_free(s);
}

unsigned int
pmt_impair_held(const struct pmt_impair *s)
{
	return s->heap_n + s->n_held + (s->r_tail - s->r_head);
}

static void
ready_put(struct pmt_impair *s, struct rte_mbuf *m)
{
	if (unlikely(s->r_tail - s->r_head > s->r_mask)) {
		/* The consumer stopped taking (a port refusing): drop. */
		CTR(s, IC_QUEUE_FULL)++;
		rte_pktmbuf_free(m);
		return;
	}
	s->ready[s->r_tail++ & s->r_mask] = m;
}

static void
hold_remove(struct pmt_impair *s, uint32_t i)
{
	s->held[i] = s->held[--s->n_held];
}

/*
 * A packet leaves the reorder step. Each departure counts for every held
 * packet, the released ones too, so a held packet goes out after exactly
 * the number of packets it was told to let pass (or earlier, on its
 * deadline): it never lands more than reorder_max places late.
 */
static void
emit(struct pmt_impair *s, struct rte_mbuf *m)
{
	uint32_t i, best;

	ready_put(s, m);
	s->emitted++;
	while (s->n_held > 0) {
		best = UINT32_MAX;
		for (i = 0; i < s->n_held; i++)
			if ((int64_t)(s->held[i].release - s->emitted) <= 0 &&
			    (best == UINT32_MAX ||
			     s->held[i].seq < s->held[best].seq))
				best = i;
		if (best == UINT32_MAX)
			return;
		m = s->held[best].m;
		hold_remove(s, best);
		ready_put(s, m);
		s->emitted++;
	}
}

/* After the delay: hold it back for reordering, or let it go. */
static void
reorder_step(struct pmt_impair *s, struct rte_mbuf *m, uint64_t now)
{
	if (coin(s, s->thr_reorder) && s->n_held < IMPAIR_HOLD) {
		struct hold_ent *h = &s->held[s->n_held++];

		h->release = s->emitted + 1 +
			pmt_rng_below(&s->rng, s->spec.reorder_max);
		h->deadline = now + s->spec.reorder_timeout_us;
		h->seq = s->seq++;
		h->m = m;
		CTR(s, IC_REORDERED)++;
		return;
	}
	emit(s, m);
}

static inline bool
delay_before(const struct delay_ent *a, const struct delay_ent *b)
{
	int64_t d = (int64_t)(a->t - b->t);

	return d < 0 || (d == 0 && a->seq < b->seq);
}

static void
heap_push(struct pmt_impair *s, uint64_t t, struct rte_mbuf *m)
{
	uint32_t i = s->heap_n++, p;
	struct delay_ent e = { .t = t, .seq = s->seq++, .m = m };

	while (i > 0) {
		p = (i - 1) / 2;
		if (!delay_before(&e, &s->heap[p]))
			break;
		s->heap[i] = s->heap[p];
		i = p;
	}
	s->heap[i] = e;
}

static struct rte_mbuf *
heap_pop(struct pmt_impair *s)
{
	struct rte_mbuf *m = s->heap[0].m;
	struct delay_ent last = s->heap[--s->heap_n];
	uint32_t i = 0, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= s->heap_n)
			break;
		if (c + 1 < s->heap_n && delay_before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!delay_before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->heap_n > 0)
		s->heap[i] = last;
	return m;
}

static void
delay_step(struct pmt_impair *s, struct rte_mbuf *m, uint64_t now)
{
	uint64_t t;

	if (s->spec.delay_us == 0 && s->spec.jitter_us == 0) {
		reorder_step(s, m, now);
		return;
	}
	t = now + s->spec.delay_us;
	if (s->spec.jitter_us != 0) {
		t += pmt_rng_below(&s->rng, 2 * s->spec.jitter_us + 1);
		t -= s->spec.jitter_us;
		/* Jitter larger than the delay: no earlier than now. */
		if ((int64_t)(t - now) < 0)
			t = now;
	}
	if (s->heap_n == s->heap_cap) {
		CTR(s, IC_QUEUE_FULL)++;
		rte_pktmbuf_free(m);
		return;
	}
	heap_push(s, t, m);
	CTR(s, IC_DELAYED)++;
}

/*
 * Flip one random bit of an IPv4 frame's L3/L4 bytes: the IP header and
 * what its total length covers (never Ethernet padding, which no
 * checksum covers), in the first segment only, which the stack built
 * for this frame alone (later segments of a TX chain share the socket's
 * send buffer, which a retransmission must find intact). Non-IPv4 frames
 * (ARP) carry no checksum that would catch it and pass untouched. On TX
 * the sums the port would compute are computed here first, so the
 * frame leaves corrupt; on RX the port's verdict is cleared, so the
 * stack checks in software.
 */
static bool
corrupt(struct pmt_impair *s, struct rte_mbuf *m)
{
	const uint32_t l2 = sizeof(struct rte_ether_hdr);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	uint32_t end, ihl, tot, bit;
	uint8_t *p;

	if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1 ||
	    rte_pktmbuf_data_len(m) < l2 + sizeof(*ip))
		return false;
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return false;
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (ihl < sizeof(*ip) || tot < ihl ||
	    l2 + tot > rte_pktmbuf_pkt_len(m))
		tot = rte_pktmbuf_pkt_len(m) - l2;
	end = RTE_MIN(l2 + tot, (uint32_t)rte_pktmbuf_data_len(m));
	if (s->dir == PMT_IMPAIR_TX) {
		if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)
			return false;	/* the port would cut and re-sum it */
		if ((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) ==
		    RTE_MBUF_F_TX_TCP_CKSUM && ip->next_proto_id == IPPROTO_TCP &&
		    ihl >= sizeof(*ip) && l2 + ihl + sizeof(struct rte_tcp_hdr) <=
		    rte_pktmbuf_data_len(m)) {
			struct rte_tcp_hdr *th =
				(struct rte_tcp_hdr *)((uint8_t *)ip + ihl);

			th->cksum = 0;
			th->cksum = rte_ipv4_udptcp_cksum_mbuf(m, ip, l2 + ihl);
			m->ol_flags &= ~RTE_MBUF_F_TX_L4_MASK;
		}
		if ((m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) && ihl >= sizeof(*ip) &&
		    l2 + ihl <= rte_pktmbuf_data_len(m)) {
			ip->hdr_checksum = 0;
			ip->hdr_checksum = pmt_inet_cksum(ip, ihl);
			m->ol_flags &= ~RTE_MBUF_F_TX_IP_CKSUM;
		}
	} else {
		m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK |
				 RTE_MBUF_F_RX_L4_CKSUM_MASK);
	}
	bit = pmt_rng_below(&s->rng, (end - l2) * 8);
	p = rte_pktmbuf_mtod_offset(m, uint8_t *, l2 + bit / 8);
	*p ^= (uint8_t)(1u << (bit & 7));
	return true;
}

/* Token bucket: refill for the time since the last packet, then pay. */
static bool
rate_ok(struct pmt_impair *s, uint32_t len, uint64_t now)
{
	uint64_t cost = (uint64_t)len * 1000000u, dt, room;

	if (!s->tb_started) {
		s->tb_started = true;
		s->tb_last = now;
	}
	dt = (int64_t)(now - s->tb_last) > 0 ? now - s->tb_last : 0;
	s->tb_last = now;
	room = s->tokens_max - s->tokens;
	/* Bound the product: past a full bucket more time adds nothing. */
	if (dt > room / s->spec.rate_bps + 1)
		s->tokens = s->tokens_max;
	else
		s->tokens += RTE_MIN(room, dt * s->spec.rate_bps);
	if (s->tokens < cost)
		return false;
	s->tokens -= cost;
	return true;
}

/*
 * How long a burst given in time lasts: exponential with the mean
 * ge_r_us (the bad state of a continuous-time chain), at least 1 us.
 * Per frame (ge_r_ppm), a quiet link would keep the chain bad for as
 * long as it stays quiet: a sender's backed-off retransmissions, each
 * one frame, would all meet the same burst, which no real fade or
 * queue overflow does.
 */
static uint64_t
burst_time(struct pmt_impair *s)
{
	double u, t;

	if (s->spec.ge_r_us == 0)
		return 0;	/* no draw: per-frame runs keep their sequence */
	/* 53 random bits, never 0: u in (0, 1]. */
	u = (double)((pmt_rng_next(&s->rng) >> 11) + 1) * 0x1p-53;
	t = -log(u) * s->spec.ge_r_us;
	return t < 1.0 ? 1 : (uint64_t)t;
}

/* A frame the spec spares: an ARP frame, or an untagged IPv4 TCP frame
 * with SYN set (SYN or SYN-ACK). */
static bool
frame_spared(const struct rte_mbuf *m, uint32_t spare)
{
	const struct rte_ether_hdr *eh;
	const struct rte_ipv4_hdr *ip;
	uint32_t l3 = sizeof(*eh), l4;
	const uint8_t *f;
	uint8_t b;

	if (m->data_len < l3)
		return false;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		return (spare & PMT_IMPAIR_SPARE_ARP) != 0;
	if (!(spare & PMT_IMPAIR_SPARE_SYN) || m->data_len < l3 + sizeof(*ip) ||
	    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return false;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3);
	if (ip->next_proto_id != IPPROTO_TCP)
		return false;
	l4 = l3 + (uint32_t)(ip->version_ihl & 0x0f) * 4;
	/* The flags byte is the 14th of the TCP header. */
	f = rte_pktmbuf_read(m, l4 + 13, 1, &b);
	return f != NULL && (*f & RTE_TCP_SYN_FLAG) != 0;
}

/*
 * Each packet, in this order: a frame the spec spares goes straight to
 * the last step; rate (a policer: over the rate is lost), random loss,
 * Gilbert-Elliott loss, duplication, corruption, then delay with jitter
 * and reordering. A step sees only what the earlier ones let through.
 */
void
pmt_impair_push(struct pmt_impair *s, struct rte_mbuf **pkts, unsigned int n,
		uint64_t now)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *c = NULL;

		if (unlikely(s->spec.spare) && frame_spared(m, s->spec.spare)) {
			/* Spared loss, duplication and corruption; delayed
			 * and reordered as the rest. */
			CTR(s, IC_SPARED)++;
			delay_step(s, m, now);
			continue;
		}

		if (s->spec.rate_bps != 0 &&
		    !rate_ok(s, rte_pktmbuf_pkt_len(m), now)) {
			CTR(s, IC_RATE_DROPPED)++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (coin(s, s->thr_loss)) {
			CTR(s, IC_DROPPED)++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (s->thr_ge_p != 0) {
			bool lose;

			/* A burst measured in time ends with its time, however
			 * few frames pass meanwhile. */
			if (s->ge_bad && s->spec.ge_r_us != 0 &&
			    (int64_t)(now - s->ge_bad_until) >= 0)
				s->ge_bad = false;
			/* Lose by the current state, then move the chain. */
			lose = coin(s, s->ge_bad ? s->thr_ge_bad :
				    s->thr_ge_good);
			if (!s->ge_bad) {
				if (coin(s, s->thr_ge_p)) {
					s->ge_bad = true;
					s->ge_bad_until = now + burst_time(s);
				}
			} else if (coin(s, s->thr_ge_r)) {
				s->ge_bad = false;
			}
			if (lose) {
				CTR(s, IC_BURST_DROPPED)++;
				rte_pktmbuf_free(m);
				continue;
			}
		}
		if (coin(s, s->thr_dup)) {
			/* A deep copy: the stack writes into frames it gets. */
			c = rte_pktmbuf_copy(m, s->pool, 0, UINT32_MAX);
			if (c != NULL)
				CTR(s, IC_DUPLICATED)++;
			else
				s->stats->mbuf_alloc_fail++;
		}
		if (coin(s, s->thr_corrupt) && corrupt(s, m))
			CTR(s, IC_CORRUPTED)++;
		delay_step(s, m, now);
		if (c != NULL)
			delay_step(s, c, now);
	}
}

unsigned int
pmt_impair_ready(struct pmt_impair *s, uint64_t now, struct rte_mbuf ***pkts)
{
	uint32_t n, idx, i, best;

	while (s->heap_n > 0 && (int64_t)(s->heap[0].t - now) <= 0)
		reorder_step(s, heap_pop(s), now);
	/* Held packets past their deadline go, oldest first. */
	while (s->n_held > 0) {
		best = UINT32_MAX;
		for (i = 0; i < s->n_held; i++)
			if ((int64_t)(s->held[i].deadline - now) <= 0 &&
			    (best == UINT32_MAX ||
			     s->held[i].seq < s->held[best].seq))
				best = i;
		if (best == UINT32_MAX)
			break;
		{
			struct rte_mbuf *m = s->held[best].m;

			hold_remove(s, best);
			emit(s, m);
		}
	}
	n = s->r_tail - s->r_head;
	idx = s->r_head & s->r_mask;
	n = RTE_MIN(n, s->r_mask + 1 - idx);
	*pkts = &s->ready[idx];
	return n;
}

void
pmt_impair_consume(struct pmt_impair *s, unsigned int n)
{
	s->r_head += n;
}

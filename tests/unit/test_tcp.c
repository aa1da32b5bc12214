/* test_tcp.c: packet-level TCP tests: open, close, resets, receive, the segmenter, timers and recovery, segment by segment. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_arp.h>

#include "tstack.h"
#include "tcp/pmt_tcp.h"

/*
 * Every test drives one engine through the tstack harness: the peer is
 * the test, its segments are built as bytes and injected, ours are read
 * back from the capture and parsed. Both initial sequence numbers sit
 * just below 2^32, so ordinary tests cross the wrap: the peer's is
 * chosen, ours is aimed at (see aim_iss()). Payload bytes are a
 * function of their sequence number, so every byte delivered or sent
 * is checked for place as well as for content.
 */

#define MS 1000ull			/* the clock counts microseconds */
#define SEC (1000 * MS)

#define OUR_PORT 8080
#define PEER_PORT 5555
#define OUR_ISS 0xffffffe0u		/* our data wraps after 31 bytes */
#define PEER_ISS 0xfffffff0u		/* the peer's after 15 */
#define PEER_TS 0xfffffff8u		/* and its TSval after 7 ticks */
#define PEER_WS 7
#define PEER_WND 1000			/* << 7: 128000 bytes */

#define MTU_MSS 1460			/* MTU 1500 - 40 */
#define MSS_TS 1448			/* ... - 12 bytes of timestamps */

#define RCVBUF (256 * 1024)		/* default SO_RCVBUF: our shift is 3 */
#define OUR_WS 3
/*
 * Our window field once @n bytes arrived in order and none was read.
 * RFC 9293 3.8.6.2.2: the right edge never moves left, so bytes held
 * out of order do not shrink the window; in-order ones move its left
 * edge.
 */
#define WND(n) ((RCVBUF - (n)) >> OUR_WS)

/* The configuration the tests run with (cfg_tcp) and what it implies. */
#define TIME_WAIT_US (500 * MS)
#define FIN_WAIT2_US (800 * MS)
#define DELACK_US (40 * MS)
#define FLUSH_US 200
#define RTO_MIN_US (200 * MS)
#define RTO_INIT_US (1000 * MS)

#define SYN PMT_TH_SYN
#define ACK PMT_TH_ACK
#define FIN PMT_TH_FIN
#define RST PMT_TH_RST
#define PSH PMT_TH_PSH
#define O_MSS PMT_TO_MSS
#define O_WS PMT_TO_WSCALE
#define O_SACKP PMT_TO_SACK_PERM
#define O_TS PMT_TO_TS
#define O_ALL (O_MSS | O_WS | O_SACKP | O_TS)

/* Counter deltas: segments in and out. */
#define IN(n) { "rx_pkts", (n) }, { "ip_rx_pkts", (n) }, { "tcp_rx_segs", (n) }
#define OUT(n) { "tcp_tx_segs", (n) }, { "tx_pkts", (n) }
#define DATA(n) { "tcp_tx_data_segs", (n) }
/* A SYN made a syncache entry (the first of the stack: its peak too). */
#define SC_ADD { "tcp_syncache_added", 1 }, { "tcp_syncache_entries", 1 }
#define SC_ADD1 SC_ADD, { "tcp_syncache_peak", 1 }
/* The entry went (the gauge moves down one). */
#define SC_GONE { "tcp_syncache_entries", UINT64_MAX }
/* The final ACK made the connection of an entry. */
#define SC_DONE SC_GONE, { "tcp_syncache_completed", 1 },	\
	{ "tcp_conn_accepts", 1 }
/* A whole handshake through the syncache, in one count. */
#define SC_OPEN { "tcp_syncache_added", 1 },			\
	{ "tcp_syncache_completed", 1 }, { "tcp_conn_accepts", 1 }

/* ---- configurations ---- */

static void
cfg_tcp(struct pmt_config *cfg)
{
	/* The peer's ARP entry must outlive every test's clock. */
	cfg->arp_reachable_ms = 86400000;
	cfg->tcp_max_sockets = 64;
	cfg->tcp_time_wait_ms = TIME_WAIT_US / MS;
	cfg->tcp_fin_wait2_ms = FIN_WAIT2_US / MS;
	cfg->tcp_delack_ms = DELACK_US / MS;
	cfg->tcp_flush_us = FLUSH_US;
	cfg->tcp_rto_min_ms = RTO_MIN_US / MS;
	cfg->tcp_rto_init_ms = RTO_INIT_US / MS;
	cfg->tcp_rcvbuf = RCVBUF;
}

#define SMALL_RCVBUF 16384		/* shift 0 */

static void
cfg_small_rcvbuf(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_rcvbuf = SMALL_RCVBUF;
}

static void
cfg_retries3(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_retries = 3;
	cfg->tcp_syn_retries = 2;
}

#define RTO_MAX_US (1000 * MS)

static void
cfg_rto_max(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_rto_max_ms = RTO_MAX_US / MS;
}

static void
cfg_jumbo(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->mtu = 9000;
}

/* ---- the connection under test ---- */

struct conn {
	struct tstack *t;
	int lfd;		/* our listener, or -1 */
	int fd;			/* our end of the connection, or -1 */
	uint16_t lport;		/* our port */
	uint16_t rport;		/* the peer's port */
	bool ts;		/* timestamps negotiated: on every segment */
	uint32_t ts_peer;	/* TSval the peer sends, and we must echo */
	uint16_t peer_wnd;	/* window field the peer sends by default */
	int32_t wnd;		/* window field we must send by default */
	uint8_t shift;		/* our window scale, once negotiated */
	uint16_t mss;		/* our MSS option: MTU - 40 */
};

/* A segment to inject or to expect; unset fields take the defaults. */
struct tseg {
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	int32_t wnd;		/* -1: the connection's default */
	uint8_t opts;		/* PMT_TO_*; TS is added once negotiated */
	uint16_t mss;
	uint8_t ws;
	int64_t tsval;		/* -1: the sender's clock */
	int64_t tsecr;		/* -1: what the sender must echo */
	bool no_ts;		/* no timestamp although negotiated */
	const char *data;	/* payload; NULL: the pattern of its sequence */
	uint32_t len;		/* payload bytes; with data, 0 means strlen */
	uint16_t sport;		/* 0: the connection's */
	uint16_t dport;
	uint8_t n_sack;		/* SACK blocks expected (none: no option) */
	struct {
		uint32_t l;
		uint32_t r;
	} sack[PMT_TCP_MAX_SACK];
};

/* SACK blocks of the peer's sequence space, offsets from PEER_ISS. */
#define BLK(a, b) { PEER_ISS + (a), PEER_ISS + (b) }
#define SACK1(a, b) .n_sack = 1, .sack = { BLK(a, b) }
#define SACK2(a, b, c, d) .n_sack = 2, .sack = { BLK(a, b), BLK(c, d) }
#define SACK3(a, b, c, d, e, f) .n_sack = 3, \
	.sack = { BLK(a, b), BLK(c, d), BLK(e, f) }
#define SACK4(a, b, c, d, e, f, g, h) .n_sack = 4, \
	.sack = { BLK(a, b), BLK(c, d), BLK(e, f), BLK(g, h) }

#define SEG(...) (&(const struct tseg){ .wnd = -1, .tsval = -1,	\
					 .tsecr = -1, __VA_ARGS__ })
#define INJECT(c, ...) inject((c), SEG(__VA_ARGS__))
#define EXPECT(c, ...) expect((c), __LINE__, SEG(__VA_ARGS__))
#define EXPECT_KEEP(c, ...) expect_keep((c), __LINE__, SEG(__VA_ARGS__))

/* The byte at sequence number @seq, in either direction. */
static uint8_t
pat(uint32_t seq)
{
	return (uint8_t)((seq * 2654435761u) >> 24);
}

static void
fill_pat(uint8_t *p, uint32_t seq, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pat(seq + (uint32_t)i);
}

static uint32_t
seg_len(const struct tseg *s)
{
	if (s->len == 0 && s->data != NULL)
		return (uint32_t)strlen(s->data);
	return s->len;
}

/* The TSval we put on a segment now: 1 ms ticks plus our ISS. */
static uint32_t
ts_ours(const struct conn *c)
{
	return (uint32_t)(c->t->now / 1000) + OUR_ISS;
}

/* The frame of segment @s from the peer, in @f (2048 bytes). */
static size_t
frame_of(struct conn *c, const struct tseg *s, uint8_t *f)
{
	uint8_t pay[1600];
	uint32_t len = seg_len(s);
	struct ts_tcp w = {
		.src = ts_ip(TS_PEER_IP),
		.dst = ts_ip(TS_OUR_IP),
		.sport = s->sport ? s->sport : c->rport,
		.dport = s->dport ? s->dport : c->lport,
		.seq = s->seq,
		.ack = s->ack,
		.flags = s->flags,
		.wnd = s->wnd < 0 ? c->peer_wnd : (uint16_t)s->wnd,
		.len = len,
	};

	ck_assert_uint_le(len, sizeof(pay));
	w.o.opts = s->opts;
	w.o.mss = s->mss;
	w.o.wscale = s->ws;
	if ((c->ts && !s->no_ts && !(s->flags & SYN)) || (s->opts & O_TS)) {
		w.o.opts |= O_TS;
		w.o.tsval = s->tsval < 0 ? c->ts_peer : (uint32_t)s->tsval;
		w.o.tsecr = s->tsecr < 0 ? ts_ours(c) : (uint32_t)s->tsecr;
	}
	if (s->n_sack > 0) {
		/* Injected SACK blocks are absolute (our sequence space). */
		unsigned int i;

		w.o.opts |= PMT_TO_SACK;
		w.o.n_sack = s->n_sack;
		for (i = 0; i < s->n_sack; i++) {
			w.o.sack[i].left = s->sack[i].l;
			w.o.sack[i].right = s->sack[i].r;
		}
	}
	if (s->data != NULL)
		memcpy(pay, s->data, len);
	else
		fill_pat(pay, s->seq + ((s->flags & SYN) ? 1 : 0), len);
	w.data = pay;
	return ts_tcp(f, tstack_mac(c->t), &ts_peer_mac, &w);
}

static void
inject(struct conn *c, const struct tseg *s)
{
	uint8_t f[2048];

	tstack_inject(c->t, f, frame_of(c, s, f));
}

#define CHECK(line, what, got, want) \
	ck_assert_msg((uint64_t)(got) == (uint64_t)(want),		\
		      "line %d: %s is %llu (%#llx), want %llu (%#llx)",	\
		      (line), (what), (unsigned long long)(got),		\
		      (unsigned long long)(got),				\
		      (unsigned long long)(want), (unsigned long long)(want))

/* The next segment we sent must be @w; returns its frame. */
static struct rte_mbuf *
expect_keep(struct conn *c, int line, const struct tseg *w)
{
	uint8_t got_data[16384], want_data[16384];
	struct pmt_tcp_seg g;
	struct rte_mbuf *m;
	uint32_t len = seg_len(w), i;
	uint8_t opts = w->opts;

	m = tstack_tcp_tx(c->t, &g, got_data, sizeof(got_data));
	ck_assert_msg(m != NULL, "line %d: nothing sent (want seq %#x)",
		      line, w->seq);
	CHECK(line, "source port", g.sport, w->sport ? w->sport : c->lport);
	CHECK(line, "destination port", g.dport, w->dport ? w->dport : c->rport);
	CHECK(line, "seq", g.seq, w->seq);
	CHECK(line, "ack", g.ack, w->ack);
	CHECK(line, "flags", g.flags, w->flags);
	CHECK(line, "window", g.wnd, w->wnd < 0 ? c->wnd : w->wnd);
	if (c->ts && !w->no_ts)
		opts |= O_TS;
	if (w->n_sack > 0)
		opts |= PMT_TO_SACK;
	CHECK(line, "options", g.opts, opts);
	CHECK(line, "SACK blocks", g.n_sack, w->n_sack);
	for (i = 0; i < w->n_sack; i++) {
		CHECK(line, "SACK left edge", g.sack[i].left, w->sack[i].l);
		CHECK(line, "SACK right edge", g.sack[i].right, w->sack[i].r);
	}
	if (opts & O_MSS)
		CHECK(line, "MSS option", g.mss, w->mss);
	if (opts & O_WS)
		CHECK(line, "window scale option", g.wscale, w->ws);
	if (opts & O_TS) {
		CHECK(line, "TSval", g.tsval,
		      w->tsval < 0 ? ts_ours(c) : (uint32_t)w->tsval);
		CHECK(line, "TSecr", g.tsecr,
		      w->tsecr >= 0 ? (uint32_t)w->tsecr :
		      (w->flags & ACK) ? c->ts_peer : 0);
	}
	CHECK(line, "payload length", g.len, len);
	ck_assert_uint_le(len, sizeof(want_data));
	if (w->data != NULL)
		memcpy(want_data, w->data, len);
	else
		fill_pat(want_data, w->seq, len);
	ck_assert_msg(memcmp(got_data, want_data, len) == 0,
		      "line %d: payload of seq %#x differs", line, w->seq);
	return m;
}

static void
expect(struct conn *c, int line, const struct tseg *w)
{
	rte_pktmbuf_free(expect_keep(c, line, w));
}

/* Nothing (more) was sent; else say what was. */
static void
expect_nothing(struct conn *c, int line)
{
	uint8_t buf[16384];
	struct pmt_tcp_seg g;
	struct rte_mbuf *m = tstack_tcp_tx(c->t, &g, buf, sizeof(buf));

	if (m == NULL)
		return;
	rte_pktmbuf_free(m);
	ck_abort_msg("line %d: unexpected segment seq %#x ack %#x flags %#x "
		     "window %u, %u bytes", line, g.seq, g.ack, g.flags, g.wnd,
		     g.len);
}

#define NOTHING(c) expect_nothing((c), __LINE__)

/* Throw away what was sent (the test looks at it elsewhere). */
static void
tstack_free_all_tx(struct conn *c)
{
	struct rte_mbuf *m;

	while ((m = tstack_tx(c->t)) != NULL)
		rte_pktmbuf_free(m);
}

/* Events of every descriptor, read at once. */
struct evs {
	uint32_t m[64];
	unsigned int n;		/* descriptors reported */
};

static struct evs
events(struct tstack *t)
{
	struct pmt_event ev[16];
	struct evs e;
	int n, i;

	memset(&e, 0, sizeof(e));
	while ((n = pmt_events(t->eng, ev, (int)RTE_DIM(ev))) > 0)
		for (i = 0; i < n; i++) {
			ck_assert_int_lt(ev[i].fd, (int)RTE_DIM(e.m));
			e.m[ev[i].fd] |= ev[i].events;
			e.n++;
		}
	return e;
}

static int
state_of(struct tstack *t, int fd)
{
	int v = -1;

	ck_assert_int_eq(pmt_getsockopt(t->eng, fd, PMT_TCP_STATE, &v), 0);
	return v;
}

#define STATE(c, s) ck_assert_str_eq(pmt_tcp_state_names[state_of((c)->t, (c)->fd)], \
				     pmt_tcp_state_names[s])

static int
sock_error(struct tstack *t, int fd)
{
	int v = -1;

	ck_assert_int_eq(pmt_getsockopt(t->eng, fd, PMT_SO_ERROR, &v), 0);
	return v;
}

/* The TCB of the connection, found as a segment would find it. */
static struct pmt_tcb *
tcb_of(struct conn *c)
{
	struct pmt_flow_key k = {
		.laddr = ts_ip(TS_OUR_IP), .raddr = ts_ip(TS_PEER_IP),
		.lport = rte_cpu_to_be_16(c->lport),
		.rport = rte_cpu_to_be_16(c->rport),
	};

	return pmt_sockt_lookup(c->t->eng->tcp.table, &k);
}

/* Queue @len bytes of our pattern, starting at sequence @seq. */
static void
send_pat(struct conn *c, uint32_t seq, size_t len, int flags)
{
	uint8_t *p = malloc(len);

	ck_assert_ptr_nonnull(p);
	fill_pat(p, seq, len);
	ck_assert_int_eq(pmt_send(c->t->eng, c->fd, p, len, flags), (long)len);
	free(p);
}

/* Read exactly @len bytes, the peer's pattern from sequence @seq. */
static void
recv_pat(struct conn *c, uint32_t seq, size_t len)
{
	uint8_t *p = malloc(len + 1), *w = malloc(len + 1);

	ck_assert(p != NULL && w != NULL);
	ck_assert_int_eq(pmt_recv(c->t->eng, c->fd, p, len + 1), (long)len);
	fill_pat(w, seq, len);
	ck_assert_msg(memcmp(p, w, len) == 0, "received bytes differ");
	free(p);
	free(w);
}

/* Teach the stack the peer's MAC with a request for our address. */
static void
learn_peer(struct tstack *t)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const struct rte_ether_addr zero_mac;
	uint8_t f[64];
	struct rte_mbuf *m;
	size_t n = ts_arp(f, &bcast, &ts_peer_mac, RTE_ARP_OP_REQUEST,
			  &ts_peer_mac, ts_ip(TS_PEER_IP), &zero_mac,
			  ts_ip(TS_OUR_IP));

	tstack_inject(t, f, n);
	m = tstack_tx(t);
	ck_assert_ptr_nonnull(m);
	rte_pktmbuf_free(m);
	tstack_expect_stats(t, { "rx_pkts", 1 }, { "arp_rx_requests", 1 },
			    { "arp_tx_replies", 1 }, { "arp_learned", 1 },
			    { "tx_pkts", 1 });
}

static void
conn_init(struct conn *c, void (*cfg_fn)(struct pmt_config *))
{
	struct tstack *t = tstack_new(cfg_fn ? cfg_fn : cfg_tcp);
	unsigned int i;

	/* ISNs from a known key, so the ports aim_iss() picks are too. */
	for (i = 0; i < 16; i++) {
		t->eng->tcp.secret.isn_key[i] = (uint8_t)i;
		t->eng->tcp.secret.port_key[i] = (uint8_t)(0x40 + i);
	}
	tstack_mark(t);
	learn_peer(t);
	memset(c, 0, sizeof(*c));
	c->t = t;
	c->lfd = c->fd = -1;
	c->lport = OUR_PORT;
	c->rport = PEER_PORT;
	c->ts_peer = PEER_TS;
	c->peer_wnd = PEER_WND;
	c->wnd = WND(0);
	c->mss = (uint16_t)(t->st->cfg.mtu - 40);
}

/*
 * RFC 6528: ISN = M + F(4-tuple), M the 4 us clock. Pick the peer's
 * port (passive open) or ours (active open) and move the clock so our
 * ISS comes out as OUR_ISS: F is fixed by the tuple, M by the clock.
 */
static uint16_t
aim_iss(struct conn *c, bool passive)
{
	struct tstack *t = c->t;
	struct pmt_flow_key k = {
		.laddr = ts_ip(TS_OUR_IP), .raddr = ts_ip(TS_PEER_IP),
	};
	uint32_t port, d;

	for (port = 20000; port < 65536; port++) {
		if (passive) {
			k.lport = rte_cpu_to_be_16(c->lport);
			k.rport = rte_cpu_to_be_16((uint16_t)port);
		} else {
			k.lport = rte_cpu_to_be_16((uint16_t)port);
			k.rport = rte_cpu_to_be_16(c->rport);
		}
		d = OUR_ISS - pmt_tcp_isn(&t->eng->tcp.secret, &k, t->now);
		if (d == 0 || d >= (1u << 22))
			continue;	/* more than 16 s of clock away */
		tstack_advance(t, 4ull * d - t->now % 4);
		ck_assert_uint_eq(pmt_tcp_isn(&t->eng->tcp.secret, &k, t->now),
				  OUR_ISS);
		return (uint16_t)port;
	}
	ck_abort_msg("no port gives ISS %#x", OUR_ISS);
	return 0;
}

static void
listen_on(struct conn *c)
{
	struct tstack *t = c->t;

	c->lfd = pmt_socket(t->eng);
	ck_assert_int_ge(c->lfd, 0);
	ck_assert_int_eq(pmt_bind(t->eng, c->lfd, 0, c->lport), 0);
	ck_assert_int_eq(pmt_listen(t->eng, c->lfd, 8), 0);
	ck_assert_int_eq(state_of(t, c->lfd), PMT_TCPS_LISTEN);
}

/* The peer's SYN: options offered. */
struct peer_syn {
	uint8_t opts;
	uint16_t mss;
	uint8_t ws;
};

static const struct peer_syn full_syn = { O_ALL, MTU_MSS, PEER_WS };
/* A peer that offers no SACK: no tail-loss probes then (RFC 8985 7). */
static const struct peer_syn no_sack_syn = { O_MSS | O_WS | O_TS, MTU_MSS,
					     PEER_WS };
static const struct peer_syn no_ts_syn = { O_MSS | O_WS | O_SACKP, MTU_MSS,
					   PEER_WS };

/* Our window shift and default window once the peer's SYN is known. */
static void
conn_windows(struct conn *c, const struct peer_syn *p)
{
	uint32_t buf = c->t->st->cfg.tcp_rcvbuf, shift = 0;

	while ((buf >> shift) > UINT16_MAX)
		shift++;
	if (!(p->opts & O_WS)) {
		shift = 0;
		c->peer_wnd = UINT16_MAX;	/* unscaled: offer all of it */
	}
	c->shift = (uint8_t)shift;
	c->wnd = (int32_t)(RTE_MIN(buf, (uint32_t)UINT16_MAX << shift) >> shift);
}

static uint8_t
our_shift(const struct conn *c)
{
	uint32_t buf = c->t->st->cfg.tcp_rcvbuf;
	uint8_t shift = 0;

	while ((buf >> shift) > UINT16_MAX)
		shift++;
	return shift;
}

/*
 * A SYN-ACK's window is never scaled (RFC 7323 2.2), so it offers at
 * most 64 KiB. A larger buffer is not announced by a window update
 * right after the handshake: the peer is not held back below 64 KiB
 * (its first flight is 10 segments), the ACKs of its data carry the
 * larger window, and an update would be one more segment on every
 * connection (Linux sends none either). Nothing goes out.
 */
static void
expect_window_update(struct conn *c, int line)
{
	expect_nothing(c, line);
}

/*
 * Passive open to ESTABLISHED with @p's options; the peer's ACK comes
 * @rtt_us after our SYN-ACK. The listener stays open; counters marked.
 */
static void
passive_open(struct conn *c, const struct peer_syn *p, uint64_t rtt_us)
{
	struct tstack *t = c->t;
	struct evs e;

	if (c->lfd < 0)		/* a test may have made it, with options */
		listen_on(c);
	c->rport = aim_iss(c, true);
	INJECT(c, .seq = PEER_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = p->opts, .mss = p->mss, .ws = p->ws, .tsecr = 0);
	c->ts = (p->opts & O_TS) != 0;
	EXPECT(c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = (int32_t)RTE_MIN(t->st->cfg.tcp_rcvbuf, (uint32_t)UINT16_MAX),
	       .opts = O_MSS | (p->opts & (O_WS | O_SACKP)), .mss = c->mss,
	       .ws = our_shift(c));
	conn_windows(c, p);
	if (rtt_us)
		tstack_advance(t, rtt_us);
	INJECT(c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK);
	expect_window_update(c, __LINE__);
	e = events(t);
	ck_assert_uint_eq(e.m[c->lfd], PMT_EV_IN);
	c->fd = pmt_accept(t->eng, c->lfd, NULL, NULL);
	ck_assert_int_ge(c->fd, 0);
	events(t);
	NOTHING(c);
	tstack_mark(t);
}

/* Active open up to the peer's SYN-ACK with @p's options, taken in. */
static void
active_open_synack(struct conn *c, const struct peer_syn *p)
{
	struct tstack *t = c->t;

	c->fd = pmt_socket(t->eng);
	ck_assert_int_ge(c->fd, 0);
	c->lport = aim_iss(c, false);
	ck_assert_int_eq(pmt_bind(t->eng, c->fd, 0, c->lport), 0);
	ck_assert_int_eq(pmt_connect(t->eng, c->fd, ts_ip(TS_PEER_IP),
				     c->rport), -EINPROGRESS);
	EXPECT(c, .seq = OUR_ISS, .flags = SYN,
	       .wnd = (int32_t)RTE_MIN(t->st->cfg.tcp_rcvbuf, (uint32_t)UINT16_MAX),
	       .opts = O_ALL, .mss = c->mss, .ws = our_shift(c));
	INJECT(c, .seq = PEER_ISS, .ack = OUR_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = p->opts, .mss = p->mss, .ws = p->ws);
	c->ts = (p->opts & O_TS) != 0;
	conn_windows(c, p);
}

/* Active open to ESTABLISHED with @p's options on the SYN-ACK. */
static void
active_open(struct conn *c, const struct peer_syn *p)
{
	struct tstack *t = c->t;
	struct evs e;

	active_open_synack(c, p);
	EXPECT(c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK);
	e = events(t);
	ck_assert_uint_eq(e.m[c->fd], PMT_EV_OUT);
	NOTHING(c);
	tstack_mark(t);
}

/* Fixture: ESTABLISHED by a passive open with every option. */
static void
est(struct conn *c, void (*cfg_fn)(struct pmt_config *))
{
	conn_init(c, cfg_fn);
	passive_open(c, &full_syn, 0);
}

/* tcp-sack=0: no SACK, so no tail-loss probe either (RFC 8985 7). */
static void
cfg_sack_off(struct pmt_config *cfg)
{
	cfg->tcp_sack = 0;
}

/* Choose @algo for the connection (PMT_TCP_CONGESTION) and check it took. */
static void
use_cc(struct conn *c, int algo)
{
	int v = -1;

	ck_assert_int_eq(pmt_setsockopt(c->t->eng, c->fd, PMT_TCP_CONGESTION,
					algo), 0);
	ck_assert_int_eq(pmt_getsockopt(c->t->eng, c->fd, PMT_TCP_CONGESTION,
					&v), 0);
	ck_assert_int_eq(v, algo);
}

/* ================= opening ================= */

START_TEST(passive_open_negotiates_options)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *child;
	struct evs e;
	uint32_t addr = 0;
	uint16_t port = 0;
	int v;

	conn_init(&c, NULL);
	t = c.t;
	listen_on(&c);
	ck_assert_int_eq(pmt_accept(t->eng, c.lfd, NULL, NULL), -EAGAIN);
	c.rport = aim_iss(&c, true);
	tstack_mark(t);

	/* SYN: MSS 1460, WS 7, SACK permitted, TS. */
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = 1460, .ws = PEER_WS, .tsecr = 0);
	/* SYN-ACK: MSS = MTU - 40, our shift, SACK permitted, TS echoing. */
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_ALL, .mss = 1460, .ws = OUR_WS,
	       .tsecr = PEER_TS);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), SC_ADD1);
	/* A syncache entry, no TCB: the listener's is the only one. */
	ck_assert_ptr_null(tcb_of(&c));
	ck_assert_uint_eq(tstack_tcbs(t), 1);
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 1);
	e = events(t);
	ck_assert_uint_eq(e.n, 0);
	ck_assert_int_eq(pmt_accept(t->eng, c.lfd, NULL, NULL), -EAGAIN);

	/* The ACK: established, the listener becomes readable. Our
	 * buffer is larger than an unscaled window, but no update goes
	 * (expect_window_update()): the ACKs of data carry it. */
	c.ts = true;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(0), { "tcp_conn_established", 1 },
			    SC_DONE);
	child = tcb_of(&c);
	ck_assert_ptr_nonnull(child);
	ck_assert_uint_eq(child->state, PMT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(tstack_tcbs(t), 2);
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 0);
	e = events(t);
	ck_assert_uint_eq(e.n, 1);
	ck_assert_uint_eq(e.m[c.lfd], PMT_EV_IN);
	c.fd = pmt_accept(t->eng, c.lfd, &addr, &port);
	ck_assert_int_ge(c.fd, 0);
	ck_assert_int_ne(c.fd, c.lfd);
	ck_assert_uint_eq(addr, ts_ip(TS_PEER_IP));
	ck_assert_uint_eq(port, c.rport);
	ck_assert_int_eq(pmt_accept(t->eng, c.lfd, NULL, NULL), -EAGAIN);
	STATE(&c, PMT_TCPS_ESTABLISHED);
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_OUT);
	/* The peer's MSS less the 12 bytes every segment's TS takes. */
	ck_assert_int_eq(pmt_getsockopt(t->eng, c.fd, PMT_TCP_MAXSEG, &v), 0);
	ck_assert_int_eq(v, MSS_TS);
	ck_assert_uint_eq(child->snd_wscale, PEER_WS);
	ck_assert_uint_eq(child->rcv_wscale, OUR_WS);
	ck_assert_uint_eq(child->snd_wnd, PEER_WND << PEER_WS);
	ck_assert(child->flags & PMT_TF_SACK_PERMIT);

	/* Our first data segment: scaled window, TS. */
	send_pat(&c, OUR_ISS + 1, 5, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 5);
	tstack_expect_stats(t, OUT(1), DATA(1));
	tstack_free(t);
}
END_TEST

/* What the peer's SYN offers, and the send MSS that must follow. */
static const struct mss_case {
	struct peer_syn syn;
	uint16_t maxseg;
} mss_cases[] = {
	{ { O_ALL, 1460, PEER_WS }, 1448 },
	{ { O_MSS | O_WS | O_TS, 1000, PEER_WS }, 988 },
	{ { O_WS, 0, PEER_WS }, 536 },		/* RFC 9293 3.7.1 default */
	{ { O_TS, 0, 0 }, 524 },
	{ { O_MSS, 10, 0 }, 64 },		/* clamped */
	{ { O_MSS | O_SACKP, 9000, 0 }, 1460 },	/* ours is the smaller */
};

START_TEST(passive_open_honours_peer_mss)
{
	const struct mss_case *mc = &mss_cases[_i];
	struct conn c;
	struct tstack *t;
	uint32_t n = 2u * mc->maxseg + 10;
	int v;

	conn_init(&c, NULL);
	t = c.t;
	passive_open(&c, &mc->syn, 0);
	ck_assert_int_eq(pmt_getsockopt(t->eng, c.fd, PMT_TCP_MAXSEG, &v), 0);
	ck_assert_int_eq(v, mc->maxseg);

	/* Segments of exactly that size; Nagle off so the tail goes too. */
	ck_assert_int_eq(pmt_setsockopt(t->eng, c.fd, PMT_TCP_NODELAY, 1), 0);
	send_pat(&c, OUR_ISS + 1, n, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       .len = mc->maxseg);
	EXPECT(&c, .seq = OUR_ISS + 1 + mc->maxseg, .ack = PEER_ISS + 1,
	       .flags = ACK, .len = mc->maxseg);
	EXPECT(&c, .seq = OUR_ISS + 1 + 2 * mc->maxseg, .ack = PEER_ISS + 1,
	       .flags = ACK | PSH, .len = 10);
	NOTHING(&c);
	tstack_expect_stats(t, OUT(3), DATA(3));
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1 + n, .flags = ACK);
	NOTHING(&c);
	ck_assert_uint_eq(tcb_of(&c)->snd_q_len, 0);
	tstack_free(t);
}
END_TEST

START_TEST(active_open_handshake)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	struct evs e;
	int v;

	conn_init(&c, NULL);
	t = c.t;
	c.fd = pmt_socket(t->eng);
	ck_assert_int_ge(c.fd, 0);
	STATE(&c, PMT_TCPS_CLOSED);
	c.lport = aim_iss(&c, false);
	ck_assert_int_eq(pmt_bind(t->eng, c.fd, 0, c.lport), 0);
	tstack_mark(t);
	ck_assert_int_eq(pmt_connect(t->eng, c.fd, ts_ip(TS_PEER_IP), PEER_PORT),
			 -EINPROGRESS);
	ck_assert_int_eq(pmt_connect(t->eng, c.fd, ts_ip(TS_PEER_IP), PEER_PORT),
			 -EALREADY);
	STATE(&c, PMT_TCPS_SYN_SENT);
	/* SYN: every option we support, TSecr 0, the window unscaled. */
	EXPECT(&c, .seq = OUR_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = 1460, .ws = OUR_WS, .tsecr = 0);
	NOTHING(&c);
	tstack_expect_stats(t, OUT(1), { "tcp_conn_attempts", 1 });
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "x", 1, 0), -EAGAIN);

	INJECT(&c, .seq = PEER_ISS, .ack = OUR_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_ALL, .mss = 1400, .ws = PEER_WS);
	c.ts = true;
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_conn_established", 1 });
	STATE(&c, PMT_TCPS_ESTABLISHED);
	e = events(t);
	ck_assert_uint_eq(e.n, 1);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_OUT);
	ck_assert_int_eq(pmt_getsockopt(t->eng, c.fd, PMT_TCP_MAXSEG, &v), 0);
	ck_assert_int_eq(v, 1400 - 12);
	tcb = tcb_of(&c);
	/* RFC 7323 2.2: the SYN-ACK's window is not scaled. */
	ck_assert_uint_eq(tcb->snd_wnd, UINT16_MAX);
	ck_assert_uint_eq(tcb->snd_wscale, PEER_WS);
	ck_assert_int_eq(pmt_connect(t->eng, c.fd, ts_ip(TS_PEER_IP), PEER_PORT),
			 -EISCONN);

	/* The first ACK with a window scales it. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK);
	ck_assert_uint_eq(tcb->snd_wnd, PEER_WND << PEER_WS);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

static void
cfg_two_ports(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_port_min = 40000;
	cfg->tcp_port_max = 40001;
}

/*
 * A client that opens faster than its pairs come free runs out of
 * ephemeral ports (seen against dperf at 50,000 connections/s with the
 * client closing first). Each connect then fails at once, and the port
 * of a connection that leaves the table is usable again straight away:
 * the socket table tells the port allocator what enters and leaves it.
 */
START_TEST(active_open_ports_exhausted)
{
	struct conn c;
	struct tstack *t;
	struct rte_mbuf *m;
	int fd[4], i;

	conn_init(&c, cfg_two_ports);
	t = c.t;
	for (i = 0; i < 4; i++) {
		fd[i] = pmt_socket(t->eng);
		ck_assert_int_ge(fd[i], 0);
	}
	ck_assert_int_eq(pmt_connect(t->eng, fd[0], ts_ip(TS_PEER_IP), PEER_PORT),
			 -EINPROGRESS);
	ck_assert_int_eq(pmt_connect(t->eng, fd[1], ts_ip(TS_PEER_IP), PEER_PORT),
			 -EINPROGRESS);
	/* Both ports taken: refused, the first time and every time after. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(pmt_connect(t->eng, fd[2], ts_ip(TS_PEER_IP),
					     PEER_PORT), -EADDRNOTAVAIL);
	/* Another remote port is another pair: free. */
	ck_assert_int_eq(pmt_connect(t->eng, fd[3], ts_ip(TS_PEER_IP),
				     PEER_PORT + 1), -EINPROGRESS);
	/* One connection goes: its port serves the next connect. */
	ck_assert_int_eq(pmt_close(t->eng, fd[0]), 0);
	ck_assert_int_eq(pmt_connect(t->eng, fd[2], ts_ip(TS_PEER_IP), PEER_PORT),
			 -EINPROGRESS);
	ck_assert_int_eq(pmt_connect(t->eng, fd[0] = pmt_socket(t->eng),
				     ts_ip(TS_PEER_IP), PEER_PORT), -EADDRNOTAVAIL);
	tstack_advance(t, 1);
	while ((m = tstack_tx(t)) != NULL)	/* three SYNs */
		rte_pktmbuf_free(m);
	tstack_free(t);
}
END_TEST

START_TEST(active_open_refused)
{
	struct conn c;
	struct tstack *t;
	struct evs e;

	conn_init(&c, NULL);
	t = c.t;
	c.fd = pmt_socket(t->eng);
	c.lport = aim_iss(&c, false);
	ck_assert_int_eq(pmt_bind(t->eng, c.fd, 0, c.lport), 0);
	ck_assert_int_eq(pmt_connect(t->eng, c.fd, ts_ip(TS_PEER_IP), PEER_PORT),
			 -EINPROGRESS);
	EXPECT(&c, .seq = OUR_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = 1460, .ws = OUR_WS, .tsecr = 0);
	tstack_mark(t);

	/* RFC 9293 3.10.7.3: a RST without ACK, or with a bad one, is dropped. */
	INJECT(&c, .seq = 0, .flags = RST);
	INJECT(&c, .seq = 0, .ack = OUR_ISS + 2, .flags = RST | ACK);
	INJECT(&c, .seq = 0, .ack = OUR_ISS, .flags = RST | ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(3), { "tcp_rx_bad_ack", 2 },
			    { "tcp_rx_rst", 1 });
	STATE(&c, PMT_TCPS_SYN_SENT);
	ck_assert_uint_eq(events(t).n, 0);

	/* An acceptable one: refused. */
	INJECT(&c, .seq = 0, .ack = OUR_ISS + 1, .flags = RST | ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), { "tcp_conn_refused", 1 },
			    { "tcp_conn_closed", 1 }, { "tcp_rx_rst", 1 });
	STATE(&c, PMT_TCPS_CLOSED);
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_ERR | PMT_EV_IN | PMT_EV_OUT |
			  PMT_EV_HUP);
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "x", 1, 0), -ECONNREFUSED);
	ck_assert_int_eq(sock_error(t, c.fd), ECONNREFUSED);
	ck_assert_int_eq(sock_error(t, c.fd), 0);
	/* Later segments for the pair find no socket. */
	tstack_advance(t, 0);
	INJECT(&c, .seq = PEER_ISS, .ack = OUR_ISS + 1, .flags = SYN | ACK,
	       .opts = O_MSS, .mss = 1460);
	EXPECT(&c, .seq = OUR_ISS + 1, .flags = RST, .wnd = 0);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_rx_no_socket", 1 },
			    { "tcp_tx_rst", 1 });
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	tstack_advance(t, 0);
	ck_assert_uint_eq(tstack_tcbs(t), 0);
	tstack_free(t);
}
END_TEST

START_TEST(closed_port_syn_gets_rst_ack)
{
	struct conn c;
	struct tstack *t;

	conn_init(&c, NULL);
	t = c.t;
	c.lport = 9999;
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .opts = O_ALL, .mss = 1460,
	       .ws = PEER_WS, .tsecr = 0);
	/* RFC 9293 3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
	EXPECT(&c, .seq = 0, .ack = PEER_ISS + 1, .flags = RST | ACK, .wnd = 0);
	/* Data and FIN count in SEG.LEN too. */
	INJECT(&c, .seq = PEER_ISS + 5, .flags = FIN, .len = 10);
	EXPECT(&c, .seq = 0, .ack = PEER_ISS + 16, .flags = RST | ACK, .wnd = 0);
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(2), { "tcp_rx_no_socket", 2 },
			    { "tcp_tx_rst", 2 });
	/* A listener on another port changes nothing. */
	c.lport = OUR_PORT;
	listen_on(&c);
	c.lport = 9999;
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .opts = O_MSS, .mss = 1460);
	EXPECT(&c, .seq = 0, .ack = PEER_ISS + 1, .flags = RST | ACK, .wnd = 0);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

START_TEST(closed_port_ack_gets_rst)
{
	struct conn c;
	struct tstack *t;

	conn_init(&c, NULL);
	t = c.t;
	c.lport = 9999;
	/* <SEQ=SEG.ACK><CTL=RST>, whatever the segment carried. */
	INJECT(&c, .seq = PEER_ISS, .ack = 0xfffffffeu, .flags = ACK);
	EXPECT(&c, .seq = 0xfffffffeu, .flags = RST, .wnd = 0);
	INJECT(&c, .seq = PEER_ISS, .ack = 12345, .flags = ACK | PSH | FIN,
	       .len = 20);
	EXPECT(&c, .seq = 12345, .flags = RST, .wnd = 0);
	/* A RST is never answered. */
	INJECT(&c, .seq = PEER_ISS, .ack = 1, .flags = RST | ACK);
	INJECT(&c, .seq = PEER_ISS, .flags = RST);
	NOTHING(&c);
	tstack_expect_stats(t, IN(4), OUT(2), { "tcp_rx_no_socket", 4 },
			    { "tcp_tx_rst", 2 }, { "tcp_rx_rst", 2 });
	/* So is an ACK to a listener: the same reset. */
	listen_on(&c);
	INJECT(&c, .seq = PEER_ISS, .ack = 777, .flags = ACK);
	EXPECT(&c, .seq = 777, .flags = RST, .wnd = 0);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

/*
 * Karn for the handshake: the peer's SYN came again (our SYN-ACK was
 * lost), so its ACK may answer either SYN-ACK, and its echo is the
 * first one's (a duplicate SYN-ACK does not update TS.Recent, RFC 7323
 * 4.3): no RTT sample, neither timed nor from the echo. Taking one made
 * a second of SYN backoff the SRTT, and every timer 2-3 s long.
 */
START_TEST(handshake_after_repeated_syn_gives_no_rtt_sample)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	uint32_t first_ts;

	conn_init(&c, NULL);
	t = c.t;
	listen_on(&c);
	c.rport = aim_iss(&c, true);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = 1460, .ws = PEER_WS, .tsecr = 0);
	first_ts = ts_ours(&c);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_ALL, .mss = 1460, .ws = OUR_WS);
	tstack_advance(t, 900 * MS);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = 1460, .ws = PEER_WS, .tsecr = 0);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_ALL, .mss = 1460, .ws = OUR_WS);
	tstack_advance(t, 50);
	c.ts = true;
	conn_windows(&c, &full_syn);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .tsecr = first_ts);
	expect_window_update(&c, __LINE__);
	NOTHING(&c);
	tcb = tcb_of(&c);
	ck_assert_ptr_nonnull(tcb);
	ck_assert_uint_eq(tcb->state, PMT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(tcb->srtt, 0);
	ck_assert_uint_eq(tcb->rto, RTO_INIT_US);
	ck_assert_int_ge(pmt_accept(t->eng, c.lfd, NULL, NULL), 0);
	tstack_free(t);
}
END_TEST

START_TEST(syn_ack_repeated_for_repeated_syn_and_after_rto)
{
	struct conn c;
	struct tstack *t;

	conn_init(&c, NULL);
	t = c.t;
	listen_on(&c);
	c.rport = aim_iss(&c, true);
	tstack_mark(t);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = 1460, .ws = PEER_WS, .tsecr = 0);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_ALL, .mss = 1460, .ws = OUR_WS);
	/* The peer's SYN again: the same SYN-ACK, at once. */
	tstack_advance(t, 300 * MS);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = 1460, .ws = PEER_WS, .tsecr = 0);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_ALL, .mss = 1460, .ws = OUR_WS);
	tstack_expect_stats(t, IN(2), OUT(2), SC_ADD1,
			    { "tcp_syncache_dup_syn", 1 });
	/* No answer: it goes again after the initial RTO, then twice that. */
	tstack_advance(t, RTO_INIT_US - 300 * MS - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_ALL, .mss = 1460, .ws = OUR_WS);
	tstack_advance(t, 2 * RTO_INIT_US - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_ALL, .mss = 1460, .ws = OUR_WS);
	tstack_expect_stats(t, OUT(2), { "tcp_syncache_retransmits", 2 });
	/* The ACK completes it (our window grows past 64 KiB, unsaid). */
	c.ts = true;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK);
	NOTHING(&c);
	ck_assert_uint_eq(tcb_of(&c)->state, PMT_TCPS_ESTABLISHED);
	c.fd = pmt_accept(t->eng, c.lfd, NULL, NULL);
	ck_assert_int_ge(c.fd, 0);
	tstack_advance(t, 10 * RTO_INIT_US);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

/* iss_now() of another peer port. */
static uint32_t iss_of_port(const struct conn *c, uint16_t rport);

/* A listener on @port of its own (not @c's). */
static int
listen_other(struct tstack *t, uint16_t port)
{
	int fd = pmt_socket(t->eng);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pmt_bind(t->eng, fd, 0, port), 0);
	ck_assert_int_eq(pmt_listen(t->eng, fd, 8), 0);
	return fd;
}

/*
 * A child names its listener by slot: closing another listener, and a
 * new one taking the freed slot, leave the child with its own.
 */
START_TEST(child_keeps_its_listener_when_others_come_and_go)
{
	struct pmt_tcp_engine *te;
	struct conn c;
	struct tstack *t;
	struct evs e;
	int other, third, fd;

	conn_init(&c, NULL);
	t = c.t;
	te = &t->eng->tcp;
	other = listen_other(t, (uint16_t)(c.lport + 1));
	listen_on(&c);
	ck_assert_uint_eq(te->n_listen, 2);
	c.rport = aim_iss(&c, true);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .opts = O_MSS, .mss = 1460);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_MSS, .mss = 1460);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK);
	NOTHING(&c);
	/* The child waits in @c's queue; the first listener goes. */
	ck_assert_int_eq(pmt_close(t->eng, other), 0);
	ck_assert_ptr_null(te->listen[0]);
	ck_assert_uint_eq(te->n_listen, 2);
	third = listen_other(t, (uint16_t)(c.lport + 2));
	ck_assert_ptr_eq(te->listen[0], pmt_fd_get(te, (uint32_t)third));
	e = events(t);
	ck_assert_uint_eq(e.m[c.lfd], PMT_EV_IN);
	ck_assert_int_eq(pmt_accept(t->eng, third, NULL, NULL), -EAGAIN);
	fd = pmt_accept(t->eng, c.lfd, NULL, NULL);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(state_of(t, fd), PMT_TCPS_ESTABLISHED);
	ck_assert_int_eq(pmt_accept(t->eng, c.lfd, NULL, NULL), -EAGAIN);
	ck_assert_uint_eq(((struct pmt_tcb *)pmt_fd_get(te, (uint32_t)c.lfd))->q_len, 0);
	ck_assert_uint_eq(((struct pmt_tcb *)pmt_fd_get(te, (uint32_t)third))->q_len, 0);
	/* The last slot's listener closing shrinks the array to the first. */
	ck_assert_int_eq(pmt_close(t->eng, c.lfd), 0);
	ck_assert_uint_eq(te->n_listen, 1);
	tstack_free(t);
}
END_TEST

START_TEST(listen_backlog_counts_completed_only)
{
	struct conn c;
	struct tstack *t;
	uint16_t p2;
	uint32_t iss2;

	conn_init(&c, NULL);
	t = c.t;
	listen_on(&c);
	ck_assert_int_eq(pmt_listen(t->eng, c.lfd, 1), 0);
	c.rport = aim_iss(&c, true);
	p2 = (uint16_t)(c.rport + 1);
	iss2 = iss_of_port(&c, p2);
	tstack_mark(t);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .opts = O_MSS, .mss = 1460);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_MSS, .mss = 1460);
	/* A second peer port: half-open ones do not count, answered too. */
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .opts = O_MSS, .mss = 1460,
	       .sport = p2);
	EXPECT(&c, .seq = iss2, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_MSS, .mss = 1460, .dport = p2);
	tstack_expect_stats(t, IN(2), OUT(2), { "tcp_syncache_added", 2 },
			    { "tcp_syncache_entries", 2 },
			    { "tcp_syncache_peak", 2 });
	/* The first completes and fills the backlog of one. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK);
	tstack_expect_stats(t, IN(1), SC_DONE, { "tcp_conn_established", 1 });
	/* The second's ACK finds it full: dropped, its entry kept (Linux). */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = iss2 + 1, .flags = ACK,
	       .sport = p2);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), { "tcp_listen_overflow", 1 });
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 1);
	ck_assert_uint_eq(tstack_tcbs(t), 2);
	/* accept() makes room: the peer's next ACK gets in. */
	c.fd = pmt_accept(t->eng, c.lfd, NULL, NULL);
	ck_assert_int_ge(c.fd, 0);
	events(t);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = iss2 + 1, .flags = ACK,
	       .sport = p2);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), SC_DONE, { "tcp_conn_established", 1 });
	ck_assert_int_ge(pmt_accept(t->eng, c.lfd, NULL, NULL), 0);
	ck_assert_uint_eq(tstack_tcbs(t), 3);
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 0);
	tstack_free(t);
}
END_TEST

START_TEST(simultaneous_open)
{
	struct conn c;
	struct tstack *t;
	struct evs e;

	conn_init(&c, NULL);
	t = c.t;
	c.fd = pmt_socket(t->eng);
	c.lport = aim_iss(&c, false);
	ck_assert_int_eq(pmt_bind(t->eng, c.fd, 0, c.lport), 0);
	tstack_mark(t);
	ck_assert_int_eq(pmt_connect(t->eng, c.fd, ts_ip(TS_PEER_IP), PEER_PORT),
			 -EINPROGRESS);
	EXPECT(&c, .seq = OUR_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = 1460, .ws = OUR_WS, .tsecr = 0);
	/* RFC 9293 figure 8: the peer's SYN crosses ours. */
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = 1460, .ws = PEER_WS, .tsecr = 0);
	STATE(&c, PMT_TCPS_SYN_RECEIVED);
	c.ts = true;
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_MSS | O_WS | O_SACKP, .mss = 1460,
	       .ws = OUR_WS);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(2), { "tcp_conn_attempts", 1 },
			    { "tcp_tx_rexmit_segs", 1 });
	ck_assert_uint_eq(events(t).n, 0);
	/* Its SYN-ACK: the SYN in it is old, the ACK of ours is new. */
	INJECT(&c, .seq = PEER_ISS, .ack = OUR_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_ALL, .mss = 1460, .ws = PEER_WS);
	STATE(&c, PMT_TCPS_ESTABLISHED);
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_OUT);
	/* Our SYN-ACK acknowledged its SYN: nothing to answer, and our
	 * window, larger than a SYN-ACK could offer, goes with data. */
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(0), { "tcp_conn_established", 1 });
	/* Data flows both ways. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK | PSH,
	       .len = 20);
	send_pat(&c, OUR_ISS + 1, 30, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 21, .flags = ACK | PSH,
	       .len = 30, .wnd = WND(20));
	recv_pat(&c, PEER_ISS + 1, 20);
	/* The SYN-ACK's timer is off: nothing more until the data's RTO. */
	INJECT(&c, .seq = PEER_ISS + 21, .ack = OUR_ISS + 31, .flags = ACK);
	tstack_advance(t, 5 * RTO_INIT_US);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

/* ================= closing ================= */

START_TEST(active_close_to_time_wait_and_closed)
{
	struct conn c;
	struct tstack *t;
	struct evs e;

	est(&c, NULL);
	t = c.t;
	ck_assert_int_eq(pmt_shutdown(t->eng, c.fd, SHUT_WR), 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = FIN | ACK);
	STATE(&c, PMT_TCPS_FIN_WAIT_1);
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "x", 1, 0), -EPIPE);
	tstack_expect_stats(t, OUT(1));

	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 2, .flags = ACK);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_FIN_WAIT_2);
	/* The descriptor is open: FIN-WAIT-2 may last (no timer). */
	tstack_advance(t, 2 * FIN_WAIT2_US);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_FIN_WAIT_2);
	ck_assert_uint_eq(events(t).n, 0);

	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 2, .flags = FIN | ACK);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 2, .flags = ACK);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_TIME_WAIT);
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_IN | PMT_EV_HUP);
	ck_assert_int_eq(pmt_recv(t->eng, c.fd, (char[4]){ 0 }, 4), 0);
	tstack_expect_stats(t, IN(2), OUT(1));

	/* 2MSL, to the microsecond. */
	tstack_advance(t, TIME_WAIT_US - 1);
	STATE(&c, PMT_TCPS_TIME_WAIT);
	tstack_advance(t, 1);
	STATE(&c, PMT_TCPS_CLOSED);
	NOTHING(&c);
	tstack_expect_stats(t, { "tcp_conn_closed", 1 });
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_IN | PMT_EV_HUP);
	ck_assert_int_eq(sock_error(t, c.fd), 0);
	ck_assert_uint_eq(tstack_tcbs(t), 2);
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	ck_assert_int_eq(pmt_close(t->eng, c.fd), -EBADF);
	tstack_advance(t, 0);
	ck_assert_uint_eq(tstack_tcbs(t), 1);	/* the listener */
	/* The pair is free again: a segment for it finds no socket. */
	INJECT(&c, .seq = PEER_ISS + 2, .ack = OUR_ISS + 2, .flags = ACK);
	EXPECT(&c, .seq = OUR_ISS + 2, .flags = RST, .wnd = 0, .no_ts = true);
	tstack_free(t);
}
END_TEST

START_TEST(close_time_wait_acks_repeated_fin)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = FIN | ACK);
	ck_assert_uint_eq(tcb_of(&c)->state, PMT_TCPS_FIN_WAIT_1);
	/* ACK of the FIN and the peer's FIN in one segment. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 2, .flags = FIN | ACK);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 2, .flags = ACK);
	ck_assert_uint_eq(tcb_of(&c)->state, PMT_TCPS_TIME_WAIT);
	tstack_expect_stats(t, IN(1), OUT(2));

	/* The peer did not hear our ACK: its FIN again, ACKed, 2MSL anew. */
	tstack_advance(t, TIME_WAIT_US - 100 * MS);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 2, .flags = FIN | ACK);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 2, .flags = ACK);
	tstack_advance(t, TIME_WAIT_US - 1);
	ck_assert_ptr_nonnull(tcb_of(&c));
	ck_assert_uint_eq(tstack_tcbs(t), 2);
	tstack_advance(t, 1);
	ck_assert_ptr_null(tcb_of(&c));
	tstack_advance(t, 0);
	ck_assert_uint_eq(tstack_tcbs(t), 1);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

START_TEST(close_fin_wait_2_is_bounded)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = FIN | ACK);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 2, .flags = ACK);
	ck_assert_uint_eq(tcb_of(&c)->state, PMT_TCPS_FIN_WAIT_2);
	/* Nobody can read: the peer gets tcp_fin_wait2_ms to finish. */
	tstack_advance(t, FIN_WAIT2_US - 1);
	ck_assert_ptr_nonnull(tcb_of(&c));
	tstack_advance(t, 1);
	ck_assert_ptr_null(tcb_of(&c));
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_conn_closed", 1 });
	tstack_advance(t, 0);
	ck_assert_uint_eq(tstack_tcbs(t), 1);
	tstack_free(t);
}
END_TEST

START_TEST(passive_close_through_last_ack)
{
	struct conn c;
	struct tstack *t;
	struct evs e;

	est(&c, NULL);
	t = c.t;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = FIN | ACK);
	/* The FIN is ACKed at once. */
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 2, .flags = ACK);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_CLOSE_WAIT);
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_IN | PMT_EV_HUP);
	ck_assert_int_eq(pmt_recv(t->eng, c.fd, (char[4]){ 0 }, 4), 0);
	tstack_expect_stats(t, IN(1), OUT(1));

	/* We may still send. */
	send_pat(&c, OUR_ISS + 1, 3, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 2, .flags = ACK | PSH,
	       .len = 3);
	INJECT(&c, .seq = PEER_ISS + 2, .ack = OUR_ISS + 4, .flags = ACK);
	NOTHING(&c);

	ck_assert_int_eq(pmt_shutdown(t->eng, c.fd, SHUT_WR), 0);
	EXPECT(&c, .seq = OUR_ISS + 4, .ack = PEER_ISS + 2, .flags = FIN | ACK);
	STATE(&c, PMT_TCPS_LAST_ACK);
	tstack_expect_stats(t, IN(1), OUT(2), DATA(1));
	/* An ACK short of our FIN changes nothing. */
	INJECT(&c, .seq = PEER_ISS + 2, .ack = OUR_ISS + 4, .flags = ACK);
	STATE(&c, PMT_TCPS_LAST_ACK);
	INJECT(&c, .seq = PEER_ISS + 2, .ack = OUR_ISS + 5, .flags = ACK);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_CLOSED);
	tstack_expect_stats(t, IN(2), { "tcp_rx_dupacks", 1 },
			    { "tcp_dupacks_counted", 1 },
			    { "tcp_conn_closed", 1 });
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_IN | PMT_EV_HUP);
	ck_assert_int_eq(sock_error(t, c.fd), 0);
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	tstack_advance(t, 0);
	ck_assert_uint_eq(tstack_tcbs(t), 1);
	tstack_free(t);
}
END_TEST

START_TEST(passive_close_by_close)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = FIN | ACK);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 2, .flags = ACK);
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 2, .flags = FIN | ACK);
	ck_assert_uint_eq(tcb_of(&c)->state, PMT_TCPS_LAST_ACK);
	/* Unanswered, the FIN goes again after the RTO. */
	tstack_advance(t, RTO_MIN_US - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 2, .flags = FIN | ACK);
	INJECT(&c, .seq = PEER_ISS + 2, .ack = OUR_ISS + 2, .flags = ACK);
	NOTHING(&c);
	ck_assert_ptr_null(tcb_of(&c));
	/* Its last events read, the TCB goes back to the pool. */
	ck_assert_uint_eq(tstack_tcbs(t), 2);
	events(t);
	ck_assert_uint_eq(tstack_tcbs(t), 1);
	tstack_free(t);
}
END_TEST

START_TEST(simultaneous_close)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	ck_assert_int_eq(pmt_shutdown(t->eng, c.fd, SHUT_WR), 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = FIN | ACK);
	/* The peer's FIN crosses ours: it does not ACK ours. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = FIN | ACK);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 2, .flags = ACK);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_CLOSING);
	/* Its ACK of our FIN. */
	INJECT(&c, .seq = PEER_ISS + 2, .ack = OUR_ISS + 2, .flags = ACK);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_TIME_WAIT);
	tstack_expect_stats(t, IN(2), OUT(2));
	tstack_advance(t, TIME_WAIT_US - 1);
	STATE(&c, PMT_TCPS_TIME_WAIT);
	tstack_advance(t, 1);
	STATE(&c, PMT_TCPS_CLOSED);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

START_TEST(half_close_keeps_receiving)
{
	struct conn c;
	struct tstack *t;
	struct evs e;

	est(&c, NULL);
	t = c.t;
	ck_assert_int_eq(pmt_shutdown(t->eng, c.fd, SHUT_WR), 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = FIN | ACK);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 2, .flags = ACK);
	STATE(&c, PMT_TCPS_FIN_WAIT_2);
	events(t);
	/* The peer keeps sending; we keep reading and ACKing. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 2, .flags = ACK | PSH,
	       .len = 100);
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_IN);
	tstack_advance(t, DELACK_US);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 101, .flags = ACK,
	       .wnd = WND(100));
	recv_pat(&c, PEER_ISS + 1, 100);
	INJECT(&c, .seq = PEER_ISS + 101, .ack = OUR_ISS + 2, .flags = ACK,
	       .len = 1000);
	INJECT(&c, .seq = PEER_ISS + 1101, .ack = OUR_ISS + 2, .flags = ACK,
	       .len = 1000);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 2101, .flags = ACK,
	       .wnd = WND(2000));
	recv_pat(&c, PEER_ISS + 101, 2000);
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "x", 1, 0), -EPIPE);
	INJECT(&c, .seq = PEER_ISS + 2101, .ack = OUR_ISS + 2, .flags = FIN | ACK);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 2102, .flags = ACK);
	STATE(&c, PMT_TCPS_TIME_WAIT);
	ck_assert_int_eq(pmt_recv(t->eng, c.fd, (char[4]){ 0 }, 4), 0);
	NOTHING(&c);
	tstack_expect_stats(t, IN(5), OUT(4));
	tstack_free(t);
}
END_TEST

START_TEST(close_with_unread_data_resets)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK | PSH,
	       .len = 10);
	NOTHING(&c);
	/* RFC 2525 2.17: the data would be lost silently; say so. */
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .flags = RST, .wnd = 0, .no_ts = true);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_tx_rst", 1 },
			    { "tcp_conn_closed", 1 });
	ck_assert_ptr_null(tcb_of(&c));
	events(t);
	tstack_advance(t, 0);
	ck_assert_uint_eq(tstack_tcbs(t), 1);
	/* The delayed ACK died with it. */
	tstack_advance(t, DELACK_US);
	NOTHING(&c);
	/* What still comes finds no socket. */
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .flags = RST, .wnd = 0, .no_ts = true);
	tstack_free(t);
}
END_TEST

START_TEST(linger_zero_close_resets)
{
	struct conn c;
	struct tstack *t;
	int v;

	est(&c, NULL);
	t = c.t;
	send_pat(&c, OUR_ISS + 1, 10, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 10);
	ck_assert_int_eq(pmt_setsockopt(t->eng, c.fd, PMT_SO_LINGER, 0), 0);
	ck_assert_int_eq(pmt_getsockopt(t->eng, c.fd, PMT_SO_LINGER, &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	/* RFC 9293 3.10.4 ABORT: <SEQ=SND.NXT><CTL=RST>. */
	EXPECT(&c, .seq = OUR_ISS + 11, .flags = RST, .wnd = 0, .no_ts = true);
	NOTHING(&c);
	tstack_expect_stats(t, OUT(2), DATA(1), { "tcp_tx_rst", 1 },
			    { "tcp_conn_closed", 1 });
	tstack_advance(t, 0);
	ck_assert_uint_eq(tstack_tcbs(t), 1);
	/* No retransmission of the data. */
	tstack_advance(t, 10 * RTO_MIN_US);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

START_TEST(data_after_close_resets)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = FIN | ACK);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 2, .flags = ACK);
	tstack_mark(t);
	/* FIN-WAIT-2 and closed by the application: nobody will read it. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 2, .flags = ACK,
	       .len = 50);
	EXPECT(&c, .seq = OUR_ISS + 2, .flags = RST, .wnd = 0, .no_ts = true);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_rx_after_close", 1 },
			    { "tcp_tx_rst", 1 }, { "tcp_conn_closed", 1 });
	ck_assert_ptr_null(tcb_of(&c));
	tstack_free(t);
}
END_TEST

/* ================= resets and unacceptable segments ================= */

START_TEST(rst_in_window_challenged_exact_resets)
{
	struct conn c;
	struct tstack *t;
	struct evs e;

	est(&c, NULL);
	t = c.t;
	/* RFC 5961 3.2: in the window but not RCV.NXT: a challenge ACK. */
	INJECT(&c, .seq = PEER_ISS + 1 + 100, .flags = RST, .no_ts = true);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK);
	INJECT(&c, .seq = PEER_ISS + 1 + 200000, .ack = OUR_ISS + 1,
	       .flags = RST | ACK, .no_ts = true);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(2), { "tcp_rx_rst", 2 },
			    { "tcp_challenge_acks", 2 });
	STATE(&c, PMT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(events(t).n, 0);
	/* Outside the window: dropped, unanswered. */
	INJECT(&c, .seq = PEER_ISS + 1 + RCVBUF, .flags = RST, .no_ts = true);
	INJECT(&c, .seq = PEER_ISS, .flags = RST, .no_ts = true);
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), { "tcp_rx_unacceptable", 2 });
	STATE(&c, PMT_TCPS_ESTABLISHED);
	/* Exactly RCV.NXT: reset. */
	INJECT(&c, .seq = PEER_ISS + 1, .flags = RST, .no_ts = true);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), { "tcp_rx_rst", 1 },
			    { "tcp_conn_resets", 1 }, { "tcp_conn_closed", 1 });
	STATE(&c, PMT_TCPS_CLOSED);
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_ERR | PMT_EV_IN | PMT_EV_OUT |
			  PMT_EV_HUP);
	ck_assert_int_eq(pmt_recv(t->eng, c.fd, (char[4]){ 0 }, 4), -ECONNRESET);
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "x", 1, 0), -ECONNRESET);
	ck_assert_int_eq(sock_error(t, c.fd), ECONNRESET);
	ck_assert_int_eq(sock_error(t, c.fd), 0);
	tstack_free(t);
}
END_TEST

START_TEST(syn_in_established_challenged)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	/* RFC 5961 4.2: a SYN in the window gets the challenge ACK... */
	INJECT(&c, .seq = PEER_ISS + 1000, .flags = SYN, .opts = O_MSS,
	       .mss = 1460);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_rx_syn_in_window", 1 },
			    { "tcp_challenge_acks", 1 });
	/* ...and so does one outside it, as an unacceptable segment. */
	INJECT(&c, .seq = PEER_ISS - 1000, .flags = SYN, .opts = O_MSS,
	       .mss = 1460);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_rx_unacceptable", 1 });
	STATE(&c, PMT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(events(t).n, 0);
	/* The connection goes on. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK | PSH,
	       .len = 10);
	recv_pat(&c, PEER_ISS + 1, 10);
	tstack_free(t);
}
END_TEST

START_TEST(out_of_window_segment_acked_and_dropped)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	/* Beyond the window. */
	INJECT(&c, .seq = PEER_ISS + 1 + RCVBUF + 10, .ack = OUR_ISS + 1,
	       .flags = ACK, .len = 100);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK);
	/* Entirely old: reported as a duplicate (RFC 2883 4.1.1). */
	INJECT(&c, .seq = PEER_ISS - 99, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 100);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK1(-99, 1));
	/* Acknowledging what we never sent: ACK, drop (its data too). */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 100, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(3), OUT(3), { "tcp_rx_unacceptable", 2 },
			    { "tcp_rx_bad_ack", 1 }, { "tcp_rx_dup_segs", 1 },
			    { "tcp_rx_dsack_sent", 1 },
			    { "tcp_tx_sack_blocks", 1 });
	ck_assert_int_eq(pmt_recv(t->eng, c.fd, (char[4]){ 0 }, 4), -EAGAIN);
	ck_assert_uint_eq(events(t).n, 0);
	tstack_free(t);
}
END_TEST

START_TEST(paws_drops_old_timestamp)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	/* A newer TSval (it wraps 2^32) is taken and echoed from now on. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10, .tsval = PEER_TS + 10);
	c.ts_peer = PEER_TS + 10;
	/* RFC 7323 5.3: an older one is an old duplicate: ACK, drop. */
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10, .tsval = PEER_TS + 5);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 11, .flags = ACK,
	       .wnd = WND(10));
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(1), { "tcp_rx_paws_drop", 1 });
	recv_pat(&c, PEER_ISS + 1, 10);
	/* The same bytes with a current TSval are taken. */
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	tstack_advance(t, DELACK_US);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 21, .flags = ACK,
	       .wnd = WND(10));
	recv_pat(&c, PEER_ISS + 11, 10);
	tstack_free(t);
}
END_TEST

START_TEST(rst_in_syn_received_frees_the_child)
{
	struct conn c;
	struct tstack *t;

	conn_init(&c, NULL);
	t = c.t;
	listen_on(&c);
	c.rport = aim_iss(&c, true);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .opts = O_MSS, .mss = 1460);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_MSS, .mss = 1460);
	tstack_mark(t);
	/* Not exact: challenged; exact: the half-open child goes. */
	INJECT(&c, .seq = PEER_ISS + 2, .flags = RST);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       .wnd = UINT16_MAX);
	INJECT(&c, .seq = PEER_ISS + 1, .flags = RST);
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(1), { "tcp_rx_rst", 2 },
			    { "tcp_challenge_acks", 1 },
			    { "tcp_syncache_reset", 1 }, SC_GONE);
	ck_assert_ptr_null(tcb_of(&c));
	ck_assert_uint_eq(tstack_tcbs(t), 1);
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 0);
	ck_assert_uint_eq(events(t).n, 0);
	ck_assert_int_eq(pmt_accept(t->eng, c.lfd, NULL, NULL), -EAGAIN);
	ck_assert_int_eq(state_of(t, c.lfd), PMT_TCPS_LISTEN);
	/* No SYN-ACK timer survives it. */
	tstack_advance(t, 4 * RTO_INIT_US);
	NOTHING(&c);
	/* The listener takes the peer again. */
	INJECT(&c, .seq = PEER_ISS + 100, .flags = SYN, .opts = O_MSS,
	       .mss = 1460);
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 1);
	{
		uint8_t buf[64];
		struct pmt_tcp_seg g;
		struct rte_mbuf *m = tstack_tcp_tx(t, &g, buf, sizeof(buf));

		ck_assert_ptr_nonnull(m);
		rte_pktmbuf_free(m);
		ck_assert_uint_eq(g.flags, SYN | ACK);
		ck_assert_uint_eq(g.ack, PEER_ISS + 101);
		/* RFC 6528: a new ISN, 4 s of the 4 us clock later. */
		ck_assert_uint_eq(g.seq, (uint32_t)(OUR_ISS + 4 * RTO_INIT_US / 4));
	}
	tstack_free(t);
}
END_TEST

/* ================= receiving ================= */

START_TEST(inorder_data_acked_every_second_segment)
{
	struct conn c;
	struct tstack *t;
	struct evs e;

	est(&c, NULL);
	t = c.t;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	NOTHING(&c);
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_IN);
	/* RFC 5681 4.2: the second full... any second segment: ACK now. */
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 1, .flags = ACK | PSH,
	       .len = 1000);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1011, .flags = ACK,
	       .wnd = WND(1010));
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(1));
	/* Delivered in order, across the peer's sequence wrap. */
	recv_pat(&c, PEER_ISS + 1, 1010);
	ck_assert_int_eq(pmt_recv(t->eng, c.fd, (char[4]){ 0 }, 4), -EAGAIN);
	/* A small read opens no window worth an update. */
	NOTHING(&c);
	/* The next pair again. */
	INJECT(&c, .seq = PEER_ISS + 1011, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = MSS_TS);
	INJECT(&c, .seq = PEER_ISS + 1011 + MSS_TS, .ack = OUR_ISS + 1,
	       .flags = ACK, .len = MSS_TS);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1011 + 2 * MSS_TS,
	       .flags = ACK, .wnd = WND(2 * MSS_TS));
	NOTHING(&c);
	/* Partial reads; the last frees two segments' worth: an update. */
	{
		uint8_t b[100], w[100];

		ck_assert_int_eq(pmt_recv(t->eng, c.fd, b, 100), 100);
		fill_pat(w, PEER_ISS + 1011, 100);
		ck_assert_mem_eq(b, w, 100);
	}
	NOTHING(&c);
	recv_pat(&c, PEER_ISS + 1111, 2 * MSS_TS - 100);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1011 + 2 * MSS_TS,
	       .flags = ACK);
	tstack_advance(t, DELACK_US);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

START_TEST(delayed_ack_fires_after_delack_ms)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK | PSH,
	       .len = 10);
	tstack_advance(t, DELACK_US - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 11, .flags = ACK,
	       .wnd = WND(10));
	tstack_advance(t, 10 * DELACK_US);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1));
	/* Data of ours carries the owed ACK and stops the timer. */
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 1, .flags = ACK | PSH,
	       .len = 10);
	send_pat(&c, OUR_ISS + 1, 5, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 21, .flags = ACK | PSH,
	       .len = 5, .wnd = WND(20));
	tstack_advance(t, DELACK_US);
	NOTHING(&c);
	recv_pat(&c, PEER_ISS + 1, 20);
	tstack_free(t);
}
END_TEST

START_TEST(out_of_order_dupack_then_fill)
{
	struct conn c;
	struct tstack *t;
	struct evs e;

	est(&c, NULL);
	t = c.t;
	/* A hole at [1, 11): each segment after it gets a duplicate ACK now. */
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK1(11, 21), .wnd = WND(10));
	INJECT(&c, .seq = PEER_ISS + 31, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK2(31, 41, 11, 21), .wnd = WND(10));
	/* Filling the gap between them makes one block. */
	INJECT(&c, .seq = PEER_ISS + 21, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK1(11, 41), .wnd = WND(10));
	ck_assert_uint_eq(tcb_of(&c)->ooo_len, 30);
	NOTHING(&c);
	tstack_expect_stats(t, IN(3), OUT(3), { "tcp_rx_ooo_segs", 3 },
			    { "tcp_tx_sack_blocks", 4 });
	ck_assert_uint_eq(events(t).n, 0);
	ck_assert_int_eq(pmt_recv(t->eng, c.fd, (char[4]){ 0 }, 4), -EAGAIN);
	/* The hole filled: all of it in order, ACKed at once. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 41, .flags = ACK,
	       .wnd = WND(40));
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1));
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_IN);
	recv_pat(&c, PEER_ISS + 1, 40);
	ck_assert_uint_eq(tcb_of(&c)->ooo_n, 0);
	tstack_free(t);
}
END_TEST

START_TEST(out_of_order_fin_waits_for_the_hole)
{
	struct conn c;
	struct tstack *t;
	struct evs e;

	est(&c, NULL);
	t = c.t;
	/* Out-of-order bytes count against the window: 10 here. */
	c.wnd = WND(10);
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 1, .flags = FIN | ACK,
	       .len = 10);
	/* The block takes in the FIN, as Linux's do: it is sequence space. */
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK1(11, 22));
	STATE(&c, PMT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(events(t).n, 0);
	/* The hole filled: the data, then the FIN, ACKed together. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 22, .flags = ACK,
	       .wnd = WND(20));
	NOTHING(&c);
	STATE(&c, PMT_TCPS_CLOSE_WAIT);
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_IN | PMT_EV_HUP);
	recv_pat(&c, PEER_ISS + 1, 20);
	ck_assert_int_eq(pmt_recv(t->eng, c.fd, (char[4]){ 0 }, 4), 0);
	tstack_expect_stats(t, IN(2), OUT(2), { "tcp_rx_ooo_segs", 1 },
			    { "tcp_tx_sack_blocks", 1 });
	tstack_free(t);
}
END_TEST

START_TEST(overlapping_and_duplicate_segments)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	NOTHING(&c);
	/* An exact duplicate: ACKed at once with a D-SACK, nothing new. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 11, .flags = ACK,
	       .wnd = WND(10), SACK1(1, 11));
	/* Half old, half new: the new half is taken, the old reported. */
	INJECT(&c, .seq = PEER_ISS + 6, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 16, .flags = ACK,
	       .wnd = WND(15), SACK1(6, 11));
	ck_assert_uint_eq(tcb_of(&c)->rcv_nxt, PEER_ISS + 16);
	/* Out of order [21, 31), then [18, 28) overlapping its front:
	 * the D-SACK of [21, 28), then the block holding it (RFC 2883 4). */
	INJECT(&c, .seq = PEER_ISS + 21, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 16, .flags = ACK,
	       .wnd = WND(15), SACK1(21, 31));
	INJECT(&c, .seq = PEER_ISS + 18, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 16, .flags = ACK,
	       .wnd = WND(15), SACK2(21, 28, 18, 31));
	ck_assert_uint_eq(tcb_of(&c)->ooo_n, 2);
	ck_assert_uint_eq(tcb_of(&c)->ooo_len, 13);
	/* One covering both and more, [17, 41): both go, one is kept. */
	INJECT(&c, .seq = PEER_ISS + 17, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 24);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 16, .flags = ACK,
	       .wnd = WND(15), SACK2(18, 31, 17, 41));
	ck_assert_uint_eq(tcb_of(&c)->ooo_n, 1);
	ck_assert_uint_eq(tcb_of(&c)->ooo_len, 24);
	/* The last hole, [16, 17), overlapping what lies before it. */
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 7);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 41, .flags = ACK,
	       .wnd = WND(40), SACK1(11, 16));
	NOTHING(&c);
	tstack_expect_stats(t, IN(7), OUT(6), { "tcp_rx_ooo_segs", 3 },
			    { "tcp_rx_unacceptable", 1 },
			    { "tcp_rx_dup_segs", 5 },
			    { "tcp_rx_dsack_sent", 5 },
			    { "tcp_tx_sack_blocks", 8 });
	recv_pat(&c, PEER_ISS + 1, 40);
	ck_assert_uint_eq(tcb_of(&c)->ooo_n, 0);
	ck_assert_uint_eq(tcb_of(&c)->ooo_len, 0);
	ck_assert_uint_eq(t->eng->tcp.ooo_mbufs, 0);
	tstack_free(t);
}
END_TEST

/* ---- SACK blocks sent (RFC 2018, RFC 2883) and the out-of-order queue ---- */

START_TEST(sack_block_bytes_on_the_wire)
{
	struct conn c;
	struct tstack *t;
	struct rte_mbuf *m;
	const uint8_t *th;
	uint32_t tsval;

	est(&c, NULL);
	t = c.t;
	/* Out-of-order bytes count against the window: 10 here. */
	c.wnd = WND(10);
	/* One hole at [1, 11): [11, 21) crosses the 2^32 wrap. */
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	tsval = ts_ours(&c);
	m = EXPECT_KEEP(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1,
			.flags = ACK, SACK1(11, 21));
	th = rte_pktmbuf_mtod_offset(m, const uint8_t *,
				     sizeof(struct rte_ether_hdr) +
				     sizeof(struct rte_ipv4_hdr));
	/* 20 + NOP NOP TS (12) + NOP NOP SACK 10 with one block (12). */
	ck_assert_uint_eq(th[12] >> 4, 11);
	{
		const uint8_t want[24] = {
			1, 1, 8, 10,
			(uint8_t)(tsval >> 24), (uint8_t)(tsval >> 16),
			(uint8_t)(tsval >> 8), (uint8_t)tsval,
			0xff, 0xff, 0xff, 0xf8,		/* TSecr: PEER_TS */
			1, 1, 5, 10,
			0xff, 0xff, 0xff, 0xfb,		/* PEER_ISS + 11 */
			0x00, 0x00, 0x00, 0x05,		/* PEER_ISS + 21 */
		};

		ck_assert_mem_eq(th + 20, want, sizeof(want));
	}
	rte_pktmbuf_free(m);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_rx_ooo_segs", 1 },
			    { "tcp_tx_sack_blocks", 1 });
	tstack_free(t);
}
END_TEST

/* Five islands, [11,21) [31,41) [51,61) [71,81) [91,101), in that order. */
static void
five_islands(struct conn *c, uint8_t fit)
{
	uint32_t i;

	for (i = 0; i < 5; i++) {
		/* Out-of-order bytes count against the window; the first
		 * island's edge stays (RFC 9293 3.8.6.2.2). */
		struct tseg w = { .seq = OUR_ISS + 1, .ack = PEER_ISS + 1,
				  .flags = ACK, .wnd = WND(10), .tsval = -1,
				  .tsecr = -1 };
		uint32_t j;

		INJECT(c, .seq = PEER_ISS + 11 + 20 * i, .ack = OUR_ISS + 1,
		       .flags = ACK, .len = 10);
		/* Newest first, as many as fit. */
		for (j = 0; j <= i && j < fit; j++) {
			w.sack[j].l = PEER_ISS + 11 + 20 * (i - j);
			w.sack[j].r = w.sack[j].l + 10;
		}
		w.n_sack = (uint8_t)j;
		expect(c, __LINE__, &w);
	}
}

START_TEST(sack_blocks_most_recent_first)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	/* With timestamps three blocks fit (RFC 2018 3). */
	c.wnd = WND(10);	/* the first island's edge, kept */
	five_islands(&c, 3);
	tstack_expect_stats(t, IN(5), OUT(5), { "tcp_rx_ooo_segs", 5 },
			    { "tcp_tx_sack_blocks", 1 + 2 + 3 + 3 + 3 });
	/* [21, 26) grows the oldest island: its block is now the first. */
	INJECT(&c, .seq = PEER_ISS + 21, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 5);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK3(11, 26, 91, 101, 71, 81));
	/* A duplicate inside [51, 61): D-SACK, then its block (RFC 2883 4). */
	INJECT(&c, .seq = PEER_ISS + 53, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 4);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK3(53, 57, 51, 61, 11, 26));
	/* Reported once: the next ACK is back to the plain order. */
	INJECT(&c, .seq = PEER_ISS + 61, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 5);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK3(51, 66, 11, 26, 91, 101));
	tstack_expect_stats(t, IN(3), OUT(3), { "tcp_rx_ooo_segs", 3 },
			    { "tcp_rx_dup_segs", 1 },
			    { "tcp_rx_dsack_sent", 1 },
			    { "tcp_tx_sack_blocks", 9 });
	/* The first hole fills: the ACK jumps over [11, 26), the rest stay. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 26, .flags = ACK,
	       .wnd = 32762 /* out-of-order bytes count */, SACK3(51, 66, 91, 101, 71, 81));
	/* So does the next, and [31, 41) joins the cumulative ACK. */
	INJECT(&c, .seq = PEER_ISS + 26, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 5);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 41, .flags = ACK,
	       .wnd = 32761 /* out-of-order bytes count */, SACK3(51, 66, 91, 101, 71, 81));
	/* Blocks vanish as their holes fill; then no SACK option at all. */
	INJECT(&c, .seq = PEER_ISS + 41, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 66, .flags = ACK,
	       .wnd = 32757 /* out-of-order bytes count */, SACK2(91, 101, 71, 81));
	INJECT(&c, .seq = PEER_ISS + 66, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 5);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 81, .flags = ACK,
	       .wnd = 32756 /* out-of-order bytes count */, SACK1(91, 101));
	INJECT(&c, .seq = PEER_ISS + 81, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 101, .flags = ACK,
	       .wnd = WND(100));
	NOTHING(&c);
	ck_assert_uint_eq(tcb_of(&c)->ooo_n, 0);
	ck_assert_uint_eq(t->eng->tcp.ooo_mbufs, 0);
	tstack_expect_stats(t, IN(5), OUT(5), { "tcp_tx_sack_blocks", 9 });
	recv_pat(&c, PEER_ISS + 1, 100);
	tstack_free(t);
}
END_TEST

START_TEST(sack_four_blocks_without_timestamps)
{
	static const struct peer_syn no_ts = { O_MSS | O_WS | O_SACKP, MTU_MSS,
					       PEER_WS };
	struct conn c;
	struct tstack *t;

	conn_init(&c, NULL);
	t = c.t;
	passive_open(&c, &no_ts, 0);
	five_islands(&c, 4);
	tstack_expect_stats(t, IN(5), OUT(5), { "tcp_rx_ooo_segs", 5 },
			    { "tcp_tx_sack_blocks", 1 + 2 + 3 + 4 + 4 });
	/* The first hole fills; then a duplicate below RCV.NXT goes
	 * first, and three blocks of the queue after it. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 21, .flags = ACK,
	       .wnd = 32763 /* out-of-order bytes count */, SACK4(91, 101, 71, 81, 51, 61, 31, 41));
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 21, .flags = ACK,
	       .wnd = 32763 /* out-of-order bytes count */, SACK4(1, 11, 91, 101, 71, 81, 51, 61));
	tstack_expect_stats(t, IN(2), OUT(2), { "tcp_rx_unacceptable", 1 },
			    { "tcp_rx_dup_segs", 1 },
			    { "tcp_rx_dsack_sent", 1 },
			    { "tcp_tx_sack_blocks", 8 });
	recv_pat(&c, PEER_ISS + 1, 20);
	tstack_free(t);
}
END_TEST

START_TEST(sack_not_sent_unless_negotiated)
{
	static const struct peer_syn no_sack = { O_MSS | O_WS | O_TS, MTU_MSS,
						 PEER_WS };
	struct conn c;
	struct tstack *t;

	conn_init(&c, NULL);
	t = c.t;
	passive_open(&c, &no_sack, 0);
	/* Out-of-order bytes count against the window: 10 here. */
	c.wnd = WND(10);
	/* Out of order: a duplicate ACK at once, no SACK option. */
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK);
	/* A duplicate of it: counted, ACKed, no D-SACK. */
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 21, .flags = ACK,
	       .wnd = WND(20));
	/* Half old: no ACK of its own without SACK (delayed as usual). */
	INJECT(&c, .seq = PEER_ISS + 16, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	NOTHING(&c);
	tstack_advance(t, DELACK_US);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 26, .flags = ACK,
	       .wnd = WND(25));
	NOTHING(&c);
	tstack_expect_stats(t, IN(4), OUT(4), { "tcp_rx_ooo_segs", 2 },
			    { "tcp_rx_dup_segs", 2 });
	recv_pat(&c, PEER_ISS + 1, 25);
	tstack_free(t);
}
END_TEST

static void
cfg_ooo_4_segs(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_ooo_max_segs = 4;
}

START_TEST(ooo_segment_cap_keeps_the_nearest)
{
	struct conn c;
	struct tstack *t;
	uint32_t i;

	est(&c, cfg_ooo_4_segs);
	t = c.t;
	/* Out-of-order bytes count against the window: 10 here. */
	c.wnd = WND(10);
	for (i = 0; i < 4; i++) {
		INJECT(&c, .seq = PEER_ISS + 21 + 20 * i, .ack = OUR_ISS + 1,
		       .flags = ACK, .len = 10);
		tstack_free_all_tx(&c);
	}
	ck_assert_uint_eq(tcb_of(&c)->ooo_n, 4);
	tstack_mark(t);
	/* A fifth, farther than all: it is the one dropped. */
	INJECT(&c, .seq = PEER_ISS + 101, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK3(81, 91, 61, 71, 41, 51));
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_rx_ooo_segs", 1 },
			    { "tcp_rx_ooo_drop_segs", 1 },
			    { "tcp_tx_sack_blocks", 3 });
	/* A nearer one: the farthest queued, [81, 91), gives way. */
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 5);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK3(11, 16, 61, 71, 41, 51));
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_rx_ooo_segs", 1 },
			    { "tcp_rx_ooo_drop_segs", 1 },
			    { "tcp_tx_sack_blocks", 3 });
	ck_assert_uint_eq(tcb_of(&c)->ooo_n, 4);
	ck_assert_uint_eq(tcb_of(&c)->ooo_len, 35);
	ck_assert_uint_eq(t->eng->tcp.ooo_mbufs, 4);
	/* The holes fill up to [71, 81), which the peer must send again. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 16, .flags = ACK,
	       .wnd = 32764 /* out-of-order bytes count */, SACK3(61, 71, 41, 51, 21, 31));
	INJECT(&c, .seq = PEER_ISS + 16, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 5);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 31, .flags = ACK,
	       .wnd = 32762 /* out-of-order bytes count */, SACK2(61, 71, 41, 51));
	/* The rest in one: what it brings again is reported, the first
	 * duplicate range only (one D-SACK block, RFC 2883 4). */
	INJECT(&c, .seq = PEER_ISS + 31, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 50);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 81, .flags = ACK,
	       .wnd = WND(80), SACK1(41, 51));
	NOTHING(&c);
	recv_pat(&c, PEER_ISS + 1, 80);
	tstack_free(t);
}
END_TEST

static void
cfg_ooo_30_bytes(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_ooo_max_bytes = 30;
}

START_TEST(ooo_byte_cap_keeps_the_nearest)
{
	struct conn c;
	struct tstack *t;
	uint32_t i;

	est(&c, cfg_ooo_30_bytes);
	t = c.t;
	/* Out-of-order bytes count against the window: 10 here. */
	c.wnd = WND(10);
	for (i = 0; i < 3; i++) {
		INJECT(&c, .seq = PEER_ISS + 21 + 20 * i, .ack = OUR_ISS + 1,
		       .flags = ACK, .len = 10);
		tstack_free_all_tx(&c);
	}
	tstack_mark(t);
	/* 30 bytes held: one more byte beyond them is dropped. */
	INJECT(&c, .seq = PEER_ISS + 81, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 1);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK3(61, 71, 41, 51, 21, 31));
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_rx_ooo_segs", 1 },
			    { "tcp_rx_ooo_drop_bytes", 1 },
			    { "tcp_tx_sack_blocks", 3 });
	/* [11, 21) is nearer: [61, 71) goes for it. */
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK2(11, 31, 41, 51));
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_rx_ooo_segs", 1 },
			    { "tcp_rx_ooo_drop_bytes", 1 },
			    { "tcp_tx_sack_blocks", 2 });
	ck_assert_uint_eq(tcb_of(&c)->ooo_len, 30);
	/* In order, the cap does not apply: the ACK jumps over [11, 31). */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 31, .flags = ACK,
	       .wnd = 32763 /* out-of-order bytes count */, SACK1(41, 51));
	NOTHING(&c);
	recv_pat(&c, PEER_ISS + 1, 30);
	tstack_free(t);
}
END_TEST

static void
cfg_ooo_engine_2(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_ooo_engine_mbufs = 2;
}

START_TEST(ooo_engine_budget)
{
	struct conn c;
	struct tstack *t;

	est(&c, cfg_ooo_engine_2);
	t = c.t;
	/* Out-of-order bytes count against the window: 10 here. */
	c.wnd = WND(10);
	INJECT(&c, .seq = PEER_ISS + 21, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK1(21, 31));
	INJECT(&c, .seq = PEER_ISS + 41, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK2(41, 51, 21, 31));
	/* The engine's budget is spent: a farther one is dropped... */
	INJECT(&c, .seq = PEER_ISS + 61, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 10);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK2(41, 51, 21, 31));
	/* ...a nearer one takes the farthest one's place. */
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 5);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       SACK2(11, 16, 21, 31));
	NOTHING(&c);
	ck_assert_uint_eq(t->eng->tcp.ooo_mbufs, 2);
	tstack_expect_stats(t, IN(4), OUT(4), { "tcp_rx_ooo_segs", 4 },
			    { "tcp_rx_ooo_drop_engine", 2 },
			    { "tcp_tx_sack_blocks", 1 + 2 + 2 + 2 });
	tstack_free(t);
}
END_TEST

/* A crafted stream of one-byte segments, every other byte, backwards. */
START_TEST(ooo_tiny_segments_bounded)
{
	struct conn c;
	struct tstack *t;
	uint32_t i;

	est(&c, NULL);
	t = c.t;
	for (i = 0; i < 400; i++) {
		INJECT(&c, .seq = PEER_ISS + 1 + 2 * (800 - i), .ack = OUR_ISS + 1,
		       .flags = ACK, .len = 1);
		tstack_free_all_tx(&c);
	}
	/* 256 held (the default cap), each nearer than the last: the
	 * farthest gave way every time. */
	ck_assert_uint_eq(tcb_of(&c)->ooo_n, 256);
	ck_assert_uint_eq(PMT_OOO_SEQ(tcb_of(&c)->ooo_head),
			  PEER_ISS + 1 + 2 * 401);
	tstack_expect_stats(t, IN(400), OUT(400), { "tcp_rx_ooo_segs", 400 },
			    { "tcp_rx_ooo_drop_segs", 144 },
			    { "tcp_tx_sack_blocks", 3 * 398 + 1 + 2 });
	tstack_free(t);
}
END_TEST

/*
 * Out-of-order bytes are held in the receive buffer: the window never
 * offers them again, even once the application has read everything in
 * order (what is queued out of order still takes room), and the right
 * edge never moves left (RFC 9293 3.8.6.2.2).
 */
START_TEST(ooo_bytes_count_against_the_window)
{
	struct conn c;
	struct tstack *t;

	conn_init(&c, cfg_small_rcvbuf);
	t = c.t;
	passive_open(&c, &full_syn, 0);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 1000);
	INJECT(&c, .seq = PEER_ISS + 2001, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 1000);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1001, .flags = ACK,
	       .wnd = SMALL_RCVBUF - 1000, SACK1(2001, 3001));
	recv_pat(&c, PEER_ISS + 1, 1000);
	/* 1000 bytes read, 1500 held beyond the hole: the buffer has
	 * 14884 bytes left, less than offered already, so the right edge
	 * stays where it was (it would move 1000 on if the bytes held
	 * out of order took no room). */
	INJECT(&c, .seq = PEER_ISS + 3001, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 500);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1001, .flags = ACK,
	       .wnd = SMALL_RCVBUF - 1000, SACK1(2001, 3501));
	/* The hole fills: in order now, and unread. */
	INJECT(&c, .seq = PEER_ISS + 1001, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 1000);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 3501, .flags = ACK,
	       .wnd = SMALL_RCVBUF - 2500);
	NOTHING(&c);
	recv_pat(&c, PEER_ISS + 1001, 2500);
	tstack_free(t);
}
END_TEST

START_TEST(receive_window_shrinks_and_reopens)
{
	struct conn c;
	struct tstack *t;
	uint32_t seq = PEER_ISS + 1, i;

	conn_init(&c, cfg_small_rcvbuf);
	t = c.t;
	passive_open(&c, &full_syn, 0);
	ck_assert_int_eq(c.wnd, SMALL_RCVBUF);
	/* Five pairs of full segments: each ACK offers what is left. */
	for (i = 1; i <= 5; i++) {
		INJECT(&c, .seq = seq, .ack = OUR_ISS + 1, .flags = ACK,
		       .len = MSS_TS);
		INJECT(&c, .seq = seq + MSS_TS, .ack = OUR_ISS + 1,
		       .flags = ACK, .len = MSS_TS);
		seq += 2 * MSS_TS;
		EXPECT(&c, .seq = OUR_ISS + 1, .ack = seq, .flags = ACK,
		       .wnd = (int32_t)(SMALL_RCVBUF - 2 * i * MSS_TS));
	}
	/* 1904 left; a full segment and the 456-byte rest fill it. */
	INJECT(&c, .seq = seq, .ack = OUR_ISS + 1, .flags = ACK, .len = MSS_TS);
	INJECT(&c, .seq = seq + MSS_TS, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 456);
	seq += MSS_TS + 456;
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = seq, .flags = ACK, .wnd = 0);
	NOTHING(&c);
	/* A zero window takes nothing: ACK, drop. */
	INJECT(&c, .seq = seq, .ack = OUR_ISS + 1, .flags = ACK, .len = 1);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = seq, .flags = ACK, .wnd = 0);
	NOTHING(&c);
	tstack_expect_stats(t, IN(13), OUT(7), { "tcp_rx_unacceptable", 1 });
	/* RFC 1122 4.2.3.3: no update for a sliver... */
	{
		uint8_t *b = malloc(SMALL_RCVBUF), *w = malloc(SMALL_RCVBUF);

		ck_assert_int_eq(pmt_recv(t->eng, c.fd, b, 1000), 1000);
		NOTHING(&c);
		/* ...one when two segments' worth is free. */
		ck_assert_int_eq(pmt_recv(t->eng, c.fd, b + 1000, 2000), 2000);
		EXPECT(&c, .seq = OUR_ISS + 1, .ack = seq, .flags = ACK,
		       .wnd = 3000);
		ck_assert_int_eq(pmt_recv(t->eng, c.fd, b + 3000, SMALL_RCVBUF),
				 SMALL_RCVBUF - 3000);
		EXPECT(&c, .seq = OUR_ISS + 1, .ack = seq, .flags = ACK,
		       .wnd = SMALL_RCVBUF);
		fill_pat(w, PEER_ISS + 1, SMALL_RCVBUF);
		ck_assert_mem_eq(b, w, SMALL_RCVBUF);
		free(b);
		free(w);
	}
	NOTHING(&c);
	tstack_expect_stats(t, OUT(2));
	tstack_free(t);
}
END_TEST

START_TEST(unscaled_window_sends_no_idle_updates)
{
	static const struct peer_syn no_ws = { O_MSS | O_TS, 1460, 0 };
	struct conn c;
	struct tstack *t;

	conn_init(&c, NULL);
	t = c.t;
	/* No scaling: our 256 KiB buffer shows as 65535, and stays so. */
	passive_open(&c, &no_ws, 0);
	ck_assert_int_eq(c.wnd, UINT16_MAX);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = 100);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 101, .ack = OUR_ISS + 1, .flags = ACK);
	NOTHING(&c);
	tstack_advance(t, DELACK_US);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 101, .flags = ACK);
	recv_pat(&c, PEER_ISS + 1, 100);
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(1));
	tstack_free(t);
}
END_TEST

/* ================= sending: the segmenter ================= */

START_TEST(send_cut_at_mss_across_mbufs_and_wrap)
{
	struct conn c;
	struct tstack *t;
	uint32_t n = 10 * 1460 + 100, i;

	/* Without SACK: no tail-loss probe past the full window. */
	conn_init(&c, NULL);
	passive_open(&c, &no_sack_syn, 0);
	t = c.t;
	send_pat(&c, OUR_ISS + 1, n, 0);
	/* The initial window: ten segments of 1448 (MSS less TS). */
	for (i = 0; i < 10; i++) {
		struct rte_mbuf *m = EXPECT_KEEP(&c,
			.seq = OUR_ISS + 1 + i * MSS_TS, .ack = PEER_ISS + 1,
			.flags = ACK, .len = MSS_TS);

		/* Header mbuf, then the payload in one or two pieces. */
		ck_assert_uint_ge(m->nb_segs, 2);
		rte_pktmbuf_free(m);
	}
	NOTHING(&c);
	tstack_expect_stats(t, OUT(10), DATA(10));
	/* Nothing short goes while the window is full, not even later. */
	tstack_advance(t, FLUSH_US);
	tstack_advance(t, DELACK_US);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1 + 10 * MSS_TS,
	       .flags = ACK);
	EXPECT(&c, .seq = OUR_ISS + 1 + 10 * MSS_TS, .ack = PEER_ISS + 1,
	       .flags = ACK | PSH, .len = n - 10 * MSS_TS);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1 + n, .flags = ACK);
	NOTHING(&c);
	ck_assert_uint_eq(tcb_of(&c)->snd_q_len, 0);
	ck_assert_ptr_null(tcb_of(&c)->snd_head);
	tstack_expect_stats(t, IN(2), OUT(1), DATA(1));
	tstack_free(t);
}
END_TEST

/*
 * A port that takes no chained mbufs (net_af_xdp) gets each segment
 * copied into one mbuf: the same bytes on the wire, counted.
 */
START_TEST(port_without_chains_gets_whole_segments)
{
	struct conn c;
	struct tstack *t;
	struct rte_mbuf *m;
	uint32_t i;

	est(&c, NULL);
	t = c.t;
	t->st->ifaces[0].tx_max_segs = 1;
	t->st->ifaces[0].tx_max_segs_tso = 1;
	send_pat(&c, OUR_ISS + 1, 2 * MSS_TS + 100, 0);
	for (i = 0; i < 2; i++) {
		m = EXPECT_KEEP(&c, .seq = OUR_ISS + 1 + i * MSS_TS,
				.ack = PEER_ISS + 1, .flags = ACK, .len = MSS_TS);
		ck_assert_uint_eq(m->nb_segs, 1);
		ck_assert_uint_eq(m->data_len, m->pkt_len);
		rte_pktmbuf_free(m);
	}
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1 + 2 * MSS_TS,
	       .flags = ACK);
	m = EXPECT_KEEP(&c, .seq = OUR_ISS + 1 + 2 * MSS_TS,
			.ack = PEER_ISS + 1, .flags = ACK | PSH, .len = 100);
	ck_assert_uint_eq(m->nb_segs, 1);
	rte_pktmbuf_free(m);
	NOTHING(&c);
	/* The 100 bytes were copied behind the headers (TX_COPY_MAX). */
	ck_assert_uint_eq(tstack_stat(t, "eth_tx_linearized"), 2);
	ck_assert_uint_eq(tstack_stat(t, "eth_tx_multiseg_drop"), 0);
	tstack_free(t);
}
END_TEST

START_TEST(send_mbuf_is_zero_copy)
{
	static const uint16_t sizes[3] = { 1000, 2000, 700 };
	struct conn c;
	struct tstack *t;
	struct rte_mbuf *caller[3], *m, *s;
	char *base[3];
	uint32_t off = 0, total = 0;
	unsigned int i;
	/* Expected pieces per segment: (caller mbuf, offset in it, length). */
	static const struct { unsigned int mb; uint16_t off, len; } pieces[3][2] = {
		{ { 0, 0, 1000 }, { 1, 0, 448 } },
		{ { 1, 448, 1448 }, { 0, 0, 0 } },
		{ { 1, 1896, 104 }, { 2, 0, 700 } },
	};

	est(&c, NULL);
	t = c.t;
	for (i = 0; i < 3; i++) {
		caller[i] = rte_pktmbuf_alloc(t->eng->pool);
		ck_assert_ptr_nonnull(caller[i]);
		base[i] = rte_pktmbuf_append(caller[i], sizes[i]);
		ck_assert_ptr_nonnull(base[i]);
		fill_pat((uint8_t *)base[i], OUR_ISS + 1 + off, sizes[i]);
		off += sizes[i];
		if (i > 0)
			ck_assert_int_eq(rte_pktmbuf_chain(caller[0], caller[i]), 0);
	}
	total = off;
	ck_assert_int_eq(pmt_send_mbuf(t->eng, c.fd, caller[0], 0), (long)total);
	off = 0;
	for (i = 0; i < 3; i++) {
		uint32_t len = i < 2 ? MSS_TS : total - 2 * MSS_TS;
		unsigned int p;

		if (i == 2) {
			/* Nagle holds the short tail until the flush timer. */
			NOTHING(&c);
			tstack_advance(t, FLUSH_US);
		}
		m = EXPECT_KEEP(&c, .seq = OUR_ISS + 1 + off, .ack = PEER_ISS + 1,
				.flags = i == 2 ? ACK | PSH : ACK, .len = len);
		/* The payload: indirect mbufs on the caller's own buffers. */
		s = m->next;
		for (p = 0; p < 2 && pieces[i][p].len > 0; p++, s = s->next) {
			ck_assert_ptr_nonnull(s);
			ck_assert(RTE_MBUF_CLONED(s));
			ck_assert_ptr_eq(rte_mbuf_from_indirect(s),
					 caller[pieces[i][p].mb]);
			ck_assert_ptr_eq(rte_pktmbuf_mtod(s, char *),
					 base[pieces[i][p].mb] + pieces[i][p].off);
			ck_assert_uint_eq(s->data_len, pieces[i][p].len);
		}
		ck_assert_ptr_null(s);
		rte_pktmbuf_free(m);
		off += len;
	}
	NOTHING(&c);
	/* Acknowledged: the caller's mbufs go back to their pool. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1 + total, .flags = ACK);
	NOTHING(&c);
	ck_assert_ptr_null(tcb_of(&c)->snd_head);
	ck_assert_uint_eq(rte_mempool_in_use_count(t->eng->tcp.clone_pool), 0);
	tstack_free(t);
}
END_TEST

START_TEST(nagle_coalesces_until_ack)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "a", 1, 0), 1);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .data = "a");
	/* RFC 896: one small segment outstanding holds the next ones. */
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "b", 1, 0), 1);
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "cd", 2, 0), 2);
	NOTHING(&c);
	tstack_advance(t, FLUSH_US / 2);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 2, .flags = ACK);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .data = "bcd");
	/* Sent: the flush timer has nothing left to do. */
	tstack_advance(t, FLUSH_US);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(2), DATA(2));
	/* A full segment is never held. */
	send_pat(&c, OUR_ISS + 5, MSS_TS + 1, 0);
	EXPECT(&c, .seq = OUR_ISS + 5, .ack = PEER_ISS + 1, .flags = ACK,
	       .len = MSS_TS);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 5, .flags = ACK);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 5 + MSS_TS, .flags = ACK);
	EXPECT(&c, .seq = OUR_ISS + 5 + MSS_TS, .ack = PEER_ISS + 1,
	       .flags = ACK | PSH, .len = 1);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

START_TEST(nagle_hold_bounded_by_flush_timer)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "a", 1, 0), 1);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .data = "a");
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "b", 1, 0), 1);
	tstack_advance(t, FLUSH_US - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .data = "b");
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

START_TEST(nodelay_sends_each_write)
{
	struct conn c;
	struct tstack *t;
	int v;

	est(&c, NULL);
	t = c.t;
	ck_assert_int_eq(pmt_setsockopt(t->eng, c.fd, PMT_TCP_NODELAY, 1), 0);
	ck_assert_int_eq(pmt_getsockopt(t->eng, c.fd, PMT_TCP_NODELAY, &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "a", 1, 0), 1);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .data = "a");
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "bc", 2, 0), 2);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .data = "bc");
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "def", 3, 0), 3);
	EXPECT(&c, .seq = OUR_ISS + 4, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .data = "def");
	NOTHING(&c);
	tstack_expect_stats(t, OUT(3), DATA(3));
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 7, .flags = ACK);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

START_TEST(msg_more_held_until_flush_timer)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	/* Nothing outstanding, yet MSG_MORE holds the partial segment... */
	send_pat(&c, OUR_ISS + 1, 100, PMT_MSG_MORE);
	NOTHING(&c);
	tstack_advance(t, FLUSH_US - 1);
	NOTHING(&c);
	/* ...for exactly tcp_flush_us. */
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 100);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 101, .flags = ACK);
	/* A write without the flag sends what MSG_MORE held, at once. */
	send_pat(&c, OUR_ISS + 101, 100, PMT_MSG_MORE);
	tstack_advance(t, FLUSH_US / 2);
	send_pat(&c, OUR_ISS + 201, 50, 0);
	EXPECT(&c, .seq = OUR_ISS + 101, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 150);
	tstack_advance(t, FLUSH_US);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(2), DATA(2));
	tstack_free(t);
}
END_TEST

START_TEST(cork_holds_partial_segments)
{
	struct conn c;
	struct tstack *t;
	int v;

	est(&c, NULL);
	t = c.t;
	ck_assert_int_eq(pmt_setsockopt(t->eng, c.fd, PMT_TCP_CORK, 1), 0);
	ck_assert_int_eq(pmt_getsockopt(t->eng, c.fd, PMT_TCP_CORK, &v), 0);
	ck_assert_int_eq(v, 1);
	/* Corked: writes gather; the flush timer runs from the first. */
	send_pat(&c, OUR_ISS + 1, 100, 0);
	tstack_advance(t, FLUSH_US / 2);
	send_pat(&c, OUR_ISS + 101, 100, 0);
	tstack_advance(t, FLUSH_US / 2 - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 200);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 201, .flags = ACK);
	/* Full segments go; the partial tail waits for the uncork. */
	send_pat(&c, OUR_ISS + 201, 2 * MSS_TS + 100, 0);
	EXPECT(&c, .seq = OUR_ISS + 201, .ack = PEER_ISS + 1, .flags = ACK,
	       .len = MSS_TS);
	EXPECT(&c, .seq = OUR_ISS + 201 + MSS_TS, .ack = PEER_ISS + 1,
	       .flags = ACK, .len = MSS_TS);
	NOTHING(&c);
	ck_assert_int_eq(pmt_setsockopt(t->eng, c.fd, PMT_TCP_CORK, 0), 0);
	EXPECT(&c, .seq = OUR_ISS + 201 + 2 * MSS_TS, .ack = PEER_ISS + 1,
	       .flags = ACK | PSH, .len = 100);
	tstack_advance(t, FLUSH_US);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(4), DATA(4));
	tstack_free(t);
}
END_TEST

START_TEST(tx_checksum_offload)
{
	struct conn c;
	struct tstack *t;
	struct rte_mbuf *m;

	est(&c, NULL);
	t = c.t;
	t->st->ifaces[0].tx_tcp_cksum = true;
	send_pat(&c, OUR_ISS + 1, 100, 0);
	m = EXPECT_KEEP(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1,
			.flags = ACK | PSH, .len = 100);
	/* tstack_tcp_tx checked the field holds the pseudo-header sum. */
	ck_assert(m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM);
	ck_assert(m->ol_flags & RTE_MBUF_F_TX_IPV4);
	ck_assert_uint_eq(m->l2_len, RTE_ETHER_HDR_LEN);
	ck_assert_uint_eq(m->l3_len, 20);
	ck_assert_uint_eq(m->l4_len, 20 + 12);
	rte_pktmbuf_free(m);
	/* A bare ACK too. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 101, .flags = ACK,
	       .len = 10);
	tstack_advance(t, DELACK_US);
	m = EXPECT_KEEP(&c, .seq = OUR_ISS + 101, .ack = PEER_ISS + 11,
			.flags = ACK, .wnd = WND(10));
	ck_assert(m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM);
	rte_pktmbuf_free(m);
	/* Back to software: the whole sum is in the field. */
	t->st->ifaces[0].tx_tcp_cksum = false;
	send_pat(&c, OUR_ISS + 101, 7, 0);
	m = EXPECT_KEEP(&c, .seq = OUR_ISS + 101, .ack = PEER_ISS + 11,
			.flags = ACK | PSH, .len = 7, .wnd = WND(10));
	ck_assert(!(m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM));
	rte_pktmbuf_free(m);
	tstack_free(t);
}
END_TEST

START_TEST(zero_window_persist_probes_and_resume)
{
	struct conn c;
	struct tstack *t;
	uint64_t gap = RTO_MIN_US;
	unsigned int i;

	est(&c, NULL);
	t = c.t;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .wnd = 0);
	send_pat(&c, OUR_ISS + 1, 100, 0);
	NOTHING(&c);
	/* RFC 9293 3.8.6.1: probes of one byte, backing off like the RTO. */
	for (i = 0; i < 4; i++) {
		tstack_advance(t, gap - 1);
		NOTHING(&c);
		tstack_advance(t, 1);
		EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
		       .len = 1);
		NOTHING(&c);
		/* The peer still has no room: the byte is not taken. */
		INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
		       .wnd = 0);
		NOTHING(&c);
		gap *= 2;
	}
	tstack_expect_stats(t, IN(5), OUT(4), DATA(4),
			    { "tcp_tx_window_probes", 4 });
	STATE(&c, PMT_TCPS_ESTABLISHED);
	/* The window opens, taking the probe byte: the rest flows. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 2, .flags = ACK);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 99);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 101, .flags = ACK);
	tstack_advance(t, 10 * gap);
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(1), DATA(1));
	tstack_free(t);
}
END_TEST

/*
 * RFC 1122 4.2.2.17: a zero window stays probed only while the peer
 * answers. Probes it answers do not count against tcp_retries; after
 * tcp_retries unanswered ones the connection is aborted. (The fuzzer
 * found an orphan probing a silent peer for ever.)
 */
START_TEST(zero_window_persist_gives_up_on_silent_peer)
{
	struct conn c;
	struct tstack *t;
	uint64_t gap = RTO_MIN_US;
	unsigned int i;

	est(&c, cfg_retries3);
	t = c.t;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
	       .wnd = 0);
	send_pat(&c, OUR_ISS + 1, 100, 0);
	NOTHING(&c);
	/* Five answered probes: more than tcp_retries, still open. */
	for (i = 0; i < 5; i++) {
		tstack_advance(t, gap);
		EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
		       .len = 1);
		INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
		       .wnd = 0);
		NOTHING(&c);
		gap = RTE_MIN(gap * 2, 60 * SEC);
	}
	STATE(&c, PMT_TCPS_ESTABLISHED);
	/* Then the peer falls silent: three more probes, then the end. */
	for (i = 0; i < 3; i++) {
		tstack_advance(t, gap);
		EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
		       .len = 1);
		NOTHING(&c);
		gap = RTE_MIN(gap * 2, 60 * SEC);
	}
	STATE(&c, PMT_TCPS_ESTABLISHED);
	tstack_mark(t);
	tstack_advance(t, gap);
	EXPECT(&c, .seq = OUR_ISS + 2, .flags = RST, .wnd = 0, .no_ts = true);
	NOTHING(&c);
	tstack_expect_stats(t, OUT(1), { "tcp_conn_timeouts", 1 },
			    { "tcp_tx_rst", 1 }, { "tcp_conn_closed", 1 });
	STATE(&c, PMT_TCPS_CLOSED);
	ck_assert_int_eq(sock_error(t, c.fd), ETIMEDOUT);
	tstack_free(t);
}
END_TEST

/* ================= reliability ================= */

START_TEST(rto_backs_off_exponentially)
{
	struct conn c;
	struct tstack *t;
	static const uint64_t gaps[] = { 200 * MS, 400 * MS, 800 * MS,
					 1000 * MS, 1000 * MS };
	unsigned int i;

	est(&c, cfg_rto_max);
	t = c.t;
	send_pat(&c, OUR_ISS + 1, 100, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 100);
	/* RFC 6298 5.5: double each time, up to tcp_rto_max_ms. */
	for (i = 0; i < RTE_DIM(gaps); i++) {
		tstack_advance(t, gaps[i] - 1);
		NOTHING(&c);
		tstack_advance(t, 1);
		EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1,
		       .flags = ACK | PSH, .len = 100);
	}
	tstack_expect_stats(t, OUT(6), DATA(6), { "tcp_rto_timeouts", 5 },
			    { "tcp_tx_rexmit_segs", 5 },
			    { "tcp_tx_rexmit_rto", 5 },
			    { "tcp_tx_rexmit_bytes", 500 });
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 101, .flags = ACK);
	tstack_advance(t, 10 * RTO_MAX_US);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_ESTABLISHED);
	tstack_free(t);
}
END_TEST

/*
 * A process stopped for half an hour runs its next turn that much
 * later: the overdue RTO goes in that turn, not when a 32-bit deadline
 * would come round again (tcp_timer.c restates deadlines on a jump).
 */
START_TEST(rto_overdue_after_a_clock_jump_goes_at_once)
{
	struct conn c;
	struct tstack *t;

	est(&c, cfg_rto_max);
	t = c.t;
	send_pat(&c, OUR_ISS + 1, 100, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 100);
	tstack_advance(t, 30ull * 60 * SEC);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 100);
	NOTHING(&c);
	/* And the backed-off one after it, on time: 400 ms. */
	tstack_advance(t, 400 * MS - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 100);
	tstack_expect_stats(t, OUT(3), DATA(3), { "tcp_rto_timeouts", 2 },
			    { "tcp_tx_rexmit_segs", 2 },
			    { "tcp_tx_rexmit_rto", 2 },
			    { "tcp_tx_rexmit_bytes", 200 });
	tstack_free(t);
}
END_TEST

START_TEST(rto_resends_data_with_the_fin)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	send_pat(&c, OUR_ISS + 1, 100, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 100);
	ck_assert_int_eq(pmt_shutdown(t->eng, c.fd, SHUT_WR), 0);
	EXPECT(&c, .seq = OUR_ISS + 101, .ack = PEER_ISS + 1, .flags = FIN | ACK);
	/* Both lost: one retransmission carries the data and the FIN. */
	tstack_advance(t, RTO_MIN_US);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1,
	       .flags = FIN | ACK | PSH, .len = 100);
	NOTHING(&c);
	/* The data acknowledged, not the FIN: FIN-WAIT-1 still. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 101, .flags = ACK);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_FIN_WAIT_1);
	/* The FIN alone goes after the RTO (backed off, then reset by the ACK). */
	tstack_advance(t, RTO_MIN_US - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS + 101, .ack = PEER_ISS + 1, .flags = FIN | ACK);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 102, .flags = ACK);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_FIN_WAIT_2);
	tstack_expect_stats(t, IN(2), OUT(4), DATA(2),
			    { "tcp_rto_timeouts", 2 },
			    { "tcp_tx_rexmit_segs", 2 },
			    { "tcp_tx_rexmit_rto", 2 },
			    { "tcp_tx_rexmit_bytes", 100 });
	tstack_free(t);
}
END_TEST

static void
cfg_small_sndbuf(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_sndbuf = 4096;
}

START_TEST(full_send_buffer_then_ev_out)
{
	struct conn c;
	struct tstack *t;
	struct evs e;
	uint8_t *p = malloc(5000);

	est(&c, cfg_small_sndbuf);
	t = c.t;
	ck_assert_ptr_nonnull(p);
	fill_pat(p, OUR_ISS + 1, 5000);
	/* As much as SO_SNDBUF holds, then -EAGAIN. */
	ck_assert_int_eq(pmt_send(t->eng, c.fd, p, 5000, 0), 4096);
	ck_assert_int_eq(pmt_send(t->eng, c.fd, p + 4096, 904, 0), -EAGAIN);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK,
	       .len = MSS_TS);
	EXPECT(&c, .seq = OUR_ISS + 1 + MSS_TS, .ack = PEER_ISS + 1,
	       .flags = ACK, .len = MSS_TS);
	NOTHING(&c);
	tstack_advance(t, FLUSH_US);
	EXPECT(&c, .seq = OUR_ISS + 1 + 2 * MSS_TS, .ack = PEER_ISS + 1,
	       .flags = ACK | PSH, .len = 4096 - 2 * MSS_TS);
	ck_assert_uint_eq(events(t).n, 0);
	/* Room again: PMT_EV_OUT, once. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1 + MSS_TS, .flags = ACK);
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_OUT);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1 + 2 * MSS_TS,
	       .flags = ACK);
	ck_assert_uint_eq(events(t).n, 0);
	ck_assert_int_eq(pmt_send(t->eng, c.fd, p + 4096, 904, 0), 904);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 4097, .flags = ACK);
	EXPECT(&c, .seq = OUR_ISS + 4097, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 904);
	free(p);
	tstack_free(t);
}
END_TEST

START_TEST(rtt_estimate_and_karn)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;

	conn_init(&c, NULL);
	t = c.t;
	/*
	 * Without timestamps: with them an ACK's TSecr tells which
	 * transmission it answers, and RFC 7323 4.3 takes samples where
	 * Karn cannot (rtt_from_timestamps_after_rto).
	 * The handshake's RTT, 100 ms: RTO = 100 + 4 * 50 = 300 ms.
	 */
	passive_open(&c, &no_ts_syn, 100 * MS);
	tcb = tcb_of(&c);
	ck_assert_uint_eq(tcb->rto, 300 * MS);
	/* A 20 ms sample: SRTT 90 ms, RTTVAR 57.5 ms, RTO 320 ms. */
	send_pat(&c, OUR_ISS + 1, 100, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 100);
	tstack_advance(t, 20 * MS);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 101, .flags = ACK);
	ck_assert_uint_eq(tcb->srtt, 90 * MS << 3);
	ck_assert_uint_eq(tcb->rttvar, 57500 << 2);
	ck_assert_uint_eq(tcb->rto, 320 * MS);
	/* The next segment is retransmitted exactly that late... */
	send_pat(&c, OUR_ISS + 101, 100, 0);
	EXPECT(&c, .seq = OUR_ISS + 101, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 100);
	tstack_advance(t, 320 * MS - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS + 101, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 100);
	/* ...and its ACK, ambiguous, is no sample (Karn). */
	tstack_advance(t, 10 * MS);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 201, .flags = ACK);
	ck_assert_uint_eq(tcb->srtt, 90 * MS << 3);
	ck_assert_uint_eq(tcb->rttvar, 57500 << 2);
	ck_assert_uint_eq(tcb->rto, 320 * MS);
	/* The backoff is gone with it: 320 ms again. */
	send_pat(&c, OUR_ISS + 201, 100, 0);
	EXPECT(&c, .seq = OUR_ISS + 201, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 100);
	tstack_advance(t, 320 * MS - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS + 201, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 100);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 301, .flags = ACK);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

START_TEST(retries_exhausted_times_out)
{
	struct conn c;
	struct tstack *t;
	struct evs e;
	uint64_t gap = RTO_MIN_US;
	unsigned int i;

	est(&c, cfg_retries3);
	t = c.t;
	send_pat(&c, OUR_ISS + 1, 100, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 100);
	for (i = 0; i < 3; i++) {
		tstack_advance(t, gap);
		EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1,
		       .flags = ACK | PSH, .len = 100);
		gap *= 2;
	}
	tstack_advance(t, gap - 1);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_ESTABLISHED);
	/* tcp_retries spent: abort with a RST at SND.NXT. */
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS + 101, .flags = RST, .wnd = 0, .no_ts = true);
	NOTHING(&c);
	tstack_expect_stats(t, OUT(5), DATA(4), { "tcp_rto_timeouts", 4 },
			    { "tcp_tx_rexmit_segs", 3 },
			    { "tcp_tx_rexmit_rto", 3 },
			    { "tcp_tx_rexmit_bytes", 300 },
			    { "tcp_conn_timeouts", 1 }, { "tcp_tx_rst", 1 },
			    { "tcp_conn_closed", 1 });
	STATE(&c, PMT_TCPS_CLOSED);
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_ERR | PMT_EV_IN | PMT_EV_OUT |
			  PMT_EV_HUP);
	ck_assert_int_eq(pmt_recv(t->eng, c.fd, (char[4]){ 0 }, 4), -ETIMEDOUT);
	ck_assert_int_eq(sock_error(t, c.fd), ETIMEDOUT);
	tstack_free(t);
}
END_TEST

START_TEST(syn_retries_exhausted_times_out)
{
	struct conn c;
	struct tstack *t;
	struct evs e;

	conn_init(&c, cfg_retries3);
	t = c.t;
	c.fd = pmt_socket(t->eng);
	c.lport = aim_iss(&c, false);
	ck_assert_int_eq(pmt_bind(t->eng, c.fd, 0, c.lport), 0);
	tstack_mark(t);
	ck_assert_int_eq(pmt_connect(t->eng, c.fd, ts_ip(TS_PEER_IP), PEER_PORT),
			 -EINPROGRESS);
	EXPECT(&c, .seq = OUR_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = 1460, .ws = OUR_WS, .tsecr = 0);
	/* The initial RTO, then twice it: tcp_syn_retries = 2. */
	tstack_advance(t, RTO_INIT_US - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = 1460, .ws = OUR_WS, .tsecr = 0);
	tstack_advance(t, 2 * RTO_INIT_US - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = 1460, .ws = OUR_WS, .tsecr = 0);
	tstack_advance(t, 4 * RTO_INIT_US - 1);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_SYN_SENT);
	tstack_advance(t, 1);
	/* Nothing synchronized: no RST, only the error. */
	NOTHING(&c);
	STATE(&c, PMT_TCPS_CLOSED);
	tstack_expect_stats(t, OUT(3), { "tcp_conn_attempts", 1 },
			    { "tcp_rto_timeouts", 3 },
			    { "tcp_conn_timeouts", 1 },
			    { "tcp_conn_closed", 1 },
			    { "tcp_tx_rexmit_segs", 2 },
			    { "tcp_tx_rexmit_rto", 2 });
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_ERR | PMT_EV_IN | PMT_EV_OUT |
			  PMT_EV_HUP);
	ck_assert_int_eq(sock_error(t, c.fd), ETIMEDOUT);
	tstack_free(t);
}
END_TEST

START_TEST(fast_retransmit_and_newreno)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;
	unsigned int i;

	est(&c, NULL);
	t = c.t;
	use_cc(&c, PMT_CC_NEWRENO);	/* these are NewReno's numbers */
	tcb = tcb_of(&c);
	send_pat(&c, una, 10 * MSS_TS, 0);
	for (i = 0; i < 10; i++)
		EXPECT(&c, .seq = una + i * MSS_TS, .ack = PEER_ISS + 1,
		       .flags = i == 9 ? ACK | PSH : ACK, .len = MSS_TS);
	tstack_mark(t);
	/* The first segment was lost: three duplicate ACKs... */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una, .flags = ACK);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una, .flags = ACK);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una, .flags = ACK);
	/* ...and it goes again at once (RFC 5681 3.2). */
	EXPECT(&c, .seq = una, .ack = PEER_ISS + 1, .flags = ACK, .len = MSS_TS);
	NOTHING(&c);
	tstack_expect_stats(t, IN(3), OUT(1), DATA(1),
			    { "tcp_rx_dupacks", 3 },
			    { "tcp_dupacks_counted", 3 },
			    { "tcp_tx_fast_rexmit", 1 },
			    { "tcp_tx_rexmit_segs", 1 },
			    { "tcp_tx_rexmit_fast", 1 },
			    { "tcp_tx_rexmit_bytes", MSS_TS });
	/* RFC 6582: ssthresh = FlightSize / 2, cwnd = ssthresh + 3 MSS. */
	ck_assert_uint_eq(tcb->ssthresh, 5 * MSS_TS);
	ck_assert_uint_eq(tcb->cwnd, 8 * MSS_TS);
	ck_assert(tcb->flags & PMT_TF_IN_RECOVERY);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una, .flags = ACK);
	NOTHING(&c);
	ck_assert_uint_eq(tcb->cwnd, 9 * MSS_TS);
	/* A partial ACK: the next hole (segment 4) goes at once. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 3 * MSS_TS, .flags = ACK);
	EXPECT(&c, .seq = una + 3 * MSS_TS, .ack = PEER_ISS + 1, .flags = ACK,
	       .len = MSS_TS);
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(1), DATA(1),
			    { "tcp_rx_dupacks", 1 },
			    { "tcp_dupacks_counted", 1 },
			    { "tcp_tx_rexmit_segs", 1 },
			    { "tcp_tx_rexmit_fast", 1 },
			    { "tcp_tx_rexmit_bytes", MSS_TS });
	ck_assert(tcb->flags & PMT_TF_IN_RECOVERY);
	/* The full ACK ends recovery: cwnd deflates, to ssthresh at most
	 * (RFC 6582 3.2 step 6 allows either of its two choices). */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 10 * MSS_TS, .flags = ACK);
	NOTHING(&c);
	ck_assert(!(tcb->flags & PMT_TF_IN_RECOVERY));
	ck_assert_uint_le(tcb->cwnd, tcb->ssthresh);
	ck_assert_uint_ge(tcb->cwnd, 2 * MSS_TS);
	/* No timer left: nothing is outstanding. */
	tstack_advance(t, 10 * RTO_MIN_US);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1));
	tstack_free(t);
}
END_TEST

/*
 * Loss recovery scripts. The peer's ACKs echo our clock as TSecr unless
 * a test says otherwise; windows are the connection's unless changed.
 */

/* Send @n full segments of the queue from @first (segment index). */
static void
expect_segs(struct conn *c, int line, uint32_t una, unsigned int first,
	    unsigned int n, unsigned int psh_at)
{
	unsigned int i;

	for (i = first; i < first + n; i++)
		expect(c, line, SEG(.seq = una + i * MSS_TS, .ack = PEER_ISS + 1,
				    .flags = i == psh_at ? ACK | PSH : ACK,
				    .len = MSS_TS));
}

#define DUPACK(c, una, ...) INJECT((c), .seq = PEER_ISS + 1, .ack = (una), \
				   .flags = ACK, __VA_ARGS__)

START_TEST(single_loss_limited_transmit_fast_retransmit)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;

	est(&c, NULL);
	t = c.t;
	use_cc(&c, PMT_CC_NEWRENO);	/* these are NewReno's numbers */
	tcb = tcb_of(&c);
	send_pat(&c, una, 20 * MSS_TS, 0);
	expect_segs(&c, __LINE__, una, 0, 10, 19);	/* the initial window */
	NOTHING(&c);
	tstack_mark(t);
	/*
	 * Segment 0 lost. The duplicates come with a growing window, as a
	 * Linux receiver sends them (SACK on): they count all the same.
	 * RFC 3042: dupacks 1 and 2 each send one new segment.
	 */
	DUPACK(&c, una, .wnd = PEER_WND + 1);
	expect_segs(&c, __LINE__, una, 10, 1, 19);
	NOTHING(&c);
	DUPACK(&c, una, .wnd = PEER_WND + 2);
	expect_segs(&c, __LINE__, una, 11, 1, 19);
	NOTHING(&c);
	/* The third: fast retransmit of exactly segment 0. */
	DUPACK(&c, una, .wnd = PEER_WND + 3);
	expect_segs(&c, __LINE__, una, 0, 1, 19);
	NOTHING(&c);
	tstack_expect_stats(t, IN(3), OUT(3), DATA(3),
			    { "tcp_rx_dupacks", 3 },
			    { "tcp_dupacks_counted", 3 },
			    { "tcp_limited_transmit", 2 },
			    { "tcp_tx_fast_rexmit", 1 },
			    { "tcp_tx_rexmit_segs", 1 },
			    { "tcp_tx_rexmit_fast", 1 },
			    { "tcp_tx_rexmit_bytes", MSS_TS });
	/* ssthresh from the 10 segments before Limited Transmit's two. */
	ck_assert_uint_eq(tcb->ssthresh, 5 * MSS_TS);
	ck_assert_uint_eq(tcb->cwnd, 8 * MSS_TS);
	ck_assert_uint_eq(tcb->recover, una + 12 * MSS_TS);
	/* The full ACK: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS). */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 12 * MSS_TS, .flags = ACK);
	ck_assert(!(tcb->flags & PMT_TF_IN_RECOVERY));
	ck_assert_uint_eq(tcb->cwnd, 2 * MSS_TS);
	expect_segs(&c, __LINE__, una, 12, 2, 19);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(2), DATA(2));
	tstack_free(t);
}
END_TEST

/* Drop whatever we sent. */
static void
drain(struct tstack *t)
{
	struct rte_mbuf *m;

	while ((m = tstack_tx(t)) != NULL)
		rte_pktmbuf_free(m);
}

START_TEST(dupacks_opening_a_limiting_window_do_not_count)
{
	static const struct peer_syn no_sack = { O_MSS | O_WS | O_TS, MTU_MSS,
						 PEER_WS };
	struct conn c;
	struct tstack *t;
	const uint32_t una = OUR_ISS + 1;
	unsigned int i;

	conn_init(&c, NULL);
	t = c.t;
	/* A window of 46 << 7 = 4 segments and 96 bytes limits us. */
	c.peer_wnd = 46;
	passive_open(&c, &no_sack, 0);
	send_pat(&c, una, 20 * MSS_TS, 0);
	expect_segs(&c, __LINE__, una, 0, 4, 99);
	NOTHING(&c);
	/*
	 * Without SACK, pure window updates that open the window which
	 * held us back are no loss signal (RFC 5681 2 (e)): three of
	 * them, each answered with the new data they let out.
	 */
	for (i = 1; i <= 3; i++) {
		DUPACK(&c, una, .wnd = (int32_t)(46 + 12 * i));
		drain(t);
	}
	ck_assert_uint_eq(tstack_stat(t, "tcp_rx_dupacks") -
			  t->mark.tcp_rx_dupacks, 3);
	ck_assert_uint_eq(tstack_stat(t, "tcp_dupacks_counted") -
			  t->mark.tcp_dupacks_counted, 0);
	ck_assert_uint_eq(tstack_stat(t, "tcp_tx_fast_rexmit") -
			  t->mark.tcp_tx_fast_rexmit, 0);
	ck_assert_uint_eq(tstack_stat(t, "tcp_tx_rexmit_segs") -
			  t->mark.tcp_tx_rexmit_segs, 0);
	ck_assert_uint_gt(tcb_of(&c)->snd_max, una + 4 * MSS_TS);
	tstack_free(t);
}
END_TEST

START_TEST(newreno_partial_acks_then_impatient_rto)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;
	uint64_t rto;

	est(&c, NULL);
	t = c.t;
	use_cc(&c, PMT_CC_NEWRENO);	/* these are NewReno's numbers */
	tcb = tcb_of(&c);
	send_pat(&c, una, 10 * MSS_TS, 0);
	expect_segs(&c, __LINE__, una, 0, 10, 9);
	tstack_mark(t);
	/* Segments 0, 4 and 7 lost: three dupacks (no new data: no LT). */
	DUPACK(&c, una);
	DUPACK(&c, una);
	NOTHING(&c);
	DUPACK(&c, una);
	expect_segs(&c, __LINE__, una, 0, 1, 9);
	NOTHING(&c);
	DUPACK(&c, una);		/* step 4: inflate */
	ck_assert_uint_eq(tcb->cwnd, 9 * MSS_TS);
	NOTHING(&c);
	/* Partial ACK of 0-3: segment 4 goes at once; cwnd deflates by
	 * the 4 acknowledged, adds one back (RFC 6582 3.2 step 3). */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 4 * MSS_TS, .flags = ACK);
	expect_segs(&c, __LINE__, una, 4, 1, 9);
	NOTHING(&c);
	ck_assert_uint_eq(tcb->cwnd, 6 * MSS_TS);
	ck_assert(tcb->flags & PMT_TF_IN_RECOVERY);
	rto = tcb->rto;
	/* A second partial ACK: segment 7 at once, but the RTO, restarted
	 * only by the first (RFC 6582 4), keeps its deadline. */
	tstack_advance(t, rto / 2);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 7 * MSS_TS, .flags = ACK);
	expect_segs(&c, __LINE__, una, 7, 1, 9);
	NOTHING(&c);
	tstack_expect_stats(t, IN(6), OUT(3), DATA(3),
			    { "tcp_rx_dupacks", 4 },
			    { "tcp_dupacks_counted", 4 },
			    { "tcp_tx_fast_rexmit", 1 },
			    { "tcp_tx_rexmit_segs", 3 },
			    { "tcp_tx_rexmit_fast", 3 },
			    { "tcp_tx_rexmit_bytes", 3 * MSS_TS });
	ck_assert_uint_eq(tcb->rto, rto);
	tstack_advance(t, rto - rto / 2 - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	expect_segs(&c, __LINE__, una, 7, 1, 9);
	NOTHING(&c);
	ck_assert(!(tcb->flags & PMT_TF_IN_RECOVERY));
	/* The full ACK, echoing the retransmission: not spurious. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 10 * MSS_TS, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), DATA(1),
			    { "tcp_rto_timeouts", 1 },
			    { "tcp_tx_rexmit_segs", 1 },
			    { "tcp_tx_rexmit_rto", 1 },
			    { "tcp_tx_rexmit_bytes", MSS_TS });
	tstack_advance(t, 10 * RTO_MIN_US);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

START_TEST(lost_retransmission_rto_then_careful_dupacks)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;

	est(&c, NULL);
	t = c.t;
	tcb = tcb_of(&c);
	send_pat(&c, una, 10 * MSS_TS, 0);
	expect_segs(&c, __LINE__, una, 0, 10, 9);
	DUPACK(&c, una);
	DUPACK(&c, una);
	DUPACK(&c, una);
	expect_segs(&c, __LINE__, una, 0, 1, 9);
	NOTHING(&c);
	tstack_mark(t);
	/* The retransmission is lost too: the RTO, one segment. */
	tstack_advance(t, tcb->rto);
	expect_segs(&c, __LINE__, una, 0, 1, 9);
	NOTHING(&c);
	ck_assert_uint_eq(tcb->cwnd, MSS_TS);
	ck_assert_uint_eq(tcb->recover, una + 10 * MSS_TS);
	/* Duplicates of what the go-back-N resends cover no more than
	 * recover: no second fast retransmit (RFC 6582 3.2 step 2). */
	DUPACK(&c, una);
	DUPACK(&c, una);
	DUPACK(&c, una);
	NOTHING(&c);
	ck_assert(!(tcb->flags & PMT_TF_IN_RECOVERY));
	tstack_expect_stats(t, IN(3), OUT(1), DATA(1),
			    { "tcp_rto_timeouts", 1 },
			    { "tcp_rx_dupacks", 3 },
			    { "tcp_dupacks_counted", 3 },
			    { "tcp_tx_rexmit_segs", 1 },
			    { "tcp_tx_rexmit_rto", 1 },
			    { "tcp_tx_rexmit_bytes", MSS_TS });
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 10 * MSS_TS, .flags = ACK);
	NOTHING(&c);
	tstack_advance(t, 10 * RTO_MIN_US);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

START_TEST(tail_loss_recovered_by_rto)
{
	/* Without SACK no tail-loss probe can tell what it found. */
	static const struct peer_syn no_sack = { O_MSS | O_WS | O_TS, MTU_MSS,
						 PEER_WS };
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;

	conn_init(&c, NULL);
	passive_open(&c, &no_sack, 0);
	t = c.t;
	tcb = tcb_of(&c);
	send_pat(&c, una, 10 * MSS_TS, 0);
	expect_segs(&c, __LINE__, una, 0, 10, 9);
	tstack_advance(t, 5 * MS);
	/* Segments 8 and 9 lost: no duplicate ACK will ever come. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 8 * MSS_TS, .flags = ACK);
	NOTHING(&c);
	tstack_mark(t);
	tstack_advance(t, tcb->rto - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	expect_segs(&c, __LINE__, una, 8, 1, 9);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 9 * MSS_TS, .flags = ACK);
	expect_segs(&c, __LINE__, una, 9, 1, 9);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 10 * MSS_TS, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(2), DATA(2),
			    { "tcp_rto_timeouts", 1 },
			    { "tcp_tx_rexmit_segs", 2 },
			    { "tcp_tx_rexmit_rto", 2 },
			    { "tcp_tx_rexmit_bytes", 2 * MSS_TS });
	tstack_free(t);
}
END_TEST

/* Read every segment sent: each is data within [@lo, @hi), at most one MSS. */
static unsigned int
drain_rexmits(struct conn *c, uint32_t lo, uint32_t hi)
{
	static uint8_t pay[2048];
	struct pmt_tcp_seg seg;
	struct rte_mbuf *m;
	unsigned int n = 0;

	while ((m = tstack_tcp_tx(c->t, &seg, pay, sizeof(pay))) != NULL) {
		rte_pktmbuf_free(m);
		n++;
		ck_assert_uint_gt(seg.len, 0);
		ck_assert_uint_le(seg.len, MSS_TS);
		ck_assert(pmt_seq_geq(seg.seq, lo));
		ck_assert(pmt_seq_leq(seg.seq + seg.len, hi));
	}
	return n;
}

/* tcp_timer.c TLP_SLACK_OPEN_US: what the PTO adds to 2 SRTT with more
 * than one segment out, outside recovery (TLP_SLACK_US, in recovery,
 * is less). */
#define PTO_SLACK_US 2000u
/* tcp_timer.c TLP_SLACK_US: the same in recovery. */
#define PTO_SLACK_REC_US 500u
/* What window_out() lets pass: less than any PTO. */
#define WINDOW_OUT_US 100u

/*
 * ESTABLISHED with every option, @total segments queued, the first
 * @out of them sent (PSH on @psh_at), and 100 us gone: under 2 SRTT +
 * 500 us, so no tail-loss probe yet. @cc < 0 keeps the default
 * algorithm. Returns the TCB.
 */
static struct pmt_tcb *
window_out(struct conn *c, unsigned int total, unsigned int out,
	   unsigned int psh_at, int cc)
{
	const uint32_t una = OUR_ISS + 1;

	est(c, NULL);
	if (cc >= 0)
		use_cc(c, cc);
	send_pat(c, una, total * MSS_TS, 0);
	expect_segs(c, __LINE__, una, 0, out, psh_at);
	tstack_advance(c->t, WINDOW_OUT_US);
	return tcb_of(c);
}

/*
 * ESTABLISHED, the peer's window 10 segments and a little (114 << 7),
 * 20 segments queued and the first 10 sent: the rest waits for the
 * window. Returns the TCB.
 */
static struct pmt_tcb *
window_limited_out(struct conn *c)
{
	const uint32_t una = OUR_ISS + 1;

	est(c, NULL);
	INJECT(c, .seq = PEER_ISS + 1, .ack = una, .flags = ACK, .wnd = 114);
	send_pat(c, una, 20 * MSS_TS, 0);
	expect_segs(c, __LINE__, una, 0, 10, 99);
	NOTHING(c);
	return tcb_of(c);
}

/* Our SACK blocks as the peer sends them: segments [a, b) from @una. */
#define OSACK1(una, a, b) .n_sack = 1,					\
	.sack = { { (una) + (a) * MSS_TS, (una) + (b) * MSS_TS } }

/*
 * RFC 6675 with one loss: SACKed segments above the hole make it lost
 * by the third duplicate; the hole goes once, nothing else does (pipe
 * is above cwnd), and the full ACK ends recovery.
 */
START_TEST(sack_recovery_single_loss)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;

	/* ssthresh = FlightSize / 2 keeps the arithmetic in halves. */
	tcb = window_out(&c, 10, 10, 9, PMT_CC_NEWRENO);
	t = c.t;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 2 * MSS_TS, .flags = ACK);
	NOTHING(&c);
	tstack_mark(t);
	/* Segment 2 lost; 3, 4 and 5 arrive. */
	DUPACK(&c, una + 2 * MSS_TS, OSACK1(una, 3, 4));
	NOTHING(&c);
	DUPACK(&c, una + 2 * MSS_TS, OSACK1(una, 3, 5));
	NOTHING(&c);
	ck_assert(!(tcb->flags & PMT_TF_IN_RECOVERY));
	DUPACK(&c, una + 2 * MSS_TS, OSACK1(una, 3, 6));
	expect_segs(&c, __LINE__, una, 2, 1, 9);
	NOTHING(&c);
	ck_assert(tcb->flags & PMT_TF_IN_RECOVERY);
	tstack_expect_stats(t, IN(3), OUT(1), DATA(1),
			    { "tcp_rx_dupacks", 3 },
			    { "tcp_dupacks_counted", 3 },
			    { "tcp_rx_sack_blocks", 3 },
			    { "tcp_ext_allocs", 1 },
			    { "tcp_tx_fast_rexmit", 1 },
			    { "tcp_sack_recoveries", 1 },
			    { "tcp_tx_rexmit_segs", 1 },
			    { "tcp_tx_rexmit_fast", 1 },
			    { "tcp_tx_rexmit_sack", 1 },
			    { "tcp_tx_rexmit_bytes", MSS_TS });
	/* The hole filled: a partial ACK below the recovery point. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 6 * MSS_TS, .flags = ACK);
	NOTHING(&c);
	ck_assert(tcb->flags & PMT_TF_IN_RECOVERY);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 10 * MSS_TS, .flags = ACK);
	NOTHING(&c);
	ck_assert(!(tcb->flags & PMT_TF_IN_RECOVERY));
	/* PRR's end (RFC 6937 3): cwnd = ssthresh = 8 out / 2, not
	 * NewReno's FlightSize + SMSS, which nothing out would make 2. */
	ck_assert_uint_eq(tcb->ssthresh, 4 * MSS_TS);
	ck_assert_uint_eq(tcb->cwnd, 4 * MSS_TS);
	tstack_expect_stats(t, IN(2));
	tstack_free(t);
}
END_TEST

/*
 * RFC 8985 6.3: one segment SACKed above a hole (a window too small for
 * three duplicates) and nothing more: after the reordering window
 * (SRTT / 4, at least 1 ms) the hole is lost, and goes; no probe, no RTO.
 */
START_TEST(rack_reordering_timer_finds_a_lone_hole)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;
	uint64_t reo;

	tcb = window_out(&c, 4, 4, 3, -1);
	t = c.t;
	/* A path of 4 ms: the probe (2 SRTT + 500 us) comes after the
	 * reordering window (1 ms); on the test's own SRTT of a few
	 * hundred microseconds the probe would come first. */
	tcb->srtt = 4 * MS << 3;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 2 * MSS_TS, .flags = ACK);
	NOTHING(&c);
	tstack_mark(t);
	/* Segment 2 lost, 3 arrived: one duplicate, nothing is IsLost(). */
	DUPACK(&c, una + 2 * MSS_TS, OSACK1(una, 3, 4));
	NOTHING(&c);
	ck_assert(tcb->flags & PMT_TF_REO);
	reo = RTE_MAX((uint64_t)(tcb->srtt >> 3) / 4, (uint64_t)MS);
	tstack_advance(t, reo - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	expect_segs(&c, __LINE__, una, 2, 1, 3);
	NOTHING(&c);
	ck_assert(tcb->flags & PMT_TF_IN_RECOVERY);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 4 * MSS_TS, .flags = ACK);
	NOTHING(&c);
	ck_assert(!(tcb->flags & PMT_TF_IN_RECOVERY));
	tstack_advance(t, 10 * RTO_MIN_US);
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(1), DATA(1),
			    { "tcp_rx_dupacks", 1 },
			    { "tcp_dupacks_counted", 1 },
			    { "tcp_rx_sack_blocks", 1 },
			    { "tcp_ext_allocs", 1 },
			    { "tcp_rack_reo_timeouts", 1 },
			    { "tcp_tx_fast_rexmit", 1 },
			    { "tcp_sack_recoveries", 1 },
			    { "tcp_tx_rexmit_segs", 1 },
			    { "tcp_tx_rexmit_fast", 1 },
			    { "tcp_tx_rexmit_sack", 1 },
			    { "tcp_tx_rexmit_bytes", MSS_TS });
	tstack_free(t);
}
END_TEST

/*
 * Several holes in one window go in the same round trip, as pipe
 * allows (NewReno would send one per round trip), and a stretch ACK
 * that SACKs three segments at once starts recovery by itself.
 */
START_TEST(sack_recovery_many_losses_one_rtt)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;

	tcb = window_out(&c, 10, 10, 9, -1);
	t = c.t;
	tstack_mark(t);
	/* 1, 3 and 5 lost; one ACK says so (0 acked; 2, 4, 6-9 held). */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 1 * MSS_TS, .flags = ACK,
	       .n_sack = 3,
	       .sack = { { una + 6 * MSS_TS, una + 10 * MSS_TS },
			 { una + 4 * MSS_TS, una + 5 * MSS_TS },
			 { una + 2 * MSS_TS, una + 3 * MSS_TS } });
	/*
	 * FlightSize 9 -> cwnd = ssthresh = 4.5 segments. Every hole is
	 * lost (SACKed data above each), so pipe counts only what is
	 * retransmitted and not SACKed: 1 after the first, 2 after the
	 * second, 3 after the third; then 3 + 1 > 4.5 and it stops.
	 */
	expect_segs(&c, __LINE__, una, 1, 1, 9);
	expect_segs(&c, __LINE__, una, 3, 1, 9);
	expect_segs(&c, __LINE__, una, 5, 1, 9);
	NOTHING(&c);
	ck_assert(tcb->flags & PMT_TF_IN_RECOVERY);
	/* The retransmissions of 3 and 5 arrive, that of 1 not: it was
	 * overtaken, so lost, and goes again (no RTO). */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 1 * MSS_TS, .flags = ACK,
	       OSACK1(una, 2, 10));
	expect_segs(&c, __LINE__, una, 1, 1, 9);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 10 * MSS_TS, .flags = ACK);
	NOTHING(&c);
	ck_assert(!(tcb->flags & PMT_TF_IN_RECOVERY));
	tstack_expect_stats(t, IN(3), OUT(4), DATA(4),
			    { "tcp_rx_dupacks", 1 },
			    { "tcp_dupacks_counted", 1 },
			    { "tcp_rx_sack_blocks", 4 },
			    { "tcp_ext_allocs", 1 },
			    { "tcp_tx_fast_rexmit", 1 },
			    { "tcp_sack_recoveries", 1 },
			    { "tcp_rexmit_lost_rexmit", 1 },
			    { "tcp_tx_rexmit_segs", 4 },
			    { "tcp_tx_rexmit_fast", 4 },
			    { "tcp_tx_rexmit_sack", 4 },
			    { "tcp_tx_rexmit_bytes", 4 * MSS_TS });
	tstack_free(t);
}
END_TEST

/*
 * A lost retransmission: new data sent after it is SACKed (three
 * segments' worth above its mark), so it goes again at once, with no
 * retransmission timeout.
 */
START_TEST(sack_lost_retransmission_resent)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;

	/* ssthresh = FlightSize / 2 keeps the arithmetic in halves. */
	tcb = window_out(&c, 20, 10, 99, PMT_CC_NEWRENO);
	t = c.t;
	tstack_mark(t);
	/* Segment 0 lost: Limited Transmit sends 10 and 11. */
	DUPACK(&c, una, OSACK1(una, 1, 2));
	expect_segs(&c, __LINE__, una, 10, 1, 99);
	DUPACK(&c, una, OSACK1(una, 1, 3));
	expect_segs(&c, __LINE__, una, 11, 1, 99);
	DUPACK(&c, una, OSACK1(una, 1, 4));
	expect_segs(&c, __LINE__, una, 0, 1, 99);
	NOTHING(&c);
	/* 1-11 held: pipe is 1 retransmission, cwnd 5: 4 new segments. */
	DUPACK(&c, una, OSACK1(una, 1, 12));
	expect_segs(&c, __LINE__, una, 12, 4, 99);
	NOTHING(&c);
	/* 12-14 held, 0 still missing: its retransmission was lost. */
	DUPACK(&c, una, OSACK1(una, 1, 15));
	expect_segs(&c, __LINE__, una, 0, 1, 99);
	expect_segs(&c, __LINE__, una, 16, 3, 99);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 19 * MSS_TS, .flags = ACK);
	ck_assert(!(tcb->flags & PMT_TF_IN_RECOVERY));
	expect_segs(&c, __LINE__, una, 19, 1, 19);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 20 * MSS_TS, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(7), OUT(12), DATA(12),
			    { "tcp_rx_dupacks", 5 },
			    { "tcp_dupacks_counted", 5 },
			    { "tcp_rx_sack_blocks", 5 },
			    { "tcp_ext_allocs", 1 },
			    { "tcp_limited_transmit", 2 },
			    { "tcp_tx_fast_rexmit", 1 },
			    { "tcp_sack_recoveries", 1 },
			    { "tcp_rexmit_lost_rexmit", 1 },
			    { "tcp_tx_rexmit_segs", 2 },
			    { "tcp_tx_rexmit_fast", 2 },
			    { "tcp_tx_rexmit_sack", 2 },
			    { "tcp_tx_rexmit_bytes", 2 * MSS_TS });
	ck_assert_uint_eq(tstack_stat(t, "tcp_rto_timeouts"), 0);
	tstack_free(t);
}
END_TEST

/*
 * RFC 8985 7: the last two segments lost and no ACK to say so. The
 * probe timeout (2 SRTT, long before the RTO) resends the last
 * segment; the peer SACKs it, which shows the segment before it lost:
 * recovery resends it. No retransmission timeout.
 */
START_TEST(tail_loss_probe_then_sack_recovery)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;
	uint64_t pto;

	tcb = window_out(&c, 10, 10, 9, -1);
	t = c.t;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 8 * MSS_TS, .flags = ACK);
	NOTHING(&c);
	ck_assert(tcb->flags & PMT_TF_PTO);
	pto = 2 * (uint64_t)(tcb->srtt >> 3) + PTO_SLACK_US;	/* two segments out */
	ck_assert_uint_lt(pto, tcb->rto);
	tstack_mark(t);
	tstack_advance(t, pto - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	expect_segs(&c, __LINE__, una, 9, 1, 9);
	NOTHING(&c);
	/* Should the probe draw no answer, another comes, backed off. */
	ck_assert(tcb->flags & PMT_TF_PTO);
	/* The probe SACKed: segment 8 was lost. */
	DUPACK(&c, una + 8 * MSS_TS, OSACK1(una, 9, 10));
	expect_segs(&c, __LINE__, una, 8, 1, 9);
	NOTHING(&c);
	/* In recovery the probe's slack is the short one (500 us). */
	ck_assert(tcb->flags & PMT_TF_IN_RECOVERY);
	ck_assert(tcb->flags & PMT_TF_PTO);
	ck_assert_uint_eq(pmt_tcp_timer_deadline(tcb, PMT_TCPT_REXMT) - t->now,
			  2 * (uint64_t)(tcb->srtt >> 3) + PTO_SLACK_REC_US);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 10 * MSS_TS, .flags = ACK);
	NOTHING(&c);
	tstack_advance(t, 10 * RTO_MIN_US);
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(2), DATA(2),
			    { "tcp_rx_dupacks", 1 },
			    { "tcp_dupacks_counted", 1 },
			    { "tcp_rx_sack_blocks", 1 },
			    { "tcp_ext_allocs", 1 },
			    { "tcp_tlp_probes", 1 },
			    { "tcp_tlp_recovered", 1 },
			    { "tcp_tx_fast_rexmit", 1 },
			    { "tcp_sack_recoveries", 1 },
			    { "tcp_tx_rexmit_segs", 2 },
			    { "tcp_tx_rexmit_tlp", 1 },
			    { "tcp_tx_rexmit_fast", 1 },
			    { "tcp_tx_rexmit_sack", 1 },
			    { "tcp_tx_rexmit_bytes", 2 * MSS_TS });
	tstack_free(t);
}
END_TEST

/*
 * Only ACKs lost: all ten segments arrived, and neither their ACKs nor
 * the first probe's (new data) come back. A probe that draws no answer
 * is followed by another after twice the wait, and that one resends the
 * last segment (a duplicate, which the peer answers at once, where it
 * may hold the ACK of new data): up to six probes, each later than the
 * one before and never later than the RTO, before the RTO. The answer
 * D-SACKs the probe: nothing was lost, cwnd is left alone.
 */
START_TEST(tail_loss_probes_repeat_when_acks_are_lost)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;
	uint32_t cwnd;
	uint64_t pto;
	unsigned int k;

	tcb = window_out(&c, 11, 10, 99, -1);
	t = c.t;
	cwnd = tcb->cwnd;
	ck_assert(tcb->flags & PMT_TF_PTO);
	pto = 2 * (uint64_t)(tcb->srtt >> 3) + PTO_SLACK_US;
	tstack_mark(t);
	/* The first probe: segment 10, new data (window_out() let
	 * WINDOW_OUT_US of it pass). */
	tstack_advance(t, pto - WINDOW_OUT_US);
	expect_segs(&c, __LINE__, una, 10, 1, 10);
	NOTHING(&c);
	/* Then the last segment again, each after twice the last wait. */
	for (k = 1; k < 6; k++) {
		tstack_advance(t, (pto << k) - 1);
		NOTHING(&c);
		tstack_advance(t, 1);
		expect_segs(&c, __LINE__, una, 10, 1, 10);
		NOTHING(&c);
	}
	/* Six unanswered: only the RTO is left, from the last probe. */
	ck_assert(!(tcb->flags & PMT_TF_PTO));
	ck_assert_uint_eq(tstack_stat(t, "tcp_rto_timeouts"), 0);
	/* The answer: all of it, and a D-SACK of the probe. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 11 * MSS_TS, .flags = ACK,
	       OSACK1(una, 10, 11));
	NOTHING(&c);
	ck_assert_uint_eq(tcb->snd_una, una + 11 * MSS_TS);
	ck_assert_uint_ge(tcb->cwnd, cwnd);
	ck_assert(!(tcb->flags & PMT_TF_IN_RECOVERY));
	tstack_advance(t, 10 * RTO_MIN_US);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(6), DATA(6),
			    { "tcp_rx_sack_blocks", 1 },
			    { "tcp_rx_dsack", 1 },
			    { "tcp_ext_allocs", 1 },
			    { "tcp_tlp_probes", 6 },
			    { "tcp_tx_rexmit_segs", 5 },
			    { "tcp_tx_rexmit_tlp", 5 },
			    { "tcp_tx_rexmit_bytes", 5 * MSS_TS });
	tstack_free(t);
}
END_TEST

/*
 * The probe when the peer's window holds back the rest of the queue:
 * the last segment *sent* goes again, never bytes past SND.MAX (which
 * the peer would take, leaving its ACKs above anything we sent).
 */
START_TEST(tail_loss_probe_never_past_snd_max)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;
	unsigned int i;
	uint64_t pto;

	tcb = window_limited_out(&c);
	t = c.t;
	tstack_mark(t);
	ck_assert(tcb->flags & PMT_TF_PTO);
	pto = 2 * (uint64_t)(tcb->srtt >> 3) + PTO_SLACK_US;
	tstack_advance(t, pto);
	expect_segs(&c, __LINE__, una, 9, 1, 99);
	NOTHING(&c);
	ck_assert_uint_eq(tcb->snd_max, una + 10 * MSS_TS);
	tstack_expect_stats(t, OUT(1), DATA(1), { "tcp_ext_allocs", 1 },
			    { "tcp_tlp_probes", 1 },
			    { "tcp_tx_rexmit_tlp", 1 },
			    { "tcp_tx_rexmit_segs", 1 },
			    { "tcp_tx_rexmit_bytes", MSS_TS });
	/* The rest goes as the window opens. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 10 * MSS_TS, .flags = ACK);
	tstack_free_all_tx(&c);
	for (i = 0; i < 5 && tcb->snd_una != una + 20 * MSS_TS; i++) {
		INJECT(&c, .seq = PEER_ISS + 1, .ack = tcb->snd_max, .flags = ACK);
		tstack_free_all_tx(&c);
	}
	ck_assert_uint_eq(tcb->snd_una, una + 20 * MSS_TS);
	tstack_free(t);
}
END_TEST

/*
 * A probe's retransmission repaired a loss (its ACK has no D-SACK): cwnd
 * is cut once, and recover moves to SND.MAX, above data sent after the
 * probe. A hole in that data is still repaired at once by SACK
 * recovery, without a second cut for the same window (RFC 5681 3.2).
 * Refused (as RFC 6582's careful check refuses duplicate ACKs below
 * recover), the hole was left to the RTO while each probe sent one new
 * segment.
 */
START_TEST(sack_recovery_below_recover_repairs_without_second_cut)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;
	uint32_t ssthresh, cwnd;
	uint64_t pto;

	tcb = window_limited_out(&c);
	t = c.t;
	pto = 2 * (uint64_t)(tcb->srtt >> 3) + PTO_SLACK_US;
	tstack_advance(t, pto);
	/* The window holds the rest back: the probe resends segment 9. */
	expect_segs(&c, __LINE__, una, 9, 1, 99);
	NOTHING(&c);
	/* 0-8 acknowledged: the window moves, 10-18 go. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 9 * MSS_TS, .flags = ACK,
	       .wnd = 114);
	expect_segs(&c, __LINE__, una, 10, 9, 99);
	NOTHING(&c);
	tstack_mark(t);
	/* 9 arrived by the probe (no D-SACK: the original was lost), 10 is
	 * lost, 11-18 arrived. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 10 * MSS_TS, .flags = ACK,
	       .wnd = 114, OSACK1(una, 11, 19));
	ck_assert_uint_eq(tstack_stat(t, "tcp_tlp_recovered"), 1);
	ck_assert_uint_eq(tcb->recover, una + 19 * MSS_TS);
	expect_segs(&c, __LINE__, una, 10, 1, 99);
	ck_assert(tcb->flags & PMT_TF_IN_RECOVERY);
	ssthresh = tcb->ssthresh;
	cwnd = tcb->cwnd;
	ck_assert_uint_le(cwnd, ssthresh);
	tstack_free_all_tx(&c);
	/* The repair is acknowledged: all of it. One cut, the probe's. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 19 * MSS_TS, .flags = ACK,
	       .wnd = 114);
	tstack_free_all_tx(&c);
	ck_assert(!(tcb->flags & PMT_TF_IN_RECOVERY));
	ck_assert_uint_eq(tcb->ssthresh, ssthresh);
	ck_assert_uint_eq(tstack_stat(t, "tcp_sack_recoveries"), 1);
	ck_assert_uint_eq(tstack_stat(t, "tcp_rto_timeouts"), 0);
	tstack_free(t);
}
END_TEST

/*
 * Crafted SACK blocks: beyond what we sent, reversed, below SND.UNA,
 * and a flood of one-byte blocks; each is ignored or bounded, counted,
 * and no retransmission follows from lies about data never sent.
 */
START_TEST(sack_blocks_hostile_are_bounded)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;
	uint32_t i;

	est(&c, NULL);
	t = c.t;
	tcb = tcb_of(&c);
	send_pat(&c, una, 10 * MSS_TS, 0);
	expect_segs(&c, __LINE__, una, 0, 10, 9);
	tstack_mark(t);
	/* Past SND.MAX, and reversed: ignored. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + MSS_TS, .flags = ACK,
	       .n_sack = 2,
	       .sack = { { una + 11 * MSS_TS, una + 12 * MSS_TS },
			 { una + 5 * MSS_TS, una + 4 * MSS_TS } });
	NOTHING(&c);
	ck_assert_uint_eq(tstack_stat(t, "tcp_rx_sack_ignored"), 2);
	ck_assert_uint_eq(pmt_tcp_ext_of(tcb)->sb.n, 0);
	/* 200 ACKs of 3 one-byte blocks each, all different: the
	 * scoreboard keeps at most 16 ranges. */
	for (i = 0; i < 200; i++) {
		uint32_t b = una + 2 * MSS_TS + 7 * i;

		INJECT(&c, .seq = PEER_ISS + 1, .ack = una + MSS_TS,
		       .flags = ACK, .n_sack = 3,
		       .sack = { { b, b + 1 }, { b + 3, b + 4 },
				 { b + 5, b + 6 } });
	}
	ck_assert_uint_le(pmt_tcp_ext_of(tcb)->sb.n, PMT_SACK_SB_MAX);
	ck_assert_uint_gt(tstack_stat(t, "tcp_rx_sack_forgotten"), 0);
	/* What went again: data we sent, a segment at a time, each byte
	 * unSACKed when it went: never the queue cut into crumbs. */
	drain_rexmits(&c, una, una + 10 * MSS_TS);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 10 * MSS_TS, .flags = ACK);
	drain_rexmits(&c, una, una + 10 * MSS_TS);
	tstack_free(t);
}
END_TEST

START_TEST(ack_loss_only_resends_nothing)
{
	struct conn c;
	struct tstack *t;
	uint32_t cwnd;
	const uint32_t una = OUR_ISS + 1;

	est(&c, NULL);
	t = c.t;
	send_pat(&c, una, 10 * MSS_TS, 0);
	expect_segs(&c, __LINE__, una, 0, 10, 9);
	/*
	 * The ACKs of 2, 4, 6 and 8 lost; the one of 10, late, covers all.
	 * Past 2 SRTT one tail-loss probe goes (RFC 8985 7.3; Linux sends
	 * it too); no RTO. The peer's D-SACK says the probe was a
	 * duplicate: no loss, cwnd kept (7.4).
	 */
	tstack_advance(t, RTO_MIN_US - 1);
	expect_segs(&c, __LINE__, una, 9, 1, 9);
	NOTHING(&c);
	cwnd = tcb_of(&c)->cwnd;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 10 * MSS_TS, .flags = ACK,
	       OSACK1(una, 9, 10));
	ck_assert_uint_ge(tcb_of(&c)->cwnd, cwnd);
	tstack_advance(t, 10 * RTO_MIN_US);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(11), DATA(11),
			    { "tcp_ext_allocs", 1 },
			    { "tcp_tlp_probes", 1 },
			    { "tcp_tx_rexmit_tlp", 1 },
			    { "tcp_tx_rexmit_segs", 1 },
			    { "tcp_tx_rexmit_bytes", MSS_TS },
			    { "tcp_rx_sack_blocks", 1 },
			    { "tcp_rx_dsack", 1 });
	tstack_free(t);
}
END_TEST

START_TEST(rto_restarted_by_each_new_ack)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;
	uint32_t acked = 0, total = 60 * MSS_TS;
	uint64_t elapsed = 0;

	est(&c, NULL);
	t = c.t;
	tcb = tcb_of(&c);
	send_pat(&c, una, total, 0);
	/* One segment acknowledged just before each RTO would fire, for
	 * longer than several RTOs: the timer restarts (RFC 6298 5.3). */
	while (acked < 12 * MSS_TS) {
		drain(t);
		elapsed += tcb->rto - 1;
		tstack_advance(t, tcb->rto - 1);
		acked += MSS_TS;
		INJECT(&c, .seq = PEER_ISS + 1, .ack = una + acked, .flags = ACK);
	}
	drain(t);
	ck_assert_uint_gt(elapsed, 4 * RTO_MIN_US);
	ck_assert_uint_eq(tstack_stat(t, "tcp_rto_timeouts"), 0);
	ck_assert_uint_eq(tstack_stat(t, "tcp_tx_rexmit_segs"), 0);
	/* Everything else acknowledged: nothing is resent, ever. */
	while (tcb->snd_una != una + total) {
		INJECT(&c, .seq = PEER_ISS + 1, .ack = tcb->snd_max,
		       .flags = ACK);
		drain(t);
	}
	tstack_advance(t, 10 * RTO_MIN_US);
	NOTHING(&c);
	ck_assert_uint_eq(tstack_stat(t, "tcp_tx_rexmit_segs"), 0);
	tstack_free(t);
}
END_TEST

START_TEST(spurious_rto_undone_by_eifel)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;
	uint32_t ts_sent, srtt, rto;

	/* The RTO's own undo: no tail-loss probe (no SACK) before it. */
	conn_init(&c, NULL);
	passive_open(&c, &no_sack_syn, 0);
	t = c.t;
	tcb = tcb_of(&c);
	srtt = tcb->srtt;
	rto = tcb->rto;
	send_pat(&c, una, 6 * MSS_TS, 0);
	ts_sent = ts_ours(&c);
	expect_segs(&c, __LINE__, una, 0, 6, 5);
	tstack_mark(t);
	/* The path stalls past the RTO: segment 0 goes again. */
	tstack_advance(t, RTO_MIN_US);
	expect_segs(&c, __LINE__, una, 0, 1, 5);
	NOTHING(&c);
	ck_assert_uint_eq(tcb->cwnd, MSS_TS);
	/* The ACK for the originals echoes their TSval, older than the
	 * retransmission's: spurious (RFC 3522). No go-back-N of 2-5,
	 * cwnd = FlightSize + acked, ssthresh as before (RFC 4015). */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 2 * MSS_TS, .flags = ACK,
	       .tsecr = ts_sent);
	NOTHING(&c);
	ck_assert_uint_eq(tcb->snd_nxt, una + 6 * MSS_TS);
	ck_assert_uint_eq(tcb->cwnd, 6 * MSS_TS);
	ck_assert_uint_eq(tcb->ssthresh, UINT32_MAX);
	/* Not RFC 4015 step (6): the 200 ms it took was the RTO's, not
	 * the path's (lost ACKs look the same); the estimate stands. */
	ck_assert_uint_eq(tcb->srtt, srtt);
	ck_assert_uint_eq(tcb->rto, rto);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 6 * MSS_TS, .flags = ACK,
	       .tsecr = ts_sent);
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(1), DATA(1),
			    { "tcp_rto_timeouts", 1 },
			    { "tcp_spurious_rto", 1 },
			    { "tcp_tx_rexmit_segs", 1 },
			    { "tcp_tx_rexmit_rto", 1 },
			    { "tcp_tx_rexmit_bytes", MSS_TS });
	tstack_advance(t, 10 * RTO_MIN_US);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

START_TEST(rtt_from_timestamps_after_rto)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	const uint32_t una = OUR_ISS + 1;
	uint32_t ts_rexmit;

	est(&c, NULL);
	t = c.t;
	tcb = tcb_of(&c);
	send_pat(&c, una, 100, 0);
	EXPECT(&c, .seq = una, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 100);
	tstack_advance(t, RTO_MIN_US);
	ts_rexmit = ts_ours(&c);
	EXPECT(&c, .seq = una, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 100);
	/* Its ACK echoes the retransmission's TSval: a real sample of
	 * 30 ms (RFC 7323 4.3), where Karn would have none. */
	tstack_advance(t, 30 * MS);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = una + 100, .flags = ACK,
	       .tsecr = ts_rexmit);
	NOTHING(&c);
	ck_assert_uint_eq(tstack_stat(t, "tcp_spurious_rto") -
			  t->mark.tcp_spurious_rto, 0);
	/* The first sample of the estimator after the handshake's (0):
	 * SRTT moves by 1/8 of 30 ms. */
	ck_assert_uint_ge(tcb->srtt, 30 * MS);
	ck_assert_uint_le(tcb->srtt, 30 * MS + 8);
	tstack_free(t);
}
END_TEST

/* The initial window by MSS (RFC 6928) and by who opened. */
static const struct iw_case {
	bool active;
	bool jumbo;
	struct peer_syn syn;
	uint16_t maxseg;
	unsigned int segs;
} iw_cases[] = {
	{ false, false, { O_ALL, 1460, PEER_WS }, 1448, 10 },
	{ true, false, { O_ALL, 1460, PEER_WS }, 1448, 10 },
	{ false, false, { O_MSS | O_WS, 1460, PEER_WS }, 1460, 10 },
	{ true, false, { O_WS, 0, PEER_WS }, 536, 10 },
	{ false, true, { O_MSS | O_WS, 8960, PEER_WS }, 8960, 2 },
	{ true, true, { O_MSS | O_WS, 8960, PEER_WS }, 8960, 2 },
};

START_TEST(initial_window)
{
	const struct iw_case *ic = &iw_cases[_i];
	struct conn c;
	struct tstack *t;
	unsigned int i;
	uint32_t n = 40000;
	/* RFC 6928: min(10 * MSS, max(2 * MSS, 14600)). */
	uint32_t iw = RTE_MIN(10u * ic->maxseg, RTE_MAX(2u * ic->maxseg, 14600u));

	conn_init(&c, ic->jumbo ? cfg_jumbo : cfg_tcp);
	t = c.t;
	if (ic->active)
		active_open(&c, &ic->syn);
	else
		passive_open(&c, &ic->syn, 0);
	/* The peer offers far more than the initial window. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK);
	ck_assert_uint_eq(tcb_of(&c)->cwnd, iw);
	ck_assert_uint_eq(iw / ic->maxseg, ic->segs);
	send_pat(&c, OUR_ISS + 1, n, 0);
	for (i = 0; i < ic->segs; i++)
		EXPECT(&c, .seq = OUR_ISS + 1 + i * ic->maxseg,
		       .ack = PEER_ISS + 1, .flags = ACK, .len = ic->maxseg);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(ic->segs), DATA(ic->segs));
	tstack_advance(t, FLUSH_US);
	tstack_advance(t, DELACK_US);
	if (ic->syn.opts & O_SACKP) {
		/* RFC 8985 7.3: no ACK for 2 SRTT: the probe is one
		 * segment of new data, past cwnd; then only the RTO. */
		EXPECT(&c, .seq = OUR_ISS + 1 + ic->segs * ic->maxseg,
		       .ack = PEER_ISS + 1, .flags = ACK, .len = ic->maxseg);
		NOTHING(&c);
		tstack_expect_stats(t, OUT(1), DATA(1), { "tcp_tlp_probes", 1 },
				    { "tcp_ext_allocs", 1 });
	}
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

#define KEEP_IDLE_S 2
#define KEEP_INTVL_S 1

static void
cfg_keepalive(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_keep_idle_s = KEEP_IDLE_S;
	cfg->tcp_keep_intvl_s = KEEP_INTVL_S;
	cfg->tcp_keep_probes = 2;
}

START_TEST(keepalive_probes_then_times_out)
{
	struct conn c;
	struct tstack *t;
	struct evs e;

	est(&c, cfg_keepalive);
	t = c.t;
	ck_assert_int_eq(pmt_setsockopt(t->eng, c.fd, PMT_SO_KEEPALIVE, 1), 0);
	/* RFC 9293 3.8.4: after the idle time, SEG.SEQ = SND.NXT - 1. */
	tstack_advance(t, KEEP_IDLE_S * SEC - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = ACK);
	/* Answered: idle again, from the answer. */
	tstack_advance(t, 10 * MS);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK);
	NOTHING(&c);
	tstack_advance(t, KEEP_IDLE_S * SEC - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = ACK);
	/* Unanswered: probes every interval, then the connection goes. */
	tstack_advance(t, KEEP_INTVL_S * SEC);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = ACK);
	tstack_advance(t, KEEP_INTVL_S * SEC - 1);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_ESTABLISHED);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS + 1, .flags = RST, .wnd = 0, .no_ts = true);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_CLOSED);
	tstack_expect_stats(t, IN(1), OUT(4), { "tcp_tx_keepalives", 3 },
			    { "tcp_conn_timeouts", 1 }, { "tcp_tx_rst", 1 },
			    { "tcp_conn_closed", 1 });
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_ERR | PMT_EV_IN | PMT_EV_OUT |
			  PMT_EV_HUP);
	ck_assert_int_eq(sock_error(t, c.fd), ETIMEDOUT);
	tstack_free(t);
}
END_TEST

/* RFC 1122 4.2.3.6's two hours: past the deadline's microsecond range. */
static void
cfg_keepalive_hours(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_keep_idle_s = 7200;
	cfg->tcp_keep_intvl_s = 75;
	cfg->tcp_keep_probes = 2;
}

/*
 * A deadline two hours out is kept in units of 1024 us (tcp_timer.c):
 * it fires within a millisecond after its time, never before, and
 * across the clock's wrap (the test clock passes 2^64 on the way).
 */
/*
 * The TCB's 32-bit deadlines, against a model: a deadline within 2^30
 * us is kept to the microsecond, a later one rounded up to 1024 us
 * (never early); either reads back the same from any clock between
 * its arming and 2^28 us after it is due (what a clock jump past that
 * restates), and no deadline encodes as 0 ("off"). Clocks anywhere in
 * 64 bits, the wrap included; seeded.
 */
START_TEST(deadline_in_32_bits_reads_back_whole)
{
	uint64_t seed = UINT64_C(0x853c49e6748fea9b), now, when, at, later;
	unsigned int i;
	uint32_t d;

	for (i = 0; i < 200000; i++) {
		uint64_t r, delta;

		seed ^= seed >> 12;
		seed ^= seed << 25;
		seed ^= seed >> 27;
		r = seed * UINT64_C(2685821657736338717);
		/* a quarter of the clocks within 2^32 us of the wrap */
		now = (i % 4 == 0) ? (uint64_t)0 - (r >> 32) : r;
		switch (i % 3) {
		case 0:
			delta = (r >> 7) & ((UINT64_C(1) << 20) - 1);
			break;
		case 1:
			delta = (r >> 3) & ((UINT64_C(1) << 30) - 1);
			break;
		default:
			/* up to 6.4 days: the long form is good for
			 * 12 (keepalive's idle is at most one) */
			delta = (UINT64_C(1) << 30) +
				((r >> 5) & ((UINT64_C(1) << 39) - 1));
			break;
		}
		when = now + delta;
		d = pmt_tcp_tmr_encode(when, now, &at);
		ck_assert_uint_ne(d, 0);
		if (delta < (UINT64_C(1) << 30))
			ck_assert_msg(at == when || (at == when + 1 &&
						     (uint32_t)(when & 0x7fffffff) == 0),
				      "near deadline moved: +%" PRIu64, at - when);
		else
			ck_assert_msg(at - when < 1024,
				      "far deadline +%" PRIu64 " us", at - when);
		ck_assert_uint_eq(pmt_tcp_tmr_decode(d, now), at);
		later = now + (r % (at - now + (UINT64_C(1) << 28)));
		ck_assert_uint_eq(pmt_tcp_tmr_decode(d, later), at);
		ck_assert_uint_eq(pmt_tcp_tmr_decode(d, at +
						     (UINT64_C(1) << 28) - 1024), at);
	}
}
END_TEST

START_TEST(keepalive_hours_away_fires_on_time_across_the_wrap)
{
	struct conn c;
	struct tstack *t;

	est(&c, cfg_keepalive_hours);
	t = c.t;
	ck_assert_int_eq(pmt_setsockopt(t->eng, c.fd, PMT_SO_KEEPALIVE, 1), 0);
	tstack_advance(t, 7200 * SEC - 1);
	NOTHING(&c);
	ck_assert_uint_lt(t->now, TSTACK_T0);	/* the clock wrapped */
	tstack_advance(t, 1024);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = ACK);
	/* The interval is short: to the microsecond again. */
	tstack_advance(t, 75 * SEC - 1);
	NOTHING(&c);
	tstack_advance(t, 1);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = ACK);
	STATE(&c, PMT_TCPS_ESTABLISHED);
	tstack_expect_stats(t, OUT(2), { "tcp_tx_keepalives", 2 });
	tstack_free(t);
}
END_TEST

/* ================= TIME-WAIT: reuse and recycling ================= */

#define SMALL_POOL 16			/* the fewest tcp_max_sockets allowed */
#define TW_PORT 30000			/* the first peer port of the pool tests */

static void
cfg_small_pool(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_max_sockets = SMALL_POOL;
}

static const struct peer_syn mss_syn = { O_MSS, MTU_MSS, 0 };

/* Our ISS for the pair of @c, were its SYN to arrive now (RFC 6528). */
static uint32_t
iss_now(const struct conn *c)
{
	struct pmt_flow_key k = {
		.laddr = ts_ip(TS_OUR_IP), .raddr = ts_ip(TS_PEER_IP),
		.lport = rte_cpu_to_be_16(c->lport),
		.rport = rte_cpu_to_be_16(c->rport),
	};

	return pmt_tcp_isn(&c->t->eng->tcp.secret, &k, c->t->now);
}

static uint32_t
iss_of_port(const struct conn *c, uint16_t rport)
{
	struct conn o = *c;

	o.rport = rport;
	return iss_now(&o);
}

/*
 * Passive open of the pair of @c (its peer port set) with only the MSS
 * option: no timestamps, no scaling, so any ISS will do. Accepted, its
 * events read. Returns our ISS. Counters are the caller's.
 */
static uint32_t
plain_open(struct conn *c)
{
	struct tstack *t = c->t;
	uint32_t iss = iss_now(c);

	c->ts = false;
	conn_windows(c, &mss_syn);
	INJECT(c, .seq = PEER_ISS, .flags = SYN, .opts = O_MSS, .mss = MTU_MSS);
	EXPECT(c, .seq = iss, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .opts = O_MSS, .mss = c->mss);
	NOTHING(c);
	INJECT(c, .seq = PEER_ISS + 1, .ack = iss + 1, .flags = ACK);
	NOTHING(c);
	c->fd = pmt_accept(t->eng, c->lfd, NULL, NULL);
	ck_assert_int_ge(c->fd, 0);
	/* Read now: a TCB on the event list is not the pool's to reuse. */
	events(t);
	ck_assert_uint_eq(tcb_of(c)->state, PMT_TCPS_ESTABLISHED);
	return iss;
}

/* Active close of a plain_open() connection by close(), to TIME-WAIT. */
static void
plain_time_wait(struct conn *c, uint32_t iss)
{
	struct tstack *t = c->t;

	ck_assert_int_eq(pmt_close(t->eng, c->fd), 0);
	c->fd = -1;
	EXPECT(c, .seq = iss + 1, .ack = PEER_ISS + 1, .flags = FIN | ACK);
	INJECT(c, .seq = PEER_ISS + 1, .ack = iss + 2, .flags = FIN | ACK);
	EXPECT(c, .seq = iss + 2, .ack = PEER_ISS + 2, .flags = ACK);
	NOTHING(c);
	ck_assert_uint_eq(tcb_of(c)->state, PMT_TCPS_TIME_WAIT);
}

/*
 * A listener and TIME-WAIT connections from peer ports TW_PORT on, one
 * a millisecond, until the pool is empty; @iss gets each one's ISS.
 * Returns how many there are.
 */
static unsigned int
fill_with_time_wait(struct conn *c, uint32_t *iss, unsigned int cap)
{
	struct tstack *t = c->t;
	unsigned int n = 0;

	listen_on(c);
	ck_assert_uint_eq(tstack_tcbs(t), 1);
	tstack_mark(t);
	while (tstack_tcbs(t) < SMALL_POOL) {
		ck_assert_uint_lt(n, cap);
		c->rport = (uint16_t)(TW_PORT + n);
		iss[n] = plain_open(c);
		plain_time_wait(c, iss[n]);
		tstack_expect_stats(t, IN(3), OUT(3), SC_OPEN,
				    { "tcp_conn_established", 1 },
				    { "tcp_syncache_peak", n == 0 ? 1 : 0 });
		n++;
		tstack_advance(t, 1 * MS);
	}
	ck_assert_uint_eq(pmt_tcb_in_use(t->eng), t->eng->tcp.tcbs.cap);
	tstack_expect_stats(t);
	return n;
}

/* The TCB of peer port @rport, as a segment would find it. */
static struct pmt_tcb *
tcb_of_port(struct conn *c, uint16_t rport)
{
	uint16_t keep = c->rport;
	struct pmt_tcb *tcb;

	c->rport = rport;
	tcb = tcb_of(c);
	c->rport = keep;
	return tcb;
}

START_TEST(time_wait_recycled_when_out_of_tcbs)
{
	uint32_t iss[SMALL_POOL], new_iss;
	int fds[SMALL_POOL];
	struct conn c;
	struct tstack *t;
	unsigned int n, i, j;

	conn_init(&c, cfg_small_pool);
	t = c.t;
	n = fill_with_time_wait(&c, iss, RTE_DIM(iss));
	/* The listener and SMALL_POOL - 1 connections in TIME-WAIT. */
	ck_assert_uint_eq(n, SMALL_POOL - 1);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(tcb_of_port(&c, (uint16_t)(TW_PORT + i))->state,
				  PMT_TCPS_TIME_WAIT);

	/*
	 * Another peer port: no TCB left, so the oldest TIME-WAIT goes
	 * and its TCB takes the SYN. No tcp_no_tcb: nothing was refused.
	 */
	c.rport = (uint16_t)(TW_PORT + n);
	new_iss = plain_open(&c);
	fds[0] = c.fd;
	tstack_expect_stats(t, IN(2), OUT(1), SC_OPEN,
			    { "tcp_conn_established", 1 },
			    { "tcp_time_wait_recycled", 1 },
			    { "tcp_conn_closed", 1 });
	ck_assert_uint_eq(tstack_tcbs(t), SMALL_POOL);
	ck_assert_ptr_null(tcb_of_port(&c, TW_PORT));
	for (i = 1; i < n; i++)
		ck_assert_uint_eq(tcb_of_port(&c, (uint16_t)(TW_PORT + i))->state,
				  PMT_TCPS_TIME_WAIT);
	/* The recycled pair is no connection now: the peer's repeated FIN
	 * meets the listener's no-socket answer. */
	c.rport = TW_PORT;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = iss[0] + 2, .flags = FIN | ACK);
	EXPECT(&c, .seq = iss[0] + 2, .flags = RST, .wnd = 0);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_rx_no_socket", 1 },
			    { "tcp_tx_rst", 1 });
	/* The new connection is unharmed. */
	c.rport = (uint16_t)(TW_PORT + n);
	ck_assert_uint_eq(tcb_of(&c)->state, PMT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(tcb_of(&c)->snd_nxt, new_iss + 1);
	ck_assert_uint_eq(tcb_of(&c)->rcv_nxt, PEER_ISS + 1);

	/* Every further SYN takes the next oldest, in order. */
	for (j = 1; j < n; j++) {
		c.rport = (uint16_t)(TW_PORT + n + j);
		plain_open(&c);
		fds[j] = c.fd;
		tstack_expect_stats(t, IN(2), OUT(1), SC_OPEN,
				    { "tcp_conn_established", 1 },
				    { "tcp_time_wait_recycled", 1 },
				    { "tcp_conn_closed", 1 });
		ck_assert_ptr_null(tcb_of_port(&c, (uint16_t)(TW_PORT + j)));
		if (j + 1 < n)
			ck_assert_uint_eq(tcb_of_port(&c, (uint16_t)(TW_PORT + j + 1))->state,
					  PMT_TCPS_TIME_WAIT);
	}
	/* Now every TCB is busy and none is in TIME-WAIT: refused. */
	ck_assert_uint_eq(tstack_tcbs(t), SMALL_POOL);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(tcb_of_port(&c, (uint16_t)(TW_PORT + n + i))->state,
				  PMT_TCPS_ESTABLISHED);
	/*
	 * The SYN costs no TCB: the syncache answers it. The final ACK
	 * finds no TCB to make: dropped and counted, the entry kept (as
	 * for a full accept queue), so the peer's next segment completes
	 * the handshake once a TCB is free.
	 */
	c.rport = (uint16_t)(TW_PORT + 2 * n);
	new_iss = iss_now(&c);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .opts = O_MSS, .mss = MTU_MSS);
	EXPECT(&c, .seq = new_iss, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .opts = O_MSS, .mss = c.mss);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), SC_ADD);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = new_iss + 1, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), { "tcp_no_tcb", 1 },
			    { "tcp_listen_no_tcb", 1 });
	ck_assert_ptr_null(tcb_of(&c));
	ck_assert_uint_eq(tstack_tcbs(t), SMALL_POOL);
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 1);
	/* One connection closes (its RST here): the waiting one gets in. */
	c.rport = (uint16_t)(TW_PORT + n);
	INJECT(&c, .seq = PEER_ISS + 1, .flags = RST);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), { "tcp_rx_rst", 1 },
			    { "tcp_conn_resets", 1 }, { "tcp_conn_closed", 1 });
	ck_assert_uint_eq(events(t).m[fds[0]],
			  PMT_EV_ERR | PMT_EV_IN | PMT_EV_OUT | PMT_EV_HUP);
	ck_assert_int_eq(pmt_close(t->eng, fds[0]), 0);
	tstack_advance(t, 0);
	ck_assert_uint_eq(tstack_tcbs(t), SMALL_POOL - 1);
	c.rport = (uint16_t)(TW_PORT + 2 * n);
	/* The peer's retransmission of its ACK, as after any loss. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = new_iss + 1, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), SC_DONE, { "tcp_conn_established", 1 });
	ck_assert_uint_eq(tcb_of(&c)->state, PMT_TCPS_ESTABLISHED);
	tstack_free(t);
}
END_TEST

/*
 * An active open may take its own pair back from TIME-WAIT (as Linux's
 * tcp_tw_reuse) once timestamps were on and a second has passed: not
 * before, and with the old TSval offset so the peer's PAWS still holds.
 */
static void
long_time_wait(struct pmt_config *cfg)
{
	cfg->tcp_time_wait_ms = 4000;
}

/* Without timestamps nothing protects the new incarnation: no reuse. */
START_TEST(time_wait_kept_without_timestamps)
{
	static const struct peer_syn no_ts = { O_MSS | O_WS, MTU_MSS, PEER_WS };
	struct conn c;
	struct tstack *t;
	int fd;

	conn_init(&c, long_time_wait);
	t = c.t;
	active_open(&c, &no_ts);
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	c.fd = -1;
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = FIN | ACK);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 2, .flags = FIN | ACK);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 2, .flags = ACK);
	NOTHING(&c);
	ck_assert_uint_eq(tcb_of(&c)->state, PMT_TCPS_TIME_WAIT);
	tstack_advance(t, 2000 * MS);
	fd = pmt_socket(t->eng);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pmt_bind(t->eng, fd, 0, c.lport), 0);
	ck_assert_int_eq(pmt_connect(t->eng, fd, ts_ip(TS_PEER_IP), c.rport),
			 -EADDRINUSE);
	ck_assert_int_eq(pmt_close(t->eng, fd), 0);
	NOTHING(&c);
	ck_assert_uint_eq(tcb_of(&c)->state, PMT_TCPS_TIME_WAIT);
	tstack_advance(t, 3000 * MS);
	tstack_free(t);
}
END_TEST

START_TEST(time_wait_reuse_by_active_open)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *old;
	uint32_t new_iss, tsval;
	int fd;

	conn_init(&c, long_time_wait);
	t = c.t;
	active_open(&c, &full_syn);
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	c.fd = -1;
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = FIN | ACK);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 2, .flags = FIN | ACK);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 2, .flags = ACK);
	NOTHING(&c);
	old = tcb_of(&c);
	ck_assert_uint_eq(old->state, PMT_TCPS_TIME_WAIT);
	ck_assert(old->flags & PMT_TF_TS);
	tstack_mark(t);

	/* Half a second on: the pair is still taken. */
	tstack_advance(t, 500 * MS);
	fd = pmt_socket(t->eng);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pmt_bind(t->eng, fd, 0, c.lport), 0);
	ck_assert_int_eq(pmt_connect(t->eng, fd, ts_ip(TS_PEER_IP), c.rport),
			 -EADDRINUSE);
	ck_assert_int_eq(pmt_close(t->eng, fd), 0);
	NOTHING(&c);
	ck_assert_ptr_eq(tcb_of(&c), old);

	/* A second on: the new incarnation takes it, the old one goes. */
	tstack_advance(t, 600 * MS);
	fd = pmt_socket(t->eng);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pmt_bind(t->eng, fd, 0, c.lport), 0);
	new_iss = iss_now(&c);
	ck_assert(pmt_seq_gt(new_iss, OUR_ISS + 2));
	ck_assert_int_eq(pmt_connect(t->eng, fd, ts_ip(TS_PEER_IP), c.rport),
			 -EINPROGRESS);
	/* TSvals from the old offset: newer than any the old one sent. */
	tsval = (uint32_t)(t->now / 1000) + OUR_ISS;
	EXPECT(&c, .seq = new_iss, .flags = SYN,
	       .wnd = (int32_t)RTE_MIN(t->st->cfg.tcp_rcvbuf, (uint32_t)UINT16_MAX),
	       .opts = O_ALL, .mss = c.mss, .ws = our_shift(&c), .tsval = tsval,
	       .tsecr = 0);
	NOTHING(&c);
	tstack_expect_stats(t, OUT(1), { "tcp_time_wait_reuse_active", 1 },
			    { "tcp_conn_closed", 1 }, { "tcp_conn_attempts", 1 });
	ck_assert_uint_eq(tcb_of(&c)->state, PMT_TCPS_SYN_SENT);
	ck_assert_int_eq(pmt_close(t->eng, fd), 0);
	tstack_advance(t, 0);
	tstack_free(t);
}
END_TEST

START_TEST(time_wait_reuse_by_new_syn)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *old, *child;
	uint32_t new_iss, tsval;

	est(&c, NULL);
	t = c.t;
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	c.fd = -1;
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = FIN | ACK);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 2, .flags = FIN | ACK);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 2, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(2));
	old = tcb_of(&c);
	ck_assert_uint_eq(old->state, PMT_TCPS_TIME_WAIT);
	ck_assert_uint_eq(old->rcv_nxt, PEER_ISS + 2);
	tstack_advance(t, 100 * MS);

	/*
	 * A SYN not above the old RCV.NXT is no new incarnation (RFC 1122
	 * 4.2.2.13; with its TSval no newer, not by RFC 6191 either). At
	 * RCV.NXT it is a SYN in the window: RFC 5961 4.2's challenge ACK.
	 */
	INJECT(&c, .seq = PEER_ISS + 2, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = MTU_MSS, .ws = PEER_WS, .tsecr = 0);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 2, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_rx_syn_in_window", 1 },
			    { "tcp_challenge_acks", 1 });
	/* Below it: an unacceptable segment, ACKed. */
	INJECT(&c, .seq = PEER_ISS - 1000, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = MTU_MSS, .ws = PEER_WS, .tsecr = 0);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 2, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_rx_unacceptable", 1 });
	/* Above it but with an ACK: no connection request, challenged. */
	INJECT(&c, .seq = PEER_ISS + 1000, .ack = OUR_ISS + 2,
	       .flags = SYN | ACK, .wnd = UINT16_MAX, .opts = O_ALL,
	       .mss = MTU_MSS, .ws = PEER_WS);
	EXPECT(&c, .seq = OUR_ISS + 2, .ack = PEER_ISS + 2, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_rx_syn_in_window", 1 },
			    { "tcp_challenge_acks", 1 });
	ck_assert_ptr_eq(tcb_of(&c), old);
	ck_assert_uint_eq(old->state, PMT_TCPS_TIME_WAIT);
	ck_assert_uint_eq(tstack_tcbs(t), 2);

	/*
	 * Above it, TSval newer too: the old TCB goes, the listener takes
	 * the SYN. Our new ISS is past everything the old one sent (the
	 * ISN clock moved on), and the new TSval clock starts there.
	 */
	new_iss = iss_now(&c);
	ck_assert(pmt_seq_gt(new_iss, OUR_ISS + 2));
	tsval = (uint32_t)(t->now / 1000) + new_iss;
	c.ts_peer = PEER_TS + 1000;
	INJECT(&c, .seq = PEER_ISS + 100000, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = MTU_MSS, .ws = PEER_WS, .tsecr = 0);
	EXPECT(&c, .seq = new_iss, .ack = PEER_ISS + 100001,
	       .flags = SYN | ACK, .wnd = UINT16_MAX, .opts = O_ALL,
	       .mss = MTU_MSS, .ws = OUR_WS, .tsval = tsval);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_time_wait_reuse", 1 },
			    { "tcp_conn_closed", 1 }, SC_ADD);
	ck_assert_ptr_null(tcb_of(&c));
	/* The old TCB went back to the pool at the end of the turn. */
	ck_assert_uint_eq(tstack_tcbs(t), 1);

	/* The new incarnation completes and outlives the old 2MSL. */
	INJECT(&c, .seq = PEER_ISS + 100001, .ack = new_iss + 1, .flags = ACK,
	       .tsecr = tsval);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(0), { "tcp_conn_established", 1 },
			    SC_DONE);
	child = tcb_of(&c);
	ck_assert_ptr_nonnull(child);
	ck_assert_uint_eq(child->irs, PEER_ISS + 100000);
	c.fd = pmt_accept(t->eng, c.lfd, NULL, NULL);
	ck_assert_int_ge(c.fd, 0);
	STATE(&c, PMT_TCPS_ESTABLISHED);
	tstack_advance(t, TIME_WAIT_US);
	NOTHING(&c);
	STATE(&c, PMT_TCPS_ESTABLISHED);
	tstack_expect_stats(t);
	tstack_free(t);
}
END_TEST

/*
 * As inject(), onto the wire only: the next turn takes it in one RX
 * burst with whatever else is queued.
 */
static void
enqueue(struct conn *c, const struct tseg *s)
{
	uint8_t f[2048];

	tstack_enqueue(c->t, f, frame_of(c, s, f), 0);
}

#define ENQUEUE(c, ...) enqueue((c), SEG(__VA_ARGS__))

START_TEST(burst_hint_recycled_pair)
{
	uint32_t iss[SMALL_POOL], new_iss;
	struct pmt_tcb *victim, *child;
	struct conn c;
	struct tstack *t;
	uint16_t new_port;
	unsigned int n;

	conn_init(&c, cfg_small_pool);
	t = c.t;
	n = fill_with_time_wait(&c, iss, RTE_DIM(iss));
	victim = tcb_of_port(&c, TW_PORT);
	ck_assert_uint_eq(victim->state, PMT_TCPS_TIME_WAIT);

	/*
	 * A SYN takes no TCB (a syncache entry). Then one burst: the ACK
	 * that completes it and takes the oldest TIME-WAIT's TCB, then
	 * the old pair's repeated FIN and a RST at its RCV.NXT. The bulk
	 * lookup ran before the ACK: their hint is the TCB the ACK took.
	 * The new SYN is at PEER_ISS + 1, so the child's RCV.NXT is the
	 * old one's: that RST, were it let in, would kill the child.
	 */
	new_port = (uint16_t)(TW_PORT + n);
	c.rport = new_port;
	new_iss = iss_now(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .flags = SYN, .opts = O_MSS,
	       .mss = MTU_MSS);
	EXPECT(&c, .seq = new_iss, .ack = PEER_ISS + 2, .flags = SYN | ACK,
	       .opts = O_MSS, .mss = c.mss);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), SC_ADD);
	ck_assert_uint_eq(tstack_tcbs(t), SMALL_POOL);
	ENQUEUE(&c, .seq = PEER_ISS + 2, .ack = new_iss + 1, .flags = ACK);
	c.rport = TW_PORT;
	ENQUEUE(&c, .seq = PEER_ISS + 1, .ack = iss[0] + 2, .flags = FIN | ACK);
	ENQUEUE(&c, .seq = PEER_ISS + 2, .flags = RST);
	tstack_advance(t, 0);
	ck_assert_uint_eq(rte_ring_count(t->rx), 0);

	/* The no-socket answer to the old pair, nothing else. */
	EXPECT(&c, .seq = iss[0] + 2, .flags = RST, .wnd = 0);
	NOTHING(&c);
	tstack_expect_stats(t, IN(3), OUT(1), SC_DONE,
			    { "tcp_conn_established", 1 },
			    { "tcp_time_wait_recycled", 1 },
			    { "tcp_conn_closed", 1 },
			    { "tcp_rx_no_socket", 2 }, { "tcp_tx_rst", 1 },
			    { "tcp_rx_rst", 1 });
	/* The hint really was stale: the child is the recycled TCB. */
	ck_assert_ptr_null(tcb_of_port(&c, TW_PORT));
	child = tcb_of_port(&c, new_port);
	ck_assert_ptr_eq(child, victim);
	ck_assert_uint_eq(child->state, PMT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(child->irs, PEER_ISS + 1);
	ck_assert_uint_eq(child->rcv_nxt, PEER_ISS + 2);
	ck_assert_uint_eq(child->snd_una, new_iss + 1);
	ck_assert_uint_eq(child->snd_nxt, new_iss + 1);
	ck_assert_uint_eq(tstack_tcbs(t), SMALL_POOL);

	/* The child goes on as if the old pair had never spoken. */
	c.rport = new_port;
	c.fd = pmt_accept(t->eng, c.lfd, NULL, NULL);
	ck_assert_int_ge(c.fd, 0);
	STATE(&c, PMT_TCPS_ESTABLISHED);
	tstack_free(t);
}
END_TEST

/*
 * One RX burst of in-order data gets one ACK per eight segments' worth
 * after the first, and one at the burst's end (the kernel's GRO makes
 * the same stretch ACKs); out-of-order data still gets an ACK for each
 * segment, which the sender counts.
 */
START_TEST(burst_acks_stretch_in_order_data_only)
{
	const uint32_t s = PEER_ISS + 1;
	struct conn c;
	struct tstack *t;
	unsigned int i;

	est(&c, NULL);
	t = c.t;
	for (i = 0; i < 20; i++)
		ENQUEUE(&c, .seq = s + i * MSS_TS, .ack = OUR_ISS + 1,
			.flags = ACK, .len = MSS_TS);
	tstack_advance(t, 0);
	ck_assert_uint_eq(rte_ring_count(t->rx), 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = s + 9 * MSS_TS, .flags = ACK,
	       .wnd = WND(9 * MSS_TS));
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = s + 17 * MSS_TS, .flags = ACK,
	       .wnd = WND(17 * MSS_TS));
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = s + 20 * MSS_TS, .flags = ACK,
	       .wnd = WND(20 * MSS_TS));
	NOTHING(&c);
	tstack_expect_stats(t, IN(20), OUT(3));
	recv_pat(&c, s, 20 * MSS_TS);
	/* The read freed 20 segments: a window update. */
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = s + 20 * MSS_TS, .flags = ACK,
	       .wnd = WND(0));
	NOTHING(&c);

	/*
	 * In order, then past a hole (21 missing): the two beyond it are
	 * ACKed one by one, duplicates with their SACK blocks, at once.
	 */
	ENQUEUE(&c, .seq = s + 20 * MSS_TS, .ack = OUR_ISS + 1, .flags = ACK,
		.len = MSS_TS);
	ENQUEUE(&c, .seq = s + 22 * MSS_TS, .ack = OUR_ISS + 1, .flags = ACK,
		.len = MSS_TS);
	ENQUEUE(&c, .seq = s + 23 * MSS_TS, .ack = OUR_ISS + 1, .flags = ACK,
		.len = MSS_TS);
	tstack_advance(t, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = s + 21 * MSS_TS, .flags = ACK,
	       .wnd = WND(MSS_TS),
	       SACK1(1 + 22 * MSS_TS, 1 + 23 * MSS_TS));
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = s + 21 * MSS_TS, .flags = ACK,
	       .wnd = WND(MSS_TS),
	       SACK1(1 + 22 * MSS_TS, 1 + 24 * MSS_TS));
	NOTHING(&c);
	/* The hole filled: everything ACKed at once. */
	INJECT(&c, .seq = s + 21 * MSS_TS, .ack = OUR_ISS + 1, .flags = ACK,
	       .len = MSS_TS);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = s + 24 * MSS_TS, .flags = ACK,
	       .wnd = WND(4 * MSS_TS));
	NOTHING(&c);
	recv_pat(&c, s + 20 * MSS_TS, 4 * MSS_TS);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = s + 24 * MSS_TS, .flags = ACK,
	       .wnd = WND(0));
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

/*
 * An ACK the application's answer can carry waits for it (the next
 * engine turn at the latest): the handshake's ACK rides on the first
 * request, the ACK of a reply and its FIN on the close's FIN.
 */
START_TEST(ack_waits_for_the_application)
{
	struct conn c;
	struct tstack *t;
	struct evs e;

	conn_init(&c, NULL);
	t = c.t;
	t->app_acts = true;	/* the test answers between turns */
	active_open_synack(&c, &full_syn);
	/* Connected, told so; the ACK waits for what it says. */
	NOTHING(&c);
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_OUT);
	send_pat(&c, OUR_ISS + 1, 20, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 20);
	NOTHING(&c);
	tstack_advance(t, 0);	/* the next turn: nothing is owed */
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(2), { "tcp_conn_established", 1 },
			    { "tcp_tx_data_segs", 1 }, { "tcp_conn_attempts", 1 });

	/* The reply and the peer's FIN: the close's FIN ACKs both. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 21,
	       .flags = ACK | PSH | FIN, .len = 30);
	NOTHING(&c);
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd] & PMT_EV_IN, PMT_EV_IN);
	recv_pat(&c, PEER_ISS + 1, 30);
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	c.fd = -1;
	EXPECT(&c, .seq = OUR_ISS + 21, .ack = PEER_ISS + 32,
	       .flags = FIN | ACK);
	NOTHING(&c);
	tstack_advance(t, 0);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

/* An application that answers nothing: the ACK goes at the next turn. */
START_TEST(ack_waits_one_turn_at_most)
{
	struct conn c;
	struct tstack *t;

	est(&c, NULL);
	t = c.t;
	t->app_acts = true;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1,
	       .flags = ACK | PSH | FIN, .len = 30);
	NOTHING(&c);
	ck_assert_uint_eq(events(t).m[c.fd] & PMT_EV_IN, PMT_EV_IN);
	tstack_advance(t, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 32, .flags = ACK,
	       .wnd = WND(30));
	NOTHING(&c);
	recv_pat(&c, PEER_ISS + 1, 30);
	tstack_free(t);
}
END_TEST

/* ================= the idle form ================= */

#define IDLE_US (1000 * MS)

static void
cfg_idle(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_idle_ms = IDLE_US / MS;
}

static bool
is_idle(struct conn *c)
{
	void *v = tcb_of(c);

	ck_assert_ptr_nonnull(v);
	return pmt_tcb_is_idle(v);
}

/*
 * From est(): accept() starts the idle timer; IDLE_US after the last
 * segment (the handshake's ACK, at the same instant) the connection
 * sleeps.
 */
static void
sleep_conn(struct conn *c)
{
	struct tstack *t = c->t;

	tstack_advance(t, IDLE_US - 1);
	ck_assert(!is_idle(c));
	tstack_advance(t, 1);
	ck_assert(is_idle(c));
	NOTHING(c);
	/* Its TCB went back with the next turn: the listener's remains. */
	tstack_advance(t, 0);
	ck_assert_uint_eq(tstack_tcbs(t), 1);
	ck_assert_uint_eq(pmt_tcb_idle_in_use(t->eng), 1);
	tstack_expect_stats(t, { "tcp_idle_compact", 1 });
}

START_TEST(idle_connection_sleeps_and_wakes_for_data)
{
	struct conn c;
	struct tstack *t;
	struct evs e;

	est(&c, cfg_idle);
	t = c.t;
	sleep_conn(&c);
	/*
	 * The peer speaks: everything on the wire is what an awake
	 * connection would send (sequence, window and scale, TSval with
	 * its offset, TSecr), and the data reaches the application.
	 */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK | PSH,
	       .len = 10);
	ck_assert(!is_idle(&c));
	NOTHING(&c);
	e = events(t);
	ck_assert_uint_eq(e.m[c.fd], PMT_EV_IN);
	tstack_advance(t, DELACK_US);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 11, .flags = ACK,
	       .wnd = WND(10));
	recv_pat(&c, PEER_ISS + 1, 10);
	send_pat(&c, OUR_ISS + 1, 100, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 11, .flags = ACK | PSH,
	       .len = 100);
	INJECT(&c, .seq = PEER_ISS + 11, .ack = OUR_ISS + 101, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(2), DATA(1), { "tcp_idle_wake", 1 });
	ck_assert_uint_eq(tstack_tcbs(t), 2);
	ck_assert_uint_eq(pmt_tcb_idle_in_use(t->eng), 0);
	/* Quiet again: asleep again once the data's deadline passed. */
	tstack_advance(t, RTO_INIT_US);
	tstack_advance(t, IDLE_US);
	ck_assert(is_idle(&c));
	tstack_expect_stats(t, { "tcp_idle_compact", 1 });
	tstack_free(t);
}
END_TEST

START_TEST(idle_connection_wakes_for_the_application)
{
	struct conn c;
	struct tstack *t;

	est(&c, cfg_idle);
	t = c.t;
	sleep_conn(&c);
	/* Any call wakes it; the state is the connection's own. */
	STATE(&c, PMT_TCPS_ESTABLISHED);
	ck_assert(!is_idle(&c));
	tstack_expect_stats(t, { "tcp_idle_wake", 1 });
	tstack_advance(t, IDLE_US);
	ck_assert(is_idle(&c));
	/* A send goes out at once, from where the connection was. */
	send_pat(&c, OUR_ISS + 1, 20, 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK | PSH,
	       .len = 20);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 21, .flags = ACK);
	tstack_advance(t, RTO_INIT_US);
	tstack_advance(t, IDLE_US);
	ck_assert(is_idle(&c));
	/* A close wakes it to send its FIN. */
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	EXPECT(&c, .seq = OUR_ISS + 21, .ack = PEER_ISS + 1, .flags = FIN | ACK);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 22, .flags = FIN | ACK);
	EXPECT(&c, .seq = OUR_ISS + 22, .ack = PEER_ISS + 2, .flags = ACK);
	ck_assert_uint_eq(tcb_of(&c)->state, PMT_TCPS_TIME_WAIT);
	tstack_free(t);
}
END_TEST

/* Two segments of one burst: the second's lookup hint is the idle form. */
START_TEST(idle_connection_woken_mid_burst)
{
	struct conn c;
	struct tstack *t;

	est(&c, cfg_idle);
	t = c.t;
	sleep_conn(&c);
	ENQUEUE(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK,
		.len = 100);
	ENQUEUE(&c, .seq = PEER_ISS + 101, .ack = OUR_ISS + 1, .flags = ACK,
		.len = 100);
	tstack_advance(t, 0);
	/* Two segments: the ACK goes at once (RFC 5681 4.2). */
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 201, .flags = ACK,
	       .wnd = WND(200));
	NOTHING(&c);
	recv_pat(&c, PEER_ISS + 1, 200);
	tstack_expect_stats(t, IN(2), OUT(1), { "tcp_idle_wake", 1 });
	tstack_free(t);
}
END_TEST

static void
cfg_idle_keepalive(struct pmt_config *cfg)
{
	cfg_idle(cfg);
	cfg->tcp_keep_idle_s = 7200;
}

/* What keeps a connection whole: unread data, keepalive, the default. */
START_TEST(busy_connections_stay_whole)
{
	struct conn c;
	struct tstack *t;
	unsigned int n;

	est(&c, _i == 2 ? cfg_tcp : _i == 1 ? cfg_idle_keepalive : cfg_idle);
	t = c.t;
	if (_i == 0) {
		INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1,
		       .flags = ACK | PSH, .len = 10);
		tstack_advance(t, DELACK_US);
		EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 11,
		       .flags = ACK, .wnd = WND(10));
	}
	if (_i == 1)
		ck_assert_int_eq(pmt_setsockopt(t->eng, c.fd, PMT_SO_KEEPALIVE,
						1), 0);
	for (n = 0; n < 10; n++) {
		tstack_advance(t, RTO_INIT_US);
		tstack_advance(t, IDLE_US);
	}
	ck_assert(!is_idle(&c));
	ck_assert_uint_eq(tstack_stat(t, "tcp_idle_compact"), 0);
	ck_assert_uint_eq(pmt_tcb_idle_in_use(t->eng), 0);
	if (_i == 0) {
		/* Read, it may sleep. */
		recv_pat(&c, PEER_ISS + 1, 10);
		/* Its events too: a pending report keeps it awake. */
		events(t);
		tstack_advance(t, IDLE_US);
		ck_assert(is_idle(&c));
	}
	tstack_free(t);
}
END_TEST

/*
 * No TCB to wake into: a segment is dropped (the peer will send it
 * again), a call fails with ENOBUFS, and close() resets the connection
 * rather than leave it behind.
 */
START_TEST(idle_connection_without_a_tcb_to_wake_into)
{
	struct conn c;
	struct tstack *t;
	unsigned int n = 0;
	int fd;

	est(&c, cfg_idle);
	t = c.t;
	sleep_conn(&c);
	/* Every other TCB taken: sockets, then one more connection. */
	while ((fd = pmt_socket(t->eng)) >= 0)
		n++;
	ck_assert_int_eq(fd, -EMFILE);
	ck_assert_uint_eq(tstack_tcbs(t), t->eng->tcp.tcbs.cap - 1);
	{
		uint16_t p = (uint16_t)(c.rport + 1);
		uint32_t iss = iss_of_port(&c, p);

		INJECT(&c, .seq = 77, .flags = SYN, .sport = p);
		rte_pktmbuf_free(tstack_tx(t));		/* its SYN-ACK */
		INJECT(&c, .seq = 78, .ack = iss + 1, .flags = ACK, .sport = p,
		       .no_ts = true);
		events(t);
	}
	ck_assert_uint_eq(tstack_tcbs(t), t->eng->tcp.tcbs.cap);
	tstack_mark(t);

	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK | PSH,
	       .len = 10);
	NOTHING(&c);
	ck_assert(is_idle(&c));
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "x", 1, 0), -ENOBUFS);
	tstack_expect_stats(t, IN(1), { "tcp_idle_wake_fail", 2 },
			    { "tcp_no_tcb", 2 });
	ck_assert_int_eq(pmt_close(t->eng, c.fd), 0);
	EXPECT(&c, .seq = OUR_ISS + 1, .flags = RST, .wnd = 0, .no_ts = true);
	NOTHING(&c);
	ck_assert_int_eq(pmt_send(t->eng, c.fd, "x", 1, 0), -EBADF);
	tstack_advance(t, 0);
	ck_assert_ptr_null(tcb_of(&c));
	ck_assert_uint_eq(pmt_tcb_idle_in_use(t->eng), 0);
	/* Its descriptor is the next to be handed out. */
	ck_assert_uint_eq(t->eng->tcp.fd_free, (uint32_t)c.fd + 1);
	tstack_expect_stats(t, { "tcp_idle_wake_fail", 1 }, { "tcp_no_tcb", 1 },
			    OUT(1), { "tcp_tx_rst", 1 });
	RTE_SET_USED(n);
	tstack_free(t);
}
END_TEST

/* ================= the syncache and SYN cookies ================= */

static void
cfg_cookies_always(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_syncookies = 2;
}

#define SC_SMALL 16			/* the fewest entries allowed */

static void
cfg_small_syncache(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_syncache_entries = SC_SMALL;
}

static void
cfg_no_cookies(struct pmt_config *cfg)
{
	cfg_small_syncache(cfg);
	cfg->tcp_syncookies = 0;
}

static struct pmt_flow_key
key_of(const struct conn *c)
{
	struct pmt_flow_key k = {
		.laddr = ts_ip(TS_OUR_IP), .raddr = ts_ip(TS_PEER_IP),
		.lport = rte_cpu_to_be_16(c->lport),
		.rport = rte_cpu_to_be_16(c->rport),
	};

	return k;
}

/* The cookie we must send for the pair of @c, a SYN at @irs, MSS @mss. */
static uint32_t
cookie_for(const struct conn *c, uint32_t irs, uint16_t mss)
{
	struct pmt_flow_key k = key_of(c);

	return pmt_syncookie_make(&c->t->eng->tcp.secret, &k, irs,
				  pmt_syncookie_mss_index(mss), c->t->now);
}

/* The TSval of a cookie's SYN-ACK now, options in its low bits. */
static uint32_t
cookie_tsval(const struct conn *c, uint32_t bits)
{
	struct pmt_flow_key k = key_of(c);
	uint32_t off = pmt_tcp_isn(&c->t->eng->tcp.secret, &k, 0);
	uint32_t clock = (uint32_t)(c->t->now / 1000) + off;
	uint32_t ts = (clock & ~63u) | bits;

	if (pmt_seq_gt(ts, clock))
		ts -= 64;
	return ts;
}

START_TEST(cookie_with_timestamps_keeps_every_option)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	uint32_t iss, tsval, off;
	struct pmt_flow_key k;

	conn_init(&c, cfg_cookies_always);
	t = c.t;
	listen_on(&c);
	/* The peer's ISN at the very top: its ACK's SEQ wraps to 0. */
	iss = cookie_for(&c, 0xffffffffu, 1460);
	tsval = cookie_tsval(&c, PEER_WS | 0x10);
	tstack_mark(t);
	INJECT(&c, .seq = 0xffffffffu, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = 1460, .ws = PEER_WS, .tsecr = 0);
	EXPECT(&c, .seq = iss, .ack = 0, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_ALL, .mss = c.mss, .ws = OUR_WS,
	       .tsval = tsval);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_syncookies_sent", 1 });
	/* Nothing kept: no entry, no TCB. */
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 0);
	ck_assert_uint_eq(tstack_tcbs(t), 1);

	tstack_advance(t, 5 * MS);
	c.ts = true;
	c.ts_peer = PEER_TS + 5;
	INJECT(&c, .seq = 0, .ack = iss + 1, .flags = ACK, .tsecr = tsval);
	k = key_of(&c);
	off = pmt_tcp_isn(&t->eng->tcp.secret, &k, 0);
	/* The window grows past 64 KiB: said with the first data's ACK. */
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(0), { "tcp_syncookies_accepted", 1 },
			    { "tcp_conn_accepts", 1 },
			    { "tcp_conn_established", 1 });
	tcb = tcb_of(&c);
	ck_assert_ptr_nonnull(tcb);
	ck_assert_uint_eq(tcb->state, PMT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(tcb->t_maxseg, MSS_TS);
	ck_assert(tcb->flags & PMT_TF_WS);
	ck_assert_uint_eq(tcb->snd_wscale, PEER_WS);
	ck_assert_uint_eq(tcb->rcv_wscale, OUR_WS);
	ck_assert_uint_eq(tcb->snd_wnd, PEER_WND << PEER_WS);
	ck_assert(tcb->flags & PMT_TF_SACK_PERMIT);
	ck_assert(tcb->flags & PMT_TF_TS);
	ck_assert_uint_eq(tcb->irs, 0xffffffffu);
	ck_assert_uint_eq(tcb->rcv_nxt, 0);
	c.fd = pmt_accept(t->eng, c.lfd, NULL, NULL);
	ck_assert_int_ge(c.fd, 0);
	/* It carries data both ways, on the clock the cookie chose. */
	c.wnd = WND(0);
	c.shift = OUR_WS;
	INJECT(&c, .seq = 0, .ack = iss + 1, .flags = ACK | PSH, .len = 3);
	send_pat(&c, iss + 1, 5, 0);
	EXPECT(&c, .seq = iss + 1, .ack = 3, .flags = ACK | PSH, .len = 5,
	       .wnd = WND(3), .tsval = (uint32_t)(t->now / 1000) + off);
	recv_pat(&c, 0, 3);
	tstack_free(t);
}
END_TEST

/* tcp-sack=0: no SACK-permitted offered, none accepted, either way. */
START_TEST(sack_off_neither_offers_nor_accepts)
{
	struct conn c, a;
	struct tstack *t;

	conn_init(&c, cfg_sack_off);
	t = c.t;
	listen_on(&c);
	c.rport = aim_iss(&c, true);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_ALL, .mss = 1460, .ws = PEER_WS, .tsecr = 0);
	/* The SYN-ACK answers MSS, WS and TS but not SACK-permitted. */
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_MSS | O_WS | O_TS, .mss = 1460,
	       .ws = OUR_WS, .tsecr = PEER_TS);
	c.ts = true;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK);
	NOTHING(&c);
	ck_assert_ptr_nonnull(tcb_of(&c));
	ck_assert(!(tcb_of(&c)->flags & PMT_TF_SACK_PERMIT));
	ck_assert(tcb_of(&c)->flags & PMT_TF_TS);

	/* An active open offers none, and a SYN-ACK that offers it anyway
	 * (it may not, RFC 2018 2) does not turn it on. */
	a = c;
	a.rport = 7;
	a.lport = aim_iss(&a, false);
	a.fd = pmt_socket(t->eng);
	ck_assert_int_ge(a.fd, 0);
	ck_assert_int_eq(pmt_bind(t->eng, a.fd, 0, a.lport), 0);
	ck_assert_int_eq(pmt_connect(t->eng, a.fd, ts_ip(TS_PEER_IP), a.rport),
			 -EINPROGRESS);
	a.ts = false;
	EXPECT(&a, .seq = OUR_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_MSS | O_WS | O_TS, .mss = a.mss, .ws = OUR_WS);
	INJECT(&a, .seq = PEER_ISS, .ack = OUR_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_ALL, .mss = 1460, .ws = PEER_WS);
	a.ts = true;
	EXPECT(&a, .seq = OUR_ISS + 1, .ack = PEER_ISS + 1, .flags = ACK);
	NOTHING(&a);
	ck_assert(!(tcb_of(&a)->flags & PMT_TF_SACK_PERMIT));
	tstack_free(t);
}
END_TEST

START_TEST(cookie_without_timestamps_loses_scaling_and_sack)
{
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	uint32_t iss;

	conn_init(&c, cfg_cookies_always);
	t = c.t;
	listen_on(&c);
	/* MSS 1000 is rounded down to the table's 536. */
	iss = cookie_for(&c, PEER_ISS, 1000);
	tstack_mark(t);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .wnd = UINT16_MAX,
	       .opts = O_MSS | O_WS | O_SACKP, .mss = 1000, .ws = PEER_WS);
	/* Nowhere to keep WS and SACK-permitted: neither is offered. */
	EXPECT(&c, .seq = iss, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_MSS, .mss = c.mss);
	NOTHING(&c);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = iss + 1, .flags = ACK,
	       .wnd = 30000);
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(1), { "tcp_syncookies_sent", 1 },
			    { "tcp_syncookies_accepted", 1 },
			    { "tcp_conn_accepts", 1 },
			    { "tcp_conn_established", 1 });
	tcb = tcb_of(&c);
	ck_assert_ptr_nonnull(tcb);
	ck_assert_uint_eq(tcb->t_maxseg, 536);
	ck_assert(!(tcb->flags & (PMT_TF_WS | PMT_TF_SACK_PERMIT | PMT_TF_TS)));
	ck_assert_uint_eq(tcb->snd_wnd, 30000);
	ck_assert_int_ge(pmt_accept(t->eng, c.lfd, NULL, NULL), 0);
	tstack_free(t);
}
END_TEST

START_TEST(cookie_forged_or_old_is_refused)
{
	struct conn c;
	struct tstack *t;
	uint32_t iss;

	conn_init(&c, cfg_cookies_always);
	t = c.t;
	listen_on(&c);
	iss = cookie_for(&c, PEER_ISS, 1460);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .opts = O_MSS, .mss = 1460);
	EXPECT(&c, .seq = iss, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_MSS, .mss = c.mss);
	tstack_mark(t);
	/*
	 * A guess one off, and the right cookie with another SEQ: each is
	 * answered as Linux and FreeBSD answer an ACK to a listener, with
	 * <SEQ=SEG.ACK><CTL=RST>, and counted.
	 */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = iss + 2, .flags = ACK);
	EXPECT(&c, .seq = iss + 2, .flags = RST, .wnd = 0);
	INJECT(&c, .seq = PEER_ISS + 2, .ack = iss + 1, .flags = ACK);
	EXPECT(&c, .seq = iss + 1, .flags = RST, .wnd = 0);
	NOTHING(&c);
	tstack_expect_stats(t, IN(2), OUT(2), { "tcp_syncookies_rejected", 2 },
			    { "tcp_rx_no_socket", 2 }, { "tcp_tx_rst", 2 });
	/* Still good within two 64 s periods... */
	tstack_advance(t, 64 * SEC - 1);
	tstack_mark(t);
	/* ...but not past them: too old. */
	tstack_advance(t, 64 * SEC + 1);
	tstack_advance(t, 64 * SEC);
	INJECT(&c, .seq = PEER_ISS + 1, .ack = iss + 1, .flags = ACK);
	EXPECT(&c, .seq = iss + 1, .flags = RST, .wnd = 0);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_syncookies_rejected", 1 },
			    { "tcp_rx_no_socket", 1 }, { "tcp_tx_rst", 1 });
	ck_assert_ptr_null(tcb_of(&c));
	ck_assert_uint_eq(tstack_tcbs(t), 1);
	tstack_free(t);
}
END_TEST

/* Fill the syncache from peer ports TW_PORT on; their SYN-ACKs are read. */
static void
fill_syncache(struct conn *c)
{
	struct tstack *t = c->t;
	unsigned int i;

	for (i = 0; pmt_syncache_in_use(t->eng) < SC_SMALL; i++) {
		ck_assert_uint_lt(i, 4 * SC_SMALL);
		INJECT(c, .seq = PEER_ISS, .flags = SYN, .opts = O_MSS,
		       .mss = 1460, .sport = (uint16_t)(TW_PORT + i));
		rte_pktmbuf_free(tstack_tx(t));
	}
	tstack_mark(t);
}

START_TEST(syncache_full_answers_with_cookies)
{
	struct conn c;
	struct tstack *t;
	uint32_t iss;

	conn_init(&c, cfg_small_syncache);
	t = c.t;
	listen_on(&c);
	fill_syncache(&c);
	ck_assert_uint_eq(tstack_tcbs(t), 1);
	c.rport = PEER_PORT;
	iss = cookie_for(&c, PEER_ISS, 1400);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .opts = O_MSS, .mss = 1400);
	EXPECT(&c, .seq = iss, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_MSS, .mss = c.mss);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_syncache_overflow", 1 },
			    { "tcp_syncookies_sent", 1 });
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), SC_SMALL);
	/* Its ACK makes the connection, MSS from the table (1360). */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = iss + 1, .flags = ACK);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), { "tcp_syncookies_accepted", 1 },
			    { "tcp_conn_accepts", 1 },
			    { "tcp_conn_established", 1 });
	ck_assert_uint_eq(tcb_of(&c)->t_maxseg, 1360);
	ck_assert_uint_eq(tcb_of(&c)->state, PMT_TCPS_ESTABLISHED);
	/* The entries still finish their handshakes. */
	c.rport = TW_PORT;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = iss_now(&c) + 1, .flags = ACK);
	tstack_expect_stats(t, IN(1), SC_DONE, { "tcp_conn_established", 1 });
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), SC_SMALL - 1);
	tstack_free(t);
}
END_TEST

START_TEST(syncache_full_without_cookies_drops)
{
	struct conn c;
	struct tstack *t;

	conn_init(&c, cfg_no_cookies);
	t = c.t;
	listen_on(&c);
	fill_syncache(&c);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .opts = O_MSS, .mss = 1460);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), { "tcp_syncache_overflow", 1 });
	tstack_free(t);
}
END_TEST

START_TEST(syncache_retransmits_then_expires)
{
	struct conn c;
	struct tstack *t;
	unsigned int i;
	uint64_t gap = 0;

	conn_init(&c, NULL);
	t = c.t;
	listen_on(&c);
	c.rport = aim_iss(&c, true);
	tstack_mark(t);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .opts = O_MSS, .mss = 1460);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_MSS, .mss = 1460);
	tstack_expect_stats(t, IN(1), OUT(1), SC_ADD1);
	/* tcp-syncache-retries 3: after 1 s, 2 s and 4 s more. */
	for (i = 0; i < 3; i++) {
		gap = RTO_INIT_US << i;
		tstack_advance(t, gap - 1);
		NOTHING(&c);
		tstack_advance(t, 1);
		EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1,
		       .flags = SYN | ACK, .wnd = UINT16_MAX, .opts = O_MSS,
		       .mss = 1460);
	}
	tstack_expect_stats(t, OUT(3), { "tcp_syncache_retransmits", 3 });
	/* 8 s after the last one, it is given up, without a word. */
	tstack_advance(t, 2 * gap - 1);
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 1);
	tstack_advance(t, 1);
	NOTHING(&c);
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 0);
	tstack_expect_stats(t, { "tcp_syncache_expired", 1 }, SC_GONE);
	/* The late ACK finds nothing: a reset. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK);
	EXPECT(&c, .seq = OUR_ISS + 1, .flags = RST, .wnd = 0);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_rx_no_socket", 1 },
			    { "tcp_tx_rst", 1 });
	tstack_free(t);
}
END_TEST

START_TEST(syncache_new_isn_replaces_entry_bad_ack_reset)
{
	struct conn c;
	struct tstack *t;
	uint32_t iss2;

	conn_init(&c, NULL);
	t = c.t;
	listen_on(&c);
	c.rport = aim_iss(&c, true);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .opts = O_MSS, .mss = 1460);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_MSS, .mss = 1460);
	tstack_mark(t);
	/* An ACK of something else: <SEQ=SEG.ACK><CTL=RST>, entry kept. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 7, .flags = ACK);
	EXPECT(&c, .seq = OUR_ISS + 7, .flags = RST, .wnd = 0);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_syncache_bad_ack", 1 },
			    { "tcp_tx_rst", 1 });
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 1);
	/* A SYN with another ISN starts over (RFC 9293 3.10.7.4). */
	tstack_advance(t, 100 * MS);
	iss2 = iss_now(&c);
	INJECT(&c, .seq = 5000, .flags = SYN, .opts = O_MSS, .mss = 1460);
	EXPECT(&c, .seq = iss2, .ack = 5001, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_MSS, .mss = 1460);
	tstack_expect_stats(t, IN(1), OUT(1), { "tcp_syncache_aborted", 1 },
			    { "tcp_syncache_added", 1 });
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 1);
	/* The old handshake's ACK is no good now. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK);
	EXPECT(&c, .seq = OUR_ISS + 1, .flags = RST, .wnd = 0);
	INJECT(&c, .seq = 5001, .ack = iss2 + 1, .flags = ACK);
	NOTHING(&c);
	ck_assert_uint_eq(tcb_of(&c)->state, PMT_TCPS_ESTABLISHED);
	/* Closing the listener takes nothing but its own (no entry left). */
	tstack_free(t);
}
END_TEST

START_TEST(syncache_data_on_final_ack_and_listener_close)
{
	struct conn c;
	struct tstack *t;

	conn_init(&c, NULL);
	t = c.t;
	listen_on(&c);
	c.rport = aim_iss(&c, true);
	INJECT(&c, .seq = PEER_ISS, .flags = SYN, .opts = O_MSS, .mss = 1460);
	EXPECT(&c, .seq = OUR_ISS, .ack = PEER_ISS + 1, .flags = SYN | ACK,
	       .wnd = UINT16_MAX, .opts = O_MSS, .mss = 1460);
	/* The third segment brings data: nothing of it is lost. */
	c.wnd = UINT16_MAX;
	INJECT(&c, .seq = PEER_ISS + 1, .ack = OUR_ISS + 1, .flags = ACK | PSH,
	       .len = 20);
	c.fd = pmt_accept(t->eng, c.lfd, NULL, NULL);
	ck_assert_int_ge(c.fd, 0);
	recv_pat(&c, PEER_ISS + 1, 20);
	tstack_advance(t, DELACK_US);
	EXPECT(&c, .seq = OUR_ISS + 1, .ack = PEER_ISS + 21, .flags = ACK);
	/* Another half-open one; the listener closes: it goes silently. */
	INJECT(&c, .seq = 9, .flags = SYN, .sport = 7777);
	rte_pktmbuf_free(tstack_tx(t));
	tstack_mark(t);
	ck_assert_int_eq(pmt_close(t->eng, c.lfd), 0);
	c.lfd = -1;
	NOTHING(&c);
	tstack_expect_stats(t, { "tcp_syncache_aborted", 1 }, SC_GONE);
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 0);
	tstack_advance(t, 10 * SEC);
	NOTHING(&c);
	tstack_free(t);
}
END_TEST

/* A SYN from @src to @dst (network order) for OUR_PORT, to @mac. */
static void
inject_syn(struct conn *c, const struct rte_ether_addr *mac, uint32_t src,
	   uint32_t dst, uint8_t flags)
{
	uint8_t f[256];
	struct ts_tcp w = {
		.src = src, .dst = dst, .sport = PEER_PORT, .dport = OUR_PORT,
		.seq = PEER_ISS, .flags = flags, .wnd = 1000,
	};

	tstack_inject(c->t, f, ts_tcp(f, mac, &ts_peer_mac, &w));
}

START_TEST(bad_syns_dropped_and_counted)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	struct conn c;
	struct tstack *t;
	uint32_t peer = ts_ip(TS_PEER_IP), us = ts_ip(TS_OUR_IP);

	conn_init(&c, NULL);
	t = c.t;
	listen_on(&c);
	tstack_mark(t);
	/* SYN+FIN: dropped in LISTEN, as Linux and FreeBSD do. */
	inject_syn(&c, tstack_mac(t), peer, us, SYN | FIN);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), { "tcp_rx_syn_fin", 1 });
	/* From our own address (LAND): dropped. */
	inject_syn(&c, tstack_mac(t), us, us, SYN);
	NOTHING(&c);
	tstack_expect_stats(t, IN(1), { "tcp_rx_syn_own_src", 1 });
	/* To the broadcast MAC: IP drops it (RFC 1122 3.3.6). */
	inject_syn(&c, &bcast, peer, us, SYN);
	NOTHING(&c);
	tstack_expect_stats(t, { "rx_pkts", 1 }, { "ip_rx_pkts", 1 },
			    { "ip_rx_l2_broadcast", 1 });
	/* To the subnet's broadcast address: not ours to take. */
	inject_syn(&c, tstack_mac(t), peer, ts_ip("198.18.0.255"), SYN);
	NOTHING(&c);
	tstack_expect_stats(t, { "rx_pkts", 1 }, { "ip_rx_pkts", 1 },
			    { "ip_rx_broadcast", 1 });
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 0);
	ck_assert_uint_eq(tstack_tcbs(t), 1);
	/* A good one still gets its SYN-ACK. */
	inject_syn(&c, tstack_mac(t), peer, us, SYN);
	ck_assert_uint_eq(pmt_syncache_in_use(t->eng), 1);
	rte_pktmbuf_free(tstack_tx(t));
	tstack_free(t);
}
END_TEST

/* Free every frame sent; how many. */
static unsigned int
drain_tx(struct tstack *t)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	while ((m = tstack_tx(t)) != NULL) {
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

START_TEST(syncache_turn_work_is_bounded)
{
	struct conn c;
	struct tstack *t;
	unsigned int i, n;

	conn_init(&c, NULL);
	t = c.t;
	listen_on(&c);
	for (i = 0; i < PMT_SYNCACHE_TIMER_BUDGET + 10; i++) {
		INJECT(&c, .seq = PEER_ISS, .flags = SYN,
		       .sport = (uint16_t)(TW_PORT + i));
		rte_pktmbuf_free(tstack_tx(t));
	}
	tstack_mark(t);
	/* All due at once: one turn sends the budget, the next the rest. */
	tstack_advance(t, RTO_INIT_US);
	n = drain_tx(t);
	ck_assert_uint_eq(n, PMT_SYNCACHE_TIMER_BUDGET);
	tstack_advance(t, 0);
	n = drain_tx(t);
	ck_assert_uint_eq(n, 10);
	tstack_expect_stats(t, OUT(PMT_SYNCACHE_TIMER_BUDGET + 10),
			    { "tcp_syncache_retransmits",
			      PMT_SYNCACHE_TIMER_BUDGET + 10 });
	tstack_free(t);
}
END_TEST

/* ================= the suite ================= */

/* ================= congestion control ================= */

/*
 * A bulk sender and a scripted peer: each round the peer ACKs, one ACK
 * per segment, every segment the last round sent, @rtt after it left,
 * with a window that never limits; what those ACKs let out is the next
 * round. The queue is kept well ahead of the window.
 */
#define CC_SEGS 2048
#define CC_RTT (150 * MS)

struct cc_flight {
	uint32_t end[CC_SEGS];		/* each segment's last sequence + 1 */
	unsigned int n;
};

static void
cfg_cc(struct pmt_config *cfg)
{
	cfg_tcp(cfg);
	cfg->tcp_sndbuf = 1 << 22;
}

static void
cfg_cc_newreno(struct pmt_config *cfg)
{
	cfg_cc(cfg);
	cfg->tcp_congestion = PMT_CC_NEWRENO;
}

/* No SACK: these dupacks drive NewReno's recovery, as without it. */
static const struct peer_syn cc_syn = { O_MSS | O_WS | O_TS, MTU_MSS, PEER_WS };

/* Add what we sent since the last call to @f. */
static void
cc_take(struct conn *c, struct cc_flight *f)
{
	static uint8_t payload[MTU_MSS];
	struct pmt_tcp_seg seg;
	struct rte_mbuf *m;

	while ((m = tstack_tcp_tx(c->t, &seg, payload, sizeof(payload))) != NULL) {
		if (seg.len > 0) {
			ck_assert_uint_lt(f->n, CC_SEGS);
			f->end[f->n++] = seg.seq + seg.len;
		}
		rte_pktmbuf_free(m);
	}
}

/* Queue data until twice the window waits beyond what is in flight:
 * whole segments, so that Nagle never holds a partial one. */
static void
cc_top_up(struct conn *c)
{
	static uint8_t buf[45 * MSS_TS];
	struct pmt_tcb *tcb = tcb_of(c);

	while (tcb->snd_q_len < pmt_tcp_flight(tcb) + 2 * tcb->cwnd + 65536)
		ck_assert_int_gt(pmt_send(c->t->eng, c->fd, buf, sizeof(buf), 0),
				 0);
}

/* A connection in slow start with data queued and its first flight out. */
static void
cc_start(struct conn *c, void (*cfg_fn)(struct pmt_config *),
	 struct cc_flight *f)
{
	conn_init(c, cfg_fn);
	passive_open(c, &cc_syn, CC_RTT);
	f->n = 0;
	cc_top_up(c);
	tstack_advance(c->t, 0);
	cc_take(c, f);
}

/*
 * One round: @rtt later, an ACK for each segment of @f. With @samples,
 * each ACK also brings HyStart++ the RTT sample @rtt, as an echoed
 * timestamp on every ACK would (the estimator times one segment per
 * round; HyStart++ judges only rounds of 8 samples or more).
 */
static void
cc_round(struct conn *c, struct cc_flight *f, uint64_t rtt, bool samples)
{
	struct cc_flight next = { .n = 0 };
	unsigned int i;

	cc_top_up(c);
	tstack_advance(c->t, rtt);
	/* The flush timer may have sent the partial segment that fills
	 * cwnd (Nagle held it): the next round's. */
	cc_take(c, &next);
	for (i = 0; i < f->n; i++) {
		if (samples)
			pmt_cc_rtt_sample(tcb_of(c), (uint32_t)rtt);
		INJECT(c, .seq = PEER_ISS + 1, .ack = f->end[i], .flags = ACK,
		       .wnd = UINT16_MAX);
		cc_take(c, &next);
	}
	*f = next;
}

/*
 * The first segment of @f is lost: a duplicate ACK for each later one
 * (Limited Transmit, fast retransmit, inflation), then the ACK of all
 * sent before recovery began. @f becomes what recovery sent since.
 * @return FlightSize at the loss, Limited Transmit's segments excluded.
 */
static uint32_t
cc_lose_first(struct conn *c, struct cc_flight *f)
{
	struct pmt_tcb *tcb = tcb_of(c);
	struct cc_flight next = { .n = 0 };
	uint32_t una = tcb->snd_una, flight = pmt_tcp_flight(tcb);
	unsigned int i;

	tstack_advance(c->t, CC_RTT);
	for (i = 1; i < f->n; i++) {
		INJECT(c, .seq = PEER_ISS + 1, .ack = una, .flags = ACK,
		       .wnd = UINT16_MAX);
		cc_take(c, &next);
	}
	ck_assert(tcb->flags & PMT_TF_IN_RECOVERY);
	ck_assert_uint_eq(next.end[2], una + MSS_TS);	/* after LT's two */
	INJECT(c, .seq = PEER_ISS + 1, .ack = tcb->recover, .flags = ACK,
	       .wnd = UINT16_MAX);
	ck_assert(!(tcb->flags & PMT_TF_IN_RECOVERY));
	cc_take(c, &next);
	/* What is still out: sent during recovery, past recover. */
	f->n = 0;
	for (i = 0; i < next.n; i++)
		if (pmt_seq_gt(next.end[i], tcb->snd_una))
			f->end[f->n++] = next.end[i];
	return flight;
}

/* Slow start (constant RTT) until at least @segs segments are out. */
static void
cc_grow_to(struct conn *c, struct cc_flight *f, unsigned int segs)
{
	while (f->n < segs)
		cc_round(c, f, CC_RTT, false);
}

/* Give the grabbed exts back (cc tests that exhaust the slab). */
static void *cc_held[65536];
static unsigned int cc_n_held;

static void
cc_exhaust(struct tstack *t)
{
	void *o;

	while ((o = pmt_slab_get(&t->eng->tcp.exts)) != NULL)
		cc_held[cc_n_held++] = o;
}

static void
cc_release(struct tstack *t)
{
	while (cc_n_held > 0)
		pmt_slab_put(&t->eng->tcp.exts, cc_held[--cc_n_held]);
}

/* W_cubic(t) of RFC 9438 eq. 1 in bytes, t in seconds. */
static double
w_cubic(double t, double k, double w_max)
{
	return 0.4 * pow(t - k, 3) * MSS_TS + w_max;
}

/*
 * CUBIC by default: a loss takes ssthresh to 0.7 FlightSize (NewReno:
 * 0.5), W_max to FlightSize; congestion avoidance then follows W_cubic
 * on the injected clock, concave up to W_max, flat near K, convex past
 * it. Switching the algorithm on the open connection starts it afresh.
 */
START_TEST(cubic_loss_and_growth_along_the_curve)
{
	struct cc_flight f;
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	struct pmt_tcp_ext *x;
	uint32_t flight, cw[64], w_max, prev;
	double tt[64], k, lo, hi;
	unsigned int r, n, near = 0;
	int v = -1;

	cc_start(&c, cfg_cc, &f);
	t = c.t;
	tcb = tcb_of(&c);
	ck_assert_int_eq(pmt_getsockopt(t->eng, c.fd, PMT_TCP_CONGESTION, &v), 0);
	ck_assert_int_eq(v, PMT_CC_CUBIC);
	/* The initial window alone takes no ext. */
	ck_assert_uint_eq(f.n, 10);
	ck_assert_uint_eq(tcb->ext, 0);
	cc_grow_to(&c, &f, 80);
	ck_assert_uint_ne(tcb->ext, 0);
	ck_assert_uint_eq(tstack_stat(t, "tcp_ext_allocs"), 1);
	flight = cc_lose_first(&c, &f);
	x = pmt_tcp_ext_of(tcb);
	/* RFC 9438 4.6: 0.7 (717/1024), not NewReno's 0.5. */
	ck_assert_uint_eq(tcb->ssthresh, (uint32_t)((uint64_t)flight * 717 / 1024));
	ck_assert_uint_gt(tcb->ssthresh, flight * 2 / 3);
	ck_assert_uint_eq(x->cubic.w_max, flight);
	ck_assert_uint_eq(x->hy.phase, PMT_HY_DONE);
	w_max = flight;
	/* Congestion avoidance, round by round. */
	for (n = 0; n < RTE_DIM(cw); n++) {
		cc_round(&c, &f, CC_RTT, false);
		ck_assert_uint_ge(tcb->cwnd, tcb->ssthresh);
		ck_assert_uint_ne(x->cubic.epoch_us, 0);
		cw[n] = tcb->cwnd;
		tt[n] = (double)(t->eng->now - x->cubic.epoch_us) / 1e6;
	}
	k = x->cubic.k_ms / 1000.0;
	/* K = cbrt((W_max - cwnd_epoch) / C) (RFC 9438 eq. 2), about 3.8 s. */
	ck_assert(fabs(k - cbrt((double)(w_max - x->cubic.cwnd_epoch) /
				MSS_TS / 0.4)) < 0.002);
	ck_assert(k > 2.0 && k < 6.0);
	for (r = 0; r < n; r++) {
		/* Aimed one RTT ahead: between W(t) and W(t + RTT). */
		lo = w_cubic(tt[r], k, w_max);
		hi = w_cubic(tt[r] + CC_RTT / 1e6, k, w_max);
		ck_assert_msg(cw[r] >= lo - 2 * MSS_TS && cw[r] <= hi + 2 * MSS_TS,
			      "round %u, t %.2f s: cwnd %u, W(t) %.0f, W(t+RTT) %.0f",
			      r, tt[r], cw[r], lo, hi);
		if (tt[r] + CC_RTT / 1e6 < k)
			ck_assert_uint_lt(cw[r], w_max);	/* concave: below */
		if (tt[r] > k + 5 * CC_RTT / 1e6)
			ck_assert_uint_gt(cw[r], w_max);	/* convex: above */
		if (fabs(tt[r] - k) < fabs(tt[near] - k))
			near = r;
	}
	/* Growth slows to a plateau at W_max, then speeds up again. */
	ck_assert(near > 3 && near + 6 < n);
	ck_assert_uint_gt(cw[2] - cw[1], 3 * (cw[near + 1] - cw[near]));
	ck_assert_uint_gt(cw[n - 1] - cw[n - 2], 3 * (cw[near + 1] - cw[near]));
	ck_assert_uint_le(cw[near + 1] - cw[near], MSS_TS);
	/* NewReno on the open connection: CUBIC's state goes, Reno grows
	 * one segment a round. */
	use_cc(&c, PMT_CC_NEWRENO);
	ck_assert_uint_eq(x->cubic.epoch_us, 0);
	ck_assert_uint_eq(x->cubic.w_max, 0);
	prev = tcb->cwnd;
	cc_round(&c, &f, CC_RTT, false);
	ck_assert_uint_ge(tcb->cwnd, prev + MSS_TS * 9 / 10);
	ck_assert_uint_le(tcb->cwnd, prev + MSS_TS * 11 / 10);
	/* And back: a new curve from this window (W_max = cwnd, K = 0). */
	use_cc(&c, PMT_CC_CUBIC);
	prev = tcb->cwnd;
	cc_round(&c, &f, CC_RTT, false);
	ck_assert_uint_eq(x->cubic.k_ms, 0);
	ck_assert_uint_eq(x->cubic.cwnd_epoch, prev);
	ck_assert_uint_ge(tcb->cwnd, prev);
	ck_assert_uint_eq(tstack_stat(t, "tcp_ext_none"), 0);
	ck_assert_int_eq(pmt_setsockopt(t->eng, c.fd, PMT_TCP_CONGESTION, 2),
			 -EINVAL);
	ck_assert_int_eq(pmt_setsockopt(t->eng, c.fd, PMT_TCP_CONGESTION, -1),
			 -EINVAL);
	ck_assert_int_eq(pmt_cc_algo(tcb), PMT_CC_CUBIC);
	drain(t);
	tstack_free(t);
}
END_TEST

/*
 * HyStart++ (RFC 9406), with an RTT sample on every ACK. Script 0:
 * rounds at 20 ms, then at 40 ms: slow start ends for CSS (growth a
 * quarter of slow start's) and, CSS_ROUNDS rounds later, congestion
 * avoidance with ssthresh = cwnd. Script 1: back to 20 ms in CSS,
 * below its baseline: slow start resumes (and stays: no increase over
 * the round before). No loss anywhere.
 */
static const struct {
	uint32_t rtt_ms[12];
	unsigned int n_rounds;
	uint8_t phases[4];	/* the phases seen, in order */
	unsigned int n_phases;
	uint64_t css, resume, ca;
} hy_cases[] = {
	{ { 20, 20, 40, 40, 40, 40, 40, 40, 40, 40 }, 10,
	  { PMT_HY_SS, PMT_HY_CSS, PMT_HY_DONE }, 3, 1, 0, 1 },
	{ { 20, 20, 40, 20, 20 }, 5,
	  { PMT_HY_SS, PMT_HY_CSS, PMT_HY_SS }, 3, 1, 1, 0 },
};

START_TEST(hystart_leaves_slow_start_on_rtt_increase)
{
	struct cc_flight f;
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	struct pmt_tcp_ext *x = NULL;
	uint8_t seen[16];
	unsigned int r, i, n_seen = 0;
	uint32_t acked;

	cc_start(&c, cfg_cc, &f);
	t = c.t;
	tcb = tcb_of(&c);
	for (r = 0; r < hy_cases[_i].n_rounds && tcb->ssthresh == UINT32_MAX;
	     r++) {
		struct cc_flight next = { .n = 0 };
		uint64_t rtt = hy_cases[_i].rtt_ms[r] * MS;

		cc_top_up(&c);
		tstack_advance(t, rtt);
		for (i = 0; i < f.n; i++) {
			uint32_t cwnd = tcb->cwnd, una = tcb->snd_una;
			uint8_t before = x != NULL ? x->hy.phase : PMT_HY_SS;

			/* Every ACK's TSecr is a sample for HyStart++
			 * (tcp_input.c): the echo says this round's RTT. */
			INJECT(&c, .seq = PEER_ISS + 1, .ack = f.end[i],
			       .flags = ACK, .wnd = UINT16_MAX,
			       .tsecr = ts_ours(&c) -
					(uint32_t)hy_cases[_i].rtt_ms[r]);
			cc_take(&c, &next);
			x = pmt_tcp_ext_of(tcb);
			if (x == NULL)
				continue;
			/* RFC 9406 4.2: an SMSS acked grows slow start by
			 * an SMSS (L = 8 allows it), CSS by a quarter. */
			acked = tcb->snd_una - una;
			if (before == PMT_HY_CSS && x->hy.phase == PMT_HY_CSS)
				ck_assert_uint_eq(tcb->cwnd - cwnd, acked / 4);
			else if (before == PMT_HY_SS && x->hy.phase == PMT_HY_SS)
				ck_assert_uint_eq(tcb->cwnd - cwnd, acked);
			if (before == PMT_HY_CSS && x->hy.phase == PMT_HY_DONE)
				ck_assert_uint_eq(tcb->ssthresh, tcb->cwnd);
			if (n_seen == 0 || seen[n_seen - 1] != x->hy.phase) {
				ck_assert_uint_lt(n_seen, RTE_DIM(seen));
				seen[n_seen++] = x->hy.phase;
			}
		}
		f = next;
	}
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(n_seen, hy_cases[_i].n_phases);
	for (i = 0; i < n_seen; i++)
		ck_assert_uint_eq(seen[i], hy_cases[_i].phases[i]);
	ck_assert_uint_eq(tstack_stat(t, "tcp_hystart_css"), hy_cases[_i].css);
	ck_assert_uint_eq(tstack_stat(t, "tcp_hystart_ss_resume"),
			  hy_cases[_i].resume);
	ck_assert_uint_eq(tstack_stat(t, "tcp_hystart_ca"), hy_cases[_i].ca);
	ck_assert_uint_eq(tstack_stat(t, "tcp_tx_rexmit_segs"), 0);
	if (hy_cases[_i].ca) {
		/* Later RTT growth is no business of HyStart++ any more. */
		cc_round(&c, &f, 80 * MS, true);
		ck_assert_uint_eq(tstack_stat(t, "tcp_hystart_css"), 1);
		ck_assert_uint_eq(x->hy.phase, PMT_HY_DONE);
	} else {
		ck_assert_uint_eq(tcb->ssthresh, UINT32_MAX);
	}
	drain(t);
	tstack_free(t);
}
END_TEST

/* The same RTTs without the increase, or under NewReno: no exit. */
START_TEST(hystart_stays_in_slow_start_without_rtt_increase)
{
	struct cc_flight f;
	struct conn c;
	struct tstack *t;
	unsigned int r;

	cc_start(&c, _i == 0 ? cfg_cc : cfg_cc_newreno, &f);
	t = c.t;
	for (r = 0; r < 5; r++)
		cc_round(&c, &f, (_i == 0 ? 20 : 20 + 20 * r) * MS, true);
	ck_assert_uint_eq(tcb_of(&c)->ssthresh, UINT32_MAX);
	ck_assert_uint_eq(tstack_stat(t, "tcp_hystart_css"), 0);
	/* NewReno took no ext for its slow start. */
	if (_i == 1)
		ck_assert_uint_eq(tcb_of(&c)->ext, 0);
	drain(t);
	tstack_free(t);
}
END_TEST

/*
 * No ext left in the engine: a CUBIC connection runs as Reno (halves
 * on loss, one segment a round), counted in tcp_ext_none; once the slab
 * has room it takes one and CUBIC starts from that window (K = 0).
 */
START_TEST(cubic_without_ext_runs_as_reno)
{
	struct cc_flight f;
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	struct pmt_tcp_ext *x;
	uint32_t flight, prev;
	unsigned int r;

	cc_start(&c, cfg_cc, &f);
	t = c.t;
	tcb = tcb_of(&c);
	cc_exhaust(t);
	ck_assert_uint_gt(cc_n_held, 0);
	cc_grow_to(&c, &f, 40);
	ck_assert_uint_eq(tcb->ext, 0);
	ck_assert_uint_eq(tstack_stat(t, "tcp_ext_none"), 0);	/* not asked */
	flight = cc_lose_first(&c, &f);
	ck_assert_uint_eq(tstack_stat(t, "tcp_ext_none"), 1);
	ck_assert_uint_eq(tcb->ssthresh, flight / 2);	/* Reno's */
	for (r = 0; r < 4; r++) {
		prev = tcb->cwnd;
		cc_round(&c, &f, CC_RTT, false);
		if (prev < tcb->ssthresh)
			continue;
		ck_assert_uint_ge(tcb->cwnd, prev + MSS_TS * 9 / 10);
		ck_assert_uint_le(tcb->cwnd, prev + MSS_TS * 11 / 10);
	}
	ck_assert_uint_eq(tcb->ext, 0);
	ck_assert_uint_eq(tstack_stat(t, "tcp_ext_none"), 1);
	cc_release(t);
	prev = tcb->cwnd;
	cc_round(&c, &f, CC_RTT, false);
	x = pmt_tcp_ext_of(tcb);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->cubic.k_ms, 0);
	ck_assert_uint_eq(x->cubic.w_max, prev);
	ck_assert_uint_ge(tcb->cwnd, prev);
	drain(t);
	tstack_free(t);
}
END_TEST

/*
 * Per socket: the stack's default (here NewReno), a listener set to
 * CUBIC whose connection inherits it (0.7 on loss), and another socket
 * left at the default, side by side.
 */
START_TEST(cc_chosen_per_socket_and_inherited)
{
	struct cc_flight f = { .n = 0 };
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	uint32_t flight;
	int v = -1, fd2;

	conn_init(&c, cfg_cc_newreno);
	t = c.t;
	listen_on(&c);
	ck_assert_int_eq(pmt_getsockopt(t->eng, c.lfd, PMT_TCP_CONGESTION, &v), 0);
	ck_assert_int_eq(v, PMT_CC_NEWRENO);
	ck_assert_int_eq(pmt_setsockopt(t->eng, c.lfd, PMT_TCP_CONGESTION,
					PMT_CC_CUBIC), 0);
	passive_open(&c, &cc_syn, CC_RTT);
	fd2 = pmt_socket(t->eng);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_eq(pmt_getsockopt(t->eng, fd2, PMT_TCP_CONGESTION, &v), 0);
	ck_assert_int_eq(v, PMT_CC_NEWRENO);
	ck_assert_int_eq(pmt_getsockopt(t->eng, c.fd, PMT_TCP_CONGESTION, &v), 0);
	ck_assert_int_eq(v, PMT_CC_CUBIC);
	tcb = tcb_of(&c);
	cc_top_up(&c);
	tstack_advance(t, 0);
	cc_take(&c, &f);
	cc_grow_to(&c, &f, 40);
	flight = cc_lose_first(&c, &f);
	ck_assert_uint_eq(tcb->ssthresh, (uint32_t)((uint64_t)flight * 717 / 1024));
	ck_assert_int_eq(pmt_getsockopt(t->eng, fd2, PMT_TCP_CONGESTION, &v), 0);
	ck_assert_int_eq(v, PMT_CC_NEWRENO);
	ck_assert_int_eq(pmt_close(t->eng, fd2), 0);
	drain(t);
	tstack_free(t);
}
END_TEST

/*
 * A spurious RTO under CUBIC (RFC 4015 with RFC 3522 detection): the
 * timeout marks the curve for K = 0 (RFC 9438 4.8) but keeps W_max;
 * the undo takes the mark back with cwnd and ssthresh.
 */
START_TEST(cubic_spurious_rto_undo_restores_w_max)
{
	struct cc_flight f;
	struct conn c;
	struct tstack *t;
	struct pmt_tcb *tcb;
	struct pmt_tcp_ext *x;
	uint32_t w_max, ssthresh, ts_sent, pipe_prev;
	unsigned int r;

	cc_start(&c, cfg_cc, &f);
	t = c.t;
	tcb = tcb_of(&c);
	cc_grow_to(&c, &f, 40);
	(void)cc_lose_first(&c, &f);
	for (r = 0; r < 3; r++)
		cc_round(&c, &f, CC_RTT, false);
	x = pmt_tcp_ext_of(tcb);
	w_max = x->cubic.w_max;
	ssthresh = tcb->ssthresh;
	ck_assert_uint_ne(w_max, 0);
	/* RFC 4015 3.2 (1): pipe_prev = max(FlightSize, ssthresh). */
	pipe_prev = RTE_MAX(pmt_tcp_flight(tcb), ssthresh);
	/* The path stalls past the RTO: the first segment goes again. */
	ts_sent = pmt_tcp_ts_now(tcb);
	tstack_advance(t, tcb->rto);
	drain(t);
	ck_assert_uint_eq(tcb->cwnd, MSS_TS);
	/* RFC 9438 4.8's K = 0 is marked for the next congestion
	 * avoidance; W_max is kept until then. */
	ck_assert(x->hy.rto & PMT_CC_RTO);
	ck_assert_uint_eq(x->cubic.w_max, w_max);
	ck_assert_uint_lt(tcb->ssthresh, ssthresh);
	/* The originals' ACK echoes their TSval: spurious. */
	INJECT(&c, .seq = PEER_ISS + 1, .ack = f.end[0], .flags = ACK,
	       .wnd = UINT16_MAX, .tsecr = ts_sent);
	ck_assert_uint_eq(tstack_stat(t, "tcp_spurious_rto"), 1);
	ck_assert_uint_eq(tcb->ssthresh, pipe_prev);
	ck_assert_uint_eq(x->hy.rto, 0);
	ck_assert_uint_eq(x->cubic.w_max, w_max);
	ck_assert_uint_eq(x->cubic.epoch_us, 0);	/* a new epoch next */
	/* The next round aims at the old W_max again (K > 0), not at a
	 * curve from this window. */
	cc_round(&c, &f, CC_RTT, false);
	ck_assert_uint_eq(x->cubic.w_max, RTE_MAX(w_max, x->cubic.cwnd_epoch));
	drain(t);
	tstack_free(t);
}
END_TEST

static TCase *
tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, tstack_reap);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *
tcp_suite(void)
{
	Suite *s = suite_create("tcp");
	TCase *tc;

	tc = tcase(s, "open");
	tcase_add_test(tc, passive_open_negotiates_options);
	tcase_add_loop_test(tc, passive_open_honours_peer_mss, 0,
			    (int)RTE_DIM(mss_cases));
	tcase_add_test(tc, active_open_handshake);
	tcase_add_test(tc, active_open_refused);
	tcase_add_test(tc, active_open_ports_exhausted);
	tcase_add_test(tc, closed_port_syn_gets_rst_ack);
	tcase_add_test(tc, closed_port_ack_gets_rst);
	tcase_add_test(tc, syn_ack_repeated_for_repeated_syn_and_after_rto);
	tcase_add_test(tc, handshake_after_repeated_syn_gives_no_rtt_sample);
	tcase_add_test(tc, listen_backlog_counts_completed_only);
	tcase_add_test(tc, child_keeps_its_listener_when_others_come_and_go);
	tcase_add_test(tc, simultaneous_open);

	tc = tcase(s, "close");
	tcase_add_test(tc, active_close_to_time_wait_and_closed);
	tcase_add_test(tc, close_time_wait_acks_repeated_fin);
	tcase_add_test(tc, close_fin_wait_2_is_bounded);
	tcase_add_test(tc, passive_close_through_last_ack);
	tcase_add_test(tc, passive_close_by_close);
	tcase_add_test(tc, simultaneous_close);
	tcase_add_test(tc, half_close_keeps_receiving);
	tcase_add_test(tc, close_with_unread_data_resets);
	tcase_add_test(tc, linger_zero_close_resets);
	tcase_add_test(tc, data_after_close_resets);

	tc = tcase(s, "reset");
	tcase_add_test(tc, rst_in_window_challenged_exact_resets);
	tcase_add_test(tc, syn_in_established_challenged);
	tcase_add_test(tc, out_of_window_segment_acked_and_dropped);
	tcase_add_test(tc, paws_drops_old_timestamp);
	tcase_add_test(tc, rst_in_syn_received_frees_the_child);

	tc = tcase(s, "receive");
	tcase_add_test(tc, inorder_data_acked_every_second_segment);
	tcase_add_test(tc, delayed_ack_fires_after_delack_ms);
	tcase_add_test(tc, out_of_order_dupack_then_fill);
	tcase_add_test(tc, out_of_order_fin_waits_for_the_hole);
	tcase_add_test(tc, overlapping_and_duplicate_segments);
	tcase_add_test(tc, sack_block_bytes_on_the_wire);
	tcase_add_test(tc, sack_blocks_most_recent_first);
	tcase_add_test(tc, sack_four_blocks_without_timestamps);
	tcase_add_test(tc, sack_not_sent_unless_negotiated);
	tcase_add_test(tc, ooo_segment_cap_keeps_the_nearest);
	tcase_add_test(tc, ooo_byte_cap_keeps_the_nearest);
	tcase_add_test(tc, ooo_engine_budget);
	tcase_add_test(tc, ooo_tiny_segments_bounded);
	tcase_add_test(tc, ooo_bytes_count_against_the_window);
	tcase_add_test(tc, receive_window_shrinks_and_reopens);
	tcase_add_test(tc, unscaled_window_sends_no_idle_updates);

	tc = tcase(s, "send");
	tcase_add_test(tc, send_cut_at_mss_across_mbufs_and_wrap);
	tcase_add_test(tc, port_without_chains_gets_whole_segments);
	tcase_add_test(tc, send_mbuf_is_zero_copy);
	tcase_add_test(tc, nagle_coalesces_until_ack);
	tcase_add_test(tc, nagle_hold_bounded_by_flush_timer);
	tcase_add_test(tc, nodelay_sends_each_write);
	tcase_add_test(tc, msg_more_held_until_flush_timer);
	tcase_add_test(tc, cork_holds_partial_segments);
	tcase_add_test(tc, tx_checksum_offload);
	tcase_add_test(tc, zero_window_persist_probes_and_resume);
	tcase_add_test(tc, zero_window_persist_gives_up_on_silent_peer);

	tc = tcase(s, "reliability");
	tcase_add_test(tc, rto_backs_off_exponentially);
	tcase_add_test(tc, rto_overdue_after_a_clock_jump_goes_at_once);
	tcase_add_test(tc, rtt_estimate_and_karn);
	tcase_add_test(tc, rto_resends_data_with_the_fin);
	tcase_add_test(tc, full_send_buffer_then_ev_out);
	tcase_add_test(tc, retries_exhausted_times_out);
	tcase_add_test(tc, syn_retries_exhausted_times_out);
	tcase_add_test(tc, fast_retransmit_and_newreno);
	tcase_add_test(tc, single_loss_limited_transmit_fast_retransmit);
	tcase_add_test(tc, dupacks_opening_a_limiting_window_do_not_count);
	tcase_add_test(tc, newreno_partial_acks_then_impatient_rto);
	tcase_add_test(tc, lost_retransmission_rto_then_careful_dupacks);
	tcase_add_test(tc, tail_loss_recovered_by_rto);
	tcase_add_test(tc, sack_recovery_single_loss);
	tcase_add_test(tc, sack_recovery_many_losses_one_rtt);
	tcase_add_test(tc, rack_reordering_timer_finds_a_lone_hole);
	tcase_add_test(tc, sack_lost_retransmission_resent);
	tcase_add_test(tc, tail_loss_probe_then_sack_recovery);
	tcase_add_test(tc, tail_loss_probes_repeat_when_acks_are_lost);
	tcase_add_test(tc, sack_blocks_hostile_are_bounded);
	tcase_add_test(tc, tail_loss_probe_never_past_snd_max);
	tcase_add_test(tc, sack_recovery_below_recover_repairs_without_second_cut);
	tcase_add_test(tc, ack_loss_only_resends_nothing);
	tcase_add_test(tc, rto_restarted_by_each_new_ack);
	tcase_add_test(tc, spurious_rto_undone_by_eifel);
	tcase_add_test(tc, rtt_from_timestamps_after_rto);
	tcase_add_loop_test(tc, initial_window, 0, (int)RTE_DIM(iw_cases));
	tcase_add_test(tc, keepalive_probes_then_times_out);
	tcase_add_test(tc, keepalive_hours_away_fires_on_time_across_the_wrap);
	tcase_add_test(tc, deadline_in_32_bits_reads_back_whole);

	tc = tcase(s, "congestion");
	tcase_add_test(tc, cubic_loss_and_growth_along_the_curve);
	tcase_add_loop_test(tc, hystart_leaves_slow_start_on_rtt_increase, 0,
			    (int)RTE_DIM(hy_cases));
	tcase_add_loop_test(tc, hystart_stays_in_slow_start_without_rtt_increase, 0, 2);
	tcase_add_test(tc, cubic_without_ext_runs_as_reno);
	tcase_add_test(tc, cc_chosen_per_socket_and_inherited);
	tcase_add_test(tc, cubic_spurious_rto_undo_restores_w_max);

	tc = tcase(s, "idle");
	tcase_add_test(tc, idle_connection_sleeps_and_wakes_for_data);
	tcase_add_test(tc, idle_connection_wakes_for_the_application);
	tcase_add_test(tc, idle_connection_woken_mid_burst);
	tcase_add_loop_test(tc, busy_connections_stay_whole, 0, 3);
	tcase_add_test(tc, idle_connection_without_a_tcb_to_wake_into);

	tc = tcase(s, "time-wait");
	tcase_add_test(tc, time_wait_recycled_when_out_of_tcbs);
	tcase_add_test(tc, time_wait_reuse_by_new_syn);
	tcase_add_test(tc, time_wait_reuse_by_active_open);
	tcase_add_test(tc, time_wait_kept_without_timestamps);
	tcase_add_test(tc, burst_hint_recycled_pair);
	tcase_add_test(tc, burst_acks_stretch_in_order_data_only);
	tcase_add_test(tc, ack_waits_for_the_application);
	tcase_add_test(tc, ack_waits_one_turn_at_most);

	tc = tcase(s, "syncache");
	tcase_add_test(tc, cookie_with_timestamps_keeps_every_option);
	tcase_add_test(tc, cookie_without_timestamps_loses_scaling_and_sack);
	tcase_add_test(tc, sack_off_neither_offers_nor_accepts);
	tcase_add_test(tc, cookie_forged_or_old_is_refused);
	tcase_add_test(tc, syncache_full_answers_with_cookies);
	tcase_add_test(tc, syncache_full_without_cookies_drops);
	tcase_add_test(tc, syncache_retransmits_then_expires);
	tcase_add_test(tc, syncache_new_isn_replaces_entry_bad_ack_reset);
	tcase_add_test(tc, syncache_data_on_final_ack_and_listener_close);
	tcase_add_test(tc, bad_syns_dropped_and_counted);
	tcase_add_test(tc, syncache_turn_work_is_bounded);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	tstack_eal_init("tcp");
	sr = srunner_create(tcp_suite());
	/* In-process, as the engine suite (EAL memory is shared). */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* fuzz_stateful.c: libFuzzer harness for TCP as a state machine: segments, clock and socket calls in the order the input says, invariants after every step. */
#include <string.h>
#include <sys/socket.h>

#include <rte_mbuf.h>

#include "fuzz_stack.h"

/*
 * The input is a program: each step is an opcode byte and its operands
 * (missing bytes read as 0). Steps inject a TCP segment from the peer
 * on one of four 4-tuples (two to our listener, the one our connect()
 * opened, one to a port nobody listens on) with sequence and
 * acknowledgement numbers as offsets from the connection's RCV.NXT and
 * SND.UNA, so small offsets land in the window; advance the clock; or
 * call the socket API. After every step the invariants of every TCB
 * are checked (check_tcb()). At the end every descriptor is closed as
 * an application would (FIN), the clock runs with the peer silent
 * until every TCB is gone (bounded: a TCB left is a leak), and every
 * mbuf must be back in its pool. Any violation aborts.
 *
 * Every input starts on the same footing: the clock at a multiple of
 * 2^34 us (so the ISNs' 4-microsecond clock reads the same), the port
 * allocator at the same place, the peer freshly learnt by ARP.
 */

#define OUR_PORT 8080
#define DEAD_PORT 8081		/* nobody listens */
#define PEER_PORT 80		/* what connect() opens to */
#define PEER_ISS 0xfffff000u

#define MS 1000ull
#define SETTLE_STEP_US (50 * MS)
#define SETTLE_STEPS 4000	/* 200 s of silence */

static struct tstack *t;
static uint8_t payload[2048];
static uint8_t sink[70000];

/* Short timers and small buffers: states and edges come within reach. */
static void
cfg_stateful(struct pmt_config *cfg)
{
	cfg->arp_reachable_ms = 86400000;
	cfg->tcp_max_sockets = 64;
	cfg->tcp_sndbuf = 16384;
	cfg->tcp_rcvbuf = 16384;
	cfg->tcp_time_wait_ms = 500;
	cfg->tcp_fin_wait2_ms = 800;
	cfg->tcp_rto_min_ms = 200;
	cfg->tcp_rto_init_ms = 1000;
	cfg->tcp_rto_max_ms = 4000;
	cfg->tcp_retries = 4;
	cfg->tcp_syn_retries = 3;
	cfg->tcp_keep_idle_s = 2;
	cfg->tcp_keep_intvl_s = 1;
	cfg->tcp_keep_probes = 2;
	cfg->tcp_idle_ms = 300;
}

/* The input, read front to back; past its end every byte is 0. */
struct rd {
	const uint8_t *p;
	size_t n;
};

static uint8_t
rd8(struct rd *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

static uint16_t
rd16(struct rd *r)
{
	uint16_t hi = rd8(r);

	return (uint16_t)(hi << 8 | rd8(r));
}

/* What the application holds. */
#define N_ACC 4
struct app {
	int lfd;		/* listener on OUR_PORT */
	int afd;		/* active open */
	int acc[N_ACC];		/* accepted */
	uint16_t act_lport;	/* our port of the active open (host order) */
	uint32_t peer_ts;	/* the peer's TSval clock */
};

static int *
fd_slot(struct app *a, uint8_t sel)
{
	switch (sel % (2 + N_ACC)) {
	case 0:
		return &a->lfd;
	case 1:
		return &a->afd;
	default:
		return &a->acc[sel % (2 + N_ACC) - 2];
	}
}

/* ---- invariants ---- */

static uint32_t
list_len(const struct rte_mbuf *m, const struct rte_mbuf **last,
	 uint32_t *n)
{
	uint32_t bytes = 0;

	*last = NULL;
	*n = 0;
	for (; m != NULL; m = m->next) {
		if (++*n > 1000000)
			FZ_FAIL("a queue loops");
		bytes += m->data_len;
		*last = m;
	}
	return bytes;
}

static void
check_tcb(const struct pmt_tcb *tcb, const char *when)
{
	const struct rte_mbuf *last;
	uint32_t bytes, n, flight;

	if (tcb->state >= PMT_TCPS_N)
		FZ_FAIL("%s: state %u", when, tcb->state);
	if (tcb->snd_wscale > PMT_TCP_MAX_WSCALE ||
	    tcb->rcv_wscale > PMT_TCP_MAX_WSCALE)
		FZ_FAIL("%s: window shifts %u/%u", when, tcb->snd_wscale,
			tcb->rcv_wscale);
	if (tcb->state == PMT_TCPS_LISTEN) {
		const struct pmt_tcb *c;
		uint32_t q = 0;

		for (c = tcb->acc_head; c != NULL;
		     c = pmt_tcb_at(&t->eng->tcp, c->q_next))
			if (++q > 65536)
				FZ_FAIL("%s: accept queue loops", when);
		/* q_len counts the half-open children too. */
		if (q > tcb->q_len)
			FZ_FAIL("%s: accept queue of %u, q_len %u", when, q,
				tcb->q_len);
		return;
	}
	/* RFC 9293 3.3.1: SND.UNA <= SND.NXT <= SND.MAX, in sequence space. */
	if (tcb->state >= PMT_TCPS_SYN_SENT &&
	    (!pmt_seq_leq(tcb->snd_una, tcb->snd_nxt) ||
	     !pmt_seq_leq(tcb->snd_nxt, tcb->snd_max)))
		FZ_FAIL("%s: %s: snd_una %u snd_nxt %u snd_max %u", when,
			pmt_tcp_state_names[tcb->state], tcb->snd_una,
			tcb->snd_nxt, tcb->snd_max);
	bytes = list_len(tcb->snd_head, &last, &n);
	if (bytes != tcb->snd_q_len || last != tcb->snd_tail)
		FZ_FAIL("%s: send queue holds %u bytes, snd_q_len %u%s", when,
			bytes, tcb->snd_q_len,
			last != tcb->snd_tail ? ", tail wrong" : "");
	/* What is in flight is queued data, plus a SYN and a FIN. */
	flight = tcb->snd_max - tcb->snd_una;
	if (tcb->state >= PMT_TCPS_SYN_SENT && flight > tcb->snd_q_len + 2)
		FZ_FAIL("%s: %s: %u bytes in flight, %u queued", when,
			pmt_tcp_state_names[tcb->state], flight,
			tcb->snd_q_len);
	bytes = list_len(tcb->rcv_head, &last, &n);
	if (bytes != tcb->rcv_q_len || last != tcb->rcv_tail)
		FZ_FAIL("%s: receive queue holds %u bytes, rcv_q_len %u%s",
			when, bytes, tcb->rcv_q_len,
			last != tcb->rcv_tail ? ", tail wrong" : "");
	bytes = list_len(tcb->ooo_head, &last, &n);
	if (bytes != tcb->ooo_len || n != tcb->ooo_n)
		FZ_FAIL("%s: out-of-order queue holds %u bytes in %u, ooo_len "
			"%u ooo_n %u", when, bytes, n, tcb->ooo_len,
			tcb->ooo_n);
}

struct walk {
	const char *when;
	unsigned int n;
	uint32_t children[PMT_TCP_MAX_LISTEN];	/* by listener index */
};

static int
check_entry(void *arg, const struct pmt_flow_key *k, void *value)
{
	struct pmt_tcp_engine *te = &t->eng->tcp;
	const struct pmt_tcb *tcb = value;
	struct walk *w = arg;
	unsigned int i;

	RTE_SET_USED(k);
	w->n++;
	if (pmt_tcb_is_idle(value))
		return 0;
	check_tcb(tcb, w->when);
	if (tcb->parent == 0)
		return 0;
	/* A child's listener is alive and counts it. */
	i = tcb->parent - 1u;
	if (i >= te->n_listen || te->listen[i] == NULL ||
	    te->listen[i]->state != PMT_TCPS_LISTEN)
		FZ_FAIL("%s: %s child of a listener that is gone", w->when,
			pmt_tcp_state_names[tcb->state]);
	w->children[i]++;
	return 0;
}

static void
check_all(const char *when)
{
	struct pmt_tcp_engine *te = &t->eng->tcp;
	struct walk w = { .when = when };
	uint32_t i;

	pmt_sockt_walk(te->table, check_entry, &w);
	for (i = 0; i < te->n_listen; i++) {
		if (te->listen[i] == NULL)
			continue;
		check_tcb(te->listen[i], when);
		if (w.children[i] != te->listen[i]->q_len)
			FZ_FAIL("%s: listener with %u children, q_len %u",
				when, w.children[i], te->listen[i]->q_len);
	}
	for (i = 0; i < te->n_fds; i++)
		if (te->fds[i] != 0 && !pmt_tcb_is_idle(pmt_fd_get(te, i)))
			check_tcb(pmt_fd_get(te, i), when);
	if (tstack_tcbs(t) > t->st->cfg.tcp_max_sockets)
		FZ_FAIL("%s: %u TCBs of %u", when, tstack_tcbs(t),
			t->st->cfg.tcp_max_sockets);
}

/* ---- steps ---- */

/* Where the connection on a 4-tuple is, in either form. */
struct conn_seq {
	uint32_t rcv_nxt;
	uint32_t snd_una;
};

static bool
conn_of(const struct pmt_flow_key *k, struct conn_seq *cs)
{
	void *v = pmt_sockt_lookup(t->eng->tcp.table, k);

	if (v == NULL)
		return false;
	if (pmt_tcb_is_idle(v)) {
		cs->rcv_nxt = pmt_tcb_idle_of(v)->rcv_nxt;
		cs->snd_una = pmt_tcb_idle_of(v)->snd_una;
	} else {
		cs->rcv_nxt = ((const struct pmt_tcb *)v)->rcv_nxt;
		cs->snd_una = ((const struct pmt_tcb *)v)->snd_una;
	}
	return true;
}

/* Our TSval on @k's connection now (0 without one). */
static uint32_t
our_ts(const struct pmt_flow_key *k)
{
	void *v = pmt_sockt_lookup(t->eng->tcp.table, k);

	if (v == NULL)
		return 0;
	if (pmt_tcb_is_idle(v))
		return (uint32_t)(t->now / 1000) + pmt_tcb_idle_of(v)->ts_offset;
	return pmt_tcp_ts_now(v);
}

static void
step_segment(struct app *a, struct rd *r)
{
	uint8_t sel = rd8(r), flags = rd8(r);
	int16_t seq_off = (int16_t)rd16(r), ack_off = (int16_t)rd16(r);
	uint16_t wnd = rd16(r), len = rd16(r) % 1461;
	uint8_t f[2048];
	struct ts_tcp s = {
		.src = ts_ip(TS_PEER_IP), .dst = ts_ip(TS_OUR_IP),
		.flags = flags, .wnd = wnd, .data = payload,
	};
	struct pmt_flow_key k = { .laddr = s.dst, .raddr = s.src };
	struct conn_seq cs;
	size_t n;

	switch (sel & 3) {
	case 0:
		s.sport = 5555;
		s.dport = OUR_PORT;
		break;
	case 1:
		s.sport = 5556;
		s.dport = OUR_PORT;
		break;
	case 2:
		s.sport = PEER_PORT;
		s.dport = a->act_lport ? a->act_lport : 40000;
		break;
	default:
		s.sport = 5557;
		s.dport = DEAD_PORT;
		break;
	}
	k.lport = rte_cpu_to_be_16(s.dport);
	k.rport = rte_cpu_to_be_16(s.sport);
	if (!conn_of(&k, &cs))
		cs = (struct conn_seq){ .rcv_nxt = PEER_ISS, .snd_una = 0 };
	s.seq = cs.rcv_nxt + (uint32_t)(int32_t)seq_off;
	s.ack = cs.snd_una + (uint32_t)(int32_t)ack_off;
	if (sel & 0x04) {
		s.o.opts |= PMT_TO_MSS;
		s.o.mss = rd16(r);
	}
	if (sel & 0x08) {
		s.o.opts |= PMT_TO_WSCALE;
		s.o.wscale = rd8(r) % 16;
	}
	if (sel & 0x10)
		s.o.opts |= PMT_TO_SACK_PERM;
	if (sel & 0x20) {
		/* Mostly forward, sometimes back (PAWS). */
		a->peer_ts += (uint32_t)(int32_t)(int8_t)rd8(r);
		s.o.opts |= PMT_TO_TS;
		s.o.tsval = a->peer_ts;
		/* An echo of our clock, a few ticks old (or not). */
		s.o.tsecr = our_ts(&k) - rd8(r);
	}
	if (sel & 0x40) {
		uint32_t base = cs.snd_una;

		s.o.opts |= PMT_TO_SACK;
		s.o.n_sack = (uint8_t)(rd8(r) % PMT_TCP_MAX_SACK + 1);
		for (unsigned int i = 0; i < s.o.n_sack; i++) {
			s.o.sack[i].left = base + (uint32_t)(int32_t)(int16_t)rd16(r);
			s.o.sack[i].right = s.o.sack[i].left + rd16(r);
		}
	}
	s.len = RTE_MIN((uint32_t)len,
			1500u - 40u - pmt_tcp_opts_len(&s.o));
	/* Byte i of the stream is a function of its sequence number. */
	for (uint32_t i = 0; i < s.len; i++)
		payload[i] = (uint8_t)((s.seq + i) * 2654435761u >> 24);
	n = ts_tcp(f, tstack_mac(t), &ts_peer_mac, &s);
	/* Offloads say the sum is good half the time: same path either way. */
	fz_inject(t, f, n, (sel & 0x80) ? n / 2 : 0,
		  (sel & 0x80) ? RTE_MBUF_F_RX_IP_CKSUM_GOOD |
		  RTE_MBUF_F_RX_L4_CKSUM_GOOD : 0);
}

static void
step_clock(struct rd *r)
{
	static const uint64_t step[8] = {
		100, MS, 10 * MS, 40 * MS, 200 * MS, 1000 * MS, 5000 * MS,
		60000 * MS,
	};
	uint8_t b = rd8(r);

	t->now += step[b & 7] * (1 + (b >> 3));
	pmt_engine_turn(t->eng, t->now);
}

static void
step_send(struct app *a, struct rd *r, bool zero_copy)
{
	int fd = *fd_slot(a, rd8(r));
	uint16_t n = rd16(r);
	int flags = (n & 1) ? PMT_MSG_MORE : 0;
	long ret;

	if (!zero_copy) {
		ret = pmt_send(t->eng, fd, sink, n, flags);
		if (ret > (long)n)
			FZ_FAIL("pmt_send took %ld of %u bytes", ret, n);
		return;
	}
	/* A chain of up to three mbufs, as an application builds one. */
	{
		struct rte_mbuf *m = NULL, *s;
		unsigned int pieces = n % 3 + 1, i;

		n = (uint16_t)(n % 4000 + 1);
		for (i = 0; i < pieces; i++) {
			uint16_t part = (uint16_t)RTE_MIN(n / pieces + 1, 2000);

			s = rte_pktmbuf_alloc(t->eng->pool);
			if (s == NULL) {
				rte_pktmbuf_free(m);
				return;
			}
			memset(rte_pktmbuf_append(s, part), 'z', part);
			if (m == NULL)
				m = s;
			else if (rte_pktmbuf_chain(m, s) != 0)
				FZ_FAIL("cannot chain");
		}
		ret = pmt_send_mbuf(t->eng, fd, m, flags);
		if (ret < 0)
			rte_pktmbuf_free(m);	/* still ours on error */
	}
}

static void
step_recv(struct app *a, struct rd *r)
{
	int fd = *fd_slot(a, rd8(r));
	uint16_t n = rd16(r);
	long ret;

	if (n & 1) {
		struct rte_mbuf *m = NULL;

		ret = pmt_recv_mbuf(t->eng, fd, &m);
		if (ret > 0) {
			if (m == NULL || rte_pktmbuf_pkt_len(m) != ret)
				FZ_FAIL("pmt_recv_mbuf: %ld bytes, chain of %u",
					ret, m ? rte_pktmbuf_pkt_len(m) : 0);
			rte_pktmbuf_free(m);
		}
		return;
	}
	ret = pmt_recv(t->eng, fd, sink, n);
	if (ret > (long)n)
		FZ_FAIL("pmt_recv gave %ld of %u bytes", ret, n);
}

static void
step_setsockopt(struct app *a, struct rd *r)
{
	static const enum pmt_sockopt opts[] = {
		PMT_TCP_NODELAY, PMT_TCP_CORK, PMT_SO_LINGER, PMT_SO_KEEPALIVE,
		PMT_SO_SNDBUF, PMT_SO_RCVBUF,
	};
	int fd = *fd_slot(a, rd8(r));
	uint8_t o = rd8(r), v = rd8(r);
	enum pmt_sockopt opt = opts[o % RTE_DIM(opts)];
	int value = v;

	if (opt == PMT_SO_LINGER)
		value = (int)(v % 3) - 1;	/* -1 off, 0 abort, 1 s */
	else if (opt == PMT_SO_SNDBUF || opt == PMT_SO_RCVBUF)
		value = (int)v * 256;
	else
		value = v & 1;
	pmt_setsockopt(t->eng, fd, opt, value);
	pmt_getsockopt(t->eng, fd, PMT_SO_ERROR, &value);
	pmt_getsockopt(t->eng, fd, PMT_TCP_STATE, &value);
}

static void
step(struct app *a, struct rd *r)
{
	uint8_t op = rd8(r);
	int *slot;
	int fd;

	switch (op % 16) {
	case 0: case 1: case 2: case 3: case 4:
		step_segment(a, r);
		break;
	case 5: case 6:
		step_clock(r);
		break;
	case 7:
		step_send(a, r, false);
		break;
	case 8:
		step_send(a, r, true);
		break;
	case 9:
		step_recv(a, r);
		break;
	case 10:
		fd = *fd_slot(a, rd8(r));
		pmt_shutdown(t->eng, fd, rd8(r) % 3);	/* SHUT_RD .. SHUT_RDWR */
		break;
	case 11:
		slot = fd_slot(a, rd8(r));
		if (*slot >= 0 && pmt_close(t->eng, *slot) != 0)
			FZ_FAIL("pmt_close of a live descriptor failed");
		*slot = -1;
		break;
	case 12:
		if (a->afd >= 0)
			break;
		a->afd = pmt_socket(t->eng);
		if (a->afd >= 0 &&
		    pmt_connect(t->eng, a->afd, ts_ip(TS_PEER_IP), PEER_PORT) ==
		    -EINPROGRESS) {
			uint32_t addr;

			pmt_getsockname(t->eng, a->afd, &addr, &a->act_lport);
		}
		break;
	case 13:
		for (int i = 0; i < N_ACC; i++)
			if (a->acc[i] < 0) {
				fd = pmt_accept(t->eng, a->lfd, NULL, NULL);
				if (fd >= 0)
					a->acc[i] = fd;
				break;
			}
		break;
	case 14:
		if (a->lfd >= 0)
			break;
		a->lfd = pmt_socket(t->eng);
		if (a->lfd >= 0 &&
		    (pmt_bind(t->eng, a->lfd, 0, OUR_PORT) != 0 ||
		     pmt_listen(t->eng, a->lfd, rd8(r) % 4 + 1) != 0)) {
			pmt_close(t->eng, a->lfd);
			a->lfd = -1;
		}
		break;
	default:
		if (rd8(r) & 1)
			step_setsockopt(a, r);
		else
			fz_events(t);
		break;
	}
}

/* ---- one input ---- */

static void
begin(struct app *a)
{
	const uint64_t period = 1ull << 34;	/* the ISN clock's: now / 4 */

	t->now = (t->now | (period - 1)) + 1;
	pmt_engine_turn(t->eng, t->now);
	pmt_port_alloc_init(&t->eng->tcp.ports,
			    (uint16_t)t->st->cfg.tcp_port_min,
			    (uint16_t)t->st->cfg.tcp_port_max, 12345);
	fz_arp_reset(t);
	fz_learn_peer(t);
	memset(a, 0xff, sizeof(*a));
	a->act_lport = 0;
	a->peer_ts = 1000;
	a->lfd = pmt_socket(t->eng);
	if (a->lfd < 0 || pmt_bind(t->eng, a->lfd, 0, OUR_PORT) != 0 ||
	    pmt_listen(t->eng, a->lfd, 4) != 0)
		FZ_FAIL("cannot listen");
}

static int
dump_entry(void *arg, const struct pmt_flow_key *k, void *value)
{
	const struct pmt_tcb *tcb = value;

	RTE_SET_USED(arg);
	if (pmt_tcb_is_idle(value)) {
		fprintf(stderr, "  idle form, port %u\n",
			rte_be_to_cpu_16(k->lport));
		return 0;
	}
	fprintf(stderr, "  %s port %u<-%u flags %#x fd %d snd_q %u wnd %u "
		"una %u nxt %u max %u timers", pmt_tcp_state_names[tcb->state],
		rte_be_to_cpu_16(k->lport), rte_be_to_cpu_16(k->rport),
		tcb->flags, tcb->fd, tcb->snd_q_len, tcb->snd_wnd,
		tcb->snd_una, tcb->snd_nxt, tcb->snd_max);
	for (int i = 0; i < PMT_TCPT_N; i++)
		fprintf(stderr, " %s", tcb->tmr[i] ? "on" : "-");
	fprintf(stderr, " rxtshift %u\n", tcb->rxtshift);
	return 0;
}

/* Close what the application holds; the peer says nothing more. */
static void
end(struct app *a)
{
	unsigned int i;

	for (i = 0; i < 2 + N_ACC; i++) {
		int *slot = fd_slot(a, (uint8_t)i);

		if (*slot >= 0)
			pmt_close(t->eng, *slot);
		*slot = -1;
	}
	/* Children that were never accepted go with the listener. */
	for (i = 0; i < SETTLE_STEPS && (tstack_tcbs(t) > 0 ||
					 pmt_tcb_idle_in_use(t->eng) > 0); i++) {
		t->now += SETTLE_STEP_US;
		pmt_engine_turn(t->eng, t->now);
		fz_drain(t);
		fz_events(t);
		check_all("while closing");
	}
	if (tstack_tcbs(t) > 0 || pmt_tcb_idle_in_use(t->eng) > 0) {
		struct pmt_tcp_engine *te = &t->eng->tcp;

		for (i = 0; i < te->n_fds; i++)
			if (te->fds[i] != 0)
				fprintf(stderr, "fd %u still open\n", i);
		fprintf(stderr, "in the socket table:\n");
		pmt_sockt_walk(te->table, dump_entry, NULL);
		FZ_FAIL("%u TCB(s) and %u idle form(s) left %u s after every "
			"descriptor closed", tstack_tcbs(t),
			pmt_tcb_idle_in_use(t->eng),
			(unsigned int)(SETTLE_STEPS * SETTLE_STEP_US / 1000000));
	}
	fz_drain(t);
	fz_check_pools(t, 0, "after the input");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	t = fz_stack("fzstate", cfg_stateful);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = { data, size };
	struct app a;
	unsigned int steps = 0;

	begin(&a);
	check_all("at the start");
	while (r.n > 0 && steps++ < 256) {
		step(&a, &r);
		fz_drain(t);
		check_all("after a step");
	}
	end(&a);
	return 0;
}

/* tcp_tcb.c: control-block life: the engine's TCP state, TCB create, hash, close, release, events. */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "engine/pmt_engine.h"
#include "tcp/pmt_tcp.h"

/*
 * A TCB is reused only when two owners are done with it: the protocol
 * (it left the socket table) and the application (its descriptor is
 * closed, or it never had one). Whichever finishes second returns it to
 * the pool, and never from inside input or timer processing: leaving
 * the table only links the TCB on the engine's reap list, drained at
 * the end of each turn.
 */

_Static_assert(offsetof(struct pmt_tcb, cwnd) == RTE_CACHE_LINE_SIZE,
	       "TCB line 0 holds exactly what every arriving segment reads");
_Static_assert(offsetof(struct pmt_tcb, snd_head) == 2 * RTE_CACHE_LINE_SIZE,
	       "TCB line 1: send side and congestion control");
_Static_assert(offsetof(struct pmt_tcb, tmr) == 3 * RTE_CACHE_LINE_SIZE,
	       "TCB line 2: queues and the timer node");
_Static_assert(sizeof(struct pmt_tcb) <= 256,
	       "TCB budget: four cache lines, 256 bytes (issue 10)");
_Static_assert(sizeof(struct pmt_tcb) % RTE_CACHE_LINE_SIZE == 0,
	       "TCB references divide by the slab's object size");
_Static_assert(PMT_TCP_MAX_LISTEN < 255, "a child names its listener in a byte");
_Static_assert(PMT_ENGINE_SLOTS == 256, "a TCB names its engine in a byte");

_Static_assert(sizeof(struct pmt_tcp_ext) <= 5 * RTE_CACHE_LINE_SIZE,
	       "a connection's recovery and congestion state: five cache lines");

const char *const pmt_tcp_state_names[PMT_TCPS_N] = {
	[PMT_TCPS_CLOSED] = "CLOSED",
	[PMT_TCPS_LISTEN] = "LISTEN",
	[PMT_TCPS_SYN_SENT] = "SYN-SENT",
	[PMT_TCPS_SYN_RECEIVED] = "SYN-RECEIVED",
	[PMT_TCPS_ESTABLISHED] = "ESTABLISHED",
	[PMT_TCPS_CLOSE_WAIT] = "CLOSE-WAIT",
	[PMT_TCPS_FIN_WAIT_1] = "FIN-WAIT-1",
	[PMT_TCPS_CLOSING] = "CLOSING",
	[PMT_TCPS_LAST_ACK] = "LAST-ACK",
	[PMT_TCPS_FIN_WAIT_2] = "FIN-WAIT-2",
	[PMT_TCPS_TIME_WAIT] = "TIME-WAIT",
};

static void
tcb_put(struct pmt_tcb *tcb)
{
	struct pmt_tcp_engine *te = &pmt_tcb_eng(tcb)->tcp;
	unsigned int i;

	/* An ACK still waiting for the application: off the late list. */
	if (tcb->flags & PMT_TF_LATEQ)
		for (i = 0; i < te->late_n; i++)
			if (te->late_q[i] == tcb)
				te->late_q[i] = NULL;
	tcb->flags &= ~(uint32_t)PMT_TF_LATEQ;
	pmt_tcp_ext_put(tcb);
	te->n_tcbs--;
	pmt_slab_put(&te->tcbs, tcb);
}

uint32_t
pmt_tcb_in_use(const struct pmt_engine *eng)
{
	return pmt_slab_in_use(&eng->tcp.tcbs);
}

struct pmt_tcp_ext *
pmt_tcp_ext_of(const struct pmt_tcb *tcb)
{
	const struct pmt_slab *s = &pmt_tcb_eng(tcb)->tcp.exts;

	if (tcb->ext == 0)
		return NULL;
	return (struct pmt_tcp_ext *)(s->base + (size_t)(tcb->ext - 1) * s->size);
}

struct pmt_tcp_ext *
pmt_tcp_ext_get(struct pmt_tcb *tcb)
{
	struct pmt_slab *s = &pmt_tcb_eng(tcb)->tcp.exts;
	struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);

	if (x != NULL)
		return x;
	x = pmt_slab_get(s);
	if (x == NULL) {
		PMT_STAT_INC(pmt_tcb_eng(tcb), tcp_ext_none);
		return NULL;
	}
	memset(x, 0, sizeof(*x));
	pmt_sack_init(&x->sb);
	x->high_rxt = tcb->snd_una;
	x->rack_lost_below = tcb->snd_una;
	x->recovery_point = tcb->snd_una;
	tcb->ext = (uint32_t)(((char *)x - s->base) / s->size) + 1;
	pmt_cc_ext_init(tcb, x);
	PMT_STAT_INC(pmt_tcb_eng(tcb), tcp_ext_allocs);
	return x;
}

void
pmt_tcp_ext_put(struct pmt_tcb *tcb)
{
	struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);

	if (x == NULL)
		return;
	tcb->ext = 0;
	pmt_slab_put(&pmt_tcb_eng(tcb)->tcp.exts, x);
}

uint32_t
pmt_tcp_ext_in_use(const struct pmt_engine *eng)
{
	return pmt_slab_in_use(&eng->tcp.exts);
}

/*
 * A value left the socket table (deleted, or replaced by the other
 * form of its connection): from within the delete or replace.
 */
static void
tcb_left_table(void *ctx, void *value)
{
	struct pmt_engine *eng = ctx;
	struct pmt_tcb *tcb = value;

	/* An idle form nobody can reach any more: nothing else holds it. */
	if (pmt_tcb_is_idle(value)) {
		pmt_tcp_idle_put(eng, pmt_tcb_idle_of(value));
		return;
	}
	tcb->q_next = pmt_tcb_ref(&eng->tcp, eng->tcp.reap);
	eng->tcp.reap = tcb;
}

static bool
tcb_app_done(const struct pmt_tcb *tcb)
{
	return (tcb->flags & PMT_TF_APP_CLOSED) != 0;
}

void
pmt_tcp_reap(struct pmt_engine *eng)
{
	struct pmt_tcb *tcb, *next;

	tcb = eng->tcp.reap;
	if (tcb == NULL)
		return;
	eng->tcp.reap = NULL;
	for (; tcb != NULL; tcb = next) {
		bool idled = tcb->tbl == PMT_TBL_IDLED;

		next = pmt_tcb_at(&eng->tcp, tcb->q_next);
		tcb->q_next = 0;
		tcb->tbl = PMT_TBL_NONE;
		/*
		 * An idled TCB's connection lives on in its idle form. Else,
		 * on the ready list, pmt_events() puts it when it pops it.
		 */
		if (idled || (tcb_app_done(tcb) && !tcb->ev_queued))
			tcb_put(tcb);
	}
}

int
pmt_tcp_engine_init(struct pmt_engine *eng)
{
	const struct pmt_config *cfg = &eng->stack->cfg;
	int socket = (int)rte_lcore_to_socket_id(eng->lcore_id);
	struct pmt_tcp_engine *te = &eng->tcp;
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t n = cfg->tcp_max_sockets;
	int ret;

	/* A free TCB links the free list where its send queue was. */
	ret = pmt_slab_init(&te->tcbs, "pmt_tcb", sizeof(struct pmt_tcb),
			    RTE_CACHE_LINE_SIZE,
			    offsetof(struct pmt_tcb, snd_head), n, socket);
	/*
	 * Only connections that lose data or grow past slow start's start
	 * hold one: at most 65536 per engine, reserved but resident only
	 * as used (pmt_slab). Past that, NewReno without a scoreboard.
	 */
	if (ret == 0)
		ret = pmt_slab_init(&te->exts, "pmt_tcp_ext",
				    sizeof(struct pmt_tcp_ext),
				    RTE_CACHE_LINE_SIZE, 0,
				    RTE_MIN(n, 65536u), socket);
	snprintf(name, sizeof(name), "pmt_clone_%u", eng->idx);
	/* Indirect mbufs carry no data: a zero data room. */
	te->clone_pool = rte_pktmbuf_pool_create(name, cfg->mbufs_per_lcore,
						 256, 0, 0, socket);
	snprintf(name, sizeof(name), "pmt_sockt_%u", eng->idx);
	/*
	 * No thread but this engine's reads its shard: segments that reach
	 * another lcore are handed over on rings, and whoever wants to see
	 * the sockets asks the engine (issue 11's design). A closed TCB
	 * goes to the reap list from within the delete (freed at the
	 * turn's end), an idle form back to its slab at once.
	 */
	te->table = pmt_sockt_create(name, n, socket,
				     offsetof(struct pmt_tcb, key),
				     tcb_left_table, eng);
	te->fds = rte_zmalloc_socket("pmt_fds", n * sizeof(*te->fds),
				     RTE_CACHE_LINE_SIZE, socket);
	te->fd_next = rte_zmalloc_socket("pmt_fds", n * sizeof(uint32_t),
					 RTE_CACHE_LINE_SIZE, socket);
	te->tw_cap = n + 1;
	/* A quarter of the pool by default: the rest stays for RX rings,
	 * send queues and in-order data (tcp-ooo-engine-mbufs). */
	te->ooo_mbufs_max = cfg->tcp_ooo_engine_mbufs ?
		cfg->tcp_ooo_engine_mbufs : cfg->mbufs_per_lcore / 4;
	te->tw_ring = rte_zmalloc_socket("pmt_tw",
					 te->tw_cap * sizeof(te->tw_ring[0]),
					 RTE_CACHE_LINE_SIZE, socket);
	if (ret != 0 || pmt_tcp_idle_init(eng) != 0 ||
	    pmt_syncache_init(eng) != 0 ||
	    te->clone_pool == NULL ||
	    te->table == NULL || te->fds == NULL || te->fd_next == NULL ||
	    te->tw_ring == NULL) {
		RTE_LOG(ERR, USER1,
			"pmtcp: engine %u: no memory for %u sockets: %s\n",
			eng->idx, n, rte_strerror(rte_errno));
		pmt_tcp_engine_fini(eng);
		return -ENOMEM;
	}
	/* The free list starts empty: fresh descriptors come in order. */
	te->n_fds = n;
	if (pmt_tcp_secret_init(&te->secret) != 0) {
		pmt_tcp_engine_fini(eng);
		return -EIO;
	}
	/* Every engine starts at its own point of the port sequence. */
	pmt_port_alloc_init(&te->ports, (uint16_t)cfg->tcp_port_min,
			    (uint16_t)cfg->tcp_port_max,
			    (uint32_t)rte_rand());
	return 0;
}

void
pmt_tcp_engine_fini(struct pmt_engine *eng)
{
	struct pmt_tcp_engine *te = &eng->tcp;
	uint32_t i;

	/* Drop every connection without a word on the wire: we are exiting. */
	if (te->fds != NULL)
		for (i = 0; i < te->n_fds; i++) {
			void *e = pmt_fd_get(te, i);

			if (e != NULL && !pmt_tcb_is_idle(e))
				pmt_sock_destroy(e);
		}
	/* Idle forms hold nothing but their own slab's memory. */
	pmt_sockt_free(te->table);
	pmt_tcp_idle_fini(eng);
	pmt_syncache_fini(eng);
	pmt_slab_fini(&te->tcbs);
	pmt_slab_fini(&te->exts);
	rte_mempool_free(te->clone_pool);
	rte_free(te->fds);
	rte_free(te->fd_next);
	rte_free(te->tw_ring);
	memset(te, 0, sizeof(*te));
}

void
pmt_tcb_time_wait(struct pmt_tcb *tcb)
{
	struct pmt_tcp_engine *te = &pmt_tcb_eng(tcb)->tcp;
	uint32_t next;

	tcb->state = PMT_TCPS_TIME_WAIT;
	pmt_tcp_timer_cancel_all(tcb);
	pmt_tcp_ext_put(tcb);	/* nothing is left to send */
	pmt_tcp_timer_2msl(tcb);
	next = (te->tw_tail + 1) % te->tw_cap;
	if (next == te->tw_head)	/* full of stale entries: drop the oldest */
		te->tw_head = (te->tw_head + 1) % te->tw_cap;
	tcb->tw_gen = ++te->tw_gen;
	te->tw_ring[te->tw_tail].tcb = tcb;
	te->tw_ring[te->tw_tail].gen = tcb->tw_gen;
	te->tw_tail = next;
}

/*
 * Out of TCBs: first those that left the table this turn (they wait
 * for the turn's end otherwise), then the oldest TIME-WAIT (Linux gives
 * one up past tcp_max_tw_buckets too): a new connection is worth more
 * than the tail end of an old one's 2MSL. Returns a TCB, or NULL.
 */
static struct pmt_tcb *
tcb_find_room(struct pmt_engine *eng)
{
	struct pmt_tcp_engine *te = &eng->tcp;
	struct pmt_tcb *fresh;

	pmt_tcp_reap(eng);
	fresh = pmt_slab_get(&te->tcbs);
	while (fresh == NULL && te->tw_head != te->tw_tail) {
		struct pmt_tw_entry *e = &te->tw_ring[te->tw_head];
		struct pmt_tcb *tcb = e->tcb;

		te->tw_head = (te->tw_head + 1) % te->tw_cap;
		/*
		 * Entries go stale when a TIME-WAIT ends early, and the TCB
		 * may be in TIME-WAIT again for another pair: the generation
		 * tells. Only a TCB nobody holds comes back at once.
		 */
		if (tcb->state != PMT_TCPS_TIME_WAIT || tcb->tw_gen != e->gen ||
		    !(tcb->flags & PMT_TF_APP_CLOSED) || tcb->ev_queued)
			continue;
		PMT_STAT_INC(eng, tcp_time_wait_recycled);
		pmt_tcb_close(tcb, 0);
		pmt_tcp_reap(eng);
		fresh = pmt_slab_get(&te->tcbs);
	}
	return fresh;
}

struct pmt_tcb *
pmt_tcb_alloc(struct pmt_engine *eng)
{
	const struct pmt_config *cfg = &eng->stack->cfg;
	struct pmt_tcb *tcb;

	tcb = pmt_slab_get(&eng->tcp.tcbs);
	if (tcb == NULL && (tcb = tcb_find_room(eng)) == NULL) {
		PMT_STAT_INC(eng, tcp_no_tcb);
		return NULL;
	}
	memset(tcb, 0, sizeof(*tcb));
	eng->tcp.n_tcbs++;
	tcb->eng_slot = eng->slot;
	tcb->fd = -1;
	tcb->state = PMT_TCPS_CLOSED;
	tcb->snd_buf = cfg->tcp_sndbuf;
	tcb->rcv_buf = cfg->tcp_rcvbuf;
	tcb->rto = cfg->tcp_rto_init_ms * 1000;
	tcb->t_maxseg = 536;
	tcb->linger_s = 0xffff;
	if (cfg->tcp_congestion == PMT_CC_NEWRENO)
		tcb->flags |= PMT_TF_CC_NEWRENO;
	pmt_tcp_timer_init(tcb);
	return tcb;
}

int
pmt_tcb_hash(struct pmt_tcb *tcb)
{
	int ret = pmt_sockt_add(pmt_tcb_eng(tcb)->tcp.table, tcb);

	if (ret == 0) {
		tcb->tbl = PMT_TBL_IN;
		pmt_port_note(&pmt_tcb_eng(tcb)->tcp.ports, &tcb->key, 1);
	}
	return ret;
}

static void
free_chain_list(struct rte_mbuf *m)
{
	struct rte_mbuf *next;

	for (; m != NULL; m = next) {
		next = m->next;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
	}
}

void
pmt_tcb_flush_rcvq(struct pmt_tcb *tcb)
{
	free_chain_list(tcb->rcv_head);
	tcb->rcv_head = tcb->rcv_tail = NULL;
	tcb->rcv_q_len = 0;
}

void
pmt_tcb_flush_ooo(struct pmt_tcb *tcb)
{
	free_chain_list(tcb->ooo_head);
	tcb->ooo_head = NULL;
	pmt_tcb_eng(tcb)->tcp.ooo_mbufs -= tcb->ooo_n;
	tcb->ooo_len = 0;
	tcb->ooo_n = 0;
}

void
pmt_tcb_flush_queues(struct pmt_tcb *tcb)
{
	struct pmt_tcp_ext *x = pmt_tcp_ext_of(tcb);

	if (x != NULL)
		x->snd_cur = NULL;	/* its mbuf goes with the queue */
	free_chain_list(tcb->snd_head);
	free_chain_list(tcb->rcv_head);
	pmt_tcb_flush_ooo(tcb);
	tcb->snd_head = tcb->snd_tail = NULL;
	tcb->rcv_head = tcb->rcv_tail = NULL;
	tcb->snd_q_len = tcb->rcv_q_len = 0;
}

void
pmt_tcb_close(struct pmt_tcb *tcb, int err)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	uint8_t was = tcb->state;

	if (was == PMT_TCPS_CLOSED)
		return;
	tcb->state = PMT_TCPS_CLOSED;
	if (err && !tcb->err)
		tcb->err = (uint8_t)err;
	pmt_tcp_timer_cancel_all(tcb);
	pmt_tcp_ext_put(tcb);
	/* Keep received data for the application to read; drop the rest. */
	free_chain_list(tcb->snd_head);
	pmt_tcb_flush_ooo(tcb);
	tcb->snd_head = tcb->snd_tail = NULL;
	tcb->snd_q_len = 0;
	if (tcb->tbl == PMT_TBL_IN) {
		pmt_sockt_del_value(eng->tcp.table, tcb);
		pmt_port_note(&eng->tcp.ports, &tcb->key, -1);
		tcb->tbl = PMT_TBL_LEAVING;
	}
	PMT_STAT_INC(eng, tcp_conn_closed);
	if (tcb->parent != 0) {
		/* A child nobody accepted: the listener lets go of it. */
		pmt_listen_unlink(tcb);
		tcb->flags |= PMT_TF_APP_CLOSED;
		pmt_tcb_release(tcb);
		return;
	}
	pmt_tcb_event(tcb, err ? PMT_EV_ERR | PMT_EV_IN | PMT_EV_OUT | PMT_EV_HUP :
		      PMT_EV_IN | PMT_EV_HUP);
}

void
pmt_tcb_release(struct pmt_tcb *tcb)
{
	tcb->flags |= PMT_TF_APP_CLOSED;
	if (tcb->state != PMT_TCPS_CLOSED)
		return;
	pmt_tcb_flush_queues(tcb);
	if (tcb->ev_queued)
		return;		/* pmt_events() puts it when it pops it */
	if (tcb->tbl == PMT_TBL_NONE)
		tcb_put(tcb);
}

/* pmt_events() popped a released, closed TCB. */
void
pmt_tcb_release_popped(struct pmt_tcb *tcb)
{
	if (tcb->state == PMT_TCPS_CLOSED && tcb->tbl == PMT_TBL_NONE &&
	    tcb_app_done(tcb))
		tcb_put(tcb);
}

void
pmt_tcb_drop(struct pmt_tcb *tcb, int err)
{
	if (tcb->state >= PMT_TCPS_SYN_RECEIVED &&
	    tcb->state != PMT_TCPS_TIME_WAIT) {
		/* RFC 9293 3.10.4 ABORT: <SEQ=SND.NXT><CTL=RST>. */
		pmt_tcp_respond(pmt_tcb_eng(tcb), &tcb->key, tcb->snd_nxt, 0,
				PMT_TH_RST);
	}
	pmt_tcb_close(tcb, err);
}

void
pmt_tcb_event(struct pmt_tcb *tcb, uint16_t ev)
{
	struct pmt_tcp_engine *te = &pmt_tcb_eng(tcb)->tcp;

	tcb->ev_mask |= ev;
	if (tcb->ev_queued || tcb->fd < 0)
		return;
	tcb->ev_queued = 1;
	tcb->ev_next = 0;
	if (te->ev_tail != NULL)
		te->ev_tail->ev_next = pmt_tcb_ref(te, tcb);
	else
		te->ev_head = tcb;
	te->ev_tail = tcb;
}

struct pmt_tcb *
pmt_tcp_listener(struct pmt_engine *eng, uint32_t laddr, uint16_t lport)
{
	struct pmt_tcp_engine *te = &eng->tcp;
	struct pmt_tcb *any = NULL;
	unsigned int i;

	for (i = 0; i < te->n_listen; i++) {
		struct pmt_tcb *l = te->listen[i];

		if (l == NULL || l->key.lport != lport)
			continue;
		if (l->key.laddr == laddr)
			return l;
		if (l->key.laddr == 0)
			any = l;
	}
	return any;
}

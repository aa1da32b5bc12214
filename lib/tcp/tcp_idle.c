/* tcp_idle.c: the idle form of quiet ESTABLISHED connections: compacting a TCB into it and waking it up again. */
#include <errno.h>
#include <string.h>

#include "engine/pmt_engine.h"
#include "tcp/pmt_tcp.h"

/*
 * A connection that holds thousands of its peers' sessions open costs
 * mostly TCBs that do nothing. After tcp-idle-ms without a segment in
 * or data out, an ESTABLISHED connection with empty queues, nothing in
 * flight and no timer but this one gives its TCB back and lives on as a
 * 112-byte idle form (struct pmt_tcb_idle): the sequence space, the
 * windows and what congestion control, the RTT estimator, the options
 * and the application set. The socket table and the descriptor table
 * point at the idle form, tagged in bit 0; the first segment or call
 * that needs the connection makes it a TCB again, field for field, so
 * what it sends afterwards is what it would have sent had it never
 * slept. The table hands the old form back from within the exchange.
 */

_Static_assert(sizeof(struct pmt_tcb_idle) <= 112,
	       "the idle form: 112 bytes (issue 10's 200 per idle connection)");
_Static_assert(sizeof(struct pmt_tcb_idle) % 16 == 0,
	       "the slab's stride is the size: pmt_fd_get() computes with it");
_Static_assert(offsetof(struct pmt_tcb_idle, key) == offsetof(struct pmt_tcb, key),
	       "the socket table reads both forms' 4-tuple at one offset");
_Static_assert(offsetof(struct pmt_tcb_idle, state) == offsetof(struct pmt_tcb, state),
	       "a form's state is where the TCB has it");

/*
 * What the idle form keeps, copied field for field both ways. In an idle
 * connection (idle_allowed()) snd_nxt and snd_max are snd_una, and all
 * else is zero, as in a fresh TCB.
 */
#define IDLE_KEPT(X) X(state) X(snd_wscale) X(rcv_wscale) X(iface) \
	X(flags) X(key) X(rcv_nxt) X(rcv_adv) X(snd_una) X(snd_wnd) \
	X(snd_wl1) X(snd_wl2) X(ts_recent) X(cwnd) X(ssthresh) \
	X(max_sndwnd) X(snd_buf) X(rcv_buf) X(srtt) X(rttvar) X(rto) \
	X(iss) X(irs) X(ts_offset) X(fd) X(t_maxseg) X(linger_s) \
	X(ts_recent_age) X(udata)

/* What must be clear for a connection to sleep: nothing under way. */
#define IDLE_BUSY_FLAGS (PMT_TF_ACKNOW | PMT_TF_DELACK | PMT_TF_MORE | \
	PMT_TF_FIN_QUEUED | PMT_TF_FIN_SENT | PMT_TF_RCVD_FIN | \
	PMT_TF_APP_CLOSED | PMT_TF_IN_RECOVERY | PMT_TF_RTT_TIMING | \
	PMT_TF_KEEPALIVE | PMT_TF_PERSIST | PMT_TF_SHUT_RD | \
	PMT_TF_WANT_OUT | PMT_TF_CORK | PMT_TF_ACCEPTQ | PMT_TF_OUTQ | PMT_TF_LATEQ)

static inline uint32_t
now_ms(const struct pmt_engine *eng)
{
	return (uint32_t)(eng->now / 1000);
}

int
pmt_tcp_idle_init(struct pmt_engine *eng)
{
	struct pmt_tcp_engine *te = &eng->tcp;

	if (eng->stack->cfg.tcp_idle_ms == 0)
		return 0;
	return pmt_slab_init(&te->idles, "pmt_tcb_idle",
			     sizeof(struct pmt_tcb_idle),
			     /* 112 bytes, not 128: 8-byte fields, tag bit */
			     16, offsetof(struct pmt_tcb_idle, next_free),
			     te->tcbs.cap,
			     (int)rte_lcore_to_socket_id(eng->lcore_id));
}

void
pmt_tcp_idle_fini(struct pmt_engine *eng)
{
	pmt_slab_fini(&eng->tcp.idles);
}

uint32_t
pmt_tcb_idle_in_use(const struct pmt_engine *eng)
{
	return pmt_slab_in_use(&eng->tcp.idles);
}

void
pmt_tcp_idle_put(struct pmt_engine *eng, struct pmt_tcb_idle *idle)
{
	pmt_slab_put(&eng->tcp.idles, idle);
}

void
pmt_tcp_idle_arm(struct pmt_tcb *tcb)
{
	uint32_t ms = pmt_tcb_eng(tcb)->stack->cfg.tcp_idle_ms;

	/* Keepalive owns the KEEP timer; the idle timer borrows it otherwise. */
	if (ms == 0 || tcb->state != PMT_TCPS_ESTABLISHED || tcb->fd < 0 ||
	    (tcb->flags & PMT_TF_KEEPALIVE))
		return;
	pmt_tcp_timer_arm(tcb, PMT_TCPT_KEEP, (uint64_t)ms * 1000);
}

static bool
idle_allowed(const struct pmt_tcb *tcb)
{
	unsigned int k;

	if (tcb->state != PMT_TCPS_ESTABLISHED || tcb->fd < 0 ||
	    tcb->tbl != PMT_TBL_IN || (tcb->flags & IDLE_BUSY_FLAGS) ||
	    tcb->ev_queued || tcb->ev_mask != 0 || tcb->parent != 0 ||
	    tcb->snd_q_len != 0 || tcb->snd_una != tcb->snd_max ||
	    tcb->snd_nxt != tcb->snd_max || tcb->rcv_q_len != 0 ||
	    tcb->ooo_len != 0 || tcb->rcv_head != NULL ||
	    tcb->ooo_head != NULL || tcb->snd_head != NULL ||
	    tcb->dupacks != 0 || tcb->rxtshift != 0 || tcb->err != 0 ||
	    tcb->keep_probes != 0)
		return false;
	for (k = 0; k < PMT_TCPT_N; k++)
		if (tcb->tmr[k] != 0)
			return false;
	return true;
}

bool
pmt_tcp_idle_try(struct pmt_tcb *tcb)
{
	struct pmt_engine *eng = pmt_tcb_eng(tcb);
	struct pmt_tcp_engine *te = &eng->tcp;
	uint32_t ms = eng->stack->cfg.tcp_idle_ms, quiet;
	struct pmt_tcb_idle *idle;

	if (ms == 0 || tcb->state != PMT_TCPS_ESTABLISHED)
		return false;
	quiet = now_ms(eng) - tcb->t_active;
	if (quiet < ms) {
		/* Active since the timer was set: wait out the rest. */
		pmt_tcp_timer_arm(tcb, PMT_TCPT_KEEP,
				  (uint64_t)(ms - quiet) * 1000);
		return false;
	}
	if (!idle_allowed(tcb))
		return false;	/* what is under way re-arms it later */
	idle = pmt_slab_get(&te->idles);
	if (idle == NULL) {
		PMT_STAT_INC(eng, tcp_idle_no_room);
		return false;
	}
#define X(f) idle->f = tcb->f;
	IDLE_KEPT(X)
#undef X
	/*
	 * The table returns the TCB to the reap list within the replace:
	 * mark it first.
	 */
	pmt_tcp_timer_cancel_all(tcb);
	/* Nothing is outstanding: recovery and cwnd history can go. */
	pmt_tcp_ext_put(tcb);
	tcb->tbl = PMT_TBL_IDLED;
	if (pmt_sockt_replace(te->table, pmt_tcb_idle_entry(idle)) != 0) {
		tcb->tbl = PMT_TBL_IN;
		pmt_tcp_idle_put(eng, idle);
		return false;
	}
	pmt_fd_set(te, (uint32_t)idle->fd, pmt_tcb_idle_entry(idle));
	PMT_STAT_INC(eng, tcp_idle_compact);
	return true;
}

struct pmt_tcb *
pmt_tcp_idle_wake(struct pmt_engine *eng, void *entry)
{
	struct pmt_tcp_engine *te = &eng->tcp;
	struct pmt_tcb_idle *idle;
	struct pmt_tcb *tcb;

	if (!pmt_tcb_is_idle(entry))
		return entry;
	idle = pmt_tcb_idle_of(entry);
	tcb = pmt_tcb_alloc(eng);
	if (tcb == NULL) {
		PMT_STAT_INC(eng, tcp_idle_wake_fail);
		return NULL;
	}
#define X(f) tcb->f = idle->f;
	IDLE_KEPT(X)
#undef X
	tcb->snd_nxt = tcb->snd_max = tcb->snd_una;
	tcb->recover = tcb->snd_una;
	tcb->t_active = now_ms(eng);
	if (pmt_sockt_replace(te->table, tcb) != 0) {
		/* Cannot happen: the idle form is in the table. */
		tcb->fd = -1;
		tcb->state = PMT_TCPS_CLOSED;
		tcb->tbl = PMT_TBL_NONE;
		pmt_tcb_release(tcb);
		PMT_STAT_INC(eng, tcp_idle_wake_fail);
		return NULL;
	}
	tcb->tbl = PMT_TBL_IN;
	pmt_fd_set(te, (uint32_t)tcb->fd, tcb);
	PMT_STAT_INC(eng, tcp_idle_wake);
	/* Back to sleep after tcp-idle-ms more, unless something happens. */
	pmt_tcp_idle_arm(tcb);
	return tcb;
}

void
pmt_tcp_idle_reset(struct pmt_engine *eng, void *entry)
{
	struct pmt_tcp_engine *te = &eng->tcp;
	struct pmt_tcb_idle *idle = pmt_tcb_idle_of(entry);
	/* A copy: the delete below frees the idle form. */
	struct pmt_flow_key key = idle->key;

	/* The caller has released the descriptor. */
	pmt_tcp_respond(eng, &key, idle->snd_una, 0, PMT_TH_RST);
	/* Out of the table, which returns the idle form to its slab. */
	if (pmt_sockt_del_value(te->table, entry) != 0)
		pmt_tcp_idle_put(eng, idle);
	else
		pmt_port_note(&te->ports, &key, -1);
}

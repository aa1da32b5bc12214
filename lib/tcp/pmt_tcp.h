/* pmt_tcp.h: the TCP control block, its states and the TCP layer's internal API. */
#ifndef PMT_TCP_H
#define PMT_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "mem/pmt_slab.h"
#include "sock/pmt_sockt.h"
#include "tcp/pmt_tcp_ext.h"
#include "tcp/pmt_tcp_subr.h"
#include "tcp/pmt_tcp_syncache.h"
#include "tcp/pmt_tcp_wire.h"
#include "timer/pmt_wheel.h"

#include "net/pmt_net.h"

struct pmt_engine;

/*
 * States ordered as in FreeBSD's tcp_fsm.h, so "has reached
 * ESTABLISHED" and "has received a FIN" are comparisons.
 */
enum pmt_tcp_state {
	PMT_TCPS_CLOSED = 0,
	PMT_TCPS_LISTEN,
	PMT_TCPS_SYN_SENT,
	PMT_TCPS_SYN_RECEIVED,
	PMT_TCPS_ESTABLISHED,
	PMT_TCPS_CLOSE_WAIT,
	PMT_TCPS_FIN_WAIT_1,
	PMT_TCPS_CLOSING,
	PMT_TCPS_LAST_ACK,
	PMT_TCPS_FIN_WAIT_2,
	PMT_TCPS_TIME_WAIT,
	PMT_TCPS_N
};

#define PMT_TCPS_HAVE_ESTABLISHED(s) ((s) >= PMT_TCPS_ESTABLISHED)
/* We have received the peer's FIN: no more data will arrive. */
#define PMT_TCPS_HAVE_RCVD_FIN(s) \
	((s) == PMT_TCPS_CLOSE_WAIT || (s) == PMT_TCPS_CLOSING || \
	 (s) == PMT_TCPS_LAST_ACK || (s) == PMT_TCPS_TIME_WAIT)
/* Our FIN is queued or sent: no more data may be queued. */
#define PMT_TCPS_HAVE_SENT_FIN(s) ((s) > PMT_TCPS_CLOSE_WAIT)

extern const char *const pmt_tcp_state_names[PMT_TCPS_N];

/* Timer kinds multiplexed on the TCB's single wheel node. */
enum pmt_tcpt {
	PMT_TCPT_REXMT = 0,	/* retransmission, SYN retries, persist */
	PMT_TCPT_DELACK,	/* delayed ACK */
	PMT_TCPT_FLUSH,		/* Nagle/cork delayed flush */
	PMT_TCPT_KEEP,		/* keepalive, connection-establishment limit */
	PMT_TCPT_2MSL,		/* TIME-WAIT, FIN-WAIT-2 limit */
	PMT_TCPT_N
};

/* TCB flags (t_flags). */
#define PMT_TF_ACKNOW 0x0001	/* send an ACK at the next output */
#define PMT_TF_DELACK 0x0002	/* an ACK is owed, delayed */
#define PMT_TF_NODELAY 0x0004	/* TCP_NODELAY: Nagle off */
#define PMT_TF_MORE 0x0008	/* cork: more data follows */
#define PMT_TF_SACK_PERMIT 0x0010 /* both sides offered SACK */
#define PMT_TF_TS 0x0020	/* timestamps negotiated */
#define PMT_TF_WS 0x0040	/* window scaling negotiated */
#define PMT_TF_FIN_QUEUED 0x0080 /* the application closed or shut down writes */
#define PMT_TF_FIN_SENT 0x0100	/* a FIN occupies snd_max - 1 */
#define PMT_TF_RCVD_FIN 0x0200	/* the peer's FIN was accepted */
#define PMT_TF_APP_CLOSED 0x0400 /* the descriptor is gone */
#define PMT_TF_IN_RECOVERY 0x0800 /* NewReno fast recovery */
#define PMT_TF_RTT_TIMING 0x1000 /* t_rtseq is being timed */
#define PMT_TF_KEEPALIVE 0x2000	/* SO_KEEPALIVE */
#define PMT_TF_PERSIST 0x4000	/* the REXMT timer is the persist timer */
#define PMT_TF_SHUT_RD 0x8000	/* shutdown(SHUT_RD): discard input */
#define PMT_TF_WANT_OUT 0x10000	/* a send found the buffer full */
#define PMT_TF_REUSEADDR 0x20000 /* SO_REUSEADDR */
#define PMT_TF_BOUND 0x40000	/* bind() chose the local end */
#define PMT_TF_CORK 0x80000	/* TCP_CORK */
#define PMT_TF_ACCEPTQ 0x100000	/* on the listener's accept queue */
#define PMT_TF_EIFEL 0x200000	/* RFC 3522: an RTO retransmission awaits its first ACK */
#define PMT_TF_PARTIAL 0x400000	/* RFC 6582: this recovery saw a partial ACK */
/* RFC 3042: Limited Transmit segments sent since the last new ACK (0-2). */
#define PMT_TF_LT_SHIFT 23
#define PMT_TF_LT_MASK (3u << PMT_TF_LT_SHIFT)
/* The connection's congestion control is NewReno, not CUBIC (tcp_cc.c). */
#define PMT_TF_CC_NEWRENO 0x2000000
/* RFC 8985 7: the REXMT timer is the tail-loss probe's PTO. */
#define PMT_TF_PTO 0x4000000
/* RFC 8985 6.3: the REXMT timer is RACK's reordering timer. */
#define PMT_TF_REO 0x8000000
/* On the burst's output list: its output runs once, after the burst. */
#define PMT_TF_OUTQ 0x10000000
/* On the late list: its ACK waits for the application (tcp_input.c). */
#define PMT_TF_LATEQ 0x20000000

/* Why a connection ended, for the application (pmt_getsockopt SO_ERROR). */

/*
 * The TCB: the socket's control information. One per connection, from
 * the engine's TCB slab. Four cache lines (checked in tcp_tcb.c):
 *  0: what every arriving segment reads (state, tuple, sequence
 *     variables, the timestamp to echo);
 *  1: send side, congestion control, RTT estimator;
 *  2: the queues and the timer node;
 *  3: the timers' deadlines, ownership and application glue, touched
 *     on events, accept and the timers.
 * What keeps it at 256 bytes: the engine is a one-byte slot, other TCBs
 * are 32-bit slab references, the deadlines are 32-bit (microseconds
 * for the short timers, milliseconds for the long ones), the wheel node
 * has no callback of its own, and fields of exclusive states share room.
 */
struct pmt_tcb {
	/* --- line 0: what every arriving segment reads --- */
	uint8_t state;
	uint8_t snd_wscale;		/* shift we apply to the peer's window */
	uint8_t rcv_wscale;		/* shift the peer applies to ours */
	uint8_t iface;
	uint32_t flags;			/* PMT_TF_* */
	struct pmt_flow_key key;
	uint32_t rcv_nxt;
	uint32_t rcv_adv;		/* rcv_nxt + window last advertised */
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max;		/* highest sequence sent + 1 */
	uint32_t snd_wnd;		/* peer's window, scaled */
	uint32_t snd_wl1;
	uint32_t snd_wl2;
	uint32_t ts_recent;
	uint16_t t_maxseg;		/* effective send MSS, options excluded */
	union {
		uint8_t dupacks;	/* duplicate ACKs in a row */
		/* In persist (no dupacks then): probes the peer has not
		 * answered, the bound on a zero window nobody keeps open. */
		uint8_t probes;
	};
	uint8_t rxtshift;		/* retransmissions of snd_una */
	uint32_t rcv_q_len;		/* in-order bytes waiting for recv */

	/* --- line 1: send side, congestion control, RTT --- */
	uint32_t cwnd __rte_cache_aligned;
	uint32_t ssthresh;
	uint32_t recover;		/* NewReno: snd_max at loss */
	uint32_t snd_q_len;		/* bytes queued (unacked + unsent) */
	uint32_t snd_buf;		/* SO_SNDBUF */
	uint32_t rcv_buf;		/* SO_RCVBUF */
	uint32_t ooo_len;		/* bytes in the out-of-order queue */
	uint32_t max_sndwnd;		/* largest window the peer offered */
	/*
	 * While PMT_TF_RTT_TIMING, the sequence being timed (Karn) and when
	 * it was sent (engine clock, us, low 32 bits: an RTT is far below
	 * 71 minutes). While PMT_TF_EIFEL (no timing then: Karn), what
	 * undoes a spurious RTO: RFC 3522 RetransmitTS and RFC 4015
	 * pipe_prev = max(FlightSize, ssthresh).
	 */
	union {
		uint32_t rtseq;
		uint32_t pipe_prev;
	};
	union {
		uint32_t rttime;
		uint32_t rexmit_ts;	/* TSval of the retransmission */
	};
	uint32_t ext;			/* its pmt_tcp_ext: slab index + 1, 0 = none */
	uint32_t srtt;			/* smoothed RTT, us << 3 */
	uint32_t rttvar;		/* RTT variance, us << 2 */
	uint32_t rto;			/* us */
	uint16_t ooo_n;			/* segments in the out-of-order queue */
	uint8_t keep_probes;
	uint8_t err;			/* errno the connection ended with */
	uint32_t t_active;		/* ms: last segment in or data out */

	/* --- line 2: queues and the timer node --- */
	RTE_MARKER line2 __rte_cache_aligned;
	union {
		struct {		/* connections */
			struct rte_mbuf *snd_head; /* at snd_una */
			struct rte_mbuf *snd_tail;
		};
		struct {		/* listeners: established, not accepted */
			struct pmt_tcb *acc_head;
			struct pmt_tcb *acc_tail;
		};
	};
	struct rte_mbuf *rcv_head;	/* in-order, linked by next */
	struct rte_mbuf *rcv_tail;
	struct rte_mbuf *ooo_head;	/* sorted, seq in hash.fdir.lo */
	struct pmt_timer timer;

	/* --- line 3: deadlines, ownership and application glue --- */
	/* Deadline per kind, 0 = off (tcp_timer.c: pmt_tcp_timer_deadline). */
	uint32_t tmr[PMT_TCPT_N] __rte_cache_aligned;
	uint32_t irs;
	uint32_t iss;
	uint32_t ts_offset;		/* per-connection TSval offset */
	uint32_t q_next;		/* accept list / reap list: TCB reference */
	uint32_t ev_next;		/* engine's ready list: TCB reference */
	int32_t fd;			/* descriptor, -1 for children not accepted */
	union {
		struct {		/* listeners */
			uint16_t backlog;	/* max queued children */
			uint16_t q_len;		/* children queued */
		};
		uint32_t tw_gen;	/* TIME-WAIT: its FIFO entry */
	};
	void *udata;			/* application's per-socket pointer */
	uint8_t eng_slot;		/* its engine: pmt_engine_slots[] */
	uint8_t ev_mask : 4;		/* PMT_EV_* pending report */
	uint8_t tbl : 2;		/* PMT_TBL_*: socket-table membership */
	uint8_t ev_queued : 1;		/* on the ready list */
	/* A child not yet accepted: its listener's slot in listen[] + 1. */
	uint8_t parent;
	uint16_t linger_s;		/* SO_LINGER seconds; 0xffff = off */
	/* When ts_recent was taken, engine ms >> 16 (PMT_TS_AGE_*). */
	uint16_t ts_recent_age;
};

/*
 * ts_recent_age counts 65.536 s units: RFC 7323 5.5's only question of
 * it is whether TS.Recent is older than 24 days, and 16 bits of those
 * units wrap after 49.7 days, as 32 bits of milliseconds do.
 */
#define PMT_TS_AGE_SHIFT 16
#define PMT_TS_AGE_24D ((uint16_t)((24ull * 86400 * 1000) >> PMT_TS_AGE_SHIFT))

/* Engines by slot, for pmt_tcb_eng() (engine.c). */
#define PMT_ENGINE_SLOTS 256
extern struct pmt_engine *pmt_engine_slots[PMT_ENGINE_SLOTS];

static inline struct pmt_engine *
pmt_tcb_eng(const struct pmt_tcb *tcb)
{
	return pmt_engine_slots[tcb->eng_slot];
}

/*
 * The idle form of an ESTABLISHED connection with nothing queued,
 * nothing unacknowledged and no timer armed (tcp_idle.c): 112 bytes
 * instead of the TCB's 256. It stands in for the TCB in the socket
 * table and the descriptor table, tagged in bit 0 of the pointer, and
 * becomes a TCB again when a segment or a call needs one. Its fields
 * are the TCB's that an idle connection can have other than zero or
 * snd_una; the first ones sit where the TCB has them, the 4-tuple
 * among them, which is where the socket table reads it.
 */
struct pmt_tcb_idle {
	uint8_t state;
	uint8_t snd_wscale;
	uint8_t rcv_wscale;
	uint8_t iface;
	uint32_t flags;
	struct pmt_flow_key key;
	uint32_t rcv_nxt;
	uint32_t rcv_adv;
	uint32_t snd_una;	/* = snd_nxt = snd_max */
	uint32_t snd_wnd;
	uint32_t snd_wl1;
	uint32_t snd_wl2;
	uint32_t ts_recent;
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t max_sndwnd;
	uint32_t snd_buf;
	uint32_t rcv_buf;
	uint32_t srtt;
	uint32_t rttvar;
	uint32_t rto;
	uint32_t iss;
	uint32_t irs;
	uint32_t ts_offset;
	int32_t fd;
	uint16_t t_maxseg;
	uint16_t linger_s;
	uint16_t ts_recent_age;
	union {
		void *udata;
		struct pmt_tcb_idle *next_free;
	};
};

/* A table or descriptor entry: a TCB, or an idle form tagged in bit 0. */
static inline bool
pmt_tcb_is_idle(const void *v)
{
	return ((uintptr_t)v & 1) != 0;
}

static inline struct pmt_tcb_idle *
pmt_tcb_idle_of(const void *v)
{
	return (struct pmt_tcb_idle *)((uintptr_t)v & ~(uintptr_t)1);
}

/* The table or descriptor entry that stands for @idle. */
static inline void *
pmt_tcb_idle_entry(const struct pmt_tcb_idle *idle)
{
	return (void *)((uintptr_t)idle | 1);
}

#define PMT_TCP_MAX_LISTEN 64

/* A TIME-WAIT FIFO entry; the generation spots a TCB reused since. */
struct pmt_tw_entry {
	struct pmt_tcb *tcb;
	uint32_t gen;
};

/* Engine-side TCP state, embedded in struct pmt_engine. */
/* Segments parsed and looked up together (tcp_input.c). */
#define PMT_TCP_RX_BATCH 32
/* ACKs that may wait for the application, per engine (tcp_input.c). */
#define PMT_TCP_LATE_MAX 64

struct pmt_tcp_engine {
	struct pmt_slab tcbs;		/* TCBs, free ones linked by q_next */
	struct pmt_slab idles;		/* idle forms, linked by next_free */
	struct pmt_slab exts;		/* struct pmt_tcp_ext (pmt_tcp_ext.h) */
	struct rte_mempool *clone_pool;	/* indirect mbufs: zero-copy TX */
	struct pmt_sockt *table;
	uint32_t *fds;			/* descriptor -> entry (pmt_fd_get) */
	uint32_t n_fds;
	uint32_t fd_free;		/* head of the free list, index + 1 */
	uint32_t fd_fresh;		/* descriptors ever handed out */
	uint32_t fds_in_use;		/* descriptors held (pmt_engine_usage) */
	uint32_t *fd_next;		/* free list links */
	/* Listeners; a slot keeps its listener for life (children name
	 * it by slot), so the array may have holes below n_listen. */
	uint16_t n_listen;
	struct pmt_tcb *listen[PMT_TCP_MAX_LISTEN];
	struct pmt_tcb *ev_head;	/* ready list */
	struct pmt_tcb *ev_tail;
	struct pmt_tcb *reap;		/* out of the table, freed at the turn's end */
	struct pmt_tcp_secret secret;
	struct pmt_port_alloc ports;
	uint32_t n_tcbs;		/* TCBs allocated (table or not) */
	/* TIME-WAIT TCBs in the order they entered it (FIFO, sorted by
	 * construction: one 2MSL for all); entries may be stale. */
	struct pmt_tw_entry *tw_ring;
	uint32_t tw_head, tw_tail, tw_cap;
	uint32_t tw_gen;
	/* Half-open passive connections (tcp_syncache.c). */
	struct pmt_syncache syncache;
	/*
	 * Out-of-order queues (tcp_input.c): the mbufs all of them hold
	 * (one per queued segment: RX frames are linearized), their
	 * budget, and the arrival stamp of the next segment queued.
	 */
	uint32_t ooo_mbufs;
	uint32_t ooo_mbufs_max;
	uint32_t ooo_stamp;
	/*
	 * Connections whose output waits for the end of the RX burst
	 * (tcp_input.c): one ACK for all the in-order segments a burst
	 * brought, as GRO gives the kernel, and one transmission for all
	 * the ACKs; at most one entry per segment of the burst.
	 */
	bool out_defer;
	bool after_read;		/* output runs for a read (socket.c) */
	uint16_t out_n;
	struct pmt_tcb *out_q[PMT_TCP_RX_BATCH];
	uint32_t out_rcv[PMT_TCP_RX_BATCH];	/* RCV.NXT at the last output */
	/*
	 * Connections whose ACK waits for the application's turn: what it
	 * writes or its close then carries the ACK; the next engine turn
	 * sends what is still owed (pmt_tcp_flush_late). NULL: taken off
	 * by tcb_put.
	 */
	uint16_t late_n;
	struct pmt_tcb *late_q[PMT_TCP_LATE_MAX];
	/*
	 * RFC 2883: the duplicate bytes of the segment being processed,
	 * for the ACK it makes (tcp_output.c reports and clears it). Set
	 * and cleared within one segment's processing: a TCB holds no
	 * room for it, and a D-SACK is reported once only.
	 */
	struct {
		struct pmt_tcb *tcb;	/* NULL: no duplicate */
		uint32_t left;
		uint32_t right;
	} dsack;
};

/*
 * Links between TCBs (accept, reap and ready lists) are references into
 * the engine's TCB slab, 32 bits instead of a pointer's 64: index + 1,
 * 0 for none.
 */
static inline uint32_t
pmt_tcb_ref(const struct pmt_tcp_engine *te, const struct pmt_tcb *tcb)
{
	if (tcb == NULL)
		return 0;
	return (uint32_t)(((const char *)tcb - te->tcbs.base) /
			  sizeof(struct pmt_tcb)) + 1;
}

static inline struct pmt_tcb *
pmt_tcb_at(const struct pmt_tcp_engine *te, uint32_t ref)
{
	if (ref == 0)
		return NULL;
	return (struct pmt_tcb *)(te->tcbs.base +
				  (size_t)(ref - 1) * sizeof(struct pmt_tcb));
}

/*
 * A descriptor's entry is 32 bits, not a pointer (4 bytes of every idle
 * connection): 0 for none, else the object's slab index + 1 shifted
 * left once, bit 0 set for an idle form. pmt_fd_get() gives it back as
 * the tables hold it: a TCB, or an idle form tagged in bit 0.
 */
static inline void *
pmt_fd_get(const struct pmt_tcp_engine *te, uint32_t fd)
{
	uint32_t e = te->fds[fd];

	if (e == 0)
		return NULL;
	if ((e & 1) == 0)
		return pmt_tcb_at(te, e >> 1);
	return pmt_tcb_idle_entry((const struct pmt_tcb_idle *)
		(te->idles.base +
		 (size_t)((e >> 1) - 1) * sizeof(struct pmt_tcb_idle)));
}

static inline void
pmt_fd_set(struct pmt_tcp_engine *te, uint32_t fd, const void *entry)
{
	uint32_t e = 0;

	if (entry != NULL && !pmt_tcb_is_idle(entry))
		e = pmt_tcb_ref(te, entry) << 1;
	else if (entry != NULL)
		e = (uint32_t)(((const char *)pmt_tcb_idle_of(entry) -
				te->idles.base) /
			       sizeof(struct pmt_tcb_idle) + 1) << 1 | 1;
	te->fds[fd] = e;
}

/* A child's listener (NULL: accepted, or never a child). */
static inline struct pmt_tcb *
pmt_tcb_parent(const struct pmt_tcp_engine *te, const struct pmt_tcb *tcb)
{
	return tcb->parent == 0 ? NULL : te->listen[tcb->parent - 1];
}

/*
 * An out-of-order segment keeps its sequence number in the mbuf, and in
 * one word its FIN (bit 0) and its arrival stamp (the other 31 bits:
 * the engine's ooo_stamp when it was queued), which orders the SACK
 * blocks by recency (RFC 2018 4).
 */
#define PMT_OOO_SEQ(m) ((m)->hash.fdir.lo)
#define PMT_OOO_WORD(m) ((m)->hash.fdir.hi)
#define PMT_OOO_FIN(m) ((PMT_OOO_WORD(m) & 1) != 0)
#define PMT_OOO_STAMP(m) (PMT_OOO_WORD(m) >> 1)

/* Is 31-bit stamp @a newer than @b (serial arithmetic)? */
static inline bool
pmt_ooo_stamp_newer(uint32_t a, uint32_t b)
{
	return (int32_t)((a - b) << 1) > 0;
}

/* Socket-table membership of a TCB. */
enum {
	PMT_TBL_NONE = 0,	/* never entered, or reaped */
	PMT_TBL_IN,		/* in the table */
	PMT_TBL_LEAVING,	/* deleted, on the reap list */
	PMT_TBL_IDLED,		/* replaced by its idle form, on the reap list */
};

/* --- control-block life (tcp_tcb.c) --- */
int pmt_tcp_engine_init(struct pmt_engine *eng);
/* TCBs out of the slab (counted apart from n_tcbs: a leak check). */
uint32_t pmt_tcb_in_use(const struct pmt_engine *eng);
void pmt_tcp_engine_fini(struct pmt_engine *eng);
struct pmt_tcb *pmt_tcb_alloc(struct pmt_engine *eng);
/* Enter the socket table under tcb->key. 0 or -EEXIST/-ENOSPC. */
int pmt_tcb_hash(struct pmt_tcb *tcb);
/* The connection is over: leave the table, drop queues and timers;
 * the TCB itself goes when the application has closed it too. */
void pmt_tcb_close(struct pmt_tcb *tcb, int err);
/* Free the TCB once closed and released by the application. */
void pmt_tcb_release(struct pmt_tcb *tcb);
/* Free what waits to be read. */
void pmt_tcb_flush_rcvq(struct pmt_tcb *tcb);
/* Enter TIME-WAIT: timers, 2MSL, the engine's TIME-WAIT FIFO. */
void pmt_tcb_time_wait(struct pmt_tcb *tcb);
/* Free every queued mbuf of @tcb. */
void pmt_tcb_flush_queues(struct pmt_tcb *tcb);
/* Free the out-of-order queue of @tcb (and its share of the budget). */
void pmt_tcb_flush_ooo(struct pmt_tcb *tcb);
/* Return TCBs that left the table and that nobody holds. */
void pmt_tcp_reap(struct pmt_engine *eng);
/* pmt_events() popped @tcb after its descriptor was closed. */
void pmt_tcb_release_popped(struct pmt_tcb *tcb);
/* Socket layer (sock/socket.c): unlink a child from its listener;
 * destroy a TCB at engine shutdown. */
void pmt_listen_unlink(struct pmt_tcb *tcb);
void pmt_sock_destroy(struct pmt_tcb *tcb);
/* Listener side of an arriving SYN: make the child. */
struct pmt_tcb *pmt_listen_child(struct pmt_tcb *listener,
				 const struct pmt_flow_key *k);
/* A child reached ESTABLISHED: queue it for accept(). */
void pmt_listen_established(struct pmt_tcb *tcb);
/* Abort: send RST (if synchronized) and close with @err. */
void pmt_tcb_drop(struct pmt_tcb *tcb, int err);
/* Queue readiness events for the application. */
void pmt_tcb_event(struct pmt_tcb *tcb, uint16_t ev);
/* Listener for a SYN to @laddr:@lport (network order), or NULL. */
struct pmt_tcb *pmt_tcp_listener(struct pmt_engine *eng, uint32_t laddr,
				 uint16_t lport);

/* --- loss-recovery and congestion state (tcp_tcb.c) --- */
/* The connection's pmt_tcp_ext, or NULL when it has none. */
struct pmt_tcp_ext *pmt_tcp_ext_of(const struct pmt_tcb *tcb);
/*
 * The connection's pmt_tcp_ext, made (and initialised for its current
 * state) if it has none; NULL when the engine has none left
 * (tcp_ext_none counted).
 */
struct pmt_tcp_ext *pmt_tcp_ext_get(struct pmt_tcb *tcb);
/* Give the connection's pmt_tcp_ext back, if it holds one. */
void pmt_tcp_ext_put(struct pmt_tcb *tcb);
/* pmt_tcp_ext objects out of the slab (a leak check). */
uint32_t pmt_tcp_ext_in_use(const struct pmt_engine *eng);

/* --- idle form (tcp_idle.c) --- */
int pmt_tcp_idle_init(struct pmt_engine *eng);
void pmt_tcp_idle_fini(struct pmt_engine *eng);
/* Idle forms in use (the slab's count, a leak check). */
uint32_t pmt_tcb_idle_in_use(const struct pmt_engine *eng);
/*
 * The idle timer fired: compact @tcb if it has been idle long enough
 * and may be, re-arm otherwise. @return true when @tcb is gone.
 */
bool pmt_tcp_idle_try(struct pmt_tcb *tcb);
/* May @tcb ever be compacted (state, options)? Arm the idle timer if so. */
void pmt_tcp_idle_arm(struct pmt_tcb *tcb);
/*
 * A table or descriptor entry as a TCB: an idle form becomes one again
 * (NULL when no TCB is left: counted in tcp_idle_wake_fail).
 */
struct pmt_tcb *pmt_tcp_idle_wake(struct pmt_engine *eng, void *entry);
/* Return an idle form that left the table to its slab. */
void pmt_tcp_idle_put(struct pmt_engine *eng, struct pmt_tcb_idle *idle);
/* Reset an idle form's connection that cannot wake to close (RST). */
void pmt_tcp_idle_reset(struct pmt_engine *eng, void *entry);

/* --- input (tcp_input.c) --- */

/* Send the ACKs that waited for the application (start of a turn). */
void pmt_tcp_flush_late(struct pmt_engine *eng);

/* A segment waiting for the burst's bulk lookup. */
struct pmt_tcp_rx {
	struct rte_mbuf *m;		/* at the IP header */
	struct pmt_ipv4_info ip;
	uint16_t iface;
};

/* Process a burst of segments with one bulk socket-table lookup. */
void pmt_tcp_input_burst(struct pmt_engine *eng, struct pmt_tcp_rx *rx,
			 unsigned int n);
/* @m starts at the IP header; consumes it. */
void pmt_tcp_input(struct pmt_engine *eng, uint16_t iface,
		   struct rte_mbuf *m, const struct pmt_ipv4_info *ip);

/*
 * Take a SYN's options into a new TCB (RFC 9293 3.7.1 MSS, RFC 7323,
 * RFC 2018); @active: we sent the first SYN.
 */
void pmt_tcp_syn_options(struct pmt_tcb *tcb, const struct pmt_tcp_seg *seg,
			 bool active);
/* The smallest shift that lets a buffer of @buf bytes be offered. */
uint8_t pmt_tcp_wscale_for(uint32_t buf);

/* --- output (tcp_output.c) --- */
/* Send what the state, windows and queues allow. 0 or negative errno. */
int pmt_tcp_output(struct pmt_tcb *tcb);
/* Send @len bytes at @off from SND.UNA as sequence @seq (retransmission). */
void pmt_tcp_send_data(struct pmt_tcb *tcb, uint32_t seq, uint32_t off,
		       uint32_t len);
/* Free @n acknowledged bytes from the head of the send queue. */
void pmt_tcp_sndq_drop(struct pmt_tcb *tcb, uint32_t n);
/* The window shift we offer for our receive buffer. */
uint8_t pmt_tcp_rcv_wscale(const struct pmt_tcb *tcb);
/* Zero-window probe: one byte past the window, or a bare ACK. */
void pmt_tcp_output_probe(struct pmt_tcb *tcb);
/* The flush timer fired: send a held partial segment despite Nagle/cork. */
void pmt_tcp_output_flush(struct pmt_tcb *tcb);
/* A bare segment on @tcb's connection with its options (keepalive, challenge ACK). */
void pmt_tcp_respond_tcb(struct pmt_tcb *tcb, uint32_t seq, uint8_t flags);
/* A bare control segment (RST or ACK) without a TCB. */
void pmt_tcp_respond(struct pmt_engine *eng, const struct pmt_flow_key *k,
		     uint32_t seq, uint32_t ack, uint8_t flags);
/* The same with a window and options (SYN-ACKs of the syncache). */
void pmt_tcp_respond_opts(struct pmt_engine *eng, const struct pmt_flow_key *k,
			  uint32_t seq, uint32_t ack, uint8_t flags,
			  uint16_t wnd, const struct pmt_tcp_out_opts *o);
/* Our MSS to announce on @iface: MTU - 40. */
uint16_t pmt_tcp_mss_of(const struct pmt_engine *eng, uint16_t iface);
/* The window we can offer now (bytes). */
uint32_t pmt_tcp_rcv_space(const struct pmt_tcb *tcb);
/* Milliseconds for our TSval. */
uint32_t pmt_tcp_ts_now(const struct pmt_tcb *tcb);

/* --- timers (tcp_timer.c) --- */
void pmt_tcp_timer_init(struct pmt_tcb *tcb);
/* The engine wheel's callback for a TCB's node (engine.c). */
void pmt_tcp_timer_fire(struct pmt_timer *t, uint64_t now);
/* The clock moves from @old to @now by more than this: restate deadlines. */
#define PMT_TCP_TMR_JUMP_US (UINT64_C(1) << 28)
void pmt_tcp_timer_clock_jump(struct pmt_engine *eng, uint64_t old, uint64_t now);
/* When @kind fires, on the engine clock (us); 0 when it is off. */
uint64_t pmt_tcp_timer_deadline(const struct pmt_tcb *tcb, enum pmt_tcpt kind);

/*
 * A TCB's 32-bit deadline (tcp_timer.c): microseconds when due within
 * 2^30 us, else 1024-us units rounded up; decoded against the clock.
 * Exposed for the unit tests.
 */
uint32_t pmt_tcp_tmr_encode(uint64_t when, uint64_t now, uint64_t *at);
uint64_t pmt_tcp_tmr_decode(uint32_t d, uint64_t now);
void pmt_tcp_timer_arm(struct pmt_tcb *tcb, enum pmt_tcpt kind,
		       uint64_t delay_us);
void pmt_tcp_timer_cancel(struct pmt_tcb *tcb, enum pmt_tcpt kind);
void pmt_tcp_timer_cancel_all(struct pmt_tcb *tcb);
/*
 * Start the retransmission timer at @rto_us from now, or, when RFC 8985
 * 7.2 allows, the earlier tail-loss probe timer (PTO) in its place.
 */
void pmt_tcp_timer_rexmt(struct pmt_tcb *tcb, uint64_t rto_us);
/*
 * New data went: the PTO restarts (RFC 8985 7.2), or takes the place of
 * an RTO armed when the probe was not allowed or not sooner (a lone
 * segment's PTO waits for a delayed ACK); the RTO itself never moves.
 */
void pmt_tcp_timer_pto_sooner(struct pmt_tcb *tcb);
/* RACK's reordering timer (RFC 8985 6.3) @us from now, if sooner than
 * what the REXMT slot holds. */
void pmt_tcp_timer_reo(struct pmt_tcb *tcb, uint64_t us);
/* The reordering timer fired (tcp_input.c): holes below SACKed data are lost. */
void pmt_tcp_rack_timeout(struct pmt_tcb *tcb);
/* (Re)start TIME-WAIT's 2MSL, or the bound on an orphan's FIN-WAIT-2. */
void pmt_tcp_timer_2msl(struct pmt_tcb *tcb);
void pmt_tcp_timer_fin_wait2(struct pmt_tcb *tcb);
static inline bool
pmt_tcp_timer_on(const struct pmt_tcb *tcb, enum pmt_tcpt kind)
{
	return tcb->tmr[kind] != 0;
}
/* RFC 6298 2: RTO from SRTT/RTTVAR, clamped to [rto_min, rto_max]. */
void pmt_tcp_rtt_update(struct pmt_tcb *tcb, uint32_t rtt_us);
/* RFC 6298 5.5: the RTO backed off by rxtshift, up to rto_max. */
uint32_t pmt_tcp_rto_backoff(const struct pmt_tcb *tcb);

/*
 * --- congestion control (tcp_cc.c) ---
 * Per socket, CUBIC (RFC 9438, the default) with HyStart++ (RFC 9406)
 * or NewReno (RFC 5681); both recover from loss with NewReno's fast
 * recovery (RFC 6582) unless SACK recovery drives it.
 */
void pmt_cc_init(struct pmt_tcb *tcb);
/* @acked new bytes acknowledged outside recovery: slow start or congestion avoidance. */
void pmt_cc_ack(struct pmt_tcb *tcb, uint32_t acked);
/*
 * A congestion event (a fast retransmit, NewReno or SACK-based; a RACK
 * loss): @return the algorithm's new ssthresh from FlightSize less
 * @lt_bytes sent by Limited Transmit (NewReno max(FlightSize/2, 2 SMSS),
 * CUBIC max(0.7 FlightSize, 2 SMSS)), and move the algorithm's own state
 * (CUBIC W_max and epoch, HyStart++ ends). Call once per event; it sets
 * neither ssthresh nor cwnd.
 */
uint32_t pmt_cc_ssthresh(struct pmt_tcb *tcb, uint32_t lt_bytes);
/*
 * Third duplicate ACK: enter fast recovery; @lt_bytes sent by Limited
 * Transmit. ssthresh = pmt_cc_ssthresh(), recover = SND.MAX,
 * cwnd = ssthresh + 3 SMSS, PMT_TF_IN_RECOVERY.
 */
void pmt_cc_enter_recovery(struct pmt_tcb *tcb, uint32_t lt_bytes);
void pmt_cc_dupack(struct pmt_tcb *tcb);	/* a duplicate ACK in recovery */
void pmt_cc_partial_ack(struct pmt_tcb *tcb, uint32_t acked);
void pmt_cc_recovery_done(struct pmt_tcb *tcb, bool prr);
/* The RTO fired (tcb->rxtshift already counts it). */
void pmt_cc_timeout(struct pmt_tcb *tcb);
/* RFC 4015 3.2 step (5): a spurious RTO detected by the ACK of @acked bytes. */
void pmt_cc_spurious_rto(struct pmt_tcb *tcb, uint32_t acked);
/* An RTT sample of @rtt_us (from pmt_tcp_rtt_update): HyStart++'s input. */
void pmt_cc_rtt_sample(struct pmt_tcb *tcb, uint32_t rtt_us);
/* Initialise the congestion-control part of @x, a new ext of @tcb. */
void pmt_cc_ext_init(struct pmt_tcb *tcb, struct pmt_tcp_ext *x);
/* The connection's algorithm (enum pmt_cc_algo). */
int pmt_cc_algo(const struct pmt_tcb *tcb);
/* Choose @algo (enum pmt_cc_algo) for @tcb; its state starts afresh. 0 or -EINVAL. */
int pmt_cc_select(struct pmt_tcb *tcb, int algo);

/* Bytes in flight. */
static inline uint32_t
pmt_tcp_flight(const struct pmt_tcb *tcb)
{
	return tcb->snd_max - tcb->snd_una;
}

/* Data bytes sent and not acknowledged: the flight less a FIN sent. */
static inline uint32_t
pmt_tcp_data_out(const struct pmt_tcb *tcb)
{
	return pmt_tcp_flight(tcb) - ((tcb->flags & PMT_TF_FIN_SENT) ? 1 : 0);
}

#endif /* PMT_TCP_H */

/* socket.c: descriptors and the BSD-like socket API: bind, listen, accept, connect, send, recv, close, options, events. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_mbuf.h>

#include "engine/pmt_engine.h"
#include "net/pmt_net.h"
#include "tcp/pmt_tcp.h"

/* --- descriptors --- */

static int
fd_alloc(struct pmt_engine *eng, struct pmt_tcb *tcb)
{
	struct pmt_tcp_engine *te = &eng->tcp;
	uint32_t fd;

	if (te->fd_free != 0) {
		fd = te->fd_free - 1;
		te->fd_free = te->fd_next[fd];
	} else if (te->fd_fresh < te->n_fds) {
		fd = te->fd_fresh++;	/* never used: no link to follow */
	} else {
		return -EMFILE;
	}
	pmt_fd_set(te, fd, tcb);
	te->fds_in_use++;
	tcb->fd = (int32_t)fd;
	return (int)fd;
}

static void
fd_release(struct pmt_engine *eng, uint32_t fd)
{
	struct pmt_tcp_engine *te = &eng->tcp;

	te->fds[fd] = 0;
	te->fds_in_use--;
	te->fd_next[fd] = te->fd_free;
	te->fd_free = fd + 1;
}

static void
fd_free(struct pmt_engine *eng, struct pmt_tcb *tcb)
{
	fd_release(eng, (uint32_t)tcb->fd);
	tcb->fd = -1;
}

/* The descriptor's entry: a TCB, or an idle form (tagged). */
static void *
fd_entry(struct pmt_engine *eng, int fd)
{
	if (eng == NULL || fd < 0 || (uint32_t)fd >= eng->tcp.n_fds)
		return NULL;
	return pmt_fd_get(&eng->tcp, (uint32_t)fd);
}

/* The descriptor's TCB, woken from its idle form if need be. */
static int
fd_get(struct pmt_engine *eng, int fd, struct pmt_tcb **tcb)
{
	void *e = fd_entry(eng, fd);

	if (e == NULL)
		return -EBADF;
	*tcb = pmt_tcp_idle_wake(eng, e);
	return *tcb == NULL ? -ENOBUFS : 0;
}

#define GET_TCB(eng, fd, tcb) do {			\
	int get_tcb_ret_ = fd_get((eng), (fd), &(tcb));	\
	if (get_tcb_ret_ != 0)				\
		return get_tcb_ret_;			\
} while (0)

int
pmt_socket(struct pmt_engine *eng)
{
	struct pmt_tcb *tcb;
	int fd;

	if (eng == NULL)
		return -EINVAL;
	tcb = pmt_tcb_alloc(eng);
	if (tcb == NULL)
		return -ENOBUFS;
	fd = fd_alloc(eng, tcb);
	if (fd < 0) {
		pmt_tcb_release(tcb);
		return fd;
	}
	return fd;
}

/* --- listeners --- */

static bool
addr_is_ours(const struct pmt_engine *eng, uint32_t a)
{
	unsigned int i;

	for (i = 0; i < eng->stack->n_ifaces; i++)
		if (pmt_iface_addr_index(&eng->stack->ifaces[i], a) >= 0)
			return true;
	return false;
}

int
pmt_bind(struct pmt_engine *eng, int fd, uint32_t addr, uint16_t port)
{
	struct pmt_tcb *tcb;

	GET_TCB(eng, fd, tcb);
	if (tcb->state != PMT_TCPS_CLOSED || (tcb->flags & PMT_TF_BOUND))
		return -EINVAL;
	if (addr != 0 && !addr_is_ours(eng, addr))
		return -EADDRNOTAVAIL;
	if (port != 0) {
		struct pmt_tcb *l = pmt_tcp_listener(eng, addr,
						     rte_cpu_to_be_16(port));

		if (l != NULL && l->key.laddr == addr)
			return -EADDRINUSE;
	}
	tcb->key.laddr = addr;
	tcb->key.lport = rte_cpu_to_be_16(port);
	tcb->flags |= PMT_TF_BOUND;
	return 0;
}

int
pmt_listen(struct pmt_engine *eng, int fd, int backlog)
{
	struct pmt_tcp_engine *te;
	struct pmt_tcb *tcb;
	unsigned int i;

	GET_TCB(eng, fd, tcb);
	te = &eng->tcp;
	if (tcb->state == PMT_TCPS_LISTEN) {
		tcb->backlog = (uint16_t)RTE_MIN(RTE_MAX(backlog, 1), UINT16_MAX);
		return 0;
	}
	if (tcb->state != PMT_TCPS_CLOSED || tcb->key.lport == 0)
		return -EINVAL;	/* bind a port first */
	for (i = 0; i < te->n_listen && te->listen[i] != NULL; i++)
		;
	if (i == PMT_TCP_MAX_LISTEN)
		return -ENOBUFS;
	tcb->backlog = (uint16_t)RTE_MIN(RTE_MAX(backlog, 1), UINT16_MAX);
	tcb->state = PMT_TCPS_LISTEN;
	te->listen[i] = tcb;
	if (i == te->n_listen)
		te->n_listen++;
	return 0;
}

struct pmt_tcb *
pmt_listen_child(struct pmt_tcb *l, const struct pmt_flow_key *k)
{
	struct pmt_tcp_engine *te = &pmt_tcb_eng(l)->tcp;
	struct pmt_tcb *tcb;
	unsigned int slot;

	for (slot = 0; slot < te->n_listen && te->listen[slot] != l; slot++)
		;
	if (slot == te->n_listen)
		return NULL;	/* not a listener */
	tcb = pmt_tcb_alloc(pmt_tcb_eng(l));
	if (tcb == NULL)
		return NULL;
	tcb->key = *k;
	tcb->flags |= l->flags & (PMT_TF_NODELAY | PMT_TF_KEEPALIVE |
				  PMT_TF_CORK);
	/* The listener's congestion control, not the stack's default. */
	tcb->flags = (tcb->flags & ~(uint32_t)PMT_TF_CC_NEWRENO) |
		(l->flags & PMT_TF_CC_NEWRENO);
	tcb->snd_buf = l->snd_buf;
	tcb->rcv_buf = l->rcv_buf;
	tcb->linger_s = l->linger_s;
	if (pmt_tcb_hash(tcb) != 0) {
		tcb->flags |= PMT_TF_APP_CLOSED;
		pmt_tcb_release(tcb);
		return NULL;
	}
	/*
	 * Half-open connections are syncache entries, not children: a
	 * child is made by the handshake's final ACK and goes straight to
	 * the accept queue, so q_len counts completed connections only.
	 */
	tcb->parent = (uint8_t)(slot + 1);
	l->q_len++;
	PMT_STAT_INC(pmt_tcb_eng(l), tcp_conn_accepts);
	return tcb;
}

/* Take @tcb off listener @l's accept queue, keeping its tail right. */
static void
accq_remove(const struct pmt_tcp_engine *te, struct pmt_tcb *l,
	    struct pmt_tcb *tcb)
{
	struct pmt_tcb *prev = NULL, *t;

	for (t = l->acc_head; t != NULL; prev = t, t = pmt_tcb_at(te, t->q_next))
		if (t == tcb)
			break;
	if (t == NULL)
		return;
	if (prev == NULL)
		l->acc_head = pmt_tcb_at(te, tcb->q_next);
	else
		prev->q_next = tcb->q_next;
	if (l->acc_tail == tcb)
		l->acc_tail = prev;
	tcb->q_next = 0;
}

void
pmt_listen_unlink(struct pmt_tcb *tcb)
{
	const struct pmt_tcp_engine *te = &pmt_tcb_eng(tcb)->tcp;
	struct pmt_tcb *l = pmt_tcb_parent(te, tcb);

	if (l == NULL)
		return;
	if (tcb->flags & PMT_TF_ACCEPTQ)
		accq_remove(te, l, tcb);
	tcb->flags &= ~(uint32_t)PMT_TF_ACCEPTQ;
	l->q_len--;
	tcb->parent = 0;
}

void
pmt_listen_established(struct pmt_tcb *tcb)
{
	const struct pmt_tcp_engine *te = &pmt_tcb_eng(tcb)->tcp;
	struct pmt_tcb *l = pmt_tcb_parent(te, tcb);

	tcb->q_next = 0;
	tcb->flags |= PMT_TF_ACCEPTQ;
	if (l->acc_tail != NULL)
		l->acc_tail->q_next = pmt_tcb_ref(te, tcb);
	else
		l->acc_head = tcb;
	l->acc_tail = tcb;
	pmt_tcb_event(l, PMT_EV_IN);
}

int
pmt_accept(struct pmt_engine *eng, int fd, uint32_t *addr, uint16_t *port)
{
	struct pmt_tcb *l, *tcb;
	int nfd;

	GET_TCB(eng, fd, l);
	if (l->state != PMT_TCPS_LISTEN)
		return -EINVAL;
	tcb = l->acc_head;
	if (tcb == NULL)
		return -EAGAIN;
	nfd = fd_alloc(eng, tcb);
	if (nfd < 0)
		return nfd;
	l->acc_head = pmt_tcb_at(&eng->tcp, tcb->q_next);
	if (l->acc_head == NULL)
		l->acc_tail = NULL;
	tcb->q_next = 0;
	tcb->parent = 0;
	tcb->flags &= ~(uint32_t)PMT_TF_ACCEPTQ;
	l->q_len--;
	if (addr != NULL)
		*addr = tcb->key.raddr;
	if (port != NULL)
		*port = rte_be_to_cpu_16(tcb->key.rport);
	/* What happened before accept() is news to the application. */
	if (tcb->rcv_q_len > 0 || tcb->state != PMT_TCPS_ESTABLISHED)
		pmt_tcb_event(tcb, PMT_EV_IN);
	pmt_tcb_event(tcb, PMT_EV_OUT);
	/* Its timers may all have run while it waited: start the idle one. */
	pmt_tcp_idle_arm(tcb);
	return nfd;
}

/* --- active open --- */

struct port_probe {
	struct pmt_engine *eng;
	struct pmt_flow_key key;
	struct pmt_tcb *reuse;		/* a TIME-WAIT pair the open may take */
};

/* An active open waits this long in TIME-WAIT before its pair is reused. */
#define PMT_TW_REUSE_US 1000000ull

/*
 * May an active open take the pair of @e, ours and in TIME-WAIT? As
 * Linux's tcp_tw_reuse (RFC 6191 for the end that holds the TIME-WAIT):
 * only when timestamps were on and it has waited a second. The new
 * incarnation keeps the old one's TSval offset (pmt_connect), so with a
 * later clock every TSval it sends is newer than the old one's and the
 * peer's PAWS (RFC 7323 5) drops any old duplicate of either side; its
 * ISN (RFC 6528) has moved on with the clock as well.
 */
static bool
tw_reusable(const struct pmt_engine *eng, void *e)
{
	const struct pmt_tcb *tcb = e;
	uint64_t tw_us = (uint64_t)eng->stack->cfg.tcp_time_wait_ms * 1000;

	return !pmt_tcb_is_idle(e) && tcb->state == PMT_TCPS_TIME_WAIT &&
		(tcb->flags & PMT_TF_TS) && (tcb->flags & PMT_TF_APP_CLOSED) &&
		!tcb->ev_queued && tcb->tmr[PMT_TCPT_2MSL] != 0 &&
		pmt_tcp_timer_deadline(tcb, PMT_TCPT_2MSL) + PMT_TW_REUSE_US <=
		eng->now + tw_us;
}

/* Is the probe's 4-tuple free, or held by a reusable TIME-WAIT? */
static bool
tuple_free(struct port_probe *p)
{
	void *e = pmt_sockt_lookup(p->eng->tcp.table, &p->key);

	p->reuse = NULL;
	if (e == NULL)
		return true;
	if (!tw_reusable(p->eng, e))
		return false;
	p->reuse = e;
	return true;
}

static bool
port_usable(void *arg, uint16_t port)
{
	struct port_probe *p = arg;

	p->key.lport = rte_cpu_to_be_16(port);
	/* The reply must steer back to this engine. */
	if (pmt_flow_owner(p->eng->stack, p->key.laddr, p->key.raddr,
			   p->key.lport, p->key.rport) != p->eng->idx)
		return false;
	return pmt_tcp_listener(p->eng, p->key.laddr, p->key.lport) == NULL &&
		tuple_free(p);
}

int
pmt_connect(struct pmt_engine *eng, int fd, uint32_t addr, uint16_t port)
{
	struct pmt_tcb *tcb;
	struct port_probe probe;
	uint32_t nh, src;
	uint16_t iface;
	int ret;

	GET_TCB(eng, fd, tcb);
	switch (tcb->state) {
	case PMT_TCPS_CLOSED:
		break;
	case PMT_TCPS_SYN_SENT:
	case PMT_TCPS_SYN_RECEIVED:
		return -EALREADY;
	case PMT_TCPS_LISTEN:
		return -EINVAL;
	default:
		return -EISCONN;
	}
	if (tcb->err || (tcb->flags & PMT_TF_APP_CLOSED) || tcb->iss != 0)
		return -EINVAL;	/* a socket connects once */
	if (addr == 0 || port == 0 || !pmt_ipv4_unicast(addr))
		return -EINVAL;
	if (pmt_route(eng, addr, tcb->key.laddr, &iface, &nh, &src) != 0)
		return -ENETUNREACH;
	probe.eng = eng;
	probe.key.laddr = tcb->key.laddr ? tcb->key.laddr : src;
	probe.key.raddr = addr;
	probe.key.rport = rte_cpu_to_be_16(port);
	probe.reuse = NULL;
	if (tcb->key.lport != 0) {
		probe.key.lport = tcb->key.lport;
		if (!tuple_free(&probe))
			return -EADDRINUSE;
	} else {
		uint16_t lp = pmt_port_pick(&eng->tcp.ports, &eng->tcp.secret,
					    &probe.key, port_usable, &probe);

		if (lp == 0)
			return -EADDRNOTAVAIL;
		probe.key.lport = rte_cpu_to_be_16(lp);
	}
	tcb->key = probe.key;
	tcb->iface = (uint8_t)iface;
	if (probe.reuse != NULL) {
		/* The old incarnation goes now; its TSval offset stays. */
		tcb->ts_offset = probe.reuse->ts_offset;
		PMT_STAT_INC(eng, tcp_time_wait_reuse_active);
		pmt_tcb_close(probe.reuse, 0);
	}
	tcb->t_maxseg = pmt_tcp_mss_of(eng, iface);
	tcb->rcv_wscale = pmt_tcp_rcv_wscale(tcb);
	tcb->iss = pmt_tcp_isn(&eng->tcp.secret, &tcb->key, eng->now);
	if (tcb->iss == 0)
		tcb->iss = 1;	/* 0 marks "never connected" above */
	if (probe.reuse == NULL)
		tcb->ts_offset = tcb->iss;
	tcb->snd_una = tcb->snd_nxt = tcb->snd_max = tcb->iss;
	tcb->snd_wnd = 1;	/* until the SYN-ACK says */
	pmt_cc_init(tcb);
	ret = pmt_tcb_hash(tcb);
	if (ret != 0)
		return ret == -EEXIST ? -EADDRINUSE : -ENOBUFS;
	tcb->state = PMT_TCPS_SYN_SENT;
	PMT_STAT_INC(eng, tcp_conn_attempts);
	pmt_tcp_output(tcb);
	return -EINPROGRESS;
}

/* --- data --- */

static long
send_check(struct pmt_tcb *tcb)
{
	if (tcb->state == PMT_TCPS_CLOSED)
		return tcb->err ? -(long)tcb->err : -ENOTCONN;
	if (tcb->state == PMT_TCPS_LISTEN)
		return -ENOTCONN;
	if (tcb->flags & PMT_TF_FIN_QUEUED)
		return -EPIPE;
	if (tcb->state < PMT_TCPS_ESTABLISHED) {
		tcb->flags |= PMT_TF_WANT_OUT;
		return -EAGAIN;
	}
	return 0;
}

static void
send_flags(struct pmt_tcb *tcb, int flags)
{
	if (flags & PMT_MSG_MORE)
		tcb->flags |= PMT_TF_MORE;
	else
		tcb->flags &= ~(uint32_t)PMT_TF_MORE;
}

static void
sndq_append(struct pmt_tcb *tcb, struct rte_mbuf *m)
{
	m->next = NULL;
	if (tcb->snd_tail != NULL)
		tcb->snd_tail->next = m;
	else
		tcb->snd_head = m;
	tcb->snd_tail = m;
}

long
pmt_send(struct pmt_engine *eng, int fd, const void *buf, size_t len,
	 int flags)
{
	const uint8_t *p = buf;
	struct pmt_tcb *tcb;
	size_t done = 0;
	uint32_t space;
	long ret;

	GET_TCB(eng, fd, tcb);
	ret = send_check(tcb);
	if (ret != 0)
		return ret;
	if (len == 0)
		return 0;
	space = tcb->snd_buf > tcb->snd_q_len ? tcb->snd_buf - tcb->snd_q_len : 0;
	if (space == 0) {
		tcb->flags |= PMT_TF_WANT_OUT;
		return -EAGAIN;
	}
	if (len > space)
		len = space;
	while (done < len) {
		struct rte_mbuf *t = tcb->snd_tail;
		uint16_t room, n;
		char *d;

		/* Fill the tail mbuf we made before taking a new one. */
		if (t != NULL && t->pool == eng->pool && RTE_MBUF_DIRECT(t) &&
		    rte_pktmbuf_tailroom(t) > 0) {
			room = rte_pktmbuf_tailroom(t);
		} else {
			t = rte_pktmbuf_alloc(eng->pool);
			if (t == NULL) {
				PMT_STAT_INC(eng, mbuf_alloc_fail);
				break;
			}
			sndq_append(tcb, t);
			room = rte_pktmbuf_tailroom(t);
		}
		n = (uint16_t)RTE_MIN((size_t)room, len - done);
		d = rte_pktmbuf_append(t, n);
		memcpy(d, p + done, n);
		done += n;
	}
	if (done == 0) {
		tcb->flags |= PMT_TF_WANT_OUT;
		return -EAGAIN;
	}
	tcb->snd_q_len += (uint32_t)done;
	send_flags(tcb, flags);
	pmt_tcp_output(tcb);
	return (long)done;
}

long
pmt_send_mbuf(struct pmt_engine *eng, int fd, struct rte_mbuf *m, int flags)
{
	struct pmt_tcb *tcb;
	struct rte_mbuf *s, *next;
	uint32_t total = 0, space;
	long ret;

	GET_TCB(eng, fd, tcb);
	if (m == NULL)
		return -EINVAL;
	ret = send_check(tcb);
	if (ret != 0)
		return ret;
	for (s = m; s != NULL; s = s->next)
		total += s->data_len;
	space = tcb->snd_buf > tcb->snd_q_len ? tcb->snd_buf - tcb->snd_q_len : 0;
	if (total > space) {
		tcb->flags |= PMT_TF_WANT_OUT;
		return -EAGAIN;
	}
	/* Take every segment; empty ones carry nothing and go now. */
	for (s = m; s != NULL; s = next) {
		next = s->next;
		s->next = NULL;
		s->nb_segs = 1;
		s->pkt_len = s->data_len;
		if (s->data_len == 0)
			rte_pktmbuf_free_seg(s);
		else
			sndq_append(tcb, s);
	}
	tcb->snd_q_len += total;
	send_flags(tcb, flags);
	pmt_tcp_output(tcb);
	return (long)total;
}

long
pmt_send_space(struct pmt_engine *eng, int fd)
{
	struct pmt_tcb *tcb;
	long ret;

	GET_TCB(eng, fd, tcb);
	ret = send_check(tcb);
	if (ret == -EAGAIN)
		return 0;
	if (ret != 0)
		return ret;
	if (tcb->snd_buf <= tcb->snd_q_len) {
		tcb->flags |= PMT_TF_WANT_OUT;
		return 0;
	}
	return (long)(tcb->snd_buf - tcb->snd_q_len);
}

static long
recv_check(struct pmt_tcb *tcb)
{
	if (tcb->rcv_q_len > 0)
		return 1;
	if (tcb->state == PMT_TCPS_LISTEN)
		return -ENOTCONN;
	if (tcb->state == PMT_TCPS_CLOSED)
		return tcb->err ? -(long)tcb->err :
			(tcb->iss != 0 || (tcb->flags & PMT_TF_RCVD_FIN)) ? 0 :
			-ENOTCONN;
	if ((tcb->flags & (PMT_TF_RCVD_FIN | PMT_TF_SHUT_RD)))
		return 0;
	return -EAGAIN;
}

/*
 * The window may have opened enough to tell the peer: a read of @n
 * bytes. Only a read of a segment's worth or more, or one while the
 * peer holds under two segments of window (it may be stalled), is
 * worth a window update alone: a 55-byte request read after the
 * handshake would otherwise cost a segment on every connection (the
 * window grows from the SYN's unscaled 65535 to the buffer), which
 * the ACKs of the peer's next data carry anyway.
 */
static void
after_read(struct pmt_tcb *tcb, uint32_t n)
{
	if (PMT_TCPS_HAVE_ESTABLISHED(tcb->state) &&
	    !PMT_TCPS_HAVE_RCVD_FIN(tcb->state)) {
		pmt_tcb_eng(tcb)->tcp.after_read = n >= tcb->t_maxseg ||
			tcb->rcv_adv - tcb->rcv_nxt < 2u * tcb->t_maxseg;
		pmt_tcp_output(tcb);
		pmt_tcb_eng(tcb)->tcp.after_read = false;
	}
}

long
pmt_recv(struct pmt_engine *eng, int fd, void *buf, size_t len)
{
	struct pmt_tcb *tcb;
	uint8_t *p = buf;
	size_t done = 0;
	long ret;

	GET_TCB(eng, fd, tcb);
	ret = recv_check(tcb);
	if (ret <= 0)
		return ret;
	while (done < len && tcb->rcv_head != NULL) {
		struct rte_mbuf *m = tcb->rcv_head;
		uint16_t n = (uint16_t)RTE_MIN((size_t)m->data_len, len - done);

		memcpy(p + done, rte_pktmbuf_mtod(m, void *), n);
		done += n;
		if (n == m->data_len) {
			tcb->rcv_head = m->next;
			m->next = NULL;
			rte_pktmbuf_free_seg(m);
		} else {
			m->data_off = (uint16_t)(m->data_off + n);
			m->data_len = (uint16_t)(m->data_len - n);
		}
	}
	if (tcb->rcv_head == NULL)
		tcb->rcv_tail = NULL;
	tcb->rcv_q_len -= (uint32_t)done;
	after_read(tcb, (uint32_t)done);
	return (long)done;
}

long
pmt_recv_mbuf(struct pmt_engine *eng, int fd, struct rte_mbuf **mp)
{
	struct pmt_tcb *tcb;
	struct rte_mbuf *head, *m, *last = NULL;
	uint32_t total = 0;
	uint16_t n = 0;
	long ret;

	GET_TCB(eng, fd, tcb);
	if (mp == NULL)
		return -EINVAL;
	ret = recv_check(tcb);
	if (ret <= 0)
		return ret;
	/* One chain of at most 256 segments: what a PMD or app can take. */
	head = tcb->rcv_head;
	for (m = head; m != NULL && n < 256; m = m->next) {
		total += m->data_len;
		n++;
		last = m;
	}
	tcb->rcv_head = last->next;
	if (tcb->rcv_head == NULL)
		tcb->rcv_tail = NULL;
	last->next = NULL;
	head->nb_segs = n;
	head->pkt_len = total;
	tcb->rcv_q_len -= total;
	*mp = head;
	after_read(tcb, total);
	return (long)total;
}

/* --- closing --- */

static void
queue_fin(struct pmt_tcb *tcb)
{
	tcb->flags |= PMT_TF_FIN_QUEUED;
	tcb->flags &= ~(uint32_t)(PMT_TF_MORE | PMT_TF_CORK);
	switch (tcb->state) {
	case PMT_TCPS_SYN_RECEIVED:
	case PMT_TCPS_ESTABLISHED:
		tcb->state = PMT_TCPS_FIN_WAIT_1;
		break;
	case PMT_TCPS_CLOSE_WAIT:
		tcb->state = PMT_TCPS_LAST_ACK;
		break;
	default:
		return;
	}
	pmt_tcp_output(tcb);
}

int
pmt_shutdown(struct pmt_engine *eng, int fd, int how)
{
	struct pmt_tcb *tcb;

	GET_TCB(eng, fd, tcb);
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	if (tcb->state <= PMT_TCPS_SYN_SENT)
		return -ENOTCONN;
	if (how != SHUT_WR) {
		tcb->flags |= PMT_TF_SHUT_RD;
		pmt_tcb_flush_rcvq(tcb);
	}
	if (how != SHUT_RD && !(tcb->flags & PMT_TF_FIN_QUEUED))
		queue_fin(tcb);
	return 0;
}

/* Half-open children of a closing listener, found in the table. */
static int
drop_child_of(void *arg, const struct pmt_flow_key *k, void *value)
{
	struct pmt_tcb *tcb = value;

	RTE_SET_USED(k);
	/* An idle form is an accepted connection, nobody's child. */
	if (pmt_tcb_is_idle(value))
		return 0;
	if (pmt_tcb_parent(&pmt_tcb_eng(tcb)->tcp, tcb) == arg &&
	    tcb->state != PMT_TCPS_CLOSED)
		pmt_tcb_drop(tcb, ECONNABORTED);
	return 0;
}

static void
listener_close(struct pmt_tcb *l)
{
	struct pmt_tcp_engine *te = &pmt_tcb_eng(l)->tcp;
	unsigned int i;

	/* Half-open ones are syncache entries: they go without a word. */
	pmt_syncache_listener_gone(pmt_tcb_eng(l), l);
	/* Its port may be an ephemeral one a search found taken. */
	pmt_port_forget(&te->ports);
	/* Children nobody will accept: reset them (pmt_tcb_close unlinks). */
	while (l->acc_head != NULL)
		pmt_tcb_drop(l->acc_head, ECONNABORTED);
	if (l->q_len > 0)
		pmt_sockt_walk(pmt_tcb_eng(l)->tcp.table, drop_child_of, l);
	/* Its slot last: the children above found it through it. */
	for (i = 0; i < te->n_listen; i++)
		if (te->listen[i] == l)
			te->listen[i] = NULL;
	while (te->n_listen > 0 && te->listen[te->n_listen - 1] == NULL)
		te->n_listen--;
	l->state = PMT_TCPS_CLOSED;
}

int
pmt_close(struct pmt_engine *eng, int fd)
{
	struct pmt_tcb *tcb;
	void *e = fd_entry(eng, fd);

	if (e == NULL)
		return -EBADF;
	tcb = pmt_tcp_idle_wake(eng, e);
	if (tcb == NULL) {
		/* No TCB to close it gracefully with: reset it, still closed. */
		fd_release(eng, (uint32_t)fd);
		pmt_tcp_idle_reset(eng, e);
		return 0;
	}
	fd_free(eng, tcb);
	tcb->flags |= PMT_TF_APP_CLOSED;
	switch (tcb->state) {
	case PMT_TCPS_CLOSED:
		break;
	case PMT_TCPS_LISTEN:
		listener_close(tcb);
		break;
	case PMT_TCPS_SYN_SENT:
		pmt_tcb_close(tcb, 0);
		break;
	case PMT_TCPS_SYN_RECEIVED:
	case PMT_TCPS_ESTABLISHED:
	case PMT_TCPS_CLOSE_WAIT:
		/*
		 * RFC 9293 3.10.4 allows, and RFC 2525 2.17 asks for, a
		 * reset when unread data would be lost; SO_LINGER 0 asks
		 * for one explicitly.
		 */
		if (tcb->rcv_q_len > 0 || tcb->linger_s == 0) {
			pmt_tcb_drop(tcb, 0);
			break;
		}
		queue_fin(tcb);
		break;
	case PMT_TCPS_FIN_WAIT_2:
		pmt_tcp_timer_fin_wait2(tcb);
		break;
	default:
		break;
	}
	pmt_tcb_flush_rcvq(tcb);
	pmt_tcb_release(tcb);
	return 0;
}

void
pmt_sock_destroy(struct pmt_tcb *tcb)
{
	pmt_tcp_timer_cancel_all(tcb);
	/* A listener's queue pointers name TCBs, not mbufs. */
	if (tcb->state == PMT_TCPS_LISTEN)
		return;
	pmt_tcb_flush_queues(tcb);
}

/* --- options and names --- */

int
pmt_setsockopt(struct pmt_engine *eng, int fd, enum pmt_sockopt opt,
	       int value)
{
	struct pmt_tcb *tcb;

	GET_TCB(eng, fd, tcb);
	switch (opt) {
	case PMT_TCP_NODELAY:
		if (value) {
			tcb->flags |= PMT_TF_NODELAY;
			pmt_tcp_output(tcb);
		} else {
			tcb->flags &= ~(uint32_t)PMT_TF_NODELAY;
		}
		return 0;
	case PMT_TCP_CORK:
		if (value) {
			tcb->flags |= PMT_TF_CORK;
		} else {
			tcb->flags &= ~(uint32_t)PMT_TF_CORK;
			pmt_tcp_output_flush(tcb);
		}
		return 0;
	case PMT_SO_SNDBUF:
	case PMT_SO_RCVBUF:
		if (value < 4096 || value > (1 << 30))
			return -EINVAL;
		if (opt == PMT_SO_SNDBUF) {
			tcb->snd_buf = (uint32_t)value;
		} else {
			/* The window scale is fixed by the SYN. */
			if (tcb->state != PMT_TCPS_CLOSED &&
			    tcb->state != PMT_TCPS_LISTEN &&
			    (uint32_t)value > ((uint32_t)UINT16_MAX << tcb->rcv_wscale))
				value = (int)((uint32_t)UINT16_MAX << tcb->rcv_wscale);
			tcb->rcv_buf = (uint32_t)value;
		}
		return 0;
	case PMT_SO_LINGER:
		if (value < -1 || value > 0xfffe)
			return -EINVAL;
		tcb->linger_s = value < 0 ? 0xffff : (uint16_t)value;
		return 0;
	case PMT_SO_KEEPALIVE:
		if (value) {
			tcb->flags |= PMT_TF_KEEPALIVE;
			if (PMT_TCPS_HAVE_ESTABLISHED(tcb->state))
				pmt_tcp_timer_arm(tcb, PMT_TCPT_KEEP,
						  (uint64_t)eng->stack->cfg.tcp_keep_idle_s * 1000000);
		} else {
			tcb->flags &= ~(uint32_t)PMT_TF_KEEPALIVE;
			pmt_tcp_timer_cancel(tcb, PMT_TCPT_KEEP);
		}
		return 0;
	case PMT_SO_REUSEADDR:
		if (value)
			tcb->flags |= PMT_TF_REUSEADDR;
		else
			tcb->flags &= ~(uint32_t)PMT_TF_REUSEADDR;
		return 0;
	case PMT_TCP_CONGESTION:
		return pmt_cc_select(tcb, value);
	default:
		return -ENOPROTOOPT;
	}
}

int
pmt_getsockopt(struct pmt_engine *eng, int fd, enum pmt_sockopt opt,
	       int *value)
{
	struct pmt_tcb *tcb;

	GET_TCB(eng, fd, tcb);
	if (value == NULL)
		return -EINVAL;
	switch (opt) {
	case PMT_TCP_NODELAY:
		*value = !!(tcb->flags & PMT_TF_NODELAY);
		return 0;
	case PMT_TCP_CORK:
		*value = !!(tcb->flags & PMT_TF_CORK);
		return 0;
	case PMT_SO_SNDBUF:
		*value = (int)tcb->snd_buf;
		return 0;
	case PMT_SO_RCVBUF:
		*value = (int)tcb->rcv_buf;
		return 0;
	case PMT_SO_LINGER:
		*value = tcb->linger_s == 0xffff ? -1 : tcb->linger_s;
		return 0;
	case PMT_SO_KEEPALIVE:
		*value = !!(tcb->flags & PMT_TF_KEEPALIVE);
		return 0;
	case PMT_SO_REUSEADDR:
		*value = !!(tcb->flags & PMT_TF_REUSEADDR);
		return 0;
	case PMT_SO_ERROR:
		*value = tcb->err;
		tcb->err = 0;
		return 0;
	case PMT_TCP_MAXSEG:
		*value = tcb->t_maxseg;
		return 0;
	case PMT_TCP_STATE:
		*value = tcb->state;
		return 0;
	case PMT_TCP_CONGESTION:
		*value = pmt_cc_algo(tcb);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int
pmt_getsockname(struct pmt_engine *eng, int fd, uint32_t *addr,
		uint16_t *port)
{
	struct pmt_tcb *tcb;

	GET_TCB(eng, fd, tcb);
	if (addr != NULL)
		*addr = tcb->key.laddr;
	if (port != NULL)
		*port = rte_be_to_cpu_16(tcb->key.lport);
	return 0;
}

int
pmt_getpeername(struct pmt_engine *eng, int fd, uint32_t *addr,
		uint16_t *port)
{
	struct pmt_tcb *tcb;

	GET_TCB(eng, fd, tcb);
	if (tcb->state <= PMT_TCPS_SYN_SENT && tcb->key.raddr == 0)
		return -ENOTCONN;
	if (addr != NULL)
		*addr = tcb->key.raddr;
	if (port != NULL)
		*port = rte_be_to_cpu_16(tcb->key.rport);
	return 0;
}

int
pmt_set_udata(struct pmt_engine *eng, int fd, void *udata)
{
	struct pmt_tcb *tcb;

	GET_TCB(eng, fd, tcb);
	tcb->udata = udata;
	return 0;
}

int
pmt_events(struct pmt_engine *eng, struct pmt_event *ev, int max)
{
	struct pmt_tcp_engine *te;
	int n = 0;

	if (eng == NULL || ev == NULL || max <= 0)
		return -EINVAL;
	te = &eng->tcp;
	while (n < max && te->ev_head != NULL) {
		struct pmt_tcb *tcb = te->ev_head;

		te->ev_head = pmt_tcb_at(te, tcb->ev_next);
		if (te->ev_head == NULL)
			te->ev_tail = NULL;
		tcb->ev_next = 0;
		tcb->ev_queued = 0;
		if (tcb->fd < 0) {
			tcb->ev_mask = 0;
			pmt_tcb_release_popped(tcb);
			continue;
		}
		ev[n].fd = tcb->fd;
		ev[n].events = tcb->ev_mask;
		ev[n].udata = tcb->udata;
		tcb->ev_mask = 0;
		n++;
	}
	return n;
}

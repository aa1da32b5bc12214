/* gen.c: the per-lcore generator: opens, drives and closes connections (client) or answers them (server). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "gen.h"
#include "gen_http.h"

/*
 * Payload is never per connection: requests and response bodies are
 * template mbuf chains built once per lcore; each send attaches indirect
 * mbufs windowing into them (pmt_send_mbuf takes those), so an idle
 * connection costs its TCB and this small struct.
 */

enum conn_state {
	C_FREE = 0,
	C_CONNECTING,
	C_SENDING,		/* request (client) or response (server) going out */
	C_WAITING,		/* client: response expected */
	C_IDLE,			/* client: between requests (interval) */
	C_READING,		/* server: request expected */
	C_STREAM,		/* raw bulk */
	C_CLOSING,
	C_LISTEN,		/* server: a listening socket */
	C_HALF,			/* client: half-closed and answered, reading to EOF */
};

struct gen_conn {
	uint8_t state;
	uint8_t srv;		/* client: index of its server, or GEN_SRV_BLACKHOLE */
	/* Bits, so that the slot is 24 bytes (issue 10: every idle
	 * connection has one). */
	uint8_t reject : 3;	/* server: refusal being sent, 1 + index */
	uint8_t close_kind : 2;	/* client: enum gen_close, drawn at open */
	bool close_after : 1;	/* server: answer then close */
	bool ka_announce : 1;	/* server: HTTP/1.0 keep-alive, say so */
	bool retry_queued : 1;	/* on the worker's retry FIFO */
	bool got_first : 1;	/* client: first response byte seen */
	bool shut_wr : 1;	/* client: half-closed after its last request */
	/* Requests done on this connection; --requests-per-conn is at most
	 * UINT32_MAX, and with none it stops counting there. */
	uint32_t reqs;
	uint64_t last_io;	/* last byte in or out, ns (timeouts) */
	struct gen_msg *m;	/* while a message is on its way, else NULL */
};

_Static_assert(sizeof(struct gen_conn) <= 24,
	       "a connection slot: flags, a clock, the message (issue 10: 200 bytes an idle connection)");
_Static_assert(GEN_REJECTS + 1 <= 7 && GEN_CLOSE_N <= 4,
	       "gen_conn's reject and close_kind bits hold their values");

/*
 * What a connection holds only from a connect or the first byte of a
 * message until it goes quiet again: clocks, offsets, the parser. From
 * the worker's slab (msg_of()), given back by msg_quiet(), so the
 * million idle connections of a soak cost their 24-byte slots and no
 * message state.
 */
struct gen_msg {
	uint64_t t0;		/* connect or request start, ns */
	uint64_t out_off;	/* bytes of the current message sent */
	uint64_t out_len;	/* its length */
	uint64_t in_left;	/* raw: bytes still expected (server: of a
				 * request begun) */
	union {
		struct gen_http_resp resp;	/* client */
		struct gen_http_req *req;	/* server: malloc on data */
	};
};

static uint64_t ns_mult;	/* TSC to ns: (tsc * ns_mult) >> 32 */

void
gen_clock_init(void)
{
	ns_mult = (uint64_t)(((unsigned __int128)1000000000 << 32) /
			     rte_get_tsc_hz());
}

uint64_t
gen_now(void)
{
	return (uint64_t)(((unsigned __int128)rte_rdtsc() * ns_mult) >> 32);
}

/* byte i of the payload pattern (the same as pmt-tcptool's) */
static inline uint8_t
pattern(uint64_t i)
{
	return (uint8_t)(((uint32_t)i * 2654435761u) >> 24);
}

uint32_t
gen_pattern_crc32c(uint64_t len)
{
	uint8_t buf[4096];
	uint32_t crc = 0;
	uint64_t off = 0;

	while (off < len) {
		size_t n = (size_t)RTE_MIN((uint64_t)sizeof(buf), len - off), i;

		for (i = 0; i < n; i++)
			buf[i] = pattern(off + i);
		crc = gen_http_crc32c(crc, buf, n);
		off += n;
	}
	return crc;
}

#define TPL_ROOM 8192

/* A template chain of @len bytes: @prefix then the pattern. */
static struct rte_mbuf *
tpl_build(struct rte_mempool *mp, const char *prefix, size_t plen,
	  uint64_t len)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint64_t off = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint16_t n;
		uint8_t *d;
		uint16_t i;

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		n = (uint16_t)RTE_MIN((uint64_t)rte_pktmbuf_tailroom(m),
				      len - off);
		d = (uint8_t *)rte_pktmbuf_append(m, n);
		for (i = 0; i < n; i++, off++)
			d[i] = off < plen ? (uint8_t)prefix[off] :
				pattern(off - plen);
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		last = m;
	} while (off < len);
	return head;
}

/* @m as an indexed template; @return 0, or -ENOMEM (@m freed). */
static int
tpl_index(struct gen_tpl *t, struct rte_mbuf *m, int socket)
{
	struct rte_mbuf *s;
	uint32_t i, n = 0;

	memset(t, 0, sizeof(*t));
	if (m == NULL)
		return -ENOMEM;
	/* Counted, not nb_segs: a body of gigabytes has more pieces than
	 * its 16 bits hold. */
	for (s = m; s != NULL; s = s->next)
		n++;
	t->seg = rte_malloc_socket("gen_tpl_seg", (size_t)n * sizeof(*t->seg),
				   0, socket);
	if (t->seg == NULL) {
		rte_pktmbuf_free(m);
		return -ENOMEM;
	}
	for (s = m, i = 0; s != NULL; s = s->next)
		t->seg[i++] = s;
	t->m = m;
	t->n_seg = i;
	t->piece = m->data_len;	/* tpl_build fills each piece whole */
	return 0;
}

static void
tpl_free(struct gen_tpl *t)
{
	rte_pktmbuf_free(t->m);
	rte_free(t->seg);
	memset(t, 0, sizeof(*t));
}

/* Clones of @len bytes of @t from @off (pmt_mbuf_window's contract). */
static struct rte_mbuf *
tpl_window(struct gen_worker *w, const struct gen_tpl *t, uint64_t off,
	   uint64_t len)
{
	uint64_t i = off / t->piece;

	if (i >= t->n_seg) {
		rte_errno = EINVAL;
		return NULL;
	}
	return pmt_mbuf_window(w->clone_pool, t->seg[i], off - i * t->piece,
			       len);
}

const char *const gen_close_names[GEN_CLOSE_N] = {
	[GEN_CLOSE_FIN] = "fin",
	[GEN_CLOSE_RST] = "rst",
	[GEN_CLOSE_HALF] = "half",
};

/* splitmix64: the client's own choices, reproducible from --seed. */
static uint64_t
gen_rand(struct gen_worker *w)
{
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

const char *const gen_err_names[GEN_ERR_N] = {
#define GEN_ERR_NAME(e, name) name,
	GEN_ERR_LIST(GEN_ERR_NAME)
#undef GEN_ERR_NAME
};

/*
 * Count a failure of @kind. The first of each kind on this lcore keeps
 * when it happened and its 4-tuple (from the socket while it is still
 * open, else the server it was for), so the summary can point at it.
 */
static void
gen_error(struct gen_worker *w, enum gen_err kind, int fd,
	  const struct gen_server *srv, int detail)
{
	struct gen_err_first *f = &w->first[kind];
	uint32_t a;
	uint16_t p;

	w->c.err[kind]++;
	if (f->t_ns != 0)
		return;
	f->t_ns = RTE_MAX(gen_now(), (uint64_t)1);
	f->detail = detail;
	if (srv != NULL) {
		f->raddr = srv->addr;
		f->rport = srv->port;
	}
	if (fd >= 0 && pmt_getsockname(w->eng, fd, &a, &p) == 0) {
		f->laddr = a;
		f->lport = p;
	}
	if (fd >= 0 && pmt_getpeername(w->eng, fd, &a, &p) == 0) {
		f->raddr = a;
		f->rport = p;
	}
}

static const struct gen_server *
conn_server(const struct gen_worker *w, const struct gen_conn *c)
{
	if (w->conf->role != GEN_CLIENT)
		return NULL;
	return c->srv == GEN_SRV_BLACKHOLE ? &w->conf->blackhole :
		&w->conf->servers[c->srv];
}

/* The errno a socket call or SO_ERROR gave, as a kind of failure. */
static enum gen_err
errno_kind(int err, bool connecting)
{
	switch (err) {
	case ECONNREFUSED:
		return GEN_ERR_REFUSED;
	case ECONNRESET:
	case ECONNABORTED:
	case EPIPE:
		return GEN_ERR_RESET;
	case ETIMEDOUT:
		return connecting ? GEN_ERR_TIMEOUT_CONNECT : GEN_ERR_TIMEOUT_TCP;
	case EHOSTUNREACH:
	case ENETUNREACH:
		return GEN_ERR_UNREACHABLE;
	case EADDRNOTAVAIL:
	case EADDRINUSE:
		return GEN_ERR_NO_PORT;
	case EMFILE:
	case ENFILE:
		return GEN_ERR_TABLE_FULL;
	case ENOBUFS:
	case ENOMEM:
		return GEN_ERR_NO_MBUF;
	default:
		return GEN_ERR_OTHER;
	}
}

/*
 * @c's message state, attached if it has none. The slab has one per
 * connection slot, so this never fails; it is reserved, not touched,
 * and only those in use at once (the high-water mark) become resident.
 */
static struct gen_msg *
msg_of(struct gen_worker *w, struct gen_conn *c)
{
	struct gen_msg *m = c->m;

	if (m != NULL)
		return m;
	m = w->msg_free;
	if (m != NULL) {
		memcpy(&w->msg_free, m, sizeof(void *));
	} else {
		RTE_VERIFY(w->msg_fresh < w->n_conns);
		m = &w->msg_slab[w->msg_fresh++];
	}
	/* The client resets its parser with each request. */
	m->t0 = m->out_off = m->out_len = m->in_left = 0;
	m->req = NULL;
	c->m = m;
	return m;
}

/* Give @c's message state back (the server's parser was freed). */
static void
msg_put(struct gen_worker *w, struct gen_conn *c)
{
	if (c->m == NULL)
		return;
	/* Free ones are linked through their first bytes. */
	memcpy(c->m, &w->msg_free, sizeof(void *));
	w->msg_free = c->m;
	c->m = NULL;
}

/* A message of @len bytes starts going out (UINT64_MAX: a stream). */
static struct gen_msg *
msg_send(struct gen_worker *w, struct gen_conn *c, uint64_t len)
{
	struct gen_msg *m = msg_of(w, c);

	m->out_off = 0;
	m->out_len = len;
	return m;
}

/* The server's request parser, if a request is under way. */
static inline struct gen_http_req *
conn_req(const struct gen_conn *c)
{
	return c->m != NULL ? c->m->req : NULL;
}

/* Raw bytes still expected (server: of a request begun). */
static inline uint64_t
conn_in_left(const struct gen_conn *c)
{
	return c->m != NULL ? c->m->in_left : 0;
}

/* Between messages, with nothing begun: the message state can go. */
static void
msg_quiet(struct gen_worker *w, struct gen_conn *c)
{
	if (c->m != NULL && c->m->req == NULL && c->m->in_left == 0)
		msg_put(w, c);
}

static void
conn_close(struct gen_worker *w, int fd, struct gen_conn *c)
{
	if (c->state == C_FREE || c->state == C_LISTEN)
		return;
	gen_tw_cancel(&w->tw, (uint32_t)fd);
	if (c->state == C_CONNECTING)
		w->connecting--;
	else if (w->conf->role == GEN_CLIENT &&
		 (c->state == C_SENDING || c->state == C_WAITING))
		w->busy--;
	else if (c->state == C_HALF)
		w->halfs--;
	if (w->conf->role == GEN_SERVER && w->conf->proto == GEN_HTTP)
		free(conn_req(c));
	msg_put(w, c);
	c->state = C_FREE;
	pmt_close(w->eng, fd);
	w->c.conn_closed++;
	w->c.conn_active--;
}

static void conn_fail(struct gen_worker *w, int fd, struct gen_conn *c,
		      enum gen_err kind, int detail);

/* An HTTP failure: its parser reason too (0: an answer to no request). */
static void
http_fail(struct gen_worker *w, int fd, struct gen_conn *c, int rc)
{
	w->c.http_reason[gen_http_reason(rc)]++;
	conn_fail(w, fd, c, GEN_ERR_HTTP, rc);
}

/* A connection fails: count why (while its 4-tuple is known), close it. */
static void
conn_fail(struct gen_worker *w, int fd, struct gen_conn *c, enum gen_err kind,
	  int detail)
{
	/*
	 * The --blackhole target's SYNs go unanswered by design: that
	 * connect timeout (ours or TCP's) is the expected end, counted
	 * apart. Any other end of such a connection is a failure.
	 */
	if (w->conf->role == GEN_CLIENT && c->srv == GEN_SRV_BLACKHOLE &&
	    c->state == C_CONNECTING && kind == GEN_ERR_TIMEOUT_CONNECT) {
		w->c.bh_timeouts++;
		conn_close(w, fd, c);
		return;
	}
	gen_error(w, kind, fd, conn_server(w, c), detail);
	conn_close(w, fd, c);
}

/* A socket call failed with -@err on an open connection. */
static void
conn_fail_errno(struct gen_worker *w, int fd, struct gen_conn *c, int err)
{
	conn_fail(w, fd, c, errno_kind(err, c->state == C_CONNECTING), err);
}

/*
 * A send that stopped short without the stack promising PMT_EV_OUT
 * (no clone, or room for less than a header) tries again next turn.
 */
static void
retry_later(struct gen_worker *w, int fd, struct gen_conn *c)
{
	uint32_t next = (w->retry_tail + 1) % w->retry_cap;

	if (c->retry_queued || next == w->retry_head)
		return;
	c->retry_queued = true;
	w->retry_fd[w->retry_tail] = fd;
	w->retry_tail = next;
}

/*
 * Send what is left of the current message: @tpl windows from out_off.
 * @closing: a close follows the message at once; its end then goes
 * with PMT_MSG_MORE too, so that the close's FIN rides on its last
 * segment (one segment fewer per connection).
 * Returns 1 when it is all queued, 0 when waiting for room, < 0 on error.
 */
static int
send_from(struct gen_worker *w, int fd, struct gen_conn *c,
	  struct rte_mbuf *hdr, const struct gen_tpl *body, uint64_t body_len,
	  bool closing)
{
	uint64_t hlen = hdr ? hdr->pkt_len : 0;

	while (c->m->out_off < c->m->out_len) {
		long room = pmt_send_space(w->eng, fd);
		struct rte_mbuf *m;
		uint64_t n;
		long ret;

		if (room < 0)
			return (int)room;
		if (room == 0)
			return 0;	/* the stack signals PMT_EV_OUT */
		if (c->m->out_off < hlen) {
			/* The header goes whole, with what body fits. */
			if ((uint64_t)room < hlen - c->m->out_off) {
				retry_later(w, fd, c);
				return 0;
			}
			m = pmt_mbuf_window(w->clone_pool, hdr, c->m->out_off,
				       hlen - c->m->out_off);
			n = hlen - c->m->out_off;
		} else {
			uint64_t boff = c->m->out_off - hlen;

			n = RTE_MIN((uint64_t)room, body_len - boff);
			m = tpl_window(w, body, boff, n);
		}
		if (m == NULL) {
			retry_later(w, fd, c);	/* out of clones */
			return 0;
		}
		ret = pmt_send_mbuf(w->eng, fd, m,
				    c->m->out_off + n < c->m->out_len || closing ?
				    PMT_MSG_MORE : 0);
		if (ret < 0) {
			rte_pktmbuf_free(m);
			return ret == -EAGAIN ? 0 : (int)ret;
		}
		c->m->out_off += n;
		w->c.tx_bytes += n;
	}
	return 1;
}

/* --- timeouts --- */

static inline uint64_t
ms_ns(unsigned int ms)
{
	return (uint64_t)ms * 1000000;
}

/* The earlier of two deadlines, 0 being "none". */
static inline uint64_t
earlier(uint64_t a, uint64_t b)
{
	return a == 0 ? b : b == 0 ? a : RTE_MIN(a, b);
}

static inline uint64_t
after(uint64_t t, unsigned int ms)
{
	return ms ? t + ms_ns(ms) : 0;
}

/*
 * The connection's next deadline in its state, 0 for none. Progress
 * (last_io) moves the idle deadline without re-arming: the wheel fires
 * at the armed time and conn_timeout() works out what really expired.
 */
static uint64_t
conn_deadline(const struct gen_worker *w, const struct gen_conn *c)
{
	const struct gen_conf *cf = w->conf;

	if (cf->role == GEN_CLIENT) {
		switch (c->state) {
		case C_CONNECTING:
			return after(c->m->t0, cf->connect_timeout_ms);
		case C_SENDING:
		case C_WAITING:
			return earlier(after(c->m->t0, cf->response_timeout_ms),
				       c->got_first ?
				       after(c->last_io, cf->idle_timeout_ms) :
				       after(c->m->t0, cf->first_byte_timeout_ms));
		case C_STREAM:
		case C_HALF:
			return after(c->last_io, cf->idle_timeout_ms);
		case C_IDLE:
			/* The next request, --interval-ms after the answer. */
			return after(c->last_io, cf->interval_ms);
		default:
			return 0;
		}
	}
	switch (c->state) {
	case C_READING:
		/* A request under way must end in time; between requests
		 * the connection may idle that long. */
		if (conn_req(c) != NULL)
			return after(c->m->t0, cf->request_timeout_ms);
		return after(c->last_io, cf->idle_timeout_ms);
	case C_SENDING:
	case C_STREAM:
		return after(c->last_io, cf->idle_timeout_ms);
	default:
		return 0;
	}
}

/* Arm the connection's deadline if it is earlier than the armed one. */
static void
conn_timer(struct gen_worker *w, int fd, const struct gen_conn *c)
{
	uint64_t d = conn_deadline(w, c);

	if (d == 0)
		gen_tw_cancel(&w->tw, (uint32_t)fd);
	else if (!gen_tw_armed(&w->tw, (uint32_t)fd) ||
		 d < gen_tw_when(&w->tw, (uint32_t)fd))
		gen_tw_arm(&w->tw, (uint32_t)fd, d);
}

/* Does the client bind its source (else the route chooses it)? */
static bool
client_binds(const struct gen_conf *cf)
{
	return cf->n_src > 1 || (cf->n_src == 1 && cf->bind_src);
}

/* The source the client's next hops are resolved from (0: the route's). */
static uint32_t
client_from(const struct gen_conf *cf)
{
	return client_binds(cf) ? cf->src[0] : 0;
}

/* No SYN-ACK: is it that nobody answers ARP for the next hop? */
static enum gen_err
connect_failure(struct gen_worker *w, const struct gen_conn *c)
{
	const struct gen_conf *cf = w->conf;
	int r = pmt_neighbor_resolve(w->eng, conn_server(w, c)->addr,
				     client_from(cf));

	return r == -EAGAIN || r == -ENETUNREACH || r == -EHOSTUNREACH ?
		GEN_ERR_UNREACHABLE : GEN_ERR_TIMEOUT_CONNECT;
}

/* Which client timeout passed at @now (the connection is mid-exchange). */
static enum gen_err
client_timeout_kind(const struct gen_worker *w, const struct gen_conn *c,
		    uint64_t now)
{
	const struct gen_conf *cf = w->conf;

	if (c->state == C_STREAM || c->state == C_HALF)
		return GEN_ERR_TIMEOUT_IDLE;
	if (!c->got_first && cf->first_byte_timeout_ms &&
	    now >= after(c->m->t0, cf->first_byte_timeout_ms))
		return GEN_ERR_TIMEOUT_FIRST_BYTE;
	if (cf->response_timeout_ms &&
	    now >= after(c->m->t0, cf->response_timeout_ms))
		return GEN_ERR_TIMEOUT_RESPONSE;
	return c->got_first ? GEN_ERR_TIMEOUT_IDLE : GEN_ERR_TIMEOUT_FIRST_BYTE;
}

static void server_reject(struct gen_worker *w, int fd, struct gen_conn *c,
			  unsigned int status);
static void client_send_request(struct gen_worker *w, int fd,
				struct gen_conn *c, uint64_t now);

/* The wheel says @fd's deadline came: a timeout, or progress to re-arm. */
static void
conn_timeout(struct gen_worker *w, int fd, uint64_t now)
{
	struct gen_conn *c = &w->conns[fd];
	uint64_t d = conn_deadline(w, c);

	if (d == 0)
		return;
	if (d > now) {
		gen_tw_arm(&w->tw, (uint32_t)fd, d);
		return;
	}
	if (w->conf->role == GEN_CLIENT && c->state == C_IDLE) {
		if (w->draining)
			return;		/* the drain closes it */
		/* As new connections do, wait while the ports are full. */
		if (pmt_engine_tx_backlog(w->eng) > GEN_TX_HOLD) {
			w->c.turns_tx_hold++;
			gen_tw_arm(&w->tw, (uint32_t)fd, now + w->tw.tick_ns);
			return;
		}
		client_send_request(w, fd, c, now);
		return;
	}
	if (w->conf->role == GEN_CLIENT) {
		conn_fail(w, fd, c, c->state == C_CONNECTING ?
			  connect_failure(w, c) :
			  client_timeout_kind(w, c, now), 0);
		return;
	}
	if (c->state == C_READING && conn_req(c) != NULL) {
		/* RFC 9110 15.5.9: the request did not come whole in time. */
		gen_error(w, GEN_ERR_TIMEOUT_REQUEST, fd, NULL, 408);
		server_reject(w, fd, c, 408);
	} else if (c->state == C_READING) {
		w->c.idle_closed++;	/* a quiet keep-alive: not a failure */
		conn_close(w, fd, c);
	} else {
		conn_fail(w, fd, c, GEN_ERR_TIMEOUT_IDLE, 0);	/* not reading */
	}
}

/* Timeouts due by @now, a bounded number a turn. */
static void
expire_timeouts(struct gen_worker *w, uint64_t now)
{
	uint32_t ids[64];
	unsigned int n, i;

	n = gen_tw_expire(&w->tw, now, ids, RTE_DIM(ids));
	for (i = 0; i < n; i++)
		conn_timeout(w, (int)ids[i], now);
}

/* --- client --- */

/*
 * The request is all queued: the answer is due. With --close half, once
 * the connection's last request is queued our side is done too: FIN
 * follows it (shutdown(SHUT_WR)), and the answer is read to EOF.
 */
static int
request_queued(struct gen_worker *w, int fd, struct gen_conn *c)
{
	const struct gen_conf *cf = w->conf;
	int ret;

	c->state = C_WAITING;
	if (c->close_kind != GEN_CLOSE_HALF || c->shut_wr ||
	    cf->requests_per_conn == 0 ||
	    (uint64_t)c->reqs + 1 < cf->requests_per_conn)
		return 0;
	ret = pmt_shutdown(w->eng, fd, SHUT_WR);
	if (ret < 0)
		return ret;
	c->shut_wr = true;
	return 0;
}

static void
client_send_request(struct gen_worker *w, int fd, struct gen_conn *c,
		    uint64_t now)
{
	int ret;

	c->state = C_SENDING;
	w->busy++;
	msg_send(w, c, w->req_len);
	c->got_first = false;
	c->m->t0 = c->last_io = now;
	if (w->conf->proto == GEN_HTTP) {
		gen_http_resp_reset(&c->m->resp);
		c->m->resp.msg.head = w->head;
		c->m->resp.msg.hash_body = w->conf->expect_crc >= 0;
	} else {
		c->m->in_left = w->conf->raw_mode == GEN_RAW_ECHO ?
			w->conf->req_size : w->conf->body_size;
	}
	w->c.requests++;
	ret = send_from(w, fd, c, NULL, &w->req_tpl, w->req_len, false);
	if (ret == 1)
		ret = request_queued(w, fd, c);
	if (ret < 0) {
		conn_fail_errno(w, fd, c, -ret);
		return;
	}
	conn_timer(w, fd, c);
}


/* A close kind by --close's weights (no draw when there is one kind). */
static uint8_t
pick_close(struct gen_worker *w)
{
	const struct gen_conf *cf = w->conf;
	uint64_t r;
	uint8_t k;

	for (k = 0; k < GEN_CLOSE_N; k++)
		if (cf->close_weight[k] == w->close_total)
			return k;
	r = gen_rand(w) % w->close_total;
	for (k = 0; k < GEN_CLOSE_N - 1; k++) {
		if (r < cf->close_weight[k])
			break;
		r -= cf->close_weight[k];
	}
	return k;
}

static void
client_open(struct gen_worker *w, uint64_t now)
{
	const struct gen_conf *cf = w->conf;
	unsigned int si = (unsigned int)(w->next_server % cf->n_servers);
	const struct gen_server *s = &cf->servers[si];
	uint8_t close_kind;
	struct gen_conn *c;
	int fd, ret;

	/* Each open draws its fate in the same order: reproducible. */
	if (cf->has_blackhole &&
	    gen_rand(w) % 1000000 < cf->blackhole_ppm) {
		s = &cf->blackhole;
		si = GEN_SRV_BLACKHOLE;
		w->c.bh_attempts++;
	}
	close_kind = pick_close(w);
	w->c.conn_attempts++;
	w->conns_opened++;
	fd = pmt_socket(w->eng);
	if (fd < 0 || (uint32_t)fd >= w->n_conns) {
		/* No TCB, or no descriptor this generator can track. */
		if (fd >= 0)
			pmt_close(w->eng, fd);
		gen_error(w, fd == -ENOBUFS || fd >= 0 ? GEN_ERR_TABLE_FULL :
			  errno_kind(-fd, true), -1, s, fd < 0 ? -fd : EMFILE);
		return;
	}
	if (client_binds(cf)) {
		/*
		 * Each source address brings its own ephemeral ports, and
		 * a bound source picks the port it leaves from.
		 */
		pmt_bind(w->eng, fd, cf->src[(w->next_server / cf->n_servers) %
					     cf->n_src], 0);
	}
	if (si != GEN_SRV_BLACKHOLE)
		w->next_server++;
	/* Each message goes whole (MSG_MORE marks its parts): no Nagle. */
	pmt_setsockopt(w->eng, fd, PMT_TCP_NODELAY, 1);
	ret = pmt_connect(w->eng, fd, s->addr, s->port);
	if (ret != -EINPROGRESS) {
		/* -EADDRNOTAVAIL: every source port is in use; -ENOBUFS:
		 * the socket table has no room for the 4-tuple. */
		gen_error(w, ret == -ENOBUFS ? GEN_ERR_TABLE_FULL :
			  errno_kind(-ret, true), fd, s, -ret);
		pmt_close(w->eng, fd);
		return;
	}
	c = &w->conns[fd];
	memset(c, 0, sizeof(*c));
	c->state = C_CONNECTING;
	c->srv = (uint8_t)si;
	c->close_kind = close_kind;
	msg_of(w, c)->t0 = c->last_io = now;
	w->c.conn_active++;
	w->connecting++;
	conn_timer(w, fd, c);
}

/* Does the answer match what was asked (--expect-status, --expect-body)? */
static enum gen_err
client_check(const struct gen_worker *w, const struct gen_conn *c)
{
	const struct gen_conf *cf = w->conf;
	unsigned int st = c->m->resp.msg.status;

	if (cf->expect_status >= 1 && cf->expect_status <= 5 ?
	    st / 100 != cf->expect_status :
	    cf->expect_status != 0 && st != cf->expect_status)
		return GEN_ERR_STATUS;
	if (cf->expect_body >= 0 &&
	    c->m->resp.msg.body_bytes != (uint64_t)cf->expect_body)
		return GEN_ERR_BODY;
	if (cf->expect_crc >= 0 && c->m->resp.msg.hash != (uint32_t)cf->expect_crc)
		return GEN_ERR_BODY;
	return GEN_ERR_N;
}

/*
 * The connection's last answer is in: end it as --close drew for it.
 * rst: SO_LINGER 0, so close() resets it. half: our FIN went after the
 * request; the server's FIN, read in client_eof(), ends it.
 */
static void
client_finish(struct gen_worker *w, int fd, struct gen_conn *c, uint64_t now)
{
	uint8_t kind = c->close_kind;

	if (kind == GEN_CLOSE_HALF && c->shut_wr) {
		c->state = C_HALF;
		c->last_io = now;
		w->halfs++;
		return;
	}
	if (kind == GEN_CLOSE_HALF)
		kind = GEN_CLOSE_FIN;	/* not half-closed: a plain close */
	if (kind == GEN_CLOSE_RST &&
	    pmt_setsockopt(w->eng, fd, PMT_SO_LINGER, 0) != 0)
		kind = GEN_CLOSE_FIN;
	w->c.closes[kind]++;
	conn_close(w, fd, c);
}

/* One response is complete: record, then next request or close. */
static void
client_response_done(struct gen_worker *w, int fd, struct gen_conn *c,
		     uint64_t now, bool server_closes)
{
	const struct gen_conf *cf = w->conf;

	gen_hist_record(&w->h_rr, now - c->m->t0);
	w->c.responses++;
	w->busy--;
	c->state = C_IDLE;
	if (c->reqs < UINT32_MAX)
		c->reqs++;
	if (cf->proto == GEN_HTTP) {
		enum gen_err bad = client_check(w, c);

		if (bad != GEN_ERR_N) {
			/* Answered, but not as asked: a failure all the same. */
			conn_fail(w, fd, c, bad, bad == GEN_ERR_STATUS ?
				  (int)c->m->resp.msg.status :
				  cf->expect_body >= 0 &&
				  c->m->resp.msg.body_bytes != (uint64_t)cf->expect_body ?
				  (int)RTE_MIN(c->m->resp.msg.body_bytes,
					       (uint64_t)INT32_MAX) : -1);
			return;
		}
	}
	if (cf->requests_per_conn && c->reqs >= cf->requests_per_conn) {
		client_finish(w, fd, c, now);
		return;
	}
	if (server_closes || w->draining) {
		if (server_closes)
			w->c.closed_by_peer++;
		else
			w->c.closed_at_end++;
		conn_close(w, fd, c);
		return;
	}
	if (cf->interval_ms) {
		/*
		 * The next request waits on the connection's own timer, not
		 * on a queue of its own (12 bytes a connection): the wheel
		 * holds one node per connection anyway.
		 */
		c->state = C_IDLE;
		c->last_io = now;
		msg_put(w, c);	/* idle: no parser, no clocks held */
		conn_timer(w, fd, c);
		return;
	}
	client_send_request(w, fd, c, now);
}

/* A whole HTTP answer: its status, then what follows it. */
static void
client_http_done(struct gen_worker *w, int fd, struct gen_conn *c,
		 uint64_t now)
{
	if (c->m->resp.msg.status >= 200 && c->m->resp.msg.status < 300)
		w->c.status_2xx++;
	else
		w->c.status_other++;
	client_response_done(w, fd, c, now, c->m->resp.msg.close);
}

/* The server closed its side (@n == 0 from recv). */
static void
client_eof(struct gen_worker *w, int fd, struct gen_conn *c, uint64_t now)
{
	int rc;

	if (w->conf->proto == GEN_HTTP && c->state == C_WAITING) {
		/* RFC 9112 6.3: a body without length ends with the close. */
		rc = gen_http_resp_eof(&c->m->resp);
		if (rc == GEN_HTTP_DONE) {
			client_http_done(w, fd, c, now);
			/* The EOF that ended the answer ends a half close too. */
			if (w->conns[fd].state == C_HALF) {
				w->c.closes[GEN_CLOSE_HALF]++;
				conn_close(w, fd, c);
			}
			return;
		}
		if (rc < 0 && rc != GEN_HTTP_E_EOF) {
			http_fail(w, fd, c, rc);
			return;
		}
	}
	if (c->state == C_HALF) {
		/* --close half: answered, and now the server's FIN. */
		w->c.closes[GEN_CLOSE_HALF]++;
		conn_close(w, fd, c);
		return;
	}
	if (c->state == C_WAITING || c->state == C_SENDING) {
		/* Cut short: the request, or the answer, was not whole. */
		conn_fail(w, fd, c, GEN_ERR_CLOSED, c->got_first);
		return;
	}
	/* Between requests, or a stream: the server ended it. */
	w->c.closed_by_peer++;
	conn_close(w, fd, c);
}

/* Feed one HTTP piece; false when the connection went away. */
static bool
client_http(struct gen_worker *w, int fd, struct gen_conn *c, uint64_t now,
	    const char *p, size_t len)
{
	size_t used;
	int rc;

	while (len > 0) {
		rc = gen_http_resp_feed_known(&c->m->resp, w->known, p, len,
					      &used);
		p += used;
		len -= used;
		if (rc == GEN_HTTP_MORE)
			return true;
		if (rc != GEN_HTTP_DONE) {
			http_fail(w, fd, c, rc);
			return false;
		}
		if (c->state != C_WAITING) {
			/* An answer before the request went out. */
			http_fail(w, fd, c, 0);
			return false;
		}
		client_http_done(w, fd, c, now);
		if (w->conns[fd].state == C_FREE)
			return false;
		if (len > 0 && c->state != C_WAITING && c->state != C_SENDING) {
			/* Pipelined bytes we did not ask for. */
			http_fail(w, fd, c, 0);
			return false;
		}
	}
	return true;
}

static void
client_read(struct gen_worker *w, int fd, struct gen_conn *c, uint64_t now)
{
	const struct gen_conf *cf = w->conf;
	struct rte_mbuf *m, *s;
	long n;

	for (;;) {
		n = pmt_recv_mbuf(w->eng, fd, &m);
		if (n == -EAGAIN)
			return;
		if (n == 0) {
			client_eof(w, fd, c, now);
			return;
		}
		if (n < 0) {
			conn_fail_errno(w, fd, c, (int)-n);
			return;
		}
		w->c.rx_bytes += (uint64_t)n;
		/* Between requests, last_io times the interval: stray
		 * bytes must not put the next request off. */
		if (c->state != C_IDLE)
			c->last_io = now;
		if (c->state != C_WAITING && c->state != C_SENDING &&
		    c->state != C_STREAM) {
			/* Bytes nobody asked for: an answer to nothing. */
			rte_pktmbuf_free(m);
			if (cf->proto == GEN_HTTP) {
				http_fail(w, fd, c, 0);
				return;
			}
			continue;
		}
		if (!c->got_first && c->state != C_STREAM) {
			c->got_first = true;
			gen_hist_record(&w->h_ttfb, now - c->m->t0);
		}
		if (c->state == C_STREAM) {
			rte_pktmbuf_free(m);
			continue;
		}
		if (cf->proto == GEN_RAW) {
			c->m->in_left -= RTE_MIN(c->m->in_left, (uint64_t)n);
			rte_pktmbuf_free(m);
			if (c->m->in_left == 0 && c->state == C_WAITING) {
				client_response_done(w, fd, c, now, false);
				if (w->conns[fd].state == C_FREE)
					return;
			}
			continue;
		}
		/* HTTP: feed each piece; a response may end mid-piece. */
		for (s = m; s != NULL; s = s->next)
			if (!client_http(w, fd, c, now,
					 rte_pktmbuf_mtod(s, const char *),
					 s->data_len)) {
				rte_pktmbuf_free(m);
				return;
			}
		rte_pktmbuf_free(m);
	}
}

static void
client_event(struct gen_worker *w, const struct pmt_event *ev, uint64_t now)
{
	struct gen_conn *c;
	int fd = ev->fd, err = 0, ret;

	if ((uint32_t)fd >= w->n_conns)
		return;
	c = &w->conns[fd];
	if (c->state == C_FREE)
		return;
	if (c->state == C_CONNECTING) {
		int st = 0;

		pmt_getsockopt(w->eng, fd, PMT_SO_ERROR, &err);
		pmt_getsockopt(w->eng, fd, PMT_TCP_STATE, &st);
		if (err != 0) {
			conn_fail_errno(w, fd, c, err);
			return;
		}
		if (!(ev->events & PMT_EV_OUT) || st < 4)
			return;
		if (c->srv == GEN_SRV_BLACKHOLE) {
			/* The target that never answers did: a failure. */
			w->c.conn_established++;
			conn_fail(w, fd, c, GEN_ERR_ANSWERED, 0);
			return;
		}
		w->connecting--;
		c->state = C_IDLE;	/* counted: conn_close must not again */
		c->last_io = now;
		w->c.conn_established++;
		gen_hist_record(&w->h_connect, now - c->m->t0);
		if (w->conf->proto == GEN_RAW && w->conf->raw_mode == GEN_RAW_BULK) {
			c->state = C_STREAM;
			msg_send(w, c, UINT64_MAX);
		} else if (w->draining) {
			w->c.closed_at_end++;
			conn_close(w, fd, c);
			return;
		} else {
			client_send_request(w, fd, c, now);
			if (w->conns[fd].state == C_FREE)
				return;
		}
	}
	if (ev->events & PMT_EV_ERR) {
		pmt_getsockopt(w->eng, fd, PMT_SO_ERROR, &err);
		conn_fail_errno(w, fd, c, err ? err : ECONNRESET);
		return;
	}
	if (c->state == C_SENDING && (ev->events & PMT_EV_OUT)) {
		ret = send_from(w, fd, c, NULL, &w->req_tpl, w->req_len, false);
		if (ret == 1)
			ret = request_queued(w, fd, c);
		if (ret < 0) {
			conn_fail_errno(w, fd, c, -ret);
			return;
		}
	}
	if (ev->events & (PMT_EV_IN | PMT_EV_HUP))
		client_read(w, fd, c, now);
	if (w->conns[fd].state != C_FREE)
		conn_timer(w, fd, c);
}

/*
 * This turn starts nothing, for a reason the summary accounts for on
 * its own. The bucket is refilled all the same, so the tokens that pile
 * up meanwhile are discarded here, outside the take whose discards count
 * as starts_missed (a loop too busy to keep up).
 */
static uint64_t
client_hold(struct gen_worker *w, uint64_t now, bool by_design)
{
	w->held = by_design;
	if (w->cps_share)
		gen_rate_take(&w->rate, now, 0);
	return 0;
}

/* How many connections to start this turn. */
static uint64_t
client_budget(struct gen_worker *w, uint64_t now, uint64_t start_ns)
{
	const struct gen_conf *cf = w->conf;
	uint64_t n = 64, missed, took;

	/* --max-conns and --concurrency hold opens back by design. */
	if (w->max_share && w->conns_opened >= w->max_share)
		return client_hold(w, now, true);
	if (w->conc_share && w->c.conn_active >= w->conc_share)
		return client_hold(w, now, true);
	/*
	 * Bound the handshakes in flight: an unpaced ramp to 100K
	 * connections would overrun the peer's backlog and the rings.
	 */
	if (w->connecting >= w->max_connecting) {
		w->c.turns_capped++;
		return client_hold(w, now, false);
	}
	n = RTE_MIN(n, w->max_connecting - w->connecting);
	if (w->max_share)
		n = RTE_MIN(n, w->max_share - w->conns_opened);
	if (w->conc_share)
		n = RTE_MIN(n, w->conc_share - w->c.conn_active);
	w->held = false;
	if (w->cps_share) {
		if (cf->ramp_s)
			gen_rate_set(&w->rate,
				     RTE_MAX((uint64_t)1,
					     gen_rate_ramp(0, w->cps_share,
							   (uint64_t)cf->ramp_s * 1000000000,
							   now - start_ns)),
				     now);
		missed = w->rate.missed;
		took = gen_rate_take(&w->rate, now, n);
		/*
		 * Tokens over the bucket's 100 ms: starts this loop was too
		 * busy to make, unless --max-connecting cut this turn short
		 * (the cap's doing). The bucket lets a loop that was
		 * descheduled for less than 100 ms catch up.
		 */
		if (n == 64 || w->connecting + n < w->max_connecting)
			w->c.starts_missed += w->rate.missed - missed;
		n = took;
	} else if (!w->conc_share) {
		/* Neither rate nor concurrency: one connection at a time. */
		n = w->c.conn_active == 0 ? 1 : 0;
	}
	return n;
}
/* --- server --- */

static void stream_more(struct gen_worker *w, int fd, struct gen_conn *c);

/* Which response header: 0 keep-alive, 1 close, 2 keep-alive said aloud. */
static inline unsigned int
hdr_kind(const struct gen_conn *c)
{
	return c->close_after ? 1 : c->ka_announce ? 2 : 0;
}

/* Answers that end a connection: bad request, timeout, too big, TE. */
static const unsigned int reject_status[GEN_REJECTS] = {
	400, 408, 413, 414, 431, 501,
};

static void
server_respond(struct gen_worker *w, int fd, struct gen_conn *c)
{
	const struct gen_conf *cf = w->conf;
	struct rte_mbuf *hdr = NULL;
	int ret;

	if (c->reject)
		ret = send_from(w, fd, c, w->rej_tpl[c->reject - 1], NULL, 0,
				true);
	else {
		if (cf->proto == GEN_HTTP)
			hdr = w->hdr_tpl[hdr_kind(c)];
		ret = send_from(w, fd, c, hdr, &w->body_tpl, cf->body_size,
				c->close_after);
	}
	if (ret < 0) {
		conn_fail_errno(w, fd, c, -ret);
		return;
	}
	if (ret == 0)
		return;		/* the rest on PMT_EV_OUT */
	if (c->reject) {
		w->c.rejected++;
		conn_close(w, fd, c);
		return;
	}
	w->c.responses++;
	if (c->close_after) {
		conn_close(w, fd, c);
		return;
	}
	c->state = C_READING;
	msg_quiet(w, c);
}

static void
server_start_response(struct gen_worker *w, int fd, struct gen_conn *c)
{
	const struct gen_conf *cf = w->conf;

	w->c.requests++;
	c->state = C_SENDING;
	msg_send(w, c, cf->body_size);
	if (cf->proto == GEN_HTTP)
		c->m->out_len += w->hdr_tpl[hdr_kind(c)]->pkt_len;
	server_respond(w, fd, c);
}

/*
 * Answer @status and close: the request will not be served (RFC 9110
 * 15.5: 400 malformed, 408 too slow, 431 header too large; 501 a
 * transfer coding we do not know). What came after it is not read.
 */
static void
server_reject(struct gen_worker *w, int fd, struct gen_conn *c,
	      unsigned int status)
{
	unsigned int k;

	for (k = 0; k < GEN_REJECTS && reject_status[k] != status; k++)
		;
	if (c->m != NULL) {
		free(c->m->req);
		c->m->req = NULL;
	}
	if (k == GEN_REJECTS || c->state != C_READING) {
		conn_close(w, fd, c);	/* mid-answer: nothing more to say */
		return;
	}
	c->reject = (uint8_t)(k + 1);
	c->close_after = true;
	c->state = C_SENDING;
	msg_send(w, c, w->rej_tpl[k]->pkt_len);
	server_respond(w, fd, c);
}

/* Feed one piece of a request; false when the connection went away. */
static bool
server_http(struct gen_worker *w, int fd, struct gen_conn *c, uint64_t now,
	    const char *p, size_t len)
{
	const struct gen_http_req *kq;
	uint8_t minor;
	size_t used;
	bool close;
	int rc;

	while (len > 0) {
		if (c->reject)
			return true;	/* answering a refusal: ignore the rest */
		if (c->state != C_READING) {
			/* Pipelined while answering: not supported. */
			http_fail(w, fd, c, 0);
			return false;
		}
		if (conn_req(c) == NULL) {
			/* The request seen before, whole here: no parser. */
			kq = gen_http_req_known(w->known,
						w->conf->max_header_bytes, p,
						len);
			if (kq != NULL) {
				msg_of(w, c)->t0 = now;
				p += w->known->len;
				len -= w->known->len;
				close = kq->msg.close;
				minor = kq->msg.http_minor;
				goto request_done;
			}
			msg_of(w, c)->req = malloc(sizeof(*c->m->req));
			if (c->m->req == NULL) {
				conn_fail(w, fd, c, GEN_ERR_OTHER, ENOMEM);
				return false;
			}
			gen_http_req_init(c->m->req);
			gen_http_req_set_max_header(c->m->req,
						    w->conf->max_header_bytes);
			c->m->t0 = now;	/* the request timeout runs from here */
		}
		rc = gen_http_req_feed_learn(c->m->req, w->known, p, len, &used);
		p += used;
		len -= used;
		if (rc == GEN_HTTP_MORE)
			return true;
		if (rc != GEN_HTTP_DONE) {
			/* RFC 9112 and RFC 6585: say why, then close. */
			w->c.http_reason[gen_http_reason(rc)]++;
			gen_error(w, GEN_ERR_HTTP, fd, NULL, rc);
			server_reject(w, fd, c, gen_http_req_error_status(rc));
			return w->conns[fd].state != C_FREE;
		}
		close = c->m->req->msg.close;
		minor = c->m->req->msg.http_minor;
		/* Between requests: give the parser back. */
		free(c->m->req);
		c->m->req = NULL;
request_done:
		c->close_after = close;
		/* HTTP/1.0 keeps a connection only when told. */
		c->ka_announce = !c->close_after && minor == 0;
		server_start_response(w, fd, c);
		w->last_ns = now;
		if (w->conns[fd].state == C_FREE)
			return false;
	}
	return true;
}

/* A request has begun and is not whole yet. */
static bool
server_mid_request(const struct gen_worker *w, const struct gen_conn *c)
{
	const struct gen_conf *cf = w->conf;

	if (cf->proto == GEN_HTTP)
		return conn_req(c) != NULL;
	return cf->raw_mode == GEN_RAW_RR && conn_in_left(c) > 0;
}

/*
 * The client closed its side. Mid-request is a failure. After a whole
 * request, while its answer is still going out, it half-closed
 * (shutdown(SHUT_WR), RFC 9293 3.6: the other direction stays open):
 * the answer goes on, then we close. Between requests: the normal end.
 */
static void
server_eof(struct gen_worker *w, int fd, struct gen_conn *c)
{
	if (server_mid_request(w, c)) {
		conn_fail(w, fd, c, GEN_ERR_CLOSED, 0);
		return;
	}
	if (c->state == C_SENDING && !c->reject) {
		if (!c->close_after)
			w->c.peer_half_closed++;
		c->close_after = true;
		return;
	}
	conn_close(w, fd, c);
}

/*
 * The connection failed with @err. A reset between requests is the
 * client's abortive close (SO_LINGER 0 after its answer), its way to
 * end, not a failure: counted apart (peer_resets). Mid-request or
 * mid-answer it is a failure.
 */
static void
server_conn_error(struct gen_worker *w, int fd, struct gen_conn *c, int err)
{
	if (err == ECONNRESET && c->state == C_READING &&
	    !server_mid_request(w, c)) {
		w->c.peer_resets++;
		conn_close(w, fd, c);
		return;
	}
	conn_fail_errno(w, fd, c, err);
}

static void
server_read(struct gen_worker *w, int fd, struct gen_conn *c, uint64_t now)
{
	const struct gen_conf *cf = w->conf;
	struct rte_mbuf *m, *s;
	long n;

	for (;;) {
		if (c->state == C_FREE)
			return;
		n = pmt_recv_mbuf(w->eng, fd, &m);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			server_conn_error(w, fd, c, (int)-n);
			return;
		}
		if (n == 0) {
			server_eof(w, fd, c);
			return;
		}
		w->c.rx_bytes += (uint64_t)n;
		c->last_io = now;
		if (cf->proto == GEN_RAW && cf->raw_mode == GEN_RAW_ECHO) {
			/* Echo the very mbufs back: zero copy both ways. */
			long ret = pmt_send_mbuf(w->eng, fd, m, 0);

			if (ret < 0) {
				/* No room: the peer outran its echo. */
				rte_pktmbuf_free(m);
				conn_fail(w, fd, c, GEN_ERR_OTHER, (int)-ret);
				return;
			}
			w->c.tx_bytes += (uint64_t)n;
			w->c.requests++;
			w->c.responses++;
			w->last_ns = now;
			continue;
		}
		if (cf->proto == GEN_RAW) {
			if (cf->raw_mode == GEN_RAW_BULK) {
				rte_pktmbuf_free(m);
				continue;
			}
			/* Fixed-size requests: answer each whole one. */
			msg_of(w, c)->in_left += (uint64_t)n;
			rte_pktmbuf_free(m);
			/* A response may end in msg_quiet(): reread c->m. */
			while (conn_in_left(c) >= cf->req_size &&
			       c->state == C_READING) {
				c->m->in_left -= cf->req_size;
				server_start_response(w, fd, c);
				w->last_ns = now;
			}
			continue;
		}
		for (s = m; s != NULL; s = s->next)
			if (!server_http(w, fd, c, now,
					 rte_pktmbuf_mtod(s, const char *),
					 s->data_len)) {
				rte_pktmbuf_free(m);
				return;
			}
		rte_pktmbuf_free(m);
	}
}

/*
 * The socket table is nearly full: make room for the clients to come by
 * closing (RST) the connection that has gone longest without a whole
 * request. A clock hand looks at up to GEN_EVICT_SCAN descriptors and
 * takes the oldest connection waiting for a request: a slow-loris
 * client holds its sockets that way, an ordinary client for the
 * microseconds its request takes to arrive. One that got its last byte
 * within GEN_EVICT_MIN_NS is left alone.
 */
#define GEN_EVICT_SCAN 256
#define GEN_EVICT_MIN_NS 100000000ull

static void
server_make_room(struct gen_worker *w, uint64_t now)
{
	uint32_t i, fd, victim = UINT32_MAX;
	uint64_t oldest = now - GEN_EVICT_MIN_NS;

	for (i = 0; i < GEN_EVICT_SCAN; i++) {
		struct gen_conn *c;

		fd = w->evict_hand++ % w->n_conns;
		c = &w->conns[fd];
		if (c->state == C_READING && c->last_io < oldest) {
			oldest = c->last_io;
			victim = fd;
		}
	}
	if (victim == UINT32_MAX)
		return;
	w->c.evicted++;
	pmt_setsockopt(w->eng, (int)victim, PMT_SO_LINGER, 0);	/* RST */
	conn_close(w, (int)victim, &w->conns[victim]);
}

/*
 * The stack refused a completed handshake a TCB (tcp_listen_no_tcb):
 * the table is full with what accept() does not see (connections
 * closing, TIME-WAIT that could not be recycled). Make room for the
 * peer's retransmission, one connection per refusal, a few a turn.
 */
static void
server_check_room(struct gen_worker *w, uint64_t now)
{
	uint64_t refused = 0;
	unsigned int n;

	if (w->st_no_tcb < 0 ||
	    pmt_stats_get((unsigned int)w->st_no_tcb, NULL, &refused) != 0 ||
	    refused == w->no_tcb_seen)
		return;
	n = (unsigned int)RTE_MIN(refused - w->no_tcb_seen, (uint64_t)8);
	w->no_tcb_seen = refused;
	while (n-- > 0)
		server_make_room(w, now);
}

static void
server_accept(struct gen_worker *w, int lfd, uint64_t now)
{
	int fd;

	while ((fd = pmt_accept(w->eng, lfd, NULL, NULL)) >= 0) {
		struct gen_conn *c;

		if ((uint32_t)fd >= w->n_conns) {
			gen_error(w, GEN_ERR_TABLE_FULL, fd, NULL, EMFILE);
			pmt_close(w->eng, fd);
			continue;
		}
		c = &w->conns[fd];
		memset(c, 0, sizeof(*c));
		/* No message state (c->m) until the first request byte, and
		 * none again between requests: an idle connection holds none. */
		c->state = C_READING;
		c->last_io = now;
		if (w->first_ns == 0)
			w->first_ns = now;
		w->last_ns = now;
		w->c.conn_established++;
		w->c.conn_active++;
		if (w->conf->proto == GEN_RAW && w->conf->raw_mode == GEN_RAW_BULK) {
			/* One-way bulk: the server streams until the end. */
			c->state = C_STREAM;
			msg_send(w, c, UINT64_MAX);
			stream_more(w, fd, c);
		}
		if (w->conns[fd].state != C_FREE)
			conn_timer(w, fd, c);
		if (w->c.conn_active + w->evict_reserve > w->n_conns)
			server_make_room(w, now);
	}
}

static void
stream_more(struct gen_worker *w, int fd, struct gen_conn *c)
{
	/* One-way bulk: windows of the body template, forever. */
	uint64_t len = w->conf->body_size;

	for (;;) {
		long room = pmt_send_space(w->eng, fd);
		uint64_t off, n;
		struct rte_mbuf *m;

		if (room <= 0)
			return;
		off = c->m->out_off % len;
		n = RTE_MIN((uint64_t)room, len - off);
		m = tpl_window(w, &w->body_tpl, off, n);
		if (m == NULL) {
			retry_later(w, fd, c);
			return;
		}
		if (pmt_send_mbuf(w->eng, fd, m, 0) < 0) {
			rte_pktmbuf_free(m);
			return;
		}
		c->m->out_off += n;
		w->c.tx_bytes += n;
	}
}

static void
server_event(struct gen_worker *w, const struct pmt_event *ev, uint64_t now)
{
	struct gen_conn *c;
	int fd = ev->fd, err = 0;

	if ((uint32_t)fd >= w->n_conns)
		return;
	c = &w->conns[fd];
	if (c->state == C_LISTEN) {
		server_accept(w, fd, now);
		return;
	}
	if (c->state == C_FREE)
		return;
	if (ev->events & PMT_EV_ERR) {
		pmt_getsockopt(w->eng, fd, PMT_SO_ERROR, &err);
		server_conn_error(w, fd, c, err ? err : ECONNRESET);
		return;
	}
	if (ev->events & PMT_EV_OUT)
		c->last_io = now;	/* the peer took data: progress */
	if (c->state == C_SENDING && (ev->events & PMT_EV_OUT))
		server_respond(w, fd, c);
	if (c->state == C_STREAM && (ev->events & PMT_EV_OUT))
		stream_more(w, fd, c);
	if (c->state != C_FREE && (ev->events & (PMT_EV_IN | PMT_EV_HUP)))
		server_read(w, fd, c, now);
	if (w->conns[fd].state != C_FREE)
		conn_timer(w, fd, c);
}
/* --- set-up and the loop --- */

/* Timeout wheel: 1 ms ticks, a 16 s turn (longer deadlines wait turns). */
#define GEN_TW_TICK_NS 1000000ull
#define GEN_TW_SLOTS 16384

int
gen_worker_init(struct gen_worker *w, const struct gen_conf *cf,
		struct pmt_engine *eng, unsigned int idx, unsigned int n_workers,
		unsigned int max_sockets)
{
	int socket = (int)rte_socket_id();
	char name[RTE_MEMPOOL_NAMESIZE], buf[2048];
	uint64_t tpl_bytes, n_tpl;
	unsigned int k;
	size_t len;
	int ret;

	w->eng = eng;
	w->conf = cf;
	w->idx = idx;
	w->n_workers = n_workers;
	w->n_conns = max_sockets;
	gen_hist_init(&w->h_connect);
	gen_hist_init(&w->h_ttfb);
	gen_hist_init(&w->h_rr);
	w->conns = rte_zmalloc_socket("gen_conns",
				      (size_t)max_sockets * sizeof(*w->conns),
				      RTE_CACHE_LINE_SIZE, socket);
	if (w->conns == NULL)
		return -ENOMEM;
	ret = gen_tw_init(&w->tw, max_sockets, GEN_TW_SLOTS, GEN_TW_TICK_NS,
			  gen_now());
	if (ret != 0)
		return ret;
	/* Split the totals over the lcores; the first take the remainders. */
#define SHARE(x) ((x) / n_workers + ((x) % n_workers > idx ? 1 : 0))
	w->cps_share = SHARE(cf->cps);
	w->conc_share = SHARE(cf->concurrency);
	w->max_share = SHARE(cf->max_conns);
#undef SHARE
	if (cf->cps && w->cps_share == 0)
		w->max_share = w->conns_opened = 1;	/* this lcore stays idle */
	if (cf->concurrency && w->conc_share == 0 && !cf->cps)
		w->max_share = w->conns_opened = 1;
	/* 50 ms of handshakes at the asked rate: the cap bounds a burst
	 * after a stall, it must not set the rate itself. */
	/* A server keeps 1/16 of the table for the clients to come. */
	w->evict_reserve = RTE_MAX(max_sockets / 16, 2u);
	w->st_no_tcb = gen_stat_index("tcp_listen_no_tcb");
	if (w->st_no_tcb >= 0)
		pmt_stats_get((unsigned int)w->st_no_tcb, NULL, &w->no_tcb_seen);
	/* Each lcore its own sequence of choices, all from --seed. */
	w->rng = cf->seed ^ ((uint64_t)(idx + 1) * 0xd1b54a32d192ed03ull);
	for (k = 0; k < GEN_CLOSE_N; k++)
		w->close_total += cf->close_weight[k];
	if (w->close_total == 0)
		return -EINVAL;
	w->max_connecting = cf->max_connecting ? cf->max_connecting :
		RTE_MAX((uint64_t)GEN_MAX_CONNECTING, w->cps_share / 20);
	w->retry_cap = max_sockets + 1;
	w->retry_fd = rte_zmalloc_socket("gen_retry",
					 w->retry_cap * sizeof(int32_t), 0, socket);
	if (w->retry_fd == NULL)
		return -ENOMEM;

	tpl_bytes = cf->body_size + cf->req_size + (3 + GEN_REJECTS) * sizeof(buf);
	n_tpl = tpl_bytes / (TPL_ROOM - 128) + 16;
	/* GEN_BOTH runs a client and a server worker on each engine. */
	snprintf(name, sizeof(name), "gen_tpl_%c%u",
		 cf->role == GEN_CLIENT ? 'c' : 's', idx);
	w->tpl_pool = rte_pktmbuf_pool_create(name, (unsigned int)n_tpl, 0, 0,
					      TPL_ROOM + RTE_PKTMBUF_HEADROOM,
					      socket);
	snprintf(name, sizeof(name), "gen_clone_%c%u",
		 cf->role == GEN_CLIENT ? 'c' : 's', idx);
	/*
	 * Windows live from a send until the peer ACKs it: that is the
	 * messages in flight, not the connections (an idle connection holds
	 * none). A send out of clones waits its turn on the retry FIFO, so
	 * the pool is sized for throughput, not for --concurrency: sized by
	 * sockets, it was 400 bytes of every idle connection's budget.
	 */
	w->clone_pool = rte_pktmbuf_pool_create(name, GEN_CLONES, 256, 0, 0,
						socket);
	if (w->tpl_pool == NULL || w->clone_pool == NULL)
		return -ENOMEM;
	if (cf->proto == GEN_HTTP) {
		w->known = rte_zmalloc_socket("gen_known", sizeof(*w->known),
					      0, socket);
		if (w->known == NULL)
			return -ENOMEM;
	}
	/* Not zeroed: only the messages under way at once become resident. */
	w->msg_slab = rte_malloc_socket("gen_msg", (size_t)w->n_conns *
					sizeof(*w->msg_slab),
					RTE_CACHE_LINE_SIZE, socket);
	if (w->msg_slab == NULL)
		return -ENOMEM;

	if (cf->role == GEN_CLIENT) {
		if (cf->proto == GEN_HTTP) {
			len = gen_http_req_build(buf, sizeof(buf), cf->method,
						 cf->path, cf->host,
						 cf->headers[0] ? cf->headers : NULL,
						 cf->requests_per_conn != 1, 0);
			if (len == 0)
				return -E2BIG;
			ret = tpl_index(&w->req_tpl,
					tpl_build(w->tpl_pool, buf, len, len),
					socket);
			w->req_len = len;
			/* RFC 9110 9.3.2: an answer to HEAD has no body. */
			w->head = strcmp(cf->method, "HEAD") == 0;
		} else {
			ret = tpl_index(&w->req_tpl,
					tpl_build(w->tpl_pool, "", 0,
						  RTE_MAX(cf->req_size, (uint64_t)1)),
					socket);
			w->req_len = cf->req_size;
		}
		if (ret != 0)
			return ret;
		/* The rate's bucket starts with the run (gen_worker_run). */
		return 0;
	}

	/* Server: the header templates, the refusals and one shared body. */
	if (cf->proto == GEN_HTTP) {
		for (k = 0; k < 3; k++) {
			len = gen_http_resp_build(buf, sizeof(buf), 200,
						  cf->body_size, k == 1,
						  k == 2 ? "Connection: keep-alive\r\n" : NULL);
			if (len == 0)
				return -E2BIG;
			w->hdr_tpl[k] = tpl_build(w->tpl_pool, buf, len, len);
			if (w->hdr_tpl[k] == NULL)
				return -ENOMEM;
		}
		for (k = 0; k < GEN_REJECTS; k++) {
			len = gen_http_resp_build_error(buf, sizeof(buf),
							reject_status[k]);
			if (len == 0)
				return -E2BIG;
			w->rej_tpl[k] = tpl_build(w->tpl_pool, buf, len, len);
			if (w->rej_tpl[k] == NULL)
				return -ENOMEM;
		}
	}
	ret = tpl_index(&w->body_tpl,
			tpl_build(w->tpl_pool, "", 0,
				  RTE_MAX(cf->body_size, (uint64_t)1)),
			socket);
	if (ret != 0)
		return ret;
	for (k = 0; k < cf->n_ports; k++) {
		int fd = pmt_socket(eng);

		if (fd < 0 || (uint32_t)fd >= w->n_conns ||
		    pmt_setsockopt(eng, fd, PMT_TCP_NODELAY, 1) != 0 ||
		    pmt_bind(eng, fd, 0, cf->ports[k]) != 0 ||
		    pmt_listen(eng, fd, (int)cf->backlog) != 0)
			return -EADDRINUSE;
		w->conns[fd].state = C_LISTEN;
		w->n_listen++;
	}
	return 0;
}

void
gen_worker_fini(struct gen_worker *w)
{
	uint32_t fd;
	unsigned int k;

	if (w->conns != NULL)
		for (fd = 0; fd < w->n_conns; fd++) {
			if (w->conns[fd].state == C_LISTEN) {
				pmt_close(w->eng, (int)fd);
				w->conns[fd].state = C_FREE;
			} else if (w->conns[fd].state != C_FREE) {
				conn_close(w, (int)fd, &w->conns[fd]);
			}
		}
	tpl_free(&w->req_tpl);
	for (k = 0; k < 3; k++)
		rte_pktmbuf_free(w->hdr_tpl[k]);
	for (k = 0; k < GEN_REJECTS; k++)
		rte_pktmbuf_free(w->rej_tpl[k]);
	tpl_free(&w->body_tpl);
	gen_tw_fini(&w->tw);
	rte_free(w->conns);
	rte_free(w->retry_fd);
	rte_free(w->known);
	w->known = NULL;
	rte_free(w->msg_slab);
	w->msg_slab = NULL;
	w->msg_free = NULL;
	w->msg_fresh = 0;
	w->conns = NULL;
}

/* New connections by the budget. */
static void
client_start(struct gen_worker *w, uint64_t now, uint64_t start)
{
	uint64_t k;

	w->c.turns++;
	/* SYNs the ports cannot take now would be lost: not this turn. */
	if (pmt_engine_tx_backlog(w->eng) > GEN_TX_HOLD) {
		w->c.turns_tx_hold++;
		client_hold(w, now, false);
		return;
	}
	k = client_budget(w, now, start);
	while (k-- > 0)
		client_open(w, now);
}

/* An event goes to whichever worker of this engine holds its descriptor. */
static void
dispatch(struct gen_worker *w, const struct pmt_event *ev, uint64_t now)
{
	struct gen_worker *srv = w->conf->role == GEN_SERVER ? w : w->peer;

	if (srv != NULL && (uint32_t)ev->fd < srv->n_conns &&
	    srv->conns[ev->fd].state != C_FREE)
		server_event(srv, ev, now);
	else if (w->conf->role == GEN_CLIENT)
		client_event(w, ev, now);
}

/* Sends that stopped short last turn. */
static void
retry_sends(struct gen_worker *w, uint64_t now)
{
	int i;

	for (i = 0; i < 64 && w->retry_head != w->retry_tail; i++) {
		int fd = w->retry_fd[w->retry_head];
		struct pmt_event rev = { .fd = fd, .events = PMT_EV_OUT };

		w->retry_head = (w->retry_head + 1) % w->retry_cap;
		w->conns[fd].retry_queued = false;
		if (w->conf->role == GEN_CLIENT)
			client_event(w, &rev, now);
		else
			server_event(w, &rev, now);
	}
}

/*
 * Close up to *@budget of @w's connections from *@next on, fewer while
 * the ports are backed up: closing 200K at once overruns the rings of
 * both ends (each close brings back a FIN and ACKs) and loses FINs.
 * @return true when all have been closed.
 */
static bool
close_some(struct gen_worker *w, uint32_t *next, uint64_t *budget)
{
	uint32_t done = 0;

	while (*next < w->n_conns && *budget > 0) {
		struct gen_conn *cc = &w->conns[*next];

		/* FINs the ports cannot take now would be lost: wait. */
		if ((done & 63) == 63 &&
		    pmt_engine_tx_backlog(w->eng) > GEN_TX_HOLD)
			break;
		if (cc->state != C_FREE && cc->state != C_LISTEN) {
			if (w->conf->role == GEN_CLIENT)
				w->c.closed_at_end++;
			conn_close(w, (int)*next, cc);
			done++;
			(*budget)--;
		}
		(*next)++;
	}
	return *next >= w->n_conns;
}

/*
 * The drain is over: a handshake or a request still unanswered failed
 * (its timeout was cut short by the end of the run, not forgiven).
 */
static void
judge_unfinished(struct gen_worker *w, uint64_t now)
{
	uint32_t fd;

	for (fd = 0; fd < w->n_conns; fd++) {
		struct gen_conn *c = &w->conns[fd];

		if (c->state != C_CONNECTING && c->state != C_SENDING &&
		    c->state != C_WAITING)
			continue;
		w->c.unfinished++;
		conn_fail(w, (int)fd, c, c->state == C_CONNECTING ?
			  connect_failure(w, c) :
			  c->got_first ? GEN_ERR_TIMEOUT_RESPONSE :
			  GEN_ERR_TIMEOUT_FIRST_BYTE, ETIMEDOUT);
	}
	w->drained_ns = now;
}

/*
 * The client asks for every server's next hop before the first SYN,
 * for at most a second and never past the run's end. An answer late or
 * never is no reason to wait: the SYNs wait in the ARP queue, and what
 * never gets an answer fails as unreachable at its connect timeout.
 */
/* Target @k of the client: the servers, then the --blackhole. */
static uint32_t
target_addr(const struct gen_conf *cf, unsigned int k)
{
	return k < cf->n_servers ? cf->servers[k].addr : cf->blackhole.addr;
}

static void
resolve_servers(struct gen_worker *w, volatile bool *stop, uint64_t start,
		uint64_t end_ns)
{
	const struct gen_conf *cf = w->conf;
	uint32_t from = client_from(cf);
	uint64_t give_up = start + 1000000000ull;
	unsigned int k, ready, n = cf->n_servers + (cf->has_blackhole ? 1 : 0);

	if (end_ns && end_ns < give_up)
		give_up = end_ns;
	do {
		pmt_engine_poll(w->eng);
		for (k = 0, ready = 0; k < n; k++)
			if (pmt_neighbor_resolve(w->eng, target_addr(cf, k),
						 from) != -EAGAIN)
				ready++;
	} while (ready < n && !*stop && gen_now() < give_up);
	for (k = 0; k < n && ready < n; k++) {
		struct in_addr a = { .s_addr = target_addr(cf, k) };

		if (pmt_neighbor_resolve(w->eng, a.s_addr, from) == -EAGAIN)
			printf("pmtcp-gen: lcore %u: no ARP answer yet for the next hop to %s;"
			       " connecting anyway\n", w->lcore, inet_ntoa(a));
	}
}

/*
 * --close-wait-ms: has the stack ended every connection of this engine
 * (TIME-WAIT, FINs retransmitted under loss, half-open entries), so it
 * holds what it held before the run?
 */
static bool
engine_settled(const struct gen_worker *w)
{
	struct pmt_engine_usage u;

	pmt_engine_usage(w->eng, &u);
	return u.tcbs <= w->base.tcbs && u.tcb_idle <= w->base.tcb_idle &&
	       u.syncache <= w->base.syncache;
}

void
gen_worker_run(struct gen_worker *w, volatile bool *stop, uint64_t end_ns,
	       gen_tick_fn tick, void *tick_arg)
{
	const struct gen_conf *cf = w->conf;
	struct gen_worker *peer = w->peer;
	struct pmt_event ev[64];
	uint64_t start = gen_now(), now, linger_until = 0, drain_until = 0;
	uint64_t next_tick = start + 1000000000, quiet_since = 0, open = 0;
	uint64_t last_turn = start;
	uint32_t close_fd = 0, close_peer_fd = 0;
	bool closing = false;
	int i, n;

	/* What the engine holds before the run: --close-wait-ms waits
	 * for it to be back. */
	pmt_engine_usage(w->eng, &w->base);
	if (cf->role == GEN_CLIENT) {
		resolve_servers(w, stop, start, end_ns);
		/* The rate runs from here: the wait for ARP owes no starts.
	 * 100 ms of tokens at most: a loop late by less catches up. */
		start = last_turn = gen_now();
		gen_rate_init(&w->rate, RTE_MAX(w->cps_share, (uint64_t)1),
			      RTE_MAX(w->cps_share / 10, (uint64_t)1), start);
	}

	for (;;) {
		uint64_t tsc = rte_rdtsc();

		/* One TSC read a turn, for the engine and for us. */
		pmt_engine_poll_tsc(w->eng, tsc);
		now = (uint64_t)(((unsigned __int128)tsc * ns_mult) >> 32);
		if (!closing && (*stop || (end_ns && now >= end_ns) ||
				 (cf->role == GEN_CLIENT && w->max_share &&
				  w->conns_opened >= w->max_share &&
				  w->c.conn_active == 0))) {
			/*
			 * The run is over: answers in flight get the drain
			 * (--drain-ms) to arrive, no new requests go, then
			 * what is open closes and the FINs go.
			 */
			closing = true;
			w->ended_ns = now;
			w->draining = cf->role == GEN_CLIENT;
			drain_until = now + ms_ns(cf->drain_ms);
		}
		/*
		 * A half-closed connection that has its answer still waits
		 * for the server's FIN (which loss may hold back by an
		 * RTO): the drain waits for it too, or it would be counted
		 * closed at the run's end rather than half-closed.
		 */
		if (closing && !w->drained_ns &&
		    !(w->draining && now < drain_until &&
		      (w->busy || w->connecting || w->halfs))) {
			uint64_t rate = RTE_MAX(w->cps_share,
						(uint64_t)GEN_CLOSE_RATE);

			if (w->draining)
				judge_unfinished(w, now);
			else
				w->drained_ns = now;
			open = w->c.conn_active +
			       (peer != NULL ? peer->c.conn_active : 0);
			/* Paced closes take their time; then 2 s for the last
			 * FINs and ACKs to cross. */
			gen_rate_init(&w->close_rate, rate, rate / 1000 + 1, now);
			linger_until = now + 2000000000ull +
				       open * 1000000000ull / rate;
			linger_until = RTE_MAX(linger_until,
					       now + ms_ns(cf->close_wait_ms));
		}
		if (w->drained_ns) {
			/* The client's side first, then the server's. */
			uint64_t budget = gen_rate_take(&w->close_rate, now, 2048);
			bool all = close_some(w, &close_fd, &budget) &&
				   (peer == NULL ||
				    close_some(peer, &close_peer_fd, &budget));

			if (all && quiet_since == 0)
				quiet_since = now;
			if (now >= linger_until ||
			    (quiet_since && now - quiet_since >= 200000000 &&
			     (cf->close_wait_ms == 0 || engine_settled(w))))
				break;
		} else {
			if (!closing && cf->role == GEN_CLIENT) {
				client_start(w, now, start);
				/*
				 * Open connections over time, for --concurrency,
				 * as they stand once this turn's opens went: a
				 * close waits a turn for its replacement, which
				 * is the loop's pace, not a shortfall.
				 */
				if (now - last_turn >= 1000) {
					uint64_t us = (now - last_turn) / 1000;

					w->c.active_us += w->c.conn_active * us;
					w->c.run_us += us;
					if (w->held)
						w->c.held_us += us;
					last_turn = now - (now - last_turn) % 1000;
				}
			}
			retry_sends(w, now);
			if (peer != NULL)
				retry_sends(peer, now);
		}
		expire_timeouts(w, now);
		if (peer != NULL)
			expire_timeouts(peer, now);
		if (cf->role == GEN_SERVER)
			server_check_room(w, now);
		else if (peer != NULL)
			server_check_room(peer, now);
		/*
		 * Events go out while closing too: a server accepts and
		 * closes what completed its handshake meanwhile (else the
		 * listener's close resets it), a draining client closes what
		 * still answers.
		 */
		n = pmt_events(w->eng, ev, 64);
		for (i = 0; i < n; i++)
			dispatch(w, &ev[i], now);
		if (tick != NULL && now >= next_tick) {
			tick(tick_arg, now);
			next_tick += 1000000000;
			/* After a stall, one sample for the gap, not a burst. */
			if (next_tick <= now)
				next_tick = now + 1000000000;
		}
	}
	w->closed_ns = now;
	w->done = true;
	if (peer != NULL)
		peer->done = true;
}

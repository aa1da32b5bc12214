/* gen.h: pmtcp-gen's configuration, per-lcore workers and their counters. */
#ifndef GEN_H
#define GEN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "gen_hist.h"
#include "gen_http.h"
#include "gen_rate.h"
#include "gen_timer.h"
#include "pmtcp.h"

#define GEN_MAX_SERVERS 64
#define GEN_EXIT_THRESHOLD 3	/* --fail-on threshold crossed */
/* Handshakes in flight per lcore, at least (--max-connecting; else
 * 50 ms worth of this lcore's --cps, so the cap never sets the rate). */
#define GEN_MAX_CONNECTING 1024
#define GEN_CLONES 65535	/* payload windows in flight per lcore */
/* Packets held for full TX rings past which opens and closes wait. */
#define GEN_TX_HOLD (PMT_TX_BACKLOG_MAX / 4)
/* Refusals a server may answer with (400, 408, 413, 414, 431, 501). */
#define GEN_REJECTS 6
/* End of a run: closes per second per lcore, at least (else --cps). */
#define GEN_CLOSE_RATE 100000

/* GEN_BOTH: a server on port 0 and a client on port 1 of one process. */
enum gen_role { GEN_ROLE_NONE = 0, GEN_CLIENT, GEN_SERVER, GEN_BOTH };
enum gen_proto { GEN_HTTP = 0, GEN_RAW };
/* Raw TCP: request/response of fixed sizes, echo, one-way stream. */
enum gen_raw_mode { GEN_RAW_RR = 0, GEN_RAW_ECHO, GEN_RAW_BULK };

/*
 * Why a connection failed: each kind names one cause, so a summary never
 * lumps a full port space with a bug. Order is the report's order.
 */
#define GEN_ERR_LIST(X) \
	X(REFUSED, "refused")			/* RST to our SYN */ \
	X(RESET, "reset")			/* RST on an open connection */ \
	X(TIMEOUT_CONNECT, "timeout_connect")	/* SYN unanswered */ \
	X(TIMEOUT_FIRST_BYTE, "timeout_first_byte") /* no answer byte */ \
	X(TIMEOUT_RESPONSE, "timeout_response")	/* answer not whole in time */ \
	X(TIMEOUT_IDLE, "timeout_idle")		/* no progress mid-exchange */ \
	X(TIMEOUT_REQUEST, "timeout_request")	/* server: request not whole */ \
	X(TIMEOUT_TCP, "timeout_tcp")		/* TCP gave up retransmitting */ \
	X(UNREACHABLE, "unreachable")		/* no route or no ARP answer */ \
	X(HTTP, "http")				/* malformed answer or request */ \
	X(STATUS, "status")			/* status not the one expected */ \
	X(BODY, "body")				/* body length not the one expected */ \
	X(CLOSED, "closed")			/* peer closed mid-exchange */ \
	X(NO_PORT, "no_port")			/* 4-tuple space exhausted */ \
	X(TABLE_FULL, "table_full")		/* socket table full */ \
	X(NO_MBUF, "no_mbuf")			/* out of packet buffers */ \
	X(ANSWERED, "answered")			/* a --blackhole target answered */ \
	X(OTHER, "other")

enum gen_err {
#define GEN_ERR_ENUM(e, name) GEN_ERR_##e,
	GEN_ERR_LIST(GEN_ERR_ENUM)
#undef GEN_ERR_ENUM
	GEN_ERR_N
};

extern const char *const gen_err_names[GEN_ERR_N];

/* The first failure of a kind on an lcore: when, where, and detail. */
struct gen_err_first {
	uint64_t t_ns;		/* 0 = none yet */
	uint32_t laddr, raddr;	/* network order; 0 = unknown */
	uint16_t lport, rport;	/* host order */
	int32_t detail;		/* errno, HTTP parser result or status */
};

struct gen_server {
	uint32_t addr;		/* network order */
	uint16_t port;		/* host order */
};

/* How a client ends a connection after its last answer (--close). */
enum gen_close {
	GEN_CLOSE_FIN = 0,	/* close(): FIN */
	GEN_CLOSE_RST,		/* SO_LINGER 0, close(): RST */
	GEN_CLOSE_HALF,		/* shutdown(SHUT_WR) after the request, the
				 * answer read to EOF, then close() */
	GEN_CLOSE_N
};

extern const char *const gen_close_names[GEN_CLOSE_N];

/* conn.srv of a connection aimed at the --blackhole target. */
#define GEN_SRV_BLACKHOLE 0xff

/* What the user asked for: flags and the [gen] section of a file. */
struct gen_conf {
	enum gen_role role;
	enum gen_proto proto;
	enum gen_raw_mode raw_mode;
	unsigned int n_ports;		/* server: listen ports */
	uint16_t ports[64];
	unsigned int n_src;		/* client: source addresses, round robin */
	uint32_t src[PMT_MAX_ADDRS_PER_PORT];
	bool bind_src;			/* client: bind even a single source */
	unsigned int n_servers;
	struct gen_server servers[GEN_MAX_SERVERS];
	/* --blackhole: a target that never answers a SYN, and the share of
	 * connections aimed at it (parts per million); its connect
	 * timeouts are expected, counted apart from the errors. */
	bool has_blackhole;
	struct gen_server blackhole;
	uint32_t blackhole_ppm;
	/* --close: weights of the close kinds; one non-zero: that kind. */
	uint32_t close_weight[GEN_CLOSE_N];
	uint64_t seed;			/* --seed: the generator's own choices */
	unsigned int close_wait_ms;	/* --close-wait-ms: wait for the stack
					 * to end every connection, 0 = no */
	uint64_t body_size;		/* server response body, bytes */
	uint64_t req_size;		/* raw request size, bytes */
	char method[16];
	char path[256];
	char host[256];
	char headers[1024];		/* extra request headers, CRLF-ended */
	uint64_t cps;			/* connections per second, 0 = off */
	unsigned int ramp_s;		/* ramp-up to cps */
	uint64_t concurrency;		/* connections held open, 0 = off */
	uint64_t requests_per_conn;	/* 0 = unlimited */
	unsigned int interval_ms;	/* between requests on a connection */
	unsigned int duration_s;	/* 0 = until a signal */
	uint64_t max_conns;		/* total connections cap, 0 = none */
	unsigned int backlog;
	bool quiet;			/* no progress lines */
	const char *json_path;
	/* --fail-on thresholds; negative = not set */
	double fail_error_rate;		/* errors / connection attempts */
	double fail_p99_ms;		/* request->response p99 */
	double fail_shortfall;		/* offered / asked rate, fraction short */
	/* Timeouts, ms; 0 = off. */
	unsigned int connect_timeout_ms;	/* client: SYN to established */
	unsigned int first_byte_timeout_ms;	/* client: request to first byte */
	unsigned int response_timeout_ms;	/* client: request to whole answer */
	unsigned int idle_timeout_ms;		/* no progress mid-exchange (client);
						 * no request on a connection (server) */
	unsigned int request_timeout_ms;	/* server: first byte to whole request */
	unsigned int drain_ms;			/* client: answers awaited after the run */
	uint32_t max_header_bytes;		/* server: 431 above it */
	uint64_t max_connecting;		/* handshakes in flight per lcore, 0 = auto */
	unsigned int expect_status;		/* 0 any, 1..5 a class, else exact */
	int64_t expect_body;			/* body bytes, -1 = any */
	int64_t expect_crc;			/* body CRC32C, -1 = any */
	bool expect_crc_pattern;		/* expect_crc: our own body's */
};

/* Per-lcore counters, written by their lcore only, read by the reporter. */
struct gen_counters {
	uint64_t conn_attempts;
	uint64_t conn_established;
	uint64_t conn_closed;
	uint64_t conn_active;		/* gauge */
	uint64_t requests;
	uint64_t responses;
	uint64_t rx_bytes;		/* application bytes */
	uint64_t tx_bytes;
	uint64_t status_2xx;
	uint64_t status_other;		/* non-2xx answers */
	uint64_t err[GEN_ERR_N];
	uint64_t http_reason[GEN_HTTP_N_REASONS];	/* HTTP failures by reason;
							 * [0]: answers to no request */
	uint64_t idle_closed;		/* server: idle connections closed */
	uint64_t rejected;		/* server: 408/431/400 answers sent */
	uint64_t evicted;		/* server: closed to keep the table from filling */
	uint64_t unfinished;		/* client: cut at the drain's end */
	/*
	 * How client connections ended, apart from failures: after their
	 * last answer by each --close kind; closed by the server between
	 * requests; still open when the run ended; SYN-SENT timeouts to the
	 * --blackhole (expected). attempts = their sum + errors.
	 */
	uint64_t closes[GEN_CLOSE_N];
	uint64_t closed_by_peer;
	uint64_t closed_at_end;
	uint64_t bh_attempts;		/* connections aimed at the blackhole */
	uint64_t bh_timeouts;
	/* Server: the client reset between requests (its abortive close,
	 * not a failure); the client half-closed after its request. */
	uint64_t peer_resets;
	uint64_t peer_half_closed;
	/* Why fewer connections started than asked (turns of the loop). */
	uint64_t turns;
	uint64_t turns_capped;		/* handshakes in flight at the cap */
	uint64_t turns_tx_hold;		/* TX rings backed up */
	uint64_t starts_missed;		/* rate tokens lost: the loop was late */
	uint64_t active_us;		/* open connections x microseconds */
	uint64_t run_us;		/* microseconds of the run so far */
	uint64_t held_us;		/* of which --concurrency or --max-conns
					 * held new connections back */
};

struct gen_conn;

/*
 * A message kept as a chain of equal pieces, with an index of them, so
 * that a window anywhere in a body of gigabytes is found in one step,
 * not by a walk from the head on every send.
 */
struct gen_tpl {
	struct rte_mbuf *m;		/* the chain, or NULL */
	struct rte_mbuf **seg;		/* seg[i] holds [i * piece, ...) */
	uint32_t piece;			/* bytes of every piece but the last */
	uint32_t n_seg;
};

/* One generator per lcore, on that lcore's engine. */
struct gen_worker {
	struct pmt_engine *eng;
	const struct gen_conf *conf;
	struct gen_worker *peer;	/* GEN_BOTH: the server on this engine */
	unsigned int lcore;
	unsigned int idx;
	unsigned int n_workers;
	unsigned int n_listen;
	uint64_t next_server;
	uint64_t conns_opened;		/* towards max_conns */
	uint64_t connecting;		/* handshakes in flight */
	uint64_t halfs;			/* client: half-closed and answered, the server's FIN to come */
	uint64_t max_connecting;	/* cap on them */
	uint32_t evict_hand;		/* server: clock hand over conns[] */
	uint32_t evict_reserve;		/* server: descriptors kept free */
	int st_no_tcb;			/* server: index of tcp_listen_no_tcb */
	uint64_t no_tcb_seen;		/* its value when last looked at */
	uint64_t busy;			/* client: requests awaiting answers */
	uint64_t rng;			/* client: --seed's generator state */
	uint32_t close_total;		/* sum of conf->close_weight */
	struct pmt_engine_usage base;	/* the engine before the run (--close-wait-ms) */
	bool draining;			/* client: the run ended; finish, don't start */
	bool held;			/* client: this turn's opens held by design */
	struct gen_rate rate;
	struct gen_rate close_rate;	/* paces the closes at the end */
	uint64_t cps_share;		/* this lcore's part of --cps */
	uint64_t conc_share;		/* this lcore's part of --concurrency */
	uint64_t max_share;		/* this lcore's part of --max-conns */
	struct gen_conn *conns;		/* by descriptor */
	uint32_t n_conns;
	/* sends to try again next turn (FIFO of descriptors) */
	int32_t *retry_fd;
	uint32_t retry_head, retry_tail, retry_cap;
	/* HTTP messages seen whole before: compared, not parsed
	 * (gen_http_known; client: responses, server: requests). */
	struct gen_http_known *known;
	struct gen_msg *msg_slab;	/* one message state per slot (gen.c) */
	struct gen_msg *msg_free;	/* ... those given back */
	uint32_t msg_fresh;		/* ... never handed out below */
	struct rte_mempool *tpl_pool;	/* templates: requests, bodies */
	struct rte_mempool *clone_pool;	/* windows into the templates */
	struct gen_tpl req_tpl;		/* one request, whole */
	struct rte_mbuf *hdr_tpl[3];	/* response header: keep-alive, close,
					 * keep-alive announced (HTTP/1.0) */
	struct gen_tpl body_tpl;	/* response body, shared by all */
	struct rte_mbuf *rej_tpl[GEN_REJECTS];	/* 4xx/501 and close */
	uint64_t req_len;
	bool head;			/* client: the method is HEAD (no body) */
	struct gen_tw tw;		/* timeouts, by descriptor */
	volatile bool done;
	uint64_t ended_ns;		/* when the run ended (drain and closes follow) */
	uint64_t drained_ns;		/* when the drain ended */
	uint64_t closed_ns;		/* when the last close went */
	uint64_t first_ns, last_ns;	/* first and last traffic (server rates) */
	struct gen_err_first first[GEN_ERR_N];
	struct gen_counters c __rte_cache_aligned;
	struct gen_hist h_connect;	/* SYN sent -> established, ns */
	struct gen_hist h_ttfb;		/* request sent -> first byte, ns */
	struct gen_hist h_rr;		/* request sent -> whole response, ns */
};

/* The index of the stack counter @name for pmt_stats_get(), or -1. */
int gen_stat_index(const char *name);

/* Nanoseconds from the TSC (set up by gen_clock_init). */
uint64_t gen_now(void);
/* CRC32C of the first @len bytes of the server's body pattern. */
uint32_t gen_pattern_crc32c(uint64_t len);
void gen_clock_init(void);

int gen_worker_init(struct gen_worker *w, const struct gen_conf *conf,
		    struct pmt_engine *eng, unsigned int idx,
		    unsigned int n_workers, unsigned int max_sockets);
void gen_worker_fini(struct gen_worker *w);
/* Called once a second on the lcore that reports. */
typedef void (*gen_tick_fn)(void *arg, uint64_t now);

/* The worker's loop; returns when *stop or the run is over. */
void gen_worker_run(struct gen_worker *w, volatile bool *stop,
		    uint64_t end_ns, gen_tick_fn tick, void *tick_arg);

#endif /* GEN_H */

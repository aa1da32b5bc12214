/* pmtcp.h: the public API of libpmtcp, the user-space TCP/IP stack on DPDK. */
#ifndef PMTCP_H
#define PMTCP_H

/**
 * @file
 * libpmtcp runs one engine per DPDK lcore. Each engine owns RX queue q
 * and TX queue q of every port, its mbuf pool, its timer wheel, its ARP
 * cache and its counters; nothing on the fast path is shared.
 *
 * Two ways to use it:
 *  - as a program: pmt_stack_init() after rte_eal_init(), then
 *    pmt_stack_run() runs every engine on its lcore until pmt_stack_stop();
 *  - embedded: pmt_stack_init(), then call pmt_engine_poll() on
 *    pmt_engine_get(rte_lcore_id()) from your own per-lcore loop.
 *
 * Errors are negative errno values. Addresses are in network byte order
 * unless a name says otherwise.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct rte_mbuf;
struct rte_mempool;

#ifdef __cplusplus
extern "C" {
#endif

/** Most ports a stack drives. */
#define PMT_MAX_PORTS 8
/** Most IPv4 addresses configured on one port. */
#define PMT_MAX_ADDRS_PER_PORT 16

/** One IPv4 address with its prefix length. */
struct pmt_ipv4_prefix {
	uint32_t addr;		/**< network byte order */
	uint8_t len;		/**< prefix length, 0..32 */
};

/** IPv4 configuration of one port. */
struct pmt_port_config {
	unsigned int n_addrs;	/**< entries used in addrs */
	struct pmt_ipv4_prefix addrs[PMT_MAX_ADDRS_PER_PORT];
};

/** Impairment directions: what a port receives, what it sends. */
enum pmt_impair_dir {
	PMT_IMPAIR_RX = 0,	/**< after rx_burst, before parsing */
	PMT_IMPAIR_TX = 1,	/**< before tx_burst */
};

/**
 * Impairments of one direction of one port (docs/impairment.md).
 * Probabilities are in parts per million (1% = 10000). All zero: off.
 * Fill with pmt_impair_parse() ("loss=1%,delay=2ms,...").
 */
struct pmt_impair_spec {
	uint32_t loss_ppm;		/**< independent random loss */
	uint32_t ge_p_ppm;		/**< Gilbert-Elliott: good -> bad */
	uint32_t ge_r_ppm;		/**< Gilbert-Elliott: bad -> good, per frame */
	uint32_t ge_r_us;		/**< or: mean time in the bad state */
	uint32_t ge_bad_loss_ppm;	/**< loss in the bad state */
	uint32_t ge_good_loss_ppm;	/**< loss in the good state */
	uint32_t reorder_ppm;		/**< packets held back */
	uint32_t reorder_max;		/**< most later packets that pass one */
	uint32_t reorder_timeout_us;	/**< longest a held packet waits */
	uint32_t dup_ppm;		/**< packets sent twice */
	uint32_t corrupt_ppm;		/**< IPv4 frames with one bit flipped */
	uint32_t delay_us;		/**< fixed delay */
	uint32_t jitter_us;		/**< uniform +- around the delay */
	uint32_t queue;			/**< holding queue bound, packets */
	uint32_t rate_burst;		/**< token bucket depth, bytes */
	uint64_t rate_bps;		/**< rate limit, bytes/s; 0: none */
	uint32_t spare;			/**< PMT_IMPAIR_SPARE_*: frames let be */
};

/** spare=syn: TCP SYN and SYN-ACK frames escape loss and corruption. */
#define PMT_IMPAIR_SPARE_SYN 1u
/** spare=arp: so do ARP frames. */
#define PMT_IMPAIR_SPARE_ARP 2u

/** True when @p s impairs anything. */
static inline bool
pmt_impair_spec_on(const struct pmt_impair_spec *s)
{
	return s->loss_ppm || s->ge_p_ppm || s->reorder_ppm || s->dup_ppm ||
	       s->corrupt_ppm || s->delay_us || s->jitter_us || s->rate_bps;
}

/**
 * Parse an impairment spec: comma-separated items, each optional once:
 * loss=P%, burst=P%/R[/BADLOSS%[/GOODLOSS%]] (R: R% per frame or a mean
 * duration such as 50us), reorder=P%/N[/TIMEOUT],
 * dup=P%, corrupt=P%, delay=T, jitter=T, rate=RATE[/BURSTBYTES],
 * queue=N, spare=syn|arp|syn/arp (TCP SYN and SYN-ACK frames, ARP
 * frames, escape loss, bursts, duplication and corruption: a run then
 * measures loss recovery, not 1 s initial timeouts); "off" (or "none")
 * for none. T: a number with us, ms or s.
 * RATE: a number with bit, kbit, mbit, gbit (bits/s) or bps, kbps, mbps,
 * gbps (bytes/s, as tc).
 *
 * @return 0, or -EINVAL with @p err naming the bad item.
 */
int pmt_impair_parse(const char *spec, struct pmt_impair_spec *out,
		     char *err, size_t errlen);

/**
 * Stack configuration. Fill with pmt_config_defaults(), then change
 * fields directly or by name with pmt_config_set() / pmt_config_load().
 */
struct pmt_config {
	unsigned int n_ports;		/**< ports with configuration */
	struct pmt_port_config ports[PMT_MAX_PORTS]; /**< by port index */
	uint32_t gateway;		/**< default gateway, 0 for none */
	unsigned int mbufs_per_lcore;	/**< mbuf pool size of each engine */
	unsigned int rx_desc;		/**< RX descriptors per queue */
	unsigned int tx_desc;		/**< TX descriptors per queue */
	unsigned int mtu;		/**< IP MTU in bytes */
	unsigned int link_wait_ms;	/**< how long start-up waits for link */
	unsigned int tx_drain_us;	/**< longest a TX packet waits in the buffer */
	unsigned int arp_reachable_ms;	/**< a confirmed ARP entry is trusted this long */
	unsigned int arp_retry_ms;	/**< interval between ARP requests */
	unsigned int arp_retries;	/**< requests before resolution fails */
	unsigned int arp_pending_max;	/**< packets queued per unresolved entry, <= 16 */
	unsigned int arp_entries;	/**< ARP cache entries per engine */
	unsigned int offloads;		/**< 1: use the ports' checksum offloads */
	unsigned int tso;		/**< 1: use the ports' TCP segmentation offload */
	unsigned int tcp_max_sockets;	/**< TCBs (and descriptors) per engine */
	unsigned int tcp_sndbuf;	/**< default SO_SNDBUF, bytes */
	unsigned int tcp_rcvbuf;	/**< default SO_RCVBUF, bytes */
	unsigned int tcp_rto_min_ms;	/**< RFC 6298 lower bound (200) */
	unsigned int tcp_rto_max_ms;	/**< upper bound of backoff (60000) */
	unsigned int tcp_rto_init_ms;	/**< RTO before any sample (1000) */
	unsigned int tcp_syn_retries;	/**< SYN retransmissions (active open) */
	unsigned int tcp_retries;	/**< data retransmissions before abort */
	unsigned int tcp_time_wait_ms;	/**< 2MSL: TIME-WAIT duration */
	unsigned int tcp_fin_wait2_ms;	/**< FIN-WAIT-2 limit after close */
	unsigned int tcp_delack_ms;	/**< delayed-ACK timer */
	unsigned int tcp_flush_us;	/**< delayed flush of a partial segment */
	unsigned int tcp_keep_idle_s;	/**< keepalive: idle before probes */
	/**
	 * Milliseconds an ESTABLISHED connection with nothing queued,
	 * unacknowledged or timed (and no SO_KEEPALIVE) waits before it
	 * trades its TCB for a 128-byte idle form; the next segment or
	 * call restores it. 0 (the default) keeps every TCB.
	 */
	unsigned int tcp_idle_ms;
	unsigned int tcp_keep_intvl_s;	/**< keepalive: between probes */
	unsigned int tcp_keep_probes;	/**< keepalive: probes before abort */
	unsigned int tcp_port_min;	/**< ephemeral port range, inclusive */
	unsigned int tcp_port_max;
	/**
	 * Half-open connections per engine held in the syncache (compact
	 * entries, never TCBs); past it, SYN cookies answer (docs/syncache.md).
	 */
	unsigned int tcp_syncache_entries;
	/** SYN-ACK retransmissions of a syncache entry (1 s, 2 s, 4 s ...). */
	unsigned int tcp_syncache_retries;
	/** SYN cookies: 0 off, 1 when the syncache is full (default), 2 always. */
	unsigned int tcp_syncookies;
	/** Impairments by port and direction (enum pmt_impair_dir). */
	struct pmt_impair_spec impair[PMT_MAX_PORTS][2];
	/** Seed of the impairments' generators (with port, direction, lcore). */
	unsigned int impair_seed;
	/**
	 * Out-of-order bytes one connection may hold; 0 (the default):
	 * its receive buffer. Past it, the segments farthest from RCV.NXT
	 * are dropped (tcp_rx_ooo_drop_bytes).
	 */
	unsigned int tcp_ooo_max_bytes;
	/**
	 * Out-of-order segments one connection may hold (256: a default
	 * 256 KiB window of full segments, so a hole does not make the
	 * receiver drop what the sender would then resend; at most 1024,
	 * which bounds the walk each arriving segment costs).
	 */
	unsigned int tcp_ooo_max_segs;
	/**
	 * Mbufs all of an engine's out-of-order queues may hold together;
	 * 0 (the default): a quarter of the engine's pool (mbufs).
	 */
	unsigned int tcp_ooo_engine_mbufs;
	/**
	 * SACK (RFC 2018): 1 (the default) offers and accepts
	 * SACK-permitted; 0 neither offers nor accepts it, so loss recovery
	 * falls back to NewReno (RFC 6582) on every connection.
	 */
	unsigned int tcp_sack;
	/**
	 * Congestion control of new sockets, an enum pmt_cc_algo: the key
	 * tcp-congestion takes "cubic" (the default) or "newreno";
	 * PMT_TCP_CONGESTION changes it per socket.
	 */
	unsigned int tcp_congestion;
	/** Internal: how many ports "addr" set; flags override file ports. */
	unsigned int n_addr_set;
};

/** Fill @p cfg with defaults: no addresses, 8191 mbufs, MTU 1500, ... */
void pmt_config_defaults(struct pmt_config *cfg);

/**
 * Set one configuration key from text, as a flag or INI line would.
 *
 * @param section NULL or "stack" for stack keys; "portN" for port N.
 * @param key     stack keys: addr (IP/PREFIX of the next port; the first
 *                call replaces addresses set earlier, e.g. by a file),
 *                alias (one more IP/PREFIX on the last addr's port),
 *                gateway, mbufs, rx-desc, tx-desc, mtu, link-wait-ms,
 *                tx-drain-us, arp-reachable-ms, arp-retry-ms, arp-retries,
 *                arp-pending, arp-entries, impair-rx / impair-tx
 *                ("[PORT:]SPEC", see pmt_impair_parse(); no PORT: all
 *                ports), impair ("rx:..." or "tx:..."), impair-seed,
 *                tcp-congestion ("cubic" or "newreno"), the tcp-* numbers.
 *                Port keys: addr (appends), impair-rx, impair-tx.
 * @param err     receives a one-line message on error (may be NULL).
 * @return 0; -ENOENT for an unknown key or section (so a program can try
 *         its own keys); -EINVAL for a bad value.
 */
int pmt_config_set(struct pmt_config *cfg, const char *section,
		   const char *key, const char *value, char *err,
		   size_t errlen);

/**
 * Callback for keys that pmt_config_set() does not know.
 * @return 0 if taken, -ENOENT if unknown, -EINVAL if the value is bad
 *         (then it writes @p err).
 */
typedef int (*pmt_config_other_fn)(void *arg, const char *section,
				   const char *key, const char *value,
				   char *err, size_t errlen);

/**
 * Read an INI file: section [stack] (or none) for stack keys, [portN] for
 * port N, anything else through @p other (which may be NULL).
 * A file of more than 1 MiB, or one with a NUL byte, is refused after
 * at most that much is read (so /dev/zero or an endless pipe cannot hang
 * the caller).
 * @return 0, -ENOENT if the file cannot be opened or read, -EINVAL on a
 *         bad line, a NUL byte or too large a file (@p err names file,
 *         line and reason).
 */
int pmt_config_load(struct pmt_config *cfg, const char *path,
		    pmt_config_other_fn other, void *arg, char *err,
		    size_t errlen);

/** Check a complete configuration (e.g. gateway reachable). */
int pmt_config_validate(const struct pmt_config *cfg, char *err,
			size_t errlen);

/** Parse "a.b.c.d" into network byte order. @return 0 or -EINVAL. */
int pmt_ipv4_parse_addr(const char *s, uint32_t *addr);

/** Parse "a.b.c.d/len". @return 0 or -EINVAL. */
int pmt_ipv4_parse_prefix(const char *s, struct pmt_ipv4_prefix *p);

/**
 * Bring the stack up: one engine per enabled lcore, every ethdev port
 * configured with one RX and one TX queue per engine, started, link
 * awaited, gratuitous ARP sent. Call after rte_eal_init(), from the main
 * lcore. Every available port needs an address in @p cfg.
 * @return 0 or a negative errno; then a message was logged.
 */
int pmt_stack_init(const struct pmt_config *cfg);

/**
 * Run every engine on its lcore (the calling main lcore included) until
 * pmt_stack_stop(). @return 0 or a negative errno.
 */
int pmt_stack_run(void);

/** Ask every engine to leave pmt_stack_run(). Async-signal-safe. */
void pmt_stack_stop(void);

/** True once pmt_stack_stop() was called. */
bool pmt_stack_stopping(void);

/** Stop and close every port, free the engines. */
void pmt_stack_close(void);

/** An engine: the per-lcore instance of the stack. */
struct pmt_engine;

/** The engine that runs on @p lcore_id, or NULL. */
struct pmt_engine *pmt_engine_get(unsigned int lcore_id);

/**
 * One turn of the engine's loop: RX burst on every port, classify and
 * handle, run due timers, drain TX. For applications that own the loop.
 * Must be called only from the engine's lcore.
 * @return the number of packets received.
 */
unsigned int pmt_engine_poll(struct pmt_engine *eng);

/**
 * @name Sockets
 * A non-blocking descriptor API after BSD sockets. Each engine has its
 * own descriptors: call these only on the engine's lcore, with that
 * engine. Addresses are network byte order, ports host byte order.
 * Errors are negative errno values; -EAGAIN means "try after the next
 * event".
 * @{
 */

/** pmt_send() flag: more data follows; hold a partial segment (cork). */
#define PMT_MSG_MORE 0x1

/** Readiness events (struct pmt_event.events). Edge-triggered: each is
 *  reported once per change; read or write until -EAGAIN. */
#define PMT_EV_IN 0x1	/**< data, end of stream, or a connection to accept */
#define PMT_EV_OUT 0x2	/**< connected, or send space freed */
#define PMT_EV_HUP 0x4	/**< the peer closed its side (FIN received) */
#define PMT_EV_ERR 0x8	/**< the connection failed; see PMT_SO_ERROR */

/** Socket options for pmt_setsockopt() / pmt_getsockopt(). */
enum pmt_sockopt {
	PMT_TCP_NODELAY = 1,	/**< 1: send each write at once (Nagle off) */
	PMT_SO_SNDBUF,		/**< send buffer, bytes */
	PMT_SO_RCVBUF,		/**< receive buffer, bytes */
	PMT_SO_LINGER,		/**< seconds; 0 = close with RST; -1 = off */
	PMT_SO_KEEPALIVE,	/**< 1: send keepalive probes when idle */
	PMT_SO_REUSEADDR,	/**< 1: bind even if TIME-WAIT sockets hold the port */
	PMT_SO_ERROR,		/**< get only: errno the connection ended with (cleared) */
	PMT_TCP_MAXSEG,		/**< get only: the effective send MSS */
	PMT_TCP_CORK,		/**< 1: hold partial segments until uncorked or flushed */
	PMT_TCP_STATE,		/**< get only: RFC 9293 state, 0 CLOSED .. 10 TIME-WAIT */
	/**
	 * Congestion control, an enum pmt_cc_algo (default: the stack key
	 * tcp-congestion). Settable before connect() or listen() (a
	 * listener's connections inherit it) and on an open connection,
	 * where the new algorithm starts from the current cwnd and ssthresh
	 * with its own state reset; -EINVAL for an unknown value.
	 */
	PMT_TCP_CONGESTION,
};

/** Congestion-control algorithms (PMT_TCP_CONGESTION, tcp-congestion). */
enum pmt_cc_algo {
	/**
	 * CUBIC (RFC 9438; beta 0.7, fast convergence), HyStart++ (RFC
	 * 9406) in the initial slow start. The default.
	 */
	PMT_CC_CUBIC = 0,
	/** NewReno (RFC 5681, 6582): halve on loss, one SMSS per RTT. */
	PMT_CC_NEWRENO = 1,
};

/** One readiness event. */
struct pmt_event {
	int fd;			/**< descriptor */
	uint32_t events;	/**< PMT_EV_* */
	void *udata;		/**< what pmt_set_udata() attached */
};

/** A new TCP socket. @return a descriptor >= 0, or -EMFILE. */
int pmt_socket(struct pmt_engine *eng);

/** Bind to @p addr (0 = any of ours) and @p port (0 = ephemeral). */
int pmt_bind(struct pmt_engine *eng, int fd, uint32_t addr, uint16_t port);

/** Listen with room for @p backlog connections not yet accepted. */
int pmt_listen(struct pmt_engine *eng, int fd, int backlog);

/**
 * Take an established connection. @p addr / @p port (may be NULL)
 * receive the peer. @return a descriptor, or -EAGAIN.
 */
int pmt_accept(struct pmt_engine *eng, int fd, uint32_t *addr,
	       uint16_t *port);

/**
 * Open a connection. @return -EINPROGRESS: PMT_EV_OUT follows when
 * established, PMT_EV_ERR when refused (-ECONNREFUSED) or timed out.
 */
int pmt_connect(struct pmt_engine *eng, int fd, uint32_t addr,
		uint16_t port);

/**
 * Copy up to @p len bytes into the send queue (one copy, into mbufs).
 * @return bytes queued (may be short), -EAGAIN when the buffer is full,
 * -EPIPE after shutdown or close, -ENOTCONN before the connection opens.
 */
long pmt_send(struct pmt_engine *eng, int fd, const void *buf, size_t len,
	      int flags);

/**
 * Zero-copy send: the stack takes the whole mbuf chain @p m (it must
 * not be modified afterwards) and transmits windows into it.
 * @return bytes queued (the chain's length), or an error and @p m is
 * still the caller's (-EAGAIN when the chain does not fit).
 */
long pmt_send_mbuf(struct pmt_engine *eng, int fd, struct rte_mbuf *m,
		   int flags);

/**
 * Free room in the send buffer, in bytes: what pmt_send() would take
 * now. @return bytes (0 when full), or a negative errno.
 */
long pmt_send_space(struct pmt_engine *eng, int fd);

/**
 * Indirect mbufs from @p pool windowing bytes [@p off, @p off + @p len)
 * of the chain @p src: how the segmenter cuts the send queue without
 * copying, and how an application sends a part of a shared payload
 * with pmt_send_mbuf(). @p len must be > 0.
 * @return the new chain, or NULL with rte_errno ENOBUFS (pool empty)
 * or EINVAL (the chain is shorter than @p off + @p len).
 */
struct rte_mbuf *pmt_mbuf_window(struct rte_mempool *pool,
				 struct rte_mbuf *src, uint64_t off,
				 uint64_t len);

/** Copy out up to @p len bytes. @return bytes, 0 at end of stream, -EAGAIN. */
long pmt_recv(struct pmt_engine *eng, int fd, void *buf, size_t len);

/**
 * Zero-copy receive: take what has arrived as one mbuf chain (the
 * caller frees it). @return its length, 0 at end of stream, -EAGAIN.
 */
long pmt_recv_mbuf(struct pmt_engine *eng, int fd, struct rte_mbuf **m);

/** SHUT_RD, SHUT_WR or SHUT_RDWR (from <sys/socket.h>). */
int pmt_shutdown(struct pmt_engine *eng, int fd, int how);

/** Release the descriptor; the connection closes gracefully (FIN),
 *  or with RST if unread data remains or SO_LINGER is 0. */
int pmt_close(struct pmt_engine *eng, int fd);

int pmt_setsockopt(struct pmt_engine *eng, int fd, enum pmt_sockopt opt,
		   int value);
int pmt_getsockopt(struct pmt_engine *eng, int fd, enum pmt_sockopt opt,
		   int *value);
int pmt_getsockname(struct pmt_engine *eng, int fd, uint32_t *addr,
		    uint16_t *port);
int pmt_getpeername(struct pmt_engine *eng, int fd, uint32_t *addr,
		    uint16_t *port);

/** Attach an application pointer, returned with every event. */
int pmt_set_udata(struct pmt_engine *eng, int fd, void *udata);

/**
 * Collect up to @p max pending events of this engine's sockets (does not
 * poll the ports: call pmt_engine_poll() in the same loop).
 * @return the number written to @p ev.
 */
int pmt_events(struct pmt_engine *eng, struct pmt_event *ev, int max);

/** @} */

/**
 * Is the next hop towards @p addr resolved on this engine? Starts ARP
 * resolution if not. Lets a client wait before its first burst of
 * SYNs instead of losing all but the few that ARP holds.
 * @return 0 when resolved, -EAGAIN while resolving, -ENETUNREACH when
 * no route leads there, -EADDRNOTAVAIL when @p from is not ours.
 * @p from is the local address the traffic will leave from (as bound
 * with pmt_bind()), or 0 to let the route choose.
 */
int pmt_neighbor_resolve(struct pmt_engine *eng, uint32_t addr,
			 uint32_t from);

/**
 * pmt_engine_poll() with the clock read by the caller: @p tsc is a
 * value of rte_rdtsc() taken this turn. An application that reads the
 * TSC anyway saves the second read (not free in every VM).
 */
unsigned int pmt_engine_poll_tsc(struct pmt_engine *eng, uint64_t tsc);

/**
 * Packets this engine holds for ports whose TX rings were full: the
 * backpressure signal. It buffers up to PMT_TX_BACKLOG_MAX a port and
 * drops past that (tx_drop_full); an application that opens or closes
 * connections in bulk holds back while it is high.
 */
unsigned int pmt_engine_tx_backlog(const struct pmt_engine *eng);
#define PMT_TX_BACKLOG_MAX 1024

/** Number of counters pmt_stats_get() reports. */
unsigned int pmt_stats_count(void);

/**
 * Counter @p i summed over all engines, its name in @p name.
 * Safe from any thread (values may be a few packets stale).
 * @return 0 or -ERANGE.
 */
int pmt_stats_get(unsigned int i, const char **name, uint64_t *value);

/**
 * What one engine holds at a moment, for leak checks: once every
 * connection has ended (TIME-WAIT included) and the sockets are closed,
 * each figure is back to its value before the first socket.
 */
struct pmt_engine_usage {
	uint32_t mbufs;		/**< packet mbufs out of the engine's pool: RX
				 *   rings, queues, frames in flight */
	uint32_t clones;	/**< indirect mbufs of the segmenter */
	uint32_t tcbs;		/**< TCBs: sockets, listeners, connections
				 *   closing, TCBs awaiting reclaim */
	uint32_t tcb_idle;	/**< compact idle forms (quiet ESTABLISHED,
				 *   TIME-WAIT) */
	uint32_t syncache;	/**< half-open entries */
	uint32_t ooo_mbufs;	/**< mbufs in out-of-order queues */
	uint32_t timers;	/**< timers armed on the engine's wheel for
				 *   connections (the ARP cache's aside) */
	uint32_t fds;		/**< descriptors held */
	uint32_t tcp_exts;	/**< loss-recovery and congestion state
				 *   blocks of connections that lost data or
				 *   left slow start's start */
};

/**
 * Fill @p u with what @p eng holds now. Exact on the engine's lcore;
 * from another thread the figures may be a few objects stale.
 */
void pmt_engine_usage(const struct pmt_engine *eng,
		      struct pmt_engine_usage *u);

/**
 * Print every engine's usage (struct pmt_engine_usage), one figure a
 * line: "@p tag NAME lcore=N in_use=N", NAME one of mbuf, clone, tcb,
 * tcb_idle, syncache, ooo_mbuf, timer, fd, tcp_ext.
 */
void pmt_pools_print(FILE *f, const char *tag);

/**
 * Print the non-zero counters ("stat NAME=VALUE"), each pool's objects
 * in use (pmt_pools_print() with tag "pool"), the TCBs left in each
 * socket table by state ("tcb_state lcore=N STATE=N") and the ARP
 * caches, one per line. The mbuf pool's count includes the mbufs the ports' RX rings
 * hold.
 */
void pmt_stats_print(FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* PMTCP_H */

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
 *                gateway, mbufs, rx-desc, tx-desc, mtu, link-wait-ms,
 *                tx-drain-us, arp-reachable-ms, arp-retry-ms, arp-retries,
 *                arp-pending, arp-entries. Port keys: addr (appends).
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
 * @return 0, -ENOENT if the file cannot be opened, -EINVAL on a bad line
 *         (@p err names file, line and reason).
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

/** Number of counters pmt_stats_get() reports. */
unsigned int pmt_stats_count(void);

/**
 * Counter @p i summed over all engines, its name in @p name.
 * Safe from any thread (values may be a few packets stale).
 * @return 0 or -ERANGE.
 */
int pmt_stats_get(unsigned int i, const char **name, uint64_t *value);

/** Print the non-zero counters and the ARP caches, one per line. */
void pmt_stats_print(FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* PMTCP_H */
